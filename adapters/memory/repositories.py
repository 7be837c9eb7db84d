from collections.abc import Sequence
from functools import cmp_to_key
from itertools import islice

from adapters.memory.store import InMemoryStore, Journal
from application.errors import StaleWriteError
from application.listing import Position, TodoFilters, TodoQuery, compare_positions
from application.ports import TodoRepository, UserRepository
from domain import Todo, TodoId, User, UserId


class InMemoryTodoRepository(TodoRepository):
    """The reference implementation of the repository contract, over a shared store."""

    def __init__(self, store: InMemoryStore, journal: Journal) -> None:
        self._store = store
        self._journal = journal

    def add(self, todo: Todo) -> None:
        if todo.id in self._store.todos:
            raise ValueError("todo id already used")
        self._write(todo.id, todo)

    def get(self, owner_id: UserId, todo_id: TodoId, *, for_update: bool = False) -> Todo | None:
        todo = self._store.todos.get(todo_id)
        return todo if todo is not None and todo.is_owned_by(owner_id) else None

    def save(self, todo: Todo) -> None:
        self._require_stored_version(todo, todo.version - 1)
        self._write(todo.id, todo)

    def remove(self, todo: Todo) -> None:
        self._require_stored_version(todo, todo.version)
        self._write(todo.id, None)

    def find(self, owner_id: UserId, query: TodoQuery) -> Sequence[Todo]:
        field, direction = query.sort.field, query.sort.direction

        def compare(a: Todo, b: Todo) -> int:
            return compare_positions(Position.of(a, field), Position.of(b, field), direction)

        ordered = sorted(self._matching(owner_id, query.filters), key=cmp_to_key(compare))
        after = query.after
        if after is not None:
            ordered = [
                t for t in ordered if compare_positions(Position.of(t, field), after, direction) > 0
            ]
        return list(islice(ordered, query.offset, query.offset + query.limit + 1))

    def count(self, owner_id: UserId, filters: TodoFilters) -> int:
        return sum(1 for _ in self._matching(owner_id, filters))

    def _matching(self, owner_id: UserId, filters: TodoFilters) -> list[Todo]:
        return [
            t for t in self._store.todos.values() if t.is_owned_by(owner_id) and filters.matches(t)
        ]

    def _require_stored_version(self, todo: Todo, version: int) -> None:
        stored = self._store.todos.get(todo.id)
        if stored is None or stored.owner_id != todo.owner_id or stored.version != version:
            raise StaleWriteError

    def _write(self, todo_id: TodoId, todo: Todo | None) -> None:
        self._journal.todo_before(self._store, todo_id)
        if todo is None:
            del self._store.todos[todo_id]
        else:
            self._store.todos[todo_id] = todo


class InMemoryUserRepository(UserRepository):
    def __init__(self, store: InMemoryStore, journal: Journal) -> None:
        self._store = store
        self._journal = journal

    def get(self, user_id: UserId) -> User | None:
        return self._store.users.get(user_id)

    def add_if_absent(self, user: User) -> User:
        stored = self._store.users.get(user.id)
        if stored is not None:
            return stored
        self.save(user)
        return user

    def save(self, user: User) -> None:
        self._journal.user_before(self._store, user.id)
        self._store.users[user.id] = user
