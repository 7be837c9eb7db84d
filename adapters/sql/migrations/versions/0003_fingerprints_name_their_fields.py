"""fingerprints name their fields

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 14:30:00

An idempotency key's fingerprint is now a JSON object of a digest per field of the create
request, longer than the 64 characters of the single digest it was.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # In batch mode SQLite rebuilds the table; PostgreSQL only relabels varchar as text.
    with op.batch_alter_table("idempotency_keys") as table:
        table.alter_column(
            "fingerprint", type_=sa.Text(), existing_type=sa.String(64), existing_nullable=False
        )


def downgrade() -> None:
    # Keys recorded with named fingerprints do not fit the old column: they are dropped,
    # which only costs their retries the replay (a retry then creates a new todo).
    op.execute("DELETE FROM idempotency_keys WHERE length(fingerprint) > 64")
    with op.batch_alter_table("idempotency_keys") as table:
        table.alter_column(
            "fingerprint", type_=sa.String(64), existing_type=sa.Text(), existing_nullable=False
        )
