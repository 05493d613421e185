"""Deck files imported, for the quota on imports per hour.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 03:30:00

``deckimport`` holds when each learner imported a deck file (a new deck or a replace):
the sliding window behind ``tutor.services.quotas.IMPORTS_PER_HOUR``, in the store so that it holds
across instances and restarts. A learner's rows older than the window go at their next
import, and all of them with the learner (``/forget``).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create ``deckimport`` and its index."""
    op.create_table(
        "deckimport",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.BigInteger(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["learner_id"], ["learner.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_deckimport_learner_time", "deckimport", ["learner_id", "imported_at"])


def downgrade() -> None:
    """Drop ``deckimport``."""
    op.drop_index("ix_deckimport_learner_time", table_name="deckimport")
    op.drop_table("deckimport")
