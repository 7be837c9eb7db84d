"""readiness probe

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 03:10:00

Readiness read (`SELECT 1`), so a database that answered but refused writes (read-only,
a standby, a full disk) was called ready. Readiness now rewrites one row of its own in
`readiness_probe`: a check constraint holds the table to that row, which the probe
creates when it is missing, so this revision adds none. A new table that the previous
release never reads: safe while it still runs.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As revision 0001 spells an instant (the adapter's UtcDateTime), so this never changes.
INSTANT = sa.DateTime(timezone=True).with_variant(sa.String(26), "sqlite")


def upgrade() -> None:
    op.create_table(
        "readiness_probe",
        sa.Column("id", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("checked_at", INSTANT, nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_readiness_probe_one_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_readiness_probe")),
    )


def downgrade() -> None:
    op.drop_table("readiness_probe")
