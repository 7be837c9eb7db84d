import uuid
from collections.abc import Callable
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from todo_service.adapters.sql.types import UtcDateTime, title_type
from todo_service.domain.user import EMAIL_MAX_LENGTH, NAME_MAX_LENGTH, USER_ID_MAX_LENGTH
from todo_service.domain.values import TITLE_MAX_LENGTH

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)

# The `info` key of a schema item that exists on one dialect only (a migration makes it there).
ONLY_ON = "only_on"


def exists_on(dialect_name: str) -> Callable[..., bool]:
    """Alembic's `include_object` for one dialect: an item marked `ONLY_ON` another dialect
    is not part of this one's schema, so comparing the models with it leaves it out."""

    def include(item: object, *_: object) -> bool:
        only_on = getattr(item, "info", {}).get(ONLY_ON)
        return only_on is None or only_on == dialect_name

    return include


class TableModel(SQLModel, registry=registry(metadata=metadata)):
    """The base of this adapter's tables, on a metadata of their own."""


def _instant(*, nullable: bool) -> sa.Column[datetime]:
    return sa.Column(UtcDateTime(), nullable=nullable)


class UserRow(TableModel, table=True):
    __tablename__ = "users"

    id: str = Field(sa_column=sa.Column(sa.String(USER_ID_MAX_LENGTH), primary_key=True))
    email: str | None = Field(sa_column=sa.Column(sa.String(EMAIL_MAX_LENGTH), nullable=True))
    name: str | None = Field(sa_column=sa.Column(sa.String(NAME_MAX_LENGTH), nullable=True))
    created_at: datetime = Field(sa_column=_instant(nullable=False))
    active: bool = Field(sa_column=sa.Column(sa.Boolean(), nullable=False))


class TodoRow(TableModel, table=True):
    __tablename__ = "todos"
    # One index per sort order of a user's list, each ending in the id tie-break.
    __table_args__ = (
        sa.Index(None, "user_id", "created_at", "id"),
        sa.Index(None, "user_id", "updated_at", "id"),
        sa.Index(None, "user_id", "due_at", "id"),
        sa.Index(None, "user_id", "priority", "id"),
        sa.Index(None, "user_id", "title", "id"),
        sa.Index(None, "user_id", "order", "id"),
        # What changed since a point: one user's changes in the order a sync reads them.
        sa.Index(None, "user_id", "change_number", "id"),
        # `q`, a substring of the folded title, found by trigrams (pg_trgm): PostgreSQL only.
        sa.Index(
            "ix_todos_title_folded_trgm",
            "title_folded",
            postgresql_using="gin",
            postgresql_ops={"title_folded": "gin_trgm_ops"},
            info={ONLY_ON: "postgresql"},
        ),
    )

    id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid(), primary_key=True))
    user_id: str = Field(
        sa_column=sa.Column(
            sa.String(USER_ID_MAX_LENGTH),
            sa.ForeignKey("users.id"),
            nullable=False,
        )
    )
    title: str = Field(sa_column=sa.Column(title_type(TITLE_MAX_LENGTH), nullable=False))
    # title folded by Python (fold_case), so `q` matches exactly as the reference does.
    title_folded: str = Field(sa_column=sa.Column(sa.Text(), nullable=False))
    description: str | None = Field(sa_column=sa.Column(sa.Text(), nullable=True))
    priority: int = Field(sa_column=sa.Column(sa.SmallInteger(), nullable=False))
    due_at: datetime | None = Field(sa_column=_instant(nullable=True))
    completed: bool = Field(sa_column=sa.Column(sa.Boolean(), nullable=False))
    completed_at: datetime | None = Field(sa_column=_instant(nullable=True))
    created_at: datetime = Field(sa_column=_instant(nullable=False))
    updated_at: datetime = Field(sa_column=_instant(nullable=False))
    # The owner's manual order (`domain.ordering`); the default serves a release that
    # does not know the column yet, during a rolling deploy (migration 0007).
    order: int = Field(
        sa_column=sa.Column(sa.BigInteger(), nullable=False, server_default=sa.text("0"))
    )
    version: int = Field(sa_column=sa.Column(sa.BigInteger(), nullable=False))
    # The change that last wrote it (docs/adr/0024): the transaction id on PostgreSQL,
    # the change clock on SQLite; 0 for todos stored before the change log.
    change_number: int = Field(
        sa_column=sa.Column(sa.BigInteger(), nullable=False, server_default=sa.text("0"))
    )


class TombstoneRow(TableModel, table=True):
    """A deleted todo, kept for CHANGE_RETENTION_DAYS so that a sync can say it went."""

    __tablename__ = "todo_tombstones"
    __table_args__ = (
        sa.Index(None, "user_id", "change_number", "todo_id"),
        sa.Index(None, "deleted_at"),
    )

    todo_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid(), primary_key=True))
    user_id: str = Field(
        sa_column=sa.Column(
            sa.String(USER_ID_MAX_LENGTH), sa.ForeignKey("users.id"), nullable=False
        )
    )
    change_number: int = Field(sa_column=sa.Column(sa.BigInteger(), nullable=False))
    deleted_at: datetime = Field(sa_column=_instant(nullable=False))


class ChangeClockRow(TableModel, table=True):
    """SQLite's change numbers: one row, moved by each writing transaction, which SQLite
    runs one at a time, so the numbers follow the commits."""

    __tablename__ = "change_clock"
    __table_args__ = {"info": {ONLY_ON: "sqlite"}}

    value: int = Field(sa_column=sa.Column(sa.BigInteger(), nullable=False, primary_key=True))


class IdempotencyKeyRow(TableModel, table=True):
    __tablename__ = "idempotency_keys"
    __table_args__ = (sa.Index(None, "expires_at"),)

    user_id: str = Field(
        sa_column=sa.Column(
            sa.String(USER_ID_MAX_LENGTH), sa.ForeignKey("users.id"), primary_key=True
        )
    )
    key: str = Field(sa_column=sa.Column(sa.String(255), primary_key=True))
    # A JSON object of a digest per field of the create request (application/idempotency.py).
    fingerprint: str = Field(sa_column=sa.Column(sa.Text(), nullable=False))
    # No foreign key: the key outlives a deleted todo, so a late retry cannot recreate it.
    todo_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid(), nullable=False))
    expires_at: datetime = Field(sa_column=_instant(nullable=False))


class UserUsageRow(TableModel, table=True):
    """What a user holds, kept by the service's writes so that a quota check reads one
    row rather than all the user's todos (docs/adr/0021); `todo migrate` fills it."""

    __tablename__ = "user_usage"

    user_id: str = Field(
        sa_column=sa.Column(
            sa.String(USER_ID_MAX_LENGTH), sa.ForeignKey("users.id"), primary_key=True
        )
    )
    todos: int = Field(sa_column=sa.Column(sa.BigInteger(), nullable=False))
    text_bytes: int = Field(sa_column=sa.Column(sa.BigInteger(), nullable=False))


class ReadinessProbeRow(TableModel, table=True):
    """One row that each readiness check rewrites in place (`readiness.probe`): proof
    that the database takes a write, without touching users' data or growing a table."""

    __tablename__ = "readiness_probe"
    __table_args__ = (sa.CheckConstraint("id = 1", name="one_row"),)

    id: int = Field(sa_column=sa.Column(sa.SmallInteger(), primary_key=True, autoincrement=False))
    checked_at: datetime = Field(sa_column=_instant(nullable=False))


users_table: sa.Table = UserRow.__table__  # type: ignore[attr-defined]
user_usage_table: sa.Table = UserUsageRow.__table__  # type: ignore[attr-defined]
todos_table: sa.Table = TodoRow.__table__  # type: ignore[attr-defined]
idempotency_keys_table: sa.Table = IdempotencyKeyRow.__table__  # type: ignore[attr-defined]
tombstones_table: sa.Table = TombstoneRow.__table__  # type: ignore[attr-defined]
change_clock_table: sa.Table = ChangeClockRow.__table__  # type: ignore[attr-defined]
readiness_probe_table: sa.Table = ReadinessProbeRow.__table__  # type: ignore[attr-defined]
