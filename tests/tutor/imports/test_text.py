"""Text a card shows, from what its file holds: code keeps its lines and indentation, math
reads as text (never as its LaTeX source), and Anki's template language renders as Anki
renders it."""

from __future__ import annotations

import re

import pytest

from tutor.imports.anki_templates import CardTemplate, TemplateProblem, render_card, render_cloze
from tutor.imports.html import html_to_text
from tutor.imports.math_text import math_to_text


def test_code_keeps_its_lines_and_indentation_between_fences() -> None:
    text, _ = html_to_text("<pre>def f(x):\n    if x:\n        return 1</pre>after")
    code = "```\ndef f(x):\n    if x:\n        return 1\n```\nafter"
    assert text.replace("\xa0", " ") == code
    # A block left open ends with the field; an empty one is nothing.
    assert html_to_text("a<pre>  x = 1")[0].replace("\xa0", " ") == "a\n```\n  x = 1\n```"
    assert html_to_text("a<pre> </pre>b")[0] == "a\nb"
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


def _shown(template: CardTemplate, fields: dict[str, str]) -> tuple[str, str]:
    sides = render_card(template, fields, limit=10_000)
    assert sides is not None
    return html_to_text(sides[0])[0], html_to_text(sides[1])[0]


def test_a_type_in_box_is_filled_in_where_the_answer_repeats_the_front() -> None:
    """Without <hr id=answer>, the back is what the answer adds to the front: the type-in
    box, answered, is part of it (Anki's comparison shows the right answer there)."""
    question = "{{Front}}<div>{{type:Back}}</div>"
    template = CardTemplate.of("Card 1", question, "{{FrontSide}}<br>{{Back}} ({{Note}})")
    assert _shown(template, {"Front": "Konzert", "Back": "คอนเสิร์ต", "Note": "n."}) == (
        "Konzert",
        "คอนเสิร์ต\n\nคอนเสิร์ต (n.)",
    )
    # After the marker, the front and its box are above the line: not on the back.
    marked = CardTemplate.of("Card 1", question, "{{FrontSide}}<hr id=answer>{{Back}}")
    assert _shown(marked, {"Front": "Konzert", "Back": "คอนเสิร์ต"}) == ("Konzert", "คอนเสิร์ต")


@pytest.mark.parametrize(
    ("question", "answer", "problem"),
    [
        ("{{#Front}}{{Front}}{{/Back}}", "{{Back}}", "{{/Back}} closes no open section where"),
        ("{{Front}}{{/Front}}", "{{Back}}", "{{/Front}} closes no open section"),
        ("{{#Front}}{{Front}}", "{{Back}}", "{{#Front}} is never closed"),
        # A field the note type lacks, also in a section that does not show, and Anki's
        # old comment syntax (now a field name): Anki shows an error on the card.
        ("{{Front}}", "{{#Expression}}{{Expression}}{{/Expression}}", "names {{#Expression}}"),
        ("{{Front}}{{!a comment}}", "{{Back}}", "its front names {{!a comment}}"),
        ("{{front}}", "{{Back}}", "its front names {{front}}"),  # names are exact
    ],
)
def test_a_template_anki_cannot_render_is_a_problem_not_a_card(
    question: str, answer: str, problem: str
) -> None:
    template = CardTemplate.of("Card 1", question, answer)
    with pytest.raises(TemplateProblem, match=re.escape(problem)):
        render_card(template, {"Front": "Q", "Back": "A"}, limit=1000)


def test_comments_legacy_delimiters_and_special_fields_read_as_anki_reads_them() -> None:
    # An HTML comment is text to Anki's lexer: a field named inside it is not read.
    commented = CardTemplate.of("Card 1", "{{Front}}<!-- {{Missing}} -->", "{{Back}}")
    assert _shown(commented, {"Front": "Q", "Back": "A"}) == ("Q", "A")
    # {{=<% %>=}} at the start: the old delimiters.
    legacy = CardTemplate.of("Card 1", "{{=<% %>=}}<%Front%> {{Front}}", "{{=<% %>=}}<%Back%>")
    assert _shown(legacy, {"Front": "Q", "Back": "A"}) == ("Q {{Front}}", "A")
    # Special fields come from the card, unless the note has a field of that name.
    special = CardTemplate.of("Card 1", "{{Front}} in {{Deck}} / {{Subdeck}}", "{{Tags}}")
    fields = {"Deck": "Lang::German", "Subdeck": "German", "Tags": "mine"}
    assert _shown(special, {"Front": "Q", **fields}) == ("Q in Lang::German / German", "mine")


def test_cloze_deletions_hide_one_number_at_a_time_and_may_nest() -> None:
    text = "{{c1::Paris::city}} is in {{c2::France}}; {{c1::a {{c3::b}} c}}"
    assert render_cloze(text, 1, answer=False) == "[city] is in France; [...]"
    assert render_cloze(text, 3, answer=False) == "Paris is in France; a [...] c"
    assert render_cloze(text, 2, answer=True) == "Paris is in France; a b c"
    assert render_cloze(text, 4, answer=False) == ""  # no deletion of that number here
    # Unclosed and deeply nested markup is text, read once.
    assert render_cloze("{{c1::" * 10000, 1, answer=True).startswith("{{c1::")
    assert len(render_cloze("{{c1::" * 5000 + "x" + "}}" * 5000, 1, answer=True)) > 0
