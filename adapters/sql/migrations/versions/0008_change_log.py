"""change log

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 01:40:00

Every todo records the number of the change that last wrote it (`change_number`), and
a deleted todo leaves a tombstone with its own: "what changed since" is then a read of
one user's rows by an index. On PostgreSQL the number is the writing transaction's id
(`pg_current_xact_id()`), so concurrent writers need no lock between them; on SQLite,
whose writers run one at a time, it is drawn from `change_clock`, a one-row counter.
The todos stored before it are change 0: a first sync sends them all.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As revision 0001 spells an instant (the adapter's UtcDateTime), so this never changes.
INSTANT = sa.DateTime(timezone=True).with_variant(sa.String(26), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("todos") as batch:
        batch.add_column(
            sa.Column("change_number", sa.BigInteger(), nullable=False, server_default=sa.text("0"))
        )
    op.create_index(
        "ix_todos_user_id_change_number_id", "todos", ["user_id", "change_number", "id"]
    )
    op.create_table(
        "todo_tombstones",
        sa.Column("todo_id", sa.Uuid(), primary_key=True),
        sa.Column("user_id", sa.String(255), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("change_number", sa.BigInteger(), nullable=False),
        sa.Column("deleted_at", INSTANT, nullable=False),
    )
    op.create_index(
        "ix_todo_tombstones_user_id_change_number_todo_id",
        "todo_tombstones",
        ["user_id", "change_number", "todo_id"],
    )
    op.create_index("ix_todo_tombstones_deleted_at", "todo_tombstones", ["deleted_at"])
    if op.get_bind().dialect.name == "sqlite":
        op.create_table("change_clock", sa.Column("value", sa.BigInteger(), primary_key=True))
        op.execute("INSERT INTO change_clock (value) VALUES (0)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.drop_table("change_clock")
    op.drop_table("todo_tombstones")
    op.drop_index("ix_todos_user_id_change_number_id", table_name="todos")
    with op.batch_alter_table("todos") as batch:
        batch.drop_column("change_number")
