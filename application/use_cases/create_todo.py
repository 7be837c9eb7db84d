from datetime import datetime, timedelta

from todo_service.application.errors import IdempotencyConflictError
from todo_service.application.idempotency import (
    DEFAULT_IDEMPOTENCY_TTL,
    IdempotencyRecord,
    is_same_request,
    parse_idempotency_key,
)
from todo_service.application.ports import Clock, IdGenerator, UnitOfWork, UnitOfWorkFactory
from todo_service.application.rate_limits import NO_RATE_LIMITS, Access, RateLimits
from todo_service.application.use_cases.common import admit_new_todo
from todo_service.domain import NewTodo, Quota, Todo, User, UserId
from todo_service.domain.quota import DEFAULT_QUOTA


class CreateTodo:
    """Create a todo owned by the acting user.

    - Counts as a write against the actor's rate limit; past it nothing is done
      (RateLimitExceededError).
    - The title is stripped and must be 1-200 characters without control characters.
    - The description is at most 5000 characters without NUL; priority defaults to medium.
    - The due date must carry a timezone offset and is stored in UTC.
    - The service sets the id, the timestamps and version 1; a todo created completed
      is completed now.
    - A user seen for the first time is recorded; a deactivated user may not create.
    - With an idempotency key (per user, alive for 24 hours by default): a retry with
      the same key and the same request returns the original todo, even when the
      retries race; the same key with another request is refused
      (IdempotencyConflictError). The key is stored in the todo's own transaction.
    - A user holds at most their quota of todos, and of text (titles and descriptions, in
      UTF-8 bytes): a create past either is refused (QuotaExceededError) and changes
      nothing, even when creates race. A retry of a create that went through is not a
      new todo: it is answered as before, whatever the quota.
    """

    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        clock: Clock,
        ids: IdGenerator,
        idempotency_ttl: timedelta = DEFAULT_IDEMPOTENCY_TTL,
        quota: Quota = DEFAULT_QUOTA,
        *,
        rate_limits: RateLimits = NO_RATE_LIMITS,
    ) -> None:
        self._unit_of_work = unit_of_work
        self._rate_limits = rate_limits
        self._clock = clock
        self._ids = ids
        self._idempotency_ttl = idempotency_ttl
        self._quota = quota

    def __call__(self, actor: UserId, new: NewTodo, idempotency_key: str | None = None) -> Todo:
        self._rate_limits.admit(actor, Access.WRITE)
        now = self._clock.now()
        todo = Todo.create(self._ids.new_todo_id(), actor, new, now)
        key = None if idempotency_key is None else parse_idempotency_key(idempotency_key)
        with self._unit_of_work() as uow:
            uow.users.add_if_absent(
                User(actor, email=None, name=None, created_at=now)
            ).require_active()
            if key is not None:
                record = IdempotencyRecord.for_todo(key, todo, self._idempotency_ttl)
                original = self._replayed(uow, record, todo, now)
                if original is not None:
                    return original
            admit_new_todo(uow, self._quota, todo)
            uow.todos.add(todo)
            uow.commit()
        return todo

    def _replayed(
        self, uow: UnitOfWork, record: IdempotencyRecord, todo: Todo, now: datetime
    ) -> Todo | None:
        """The todo an earlier use of the key created, or None when this request wins the key."""
        holder = uow.idempotency.claim(record, now)
        if holder == record:
            return None
        if not is_same_request(holder.fingerprint, todo):
            raise IdempotencyConflictError
        original = uow.todos.get(record.owner_id, holder.todo_id)
        if original is None:
            raise IdempotencyConflictError("a todo that has since been deleted")
        return original
