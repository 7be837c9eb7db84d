import threading
from dataclasses import dataclass, field
from typing import Any, TypeVar

from todo_service.application.changes import Change
from todo_service.application.idempotency import IdempotencyRecord
from todo_service.domain import Todo, TodoId, User, UserId

_ABSENT: Any = object()
K = TypeVar("K")
V = TypeVar("V")


@dataclass
class InMemoryStore:
    """The state every in-memory unit of work shares, and the lock that serialises them."""

    todos: dict[TodoId, Todo] = field(default_factory=dict)
    users: dict[UserId, User] = field(default_factory=dict)
    idempotency: dict[tuple[UserId, str], IdempotencyRecord] = field(default_factory=dict)
    # The change log: each todo's last change number, each deleted todo's tombstone, and
    # the clock the numbers come from (one entry, so that a rollback undoes it too).
    change_numbers: dict[TodoId, int] = field(default_factory=dict)
    tombstones: dict[TodoId, tuple[UserId, Change]] = field(default_factory=dict)
    clock: dict[str, int] = field(default_factory=lambda: {"now": 0})
    lock: threading.RLock = field(default_factory=threading.RLock)


class Journal:
    """The entries a unit of work replaced, so that a rollback can put them back."""

    def __init__(self) -> None:
        self._saved: dict[tuple[int, object], tuple[dict[Any, Any], object, object]] = {}

    def write(self, table: dict[K, V], key: K, value: V | None) -> None:
        """Set (or, with None, delete) one entry, remembering what stood there first."""
        self._saved.setdefault((id(table), key), (table, key, table.get(key, _ABSENT)))
        if value is None:
            table.pop(key, None)
        else:
            table[key] = value

    def undo(self) -> None:
        for table, key, value in self._saved.values():
            if value is _ABSENT:
                table.pop(key, None)
            else:
                table[key] = value
        self.forget()

    def forget(self) -> None:
        self._saved.clear()
