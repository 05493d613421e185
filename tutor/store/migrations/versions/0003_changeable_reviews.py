"""Changeable reviews: the learner has the last word on an explain grade.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07 10:00:00

One row per learner and explain prompt: the latest review of it (a ReviewLog id), the
rating the grader suggested, whether the learner already changed it, and the memory the
prompt had before that review, from which a changed rating is scheduled again.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the table of changeable reviews."""
    op.create_table(
        "changeablereview",
        sa.Column("learner_id", sa.BigInteger(), nullable=False),
        sa.Column("item_id", sa.String(length=32), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("suggested", sa.Integer(), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed", sa.Boolean(), nullable=False),
        sa.Column("before_state", sa.Integer(), nullable=True),
        sa.Column("before_step", sa.Integer(), nullable=True),
        sa.Column("before_stability", sa.Float(), nullable=True),
        sa.Column("before_difficulty", sa.Float(), nullable=True),
        sa.Column("before_due", sa.DateTime(timezone=True), nullable=True),
        sa.Column("before_last_review", sa.DateTime(timezone=True), nullable=True),
        sa.Column("before_reps", sa.Integer(), nullable=False),
        sa.Column("before_lapses", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["learner_id"], ["learner.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("learner_id", "item_id"),
    )


def downgrade() -> None:
    """Drop the table."""
    op.drop_table("changeablereview")
