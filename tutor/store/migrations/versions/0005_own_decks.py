"""Own decks: decks sent to the bot as files, their items, who added them, group choices.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-14 10:00:00

``owndeck`` holds each deck (its owner, folded name, title, share code and a revision
drawn anew at every change), ``owndeckitem`` its items as JSON under global ids
("own<deck>-<key>"), ``addeddeck`` who opened whose share link, ``groupdeck`` which decks
a group's quizzes draw from, and ``deckaction`` what a learner's next message does to a
deck (a new name, a replacing file, a file waiting for its confirm button).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the own decks' tables."""
    op.create_table(
        "owndeck",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("title", sa.String(length=60), nullable=False),
        sa.Column("share_code", sa.String(length=16), nullable=False),
        sa.Column("revision", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["learner_id"], ["learner.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ux_owndeck_owner_name", "owndeck", ["learner_id", "name"], unique=True)
    op.create_index("ux_owndeck_share_code", "owndeck", ["share_code"], unique=True)

    op.create_table(
        "owndeckitem",
        sa.Column("deck_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.String(length=24), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("key", sa.String(length=12), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["deck_id"], ["owndeck.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("deck_id", "item_id"),
    )

    op.create_table(
        "addeddeck",
        sa.Column("learner_id", sa.BigInteger(), nullable=False),
        sa.Column("deck_id", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["deck_id"], ["owndeck.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["learner_id"], ["learner.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("learner_id", "deck_id"),
    )
    op.create_index("ix_addeddeck_deck_id", "addeddeck", ["deck_id"])

    op.create_table(
        "groupdeck",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("deck", sa.String(length=24), nullable=False),
        sa.PrimaryKeyConstraint("chat_id", "deck"),
    )

    op.create_table(
        "deckaction",
        sa.Column("learner_id", sa.BigInteger(), nullable=False),
        sa.Column("deck_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.Column("file_id", sa.String(length=255), nullable=True),
        sa.Column("file_name", sa.String(length=255), nullable=True),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["deck_id"], ["owndeck.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["learner_id"], ["learner.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("learner_id"),
    )


def downgrade() -> None:
    """Drop the tables (their indexes go with them), children first."""
    for table in ("deckaction", "groupdeck", "addeddeck", "owndeckitem", "owndeck"):
        op.drop_table(table)
