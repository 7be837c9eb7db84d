from todo_service.application.ports import Clock, UnitOfWorkFactory
from todo_service.application.rate_limits import NO_RATE_LIMITS, Access, RateLimits
from todo_service.application.use_cases.common import retry_stale_writes
from todo_service.domain import Todo, TodoId, UserId
from todo_service.domain.ordering import Placement


class MoveTodo:
    """Move one of the acting user's todos in their list (`sort=order:asc`), in one call:
    to the start or the end, or just before or after another of their todos.

    - Counts as one write against the actor's rate limit; past it nothing is done
      (RateLimitExceededError).
    - The todo takes a free `order` between its new neighbours. When none is left, the
      nearest todos around the gap are renumbered in the same transaction, as few as
      leave room, each one version up; no other todo changes.
    - A todo already in that place is left as it is, its version too.
    - An anchor that is not another of the actor's todos is InvalidValueError (the same
      for a missing todo and another user's); with an expected version, a todo at any
      other version is refused (VersionConflictError).
    - Moves of one user's todos run one at a time, so that two devices moving at once
      end with one list, each todo in it once, as if one move came after the other.
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

    def __call__(
        self,
        actor: UserId,
        todo_id: TodoId,
        placement: Placement,
        expected_version: int | None = None,
    ) -> Todo:
        self._rate_limits.admit(actor, Access.WRITE)

        def attempt() -> Todo:
            with self._unit_of_work() as uow:
                return uow.writes.move(
                    actor,
                    todo_id,
                    placement,
                    now=self._clock.now(),
                    expected_version=expected_version,
                )

        return retry_stale_writes(attempt)
