from todo_service.application.changes import (
    ChangesPage,
    Deletion,
    SyncState,
    SyncTokens,
)
from todo_service.application.listing import MAX_LIMIT
from todo_service.application.ports import Clock, UnitOfWorkFactory
from todo_service.application.rate_limits import NO_RATE_LIMITS, Access, RateLimits
from todo_service.domain import InvalidValueError, UserId


class SyncTodos:
    """What changed in the acting user's todos since a token: each todo changed as it is
    now, the ids deleted (and when), and the token to ask with next time.

    - Counts as a read against the actor's rate limit.
    - Without a token it is a full sync: every todo the user holds, plus a token.
    - Pages of at most `limit` (1-100) changes; while `more` is true, ask again at once
      with the new token. A change committed while a sync runs comes in the next one:
      none is ever skipped, though one may come twice (apply it again; it is the todo
      as it is now).
    - A token is good for its user only, and for the change log's retention period
      (30 days by default): another user's or an altered token is InvalidValueError, an
      expired one SyncTokenExpiredError. Either way: start a full sync again.
    """

    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        tokens: SyncTokens,
        clock: Clock,
        *,
        rate_limits: RateLimits = NO_RATE_LIMITS,
    ) -> None:
        self._unit_of_work = unit_of_work
        self._tokens = tokens
        self._clock = clock
        self._rate_limits = rate_limits

    def __call__(
        self, actor: UserId, token: str | None = None, limit: int = MAX_LIMIT
    ) -> ChangesPage:
        self._rate_limits.admit(actor, Access.READ)
        if not 1 <= limit <= MAX_LIMIT:
            raise InvalidValueError("limit", f"must be between 1 and {MAX_LIMIT}")
        now = self._clock.now().timestamp()
        state = SyncState(0, now) if token is None else self._tokens.open(token, actor, now)
        deletions_from = _deletions_from(state)
        with self._unit_of_work() as uow:
            if state.after is None or state.next_floor is None or state.next_taken_at is None:
                # A pass begins: the next one reads from a floor taken no later than this read.
                next_floor, found = uow.todos.floor_and_changes_after(
                    actor, state.reading_from, limit, deletions_from=deletions_from
                )
                next_taken_at = now
            else:
                next_floor, next_taken_at = state.next_floor, state.next_taken_at
                found = uow.todos.changes_after(
                    actor, state.reading_from, limit, deletions_from=deletions_from
                )
        page = found[:limit]
        more = len(found) > limit
        if more:
            after = page[-1].position
            following = SyncState(state.floor, state.taken_at, after, next_floor, next_taken_at)
        else:
            following = SyncState(next_floor, next_taken_at)
        return ChangesPage(
            todos=tuple(change.todo for change in page if change.todo is not None),
            deleted=tuple(
                Deletion(change.position.todo_id, change.deleted_at)
                for change in page
                if change.deleted_at is not None
            ),
            token=self._tokens.seal(actor, following),
            more=more,
            floor=min(state.floor, next_floor) if more else next_floor,
        )


def _deletions_from(state: SyncState) -> int | None:
    """Which deletions a page of a pass sends: from the pass's floor on; none on the first
    page of a full sync (floor 0), whose device holds nothing yet; and on its later pages
    those made since its first page read the log (`next_floor`): a todo sent on an earlier
    page may be gone since, and the device must not keep it past the end of the pass."""
    return state.floor if state.floor > 0 else state.next_floor
