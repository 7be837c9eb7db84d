from todo_service.application.ports import UnitOfWorkFactory
from todo_service.application.rate_limits import NO_RATE_LIMITS, Access, RateLimits
from todo_service.application.use_cases.common import load_owned
from todo_service.domain import Todo, TodoId, UserId


class GetTodo:
    """Return one of the acting user's todos; another user's todo is reported as not found.

    - Counts as a read against the actor's rate limit; past it nothing is read
      (RateLimitExceededError).
    """

    def __init__(
        self, unit_of_work: UnitOfWorkFactory, *, rate_limits: RateLimits = NO_RATE_LIMITS
    ) -> None:
        self._unit_of_work = unit_of_work
        self._rate_limits = rate_limits

    def __call__(self, actor: UserId, todo_id: TodoId) -> Todo:
        self._rate_limits.admit(actor, Access.READ)
        with self._unit_of_work() as uow:
            return load_owned(uow.todos, actor, todo_id)
