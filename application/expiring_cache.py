from datetime import datetime
from threading import Lock
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class ExpiringCache(Generic[K, V]):
    """Values remembered each until its own deadline, at most `max_entries` of them.

    When full it starts over rather than tracking recency: the callers remember
    what is cheap to ask again, and a bound is all that memory needs.
    """

    def __init__(self, max_entries: int) -> None:
        self._max_entries = max_entries
        self._entries: dict[K, tuple[V, datetime]] = {}
        self._lock = Lock()

    def get(self, key: K, now: datetime) -> V | None:
        entry = self._entries.get(key)
        if entry is None or now >= entry[1]:
            return None
        return entry[0]

    def put(self, key: K, value: V, until: datetime) -> None:
        with self._lock:
            if len(self._entries) >= self._max_entries:
                self._entries.clear()
            self._entries[key] = (value, until)
