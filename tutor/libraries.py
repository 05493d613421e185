"""The library each learner and each class studies: the built-in decks with own decks added.

The built-in library is loaded once at start-up. Every use-case that studies takes it and
works on ``learner_library`` of it (or ``group_quiz_library`` for a class, or
``library_with_items`` for items named in a session), which reads from the database which
own decks to add and at which revision: so every instance sees a rename, a replace or a
new share at once. Decks are kept in a process cache keyed by deck id and revision (a
revision is drawn at random at every change, so a key never names two contents), and so
are the libraries made of them; ``bench/owndecks.py`` shows what each saves.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections import OrderedDict
from collections.abc import Collection, Hashable, Iterable, Sequence
from typing import Generic, TypeVar

from pydantic import ValidationError
from sqlalchemy.orm import Session

from tutor.content import (
    Card,
    Deck,
    ExplainPrompt,
    ItemKind,
    Library,
    OwnDeckInfo,
    QuizQuestion,
    own_deck_id,
    own_deck_number,
)
from tutor.store import owndecks as queries
from tutor.store.owndecks import DeckHead, ItemRow

log = logging.getLogger(__name__)

# How many items the caches hold at most: decks read from the database, and the libraries
# made of them (whose item indexes are copies).
DECK_CACHE_ITEMS = 200_000
LIBRARY_CACHE_ITEMS = 500_000

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class _Lru(Generic[K, V]):
    """A least-recently-used cache holding at most ``budget`` in total weight."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self._entries: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self._used = 0
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return None
            self._entries.move_to_end(key)
            return found[0]

    def put(self, key: K, value: V, weight: int) -> None:
        with self._lock:
            if key in self._entries:
                return
            self._entries[key] = (value, weight)
            self._used += weight
            while self._used > self.budget and len(self._entries) > 1:
                _key, (_value, dropped) = self._entries.popitem(last=False)
                self._used -= dropped

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._used = 0


Versions = tuple[tuple[int, int], ...]
_DECKS: _Lru[tuple[int, int], tuple[Deck, OwnDeckInfo]] = _Lru(DECK_CACHE_ITEMS)
_LIBRARIES: weakref.WeakKeyDictionary[Library, _Lru[Versions, Library]] = (
    weakref.WeakKeyDictionary()
)
_LIBRARIES_LOCK = threading.Lock()


def clear_caches(*, decks: bool = True) -> None:
    """Forget every cached library, and every cached deck unless ``decks`` is False
    (benchmarks measure what each cache saves with it)."""
    if decks:
        _DECKS.clear()
    with _LIBRARIES_LOCK:
        _LIBRARIES.clear()


def build_deck(head: DeckHead, rows: Sequence[ItemRow]) -> tuple[Deck, OwnDeckInfo]:
    """An own deck as the library holds it, from its stored row and items.

    Items were validated when the file was imported; one the schema no longer takes (a
    later version's stricter rule) is left out and logged, never an error for a learner.
    """
    cards: list[Card] = []
    quiz: list[QuizQuestion] = []
    explain: list[ExplainPrompt] = []
    for row in rows:
        try:
            if row.kind == ItemKind.CARD:
                cards.append(Card.model_validate(row.data))
            elif row.kind == ItemKind.QUIZ:
                quiz.append(QuizQuestion.model_validate(row.data))
            elif row.kind == ItemKind.EXPLAIN:
                explain.append(ExplainPrompt.model_validate(row.data))
        except ValidationError as exc:
            log.warning("own deck %s: item %s left out: %s", head.id, row.item_id, exc)
    # Not validated again as a whole: a deck sent to the bot may hold no cards at all.
    deck = Deck.model_construct(
        id=own_deck_id(head.id),
        title=head.title,
        description="",
        cards=cards,
        quiz=quiz,
        explain=explain,
    )
    own = OwnDeckInfo(
        number=head.id, owner_id=head.owner_id, share_code=head.share_code, revision=head.revision
    )
    return deck, own


def _deck(session: Session, deck_id: int, revision: int) -> tuple[Deck, OwnDeckInfo] | None:
    """The deck at ``revision`` from the cache, else read (at the revision it has now)."""
    cached = _DECKS.get((deck_id, revision))
    if cached is not None:
        return cached
    loaded = queries.load_deck(session, deck_id=deck_id)
    if loaded is None:
        return None  # deleted meanwhile
    head, rows = loaded
    built = build_deck(head, rows)
    _DECKS.put((head.id, head.revision), built, len(rows) + 1)
    return built


def extended(session: Session, library: Library, versions: Sequence[tuple[int, int]]) -> Library:
    """``library`` with the own decks of ``versions`` ((id, revision) pairs) added in that
    order; ``library`` itself when there are none."""
    if all(
        own_deck_id(d) in library.own and library.own[own_deck_id(d)].revision == r
        for d, r in versions
    ):
        return library  # no deck to add (or every one is in it already, as it is)
    key = tuple(versions)
    with _LIBRARIES_LOCK:
        cache = _LIBRARIES.get(library)
        if cache is None:
            cache = _LIBRARIES[library] = _Lru(LIBRARY_CACHE_ITEMS)
    found = cache.get(key)
    if found is not None:
        return found
    decks = [deck for deck in (_deck(session, d, r) for d, r in versions) if deck is not None]
    made = library.with_decks(decks)
    cache.put(key, made, len(made.items))
    return made


def learner_library(session: Session, *, library: Library, learner_id: int) -> Library:
    """What the learner studies: the built-in ``library``, their own decks, and the decks
    others shared with them."""
    versions = queries.learner_deck_versions(session, learner_ids=[learner_id])
    return extended(session, library, versions.get(learner_id, ()))


def learner_libraries(
    session: Session, *, library: Library, learner_ids: Collection[int]
) -> dict[int, Library]:
    """``learner_library`` of many learners at once (one query)."""
    versions = queries.learner_deck_versions(session, learner_ids=learner_ids)
    return {
        learner_id: extended(session, library, versions.get(learner_id, ()))
        for learner_id in learner_ids
    }


def library_with_items(session: Session, *, library: Library, item_ids: Iterable[str]) -> Library:
    """``library`` with the own decks (as they are now) that hold any of ``item_ids``: what a
    group session or poll needs to find its questions, whoever chose or answers them."""
    numbers = {n for n in (own_deck_number(i) for i in item_ids) if n is not None}
    return extended(session, library, queries.deck_versions(session, deck_ids=numbers))


def group_quiz_library(
    session: Session, *, library: Library, chat_id: int, admins: Collection[int] | None = None
) -> tuple[Library, list[str]]:
    """The decks a group's quizzes draw from: the library that holds them, and their ids.

    The group's admins choose them in /decks among the built-in decks and their own; an
    own deck counts only as offered by its owner and, where ``admins`` is given (the
    offerers who are the chat's admins now), while its owner is among them. A group that
    chose none (or whose chosen decks are all gone) draws from every built-in deck.
    """
    chosen = queries.group_decks(session, chat_id=chat_id)
    numbers = {n for n in (own_deck_number(d) for d in chosen) if n is not None}
    found = extended(session, library, queries.deck_versions(session, deck_ids=numbers))

    def offered(deck: str) -> bool:
        own = found.own.get(deck)
        if own is None:
            return True
        by = chosen[deck]
        return by == own.owner_id and (admins is None or by in admins)

    decks = [d for d in found.decks if d in chosen and offered(d)]
    return found, decks or list(library.decks)
