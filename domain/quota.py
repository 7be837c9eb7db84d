from dataclasses import dataclass
from typing import Final

from todo_service.domain.errors import QuotaExceededError
from todo_service.domain.todo import NewTodo, Todo

# Safe defaults: far above a person's todo list, far below what fills a disk. The
# largest todo holds 20,800 bytes of text (200 + 5000 characters of 4 bytes each).
DEFAULT_MAX_TODOS: Final = 10_000
DEFAULT_MAX_TEXT_BYTES: Final = 10_000_000


def text_bytes(todo: Todo | NewTodo) -> int:
    """The text a todo stores (or a request to create one asks to): its title and
    description, in UTF-8 bytes."""
    return len(todo.title.encode()) + len((todo.description or "").encode())


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
