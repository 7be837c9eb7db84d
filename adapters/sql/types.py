from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeEngine

SQLITE_INSTANT_WIDTH = 26


class UtcDateTime(sa.types.TypeDecorator[datetime]):
    """An aware instant: timestamptz on PostgreSQL, fixed-width UTC text on SQLite.

    Fixed-width text keeps SQLite's comparisons and indexes chronological, and
    every value read back is aware UTC on either database.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.String(SQLITE_INSTANT_WIDTH))
        return dialect.type_descriptor(sa.DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are refused: the domain stores instants")
        utc = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return utc.replace(tzinfo=None).isoformat(timespec="microseconds")
        return utc

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            return datetime.fromisoformat(value).replace(tzinfo=UTC)
        if not isinstance(value, datetime):
            raise TypeError(f"unexpected stored instant of type {type(value).__name__}")
        return value.astimezone(UTC)


def title_type(length: int) -> TypeEngine[str]:
    """Text ordered by code point on both databases, as Python orders str.

    SQLite's BINARY collation already does; PostgreSQL needs the "C" collation
    (UTF-8 byte order equals code-point order).
    """
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")
