"""Actions on every one of the acting user's todos that a listing's filters match.

Each is one transaction over the matching todos, locked while it runs: all of them
change or none does, and a todo another request changes meanwhile waits for it.
How many match is bounded by the user's quota of todos.
"""

from dataclasses import fields

from todo_service.application.listing import TodoFilters
from todo_service.application.ports import Clock, UnitOfWorkFactory
from todo_service.application.rate_limits import NO_RATE_LIMITS, Access, RateLimits
from todo_service.application.use_cases.common import retry_stale_writes
from todo_service.domain import UNSET, InvalidValueError, TodoChanges, UserId

# What one value can sensibly be for every todo of a selection ("mark all as complete",
# "all of these are low priority", "none of these is due"). A title, description or
# order shared by many todos is no one's intent, and leaving text out keeps a bulk
# change clear of the text quota.
BULK_FIELDS = ("completed", "priority", "due_at")


class DeleteTodos:
    """Delete every one of the acting user's todos that `filters` match (all of them
    with no filter set), and say how many went: "clear completed" is
    `TodoFilters(completed=True)`.

    - Counts as one write against the actor's rate limit, whatever its size; past it
      nothing is done (RateLimitExceededError).
    - All or nothing, in one transaction; another user's todos are never touched.
    """

    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        clock: Clock,
        *,
        rate_limits: RateLimits = NO_RATE_LIMITS,
    ) -> None:
        self._unit_of_work = unit_of_work
        self._clock = clock
        self._rate_limits = rate_limits

    def __call__(self, actor: UserId, filters: TodoFilters) -> int:
        self._rate_limits.admit(actor, Access.WRITE)

        def attempt() -> int:
            with self._unit_of_work() as uow:
                return uow.writes.remove_matching(actor, filters, now=self._clock.now())

        return retry_stale_writes(attempt)


class UpdateTodos:
    """Change every one of the acting user's todos that `filters` match, and say how
    many changed: "mark all as complete" is `TodoChanges(completed=True)` over no filter.

    - Counts as one write against the actor's rate limit, whatever its size; past it
      nothing is done (RateLimitExceededError).
    - Only `completed`, `priority` and `due_at` change in bulk; any other field given is
      InvalidValueError. Each field keeps its rules, as in UpdateTodo.
    - All or nothing, in one transaction. A todo the change leaves as it was (already
      completed, say) keeps its version and is not counted; every other one goes one
      version up.
    """

    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        clock: Clock,
        *,
        rate_limits: RateLimits = NO_RATE_LIMITS,
    ) -> None:
        self._unit_of_work = unit_of_work
        self._rate_limits = rate_limits
        self._clock = clock

    def __call__(self, actor: UserId, filters: TodoFilters, changes: TodoChanges) -> int:
        self._rate_limits.admit(actor, Access.WRITE)
        _require_bulk_fields(changes)

        def attempt() -> int:
            with self._unit_of_work() as uow:
                return uow.writes.change_matching(actor, filters, changes, now=self._clock.now())

        return retry_stale_writes(attempt)


def _require_bulk_fields(changes: TodoChanges) -> None:
    for field in fields(changes):
        if field.name not in BULK_FIELDS and getattr(changes, field.name) is not UNSET:
            allowed = ", ".join(BULK_FIELDS)
            raise InvalidValueError(field.name, f"cannot be changed in bulk; only {allowed} can")
