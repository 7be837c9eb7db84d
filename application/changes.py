"""The change log as the application reads it: what changed in a user's todos, since when.

Every write records, in its own transaction, the number of the change that made it:
on the todo's row, or on a tombstone when the todo was deleted. A sync reads one
user's changes in (number, id) order. Numbers need not follow the commits (on
PostgreSQL they are transaction ids, and an older transaction may commit later), so a
sync does not resume after the last number it saw: it resumes from a *floor*, a number
read before the changes that no change committing later can be below. Whatever
committed after a sync began is at or above the floor its pass took, and comes in the
next pass; a change may come twice, never not at all.
"""

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from todo_service.application.errors import ApplicationError
from todo_service.application.signing import Sealer
from todo_service.domain import InvalidValueError, Todo, TodoId, UserId

DEFAULT_CHANGE_RETENTION = timedelta(days=30)
MAX_TOKEN_LENGTH = 400
# Past every id: a position "after (floor - 1, LAST_ID)" is every change from the floor on.
LAST_ID = UUID(int=2**128 - 1)
_SCOPE = b"todo-service sync token v1\n"


@dataclass(frozen=True, slots=True, order=True)
class ChangePosition:
    """Where a change stands in a user's change log: its number, then the todo's id."""

    number: int
    todo_id: TodoId


@dataclass(frozen=True, slots=True)
class Change:
    """One entry of the log: a todo as it is now, or the deletion of one (`todo` None)."""

    position: ChangePosition
    todo: Todo | None = None
    deleted_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Deletion:
    todo_id: TodoId
    deleted_at: datetime


@dataclass(frozen=True, slots=True)
class ChangesPage:
    """What changed since a token: the todos as they are now, the ids deleted, and the
    token to ask with next. `more`: another page follows at once (ask with `token`)."""

    todos: tuple[Todo, ...]
    deleted: tuple[Deletion, ...]
    token: str
    more: bool
    # The least change number a sync with `token` can still bring: live updates watch
    # the log from it (entrypoints/http/live_updates.py).
    floor: int


class SyncTokenExpiredError(ApplicationError):
    """The token is older than the change log keeps deletions; the client starts over."""

    def __init__(self, retention: timedelta) -> None:
        days = retention / timedelta(days=1)
        super().__init__(
            f"The sync token is older than the {days:g} days deletions are kept: start a "
            "full sync again (ask without a token) and replace the todos you hold"
        )


@dataclass(frozen=True, slots=True)
class SyncState:
    """What a token holds: the floor a pass reads from (and when it was taken), and in
    the middle of a pass the last position sent and the floor the next pass takes."""

    floor: int
    taken_at: float
    after: ChangePosition | None = None
    next_floor: int | None = None
    next_taken_at: float | None = None

    @property
    def reading_from(self) -> ChangePosition:
        return self.after or ChangePosition(self.floor - 1, LAST_ID)


class SyncTokens:
    """Opaque, signed sync tokens, each good for one user and for the retention period."""

    def __init__(self, secret: bytes, retention: timedelta = DEFAULT_CHANGE_RETENTION) -> None:
        self._sealer = Sealer(secret)
        self.retention = retention

    def seal(self, owner_id: UserId, state: SyncState) -> str:
        after = None if state.after is None else [state.after.number, state.after.todo_id.hex]
        fields = [state.floor, state.taken_at, after, state.next_floor, state.next_taken_at]
        payload = json.dumps(fields, separators=(",", ":")).encode()
        return self._sealer.seal(_scope(owner_id), payload)

    def open(self, token: str, owner_id: UserId, now: float) -> SyncState:
        """The state a token of `owner_id` holds; InvalidValueError for anything else,
        SyncTokenExpiredError for one whose floor is past the retention period."""
        payload = self._sealer.open(token, _scope(owner_id), MAX_TOKEN_LENGTH)
        if payload is None:
            raise _invalid()
        try:
            floor, taken_at, after, next_floor, next_taken_at = json.loads(payload)
            state = SyncState(
                int(floor),
                float(taken_at),
                None if after is None else ChangePosition(int(after[0]), UUID(hex=after[1])),
                None if next_floor is None else int(next_floor),
                None if next_taken_at is None else float(next_taken_at),
            )
        except (TypeError, ValueError, IndexError):
            raise _invalid() from None
        if (state.after is None) != (state.next_floor is None or state.next_taken_at is None):
            raise _invalid()  # a pass half begun: never sealed by us
        if now - state.taken_at > self.retention.total_seconds():
            raise SyncTokenExpiredError(self.retention)
        return state


def _scope(owner_id: UserId) -> bytes:
    return _SCOPE + owner_id.value.encode()


def _invalid() -> InvalidValueError:
    return InvalidValueError(
        "token", "is invalid or not yours: start a full sync again (ask without a token)"
    )
