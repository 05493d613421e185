"""Class reports: what each vote chose, who started a session, the class's own memory.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-14 10:00:00

- ``pollvote.chosen_option``: the option a member chose, in the item's own option order
  (null for votes stored before), so a report names the most-picked wrong option however
  the poll shuffled them; ``pollvote.item_id``: the poll's question, copied from
  ``sessionpoll`` (and filled in for older votes). ``ix_pollvote_chat`` gives way to
  ``ix_pollvote_chat_session`` (chat_id, session_id) and ``ix_pollvote_chat_member``
  (chat_id, learner_id, item_id, session_id, correct), which holds all that /report counts.
- ``sessionpoll.question``, ``options``, ``option_order``: what the poll asked, its
  options in the item's order and the poll's order of them (null on older polls).
- ``quizsession.started_by`` and ``groupchat.daily_set_by``: whom a session's report goes
  to (null: an anonymous admin, or older rows).
- ``classmemory``: one FSRS state per (chat, quiz question), like ``itemstate`` per learner.
- ``reportnotice``: the group was told once that an admin must start the bot in private.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the columns (all nullable: SQLite adds them without rebuilding a table) and the
    two tables, and replace the vote index."""
    op.add_column("pollvote", sa.Column("chosen_option", sa.Integer(), nullable=True))
    op.add_column("pollvote", sa.Column("item_id", sa.String(length=32), nullable=True))
    op.execute(
        "UPDATE pollvote SET item_id = "
        "(SELECT item_id FROM sessionpoll WHERE sessionpoll.poll_id = pollvote.poll_id)"
    )
    op.drop_index("ix_pollvote_chat", table_name="pollvote")
    op.create_index("ix_pollvote_chat_session", "pollvote", ["chat_id", "session_id"])
    op.create_index(
        "ix_pollvote_chat_member",
        "pollvote",
        ["chat_id", "learner_id", "item_id", "session_id", "correct"],
    )
    op.add_column("sessionpoll", sa.Column("question", sa.String(length=300), nullable=True))
    op.add_column("sessionpoll", sa.Column("options", sa.JSON(), nullable=True))
    op.add_column("sessionpoll", sa.Column("option_order", sa.JSON(), nullable=True))
    op.add_column("quizsession", sa.Column("started_by", sa.BigInteger(), nullable=True))
    op.add_column("groupchat", sa.Column("daily_set_by", sa.BigInteger(), nullable=True))
    op.create_table(
        "classmemory",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("item_id", sa.String(length=32), nullable=False),
        sa.Column("state", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=True),
        sa.Column("stability", sa.Float(), nullable=True),
        sa.Column("difficulty", sa.Float(), nullable=True),
        sa.Column("due", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_review", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reps", sa.Integer(), nullable=False),
        sa.Column("lapses", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("chat_id", "item_id"),
    )
    op.create_index("ix_classmemory_chat_due", "classmemory", ["chat_id", "due"])
    op.create_table(
        "reportnotice",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("learner_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("told_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("chat_id", "learner_id"),
    )


def downgrade() -> None:
    """Drop the tables and columns (SQLite 3.35+ drops a column in place), and restore the
    vote index."""
    op.drop_table("reportnotice")
    op.drop_table("classmemory")
    op.drop_column("groupchat", "daily_set_by")
    op.drop_column("quizsession", "started_by")
    for column in ("option_order", "options", "question"):
        op.drop_column("sessionpoll", column)
    op.drop_index("ix_pollvote_chat_member", table_name="pollvote")
    op.drop_index("ix_pollvote_chat_session", table_name="pollvote")
    op.create_index("ix_pollvote_chat", "pollvote", ["chat_id"])
    op.drop_column("pollvote", "item_id")
    op.drop_column("pollvote", "chosen_option")
