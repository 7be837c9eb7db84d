from todo_service.application.ports import Clock, UnitOfWorkFactory
from todo_service.application.rate_limits import NO_RATE_LIMITS, Access, RateLimits
from todo_service.application.use_cases.common import retry_stale_writes
from todo_service.domain import TodoId, UserId


class DeleteTodo:
    """Delete one of the acting user's todos.

    - Counts as a write against the actor's rate limit; past it nothing is done
      (RateLimitExceededError).
    - With an expected version, a todo at any other version is refused
      (VersionConflictError).
    - Its tombstone tells syncing clients it went (SyncTodos).
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

    def __call__(self, actor: UserId, todo_id: TodoId, expected_version: int | None = None) -> None:
        self._rate_limits.admit(actor, Access.WRITE)

        def attempt() -> None:
            with self._unit_of_work() as uow:
                uow.writes.remove(
                    actor, todo_id, now=self._clock.now(), expected_version=expected_version
                )

        retry_stale_writes(attempt)
