"""A deck file made an own deck: imported new or replacing one, and the images it brought.

Each use-case is one transaction: an import or a replace that fails writes nothing. Item
ids are the deck's id and the parser's key ("own12-c1a2b3c4d"): global, so progress
(memories keyed by learner and item id) follows an item when a file replaces its deck and
the item is found again by id or by front text; items no longer in the file stay, inactive,
out of the study queue.

The rules every own-deck use-case shares live here too: ``DeckError`` (a refusal), a deck's
title and the name it is known by, its revision, and how long an asked action waits.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import PurePath
from typing import Any

from sqlalchemy.orm import Session

from tutor import store
from tutor.domain.content import Card, ExplainPrompt, ItemKind, QuizQuestion, fits_poll
from tutor.domain.library import own_deck_id, own_deck_number
from tutor.imports import MAX_ITEMS, NAME_MAX, ParsedDeck
from tutor.services import quotas
from tutor.services.quotas import MAX_DECKS, TOO_MANY_DECKS
from tutor.services.study import start_learner
from tutor.store import Learner, OwnDeck
from tutor.store.owndecks import ItemRow

# The quotas on decks per learner (MAX_DECKS, MAX_ADDED) and their lines are in
# tutor.services.quotas.
# A rename or replace asked in /decks, or a file waiting for its confirm, lasts this long.
ACTION_VALID_FOR = timedelta(minutes=10)
# A share code: 9 random bytes, 12 URL-safe characters (72 bits: not guessable); what one
# looks like is ``tutor.services.sharing.SHARE_CODE``.
SHARE_CODE_BYTES = 9
# The front text of each kind of item: what "the same item" is matched by on a replace.
FRONT_FIELD = {ItemKind.CARD: "front", ItemKind.QUIZ: "question", ItemKind.EXPLAIN: "prompt"}

TOO_MANY_ITEMS = "A deck holds at most {limit:,} items; this one has {count:,}."
NO_ITEMS = "That file holds no cards or questions I could read."
BAD_NAME = "A deck name is 1 to {limit} characters of text. Send another, or tap Keep the name."
CHANGED_MEANWHILE = "That deck changed meanwhile. Send the file again."

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


def new_revision() -> int:
    """A revision for a deck's content as it is written now."""
    # Random rather than counted: (deck id, revision) never names two contents, even
    # across databases (see tutor.services.libraries).
    return secrets.randbits(62)


def is_fresh(asked_at: datetime, now: datetime) -> bool:
    """Whether an action asked at ``asked_at`` still waits (ACTION_VALID_FOR)."""
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
        store.learners.save_learner(session, learner=learner)


def _create(
    session: Session, *, learner: Learner, parsed: ParsedDeck, title: str, now: datetime
) -> Imported:
    if store.owndecks.count_owned(session, learner_id=learner.id) >= MAX_DECKS:
        raise DeckError(TOO_MANY_DECKS.format(limit=MAX_DECKS))
    _check_quotas(session, learner_id=learner.id, adding=parsed.item_count, now=now)
    number = store.owndecks.insert_deck(
        session,
        learner_id=learner.id,
        name=fold_name(title),
        title=title,
        share_code=secrets.token_urlsafe(SHARE_CODE_BYTES),
        revision=new_revision(),
        now=now,
    )
    rows, _ = assign_ids(number, parsed, [])
    store.owndecks.write_items(session, deck_id=number, rows=rows)
    store.deckmedia.write_media(session, deck_id=number, rows=rows, media=parsed.media)
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
    old = store.owndecks.all_items(session, deck_id=deck.id)
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
    if not store.owndecks.move_revision(
        session, deck_id=deck.id, revision=deck.revision, new_revision=new_revision(), now=now
    ):
        raise DeckError(CHANGED_MEANWHILE)
    store.owndecks.write_items(session, deck_id=deck.id, rows=rows)
    store.deckmedia.write_media(session, deck_id=deck.id, rows=rows, media=parsed.media)
    store.owndecks.delete_memories(session, item_ids=dropped)
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
            ``tutor.services.quotas``); nothing changed.
    """
    _check(parsed)
    title = _title_of(parsed, file_name)
    learner = start_learner(session, learner_id=learner_id, first_name=first_name, now=now)
    action = store.deckactions.get_action(session, learner_id=learner_id)
    if action is not None and action.action == "replace" and is_fresh(action.asked_at, now):
        deck = store.owndecks.get_deck(session, deck_id=action.deck_id)
        taken = store.deckactions.take_action(
            session, learner_id=learner_id, action="replace", deck_id=action.deck_id
        )
        if taken and deck is not None and deck.learner_id == learner_id:
            return _replace(session, deck=deck, parsed=parsed, now=now)
    existing = store.owndecks.deck_named(session, learner_id=learner_id, name=fold_name(title))
    if existing is not None:
        assert existing.id is not None
        store.deckactions.set_action(
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
    action = store.deckactions.get_action(session, learner_id=learner_id)
    if (
        action is None
        or action.action != "confirm"
        or action.deck_id != deck_number
        or action.file_id is None
        or not is_fresh(action.asked_at, now)
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
    if not store.deckactions.take_action(
        session, learner_id=learner_id, action="confirm", deck_id=deck_number, file_id=file_id
    ):
        return None
    deck = store.owndecks.get_deck(session, deck_id=deck_number)
    if deck is None or deck.learner_id != learner_id:
        session.commit()
        return None
    return _replace(session, deck=deck, parsed=parsed, now=now)


def card_image(session: Session, *, item_id: str, name: str) -> bytes | None:
    """An image an own deck's card shows (``Card.image``, ``Card.back_image``); None when
    its deck is gone or holds no image of that name."""
    number = own_deck_number(item_id)
    return None if number is None else store.deckmedia.image(session, deck_id=number, name=name)
