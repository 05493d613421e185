"""Homework: work an admin assigns a class, done in private by a due date.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 19:00:00

``homework`` is an assignment (its items as they were assigned, its due date, the claim on
its report); ``homeworkmember`` whom it is assigned to (started, finished, their one
nudge); ``homeworkanswer`` each member's first answer to each item. ``classmember`` keeps
the members a group's service messages or homework links showed the bot, and
``pendingexplain.homework_id`` the homework an explain prompt was asked for.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the homework tables and the pending prompt's homework column."""
    op.create_table(
        "classmember",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("learner_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("first_name", sa.String(length=128), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("chat_id", "learner_id"),
    )
    op.create_table(
        "homework",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("assigned_by", sa.BigInteger(), nullable=True),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_index("ix_homework_chat_id", "homework", ["chat_id"])
    op.create_index("ix_homework_due", "homework", ["reported_at", "due_at"])
    op.create_table(
        "homeworkmember",
        sa.Column("homework_id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("first_name", sa.String(length=128), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("nudge_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("nudged_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["homework_id"], ["homework.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("homework_id", "learner_id"),
    )
    op.create_index("ix_homeworkmember_nudge", "homeworkmember", ["nudged_at", "nudge_at"])
    op.create_table(
        "homeworkanswer",
        sa.Column("homework_id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.String(length=32), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("correct", sa.Boolean(), nullable=False),
        sa.Column("chosen_option", sa.Integer(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["homework_id"], ["homework.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("homework_id", "learner_id", "position"),
    )
    with op.batch_alter_table("pendingexplain") as batch:
        batch.add_column(sa.Column("homework_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_pendingexplain_homework_id",
            "homework",
            ["homework_id"],
            ["id"],
            ondelete="CASCADE",
        )


def downgrade() -> None:
    """Drop the pending prompt's homework column and the homework tables."""
    with op.batch_alter_table("pendingexplain") as batch:
        batch.drop_constraint("fk_pendingexplain_homework_id", type_="foreignkey")
        batch.drop_column("homework_id")
    op.drop_table("homeworkanswer")
    op.drop_table("homeworkmember")
    op.drop_index("ix_homework_due", table_name="homework")
    op.drop_index("ix_homework_chat_id", table_name="homework")
    op.drop_table("homework")
    op.drop_table("classmember")
