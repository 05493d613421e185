"""Own decks: a file's deck imported, replaced, renamed, deleted and shared; the decks a
group's quizzes draw from; a learner's progress and decks exported.

Each use-case is one transaction: an import or a replace that fails writes nothing. Item
ids are the deck's id and the parser's key ("own12-c1a2b3c4d"): global, so progress
(memories keyed by learner and item id) follows an item when a file replaces its deck and
the item is found again by id or by front text; items no longer in the file stay, inactive,
out of the study queue.
"""

from __future__ import annotations

import csv
import io
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import PurePath
from typing import Any

from sqlalchemy.orm import Session

from tutor import quotas
from tutor.content import (
    Card,
    ExplainPrompt,
    Item,
    ItemKind,
    Library,
    PredictItem,
    QuizQuestion,
    QuizTemplate,
    fits_poll,
    own_deck_id,
    own_deck_number,
)
from tutor.imports import MAX_ITEMS, NAME_MAX, ParsedDeck
from tutor.libraries import extended, group_quiz_library, learner_library
from tutor.quotas import MAX_ADDED, MAX_DECKS, TOO_MANY_ADDED, TOO_MANY_DECKS
from tutor.scheduling import Rating, retrievability
from tutor.spreadsheet import safe_cell
from tutor.store import Learner, OwnDeck, practice, save_learner
from tutor.store import owndecks as queries
from tutor.store import progress as progress_queries
from tutor.store import reviews as review_queries
from tutor.store.owndecks import ItemRow
from tutor.study import active_decks, focus_deck, start_learner, to_memory

# The quotas on decks per learner (MAX_DECKS, MAX_ADDED) and their lines are in tutor.quotas.
# A rename or replace asked in /decks, or a file waiting for its confirm, lasts this long.
ACTION_VALID_FOR = timedelta(minutes=10)
# A share code: 9 random bytes, 12 URL-safe characters (72 bits: not guessable).
SHARE_CODE_BYTES = 9
SHARE_CODE = re.compile(r"^[A-Za-z0-9_-]{12}$")
# The front text of each kind of item: what "the same item" is matched by on a replace.
FRONT_FIELD = {ItemKind.CARD: "front", ItemKind.QUIZ: "question", ItemKind.EXPLAIN: "prompt"}

TOO_MANY_ITEMS = "A deck holds at most {limit:,} items; this one has {count:,}."
NO_ITEMS = "That file holds no cards or questions I could read."
BAD_NAME = "A deck name is 1 to {limit} characters of text. Send another, or tap Keep the name."
NAME_TAKEN = "You already have a deck named {title!r}. Send another name."
CHANGED_MEANWHILE = "That deck changed meanwhile. Send the file again."
NOT_PICKABLE = "That deck cannot be picked here."
LAST_GROUP_DECK = "At least one deck stays on for this chat's quizzes."

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\ufeff]")


class DeckError(ValueError):
    """A deck request refused; the message is what the learner is told. Nothing changed."""


def clean_title(text: str) -> str:
    """A deck title from what someone typed or a file named: control characters dropped,
    spaces collapsed, at most NAME_MAX characters.

    Raises:
        DeckError: nothing is left, or it is longer than NAME_MAX.
    """
    title = " ".join(_CONTROL.sub(" ", text).split())
    if not title or len(title) > NAME_MAX:
        raise DeckError(BAD_NAME.format(limit=NAME_MAX))
    return title


def fold_name(title: str) -> str:
    """What makes two deck names the same: case and spacing aside."""
    return " ".join(title.casefold().split())[:NAME_MAX]


def _title_of(parsed: ParsedDeck, file_name: str) -> str:
    """The title of a file's deck: its name, else the file's stem, else "Deck"."""
    for candidate in (parsed.name, PurePath(file_name).stem[:NAME_MAX]):
        try:
            return clean_title(candidate)
        except DeckError:
            continue
    return "Deck"


def _revision() -> int:
    # Random rather than counted: (deck id, revision) never names two contents, even
    # across databases (see tutor.libraries).
    return secrets.randbits(62)


def _fresh(asked_at: datetime, now: datetime) -> bool:
    return now - asked_at <= ACTION_VALID_FOR


def _front(kind: str, data: dict[str, Any]) -> str:
    return " ".join(str(data.get(FRONT_FIELD.get(ItemKind(kind), ""), "")).casefold().split())


def _items(parsed: ParsedDeck) -> list[Card | QuizQuestion | ExplainPrompt]:
    return [*parsed.cards, *parsed.quiz, *parsed.explain]


def assign_ids(
    deck_number: int, parsed: ParsedDeck, old: Sequence[ItemRow]
) -> tuple[list[ItemRow], int]:
    """The deck's rows after ``parsed`` replaces what it held (``old``), and how many of its
    items are ones it held before.

    An item keeps the id of the old item with its id (the deck's id and its key), else of
    an old item of its kind with its front text (case and spacing aside; an active one
    first), else gets the deck's id and its key. Old items matched by nothing stay,
    inactive, so their progress comes back with them.
    """
    prefix = own_deck_id(deck_number) + "-"
    by_id = {row.item_id: row for row in old}
    items = _items(parsed)
    ids: list[str | None] = [None] * len(items)
    claimed: set[str] = set()
    for index, item in enumerate(items):
        if prefix + item.id in by_id:
            ids[index] = prefix + item.id
            claimed.add(prefix + item.id)
    by_front: dict[tuple[str, str], list[ItemRow]] = {}
    for row in sorted(old, key=lambda r: not r.active):
        if row.item_id not in claimed:
            by_front.setdefault((row.kind, _front(row.kind, row.data)), []).append(row)
    for index, item in enumerate(items):
        if ids[index] is not None:
            continue
        front = _front(item.kind, {FRONT_FIELD[item.kind]: getattr(item, FRONT_FIELD[item.kind])})
        candidates = by_front.get((str(item.kind), front), [])
        match = next((row for row in candidates if row.item_id not in claimed), None)
        if match is not None:
            ids[index] = match.item_id
            claimed.add(match.item_id)
    rows = []
    for index, (item, item_id) in enumerate(zip(items, ids, strict=True)):
        final = item_id if item_id is not None else prefix + item.id
        rows.append(
            ItemRow(
                item_id=final,
                kind=str(item.kind),
                key=item.id,
                data=item.model_copy(update={"id": final}).model_dump(
                    mode="json", exclude_none=True
                ),
                position=index,
            )
        )
    retired = [
        ItemRow(r.item_id, r.kind, r.key, r.data, len(items) + n, active=False)
        for n, r in enumerate(r for r in old if r.item_id not in claimed)
    ]
    return rows + retired, len(claimed)


@dataclass(frozen=True)
class Imported:
    """A deck made or replaced from a file: what it holds now."""

    deck: str  # its library id ("own12")
    number: int
    title: str
    cards: int
    questions: int
    prompts: int
    # Questions longer than a quiz poll allows: private /quiz only, never a group poll.
    poll_unfit: int
    replaced: bool = False
    # On a replace: items found again (their progress kept), and items no longer there.
    kept: int = 0
    retired: int = 0


@dataclass(frozen=True)
class NeedsConfirm:
    """The learner has a deck of the file's name: replacing it waits for a confirm."""

    number: int
    title: str


def _check(parsed: ParsedDeck) -> None:
    if parsed.item_count == 0:
        raise DeckError(NO_ITEMS)
    if parsed.item_count > MAX_ITEMS:
        raise DeckError(TOO_MANY_ITEMS.format(limit=MAX_ITEMS, count=parsed.item_count))


def _switch_on(session: Session, learner: Learner, deck: str) -> None:
    """A new or added deck is on for the learner (with every deck on, it is already)."""
    if learner.decks is not None and deck not in learner.decks:
        learner.decks = [*learner.decks, deck]
        save_learner(session, learner=learner)


def _create(
    session: Session, *, learner: Learner, parsed: ParsedDeck, title: str, now: datetime
) -> Imported:
    if queries.count_owned(session, learner_id=learner.id) >= MAX_DECKS:
        raise DeckError(TOO_MANY_DECKS.format(limit=MAX_DECKS))
    _check_quotas(session, learner_id=learner.id, adding=parsed.item_count, now=now)
    number = queries.insert_deck(
        session,
        learner_id=learner.id,
        name=fold_name(title),
        title=title,
        share_code=secrets.token_urlsafe(SHARE_CODE_BYTES),
        revision=_revision(),
        now=now,
    )
    rows, _ = assign_ids(number, parsed, [])
    queries.write_items(session, deck_id=number, rows=rows)
    queries.write_media(session, deck_id=number, rows=rows, media=parsed.media)
    _switch_on(session, learner, own_deck_id(number))
    quotas.note_import(session, learner_id=learner.id, now=now)
    session.commit()
    return _imported(number, title, parsed)


def _imported(
    number: int,
    title: str,
    parsed: ParsedDeck,
    *,
    replaced: bool = False,
    kept: int = 0,
    retired: int = 0,
) -> Imported:
    return Imported(
        deck=own_deck_id(number),
        number=number,
        title=title,
        cards=len(parsed.cards),
        questions=len(parsed.quiz),
        prompts=len(parsed.explain),
        poll_unfit=sum(1 for question in parsed.quiz if not fits_poll(question)),
        replaced=replaced,
        kept=kept,
        retired=retired,
    )


def _check_quotas(
    session: Session, *, learner_id: int, adding: int, now: datetime, removing: int = 0
) -> None:
    """Refuse a file over the quotas on imports per hour and items per learner.

    Raises:
        DeckError: the quota's line; nothing is written.
    """
    refusal = quotas.import_refusal(
        session, learner_id=learner_id, now=now
    ) or quotas.items_refusal(session, learner_id=learner_id, adding=adding, removing=removing)
    if refusal is not None:
        raise DeckError(refusal)


def bound_retired(rows: Sequence[ItemRow]) -> tuple[list[ItemRow], list[str]]:
    """``rows`` (a deck's items from ``assign_ids``) with at most MAX_RETIRED_ITEMS of its
    inactive ones, and the ids of those left out.

    ``assign_ids`` puts the items retired now first among the inactive ones, and those
    retired before after them, in the order they were kept: so the ones left out are the
    longest retired. Active items (those in the file) are never left out.
    """
    active = [row for row in rows if row.active]
    retired = [row for row in rows if not row.active]
    keep = quotas.MAX_RETIRED_ITEMS
    return active + retired[:keep], [row.item_id for row in retired[keep:]]


def _replace(session: Session, *, deck: OwnDeck, parsed: ParsedDeck, now: datetime) -> Imported:
    """Replace the deck's items with the file's and commit.

    Items no longer in the file stay inactive, up to MAX_RETIRED_ITEMS a deck: the longest
    retired beyond it go, and every learner's memory of them (``bound_retired``).

    Raises:
        DeckError: another replace or rename of the deck came first, or the file is over
            a quota; nothing is written.
    """
    assert deck.id is not None
    old = queries.all_items(session, deck_id=deck.id)
    _check_quotas(
        session,
        learner_id=deck.learner_id,
        adding=parsed.item_count,
        removing=sum(1 for row in old if row.active),
        now=now,
    )
    assigned, kept = assign_ids(deck.id, parsed, old)
    rows, dropped = bound_retired(assigned)
    # The compare-and-set comes first: on PostgreSQL a second writer of the deck waits on
    # it, then finds the revision moved on and writes nothing.
    if not queries.move_revision(
        session, deck_id=deck.id, revision=deck.revision, new_revision=_revision(), now=now
    ):
        raise DeckError(CHANGED_MEANWHILE)
    queries.write_items(session, deck_id=deck.id, rows=rows)
    queries.write_media(session, deck_id=deck.id, rows=rows, media=parsed.media)
    queries.delete_memories(session, item_ids=dropped)
    quotas.note_import(session, learner_id=deck.learner_id, now=now)
    session.commit()
    now_active = {row.item_id for row in rows if row.active}
    retired = sum(1 for row in old if row.active and row.item_id not in now_active)
    return _imported(deck.id, deck.title, parsed, replaced=True, kept=kept, retired=retired)


def receive_file(
    session: Session,
    *,
    learner_id: int,
    first_name: str,
    parsed: ParsedDeck,
    file_id: str,
    file_name: str,
    now: datetime,
) -> Imported | NeedsConfirm:
    """A deck file from the learner (created on first contact); commits.

    It replaces the deck the learner asked to replace in /decks (in the last
    ACTION_VALID_FOR); else, when they have a deck of the file's name, it waits for the
    confirm button (``replace_confirmed``); else it is a new deck, switched on.

    Raises:
        DeckError: a limit is reached (decks per owner, items per deck, the quotas of
            ``tutor.quotas``); nothing changed.
    """
    _check(parsed)
    title = _title_of(parsed, file_name)
    learner = start_learner(session, learner_id=learner_id, first_name=first_name, now=now)
    action = queries.get_action(session, learner_id=learner_id)
    if action is not None and action.action == "replace" and _fresh(action.asked_at, now):
        deck = queries.get_deck(session, deck_id=action.deck_id)
        taken = queries.take_action(
            session, learner_id=learner_id, action="replace", deck_id=action.deck_id
        )
        if taken and deck is not None and deck.learner_id == learner_id:
            return _replace(session, deck=deck, parsed=parsed, now=now)
    existing = queries.deck_named(session, learner_id=learner_id, name=fold_name(title))
    if existing is not None:
        assert existing.id is not None
        queries.set_action(
            session,
            learner_id=learner_id,
            deck_id=existing.id,
            action="confirm",
            now=now,
            file_id=file_id[:255],
            file_name=file_name[:255],
        )
        session.commit()
        return NeedsConfirm(number=existing.id, title=existing.title)
    return _create(session, learner=learner, parsed=parsed, title=title, now=now)


@dataclass(frozen=True)
class WaitingFile:
    """A file sent for a deck the learner has, waiting for the confirm to replace it."""

    file_id: str
    file_name: str


def note_stopped_file(
    session: Session, *, learner_id: int, first_name: str, now: datetime
) -> None:
    """Count a deck file the reader had to stop (past its deadline or memory limit) against
    the hourly quota, as an import: such a file costs a worker up to its deadline, so one
    account sending them one after another holds a worker IMPORTS_PER_HOUR deadlines an
    hour at most. The sender may be new: they become a learner, as an import would make them."""
    start_learner(session, learner_id=learner_id, first_name=first_name, now=now)
    quotas.note_import(session, learner_id=learner_id, now=now)
    session.commit()


def waiting_file(
    session: Session, *, learner_id: int, deck_number: int, now: datetime
) -> WaitingFile | None:
    """The file waiting to replace ``deck_number``; None when none waits any more (done,
    cancelled, expired, or another file came since)."""
    action = queries.get_action(session, learner_id=learner_id)
    if (
        action is None
        or action.action != "confirm"
        or action.deck_id != deck_number
        or action.file_id is None
        or not _fresh(action.asked_at, now)
    ):
        return None
    return WaitingFile(file_id=action.file_id, file_name=action.file_name or "deck")


def replace_confirmed(
    session: Session,
    *,
    learner_id: int,
    deck_number: int,
    file_id: str,
    parsed: ParsedDeck,
    now: datetime,
) -> Imported | None:
    """The confirm button: ``parsed`` (the waiting file, read again) replaces the deck, and
    commits; None when the file no longer waits (a double tap: the first one did it).

    Raises:
        DeckError: the file is over a limit, or the deck changed meanwhile; nothing changed.
    """
    _check(parsed)
    if not queries.take_action(
        session, learner_id=learner_id, action="confirm", deck_id=deck_number, file_id=file_id
    ):
        return None
    deck = queries.get_deck(session, deck_id=deck_number)
    if deck is None or deck.learner_id != learner_id:
        session.commit()
        return None
    return _replace(session, deck=deck, parsed=parsed, now=now)


# --- /decks: a deck's page, rename, replace, delete, share -------------------------------


@dataclass(frozen=True)
class DeckPage:
    """One own deck as its page in /decks shows it."""

    deck: str
    number: int
    title: str
    cards: int
    questions: int
    prompts: int
    poll_unfit: int
    share_code: str
    mine: bool


def deck_page(
    session: Session, *, library: Library, learner_id: int, deck_number: int
) -> DeckPage | None:
    """The page of an own deck the learner studies (theirs or added); None if it is not
    (any more) one of theirs."""
    found = learner_library(session, library=library, learner_id=learner_id)
    deck_id = own_deck_id(deck_number)
    if deck_id not in found.own:
        return None
    deck, own = found.decks[deck_id], found.own[deck_id]
    return DeckPage(
        deck=deck_id,
        number=deck_number,
        title=deck.title,
        cards=len(deck.cards),
        questions=len(deck.quiz),
        prompts=len(deck.explain),
        poll_unfit=sum(1 for question in deck.quiz if not fits_poll(question)),
        share_code=own.share_code,
        mine=own.owner_id == learner_id,
    )


def ask(
    session: Session, *, learner_id: int, deck_number: int, action: str, now: datetime
) -> str | None:
    """Remember that the learner's next message renames (``action`` "rename") or replaces
    ("replace") their deck, and commit; returns the deck's title, None if it is not theirs.
    """
    deck = queries.get_deck(session, deck_id=deck_number)
    if deck is None or deck.learner_id != learner_id:
        return None
    queries.set_action(session, learner_id=learner_id, deck_id=deck_number, action=action, now=now)
    session.commit()
    return deck.title


def cancel_action(session: Session, *, learner_id: int) -> bool:
    """Forget what the learner's next message was to do to a deck, and commit."""
    dropped = queries.drop_action(session, learner_id=learner_id)
    session.commit()
    return dropped


@dataclass(frozen=True)
class Renamed:
    """A deck renamed by the learner's message."""

    number: int
    old_title: str
    title: str


def rename_from_text(
    session: Session, *, learner_id: int, text: str, now: datetime
) -> Renamed | None:
    """A text message: the new name of the deck the learner asked to rename, if that is
    the latest thing they were asked (an explain prompt asked since takes the text, and
    the rename is dropped); None when the text is not a new name. Commits.

    Raises:
        DeckError: not a usable name, or one of their other decks has it; the question
            stands, so the next message can try again.
    """
    action = queries.get_action(session, learner_id=learner_id)
    if action is None or action.action != "rename":
        return None
    if not _fresh(action.asked_at, now):
        queries.drop_action(session, learner_id=learner_id)
        session.commit()
        return None
    prompt = practice.get_pending(session, learner_id=learner_id)
    if prompt is not None and prompt.asked_at > action.asked_at:
        # The learner moved on to /explain: the rename is dropped, not left waiting for
        # the message after the answer.
        queries.drop_action(session, learner_id=learner_id)
        session.commit()
        return None
    title = clean_title(text)
    deck = queries.get_deck(session, deck_id=action.deck_id)
    if deck is None or deck.learner_id != learner_id:
        queries.drop_action(session, learner_id=learner_id)
        session.commit()
        return None
    other = queries.deck_named(session, learner_id=learner_id, name=fold_name(title))
    if other is not None and other.id != deck.id:
        raise DeckError(NAME_TAKEN.format(title=other.title))
    if not queries.take_action(
        session, learner_id=learner_id, action="rename", deck_id=action.deck_id
    ) or not queries.move_revision(
        session,
        deck_id=action.deck_id,
        revision=deck.revision,
        new_revision=_revision(),
        now=now,
        title=title,
        name=fold_name(title),
    ):
        raise DeckError(CHANGED_MEANWHILE)
    session.commit()
    return Renamed(number=action.deck_id, old_title=deck.title, title=title)


def delete_deck(session: Session, *, learner_id: int, deck_number: int) -> str | None:
    """Delete the learner's own deck: its items, its shares, the groups' choice of it, its
    place in learners' decks switched on; the learners who studied it keep their review
    history (its id is never given to another deck). Commits; returns its title, None if
    it is not theirs (any more)."""
    deck = queries.get_deck(session, deck_id=deck_number)
    if deck is None or deck.learner_id != learner_id:
        return None
    queries.clear_deck_references(
        session, deck_ids=[deck_number], decks=[own_deck_id(deck_number)]
    )
    queries.delete_deck(session, deck_id=deck_number, learner_id=learner_id)
    session.commit()
    return deck.title


def remove_added(session: Session, *, learner_id: int, deck_number: int) -> bool:
    """Take a deck shared with the learner out of their decks; commits."""
    removed = queries.remove_added(session, learner_id=learner_id, deck_id=deck_number)
    session.commit()
    return removed


@dataclass(frozen=True)
class Shared:
    """A share link opened: the learner, what they study now, and the deck it added."""

    learner: Learner
    library: Library
    deck: str
    title: str
    mine: bool


def open_share_link(
    session: Session,
    *,
    library: Library,
    learner_id: int,
    first_name: str,
    code: str,
    now: datetime,
) -> Shared | None:
    """/start deck-<code>: add the deck (created on first contact) and focus the learner's
    studies on it, as a deep link to a built-in deck does; commits. None when no deck has
    that code (mistyped, or deleted).

    Raises:
        DeckError: the learner has added MAX_ADDED shared decks already, or the deck would
            take their decks past the quota on items (``tutor.quotas``).
    """
    if not SHARE_CODE.match(code):
        return None
    deck = queries.deck_by_code(session, share_code=code)
    if deck is None or deck.id is None:
        return None
    learner = start_learner(session, learner_id=learner_id, first_name=first_name, now=now)
    mine = deck.learner_id == learner_id
    # Opening the link again (or one's own) adds nothing, and focuses the deck again.
    if not mine:
        over = quotas.items_refusal(
            session,
            learner_id=learner_id,
            adding=queries.active_count(session, deck_id=deck.id),
        )
        if queries.add_deck(session, learner_id=learner_id, deck_id=deck.id, now=now):
            if queries.count_added(session, learner_id=learner_id) > MAX_ADDED:
                raise DeckError(TOO_MANY_ADDED.format(limit=MAX_ADDED))
            if over is not None:
                raise DeckError(over)
    focus_deck(session, learner=learner, deck_id=own_deck_id(deck.id))
    found = learner_library(session, library=library, learner_id=learner_id)
    return Shared(learner, found, own_deck_id(deck.id), deck.title, mine)


@dataclass(frozen=True)
class Focused:
    """The learner's studies focused on one deck, and what it holds."""

    title: str
    cards: int
    questions: int
    prompts: int
    paused: int = 0  # the learner's other decks, switched off by this


def focus_on(
    session: Session,
    *,
    library: Library,
    learner_id: int,
    first_name: str,
    deck_number: int,
    now: datetime,
) -> Focused | None:
    """Study now: the learner's reviews come from this own deck of theirs; commits. None
    when it is not one of their decks (any more)."""
    learner = start_learner(session, learner_id=learner_id, first_name=first_name, now=now)
    found = learner_library(session, library=library, learner_id=learner_id)
    deck_id = own_deck_id(deck_number)
    if deck_id not in found.decks:
        return None
    paused = [d for d in active_decks(found, learner) if d != deck_id]
    focus_deck(session, learner=learner, deck_id=deck_id)
    deck = found.decks[deck_id]
    return Focused(deck.title, len(deck.cards), len(deck.quiz), len(deck.explain), len(paused))


# --- the decks a group's quizzes draw from -----------------------------------------------


@dataclass(frozen=True)
class DeckChoice:
    """A deck of a group's quizzes as one admin sees it: a built-in deck (no owner) or an
    own deck, theirs (which they may offer) or one a co-admin offered (``offered_by``)."""

    deck: str
    title: str
    owner_id: int | None
    chosen: bool
    poll_questions: int
    offered_by: int | None = None


def _choices(
    session: Session, *, library: Library, chat_id: int, admin_id: int
) -> tuple[list[DeckChoice], dict[str, int | None]]:
    """What ``admin_id`` sees in the group's /decks, and the choice as it stands (every
    built-in deck when none is stored or none of the stored ones is left)."""
    stored = queries.group_decks(session, chat_id=chat_id)
    mine = queries.decks_of_owners(session, learner_ids=[admin_id])
    owned = {d.id for d in mine if d.id is not None}
    offered = {n for n in (own_deck_number(d) for d in stored) if n is not None}
    found = extended(session, library, queries.deck_versions(session, deck_ids=owned | offered))
    current = {d: stored[d] for d in found.decks if d in stored}
    if not current:
        current = dict.fromkeys(library.decks)
    choices = []
    for deck_id, deck in found.decks.items():
        own = found.own.get(deck_id)
        if own is not None and own.owner_id != admin_id and deck_id not in current:
            continue  # a co-admin's deck they did not offer: not theirs to show
        choices.append(
            DeckChoice(
                deck=deck_id,
                title=deck.title,
                owner_id=own.owner_id if own is not None else None,
                chosen=deck_id in current,
                poll_questions=sum(
                    1
                    for item in found.items_of_kind(ItemKind.QUIZ, [deck_id])
                    if isinstance(item, QuizQuestion) and fits_poll(item)
                ),
                offered_by=current.get(deck_id),
            )
        )
    return choices, current


def group_deck_choices(
    session: Session, *, library: Library, chat_id: int, admin_id: int
) -> list[DeckChoice]:
    """The decks of a group's quizzes as the admin sees them: the built-in ones and the
    admin's own (theirs to switch), then those co-admins offered, each chosen or not."""
    choices, _current = _choices(session, library=library, chat_id=chat_id, admin_id=admin_id)
    session.commit()
    return choices


def toggle_group_deck(
    session: Session, *, library: Library, chat_id: int, deck: str, admin_id: int
) -> tuple[bool, list[DeckChoice]]:
    """Switch a built-in deck or one of the admin's own decks on or off for the group's
    quizzes, and commit; returns whether it is on now, and the choices as they stand.
    An own deck is offered by its owner only; every built-in deck and nothing else is the
    default, stored as no choice (so a deck added to content/ later joins).

    Raises:
        DeckError: the deck is neither built-in nor the admin's own, or it is the last on.
    """
    choices, current = _choices(session, library=library, chat_id=chat_id, admin_id=admin_id)
    if deck not in {c.deck for c in choices if c.owner_id in (None, admin_id)}:
        raise DeckError(NOT_PICKABLE)
    now_on = deck not in current
    wanted = dict(current)
    if now_on:
        wanted[deck] = admin_id
    else:
        del wanted[deck]
    if not wanted:
        raise DeckError(LAST_GROUP_DECK)
    default = set(wanted) == set(library.decks)
    queries.set_group_decks(session, chat_id=chat_id, decks={} if default else wanted)
    session.commit()
    updated = [replace(c, chosen=c.deck in wanted, offered_by=wanted.get(c.deck)) for c in choices]
    return now_on, updated


def group_offerers(session: Session, *, chat_id: int) -> list[int]:
    """Who offered the own decks a group chose: the quiz draws from a deck only while they
    are the chat's admins (the bot asks Telegram, and hands them to ``start_session``)."""
    stored = queries.group_decks(session, chat_id=chat_id)
    session.commit()
    return sorted(
        {by for deck, by in stored.items() if by is not None and own_deck_number(deck) is not None}
    )


def group_decks(session: Session, *, library: Library, chat_id: int) -> list[str]:
    """The ids of the decks the group's quizzes draw from (see
    ``tutor.libraries.group_quiz_library``, which also gives the library holding them)."""
    return group_quiz_library(session, library=library, chat_id=chat_id)[1]


# --- /export -----------------------------------------------------------------------------

PROGRESS_COLUMNS = (
    "item",
    "deck",
    "front",
    "reviews",
    "last rating",
    "due date",
    "stability",
    "predicted recall",
)
RATING_NAMES = {int(r): r.name.capitalize() for r in Rating}
# The review log, so that a learner leaves with their history as they may have come with it.
REVIEW_COLUMNS = (
    "item",
    "deck",
    "reviewed at (UTC)",
    "rating",
    "rating name",
    "seconds",
    "source",
)


def card_image(session: Session, *, item_id: str, name: str) -> bytes | None:
    """An image an own deck's card shows (``Card.image``, ``Card.back_image``); None when
    its deck is gone or holds no image of that name."""
    number = own_deck_number(item_id)
    return None if number is None else queries.image(session, deck_id=number, name=name)


def front_of(item: Item | None) -> str:
    """The text an item is known by: a card's front, a question, a prompt."""
    if isinstance(item, Card):
        return item.front
    if isinstance(item, QuizQuestion):
        return item.question
    if isinstance(item, ExplainPrompt):
        return item.prompt
    if isinstance(item, QuizTemplate):
        return "(a question with fresh numbers each time)"
    if isinstance(item, PredictItem):
        return "(/predict: what will the loss do?)"
    return ""


@dataclass(frozen=True)
class Export:
    """What /export sends: the progress as CSV, the review log as CSV, and each own deck as
    a deck to write out."""

    progress_csv: bytes
    rows: int
    decks: tuple[ParsedDeck, ...]
    reviews_csv: bytes = b""
    reviews: int = 0


def export_of(
    session: Session, *, library: Library, learner_id: int, first_name: str, now: datetime
) -> Export:
    """/export: the learner's progress on every item they reviewed, and each deck they own
    with its items keyed as stored (imported back into it, every item is found by id)."""
    learner = start_learner(session, learner_id=learner_id, first_name=first_name, now=now)
    found = learner_library(session, library=library, learner_id=learner_id)
    states = review_queries.learner_states(session, learner_id=learner_id)
    last = queries.last_ratings(session, learner_id=learner_id)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(PROGRESS_COLUMNS)
    for state in sorted(states, key=lambda s: (found.deck_of.get(s.item_id, "~"), s.item_id)):
        item = found.items.get(state.item_id)
        deck = found.decks[found.deck_of[state.item_id]].title if item is not None else ""
        memory = to_memory(state)
        recall = (
            retrievability(memory, now, parameters=learner.fsrs_parameters)
            if memory.stability is not None
            else None
        )
        rating = last.get(state.item_id)
        writer.writerow(
            (
                state.item_id,
                safe_cell(deck),
                safe_cell(front_of(item)),
                state.reps,
                RATING_NAMES.get(rating, "") if rating is not None else "",
                state.due.strftime("%Y-%m-%d %H:%M UTC"),
                "" if state.stability is None else f"{state.stability:.2f}",
                "" if recall is None else f"{recall:.3f}",
            )
        )
    decks = tuple(
        _as_parsed(found, deck_id, queries.deck_media(session, deck_id=own.number))
        for deck_id, own in found.own.items()
        if own.owner_id == learner_id
    )
    session.commit()
    log = progress_queries.learner_reviews(session, learner_id=learner_id)
    return Export(
        buffer.getvalue().encode("utf-8-sig"),
        len(states),
        decks,
        reviews_csv=_review_log_csv(found, log),
        reviews=len(log),
    )


def _review_log_csv(
    library: Library, log: Sequence[tuple[str, datetime, int, int | None, str]]
) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(REVIEW_COLUMNS)
    for item_id, when, rating, duration, source in log:
        deck = library.deck_of.get(item_id)
        writer.writerow(
            (
                item_id,
                safe_cell(library.decks[deck].title) if deck is not None else "",
                when.strftime("%Y-%m-%d %H:%M:%S"),
                rating,
                RATING_NAMES.get(rating, ""),
                "" if duration is None else f"{duration / 1000:.1f}",
                source,
            )
        )
    return buffer.getvalue().encode("utf-8-sig")


def _as_parsed(library: Library, deck_id: str, media: dict[str, bytes]) -> ParsedDeck:
    """An own deck as ``tutor.imports.export_deck`` writes it: its items keyed by their
    ids without the deck's prefix (the keys they were stored under), and its images."""
    deck = library.decks[deck_id]
    cut = len(deck_id) + 1

    def keyed(item: Any) -> Any:
        return item.model_copy(update={"id": item.id[cut:]})

    return ParsedDeck(
        name=deck.title,
        format="yaml",
        cards=tuple(keyed(card) for card in deck.cards),
        quiz=tuple(keyed(question) for question in deck.quiz),
        explain=tuple(keyed(prompt) for prompt in deck.explain),
        skipped=(),
        media_skipped=0,
        media=media,
    )
