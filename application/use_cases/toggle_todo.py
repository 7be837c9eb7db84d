from todo_service.application.ports import TOGGLE, Clock, UnitOfWorkFactory
from todo_service.application.rate_limits import NO_RATE_LIMITS, Access, RateLimits
from todo_service.application.use_cases.common import retry_stale_writes
from todo_service.domain import Todo, TodoId, UserId
from todo_service.domain.quota import DEFAULT_QUOTA


class ToggleTodo:
    """Flip whether one of the acting user's todos is completed.

    - Counts as a write against the actor's rate limit; past it nothing is done
      (RateLimitExceededError).
    - Atomic: N concurrent toggles give exactly N flips and N new versions.
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

    def __call__(self, actor: UserId, todo_id: TodoId) -> Todo:
        self._rate_limits.admit(actor, Access.WRITE)

        def attempt() -> Todo:
            with self._unit_of_work() as uow:
                # A toggle keeps the text as it is: no quota refuses it.
                return uow.writes.change(
                    actor, todo_id, TOGGLE, now=self._clock.now(), quota=DEFAULT_QUOTA
                )

        return retry_stale_writes(attempt)
