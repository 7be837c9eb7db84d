from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from todo_service.domain.errors import QuotaExceededError
from todo_service.domain.todo import NewTodo, Todo

# Safe defaults: far above a person's todo list, far below what fills a disk. The
# largest todo holds 20,800 bytes of text (200 + 5000 characters of 4 bytes each).
DEFAULT_MAX_TODOS: Final = 10_000
DEFAULT_MAX_TEXT_BYTES: Final = 10_000_000


# The fields whose text a user's quota counts: every field of NewTodo that holds the
# user's text (a str, an optional one, or a collection of them). This is the one list:
# `text_bytes` and the SQL usage aggregate (adapters/sql/statements.py) are built from it,
# tests/unit/domain/test_quota_text_fields.py fails on a text field left out of it.
# Migrations 0006 (the recount) and 0010 (the write functions) restate it in SQL, frozen:
# tests/contract/test_quota_text_fields.py and
# tests/integration/test_quota_text_fields_recount.py hold what they keep to this count.
QUOTA_TEXT_FIELDS: Final = ("title", "description")


def _utf8_bytes(value: str | Iterable[str] | None) -> int:
    if value is None:
        return 0
    if isinstance(value, str):
        return len(value.encode())
    return sum(len(item.encode()) for item in value)


def text_bytes(todo: Todo | NewTodo) -> int:
    """The text a todo stores (or a request to create one asks to): its QUOTA_TEXT_FIELDS
    (title and description), in UTF-8 bytes."""
    return sum(_utf8_bytes(getattr(todo, name)) for name in QUOTA_TEXT_FIELDS)


@dataclass(frozen=True, slots=True)
class Usage:
    """What one user's todos take now: how many, and their text in UTF-8 bytes."""

    todos: int = 0
    text_bytes: int = 0


@dataclass(frozen=True, slots=True)
class Quota:
    """How much one user may store: a number of todos and a total of text.

    No write may take a user past either limit. A user already past one (the limits
    were lowered) keeps what they have and may shrink it, delete, or change anything
    that does not add to what is past the limit.
    """

    max_todos: int = DEFAULT_MAX_TODOS
    max_text_bytes: int = DEFAULT_MAX_TEXT_BYTES

    def __post_init__(self) -> None:
        if self.max_todos < 1 or self.max_text_bytes < 1:
            raise ValueError("a quota must allow at least one todo and one byte of text")

    def admit_new(self, usage: Usage, todo: Todo | NewTodo) -> None:
        """Raise QuotaExceededError unless the user may add `todo` to what they have."""
        if usage.todos + 1 > self.max_todos:
            raise QuotaExceededError(
                f"Quota reached: a user may hold at most {self.max_todos} todos; "
                "delete some to add more"
            )
        self._admit_text(usage.text_bytes + text_bytes(todo))

    def admit_change(self, usage: Usage, before: Todo, after: Todo) -> None:
        """Raise QuotaExceededError if changing `before` into `after` grows the user's
        text past the limit; a change that does not grow the text is always admitted."""
        if grows_text(before, after):
            self._admit_text(usage.text_bytes - text_bytes(before) + text_bytes(after))

    def _admit_text(self, total: int) -> None:
        if total > self.max_text_bytes:
            raise QuotaExceededError(
                f"Quota reached: a user's todos may hold at most {self.max_text_bytes} bytes "
                f"of text (titles and descriptions, UTF-8); this would make {total}"
            )


DEFAULT_QUOTA: Final = Quota()


def grows_text(before: Todo, after: Todo) -> bool:
    """Whether a change stores more text than before: only then is the quota asked."""
    return text_bytes(after) > text_bytes(before)
