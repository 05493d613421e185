"""bot.format.fit: every text the bot sends fits Telegram's limits, and stays valid HTML."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from bot.format import (
    ELLIPSIS,
    MESSAGE_LIMIT,
    POLL_OPTION_LIMIT,
    card_html,
    fit,
    shown_length,
    split_back,
)


class _Balance(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open[-1] == tag, f"</{tag}> closes {self.open}"
        self.open.pop()


def balanced(text: str) -> bool:
    parser = _Balance()
    parser.feed(text)
    return not parser.open


def test_a_text_that_fits_is_unchanged() -> None:
    text = "<b>Leaderboard</b>\n1. Ada &amp; Bo: 5/5"
    assert fit(text) is text


def test_a_long_board_is_cut_at_a_line_with_an_ellipsis() -> None:
    lines = [f"{n}. <i>Player {n}</i> &lt;3: {n % 6}/5" for n in range(1, 400)]
    text = "<b>Final standings</b>\n" + "\n".join(lines)
    fitted = fit(text)
    assert shown_length(fitted) <= MESSAGE_LIMIT
    assert fitted.endswith("\n" + ELLIPSIS)
    # Whole lines only, and the first ones kept.
    kept = fitted.removesuffix("\n" + ELLIPSIS).split("\n")
    assert kept[1:] == lines[: len(kept) - 1]
    assert shown_length(fitted) > MESSAGE_LIMIT * 3 // 4


def test_a_cut_inside_a_tag_closes_it_and_never_splits_an_entity() -> None:
    text = "<b>" + "&amp;" * 50 + "</b>"
    fitted = fit(text, 10)
    assert balanced(fitted)
    assert shown_length(fitted) <= 10
    assert re.fullmatch(r"<b>(&amp;){9}</b>…", fitted)


def test_lengths_count_utf16_units_as_telegram_does() -> None:
    emoji = "😀" * 60  # two UTF-16 units each
    fitted = fit(emoji, POLL_OPTION_LIMIT, is_html=False)
    assert shown_length(fitted, is_html=False) <= POLL_OPTION_LIMIT
    assert fitted == "😀" * 49 + ELLIPSIS


@pytest.mark.parametrize("limit", [1, 2, 50, 200])
def test_plain_text_is_never_longer_than_the_limit(limit: int) -> None:
    fitted = fit("<not a tag> " * 100, limit, is_html=False)
    assert shown_length(fitted, is_html=False) <= limit


def test_a_cards_code_is_sent_as_code_and_the_rest_escaped() -> None:
    text = (
        "Sum a list:\n```python\ndef total(xs):\n\xa0\xa0\xa0\xa0return sum(xs) < 2\n```\n<done>"
    )
    assert card_html(text) == (
        "Sum a list:\n"
        '<pre><code class="language-python">def total(xs):\n    return sum(xs) &lt; 2</code></pre>'
        "\n&lt;done&gt;"
    )
    # A fence that is never closed, or not on a line of its own, is text.
    assert card_html("```\nx = 1") == "```\nx = 1"
    assert card_html("a ```b``` c") == "a ```b``` c"


def test_a_long_back_is_cut_after_whole_sentences_never_in_code_or_an_abbreviation() -> None:
    sentence = "The rate scales each step of the optimizer, e.g. SGD, by the gradient."
    assert len(sentence.split()) == 13
    back = " ".join([sentence] * 6)
    first, rest = split_back(back)
    # Three sentences (39 words) fit the 45; "e.g." ends no sentence.
    assert first == " ".join([sentence] * 3) and rest == " ".join([sentence] * 3)
    # A little left over is shown with the rest; code is never cut.
    assert split_back(" ".join([sentence] * 4)) == (" ".join([sentence] * 4), "")
    code = " ".join([sentence] * 5) + "\n```python\nx = 1\n```"
    assert split_back(code) == (code, "")
