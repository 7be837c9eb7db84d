import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import fields
from datetime import datetime
from uuid import UUID

from todo_service.application.listing import Position, Sort, SortField, SortValue, TodoFilters
from todo_service.application.plain import plain
from todo_service.domain import InvalidValueError, UserId

# Room for a position at the longest title: 200 characters of up to 4 UTF-8 bytes each.
MAX_CURSOR_LENGTH = 1500
_SIGNATURE_BYTES = 16
# Changes whenever what a scope covers is spelled differently, so no old cursor passes.
_SCOPE_VERSION = 2
_INSTANT_FIELDS = frozenset({SortField.CREATED_AT, SortField.UPDATED_AT, SortField.DUE_AT})
_INTEGER_FIELDS = frozenset({SortField.PRIORITY, SortField.ORDER})


def _invalid() -> InvalidValueError:
    return InvalidValueError("cursor", "is invalid or does not belong to this listing")


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class CursorCodec:
    """Opaque, tamper-evident keyset cursors.

    A cursor carries only a position; its HMAC also covers the owner, the filters
    and the sort it was issued for, so a forged cursor, another user's cursor or
    one replayed against a different listing is refused rather than obeyed. The
    secret comes from configuration, so every worker accepts every other's cursors.
    """

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 32:
            raise ValueError("the cursor secret must be at least 32 bytes")
        self._secret = secret

    def encode(self, owner_id: UserId, filters: TodoFilters, sort: Sort, after: Position) -> str:
        value = after.value.isoformat() if isinstance(after.value, datetime) else after.value
        payload = json.dumps([value, after.id.hex], separators=(",", ":"), ensure_ascii=False)
        payload_bytes = payload.encode()
        signature = self._sign(owner_id, filters, sort, payload_bytes)
        return f"{_b64encode(payload_bytes)}.{_b64encode(signature)}"

    def decode(self, cursor: str, owner_id: UserId, filters: TodoFilters, sort: Sort) -> Position:
        if len(cursor) > MAX_CURSOR_LENGTH or not cursor.isascii():
            raise _invalid()
        encoded_payload, _, encoded_signature = cursor.partition(".")
        try:
            payload = _b64decode(encoded_payload)
            signature = _b64decode(encoded_signature)
        except (binascii.Error, ValueError):
            raise _invalid() from None
        # base64 ignores the spare low bits of a last character: insist on the one
        # canonical spelling, so that every altered character is refused.
        if (_b64encode(payload), _b64encode(signature)) != (encoded_payload, encoded_signature):
            raise _invalid()
        if not hmac.compare_digest(signature, self._sign(owner_id, filters, sort, payload)):
            raise _invalid()
        try:
            value, id_hex = json.loads(payload)
            return Position(_parse_value(sort.field, value), UUID(hex=id_hex))
        except (TypeError, ValueError):
            raise _invalid() from None

    def _sign(self, owner_id: UserId, filters: TodoFilters, sort: Sort, payload: bytes) -> bytes:
        message = _scope(owner_id, filters, sort) + b"\n" + payload
        return hmac.digest(self._secret, message, hashlib.sha256)[:_SIGNATURE_BYTES]


def _scope(owner_id: UserId, filters: TodoFilters, sort: Sort) -> bytes:
    """What a cursor is bound to: its owner, its sort and every filter that is set.

    The filters are read off TodoFilters' own fields, so a new filter is covered without
    anyone listing it here; an unset one is left out, so that a new filter leaves the
    cursors of listings that do not use it valid across a deploy.
    """
    chosen = {
        field.name: plain(value)
        for field in fields(filters)
        if (value := getattr(filters, field.name)) is not None
    }
    scope = [_SCOPE_VERSION, owner_id.value, str(sort), chosen]
    return json.dumps(scope, separators=(",", ":"), sort_keys=True).encode()


def _parse_value(field: SortField, value: object) -> SortValue:
    if field in _INSTANT_FIELDS:
        if value is None and field is SortField.DUE_AT:
            return None
        if isinstance(value, str):
            return datetime.fromisoformat(value)
    elif field in _INTEGER_FIELDS:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif isinstance(value, str):
        return value
    raise ValueError(value)
