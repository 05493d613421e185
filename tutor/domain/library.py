"""The Library: the decks a learner or a class studies, indexed by item, with own decks'
ids (``own<number>``) and generated items joined where their decks are."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence, Set
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tutor.domain.content import ContentError, Deck, Generated, Item, ItemKind
from tutor.domain.language import Lexicon

# Decks sent to the bot as files are stored in the database; their ids (and their items'
# ids) are "own<number>" and "own<number>-<key>", a form the content directory may not use.
OWN_DECK_PREFIX = "own"
_OWN_ID = re.compile(rf"^{OWN_DECK_PREFIX}[0-9]")


def own_deck_id(number: int) -> str:
    """The library id of the stored deck ``number``; its items' ids start with it and "-"."""
    return f"{OWN_DECK_PREFIX}{number}"


def own_deck_number(deck_or_item_id: str) -> int | None:
    """The stored deck's number in an own deck's id or in one of its items' ids."""
    if not _OWN_ID.match(deck_or_item_id):
        return None
    digits = deck_or_item_id[len(OWN_DECK_PREFIX) :].split("-", 1)[0]
    return int(digits) if digits.isdigit() else None


@dataclass(frozen=True)
class OwnDeckInfo:
    """What a library knows of a deck sent to the bot: its row, its owner, its share code,
    and the revision it was read at (see ``tutor.services.libraries``)."""

    number: int
    owner_id: int
    share_code: str
    revision: int


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: it caches per instance
class Library:
    """All decks, with every item reachable by its id.

    The built-in decks are loaded once at start-up; a learner's or a class's library is
    that one with their own decks added (``with_decks``, see ``tutor.services.libraries``).
    """

    decks: dict[str, Deck]
    items: dict[str, Item] = field(repr=False)
    deck_of: dict[str, str] = field(repr=False)
    # Each deck's generated items, interleaved with its own (see ``interleave``).
    templates: dict[str, tuple[Generated, ...]] = field(default_factory=dict, repr=False)
    # The decks of ``decks`` that were sent to the bot as files, by deck id.
    own: dict[str, OwnDeckInfo] = field(default_factory=dict, repr=False)
    # The subject's synonyms and opposites the explain grader reads answers with
    # (lexicon.yaml beside the decks; none without that file).
    lexicon: Lexicon = field(default_factory=Lexicon, repr=False)
    # Libraries never change once made, and every review asks for the same lists: they are
    # computed once per instance (kept here, so they go when the library goes).
    _memo: dict[tuple[Any, ...], Any] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def chosen_decks(self, deck_ids: Collection[str] | None) -> list[str]:
        """The ids of ``deck_ids`` (None: every deck) in library order; every deck if none
        of them exists any more."""
        if deck_ids is None:
            return list(self.decks)
        return [d for d in self.decks if d in deck_ids] or list(self.decks)

    def item(self, item_id: str) -> Item | None:
        return self.items.get(item_id)

    def deck_title(self, item_id: str) -> str:
        """The title of the deck an item of this library is studied with."""
        return self.decks[self.deck_of[item_id]].title

    def deck_items(self, deck_id: str) -> tuple[Item, ...]:
        """Every item studied with the deck: its own and the generated ones that joined it."""
        return (*self.decks[deck_id].items(), *self.templates.get(deck_id, ()))

    def items_of_kind(
        self, kind: ItemKind, deck_ids: Sequence[str] | None = None
    ) -> Sequence[Item]:
        """Items of one kind in deck and teaching order, optionally only from some decks."""
        key = ("items", kind, None if deck_ids is None else tuple(deck_ids))
        found: tuple[Item, ...] | None = self._memo.get(key)
        if found is None:
            chosen = self.decks if deck_ids is None else [d for d in self.decks if d in deck_ids]
            found = self._memo[key] = tuple(
                item
                for d in chosen
                for item in interleave(
                    [i for i in self.decks[d].items() if i.kind is kind],
                    [t for t in self.templates.get(d, ()) if t.kind is kind],
                )
            )
        return found

    def ids_of_kind(self, kind: ItemKind, deck_ids: Sequence[str] | None = None) -> Sequence[str]:
        """The ids of ``items_of_kind`` (computed once per deck selection)."""
        key = ("ids", kind, None if deck_ids is None else tuple(deck_ids))
        found: tuple[str, ...] | None = self._memo.get(key)
        if found is None:
            found = self._memo[key] = tuple(i.id for i in self.items_of_kind(kind, deck_ids))
        return found

    def id_set_of_kind(self, kind: ItemKind, deck_ids: Sequence[str] | None = None) -> Set[str]:
        """The same ids as a set, for membership tests."""
        key = ("set", kind, None if deck_ids is None else tuple(deck_ids))
        found: frozenset[str] | None = self._memo.get(key)
        if found is None:
            found = self._memo[key] = frozenset(self.ids_of_kind(kind, deck_ids))
        return found

    def with_decks(self, added: Sequence[tuple[Deck, OwnDeckInfo]]) -> Library:
        """This library with own decks added after its decks (one already in it is left
        out). Their items join no generated ones."""
        fresh = [(deck, own) for deck, own in added if deck.id not in self.decks]
        if not fresh:
            return self
        items = dict(self.items)
        deck_of = dict(self.deck_of)
        for deck, _own in fresh:
            for item in deck.items():
                items[item.id] = item
                deck_of[item.id] = deck.id
        return Library(
            decks={**self.decks, **{deck.id: deck for deck, _own in fresh}},
            items=items,
            deck_of=deck_of,
            templates=self.templates,
            own={**self.own, **{deck.id: own for deck, own in fresh}},
            lexicon=self.lexicon,
        )


# A new learner meets this many of a deck's own items of a kind before its first generated one.
INTERLEAVE_LEAD = 3


def interleave(own: Sequence[Item], generated: Sequence[Item]) -> list[Item]:
    """The deck's own items in teaching order with its generated ones spread evenly among
    them: the first after INTERLEAVE_LEAD own items, the others at equal gaps, so a new
    learner meets fresh-number questions early and throughout, not only at the end."""
    if not generated:
        return list(own)
    ordered = list(own[:INTERLEAVE_LEAD])
    rest = own[INTERLEAVE_LEAD:]
    taken = 0
    for j, item in enumerate(generated):
        cut = j * len(rest) // len(generated)
        ordered += rest[taken:cut]
        taken = cut
        ordered.append(item)
    return ordered + list(rest[taken:])


def library_of(
    decks: list[Deck],
    sources: list[Path] | None = None,
    templates: Sequence[Generated] = (),
) -> Library:
    """Index decks into a Library; ids must be unique across decks and items. A template
    joins the first of its decks present, and is left out when none is.

    Raises:
        ContentError: naming the file of the second use of an id.
    """
    names = [str(path) for path in sources] if sources else [f"deck {d.id}" for d in decks]
    by_id: dict[str, Deck] = {}
    items: dict[str, Item] = {}
    deck_of: dict[str, str] = {}
    seen_in: dict[str, str] = {}
    for deck, name in zip(decks, names, strict=True):
        reserved = next(
            (i for i in (deck.id, *(item.id for item in deck.items())) if _OWN_ID.match(i)), None
        )
        if reserved is not None:
            raise ContentError(
                f"{name}: id {reserved!r}: ids that start with {OWN_DECK_PREFIX!r} and a digit "
                "are kept for decks sent to the bot"
            )
        if deck.id in seen_in:
            other = seen_in[deck.id]
            raise ContentError(f"{name}: deck {deck.id!r}: field 'id': already used in {other}")
        seen_in[deck.id] = name
        by_id[deck.id] = deck
        for item in deck.items():
            if item.id in seen_in:
                other = seen_in[item.id]
                raise ContentError(
                    f"{name}: item {item.id!r}: field 'id': already used in {other}"
                )
            items[item.id] = item
            deck_of[item.id] = deck.id
            seen_in[item.id] = name
    joined: dict[str, list[Generated]] = {}
    for template in templates:
        deck_id = next((d for d in template.decks if d in by_id), None)
        if deck_id is None:
            continue
        if template.id in seen_in:
            other = seen_in[template.id]
            raise ContentError(f"generated item {template.id!r}: already used in {other}")
        items[template.id] = template
        deck_of[template.id] = deck_id
        seen_in[template.id] = "tutor/services/generated.py"
        joined.setdefault(deck_id, []).append(template)
    return Library(
        decks=by_id,
        items=items,
        deck_of=deck_of,
        templates={d: tuple(ts) for d, ts in joined.items()},
    )
