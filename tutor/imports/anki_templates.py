"""Anki's card templates, rendered as Anki renders them: what each card shows on its front
and back, from its note's fields.

The rules are those of Anki's manual ("Card Templates", "Field Replacements", "Cloze
Deletion") and its renderer (rslib ``template.rs``, ``cloze.rs``):

- ``{{Field}}`` is the field's HTML; ``{{FrontSide}}`` on the back is the rendered front;
  ``{{Tags}}``, ``{{Type}}``, ``{{Deck}}``, ``{{Subdeck}}`` and ``{{Card}}`` are the note's.
- ``{{#Field}}...{{/Field}}`` shows its content when the field is not empty (only spaces,
  ``<br>`` and ``<div>`` tags count as empty), ``{{^Field}}...{{/Field}}`` when it is.
- Filters, right to left: ``text:`` (the field's tags dropped), ``hint:`` (Anki puts
  the field, hidden, behind a link: here it is shown on a line of its own), ``type:``
  (Anki's type-in box: nothing on the front, the field on the back, as Anki's comparison
  shows it), ``cloze:`` (below), ``furigana:``, ``kanji:`` and ``kana:`` (readings
  written ``漢字[かんじ]``: shown above, dropped, or alone); others (``tts``, add-ons')
  leave the field as it is.
- A cloze note has one card per cloze number: ``{{c1::Paris::capital}}`` is ``[...]`` (or
  ``[capital]``, its hint) on card 1's front and "Paris" on its back; on other cards it is
  "Paris". Deletions may nest. A cloze field with no deletion of the card's number shows
  nothing on that card.
- A front that shows no non-empty field (or a cloze card whose number is not in the text)
  is what Anki calls an empty card.

A template Anki cannot parse (a section closed out of order, or never closed) is an error
Anki shows on each of its cards in place of their text.

Templates and fields come from a file someone sent: parsing is linear in the template's
length, and rendering stops once a side passes ``limit`` characters.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

# Anki's test for an empty field: nothing but spaces, <br> and <div> tags.
_EMPTY = re.compile(r"(?:\s|</?(?:br|div)\s?/?>)*", re.IGNORECASE)
_TAG = re.compile(r"<!--.*?-->|\{\{(.*?)\}\}", re.DOTALL)
_LEGACY_SYNTAX = "{{=<% %>=}}"
_LEGACY_TAG = re.compile(r"<!--.*?-->|<%(.*?)%>", re.DOTALL)
_CLOZE_SECTION = re.compile(r"c\d+")
_CLOZE_MARK = re.compile(r"\{\{c(\d+)::|\}\}|::")
_HIDDEN = "[...]"
# The marker Anki's templates put between the front and the back of the answer side.
ANSWER_MARKER = re.compile(r"<hr\s+id\s*=\s*[\"']?answer[\"']?\s*/?>", re.IGNORECASE)
_FRONT_SIDE = "FrontSide"
_ANY_TAG = re.compile(r"<[^<>]*>")
# A reading after its kanji, as Anki's furigana filters read it: " 漢字[かんじ]".
_READING = re.compile(r" ?([^ >\[]+?)\[(.+?)\]")
_READINGS = {
    "furigana": r"<ruby><rb>\1</rb><rt>\2</rt></ruby>",
    "kanji": r"\1",
    "kana": r"\2",
}
# Sections and deletions nest at most this deep (real ones: 3): deeper sections are a
# broken template, deeper deletions text.
MAX_NESTING = 32


class TooLong(Exception):
    """A side rendered past its limit."""


class TemplateProblem(Exception):
    """A template Anki cannot render: it shows this error on the card instead."""


@dataclass(frozen=True)
class _Text:
    text: str


@dataclass(frozen=True)
class _Field:
    name: str
    filters: tuple[str, ...]  # in the order they are applied (right to left in the tag)


@dataclass(frozen=True)
class _Section:
    name: str
    inverted: bool
    children: tuple[_Node, ...]


_Node = _Text | _Field | _Section


def is_empty(value: str) -> bool:
    """Whether Anki counts a field as empty."""
    return _EMPTY.fullmatch(value) is not None


def parse_template(source: str) -> tuple[_Node, ...]:
    """A template as nodes, read as Anki's lexer reads it: ``{{...}}`` up to the first
    ``}}``; an HTML comment is text, whatever it holds; a template that starts with
    ``{{=<% %>=}}`` writes ``<%...%>`` instead (Anki's legacy syntax).

    Raises:
        TemplateProblem: for a ``{{/X}}`` that closes no open section or another one than
            the innermost, or a section left open (Anki shows its error on such a card).
    """
    tags = _TAG
    if source.lstrip().startswith(_LEGACY_SYNTAX):
        source, tags = source.lstrip()[len(_LEGACY_SYNTAX) :], _LEGACY_TAG
    stack: list[tuple[str, bool, list[_Node]]] = [("", False, [])]
    at = 0
    for tag in tags.finditer(source):
        if tag.group(1) is None:
            continue  # a comment: text
        if tag.start() > at:
            stack[-1][2].append(_Text(source[at : tag.start()]))
        at = tag.end()
        inside = tag.group(1).lstrip("{").strip()
        if len(inside) >= 2 and inside[0] in "#^":
            if len(stack) > MAX_NESTING:
                raise TemplateProblem(f"sections nest deeper than {MAX_NESTING}")
            stack.append((inside[1:].lstrip(), inside[0] == "^", []))
        elif len(inside) >= 2 and inside[0] == "/":
            closed = inside[1:].lstrip()
            if len(stack) == 1 or stack[-1][0] != closed:
                expected = f" where {{{{/{stack[-1][0]}}}}} was expected" if len(stack) > 1 else ""
                raise TemplateProblem(f"{{{{/{closed}}}}} closes no open section{expected}")
            name, inverted, children = stack.pop()
            stack[-1][2].append(_Section(name, inverted, tuple(children)))
        else:
            *filters, name = inside.split(":")
            stack[-1][2].append(_Field(name.strip(), tuple(f.strip() for f in reversed(filters))))
    if len(stack) > 1:
        raise TemplateProblem(f"{{{{#{stack[-1][0]}}}}} is never closed")
    if at < len(source):
        stack[-1][2].append(_Text(source[at:]))
    return tuple(stack[0][2])


def _names(nodes: Sequence[_Node]) -> list[tuple[str, str]]:
    """Each field and section ``nodes`` name, in order, once: (the name, how Anki reports
    it, ``{{Field}}`` or ``{{#Field}}``); a cloze section (``{{#c1}}``) names none."""
    found: dict[str, str] = {}
    for node in nodes:
        if isinstance(node, _Section):
            if not _CLOZE_SECTION.fullmatch(node.name):
                mark = "^" if node.inverted else "#"
                found.setdefault(node.name, f"{{{{{mark}{node.name}}}}}")
            for name, shown in _names(node.children):
                found.setdefault(name, shown)
        elif isinstance(node, _Field) and node.name and node.name != _FRONT_SIDE:
            found.setdefault(node.name, f"{{{{{node.name}}}}}")
    return list(found.items())


@dataclass(frozen=True)
class CardTemplate:
    """One card type of a note type: its name and its parsed front and back, or what is
    wrong with them (then Anki shows that error on each of its cards), and the fields each
    side names (a field the note lacks is an error Anki shows, shown or not)."""

    name: str
    question: tuple[_Node, ...]
    answer: tuple[_Node, ...]
    problem: str | None = None
    named: tuple[tuple[str, str, str], ...] = ()  # (side, field, as Anki reports it)

    @classmethod
    def of(cls, name: str, question: str, answer: str) -> CardTemplate:
        try:
            front, back = parse_template(question), parse_template(answer)
        except TemplateProblem as problem:
            return cls(name, (), (), str(problem))
        named = tuple(
            (side, field_name, shown)
            for side, nodes in (("front", front), ("back", back))
            for field_name, shown in _names(nodes)
        )
        return cls(name, front, back, named=named)


@dataclass
class _Render:
    """One side being rendered: the note's fields, the card's cloze number (0 for none),
    and whether the side showed a non-empty field."""

    fields: Mapping[str, str]
    cloze: int
    answer: bool
    limit: int
    parts: list[str] = field(default_factory=list)
    size: int = 0
    showed_field: bool = False
    # On a front: what each type-in box shows once answered (Anki's comparison, which the
    # answer's {{FrontSide}} shows).
    typed: list[str] = field(default_factory=list)

    def emit(self, text: str) -> None:
        self.size += len(text)
        if self.size > self.limit:
            raise TooLong
        self.parts.append(text)

    def nonempty(self, name: str) -> bool:
        if name not in self.fields:
            return self.cloze == int(name[1:])  # {{#c1}}: on cloze card 1
        return not is_empty(self.fields[name])

    def walk(self, nodes: Sequence[_Node]) -> None:
        for node in nodes:
            if isinstance(node, _Text):
                self.emit(node.text)
            elif isinstance(node, _Section):
                if self.nonempty(node.name) != node.inverted:
                    self.walk(node.children)
            else:
                self.emit(self.replacement(node))

    def replacement(self, node: _Field) -> str:
        value = self.fields.get(node.name, "")  # no name: the filters' own text
        if not is_empty(value) and "cloze" not in node.filters:
            self.showed_field = True
        original = value
        for name in node.filters:
            if name == "hint":
                value = f"<div>{value}</div>" if not is_empty(value) else ""
            elif name == "type" or name.startswith("type:"):
                # A type-in cloze: Anki checks the typed text against the card's deletions.
                if "cloze" in node.filters:
                    value = ", ".join(cloze_answers(original, self.cloze))
                if not self.answer:
                    self.typed.append(value)
                    self.size += len(value)  # the answer shows it: counted on this side
                    if self.size > self.limit:
                        raise TooLong
                    value = ""
            elif name == "text":
                value = _ANY_TAG.sub("", value)
            elif name in _READINGS:
                value = _READING.sub(_READINGS[name], value)
            elif name == "cloze":
                self.showed_field = self.showed_field or self.cloze in cloze_numbers(value)
                value = render_cloze(value, self.cloze, answer=self.answer)
        return value


def _render_side(
    nodes: Sequence[_Node],
    fields: Mapping[str, str],
    *,
    cloze: int = 0,
    answer: bool = False,
    limit: int,
) -> _Render:
    """A side rendered: its HTML in ``parts``, and whether it showed a non-empty field (a
    front that shows none is an empty card).

    Raises:
        TooLong: once the side passes ``limit`` characters.
    """
    render = _Render(fields, cloze, answer, limit)
    render.walk(nodes)
    return render


def render_card(
    template: CardTemplate,
    fields: Mapping[str, str],
    *,
    cloze: int = 0,
    limit: int,
) -> tuple[str, str] | None:
    """A card's front and back as HTML: the back is what the answer side adds to the front
    (after Anki's ``<hr id=answer>``, or without the ``{{FrontSide}}``). None for an empty
    card: its front shows no field, or a cloze card's number is not in its note.

    A type-in box on the front is filled in where the answer shows the front: a back
    without ``<hr id=answer>`` starts with what it shows once answered.

    Raises:
        TooLong: once a side passes ``limit`` characters.
        TemplateProblem: for a template Anki cannot render (it shows this error instead).
    """
    if template.problem is not None:
        raise TemplateProblem(template.problem)
    for side, name, shown in template.named:
        if name not in fields:
            raise TemplateProblem(f"its {side} names {shown}, which is no field")
    if cloze and cloze not in {n for value in fields.values() for n in cloze_numbers(value)}:
        return None
    front = _render_side(template.question, fields, cloze=cloze, limit=limit)
    if not front.showed_field:
        return None
    marker = "\x00front\x00"
    back = "".join(
        _render_side(
            template.answer, {**fields, _FRONT_SIDE: marker}, cloze=cloze, answer=True, limit=limit
        ).parts
    )
    split = ANSWER_MARKER.split(back, maxsplit=1)
    back = split[1] if len(split) == 2 else back
    typed = "".join(f"<div>{value}</div>" for value in front.typed if not is_empty(value))
    return "".join(front.parts), back.replace(marker, typed)


def cloze_numbers(text: str) -> set[int]:
    """The cloze numbers in a field: {1, 2} for "{{c1::a}} and {{c2::b}}"."""
    return {int(number) for number in re.findall(r"\{\{c(\d+)::", text)}


@dataclass
class _Cloze:
    number: int
    parts: list[str | _Cloze] = field(default_factory=list)
    hint: str | None = None


def _parse_cloze(text: str) -> list[str | _Cloze]:
    """A field's text and deletions, nested as written; an unclosed deletion is text."""
    root: list[str | _Cloze] = []
    open_: list[tuple[_Cloze, int]] = []  # each open deletion, and where it began
    at = 0

    def add(piece: str | _Cloze) -> None:
        target = open_[-1][0] if open_ else None
        if target is None:
            root.append(piece)
        elif target.hint is not None and isinstance(piece, str):
            target.hint += piece
        else:
            target.parts.append(piece)

    for mark in _CLOZE_MARK.finditer(text):
        if mark.start() > at:
            add(text[at : mark.start()])
        at = mark.end()
        if mark.group(1) and len(open_) < MAX_NESTING:
            open_.append((_Cloze(int(mark.group(1))), mark.start()))
        elif mark.group(0) == "}}" and open_:
            done, _ = open_.pop()
            add(done)
        elif mark.group(0) == "::" and open_ and open_[-1][0].hint is None:
            open_[-1][0].hint = ""
        else:
            add(mark.group(0))
    if at < len(text):
        add(text[at:])
    while open_:
        # Never closed: what it held is text after all ("{{c1::" and its parts).
        unclosed, _ = open_.pop()
        pieces: list[str | _Cloze] = [f"{{{{c{unclosed.number}::", *unclosed.parts]
        if unclosed.hint is not None:
            pieces.append("::" + unclosed.hint)
        for piece in pieces:
            add(piece)
    return root


def _show(parts: Sequence[str | _Cloze], number: int, answer: bool) -> str:
    out: list[str] = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
        elif part.number == number and not answer:
            out.append(f"[{part.hint}]" if part.hint and part.hint.strip() else _HIDDEN)
        else:
            out.append(_show(part.parts, number, answer))
    return "".join(out)


def cloze_answers(text: str, number: int) -> list[str]:
    """The text of each deletion of ``number`` in ``text``, in order."""
    found: list[str] = []

    def visit(parts: Sequence[str | _Cloze]) -> None:
        for part in parts:
            if isinstance(part, _Cloze):
                if part.number == number:
                    found.append(_show(part.parts, number, True))
                else:
                    visit(part.parts)

    visit(_parse_cloze(text))
    return found


def render_cloze(text: str, number: int, *, answer: bool) -> str:
    """A cloze field on card ``number``'s front (its deletions hidden) or back; empty when
    the field holds no deletion of that number."""
    if number not in cloze_numbers(text):
        return ""
    return _show(_parse_cloze(text), number, answer)
