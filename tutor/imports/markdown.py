"""Markdown files as own decks: a ``##`` heading per item (docs/importing.md shows the format).

- ``# Title`` names the deck; ``Source:`` and ``Level:`` lines under it set every item's.
- ``## Front {#id}``: a card; the text under the heading is its answer.
- A heading with a task list under it (``- [x] right``, ``- [ ] wrong``): a quiz question;
  text after the list explains the answer (``Note:`` starts a longer note), an indented
  ``Why wrong:`` line under a wrong option says why.
- ``## Explain: prompt``: an explain prompt with ``Hint:``, ``Key ideas:`` (a list of
  ``Name: phrase, phrase``), ``Misconceptions:`` (the same, each with an indented
  ``Correction:`` line) and ``Answer:`` (the model answer).
- ``Id:``, ``Level:`` and ``Source:`` lines right under a heading set that item's.

Markdown marks stay literal text; images (``![..](..)``) are left out and counted.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tutor.domain.content import IMAGE_ONLY, ItemKind
from tutor.imports.deck import ImportFailed
from tutor.imports.html import BULLET, media_left_out
from tutor.imports.items import DeckBuilder

NO_ITEMS = (
    "{name} has no items: each card or question is a '## ' heading (see the project's "
    "docs/importing.md, 'Your own decks: file formats')."
)

_FENCE = re.compile(r"^\s*(```|~~~)")
_META = re.compile(r"^(id|level|source)\s*:\s*(.*)$", re.IGNORECASE)
_OPTION = re.compile(r"^[-*+]\s+\[([ xX])\]\s*(.*)$")
_BULLET = re.compile(r"^[-*+]\s+(.*)$")
_LABEL = re.compile(
    r"^(hint|key ideas|concepts|misconceptions|mistakes|answer|model answer)\s*:\s*(.*)$",
    re.IGNORECASE,
)
_EXPLAIN = re.compile(r"^explain\s*:\s*", re.IGNORECASE)
_BLANK_RUNS = re.compile(r"\n{3,}")


@dataclass
class _Item:
    line: int
    heading: str
    explicit_id: str | None
    body: list[str] = field(default_factory=list)


def parse_markdown(
    file_name: str, text: str, images: Callable[[str], bytes | None] | None = None
) -> tuple[str | None, DeckBuilder]:
    """Read a Markdown deck: its title (the first ``#`` heading) and its items, each one
    left out named by its heading's line.

    Raises:
        ImportFailed: when the file has no ``##`` heading.
    """
    builder = DeckBuilder(file_name=file_name, format="markdown")
    builder.images = images
    paths: list[str] = []  # each image's path, by the number its marker holds
    without_images, _ = _cut_images(text, paths)
    title, preamble, items = _split(without_images.replace("\r\n", "\n").replace("\r", "\n"))
    if not items:
        raise ImportFailed(NO_ITEMS.format(name=file_name))
    defaults: dict[str, str] = {}
    for line in preamble:
        meta = _META.match(line.strip())
        if meta and meta.group(1).casefold() != "id":
            defaults[meta.group(1).casefold()] = meta.group(2).strip()
    for item in items:
        _add(builder, item, defaults, paths)
    return title, builder


def _split(text: str) -> tuple[str | None, list[str], list[_Item]]:
    """The title, the lines before the first item, and the items."""
    title: str | None = None
    preamble: list[str] = []
    items: list[_Item] = []
    fenced = False
    for number, line in enumerate(text.split("\n"), start=1):
        if _FENCE.match(line):
            fenced = not fenced
        level, words = (0, "") if fenced else _heading(line)
        if level in (1, 2):
            if level == 1:
                if title is None:
                    title = words
                continue  # a later "#" heading is a section: its items follow as "##"
            heading, given = _explicit_id(words)
            items.append(_Item(line=number, heading=heading, explicit_id=given))
        elif items:
            items[-1].body.append(line)
        else:
            preamble.append(line)
    return title, preamble, items


# The parsing below is by hand, not by regular expression: the patterns this replaces
# (`^(#{1,6})\s+(.*?)\s*#*\s*$`, `!\[[^\]]*\]\([^)]*\)` over the file) backtrack into
# cubic or quadratic time on a few kilobytes of spaces or of "![". Each reads the same as
# its pattern did, in time that grows with the text's length.


def _heading(line: str) -> tuple[int, str]:
    """An ATX heading's level (1 to 6) and words, without the closing hashes; level 0 when
    the line is not a heading."""
    level = len(line) - len(line.lstrip("#"))
    rest = line[level:]
    if not 1 <= level <= 6 or not rest[:1].isspace():
        return 0, ""
    return level, rest.strip().rstrip("#").rstrip()


def _explicit_id(words: str) -> tuple[str, str | None]:
    """A heading's words without a closing ``{#id}``, and that id (else None)."""
    body = words.rstrip()
    if not body.endswith("}"):
        return words.strip(), None
    close = len(body) - 1
    start = close  # the id runs back from "}" to a "}" or a space
    while start > 0 and body[start - 1] != "}" and not body[start - 1].isspace():
        start -= 1
    opening = body.find("{#", start, close)
    if opening < 0 or opening + 2 == close:
        return words.strip(), None
    return body[:opening].strip(), body[opening + 2 : close]


def _cut_images(text: str, found: list[str] | None = None) -> tuple[str, int]:
    """``text`` without its images (``![alt](path)``), and how many there were; with
    ``found``, each image leaves a marker in its place and its path is appended there."""
    parts: list[str] = []
    at = search = 0
    while (start := text.find("![", search)) >= 0:
        close = text.find("]", start + 2)
        if close < 0:
            break  # no "]" after this "![", so none after a later one either
        if not text.startswith("(", close + 1):
            search = close + 1  # every "![" before this "]" ends here too: none is an image
            continue
        end = text.find(")", close + 2)
        if end < 0:
            break
        parts.append(text[at:start])
        if found is not None:
            parts[-1] += f"{_MARK}{len(found)}{_MARK_END}"
            found.append(text[close + 2 : end].strip())
        at = search = end + 1
    count = len(parts)
    parts.append(text[at:])
    return "".join(parts), count


_SPLIT = re.compile(r"%|<!--\s*md2apkg\s+split\s*-->", re.IGNORECASE)
_COMMENT_LINE = re.compile(r"<!--.*-->")


def _add(builder: DeckBuilder, item: _Item, defaults: dict[str, str], paths: list[str]) -> None:
    fields: dict[str, Any] = dict(defaults)
    if item.explicit_id:
        fields["id"] = item.explicit_id
    body = list(item.body)
    while body and not body[0].strip():
        body.pop(0)
    while body and (meta := _META.match(body[0].strip())):
        fields[meta.group(1).casefold()] = meta.group(2).strip()
        body.pop(0)
    where = f"line {item.line}"
    # A line that is only an HTML comment is hidden, as a Markdown viewer hides it; md2apkg's
    # "<!-- md2apkg split -->" or a line of "%" ends the front and starts the back.
    split = next((i for i, line in enumerate(body) if _SPLIT.fullmatch(line.strip())), None)
    body = ["" if _COMMENT_LINE.fullmatch(line.strip()) else line for line in body]
    explain = _EXPLAIN.match(item.heading)
    if explain:
        fields["prompt"] = _unmark(builder, item.heading[explain.end() :])
        _explain(builder, where, fields, [_unmark(builder, line) for line in body])
    elif any(_OPTION.match(line) for line in body):
        _question(builder, where, fields, item.heading, body, paths)
    elif any(_ASKED.match(line) for line in body):
        _question_pairs(builder, where, fields, body, paths)
    elif split is not None:
        front = _text([item.heading, "", *body[:split]])
        builder.add(
            ItemKind.CARD, where, {**fields, "front": front, "back": _text(body[split + 1 :])}
        )
    else:
        _card(builder, where, fields, (item.heading, _text(body)), paths)


def _question_pairs(
    builder: DeckBuilder, where: str, fields: dict[str, Any], body: list[str], paths: list[str]
) -> None:
    """A section of "**Q:** ... **A:** ..." pairs (another tool's style): a card each."""
    pairs: list[tuple[list[str], list[str]]] = []
    for line in body:
        asked, answered = _ASKED.match(line), _ANSWERED.match(line)
        if asked:
            pairs.append(([asked.group(1)], []))
        elif answered and pairs:
            pairs[-1][1].append(answered.group(1))
        elif pairs and _RULE.fullmatch(line.strip()) is None:
            (pairs[-1][1] if pairs[-1][1] else pairs[-1][0]).append(line)
    for number, (question, answer) in enumerate(pairs, start=1):
        card = {**fields, "front": _text(question), "back": _text(answer)}
        builder.add(
            ItemKind.CARD, f"{where} (question {number})" if len(pairs) > 1 else where, card
        )


_ASKED = re.compile(r"^\*{0,2}Q\s*:\s*\*{0,2}\s*(.*)$")
_ANSWERED = re.compile(r"^\*{0,2}A\s*:\s*\*{0,2}\s*(.*)$")
_RULE = re.compile(r"-{3,}|\*{3,}|_{3,}")


_MARK, _MARK_END = "\ue000", "\ue001"  # where an image stood, in a zip's Markdown
_MARKED = re.compile("\ue000(\\d+)\ue001")


def _card(
    builder: DeckBuilder,
    where: str,
    fields: dict[str, Any],
    texts: tuple[str, str],
    paths: list[str],
) -> None:
    """Add a card (front and back ``texts``); an image on a side comes with it when the zip
    holds it."""
    sides: dict[str, Any] = {}
    for side, text, key in zip(("front", "back"), texts, ("image", "back_image"), strict=True):
        names = [paths[int(m[1])] for m in _MARKED.finditer(text)]
        kept = [name for name in names if builder.image(name)]
        clean = _BLANK_RUNS.sub("\n\n", _MARKED.sub("", text)).strip()
        if kept:
            sides[key] = kept[0]
        elif names and not clean:
            # A side that is only a picture the file does not hold names it (the reply
            # counts it as left out, and says how to bring pictures).
            clean = media_left_out(names[0])
        sides[side] = clean or (IMAGE_ONLY if kept else "")
    builder.add(ItemKind.CARD, where, {**fields, **sides})


def _unmark(builder: DeckBuilder, text: str) -> str:
    """``text`` without its image markers (a question or a prompt shows no image): each
    counted as left out."""
    text, count = _MARKED.subn("", text)
    builder.media_skipped += count
    return text


def _text(lines: list[str]) -> str:
    return _BLANK_RUNS.sub("\n\n", "\n".join(line.rstrip() for line in lines)).strip()


def _question(
    builder: DeckBuilder,
    where: str,
    fields: dict[str, Any],
    heading: str,
    body: list[str],
    paths: list[str],
) -> None:
    before: list[str] = []
    after: list[str] = []
    options: list[dict[str, Any]] = []
    continued: dict[int, list[str]] = {}
    for line in body:
        option = _OPTION.match(line)
        if option and not after:
            options.append({"text": option.group(2).strip(), "correct": option.group(1) != " "})
            continued[len(options) - 1] = []
        elif options and not after and line.startswith((" ", "\t")) and line.strip():
            why = re.match(r"^why wrong\s*:\s*(.*)$", line.strip(), re.IGNORECASE)
            if why:
                options[-1]["why_wrong"] = why.group(1)
            else:
                # Joined at the end: adding to the text line by line is quadratic.
                continued[len(options) - 1].append(line.strip())
        elif options:
            after.append(line)
        else:
            before.append(line)
    for index, lines in continued.items():
        options[index]["text"] = " ".join([options[index]["text"], *lines])
    marked = sum(option["correct"] for option in options)
    if marked > 1:
        # "Which of these are true?": a quiz poll has one right option, so it is a card
        # that asks with the options and answers with the marked ones.
        listed = [f"{BULLET}{option['text']}" for option in options]
        right = [f"{BULLET}{option['text']}" for option in options if option["correct"]]
        front = _text([heading, "", *before, "", *listed])
        back = _text([*right, "", *after])
        _card(builder, where, fields, (front, back), paths)
        return
    if not marked:
        builder.skip(where, "no option is marked [x]; mark the one right option")
        return
    question = _unmark(builder, _text([heading, "", *before]))
    after = [_unmark(builder, line) for line in after]
    for choice in options:
        choice["text"] = _unmark(builder, choice["text"])
    explanation, note = _text(after), None
    explanation = re.sub(r"^explanation\s*:\s*", "", explanation, flags=re.IGNORECASE)
    note_at = re.search(r"(?im)^note\s*:\s*", explanation)
    if note_at:
        note = explanation[note_at.end() :].strip() or None
        explanation = explanation[: note_at.start()].strip()
    fields.update(question=question, options=options)
    if explanation:
        fields["explanation"] = explanation
    if note:
        fields["note"] = note
    builder.add(ItemKind.QUIZ, where, fields)


def _explain(builder: DeckBuilder, where: str, fields: dict[str, Any], body: list[str]) -> None:
    blocks: dict[str, list[str]] = {"prompt": []}
    current = "prompt"
    for line in body:
        label = _LABEL.match(line.strip()) if not line.startswith((" ", "\t")) else None
        if label:
            current = {
                "key ideas": "concepts",
                "concepts": "concepts",
                "misconceptions": "misconceptions",
                "mistakes": "misconceptions",
                "answer": "model_answer",
                "model answer": "model_answer",
            }.get(label.group(1).casefold(), "hint")
            blocks.setdefault(current, []).append(label.group(2))
        else:
            blocks[current].append(line)
    if _text(blocks["prompt"]):
        fields["prompt"] = _text([fields["prompt"], "", *blocks["prompt"]])
    fields["hint"] = _text(blocks.get("hint", []))
    fields["model_answer"] = _text(blocks.get("model_answer", []))
    fields["concepts"] = [_idea(entry) for entry in _entries(blocks.get("concepts", []))]
    fields["misconceptions"] = [
        _misconception(entry) for entry in _entries(blocks.get("misconceptions", []))
    ]
    builder.add(ItemKind.EXPLAIN, where, fields)


def _entries(lines: list[str]) -> list[list[str]]:
    """A list's entries, each its bullet line and the indented lines under it."""
    entries: list[list[str]] = []
    for line in lines:
        bullet = _BULLET.match(line.strip()) if not line.startswith((" ", "\t")) else None
        if bullet:
            entries.append([bullet.group(1)])
        elif entries and line.strip():
            entries[-1].append(line.strip())
    return entries


def _phrases(text: str) -> tuple[str, list[str]]:
    name, colon, rest = text.partition(":")
    if not colon:
        return name.strip(), [name.strip()]
    phrases = [p.strip() for p in re.split(r"[;,]", rest) if p.strip()]
    return name.strip(), phrases or [name.strip()]


def _idea(entry: list[str]) -> dict[str, Any]:
    name, phrases = _phrases(" ".join(entry))
    return {"name": name, "phrases": phrases}


def _misconception(entry: list[str]) -> dict[str, Any]:
    head, correction = [entry[0]], list[str]()
    for line in entry[1:]:
        found = re.match(r"^correction\s*:\s*(.*)$", line, re.IGNORECASE)
        if found or correction:
            correction.append(found.group(1) if found else line)
        else:
            head.append(line)
    name, phrases = _phrases(" ".join(head))
    wrong: dict[str, Any] = {"name": name, "phrases": phrases}
    if correction:
        wrong["correction"] = " ".join(correction)
    return wrong
