"""title search index

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 16:40:00

`q` is a substring of the folded title (`title_folded LIKE '%...%'`), which no B-tree
can serve: on PostgreSQL a trigram GIN index (pg_trgm, shipped with PostgreSQL and
allowed on Neon) does. SQLite has no such index; a user's search there reads at most
their own todos, which the quota bounds.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_todos_title_folded_trgm"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_index(
        INDEX,
        "todos",
        ["title_folded"],
        postgresql_using="gin",
        postgresql_ops={"title_folded": "gin_trgm_ops"},
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index(INDEX, table_name="todos")
    # The extension stays: other objects of the database may use it, and it costs nothing.
