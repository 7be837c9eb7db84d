import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from todo_service.application.plain import plain
from todo_service.domain import InvalidValueError, NewTodo, TodoId, UserId
from todo_service.domain.todo import GIVEN_FIELDS

DEFAULT_IDEMPOTENCY_TTL = timedelta(hours=24)
_KEY = re.compile(r"[\x21-\x7e]{1,255}")


def parse_idempotency_key(raw: str) -> str:
    if not _KEY.fullmatch(raw):
        raise InvalidValueError("Idempotency-Key", "must be 1 to 255 visible ASCII characters")
    return raw


# The fingerprint names what it covers: a JSON object of a short digest per field of the
# create request, read off NewTodo, so a new field is covered without anyone listing it.
# A key recorded before a field was added (or by a newer release, during a rolling
# deploy) is compared on the fields both sides know, so an honest retry across a deploy
# still matches it rather than meeting a 409. Digests, not values: no title or
# description is kept twice.
_PREFIX = "f:"
_DIGEST_HEX = 16
# The first fingerprints, made before they named their fields: one SHA-256 of these values.
_UNNAMED_FIELDS = ("title", "description", "priority", "due_at", "completed")


def request_fingerprint(request: NewTodo) -> str:
    """What a retry must repeat to count as the same request: its fields, as parsed
    (`NewTodo.parsed`), so that `" Buy milk"` and `"Buy milk"` are one request, and an
    order left to the service is the same on every retry."""
    digests = {name: _digest(getattr(request, name)) for name in GIVEN_FIELDS}
    return _PREFIX + json.dumps(digests, separators=(",", ":"), sort_keys=True)


def is_same_request(fingerprint: str, request: NewTodo) -> bool:
    """Whether `request` (parsed) repeats the one a key was recorded with, on the fields
    both know."""
    if not fingerprint.startswith(_PREFIX):
        values = [plain(getattr(request, name)) for name in _UNNAMED_FIELDS]
        return hmac.compare_digest(
            hashlib.sha256(json.dumps(values).encode()).hexdigest(), fingerprint
        )
    recorded: dict[str, str] = json.loads(fingerprint.removeprefix(_PREFIX))
    shared = recorded.keys() & GIVEN_FIELDS.keys()
    return bool(shared) and all(
        hmac.compare_digest(recorded[name], _digest(getattr(request, name))) for name in shared
    )


def _digest(value: object) -> str:
    return hashlib.sha256(json.dumps(plain(value)).encode()).hexdigest()[:_DIGEST_HEX]


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    """A user's idempotency key, bound to the request it first came with and the todo it made."""

    owner_id: UserId
    key: str
    fingerprint: str
    todo_id: TodoId
    expires_at: datetime

    @classmethod
    def for_request(
        cls, owner_id: UserId, key: str, request: NewTodo, todo_id: TodoId, expires_at: datetime
    ) -> "IdempotencyRecord":
        return cls(owner_id, key, request_fingerprint(request), todo_id, expires_at)
