import threading
from dataclasses import dataclass, field

from domain import Todo, TodoId, User, UserId


@dataclass
class InMemoryStore:
    """The state every in-memory unit of work shares, and the lock that serialises them."""

    todos: dict[TodoId, Todo] = field(default_factory=dict)
    users: dict[UserId, User] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)


class Journal:
    """The values a unit of work replaced, so that a rollback can put them back."""

    def __init__(self) -> None:
        self._todos: dict[TodoId, Todo | None] = {}
        self._users: dict[UserId, User | None] = {}

    def todo_before(self, store: InMemoryStore, todo_id: TodoId) -> None:
        self._todos.setdefault(todo_id, store.todos.get(todo_id))

    def user_before(self, store: InMemoryStore, user_id: UserId) -> None:
        self._users.setdefault(user_id, store.users.get(user_id))

    def undo(self, store: InMemoryStore) -> None:
        for table, saved in ((store.todos, self._todos), (store.users, self._users)):
            for key, value in saved.items():
                if value is None:
                    table.pop(key, None)  # type: ignore[arg-type]
                else:
                    table[key] = value  # type: ignore[index,assignment]
        self.forget()

    def forget(self) -> None:
        self._todos.clear()
        self._users.clear()
