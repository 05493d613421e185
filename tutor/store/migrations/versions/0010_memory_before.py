"""A changeable review's memory before it in a table of its own, with the memory's columns.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 17:00:00

``changeablereview`` kept the item's memory before the review in eight ``before_*``
columns, a second spelling of FSRS's memory. It moves to ``memorybefore``, whose columns
are the memory's as ``itemstate`` and ``classmemory`` have them; a review of an item never
reviewed before has no row there. The rows are copied, then the columns dropped.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A memory's fields, as the revision that made them (a revision does not import the store).
FIELDS = ("state", "step", "stability", "difficulty", "due", "last_review", "reps", "lapses")


def _memory_columns(*, prefix: str = "", nullable: bool = False) -> list[sa.Column]:  # type: ignore[type-arg]
    """A memory's columns, as itemstate has them (``prefix`` and ``nullable``: as
    changeablereview had them before this revision)."""
    zero = sa.text("0") if prefix else None
    return [
        sa.Column(f"{prefix}state", sa.Integer(), nullable=nullable),
        sa.Column(f"{prefix}step", sa.Integer(), nullable=True),
        sa.Column(f"{prefix}stability", sa.Float(), nullable=True),
        sa.Column(f"{prefix}difficulty", sa.Float(), nullable=True),
        sa.Column(f"{prefix}due", sa.DateTime(timezone=True), nullable=nullable),
        sa.Column(f"{prefix}last_review", sa.DateTime(timezone=True), nullable=True),
        sa.Column(f"{prefix}reps", sa.Integer(), nullable=False, server_default=zero),
        sa.Column(f"{prefix}lapses", sa.Integer(), nullable=False, server_default=zero),
    ]


def upgrade() -> None:
    """Create memorybefore, copy each review's memory before it, drop the before_ columns."""
    op.create_table(
        "memorybefore",
        sa.Column("learner_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("item_id", sa.String(length=32), nullable=False),
        *_memory_columns(),
        sa.ForeignKeyConstraint(
            ["learner_id", "item_id"],
            ["changeablereview.learner_id", "changeablereview.item_id"],
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("learner_id", "item_id"),
    )
    fields = ", ".join(FIELDS)
    before = ", ".join(f"before_{name}" for name in FIELDS)
    op.execute(
        f"INSERT INTO memorybefore (learner_id, item_id, {fields}) "
        f"SELECT learner_id, item_id, {before} FROM changeablereview "
        "WHERE before_state IS NOT NULL AND before_due IS NOT NULL"
    )
    with op.batch_alter_table("changeablereview") as batch:
        for name in FIELDS:
            batch.drop_column(f"before_{name}")


def downgrade() -> None:
    """Put the before_ columns back, filled from memorybefore, and drop it."""
    with op.batch_alter_table("changeablereview") as batch:
        for column in _memory_columns(prefix="before_", nullable=True):
            batch.add_column(column)
    for name in FIELDS:
        op.execute(
            f"UPDATE changeablereview SET before_{name} = (SELECT {name} FROM memorybefore "
            "WHERE memorybefore.learner_id = changeablereview.learner_id "
            "AND memorybefore.item_id = changeablereview.item_id) "
            "WHERE EXISTS (SELECT 1 FROM memorybefore "
            "WHERE memorybefore.learner_id = changeablereview.learner_id "
            "AND memorybefore.item_id = changeablereview.item_id)"
        )
    op.drop_table("memorybefore")
