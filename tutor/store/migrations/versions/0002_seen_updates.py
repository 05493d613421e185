"""Seen update ids: webhook updates Telegram redelivers are applied once across instances.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the table of seen update ids and its index on when they were seen."""
    op.create_table(
        "seenupdate",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("update_id"),
    )
    op.create_index("ix_seenupdate_seen_at", "seenupdate", ["seen_at"])


def downgrade() -> None:
    """Drop the table (its index goes with it)."""
    op.drop_table("seenupdate")
