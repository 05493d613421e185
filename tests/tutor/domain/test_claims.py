"""The grader reads claims, not words: direction, order, roles, denial and its scope.

Each test grades answers against a small prompt written here, with a small lexicon, so what
it shows does not move when the shipped decks are edited.
"""

from __future__ import annotations

import pytest

from tutor.domain.content import ExplainPrompt, Misconception
from tutor.domain.grading import Grade, grade_explanation
from tutor.domain.language import Lexicon, phrase_occurs
from tutor.domain.scheduling import Rating

LEXICON = Lexicon.of(
    groups=[["high", "large", "big"], ["low", "small", "tiny"], ["lower", "reduce", "decay"]],
    opposites=[["high", "low"], ["lower", "increase"], ["fast", "slow"], ["before", "after"]],
)


def _prompt(**concepts: dict[str, object]) -> ExplainPrompt:
    return ExplainPrompt.model_validate(
        {
            "id": "x-claims",
            "level": "beginner",
            "prompt": "Explain how to schedule the learning rate.",
            "hint": "Think about the start and the end of training.",
            "concepts": [{"name": name, **fields} for name, fields in concepts.items()],
            "misconceptions": [],
            "model_answer": "Start high, lower the rate later, clip then unscale... no.",
            "source": "https://docs.pytorch.org/docs/stable/optim.html",
        }
    )


STRATEGY = _prompt(
    **{
        "Start high": {"claims": ["start with a high rate"]},
        "Lower it later": {"claims": ["lower the rate as training goes on"]},
        "Unscale before clipping": {"claims": ["unscale before clipping", "unscale then clip"]},
    }
)


def _grade(prompt: ExplainPrompt, answer: str) -> Grade:
    return grade_explanation(prompt, answer, LEXICON)


def _misconceived(prompt: ExplainPrompt, name: str, **shown: object) -> ExplainPrompt:
    """``prompt`` with one misconception, shown by the ``phrases`` or ``relations`` given."""
    wrong = Misconception.model_validate({"name": name, "correction": "Not so.", **shown})
    return prompt.model_copy(update={"misconceptions": [wrong]})


def test_claims_said_the_right_way_round_are_credited() -> None:
    grade = _grade(
        STRATEGY,
        "You start with a large rate, reduce the rate as training goes on, and you unscale "
        "before clipping.",
    )
    assert grade.covered == ("Start high", "Lower it later", "Unscale before clipping")
    assert grade.contradicted == () and grade.rating is Rating.EASY


@pytest.mark.parametrize(
    ("answer", "contradicted"),
    [
        # an opposite swapped in, through the lexicon's groups: small is low's
        ("You start with a small rate and lower the rate as training goes on.", "Start high"),
        ("Start with a high rate, then increase the rate as training goes on.", "Lower it later"),
        # the two sides of an order word swapped
        ("Start with a high rate and always clip before unscaling.", "Unscale before clipping"),
        # "before" turned into "after"
        ("Start with a high rate, and unscale after clipping.", "Unscale before clipping"),
        # denied
        (
            "Start with a high rate; you don't lower the rate as training goes on.",
            "Lower it later",
        ),
    ],
)
def test_a_claim_turned_round_or_denied_contradicts_its_idea(
    answer: str, contradicted: str
) -> None:
    grade = _grade(STRATEGY, answer)
    assert grade.contradicted == (contradicted,)
    assert contradicted not in grade.covered and contradicted in grade.missed
    assert grade.rating is Rating.AGAIN and not grade.unsure


@pytest.mark.parametrize(
    "answer",
    [
        # supposed, not claimed
        "Start with a high rate; if you start with a small rate, training crawls.",
        # a belief named to reject it
        "Start with a high rate. People think you should start with a small rate, but no.",
        # the opposite denied agrees with the idea
        "Start with a high rate, never increase the rate as training goes on.",
    ],
)
def test_a_supposed_reported_or_denied_opposite_is_no_contradiction(answer: str) -> None:
    grade = _grade(STRATEGY, answer)
    assert grade.contradicted == ()
    assert "Start high" in grade.covered


RATES = _prompt(
    **{
        "Too high overshoots": {
            "relations": [{"cause": ["too high"], "effect": ["overshoot"]}],
        },
        "Too low is slow": {"relations": [{"cause": ["too low"], "effect": ["slow"]}]},
        "SGD takes the linear rule": {
            "relations": [{"cause": ["sgd"], "effect": ["linear rule"]}],
        },
        "Adam takes the square-root rule": {
            "relations": [{"cause": ["adam"], "effect": ["square root rule"]}],
        },
    }
)


@pytest.mark.parametrize(
    ("answer", "contradicted"),
    [
        ("If the rate is too low it overshoots.", ("Too high overshoots",)),
        ("A rate that is too high makes training fast.", ()),  # "fast" is not the idea's
        ("When the rate is too low, training is fast.", ("Too low is slow",)),
        ("A rate that is too high does not overshoot.", ("Too high overshoots",)),
        # roles swapped: each effect tied to the other idea's cause
        (
            "For adam you use the linear rule, and for sgd the square root rule.",
            ("SGD takes the linear rule", "Adam takes the square-root rule"),
        ),
    ],
)
def test_a_relation_turned_denied_or_with_roles_swapped_contradicts(
    answer: str, contradicted: tuple[str, ...]
) -> None:
    assert _grade(RATES, answer).contradicted == contradicted


def test_relations_the_right_way_round_are_credited_and_nothing_contradicts() -> None:
    grade = _grade(
        RATES,
        "Too high and it overshoots; too low and it is slow. SGD takes the linear rule while "
        "Adam takes the square root rule.",
    )
    assert grade.contradicted == () and grade.rating is Rating.EASY


DENIALS = _prompt(
    **{
        "Weight decay helps": {"claims": ["weight decay helps"], "phrases": ["weight decay"]},
        "Dropout helps": {"phrases": ["dropout"]},
        "Warm-up matters": {"claims": ["warm-up matters"], "phrases": ["warm-up"]},
    }
)


@pytest.mark.parametrize(
    ("answer", "denied"),
    [
        # "not" reaches back over subjects listed with "or"
        ("Weight decay or dropout won't help here.", {"weight decay", "dropout"}),
        # hedges deny as "not" does
        ("Warm-up hardly matters.", {"warm-up"}),
        ("Warm-up is unnecessary.", {"warm-up"}),
        ("Warm-up makes no difference.", {"warm-up"}),
    ],
)
def test_denial_reaches_as_far_as_a_reader_reads_it(answer: str, denied: set[str]) -> None:
    for phrase in denied:
        assert not phrase_occurs(phrase, answer, LEXICON), phrase
        assert phrase_occurs(phrase, phrase.capitalize() + " helps here.", LEXICON), phrase
    grade = _grade(DENIALS, answer)
    assert grade.denies and grade.rating is Rating.AGAIN and not grade.unsure


def test_a_not_after_a_comma_denies_what_follows_it_only() -> None:
    answer = "Judge by the trend, not by the wiggles."
    assert phrase_occurs("trend", answer)
    assert not phrase_occurs("wiggles", answer)
    # two statements joined by "and" keep apart
    assert phrase_occurs("bounces", "It bounces and never settles.")


@pytest.mark.parametrize(
    "answer",
    ["The learning rate is too high.", "The rate is too high.", "lr too high", "η is too high"],
)
def test_rate_lr_and_eta_are_one_term(answer: str) -> None:
    assert phrase_occurs("learning rate too high", answer)


def test_a_decay_rate_is_not_the_learning_rate() -> None:
    assert not phrase_occurs("learning rate too high", "The decay rate is too high.")


def test_an_answer_that_only_asks_questions_is_an_echo() -> None:
    grade = _grade(RATES, "So what happens with SGD? Does the linear rule apply to it?")
    assert grade.echo and grade.rating is Rating.AGAIN


def test_a_list_whose_items_hold_verbs_is_still_a_list() -> None:
    grade = _grade(RATES, "too high overshoots, too low goes slow, sgd linear rule")
    assert grade.list_only and grade.rating is Rating.HARD


def test_an_answer_the_grader_cannot_read_is_unsure_not_wrong() -> None:
    grade = _grade(RATES, "Like a hiker on a foggy slope: stride length is everything for SGD.")
    assert grade.unsure and grade.score == 0 and grade.contradicted == ()
    assert not _grade(RATES, "Too high and it overshoots, too low and it is slow.").unsure


def test_words_that_show_a_misconception_credit_no_key_idea() -> None:
    prompt = _misconceived(
        _prompt(**{"Reaches the peak rate": {"phrases": ["peak rate"]}}),
        "Starts at the peak",
        phrases=["starts at the peak rate"],
    )
    wrong = _grade(prompt, "Warm-up starts at the peak rate.")
    assert [c.name for c in wrong.cautions] == ["Starts at the peak"]
    assert wrong.covered == () and wrong.rating is Rating.AGAIN
    right = _grade(prompt, "Warm-up climbs from almost nothing to the peak rate.")
    assert right.covered == ("Reaches the peak rate",) and right.cautions == ()


def test_an_idea_compared_with_another_is_no_swap_of_roles() -> None:
    # Both optimizers named in one statement: the rule is tied to the nearer name, Adam,
    # but SGD stands beside it.
    grade = _grade(RATES, "Compared with sgd, which adam lacks, the linear rule fits sgd best.")
    assert grade.contradicted == ()


@pytest.mark.parametrize(
    "answer",
    [
        "Starting with a small rate is what blows training up.",  # blamed for harm
        "Many people start with a small rate, but that wastes the early epochs.",
        "It is a mistake to start with a small rate.",
        "Starting with a small rate is a mistake.",
    ],
)
def test_a_wrong_idea_named_only_to_reject_it_is_no_caution(answer: str) -> None:
    prompt = _misconceived(STRATEGY, "Start small", phrases=["start with a small rate"])
    assert _grade(prompt, answer).cautions == ()
    assert [c.name for c in _grade(prompt, "Start with a small rate.").cautions] == ["Start small"]


def test_a_phrase_never_spans_two_clauses() -> None:
    lexicon = Lexicon.of(groups=[["increase", "go up"]])
    assert phrase_occurs("increase the rate", "Then increase the rate.", lexicon)
    assert not phrase_occurs(
        "increase the rate", "The loss goes up when the rate is too high.", lexicon
    )
    # A phrase that holds its own clause word still matches it.
    assert phrase_occurs("lower it when the loss plateaus", "Lower it when the loss plateaus.")


@pytest.mark.parametrize(
    "answer",
    [
        "Start with a high rate; warm-up is unnecessary.",
        "Start with a high rate. Warm-up makes no difference.",
        "Start with a high rate, and warm-up hardly matters.",
        "Start with a high rate; there is no need for warm-up.",
        "Start with a high rate, you don't need warm-up.",
        "Start with a high rate. Warm-up, however, is unnecessary.",
    ],
)
def test_an_idea_judged_worthless_is_contradicted(answer: str) -> None:
    prompt = _prompt(
        **{
            "Start high": {"claims": ["start with a high rate"]},
            "Warm up": {"phrases": ["warm-up"]},
        }
    )
    assert _grade(prompt, answer).contradicted == ("Warm up",)
    # Said how it goes, not whether it counts: no contradiction.
    assert _grade(prompt, "Start with a high rate; warm-up hardly moves it.").contradicted == ()


def test_an_order_turned_round_across_a_comma_contradicts() -> None:
    grade = _grade(STRATEGY, "Clip first, then unscale.")
    assert grade.contradicted == ("Unscale before clipping",)


def test_an_effect_that_holds_in_spite_of_its_cause_shows_no_misconception() -> None:
    prompt = _misconceived(
        RATES, "A high rate is smooth", relations=[{"cause": ["high rate"], "effect": ["smooth"]}]
    )
    assert [c.name for c in _grade(prompt, "A high rate makes it smooth.").cautions] == [
        "A high rate is smooth"
    ]
    assert _grade(prompt, "Take the highest rate that still trains smoothly.").cautions == ()


def test_an_if_with_an_effect_of_its_own_does_not_lead_back() -> None:
    prompt = _misconceived(
        RATES, "A low rate overshoots", relations=[{"cause": ["too low"], "effect": ["overshoot"]}]
    )
    answer = "Too high and it overshoots, if it is too low it is slow."
    assert _grade(prompt, answer).cautions == ()
    assert _grade(prompt, "It overshoots if the rate is too low.").cautions != ()


def test_a_quoted_belief_called_wrong_is_no_caution() -> None:
    prompt = _misconceived(STRATEGY, "The rate does not matter", phrases=["rate does not matter"])
    assert _grade(prompt, '"Adam adapts so the rate does not matter" is wrong.').cautions == ()
    assert _grade(prompt, "Adam adapts so the rate does not matter.").cautions != ()


def test_a_denying_subject_reaches_only_to_the_comma() -> None:
    assert phrase_occurs("training goes on", "Nothing crashes, training goes on.")
    assert not phrase_occurs("crashes", "Nothing crashes, training goes on.")
    # an object's denial runs on through its list
    answer = "It has nothing to do with the old task, layer-wise rates or freezing."
    assert not phrase_occurs("freezing", answer)


def test_a_code_name_counts_as_one_word_between_a_phrases_words() -> None:
    grade = _grade(STRATEGY, "Call clip_grad_norm_ then scaler.unscale_ to be safe.")
    assert "Unscale before clipping" in grade.contradicted


def test_an_idea_said_not_really_needed_is_contradicted() -> None:
    prompt = _prompt(**{"Warm up": {"phrases": ["warm-up"]}, "Decay": {"phrases": ["decay"]}})
    assert _grade(prompt, "Warm-up is good, but decay isn't really needed.").contradicted == (
        "Decay",
    )


def test_a_turned_claim_inside_a_right_wording_is_no_contradiction() -> None:
    prompt = _prompt(
        **{
            "Unfreeze gradually": {
                "claims": ["unfreeze gradually"],
                "phrases": ["gradual unfreezing"],
            }
        }
    )
    lexicon = Lexicon.of(groups=[], opposites=[["freeze", "unfreeze"]])
    assert (
        grade_explanation(prompt, "Use freezing / gradual unfreezing.", lexicon).contradicted == ()
    )
    assert grade_explanation(prompt, "Freeze gradually.", lexicon).contradicted == (
        "Unfreeze gradually",
    )


@pytest.mark.parametrize(
    "answer",
    [
        "Some would start with a small rate, but that is slow.",
        "My first thought was to start with a small rate, but that is slow.",
        'My first guess was "start with a small rate", but that is not the point.',
        # A belief the answer names: its whole "that" clause, "because" and all.
        "A common assumption is that, because it is safe, you start with a small rate.",
        "A widespread belief is that you should start with a small rate. It is slow.",
    ],
)
def test_what_some_would_do_or_first_thought_is_reported(answer: str) -> None:
    prompt = _misconceived(STRATEGY, "Start small", phrases=["start with a small rate"])
    assert _grade(prompt, answer).cautions == ()
    assert _grade(prompt, "The thought is to start with a small rate.").cautions != ()
    # Past a "but" the answer speaks for itself again.
    believed = "A common belief is that it is fine, but you start with a small rate."
    assert _grade(prompt, believed).cautions != ()


def test_a_need_judges_what_is_needed_not_who_needs_it() -> None:
    prompt = _prompt(
        **{"Warm up": {"phrases": ["warm-up"]}, "Scheduler": {"phrases": ["scheduler"]}}
    )
    grade = _grade(prompt, "With a scheduler you don't need warm-up.")
    assert grade.contradicted == ("Warm up",)
    assert grade.covered == ("Scheduler",)


def test_a_denial_ends_where_a_piece_has_a_verb_of_its_own() -> None:
    answer = "Don't step it per epoch, the scheduler is stepped every batch."
    assert phrase_occurs("stepped every batch", answer)
    assert not phrase_occurs("step it per epoch", answer)
    # a list after the comma stays denied
    assert not phrase_occurs("diverge", "It doesn't overshoot, oscillate or diverge.")


def test_an_action_judged_worthless_does_not_judge_what_it_acts_on() -> None:
    prompt = _prompt(**{"NaN stays NaN": {"phrases": ["nan weights", "nan stays nan"]}})
    grade = _grade(prompt, "Continuing from the NaN weights would be pointless, nan stays nan.")
    assert grade.contradicted == ()
    assert _grade(prompt, "The NaN weights are irrelevant.").contradicted == ("NaN stays NaN",)


def test_without_denies_its_own_phrase_not_the_clause_after_it() -> None:
    prompt = _prompt(
        **{
            "Too large with momentum": {"claims": ["too large with momentum"]},
            "Warm-up steadies the start": {"phrases": ["unstable early"]},
        }
    )
    grade = _grade(
        prompt,
        "A rate tuned without momentum is too large with momentum. "
        "Training without warm-up is unstable early.",
    )
    assert (grade.score, grade.contradicted) == (2, ())
    # Where "without" governs the claim itself, it is denied.
    assert _grade(prompt, "It trains without being unstable early.").score == 0
