"""users and todos

Revision ID: 0001
Revises:
Create Date: 2026-11-25 11:12:59.012462

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Spelled out rather than imported from the adapter, so this revision never changes
# meaning when the adapter's types do.
INSTANT = sa.DateTime(timezone=True).with_variant(sa.String(26), "sqlite")
TITLE = sa.String(200).with_variant(sa.String(200, collation="C"), "postgresql")
SORT_COLUMNS = ("created_at", "due_at", "priority", "title", "updated_at")


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.String(length=255), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("created_at", INSTANT, nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
    )
    op.create_table(
        "todos",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.String(length=255), nullable=False),
        sa.Column("title", TITLE, nullable=False),
        sa.Column("title_folded", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("priority", sa.SmallInteger(), nullable=False),
        sa.Column("due_at", INSTANT, nullable=True),
        sa.Column("completed", sa.Boolean(), nullable=False),
        sa.Column("completed_at", INSTANT, nullable=True),
        sa.Column("created_at", INSTANT, nullable=False),
        sa.Column("updated_at", INSTANT, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_todos_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_todos")),
    )
    for column in SORT_COLUMNS:
        op.create_index(
            op.f(f"ix_todos_user_id_{column}_id"), "todos", ["user_id", column, "id"], unique=False
        )


def downgrade() -> None:
    for column in reversed(SORT_COLUMNS):
        op.drop_index(op.f(f"ix_todos_user_id_{column}_id"), table_name="todos")
    op.drop_table("todos")
    op.drop_table("users")
