from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from todo_service.domain import InvalidValueError, Priority, Todo, TodoId
from todo_service.domain.values import parse_optional_instant, require_text

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
MAX_OFFSET = 1_000_000
MAX_SEARCH_LENGTH = 200


class SortField(StrEnum):
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"
    DUE_AT = "due_at"
    PRIORITY = "priority"
    TITLE = "title"
    ORDER = "order"


class SortDirection(StrEnum):
    ASC = "asc"
    DESC = "desc"


@dataclass(frozen=True, slots=True)
class Sort:
    """A sort order from a closed set; the only way a sort reaches an adapter."""

    field: SortField = SortField.CREATED_AT
    direction: SortDirection = SortDirection.DESC

    SYNTAX: ClassVar[str] = "<field>:<asc|desc> with field one of " + ", ".join(SortField)

    @classmethod
    def parse(cls, text: str) -> "Sort":
        field, _, direction = text.partition(":")
        try:
            return cls(SortField(field), SortDirection(direction))
        except ValueError:
            raise InvalidValueError("sort", f"must be {cls.SYNTAX}") from None

    @property
    def descending(self) -> bool:
        return self.direction is SortDirection.DESC

    def __str__(self) -> str:
        return f"{self.field}:{self.direction}"


SortValue = datetime | str | int | None


def sort_value(todo: Todo, field: SortField) -> SortValue:
    """The value a todo is ordered by: priority by rank, due date possibly missing,
    `order` as the owner arranged the list."""
    match field:
        case SortField.CREATED_AT:
            return todo.created_at
        case SortField.UPDATED_AT:
            return todo.updated_at
        case SortField.DUE_AT:
            return todo.due_at
        case SortField.PRIORITY:
            return todo.priority.rank
        case SortField.TITLE:
            return todo.title
        case SortField.ORDER:
            return todo.order


@dataclass(frozen=True, slots=True)
class Position:
    """Where a todo stands in an order: its sort value, then its id as the tie-break."""

    value: SortValue
    id: TodoId

    @classmethod
    def of(cls, todo: Todo, field: SortField) -> "Position":
        return cls(sort_value(todo, field), todo.id)


def compare_positions(a: Position, b: Position, direction: SortDirection) -> int:
    """The contract's total order: missing values last in both directions, then by id."""
    if (a.value is None) != (b.value is None):
        return 1 if a.value is None else -1
    sign = -1 if direction is SortDirection.DESC else 1
    for left, right in ((a.value, b.value), (a.id, b.id)):
        if left != right:
            return sign if left > right else -sign  # type: ignore[operator]
    return 0


def fold_case(text: str) -> str:
    """The case folding every adapter applies to `q` and titles, so that they agree."""
    return text.lower()


@dataclass(frozen=True, slots=True)
class TodoFilters:
    """Which of a user's todos a listing shows; due bounds are exclusive."""

    completed: bool | None = None
    priority: Priority | None = None
    # `q` on the wire: a case-insensitive substring of the title, `%` and `_` literal.
    title_contains: str | None = None
    due_before: datetime | None = None
    due_after: datetime | None = None

    def __post_init__(self) -> None:
        if self.title_contains is not None:
            require_text("q", self.title_contains)
            if len(self.title_contains) > MAX_SEARCH_LENGTH:
                raise InvalidValueError("q", f"must be at most {MAX_SEARCH_LENGTH} characters")
            if "\x00" in self.title_contains:
                raise InvalidValueError("q", "must not contain NUL characters")
            if not self.title_contains:
                object.__setattr__(self, "title_contains", None)
        for name in ("due_before", "due_after"):
            object.__setattr__(self, name, parse_optional_instant(name, getattr(self, name)))

    def matches(self, todo: Todo) -> bool:
        """The reference semantics every repository adapter reproduces."""
        if self.completed is not None and todo.completed != self.completed:
            return False
        if self.priority is not None and todo.priority != self.priority:
            return False
        wanted = self.title_contains
        if wanted is not None and fold_case(wanted) not in fold_case(todo.title):
            return False
        if self.due_before is not None and (todo.due_at is None or todo.due_at >= self.due_before):
            return False
        return self.due_after is None or (todo.due_at is not None and todo.due_at > self.due_after)


@dataclass(frozen=True, slots=True)
class TodoQuery:
    """A validated listing request: filters, order and one page, by offset or after a position."""

    filters: TodoFilters = TodoFilters()
    sort: Sort = Sort()
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    after: Position | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.limit <= MAX_LIMIT:
            raise InvalidValueError("limit", f"must be between 1 and {MAX_LIMIT}")
        if not 0 <= self.offset <= MAX_OFFSET:
            raise InvalidValueError("offset", f"must be between 0 and {MAX_OFFSET}")
        if self.after is not None and self.offset:
            raise InvalidValueError("cursor", "cannot be combined with a non-zero offset")


@dataclass(frozen=True, slots=True)
class TodoPage:
    items: tuple[Todo, ...]
    total: int
    limit: int
    offset: int
    next_cursor: str | None
