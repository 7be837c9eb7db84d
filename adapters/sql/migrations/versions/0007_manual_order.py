"""manual order

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 01:30:00

Every todo gets an `order`, the place its owner gave it in their list, and an index
per user on it for `sort=order:asc|desc`. The todos stored before it are ordered as
they were created, oldest first, ORDER_STEP apart (as the service appends new ones),
so each list starts as it would have grown. The column's default of 0 lets a release
that does not know it yet go on creating todos during a rolling deploy.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# domain.ordering.ORDER_STEP when this revision was written; a migration never changes.
ORDER_STEP = 2**16
INDEX = "ix_todos_user_id_order_id"


def upgrade() -> None:
    with op.batch_alter_table("todos") as batch:
        batch.add_column(
            sa.Column("order", sa.BigInteger(), nullable=False, server_default=sa.text("0"))
        )
    todos = sa.table(
        "todos", sa.column("id"), sa.column("user_id"), sa.column("created_at"), sa.column("order")
    )
    rank = (
        sa.func.row_number()
        .over(partition_by=todos.c.user_id, order_by=(todos.c.created_at, todos.c.id))
        .label("rank")
    )
    ranked = sa.select(todos.c.id, rank).subquery("ranked")
    op.execute(
        todos.update().where(todos.c.id == ranked.c.id).values(order=ranked.c.rank * ORDER_STEP)
    )
    op.create_index(INDEX, "todos", ["user_id", "order", "id"])


def downgrade() -> None:
    op.drop_index(INDEX, table_name="todos")
    with op.batch_alter_table("todos") as batch:
        batch.drop_column("order")
