"""The library each learner and each class studies: the built-in decks with own decks added.

The built-in library is loaded once at start-up. Every use-case that studies takes it and
works on ``learner_library`` of it (or ``group_quiz_library`` for a class, or
``library_with_items`` for items named in a session), which reads from the database which
own decks to add and at which revision: so every instance sees a rename, a replace or a
new share at once. Decks are kept in a process cache keyed by deck id and revision (a
revision is drawn at random at every change, so a key never names two contents), and so
are the libraries made of them; ``bench/owndecks.py`` shows what each saves.

Reading a deck is the slow part (each of up to 5,000 items decoded and validated: about
50 ms a thousand), so it never happens on the event loop: a unit of work under
``Database.run`` that finds a library it needs missing from the cache raises
``Prepare``, whose work reads the decks' rows (the async driver's round trips), decodes,
validates and assembles them in a thread (which hands the GIL to the loop within half a
millisecond whenever the loop wants it), and caches the result; the unit then runs again
and finds it. Built decks and the start-up heap are frozen out of the garbage collector's
full passes (``settle_heap``). A unit called on a plain session (tests, scripts) builds
inline as before. The per-learner quota on items (``tutor.services.quotas.MAX_LIBRARY_ITEMS``)
bounds what one learner's library holds, and so the cache's share of one learner and the
per-request work that is linear in it (``study.next_card`` keeps the due ids the database
orders that are in it, and walks its cards in teaching order for a new one);
``bench/heavy.py`` measures it with two accounts at the quota. Why the items themselves are
not read from SQL per request: every use-case (the quiz's order, the export, the reports,
group sessions) reads items by id from the library; keeping that one model and moving its
build off the loop changes none of them.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import json
import logging
import sys
import threading
import weakref
from collections import OrderedDict
from collections.abc import Collection, Hashable, Iterable, Iterator, Sequence
from typing import Generic, TypeVar

from pydantic import ValidationError
from sqlalchemy.orm import Session

from tutor import store
from tutor.domain.content import Card, Deck, ExplainPrompt, ItemKind, QuizQuestion
from tutor.domain.library import Library, OwnDeckInfo, own_deck_id, own_deck_number
from tutor.services import quotas
from tutor.store.engine import Database, Prepare
from tutor.store.owndecks import DeckHead, ItemRow

log = logging.getLogger(__name__)

# How many items the caches hold at most: decks read from the database, and the libraries
# made of them (whose item indexes are copies).
DECK_CACHE_ITEMS = 200_000
LIBRARY_CACHE_ITEMS = 500_000
# Item counts of decks (by id and revision), for the quota on a learner's library.
COUNT_CACHE_DECKS = 100_000
# While a deck is built in a thread, a thread waiting for the GIL gets it after this long
# (the interpreter's default is 5 ms): the event loop waits for it each time it wakes (a
# reply from the network, a timer), so other requests would otherwise be slowed by tens of
# milliseconds each (``bench/heavy.py``).
BUILD_SWITCH_INTERVAL = 0.0005
# A deck's rows are read this many at a time: the event loop receives each slice (the
# driver's rows made into Python objects) between other requests, a few ms each.
READ_SLICE = 500

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
_COUNTS: _Lru[tuple[int, int], int] = _Lru(COUNT_CACHE_DECKS)


def clear_caches(*, decks: bool = True) -> None:
    """Forget every cached library, and every cached deck unless ``decks`` is False
    (benchmarks measure what each cache saves with it)."""
    if decks:
        _DECKS.clear()
        _COUNTS.clear()
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
    loaded = store.owndecks.load_deck(session, deck_id=deck_id)
    if loaded is None:
        return None  # deleted meanwhile
    head, rows = loaded
    built = build_deck(head, rows)
    _DECKS.put((head.id, head.revision), built, len(rows) + 1)
    return built


def _library_cache(library: Library) -> _Lru[Versions, Library]:
    with _LIBRARIES_LOCK:
        cache = _LIBRARIES.get(library)
        if cache is None:
            cache = _LIBRARIES[library] = _Lru(LIBRARY_CACHE_ITEMS)
    return cache


def _assemble(library: Library, key: Versions, decks: Sequence[tuple[Deck, OwnDeckInfo]]) -> None:
    """Cache ``library`` with ``decks`` added under ``key``, with the indexes every study
    request reads (each kind's ids over all decks) made beforehand."""
    made = library.with_decks(decks)
    everything = list(made.decks)
    for kind in ItemKind:
        made.id_set_of_kind(kind, everything)
    _library_cache(library).put(key, made, len(made.items))
    settle_heap()


def settle_heap() -> None:
    """Keep the garbage collector's full passes off what lives long.

    A full pass walks every object the interpreter tracks and holds the GIL throughout:
    with tens of thousands of cached items it stalled the event loop for 100 to 500 ms
    each time (measured by ``bench/heavy.py``), and building a library is what sets one
    off. Freezing moves every object alive now (the start-up heap: the bot calls this
    once it is built; the cached decks) out of the collector's sight. Cached items hold
    no reference cycles, so one dropped from a cache is still freed at once. The young
    generations are collected first, so that little cyclic garbage is frozen with them.
    """
    gc.collect(1)
    gc.freeze()


def _parse_rows(rows: Sequence[tuple[str, str, str, str, int]]) -> list[ItemRow]:
    return [
        ItemRow(item_id=item_id, kind=kind, key=key, data=json.loads(data), position=position)
        for item_id, kind, key, data, position in rows
    ]


def _build_in_thread(
    head: DeckHead, rows: Sequence[tuple[str, str, str, str, int]]
) -> tuple[Deck, OwnDeckInfo]:
    """Decode and validate a deck's rows (in a worker thread) and cache the deck."""
    settle_heap()
    built = build_deck(head, _parse_rows(rows))
    _DECKS.put((head.id, head.revision), built, len(rows) + 1)
    settle_heap()
    return built


_switching_lock = threading.Lock()
_builds = 0
_usual_interval = sys.getswitchinterval()


@contextlib.contextmanager
def _quick_switching() -> Iterator[None]:
    """BUILD_SWITCH_INTERVAL while any build runs, the interval as it was after the last."""
    global _builds, _usual_interval
    with _switching_lock:
        if _builds == 0:
            _usual_interval = sys.getswitchinterval()
            sys.setswitchinterval(BUILD_SWITCH_INTERVAL)
        _builds += 1
    try:
        yield
    finally:
        with _switching_lock:
            _builds -= 1
            if _builds == 0:
                sys.setswitchinterval(_usual_interval)


async def _prepare(library: Library, keys: Sequence[Versions], database: Database) -> None:
    """Read the decks of ``keys`` not in the cache, build them in a thread, and cache the
    libraries made of them: what ``extended`` asked for by raising ``Prepare``.

    Each deck's rows come through the async driver with their items as JSON text, so the
    event loop only receives them; decoding and validating happen in the thread.
    """
    with _quick_switching():
        await _build_all(library, keys, database)


async def _read(
    database: Database, deck_id: int
) -> tuple[DeckHead, list[tuple[str, str, str, str, int]]] | None:
    """The deck's active rows, read READ_SLICE at a time; None when it is gone or changed
    between two slices (each slice names the revision it was read at)."""
    head: DeckHead | None = None
    rows: list[tuple[str, str, str, str, int]] = []
    while True:
        after = rows[-1][4] if rows else -1
        loaded = await database.run_long(
            store.owndecks.load_deck_json, deck_id=deck_id, after=after, limit=READ_SLICE
        )
        if loaded is None or (head is not None and loaded[0].revision != head.revision):
            return None
        head, more = loaded
        rows += more
        if len(more) < READ_SLICE:
            return head, rows


async def _build_all(library: Library, keys: Sequence[Versions], database: Database) -> None:
    for key in keys:
        decks: list[tuple[Deck, OwnDeckInfo]] = []
        for deck_id, revision in key:
            cached = _DECKS.get((deck_id, revision))
            if cached is None:
                loaded = await _read(database, deck_id)
                if loaded is None:
                    break  # deleted or changed meanwhile: the unit, run again, reads anew
                cached = await asyncio.to_thread(_build_in_thread, *loaded)
                if cached[1].revision != revision:
                    break  # changed meanwhile: cached at its new revision for the next try
            decks.append(cached)
        else:
            await asyncio.to_thread(_assemble, library, key, decks)


def _cached(library: Library, versions: Sequence[tuple[int, int]]) -> Library | None:
    """``library`` with the decks of ``versions`` from the cache (``library`` itself when
    it holds them all already); None when it is not there."""
    if all(
        own_deck_id(d) in library.own and library.own[own_deck_id(d)].revision == r
        for d, r in versions
    ):
        return library  # no deck to add (or every one is in it already, as it is)
    return _library_cache(library).get(tuple(versions))


def extended(session: Session, library: Library, versions: Sequence[tuple[int, int]]) -> Library:
    """``library`` with the own decks of ``versions`` ((id, revision) pairs) added in that
    order; ``library`` itself when there are none.

    Raises:
        Prepare: under ``Database.run``, when the library is not in the cache yet: its
            work builds it off the event loop, and the unit runs again.
    """
    found = _cached(library, versions)
    if found is not None:
        return found
    if store.engine.may_prepare(session):
        raise Prepare(functools.partial(_prepare, library, [tuple(versions)]))
    decks = [deck for deck in (_deck(session, d, r) for d, r in versions) if deck is not None]
    made = library.with_decks(decks)
    _library_cache(library).put(tuple(versions), made, len(made.items))
    return made


def item_counts(session: Session, versions: Sequence[tuple[int, int]]) -> list[int]:
    """How many active items each deck of ``versions`` holds (0 for a deck gone), from a
    cache keyed by id and revision, else counted in one statement."""
    missing = [d for d, r in versions if _COUNTS.get((d, r)) is None]
    fresh: dict[int, int] = {}
    if missing:
        for deck_id, revision, count in store.owndecks.item_counts(session, deck_ids=missing):
            _COUNTS.put((deck_id, revision), count, 1)
            fresh[deck_id] = count
    return [
        found if (found := _COUNTS.get((d, r))) is not None else fresh.get(d, 0)
        for d, r in versions
    ]


def within_quota(session: Session, versions: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """The decks of ``versions`` a learner studies: in order (their own, then the added
    ones), each while the items so far stay within MAX_LIBRARY_ITEMS.

    Imports and share links are refused past the quota, so this leaves a deck out only
    when a shared deck grew after it was added (its owner replaced it with a bigger file).
    """
    kept: list[tuple[int, int]] = []
    total = 0
    for version, count in zip(versions, item_counts(session, versions), strict=True):
        if total + count <= quotas.MAX_LIBRARY_ITEMS:
            kept.append(version)
            total += count
    return kept


def learner_library(session: Session, *, library: Library, learner_id: int) -> Library:
    """What the learner studies: the built-in ``library``, their own decks, and the decks
    others shared with them (within the quota: ``within_quota``)."""
    versions = store.owndecks.learner_deck_versions(session, learner_ids=[learner_id])
    return extended(session, library, within_quota(session, versions.get(learner_id, ())))


def learner_libraries(
    session: Session, *, library: Library, learner_ids: Collection[int]
) -> dict[int, Library]:
    """``learner_library`` of many learners at once (one query)."""
    found = store.owndecks.learner_deck_versions(session, learner_ids=learner_ids)
    versions = {i: within_quota(session, found.get(i, ())) for i in learner_ids}
    missing = [tuple(v) for v in versions.values() if _cached(library, v) is None]
    if missing and store.engine.may_prepare(session):
        # One preparation for all of them, rather than a round for each learner.
        raise Prepare(functools.partial(_prepare, library, list(dict.fromkeys(missing))))
    return {i: extended(session, library, v) for i, v in versions.items()}


def library_with_items(session: Session, *, library: Library, item_ids: Iterable[str]) -> Library:
    """``library`` with the own decks (as they are now) that hold any of ``item_ids``: what a
    group session or poll needs to find its questions, whoever chose or answers them."""
    numbers = {n for n in (own_deck_number(i) for i in item_ids) if n is not None}
    return extended(session, library, store.owndecks.deck_versions(session, deck_ids=numbers))


def group_quiz_library(
    session: Session, *, library: Library, chat_id: int, admins: Collection[int] | None = None
) -> tuple[Library, list[str]]:
    """The decks a group's quizzes draw from: the library that holds them, and their ids.

    The group's admins choose them in /decks among the built-in decks and their own; an
    own deck counts only as offered by its owner and, where ``admins`` is given (the
    offerers who are the chat's admins now), while its owner is among them. A group that
    chose none (or whose chosen decks are all gone) draws from every built-in deck.
    """
    chosen = store.shareddecks.group_decks(session, chat_id=chat_id)
    numbers = {n for n in (own_deck_number(d) for d in chosen) if n is not None}
    found = extended(session, library, store.owndecks.deck_versions(session, deck_ids=numbers))

    def offered(deck: str) -> bool:
        own = found.own.get(deck)
        if own is None:
            return True
        by = chosen[deck]
        return by == own.owner_id and (admins is None or by in admins)

    decks = [d for d in found.decks if d in chosen and offered(d)]
    return found, decks or list(library.decks)
