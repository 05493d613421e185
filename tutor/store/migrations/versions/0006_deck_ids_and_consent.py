"""Own-deck ids never reused, who offered a group's deck, members who left a group.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 03:00:00

- ``owndeck`` on SQLite gets ``AUTOINCREMENT`` (PostgreSQL's sequence never reuses an id):
  a deleted deck's id went to the next deck imported, so whatever still named the
  deleted deck (a group's choice) named a stranger's. The counter starts past every deck
  number still named anywhere (a group's choice, a memory, a review, a poll).
- ``groupdeck.offered_by``: the admin who switched the deck on. An own deck is offered
  by its owner only; the own-deck choices made before are dropped (nobody can tell whose
  consent they had), and so are the choices of decks that no longer exist.
- ``leftmember``: who left which group, left out of its reports and exports.
"""

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# An own deck's id ("own12") or one of its items' ("own12-q3"), as tutor.domain.content names them.
OWN_NUMBER = re.compile(r"own([0-9]+)(?:-|$)")
# Where deck numbers are named outside the deck's own rows.
NAMED_IN = (
    ("groupdeck", "deck"),
    ("itemstate", "item_id"),
    ("reviewlog", "item_id"),
    ("sessionpoll", "item_id"),
    ("classmemory", "item_id"),
)


def _highest_named(bind: sa.engine.Connection) -> int:
    highest = bind.execute(sa.text("SELECT COALESCE(MAX(id), 0) FROM owndeck")).scalar_one()
    for table, column in NAMED_IN:
        rows = bind.execute(
            sa.text(f"SELECT DISTINCT {column} FROM {table} WHERE {column} LIKE 'own%'")
        )
        for (name,) in rows:
            found = OWN_NUMBER.match(name)
            if found:
                highest = max(highest, int(found.group(1)))
    return int(highest)


def upgrade() -> None:
    """Add the column and table; drop the choices without consent; ids never reused."""
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        highest = _highest_named(bind)
        with op.batch_alter_table(
            "owndeck", recreate="always", table_kwargs={"sqlite_autoincrement": True}
        ):
            pass
        bind.execute(sa.text("DELETE FROM sqlite_sequence WHERE name = 'owndeck'"))
        bind.execute(
            sa.text("INSERT INTO sqlite_sequence (name, seq) VALUES ('owndeck', :seq)"),
            {"seq": highest},
        )
    op.add_column("groupdeck", sa.Column("offered_by", sa.BigInteger(), nullable=True))
    chosen = bind.execute(sa.text("SELECT chat_id, deck FROM groupdeck WHERE deck LIKE 'own%'"))
    for chat_id, deck in chosen.all():
        if OWN_NUMBER.match(deck):
            bind.execute(
                sa.text("DELETE FROM groupdeck WHERE chat_id = :chat AND deck = :deck"),
                {"chat": chat_id, "deck": deck},
            )
    op.create_table(
        "leftmember",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("learner_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("left_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("chat_id", "learner_id"),
    )


def downgrade() -> None:
    """Drop the table and the column; SQLite's ids go back to plain rowids."""
    op.drop_table("leftmember")
    with op.batch_alter_table("groupdeck") as batch:
        batch.drop_column("offered_by")
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table(
            "owndeck", recreate="always", table_kwargs={"sqlite_autoincrement": False}
        ):
            pass
