import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from todo_service.domain import InvalidValueError, Todo, TodoId, UserId

DEFAULT_IDEMPOTENCY_TTL = timedelta(hours=24)
_KEY = re.compile(r"[\x21-\x7e]{1,255}")


def parse_idempotency_key(raw: str) -> str:
    if not _KEY.fullmatch(raw):
        raise InvalidValueError("Idempotency-Key", "must be 1 to 255 visible ASCII characters")
    return raw


def request_fingerprint(todo: Todo) -> str:
    """What a retry must repeat to count as the same request: the todo's user-given fields."""
    fields = [
        todo.title,
        todo.description,
        todo.priority.value,
        todo.due_at and todo.due_at.isoformat(),
        todo.completed,
    ]
    return hashlib.sha256(json.dumps(fields).encode()).hexdigest()


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
