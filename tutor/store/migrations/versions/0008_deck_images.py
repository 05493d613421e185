"""Images on own decks' cards.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 09:00:00

``owndeckmedia`` holds the images an own deck's cards show (an Anki package's pictures),
by the name the file gave them; they go with their deck.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create ``owndeckmedia``."""
    op.create_table(
        "owndeckmedia",
        sa.Column("deck_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["deck_id"], ["owndeck.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("deck_id", "name"),
    )


def downgrade() -> None:
    """Drop ``owndeckmedia``."""
    op.drop_table("owndeckmedia")
