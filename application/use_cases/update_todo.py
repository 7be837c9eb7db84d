from todo_service.application.ports import Clock, UnitOfWorkFactory
from todo_service.application.rate_limits import NO_RATE_LIMITS, Access, RateLimits
from todo_service.application.use_cases.common import retry_stale_writes
from todo_service.domain import Quota, Todo, TodoChanges, TodoId, UserId
from todo_service.domain.quota import DEFAULT_QUOTA


class UpdateTodo:
    """Change some fields of one of the acting user's todos.

    - Counts as a write against the actor's rate limit; past it nothing is done
      (RateLimitExceededError).
    - Only the fields given change; None clears the description or the due date.
    - Each field keeps its creation rules; completing sets completed_at, reopening clears it.
    - A change that changes nothing leaves the todo, its version and updated_at as they are.
    - With an expected version, a todo at any other version is refused (VersionConflictError).
    - Concurrent writers never overwrite each other's changes.
    - A change that grows the text (title and description, in UTF-8 bytes) past the
      user's quota of text is refused (QuotaExceededError) and changes nothing; one that
      keeps or shrinks it always goes through, even for a user already past the quota.
    """

    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        clock: Clock,
        quota: Quota = DEFAULT_QUOTA,
        *,
        rate_limits: RateLimits = NO_RATE_LIMITS,
    ) -> None:
        self._unit_of_work = unit_of_work
        self._rate_limits = rate_limits
        self._clock = clock
        self._quota = quota

    def __call__(
        self,
        actor: UserId,
        todo_id: TodoId,
        changes: TodoChanges,
        expected_version: int | None = None,
    ) -> Todo:
        self._rate_limits.admit(actor, Access.WRITE)
        changes.given()  # refused before any storage is asked (InvalidValueError)

        def attempt() -> Todo:
            with self._unit_of_work() as uow:
                return uow.writes.change(
                    actor,
                    todo_id,
                    changes,
                    now=self._clock.now(),
                    quota=self._quota,
                    expected_version=expected_version,
                )

        return retry_stale_writes(attempt)
