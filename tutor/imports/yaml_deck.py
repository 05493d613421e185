"""The project's own YAML deck schema (as in content/), read as an own deck and written back."""

from __future__ import annotations

from typing import Any

import yaml

from tutor.domain.content import ItemKind
from tutor.imports.deck import MAX_ITEMS, ImportFailed, ParsedDeck
from tutor.imports.items import DeckBuilder, model_dict

SECTIONS = {"cards": ItemKind.CARD, "quiz": ItemKind.QUIZ, "explain": ItemKind.EXPLAIN}
TOP_FIELDS = {"id", "title", "description", *SECTIONS}

NOT_YAML = "{name} is not valid YAML: {problem}."
NOT_A_DECK = (
    "{name} is not a deck: it should be a mapping with a title and cards, quiz or explain "
    "lists, or a list of questions and answers (see docs/importing.md)."
)
UNKNOWN_FIELD = "{name}: unknown field {field!r} at the top (a deck has {known})."
NOT_A_LIST = "{name}: {field!r} should be a list of items (line {line})."
ALIASES = (
    "{name} uses YAML anchors and aliases (&name, *name; line {line}); write each item out "
    "in full."
)
TOO_DEEP = "{name} is nested too deeply to be a deck."
TOO_MANY_VALUES = (
    "{name} holds more than {limit:,} YAML values; a deck of {items:,} items needs far fewer."
)
HEADER = (
    "# A deck for the learning-rate tutor: send this file to the bot to import it again.\n"
    "# The format is described in docs/importing.md, 'Your own decks: file formats'.\n"
)


# libyaml's loader when PyYAML has it: ten times faster than the pure-Python one.
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# The most parser events (scalars, starts and ends of lists and mappings) a file may hold.
# Each becomes a Python object of some 400 bytes when composed: 2 MB of "a," would take
# 400 MB and 10 s. A deck's export holds some 17 a card or question, 60 an explain prompt.
MAX_EVENTS = 300_000


def _check_events(file_name: str, text: str) -> None:
    """Refuse, before composing, YAML of more than MAX_EVENTS events (a cheap first pass)."""
    for count, _ in enumerate(yaml.parse(text, Loader=_Loader)):
        if count == MAX_EVENTS:
            raise ImportFailed(
                TOO_MANY_VALUES.format(name=file_name, limit=MAX_EVENTS, items=MAX_ITEMS)
            )


def _first_alias(root: yaml.Node) -> int | None:
    """The line of the first node used twice (an alias, ``*name``), else None. An alias can
    make a small file expand without bound in whatever walks the result."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            return node.start_mark.line + 1 if node.start_mark else 0
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            stack.extend(part for pair in node.value for part in pair)
    return None


# A plain list of cards, as other tools write them: each entry's question and answer under
# one of these names.
FRONT_KEYS = ("front", "question", "q", "term", "word", "prompt")
BACK_KEYS = ("back", "answer", "a", "definition", "meaning", "translation")


def _plain_list(file_name: str, raw: list[object], root: yaml.SequenceNode) -> DeckBuilder:
    """A YAML list of ``{question: ..., answer: ...}`` mappings (or front/back, term/
    definition, ...) as cards, each entry that has no such pair named by its line.

    Raises:
        ImportFailed: when no entry has such a pair (the list is not a deck).
    """
    builder = DeckBuilder(file_name=file_name, format="yaml")
    paired = 0
    for entry, node in zip(raw, root.value, strict=True):
        where = f"line {node.start_mark.line + 1}"
        fields = (
            {str(k).casefold(): v for k, v in entry.items()} if isinstance(entry, dict) else {}
        )
        front = next((fields[k] for k in FRONT_KEYS if k in fields), None)
        back = next((fields[k] for k in BACK_KEYS if k in fields), None)
        if front is None or back is None:
            builder.skip(where, "an entry needs a question and an answer")
            continue
        paired += 1
        builder.add(ItemKind.CARD, where, {"front": str(front), "back": str(back)})
    if not paired:
        raise ImportFailed(NOT_A_DECK.format(name=file_name))
    return builder


def parse_yaml(file_name: str, text: str) -> tuple[str | None, DeckBuilder]:
    """Read a YAML deck: its title and its items (each invalid item left out, named by its id
    or line, with the field that is wrong).

    Raises:
        ImportFailed: for text that is not YAML, or YAML that is not a deck.
    """
    loader = _Loader(text)
    try:
        _check_events(file_name, text)
        root = loader.get_single_node()
        alias = _first_alias(root) if root is not None else None
        if alias is not None:
            raise ImportFailed(ALIASES.format(name=file_name, line=alias))
        raw = loader.construct_document(root) if root is not None else None
    except RecursionError:
        raise ImportFailed(TOO_DEEP.format(name=file_name)) from None
    except yaml.YAMLError as exc:
        raise ImportFailed(NOT_YAML.format(name=file_name, problem=_problem(exc))) from None
    finally:
        loader.dispose()
    if isinstance(raw, list) and isinstance(root, yaml.SequenceNode):
        return None, _plain_list(file_name, raw, root)
    if not isinstance(raw, dict) or not isinstance(root, yaml.MappingNode):
        raise ImportFailed(NOT_A_DECK.format(name=file_name))
    unknown = sorted(str(key) for key in raw if key not in TOP_FIELDS)
    if unknown:
        known = ", ".join(sorted(TOP_FIELDS))
        raise ImportFailed(UNKNOWN_FIELD.format(name=file_name, field=unknown[0], known=known))
    nodes = {key.value: value for key, value in root.value if isinstance(key, yaml.ScalarNode)}
    builder = DeckBuilder(file_name=file_name, format="yaml")
    for section, kind in SECTIONS.items():
        entries = raw.get(section)
        if entries is None:
            continue
        node = nodes[section]
        if not isinstance(entries, list) or not isinstance(node, yaml.SequenceNode):
            line = node.start_mark.line + 1
            raise ImportFailed(NOT_A_LIST.format(name=file_name, field=section, line=line))
        for entry, entry_node in zip(entries, node.value, strict=True):
            line = entry_node.start_mark.line + 1
            if not isinstance(entry, dict):
                builder.skip(f"line {line}", f"a {section} item should be a mapping of fields")
                continue
            given = entry.get("id")
            where = f"item {str(given)!r} (line {line})" if given else f"line {line}"
            builder.add(kind, where, entry)
    title = raw.get("title")
    return (str(title) if title is not None else None), builder


def _problem(error: yaml.YAMLError) -> str:
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or "cannot read it"
    return f"line {mark.line + 1}: {problem}" if mark is not None else str(problem)


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    """Writes text of several lines as a block (``|``), the way the decks are written (with
    libyaml's emitter when PyYAML has it)."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def dump_yaml(deck: ParsedDeck) -> str:
    """The deck in the YAML schema, every field written out, so it reads back the same."""
    data: dict[str, Any] = {"title": deck.name}
    for section, items in (("cards", deck.cards), ("quiz", deck.quiz), ("explain", deck.explain)):
        if items:
            data[section] = [model_dict(item) for item in items]
    body = yaml.dump(
        data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100, indent=2
    )
    return HEADER + body
