import json
from dataclasses import fields
from datetime import datetime
from uuid import UUID

from todo_service.application.listing import Position, Sort, SortField, SortValue, TodoFilters
from todo_service.application.plain import plain
from todo_service.application.signing import Sealer
from todo_service.domain import InvalidValueError, UserId

# Room for a position at the longest title: 200 characters of up to 4 UTF-8 bytes each.
MAX_CURSOR_LENGTH = 1500
# Changes whenever what a scope covers is spelled differently, so no old cursor passes.
_SCOPE_VERSION = 2
_INSTANT_FIELDS = frozenset({SortField.CREATED_AT, SortField.UPDATED_AT, SortField.DUE_AT})
_INTEGER_FIELDS = frozenset({SortField.PRIORITY, SortField.ORDER})


def _invalid() -> InvalidValueError:
    return InvalidValueError("cursor", "is invalid or does not belong to this listing")


class CursorCodec:
    """Opaque, tamper-evident keyset cursors.

    A cursor carries only a position; its HMAC also covers the owner, the filters
    and the sort it was issued for, so a forged cursor, another user's cursor or
    one replayed against a different listing is refused rather than obeyed. The
    secret comes from configuration, so every worker accepts every other's cursors.
    """

    def __init__(self, secret: bytes) -> None:
        self._sealer = Sealer(secret)

    def encode(self, owner_id: UserId, filters: TodoFilters, sort: Sort, after: Position) -> str:
        value = after.value.isoformat() if isinstance(after.value, datetime) else after.value
        payload = json.dumps([value, after.id.hex], separators=(",", ":"), ensure_ascii=False)
        return self._sealer.seal(_scope(owner_id, filters, sort), payload.encode())

    def decode(self, cursor: str, owner_id: UserId, filters: TodoFilters, sort: Sort) -> Position:
        payload = self._sealer.open(cursor, _scope(owner_id, filters, sort), MAX_CURSOR_LENGTH)
        if payload is None:
            raise _invalid()
        try:
            value, id_hex = json.loads(payload)
            return Position(_parse_value(sort.field, value), UUID(hex=id_hex))
        except (TypeError, ValueError):
            raise _invalid() from None


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
