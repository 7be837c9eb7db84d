from dataclasses import dataclass, field

from todo_service.application.cursors import CursorCodec
from todo_service.application.listing import (
    DEFAULT_LIMIT,
    Position,
    Sort,
    TodoFilters,
    TodoPage,
    TodoQuery,
)
from todo_service.application.ports import UnitOfWorkFactory
from todo_service.application.rate_limits import NO_RATE_LIMITS, Access, RateLimits
from todo_service.domain import UserId


@dataclass(frozen=True, slots=True)
class ListTodosRequest:
    """Which todos (`filters`), in which order, and which page: by offset, or after a cursor."""

    filters: TodoFilters = field(default_factory=TodoFilters)
    sort: str = "created_at:desc"
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    cursor: str | None = None


class ListTodos:
    """List the acting user's todos: filtered, sorted, one page at a time.

    - Counts as a read against the actor's rate limit; past it nothing is read
      (RateLimitExceededError).
    - Filters: completed, priority, q (`title_contains` in-process: a case-insensitive
      substring of the title, `%` and `_` literal), due_before and due_after
      (exclusive; todos without a due date never match them).
    - Sort: created_at, updated_at, due_at, priority (low < medium < high) or title,
      asc or desc; ties broken by id; todos without a due date come last either way.
    - Pages: limit 1-100; either an offset or a cursor from a previous page (keyset,
      the same cost at any depth), not both. A cursor is valid only for the user,
      filters and sort it was issued for.
    - `total` counts every matching todo; `next_cursor` is None on the last page.
    """

    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        cursors: CursorCodec,
        *,
        rate_limits: RateLimits = NO_RATE_LIMITS,
    ) -> None:
        self._unit_of_work = unit_of_work
        self._rate_limits = rate_limits
        self._cursors = cursors

    def __call__(self, actor: UserId, request: ListTodosRequest) -> TodoPage:
        self._rate_limits.admit(actor, Access.READ)
        filters = request.filters
        sort = Sort.parse(request.sort)
        after = (
            None
            if request.cursor is None
            else self._cursors.decode(request.cursor, actor, filters, sort)
        )
        query = TodoQuery(filters, sort, request.limit, request.offset, after)
        with self._unit_of_work() as uow:
            found, total = uow.todos.find_with_total(actor, query)
        items = tuple(found[: query.limit])
        next_cursor = None
        if len(found) > query.limit:
            last = Position.of(items[-1], sort.field)
            next_cursor = self._cursors.encode(actor, filters, sort, last)
        return TodoPage(items, total, query.limit, query.offset, next_cursor)
