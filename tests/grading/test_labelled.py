"""The explain grader on the hand-labelled answer set, and on the issue's six answers."""

from __future__ import annotations

import pytest

from bench.grading import CORRECT, IGNORED, WRONG, evaluate, load_answers
from tutor.domain.content import ExplainPrompt, ItemKind
from tutor.domain.grading import LIST_NOTE, grade_explanation
from tutor.domain.library import Library
from tutor.domain.scheduling import Rating


def _prompt(library: Library, prompt_id: str) -> ExplainPrompt:
    item = library.item(prompt_id)
    assert isinstance(item, ExplainPrompt)
    return item


def test_the_set_spreads_over_every_explain_prompt(library: Library) -> None:
    answers = load_answers(library)
    assert len(answers) >= 150
    shipped = {item.id for item in library.items_of_kind(ItemKind.EXPLAIN)}
    for prompt_id in shipped:
        labels = {a.label for a in answers if a.prompt.id == prompt_id}
        assert {"correct", "correct-unusual-wording", "partial", "negated"} <= labels, prompt_id
        assert labels & {"reversed", "misconceived"}, prompt_id
        assert {"keyword-list", "echo", "off-topic"} <= labels, prompt_id


def test_the_labelled_set_meets_the_targets(library: Library) -> None:
    figures = evaluate(load_answers(library), library.lexicon)
    assert figures.total(CORRECT) >= 40 and figures.total(WRONG) >= 40
    assert figures.correct_half_share >= 0.85
    assert figures.wrong_good == 0
    assert figures.wrong_again_share >= 0.90
    assert figures.count["keyword-list"] >= 10 and figures.lists_over_hard == 0
    assert figures.total(IGNORED) >= 20 and figures.ignored_not_again == 0
    assert figures.ratings["empty"] == {"Again": figures.count["empty"]}


# The six answers of the table, and what each now gets.


def test_a_fully_negated_answer_covers_nothing(library: Library) -> None:
    grade = grade_explanation(
        _prompt(library, "b-explain-why-lr"),
        "The learning rate has nothing to do with step size, overshooting, slow training or "
        "convergence.",
        library.lexicon,
    )
    assert grade.covered == ()
    assert grade.rating is Rating.AGAIN


def test_a_reversed_answer_is_again_with_both_corrections(library: Library) -> None:
    grade = grade_explanation(
        _prompt(library, "b-explain-why-lr"),
        "A high learning rate makes training slower and more stable, and a low one makes it "
        "overshoot.",
        library.lexicon,
    )
    assert "Too high overshoots, oscillates or diverges" not in grade.covered
    assert "Too low is slow or gets stuck" not in grade.covered
    assert [c.name for c in grade.cautions] == [
        "A higher rate makes training more stable",
        "A low rate makes training overshoot or diverge",
    ]
    assert grade.cautions[0].correction.startswith("A larger rate takes larger steps")
    assert grade.rating is Rating.AGAIN


def test_the_pretrained_layers_on_the_larger_rate_is_again(library: Library) -> None:
    grade = grade_explanation(
        _prompt(library, "d-explain-what"),
        "The pretrained layers get the larger rate, the new head the smaller one.",
        library.lexicon,
    )
    assert grade.covered == ()
    assert [c.name for c in grade.cautions] == [
        "The pretrained layers need the larger rate",
        "The new head needs the smaller rate",
    ]
    assert grade.rating is Rating.AGAIN


def test_a_bare_list_is_hard_at_most_and_says_why(library: Library) -> None:
    grade = grade_explanation(
        _prompt(library, "b-explain-why-lr"),
        "step size, overshoot, slow, converge",
        library.lexicon,
    )
    assert grade.list_only
    assert grade.note == LIST_NOTE
    assert grade.rating <= Rating.HARD


def test_a_correct_warm_up_answer_in_other_words_covers_three_of_four(library: Library) -> None:
    grade = grade_explanation(
        _prompt(library, "b-explain-warmup"),
        "With untrained weights the first gradients are wild, so the learning rate climbs "
        "linearly from almost nothing; otherwise the loss explodes.",
        library.lexicon,
    )
    assert grade.score == 3
    assert grade.cautions == ()
    assert grade.rating is Rating.GOOD


def test_a_correct_forgetting_answer_in_other_words_covers_everything(library: Library) -> None:
    grade = grade_explanation(
        _prompt(library, "d-explain-forgetting"),
        "Fine-tuning can rewrite the weights so the model loses its old skills. Lock the "
        "backbone, or give it a lower learning rate than the head.",
        library.lexicon,
    )
    assert grade.score == grade.total == 3
    assert grade.rating is Rating.EASY


@pytest.mark.parametrize(
    ("prompt_id", "answer"),
    [
        (
            "b-explain-why-lr",
            "If the learning rate is too high, the loss oscillates and diverges.",
        ),
        ("b-explain-why-lr", "The loss diverges when the learning rate is too high."),
        ("b-explain-why-lr", "Divergence and overshooting come with an excessive rate."),
        ("d-explain-what", "Give a larger learning rate to the new head."),
        ("d-explain-what", "The new head, being random, gets a larger learning rate."),
    ],
)
def test_a_relation_counts_in_either_word_order(
    library: Library, prompt_id: str, answer: str
) -> None:
    grade = grade_explanation(_prompt(library, prompt_id), answer, library.lexicon)
    assert grade.score == 1
    assert grade.cautions == ()


@pytest.mark.parametrize(
    ("prompt_id", "answer"),
    [
        ("b-explain-why-lr", "If the learning rate is too low, the loss oscillates."),
        ("b-explain-why-lr", "The loss diverges when the learning rate is too low."),
        ("d-explain-what", "Give a larger learning rate to the pretrained layers."),
    ],
)
def test_the_reversed_relation_counts_nothing_and_warns(
    library: Library, prompt_id: str, answer: str
) -> None:
    grade = grade_explanation(_prompt(library, prompt_id), answer, library.lexicon)
    assert grade.score == 0
    assert len(grade.cautions) == 1
    assert grade.rating is Rating.AGAIN
