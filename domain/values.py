import re
from datetime import UTC, datetime
from enum import StrEnum

from todo_service.domain.errors import InvalidValueError

TITLE_MAX_LENGTH = 200
DESCRIPTION_MAX_LENGTH = 5000

_CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f]")


class Priority(StrEnum):
    """How urgent a todo is; ordered by meaning, not alphabetically."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def rank(self) -> int:
        return _PRIORITY_RANKS[self]


_PRIORITY_RANKS = {Priority.LOW: 0, Priority.MEDIUM: 1, Priority.HIGH: 2}


def parse_priority(raw: str) -> Priority:
    try:
        return Priority(raw)
    except ValueError:
        choices = ", ".join(p.value for p in Priority)
        raise InvalidValueError("priority", f"must be one of {choices}") from None


def parse_completed(raw: bool) -> bool:
    if not isinstance(raw, bool):
        raise InvalidValueError("completed", "must be true or false")
    return raw


def require_text(field: str, value: str) -> str:
    """Refuse text that no database can store faithfully (lone surrogates)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidValueError(field, "must be valid Unicode text") from None
    return value


def parse_title(raw: str) -> str:
    title = require_text("title", raw).strip()
    if not title:
        raise InvalidValueError("title", "must not be blank")
    if len(title) > TITLE_MAX_LENGTH:
        raise InvalidValueError("title", f"must be at most {TITLE_MAX_LENGTH} characters")
    if _CONTROL_CHARACTERS.search(title):
        raise InvalidValueError("title", "must not contain control characters")
    return title


def parse_description(raw: str | None) -> str | None:
    if raw is None:
        return None
    require_text("description", raw)
    if len(raw) > DESCRIPTION_MAX_LENGTH:
        raise InvalidValueError(
            "description", f"must be at most {DESCRIPTION_MAX_LENGTH} characters"
        )
    if "\x00" in raw:
        raise InvalidValueError("description", "must not contain NUL characters")
    return raw


# A todo's manual order: an integer JavaScript holds exactly (Number.MAX_SAFE_INTEGER).
MAX_ORDER = 2**53 - 1
MIN_ORDER = -MAX_ORDER


def parse_order(raw: int) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise InvalidValueError("order", "must be an integer")
    if not MIN_ORDER <= raw <= MAX_ORDER:
        raise InvalidValueError("order", f"must be between {MIN_ORDER} and {MAX_ORDER}")
    return raw


def parse_optional_order(raw: int | None) -> int | None:
    """An order, or None: a new todo without one is placed by the service."""
    return None if raw is None else parse_order(raw)


def parse_instant(field: str, raw: datetime) -> datetime:
    """An aware timestamp, normalised to UTC; the domain never guesses a timezone."""
    if raw.tzinfo is None or raw.utcoffset() is None:
        raise InvalidValueError(field, "must include a timezone offset")
    try:
        return raw.astimezone(UTC)
    except OverflowError:
        raise InvalidValueError(field, "is out of range") from None


def parse_optional_instant(field: str, raw: datetime | None) -> datetime | None:
    return None if raw is None else parse_instant(field, raw)
