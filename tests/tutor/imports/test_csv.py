"""CSV / TSV files as Anki plain text: header lines, columns, questions, and the real line
number and reason of every row left out."""

from __future__ import annotations

import pytest

from tutor.domain.content import Level
from tutor.imports import ImportFailed, Skipped, parse_file
from tutor.imports.items import derived_key


def test_a_plain_two_column_file_is_cards_named_after_the_file() -> None:
    deck = parse_file("Optics notes.csv", b"What bends light?,A lens\nWhat is f?,Focal length\n")
    assert deck.name == "Optics notes"
    assert deck.format == "csv"
    assert [(c.front, c.back) for c in deck.cards] == [
        ("What bends light?", "A lens"),
        ("What is f?", "Focal length"),
    ]
    card = deck.cards[0]
    assert card.id == derived_key(card.kind, "What bends light?")
    assert card.id.startswith("c") and len(card.id) == 9
    assert card.level is Level.BEGINNER
    assert card.source == "Optics notes.csv"
    assert deck.quiz == () and deck.explain == () and deck.skipped == ()


def test_anki_header_lines_are_honoured() -> None:
    text = (
        "#separator:Pipe\n"
        "#html:true\n"
        "#deck:Physics::Optics\n"
        "#tags column:3\n"
        "#notetype:Basic\n"
        "A <b>lens</b>?|Bends light<br>both ways|optics physics\n"
    )
    deck = parse_file("export.txt", text.encode())
    assert deck.name == "Optics"
    assert [(c.front, c.back) for c in deck.cards] == [("A lens?", "Bends light\nboth ways")]


@pytest.mark.parametrize(
    ("value", "separator"),
    [
        ("Comma", ","),
        ("semicolon", ";"),
        ("Tab", "\t"),
        ("Space", " "),
        ("Pipe", "|"),
        ("Colon", ":"),
        ("~", "~"),
    ],
)
def test_every_named_separator(value: str, separator: str) -> None:
    data = f"#separator:{value}\nlens{separator}glass\n".encode()
    assert [(c.front, c.back) for c in parse_file("a.csv", data).cards] == [("lens", "glass")]


def test_an_unknown_separator_is_refused() -> None:
    with pytest.raises(ImportFailed, match="'#separator:Dash' is not a separator I know"):
        parse_file("a.csv", b"#separator:Dash\na-b\n")


@pytest.mark.parametrize("separator", ["\t", ";", ",", "|"])
def test_the_separator_is_sniffed_without_a_header(separator: str) -> None:
    rows = [f"Front {n}{separator}Back {n}, with a comma" for n in range(3)]
    if separator == ",":
        rows = [f'Front {n},"Back {n}, with a comma"' for n in range(3)]
    deck = parse_file("a.csv", ("\n".join(rows) + "\n").encode())
    assert [c.back for c in deck.cards] == [f"Back {n}, with a comma" for n in range(3)]


def test_html_is_literal_text_unless_the_file_says_html() -> None:
    deck = parse_file("a.csv", b"<b>x</b> & y,*z* _w_ `v`\n")
    assert (deck.cards[0].front, deck.cards[0].back) == ("<b>x</b> & y", "*z* _w_ `v`")
    html = parse_file("a.csv", b"#html:false\n<b>x</b>,y\n")
    assert html.cards[0].front == "<b>x</b>"


def test_control_characters_are_stripped() -> None:
    deck = parse_file("a.csv", b"What is the fr\x01o\x07nt\x1b?,The ba\x7fck\x0b of it\r\n")
    assert (deck.cards[0].front, deck.cards[0].back) == ("What is the front?", "The back of it")


def test_skipped_rows_carry_the_files_real_line_numbers_and_why() -> None:
    text = (
        "#separator:comma\n"  # 1
        "# a comment\n"  # 2
        "One,Uno\n"  # 3
        '"Two\n'  # 4
        'spans lines","Dos\n'  # 5
        'also"\n'  # 6
        "Three,\n"  # 7
        "\n"  # 8
        "one, Once again\n"  # 9
        "# another comment\n"  # 10
        f"{'x' * 1601},too long\n"  # 11
        ",no front\n"  # 12
        "Four,Cuatro\n"  # 13
    )
    deck = parse_file("numbers.csv", text.encode())
    # "one" asks what "One" asks, with another answer: Anki keeps both, and so does this.
    assert [c.front for c in deck.cards] == ["One", "Two\nspans lines", "one", "Four"]
    assert deck.cards[1].back == "Dos\nalso"
    assert deck.cards[0].id != deck.cards[2].id
    assert deck.skipped == (
        Skipped("line 7", "no answer"),
        Skipped("line 11", "front longer than 1600 characters"),
        Skipped("line 12", "no front"),
    )


def test_an_unclosed_quote_is_named_by_its_line() -> None:
    deck = parse_file("a.csv", b'Good,row\nBad,"never closed\nlost,row\n')
    assert [c.front for c in deck.cards] == ["Good"]
    assert deck.skipped == (Skipped("line 2", 'a quote (") opened here is never closed'),)


def test_extra_columns_without_names_are_never_quiz_options() -> None:
    """Columns without names are a Basic note's Front and Back, as Anki maps them; the rest
    (a book, an author, a URL) is left out."""
    text = (
        "What's availability?,Timely access,CISSP Study Guide,Mike Chapple,https://x.org/1\n"
        "What's integrity?,Data stays correct,CISSP Study Guide,Mike Chapple,https://x.org/2\n"
    )
    deck = parse_file("cissp.csv", text.encode())
    assert deck.quiz == ()
    assert [(c.front, c.back) for c in deck.cards] == [
        ("What's availability?", "Timely access"),
        ("What's integrity?", "Data stays correct"),
    ]


def test_question_rows_under_named_columns() -> None:
    """A quiz only where the file says so: Front, Back, Correct, Wrong 1-3, Explanation."""
    text = (
        "Front,Back,Correct,Wrong 1,Wrong 2,Wrong 3,Explanation\n"
        "What is lr?,The step size,,,,,\n"
        "Too high a rate?,,It diverges,It stalls,Nothing,,Steps overshoot the minimum\n"
        "Too low a rate?,It crawls along,Slow progress,Divergence,,,\n"
        "Broken?,,,Only wrong,,,\n"
        "Half?,,Right only,,,,\n"
    )
    deck = parse_file("q.csv", text.encode())
    assert [c.front for c in deck.cards] == ["What is lr?"]
    high, low = deck.quiz
    assert high.question == "Too high a rate?"
    assert [(o.text, o.correct) for o in high.options] == [
        ("It diverges", True),
        ("It stalls", False),
        ("Nothing", False),
    ]
    assert high.explanation == "Steps overshoot the minimum"
    # Without an Explanation column, Back explains it.
    assert [o.text for o in low.options] == ["Slow progress", "Divergence"]
    assert low.explanation == "It crawls along"
    assert high.id == derived_key(high.kind, "Too high a rate?") and high.id.startswith("q")
    assert deck.skipped == (
        Skipped("line 5", "no right option (the Correct column)"),
        Skipped("line 6", "a question needs at least one wrong option"),
    )


def test_named_columns_with_id_source_and_level() -> None:
    text = (
        "#separator:tab\n"
        "#columns:Id\tQuestion\tCorrect\tWrong 1\tWrong 2\tWrong 3\tExplanation\tSource\tLevel\n"
        "LR-1\tWhich rate diverges?\t1.5\t0.01\t0.1\t\tIt overshoots.\tLecture 3\tAdvanced\n"
        "lr 1\tSame id?\ta\tb\t\t\t\t\t\n"
        "\tNo answer given\t\t\t\t\t\t\t\n"
    )
    deck = parse_file("q.tsv", text.encode())
    (question,) = deck.quiz
    assert question.id == "lr-1"
    assert question.source == "Lecture 3"
    assert question.level is Level.ADVANCED
    assert question.explanation == "It overshoots."
    assert deck.skipped == (
        Skipped("line 4", "same id as line 3"),
        Skipped("line 5", "no answer"),
    )


def test_a_first_row_of_column_names_is_a_header() -> None:
    deck = parse_file("a.csv", b"Front,Back,Id\nWhat?,That,w1\n")
    assert [(c.id, c.front) for c in deck.cards] == [("w1", "What?")]


def test_without_an_explanation_the_right_option_is_named() -> None:
    deck = parse_file("a.csv", b"Question,Answer,Correct,Wrong\nQ?,,Right,Wrong\n")
    assert deck.quiz[0].explanation == "Answer: Right"


def test_a_question_too_long_for_a_poll_is_kept() -> None:
    """Own material may ask more than a quiz poll holds (private /quiz asks it)."""
    question = "Why? " + "x" * 400
    header = "Front,Back,Correct,Wrong 1,Wrong 2,Wrong 3,Explanation\n"
    deck = parse_file("a.csv", f"{header}{question},,{'r' * 150},wrong,,,{'e' * 300}\n".encode())
    assert deck.quiz[0].question == question


def test_reversed_note_type_makes_cards_both_ways() -> None:
    text = "#notetype:Basic (and reversed card)\n#separator:tab\nred\trot\nrot\tred again\n"
    deck = parse_file("a.tsv", text.encode())
    assert [(c.front, c.back) for c in deck.cards] == [
        ("red", "rot"),
        ("rot", "red"),
        ("rot", "red again"),  # the same front with another answer: Anki keeps both
        ("red again", "rot"),
    ]
    assert deck.skipped == ()


def test_optional_reversed_cards_follow_the_add_reverse_column() -> None:
    text = "#notetype:Basic (optional reversed card)\nred;rot;y\nblue;blau;\n"
    deck = parse_file("a.csv", text.encode())
    assert [(c.front, c.back) for c in deck.cards] == [
        ("red", "rot"),
        ("rot", "red"),
        ("blue", "blau"),
    ]


def test_cloze_notes_are_one_card_per_deletion() -> None:
    text = "#notetype:Cloze\n{{c1::Paris}} is the {{c2::capital::what}},of France\n"
    deck = parse_file("a.csv", text.encode())
    assert [(c.front, c.back) for c in deck.cards] == [
        ("[...] is the capital", "Paris is the capital\nof France"),
        ("Paris is the [what]", "Paris is the capital\nof France"),
    ]
    # A plain export of a Cloze deck, no note type named: the deletions say it.
    plain = parse_file("b.txt", b"{{c1::Heart-rending}}: {{c2::gut-wrenching}}\tmoving\n")
    assert [c.front for c in plain.cards] == ["[...]: gut-wrenching", "Heart-rending: [...]"]


def test_a_header_row_of_other_names_is_a_header() -> None:
    text = "word,examples,word_audio\nab,Ab Hamburg 200 Euro.,ab\nabbiegen,Links abbiegen.,ab\n"
    deck = parse_file("words.csv", text.encode())
    assert [(c.front, c.back) for c in deck.cards] == [
        ("ab", "Ab Hamburg 200 Euro."),
        ("abbiegen", "Links abbiegen."),
    ]
    # Words, not names: the first row is a card.
    deck = parse_file("v.csv", b"Hund,dog\nKatze,cat\n")
    assert [c.front for c in deck.cards] == ["Hund", "Katze"]


def test_notes_of_a_type_of_their_own_show_their_first_field_then_the_rest() -> None:
    text = (
        "#separator:tab\n#html:true\n#guid column:1\n#notetype column:2\n"
        "g1\tBasic (with hints)\tWhat is an rvalue?\t\tA temporary<br>value\n"
        "g2\tBasic (with hints)\tIs this legit?\tthink const\tYes\n"
    )
    deck = parse_file("notes.txt", text.encode())
    assert [(c.front, c.back) for c in deck.cards] == [
        ("What is an rvalue?", "A temporary\nvalue"),
        ("Is this legit?", "think const\n\nYes"),
    ]


def test_a_file_of_rows_that_all_fail_names_them() -> None:
    with pytest.raises(ImportFailed) as caught:
        parse_file("a.csv", b"one\ntwo\nthree\nfour\n")
    assert str(caught.value) == (
        "a.csv holds no cards or questions I could read: line 1: no answer; "
        "line 2: no answer; line 3: no answer (and 1 more)."
    )


def test_the_separator_is_sniffed_across_the_file_not_only_its_start() -> None:
    """300 lines of comma lists at the top do not decide for the 900 tab rows after them
    (the first 200 lines alone would pick the comma and leave out every card)."""
    top = [f"word {n}, word {n + 1}, word {n + 2}" for n in range(300)]
    rows = [f"Front {n}\tBack {n}" for n in range(900)]
    deck = parse_file("a.txt", "\n".join(top + rows).encode())
    assert [(c.front, c.back) for c in deck.cards] == [
        (f"Front {n}", f"Back {n}") for n in range(900)
    ]
    assert {s.reason for s in deck.skipped} == {"no answer"} and len(deck.skipped) == 300


def test_a_field_over_the_csv_limit_is_named_as_such() -> None:
    text = "One,Uno\n" + "Long," + "x" * 140_000 + "\nTwo,Dos\n"
    deck = parse_file("a.csv", text.encode())
    assert [c.front for c in deck.cards] == ["One", "Two"]
    assert deck.skipped == (Skipped("line 2", "a field longer than 131,072 characters"),)
