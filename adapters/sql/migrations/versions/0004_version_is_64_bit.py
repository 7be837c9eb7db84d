"""version is 64-bit

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 16:30:00

A todo's version was a 32-bit integer on PostgreSQL: at 2^31 changes the todo could not
change any more. SQLite's integers are 64-bit already; batch mode rebuilds its table.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LARGEST_32_BIT = 2**31 - 1


def upgrade() -> None:
    # PostgreSQL rewrites the table under an exclusive lock: quick for a todo list's size.
    with op.batch_alter_table("todos") as table:
        table.alter_column(
            "version", type_=sa.BigInteger(), existing_type=sa.Integer(), existing_nullable=False
        )


def downgrade() -> None:
    # A version past 32 bits has no faithful smaller value: refuse rather than corrupt it.
    past = op.get_bind().scalar(
        sa.text("SELECT count(*) FROM todos WHERE version > :largest"),
        {"largest": LARGEST_32_BIT},
    )
    if past:
        raise RuntimeError(
            f"{past} todos have a version past {LARGEST_32_BIT}: a 32-bit column cannot hold it"
        )
    with op.batch_alter_table("todos") as table:
        table.alter_column(
            "version", type_=sa.Integer(), existing_type=sa.BigInteger(), existing_nullable=False
        )
