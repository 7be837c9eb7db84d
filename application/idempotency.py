import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from todo_service.application.plain import plain
from todo_service.domain import InvalidValueError, Todo, TodoId, UserId

DEFAULT_IDEMPOTENCY_TTL = timedelta(hours=24)
_KEY = re.compile(r"[\x21-\x7e]{1,255}")


def parse_idempotency_key(raw: str) -> str:
    if not _KEY.fullmatch(raw):
        raise InvalidValueError("Idempotency-Key", "must be 1 to 255 visible ASCII characters")
    return raw


# The fields of a create request each fingerprint version covers, oldest first. New
# requests use the last, which must be NewTodo's fields (a test holds it there): a new
# field is a new version appended here. A key recorded before a deploy keeps the version
# it was made with, so an honest retry across the deploy still matches it rather than
# meeting a 409. Version 1 is stored bare (64 hex digits), as it always was; later ones
# as "<version>:<digest>", cut to the column's 64 characters.
FINGERPRINT_VERSIONS: tuple[tuple[str, ...], ...] = (
    ("title", "description", "priority", "due_at", "completed"),
)
CURRENT_FINGERPRINT = len(FINGERPRINT_VERSIONS)
_FINGERPRINT_LENGTH = 64


def request_fingerprint(todo: Todo, version: int | None = None) -> str:
    """What a retry must repeat to count as the same request: the todo's user-given fields,
    in the current version unless told another."""
    version = version or CURRENT_FINGERPRINT
    values = [plain(getattr(todo, name)) for name in FINGERPRINT_VERSIONS[version - 1]]
    digest = hashlib.sha256(json.dumps(values).encode()).hexdigest()
    if version == 1:
        return digest
    prefix = f"{version}:"
    return prefix + digest[: _FINGERPRINT_LENGTH - len(prefix)]


def is_same_request(fingerprint: str, todo: Todo) -> bool:
    """Whether `todo` repeats the request a key was recorded with, in that record's version."""
    version_text, separator, _ = fingerprint.partition(":")
    version = int(version_text) if separator and version_text.isdigit() else 1
    if version > CURRENT_FINGERPRINT:
        # Recorded by a newer release, over fields this one may not know: not provably equal.
        return False
    return hmac.compare_digest(request_fingerprint(todo, version), fingerprint)


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    """A user's idempotency key, bound to the request it first came with and the todo it made."""

    owner_id: UserId
    key: str
    fingerprint: str
    todo_id: TodoId
    expires_at: datetime

    @classmethod
    def for_todo(cls, key: str, todo: Todo, ttl: timedelta) -> "IdempotencyRecord":
        return cls(todo.owner_id, key, request_fingerprint(todo), todo.id, todo.created_at + ttl)
