"""Text a card shows, from what its file holds: code keeps its lines and indentation, math
reads as text (never as its LaTeX source), and Anki's template language renders as Anki
renders it."""

from __future__ import annotations

import pytest

from tutor.imports.anki_templates import CardTemplate, render_card, render_cloze
from tutor.imports.html import html_to_text
from tutor.imports.math_text import math_to_text


def test_code_keeps_its_lines_and_indentation() -> None:
    text, _ = html_to_text("<pre>def f(x):\n    if x:\n        return 1</pre>after")
    assert text.replace("\xa0", " ") == "def f(x):\n    if x:\n        return 1\nafter"
    # Outside <pre>, spaces are layout, as in a browser.
    assert html_to_text("<div>   a    b</div>")[0] == "a b"


@pytest.mark.parametrize(
    ("source", "text"),
    [
        ("[$]y=ab^{x}+c[/$]", "y=ab^x+c"),
        ("\\(\\frac{\\eta}{1-\\mu}\\)", "η/(1-μ)"),
        ("[latex]$\\sum_{i=1}^{n} x_i^{2} \\leq \\sqrt{n}$[/latex]", "∑_(i=1)^n x_i^2 ≤ √n"),
        ("\\[ \\mathbf{w} \\leftarrow \\mathbf{w} - \\eta \\nabla L \\]", "w ← w - η ∇ L"),
        ("[$$]a \\in \\mathbb{R}[/$$]", "a ∈ ℝ"),
        (
            "[$]|a| = \\begin{cases} a & a \\geq 0 \\\\ -a & a < 0 \\end{cases}[/$]",
            "|a| = a a ≥ 0; -a a < 0",
        ),
        ("a regex \\( without its end", "a regex \\( without its end"),
    ],
)
def test_math_reads_as_text(source: str, text: str) -> None:
    assert math_to_text(source) == text


def test_a_template_renders_fields_sections_hints_and_type_in() -> None:
    template = CardTemplate.of(
        "Card 1",
        "{{Front}}{{#Hint}}<br>{{hint:Hint}}{{/Hint}}{{^Hint}} (no hint){{/Hint}}{{type:Back}}",
        "{{FrontSide}}<hr id=answer>{{type:Back}}",
    )
    front, back = render_card(template, {"Front": "Q", "Back": "A", "Hint": "h"}, limit=1000) or (
        "",
        "",
    )
    assert html_to_text(front)[0] == "Q\nh" and html_to_text(back)[0] == "A"
    front, _ = render_card(template, {"Front": "Q", "Back": "A", "Hint": "<br>"}, limit=1000) or (
        "",
        "",
    )
    assert html_to_text(front)[0] == "Q (no hint)"  # a field of only <br> is empty to Anki
    # A front that shows no field is an empty card (a type-in box shows its field, to Anki).
    plain = CardTemplate.of("Card 1", "{{Front}}{{#Hint}}{{Hint}}{{/Hint}}", "{{Back}}")
    assert render_card(plain, {"Front": "", "Back": "A", "Hint": ""}, limit=1000) is None


def test_cloze_deletions_hide_one_number_at_a_time_and_may_nest() -> None:
    text = "{{c1::Paris::city}} is in {{c2::France}}; {{c1::a {{c3::b}} c}}"
    assert render_cloze(text, 1, answer=False) == "[city] is in France; [...]"
    assert render_cloze(text, 3, answer=False) == "Paris is in France; a [...] c"
    assert render_cloze(text, 2, answer=True) == "Paris is in France; a b c"
    assert render_cloze(text, 4, answer=False) == ""  # no deletion of that number here
    # Unclosed and deeply nested markup is text, read once.
    assert render_cloze("{{c1::" * 10000, 1, answer=True).startswith("{{c1::")
    assert len(render_cloze("{{c1::" * 5000 + "x" + "}}" * 5000, 1, answer=True)) > 0
