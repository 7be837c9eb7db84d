"""what each user holds, kept by the writes

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 18:30:00

A quota check counted and summed all of a user's todos on every create and every
change that grew a text: a cost that grew with what the user held. The writes now
keep the totals in `user_usage`, one row a user, and a check reads that row. This
revision fills it from the todos as they are.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "user_usage",
        sa.Column("user_id", sa.String(255), sa.ForeignKey("users.id"), primary_key=True),
        sa.Column("todos", sa.BigInteger(), nullable=False),
        sa.Column("text_bytes", sa.BigInteger(), nullable=False),
    )
    sqlite = op.get_bind().dialect.name == "sqlite"

    def size(column: sa.ColumnClause[str]) -> sa.ColumnElement[int]:
        # UTF-8 bytes, as domain.quota.text_bytes counts them.
        if sqlite:
            return sa.func.length(sa.cast(column, sa.LargeBinary()))
        return sa.func.octet_length(column)

    todos = sa.table("todos", sa.column("user_id"), sa.column("title"), sa.column("description"))
    text = size(todos.c.title) + sa.func.coalesce(size(todos.c.description), 0)
    held = sa.select(
        todos.c.user_id, sa.func.count(), sa.func.coalesce(sa.func.sum(text), 0)
    ).group_by(todos.c.user_id)
    usage = sa.table(
        "user_usage", sa.column("user_id"), sa.column("todos"), sa.column("text_bytes")
    )
    op.execute(usage.insert().from_select(["user_id", "todos", "text_bytes"], held))


def downgrade() -> None:
    op.drop_table("user_usage")
