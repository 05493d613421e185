"""Per-learner quotas on own decks: what one account may store, study and import.

Each is far above what a real learner reaches and bounds what one account can cost
everyone else. Real decks hold a few hundred to a few thousand items (the largest real
file the importer is tested on has about 2,900 rows; a file may hold MAX_ITEMS, 5,000):

- MAX_DECKS own decks and MAX_ADDED shared ones (unchanged since own decks came);
- MAX_LIBRARY_ITEMS items over a learner's own and added decks: five full decks, or a
  dozen of the largest real ones. It bounds a learner's library in memory (about 1.5 KB
  an item) and the per-request work that is linear in it; ``bench/heavy.py`` measures two
  accounts at the quota beside ordinary users;
- IMPORTS_PER_HOUR deck files (new decks and replaces) in any hour, counted from the
  ``deckimport`` table so that the window holds across instances and restarts;
- MAX_RETIRED_ITEMS per deck: the items no longer in a deck's file that it keeps
  (inactive, so their progress comes back if they return). Past it the oldest go, with
  every learner's memory of them, so a deck holds at most MAX_ITEMS + MAX_RETIRED_ITEMS
  rows however often it is replaced; an item still in the file is never dropped.

Each refusal is one line saying the limit and what to do (``tutor.services.owndecks`` raises it as
its ``DeckError``), and changes nothing.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from tutor import store

MAX_DECKS = 50
MAX_ADDED = 50
MAX_LIBRARY_ITEMS = 25_000
IMPORTS_PER_HOUR = 30
IMPORT_WINDOW = timedelta(hours=1)
MAX_RETIRED_ITEMS = 2_000

TOO_MANY_DECKS = (
    "You have {limit} decks, the most I keep for one person. Delete one in /decks, or send "
    "the file again to replace a deck of the same name."
)
TOO_MANY_ADDED = "You have added {limit} shared decks, the most I keep. Remove one in /decks."
TOO_MANY_ITEMS = (
    "Your decks would hold {total:,} items, over the {limit:,} I keep for one person. "
    "Delete a deck in /decks to make room."
)
TOO_MANY_IMPORTS = (
    "You sent {limit} deck files in the last hour, the most I take. Try again in {wait}."
)


def import_refusal(session: Session, *, learner_id: int, now: datetime) -> str | None:
    """The line refusing a deck file when the learner imported IMPORTS_PER_HOUR in the
    last hour (with the minutes until the oldest leaves the window); None if it may go."""
    recent = store.deckactions.imports_since(
        session, learner_id=learner_id, since=now - IMPORT_WINDOW
    )
    if len(recent) < IMPORTS_PER_HOUR:
        return None
    frees_at = recent[len(recent) - IMPORTS_PER_HOUR] + IMPORT_WINDOW
    minutes = max(1, math.ceil((frees_at - now).total_seconds() / 60))
    wait = f"{minutes} minute{'' if minutes == 1 else 's'}"
    return TOO_MANY_IMPORTS.format(limit=IMPORTS_PER_HOUR, wait=wait)


def note_import(session: Session, *, learner_id: int, now: datetime) -> None:
    """Count a deck file imported now (part of the import's transaction)."""
    store.deckactions.record_import(
        session, learner_id=learner_id, at=now, since=now - IMPORT_WINDOW
    )


def items_refusal(
    session: Session, *, learner_id: int, adding: int, removing: int = 0
) -> str | None:
    """The line refusing ``adding`` items (in place of ``removing``) that would take the
    learner's decks past MAX_LIBRARY_ITEMS; None if they fit (or the decks shrink)."""
    if adding <= removing:
        return None
    total = store.owndecks.learner_item_count(session, learner_id=learner_id) - removing + adding
    if total <= MAX_LIBRARY_ITEMS:
        return None
    return TOO_MANY_ITEMS.format(total=total, limit=MAX_LIBRARY_ITEMS)
