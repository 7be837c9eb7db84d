from datetime import timedelta

from todo_service.application.errors import IdempotencyConflictError
from todo_service.application.idempotency import (
    DEFAULT_IDEMPOTENCY_TTL,
    IdempotencyRecord,
    is_same_request,
    parse_idempotency_key,
)
from todo_service.application.ports import Clock, IdGenerator, UnitOfWork, UnitOfWorkFactory
from todo_service.application.rate_limits import NO_RATE_LIMITS, Access, RateLimits
from todo_service.application.use_cases.common import retry_stale_writes
from todo_service.domain import NewTodo, Quota, Todo, TodoId, User, UserId
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
    - Without an `order` the todo goes to the end of the user's list (`sort=order:asc`);
      with one it takes that order as it is (any integer within ±(2^53-1)).
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
        request = new.parsed()
        key = None if idempotency_key is None else parse_idempotency_key(idempotency_key)
        todo_id = self._ids.new_todo_id()
        return retry_stale_writes(lambda: self._attempt(actor, request, key, todo_id))

    def _attempt(self, actor: UserId, request: NewTodo, key: str | None, todo_id: TodoId) -> Todo:
        now = self._clock.now()
        claim = None
        if key is not None:
            expires_at = now + self._idempotency_ttl
            claim = IdempotencyRecord.for_request(actor, key, request, todo_id, expires_at)
        with self._unit_of_work() as uow:
            added = uow.writes.add(
                Todo.create(todo_id, actor, request, now),
                owner=User(actor, email=None, name=None, created_at=now),
                quota=self._quota,
                at_end=request.order is None,
                claim=claim,
                now=now,
            )
            if isinstance(added, IdempotencyRecord):
                return self._replayed(uow, added, request)
        return added

    @staticmethod
    def _replayed(uow: UnitOfWork, holder: IdempotencyRecord, request: NewTodo) -> Todo:
        """The todo an earlier use of the key created, when this request repeats it."""
        if not is_same_request(holder.fingerprint, request):
            raise IdempotencyConflictError
        original = uow.todos.get(holder.owner_id, holder.todo_id)
        if original is None:
            raise IdempotencyConflictError("a todo that has since been deleted")
        return original
