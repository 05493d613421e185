"""A memory model fitted to each learner.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 14:00:00

``learner.fsrs_parameters`` holds the FSRS parameters a learner is scheduled with (null:
FSRS's defaults); ``memoryfit`` the latest fit of each learner's reviews, adopted or not,
with the log losses it was judged by. ``groupchat.fsrs_parameters`` and ``classfit`` are
the same for a class's memory.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fit_columns() -> list[sa.Column]:  # type: ignore[type-arg]
    """The columns every fit records (``FitRecord``), first, as the models declare them."""
    return [
        sa.Column("fitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviews", sa.Integer(), nullable=False),
        sa.Column("held_out", sa.Integer(), nullable=False),
        sa.Column("current_loss", sa.Float(), nullable=False),
        sa.Column("fitted_loss", sa.Float(), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("adopted", sa.Boolean(), nullable=False),
    ]


def upgrade() -> None:
    """Add the parameters in use and create the tables of fits, for learners and classes."""
    op.add_column("learner", sa.Column("fsrs_parameters", sa.JSON(), nullable=True))
    op.add_column("groupchat", sa.Column("fsrs_parameters", sa.JSON(), nullable=True))
    op.create_table(
        "classfit",
        *_fit_columns(),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["chat_id"], ["groupchat.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("chat_id"),
    )
    op.create_table(
        "memoryfit",
        *_fit_columns(),
        sa.Column("learner_id", sa.BigInteger(), nullable=False),
        sa.Column("declined", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["learner_id"], ["learner.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("learner_id"),
    )


def downgrade() -> None:
    """Drop the fits' tables and the parameters' columns."""
    op.drop_table("classfit")
    op.drop_table("memoryfit")
    op.drop_column("groupchat", "fsrs_parameters")
    op.drop_column("learner", "fsrs_parameters")
