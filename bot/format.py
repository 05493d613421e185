"""Small text helpers shared by the handlers: escaping and human-readable durations."""

from __future__ import annotations

import html
import re
from datetime import timedelta

_UNITS = (
    ("year", "y", 365 * 86400),
    ("month", "mo", 30 * 86400),
    ("day", "d", 86400),
    ("hour", "h", 3600),
    ("minute", "m", 60),
)


def escape(text: str) -> str:
    """Escape deck or user text for Telegram's HTML parse mode."""
    return html.escape(text, quote=False)


# A fenced block of code in a card's text: Markdown's, and what an import writes for HTML's
# <pre>: a line of ``` (and the code's language), its lines, a line of ```.
_FENCED = re.compile(r"^```([\w+#.-]*)[ \t]*\n(.*?)\n```[ \t]*$", re.MULTILINE | re.DOTALL)


# A card's back shown at once: about this many words, in whole sentences (with its buttons
# it fits a phone's screen); the rest behind Read more.
BACK_WORDS = 45
# Less than this left over is shown with the rest: not worth a button.
BACK_REST_WORDS = 12
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+(?=\S)|\n+")
_ABBREVIATION = re.compile(r"(?:\b(?:e\.g|i\.e|vs|etc|cf|approx|Fig|Eq|Sec|et al)|\b[A-Z])\.$")


def split_back(text: str) -> tuple[str, str]:
    """A card's back as its first sentences (about BACK_WORDS words, at least one
    sentence) and the rest; the rest is "" when the back is short, or holds code (never
    cut)."""
    if len(text.split()) <= BACK_WORDS + BACK_REST_WORDS or "```" in text:
        return text, ""
    cut, words = 0, 0
    for gap in _SENTENCE_BREAK.finditer(text):
        if _ABBREVIATION.search(text[: gap.start()]):
            continue
        sentence = len(text[cut : gap.start()].split())
        if cut and words + sentence > BACK_WORDS:
            break
        cut, words = gap.end(), words + sentence
    rest = text[cut:]
    if not cut or len(rest.split()) < BACK_REST_WORDS:
        return text, ""
    return text[:cut].rstrip(), rest


def card_html(text: str) -> str:
    """A card's side for Telegram's HTML parse mode: escaped, and each fenced block of
    code sent as code (monospace, its lines and indentation kept)."""
    parts: list[str] = []
    at = 0
    for block in _FENCED.finditer(text):
        parts.append(escape(text[at : block.start()]))
        code = escape(block[2].replace("\xa0", " "))
        language = f' class="language-{block[1]}"' if block[1] else ""
        parts.append(f"<pre><code{language}>{code}</code></pre>")
        at = block.end()
    parts.append(escape(text[at:]))
    return "".join(parts)


def _largest_unit(delta: timedelta) -> tuple[int, str, str]:
    seconds = max(0, round(delta.total_seconds()))
    for name, short, size in _UNITS:
        if seconds >= size:
            return round(seconds / size), name, short
    return 1, "minute", "m"


def short_duration(delta: timedelta) -> str:
    """A compact duration for a button label: '1m', '10m', '3d', '2mo'."""
    count, _name, short = _largest_unit(delta)
    return f"{count}{short}"


def long_duration(delta: timedelta) -> str:
    """A duration in words: 'a minute', '10 minutes', '3 days'."""
    count, name, _short = _largest_unit(delta)
    if count == 1:
        return f"an {name}" if name == "hour" else f"a {name}"
    return f"{count} {name}s"


# Telegram's limits on what the bot sends, counted as Telegram counts them: characters of
# the text as shown (after HTML parsing), in UTF-16 code units.
MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_ANSWER_LIMIT = 200
POLL_QUESTION_LIMIT = 300
POLL_OPTION_LIMIT = 100
POLL_EXPLANATION_LIMIT = 200
ELLIPSIS = "…"

_TOKEN = re.compile(r"(<[^>]*>|&#?\w+;)")
_TAG = re.compile(r"<(/?)([a-zA-Z][\w-]*)[^>]*>")


def quantity(count: int, word: str = "item", words: str | None = None) -> str:
    """ "1 item", "3 items"; ``words`` where adding an s is wrong ("sounds or pictures")."""
    return f"1 {word}" if count == 1 else f"{count} {words or word + 's'}"


def shown_length(text: str, *, is_html: bool = True) -> int:
    """How long Telegram counts ``text``: UTF-16 code units of what it shows."""
    if is_html:
        text = html.unescape(re.sub(r"<[^>]*>", "", text))
    return len(text.encode("utf-16-le")) // 2


def fit(text: str, limit: int = MESSAGE_LIMIT, *, is_html: bool = True) -> str:
    """``text`` cut to Telegram's ``limit``, at a line break where one is near, with an
    ellipsis and every HTML tag left open closed again; unchanged when it fits.

    The one helper for every limit on what the bot sends (message, caption, poll, button
    answer): callers that can say something better than a cut (a leaderboard's top and
    the reader's own place) do so first, and this keeps anything else within the limit.
    """
    if shown_length(text, is_html=is_html) <= limit:
        return text
    budget = max(0, limit - shown_length(ELLIPSIS, is_html=False))
    tokens = _TOKEN.split(text) if is_html else [text]
    kept: list[str] = []
    stack: list[tuple[str, str]] = []  # (name, opening tag) of the tags open so far
    last_break: tuple[int, int, list[tuple[str, str]]] | None = None
    used = 0
    for position, token in enumerate(tokens):
        if is_html and position % 2 == 1:  # a tag or an entity
            tag = _TAG.fullmatch(token)
            if tag is None:  # an entity: one character (two beyond the BMP)
                size = shown_length(token)
                if used + size > budget:
                    break
                kept.append(token)
                used += size
            elif tag.group(1):
                if stack and stack[-1][0] == tag.group(2).lower():
                    stack.pop()
                kept.append(token)
            else:
                stack.append((tag.group(2).lower(), token))
                kept.append(token)
            continue
        room = budget - used
        size = shown_length(token, is_html=False)
        if size <= room:
            if "\n" in token:
                last_break = (len(kept), token.rindex("\n"), list(stack))
            kept.append(token)
            used += size
            continue
        piece = token.encode("utf-16-le")[: 2 * room].decode("utf-16-le", errors="ignore")
        if "\n" in piece:
            last_break = (len(kept), piece.rindex("\n"), list(stack))
        kept.append(piece)
        used += shown_length(piece, is_html=False)
        break
    # Cut at the last line break when it keeps most of the budget: a whole line reads better.
    at_break = False
    if last_break is not None:
        index, offset, open_then = last_break
        cut_used = shown_length("".join(kept[:index]) + kept[index][:offset], is_html=is_html)
        if cut_used >= budget * 3 // 4:
            kept = [*kept[:index], kept[index][:offset]]
            stack = open_then
            at_break = True
    closing = "".join(f"</{name}>" for name, _opening in reversed(stack)) if is_html else ""
    return "".join(kept).rstrip() + closing + ("\n" if at_break else "") + ELLIPSIS
