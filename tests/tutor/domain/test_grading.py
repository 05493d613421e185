"""Grading explain-it answers: the stemmer, the normaliser, phrase matching, and real answers."""

from __future__ import annotations

import dataclasses

import pytest

from tutor.domain.content import ExplainPrompt, ItemKind
from tutor.domain.grading import LIST_NOTE, Grade, grade_explanation, rating_for
from tutor.domain.language import (
    MAX_ANSWER_CHARS,
    Lexicon,
    compile_phrase,
    normalize,
    phrase_occurs,
    sentences,
    stem,
)
from tutor.domain.library import Library
from tutor.domain.scheduling import Rating

# --- the stemmer -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("forms", "expected"),
    [
        (["diverge", "diverges", "diverging", "diverged", "divergence", "divergent"], "diverg"),
        (["oscillate", "oscillates", "oscillating", "oscillation", "oscillations"], "oscil"),
        (["converge", "converges", "converging", "converged", "convergence"], "converg"),
        (["overshoot", "overshoots", "overshooting", "overshot"], "overshoot"),
        (["settle", "settles", "settling", "settled"], "settl"),
        (["bounce", "bounces", "bouncing", "bounced"], "bounc"),
        (["decay", "decays", "decaying", "decayed"], "decay"),
        (["normalize", "normalizes", "normalise", "normalises", "normalisation"], "normal"),
        (["slow", "slowly", "slower", "slowing", "slowness"], "slow"),
        (["large", "larger", "largest"], "larg"),
        (["small", "smaller", "smallest"], "small"),
        (["explode", "exploding", "explosion"], "explod"),
        (["freeze", "freezing", "frozen", "froze"], "freez"),
        (["plateau", "plateaus"], "plateau"),
        (["nan", "nans"], "nan"),
        (["tune", "tuning", "tuned"], "tune"),
        (["gradual", "gradually"], "gradual"),
    ],
)
def test_stem_gives_every_form_of_a_word_one_stem(forms: list[str], expected: str) -> None:
    assert {form: stem(form) for form in forms} == dict.fromkeys(forms, expected)


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("stable", "unstable"),
        ("lower", "low"),  # "lower the rate" is a verb; a low rate is not that strategy
        ("layer", "lay"),
        ("step", "steep"),
        ("diverge", "divide"),
    ],
)
def test_stem_keeps_different_words_apart(left: str, right: str) -> None:
    assert stem(left) != stem(right)


@pytest.mark.parametrize("word", ["lr", "fc", "1e", "10", "1d", "y" * 5000])
def test_stem_leaves_short_words_numbers_and_huge_runs_alone(word: str) -> None:
    assert stem(word) == word


# --- normalising and tokenising ------------------------------------------------------------


def test_normalize_folds_case_accents_quotes_and_possessives() -> None:
    assert normalize("Naïve CAFÉ’s “Adam’s” ＬＲ") == 'naive cafe "adam" lr'


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Warm-up, then DECAY!", [["warm", "up", "then", "decay"]]),
        ("It's 10x smaller", [["it", "10", "times", "smaller"]]),
        ("about 10× lower", [["about", "10", "times", "lower"]]),
        ("x10 lower", [["10", "times", "lower"]]),
        (
            "a tenfold cut, a ten-fold cut",
            [["a", "10", "times", "cut", "a", "10", "times", "cut"]],
        ),
        ("ten times, Twenty epochs", [["10", "times", "20", "epochs"]]),
        ("lr 0.10 or 1e-4 or 0.0001, 10.0", [["lr", "0.1", "or", "0.0001", "or", "0.0001", "10"]]),
        (
            "don't, weren’t, can't, cannot",
            [["do", "not", "were", "not", "can", "not", "can", "not"]],
        ),
        (
            "optim.SGD(model.parameters(), lr=η)",
            [["optim", "sgd", "model", "parameters", "lr", "lr"]],
        ),
        ("p.requires_grad = False", [["p", "requires", "grad", "false"]]),
        (
            "First. Second! Third? Fourth; fifth",
            [["first"], ["second"], ["third"], ["fourth"], ["fifth"]],
        ),
        ("loss vs. lr, e.g. cosine", [["loss", "vs", "lr", "eg", "cosine"]]),
        ("", []),
        (" \n\t ...!? 🙂", []),
    ],
)
def test_sentences_split_and_normalise_words(text: str, expected: list[list[str]]) -> None:
    assert sentences(text) == expected


def test_only_the_first_max_answer_chars_are_read() -> None:
    text = "pizza " * (MAX_ANSWER_CHARS // 6) + "diverges"
    assert len(text) > MAX_ANSWER_CHARS
    assert not phrase_occurs("diverge", text)
    assert phrase_occurs("diverge", text[-400:])


# --- matching deck phrases -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("phrase", "answer"),
    [
        ("learning rate too high", "the learning rate is too high"),
        ("learning rate too high", "The LR is far too high."),
        ("learning rate too high", "if the learning-rate is TOO HIGH"),
        ("warm up", "a warm-up"),
        ("warm up", "a warmup phase"),
        ("warm up", "they Warm Up the rate"),
        ("warmup", "with a warm-up"),
        ("after the warm up", "after warmup"),
        ("fine tune", "when finetuning"),
        ("fine tune", "it fine-tunes the weights"),
        ("finetune", "fine-tuning it"),
        ("pre trained", "a pretrained model"),
        ("trade off", "it is a tradeoff"),
        ("blow up", "the loss blew up"),
        ("shoots up", "the loss shot up"),
        ("diverge", "divergence"),
        ("oscillate", "it keeps oscillating"),
        ("size of the step", "the size of each step"),
        ("start with a high", "start with a relatively high learning rate"),
        ("lower the learning rate", "then lower the LR"),
        ("10 times", "ten times smaller"),
        ("10 times", "10x smaller"),
        ("10 times", "a tenfold smaller rate"),
        ("10 times", "10-fold"),
        ("0.001", "1e-3"),
        ("one dimensional", "one-dimensional parameters"),
        ("one dimensional", "1-dimensional parameters"),
        ("1d", "1-d tensors"),
        ("every n epochs", "every 30 epochs"),
        ("every n epochs", "every n epochs"),
        ("not updated", "the weights aren't updated"),
        ("requires_grad", "set requires grad to false"),
        ("parameter groups", "Parameter-Groups"),
        ("loss versus", "the loss versus the rate"),
        ("adam statistics", "Adam's statistics"),
        ("larger learning rate", "a large learning rate"),
    ],
)
def test_phrase_occurs_in_realistic_wording(phrase: str, answer: str) -> None:
    assert phrase_occurs(phrase, answer)


@pytest.mark.parametrize(
    ("phrase", "answer"),
    [
        ("learning rate too high", "the learning rate is high"),
        ("learning rate too high", "too high"),
        ("learning rate too high", "too high a learning rate"),  # order matters
        ("learning rate too high", "The learning rate. Too high."),  # not across sentences
        ("learning rate too high", "the learning rate of this big model is too high"),
        ("too high", "high"),
        ("lower it", "a lower loss"),
        ("a little", "little"),
        ("every n epochs", "every epoch"),
        ("10 times", "100 times"),
        ("stable", "unstable"),
        ("warm up", "warm"),
        ("lower the learning rate", "use a low learning rate"),
    ],
)
def test_phrase_does_not_occur_in_looser_wording(phrase: str, answer: str) -> None:
    assert not phrase_occurs(phrase, answer)


def test_stop_words_drop_unless_one_word_would_be_left() -> None:
    assert compile_phrase("size of the step") == {("size", "step"), ("sizestep",)}
    assert ("lower", "it") in compile_phrase("lower it")
    assert ("a", "littl") in compile_phrase("a little")
    assert compile_phrase("of the") == frozenset()
    assert compile_phrase("...") == frozenset()


# --- ratings --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("covered", "total", "rating"),
    [
        (0, 3, Rating.AGAIN),
        (1, 3, Rating.HARD),
        (2, 3, Rating.GOOD),
        (3, 3, Rating.EASY),
        (0, 4, Rating.AGAIN),
        (1, 4, Rating.AGAIN),
        (2, 4, Rating.HARD),
        (3, 4, Rating.GOOD),
        (4, 4, Rating.EASY),
        (0, 0, Rating.AGAIN),
    ],
)
def test_rating_for_maps_the_share_covered(covered: int, total: int, rating: Rating) -> None:
    assert rating_for(covered, total) is rating


def test_grade_reports_score_total_fraction_and_rating() -> None:
    grade = Grade(covered=("a", "b"), missed=("c",))
    assert (grade.score, grade.total, grade.fraction, grade.rating) == (2, 3, 2 / 3, Rating.GOOD)
    assert Grade(covered=(), missed=()).fraction == 0.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        grade.covered = ()  # type: ignore[misc]


# --- real answers to the shipped prompts -------------------------------------------------

# Short labels for each prompt's concepts, in deck order.
CONCEPTS = {
    "b-explain-why-lr": ("step", "high", "low", "good"),
    "b-explain-strategy": ("start", "lower", "settle", "scheduler"),
    "b-explain-warmup": ("ramp", "fragile", "unstable", "after"),
    "b-explain-range-test": ("sweep", "plot", "pick", "avoid"),
    "d-explain-what": ("different", "pretrained", "new"),
    "d-explain-freeze": ("frozen", "adapt", "depends"),
    "d-explain-forgetting": ("overwrite", "smaller", "freeze"),
    "d-explain-pytorch": ("groups", "params", "lr"),
    "d-explain-named-params": ("by-name", "no-decay", "once"),
}

ANSWERS = [
    # b-explain-why-lr
    (
        "b-explain-why-lr",
        "The learning rate is the step size: the weights move by lr times the gradient. If "
        "it's too high the updates overshoot the minimum and the loss bounces around or even "
        "diverges to NaN. If it's too low training is really slow and can get stuck. A good "
        "learning rate balances both and converges fast.",
        {"step", "high", "low", "good"},
    ),
    (
        "b-explain-why-lr",
        "If the learning rate is too high, the loss oscillates and diverges.",
        {"high"},
    ),
    (
        "b-explain-why-lr",
        "It controls how big each step is. With a tiny learning rate it takes forever.",
        {"step", "low"},
    ),
    (
        "b-explain-why-lr",
        "The LR multiplies the gradient, so it decides how far each update goes. Too big -> "
        "the model overshoots and oscillation starts, loss can blow-up. Too small -> training "
        "crawls along with tiny steps and needs ten times more epochs. You need the sweet-spot.",
        {"step", "high", "low", "good"},
    ),
    (
        "b-explain-why-lr",
        "Divergence and overshooting come with an excessive rate; stalling and slowness with "
        "one that's too low.",
        {"high", "low"},
    ),
    ("b-explain-why-lr", "Good learning rates converge quickly and stably.", {"good"}),
    # b-explain-strategy
    (
        "b-explain-strategy",
        "Start with a high learning rate so you make fast progress, then lower the learning "
        "rate as training goes on so the model can settle into the minimum instead of bouncing "
        "around. In PyTorch a scheduler like StepLR or ReduceLROnPlateau does it for you.",
        {"start", "lower", "settle", "scheduler"},
    ),
    (
        "b-explain-strategy",
        "Start with a big learning rate and reduce it later.",
        {"start", "lower"},
    ),
    ("b-explain-strategy", "I'd use cosine annealing.", {"lower", "scheduler"}),
    (
        "b-explain-strategy",
        "Begin with a large LR for quick progress, then decrease it step by step; smaller steps "
        "let you fine-tune near the minimum without overshooting. "
        "torch.optim.lr_scheduler.StepLR handles it every few epochs.",
        {"start", "lower", "settle", "scheduler"},
    ),
    (
        "b-explain-strategy",
        "Start high, then anneal the LR so the weights settle into a minimum.",
        {"start", "lower", "settle"},
    ),
    ("b-explain-strategy", "Use a small learning rate and increase it slowly.", set()),
    # b-explain-warmup
    (
        "b-explain-warmup",
        "Warm-up means the learning rate starts small and ramps up linearly to its target over "
        "the first few thousand steps. At the beginning the weights are random and the "
        "gradients are large and noisy, and Adam's moment estimates are not reliable yet, so "
        "full-size steps would make training unstable or diverge. After the warmup the normal "
        "schedule, e.g. cosine decay, takes over.",
        {"ramp", "fragile", "unstable", "after"},
    ),
    (
        "b-explain-warmup",
        "You start low and increase linearly so training doesn't blow up at the start.",
        {"ramp", "unstable"},
    ),
    (
        "b-explain-warmup",
        "Warmup: gradually increase the learning rate from zero; then decay it.",
        {"ramp", "after"},
    ),
    (
        "b-explain-warmup",
        "It's a ramp-up: the LR grows linearly over the first 1000 steps, because with "
        "randomly-initialised weights Adam's second-moment estimates are unreliable and early "
        "updates can blow up. After the warm-up a cosine schedule takes over.",
        {"ramp", "fragile", "unstable", "after"},
    ),
    ("b-explain-warmup", "It is used for transformers and large batches.", set()),
    # b-explain-range-test
    (
        "b-explain-range-test",
        "You do a short run where you increase the learning rate exponentially after every "
        "batch, from very small to very large, and record the loss. Plot the loss against the "
        "learning rate on a log scale. Pick the rate where the loss drops fastest, about 10x "
        "below the point where it blows up, and avoid the region where the loss shoots up.",
        {"sweep", "plot", "pick", "avoid"},
    ),
    (
        "b-explain-range-test",
        "Increase the LR each batch and plot loss vs. LR on a logarithmic x axis.",
        {"sweep", "plot"},
    ),
    (
        "b-explain-range-test",
        "Train for a few hundred iterations while raising the learning rate each iteration. "
        "Pick a learning rate ten times smaller than where the loss is lowest, before it starts "
        "to rise.",
        {"sweep", "pick", "avoid"},
    ),
    ("b-explain-range-test", "Choose the steepest part of the curve.", {"pick"}),
    (
        "b-explain-range-test",
        "Take a tenfold smaller rate than the one where the loss explodes.",
        {"pick", "avoid"},
    ),
    # d-explain-what
    (
        "d-explain-what",
        "A learning-rate differential means different layers get different learning rates. "
        "Pretrained layers already learned useful features, so they get a smaller learning "
        "rate to preserve them, while the new head is randomly initialised and needs a larger "
        "learning rate to learn faster.",
        {"different", "pretrained", "new"},
    ),
    (
        "d-explain-what",
        "You use a lower learning rate for the pre-trained backbone so it doesn't forget what "
        "it knows.",
        {"pretrained"},
    ),
    ("d-explain-what", "Each layer has its own learning rate.", {"different"}),
    (
        "d-explain-what",
        "The new head starts from scratch so it gets a higher learning rate.",
        {"new"},
    ),
    (
        "d-explain-what",
        "Layer-wise (discriminative) LRs: the pretrained body keeps what it already learned "
        "with a smaller lr, the randomly initialized head learns faster with a larger one.",
        {"different", "pretrained", "new"},
    ),
    # d-explain-freeze
    (
        "d-explain-freeze",
        "Freezing sets requires_grad = False so the body's weights are never updated, which "
        "saves memory and compute. A small learning rate still lets the pretrained features "
        "adapt a little. With little data or a similar task, freeze; with a large dataset or a "
        "different task use a small rate.",
        {"frozen", "adapt", "depends"},
    ),
    (
        "d-explain-freeze",
        "Freezing means the weights aren't updated at all. A small learning rate lets them "
        "change slowly.",
        {"frozen", "adapt"},
    ),
    (
        "d-explain-freeze",
        "With a small dataset I'd freeze; otherwise tweak it with a small LR.",
        {"adapt", "depends"},
    ),
    # d-explain-forgetting
    (
        "d-explain-forgetting",
        "Catastrophic forgetting is when fine-tuning on a new task overwrites what the network "
        "learned before, so it loses what made it good on the original task. Using a smaller "
        "learning rate for the pretrained layers, a discriminative per-layer rate, limits the "
        "damage. You can also freeze the body, train the head first, and unfreeze gradually.",
        {"overwrite", "smaller", "freeze"},
    ),
    (
        "d-explain-forgetting",
        "Big updates wipe out the old knowledge. Use a low learning rate.",
        {"overwrite", "smaller"},
    ),
    (
        "d-explain-forgetting",
        "The model forgets the previous task. Freeze the backbone.",
        {"overwrite", "freeze"},
    ),
    (
        "d-explain-forgetting",
        "Use layer-wise learning rates and gradual unfreezing.",
        {"smaller", "freeze"},
    ),
    ("d-explain-forgetting", "Fine-tuning overwrote the weights.", {"overwrite"}),
    # d-explain-pytorch
    (
        "d-explain-pytorch",
        'optimizer = torch.optim.SGD([{"params": model.base.parameters()}, {"params": '
        'model.classifier.parameters(), "lr": 1e-3}], lr=1e-2, momentum=0.9). Each dict is '
        "one group; a group without its own lr uses the default given after the list.",
        {"groups", "params", "lr"},
    ),
    (
        "d-explain-pytorch",
        "Pass param groups instead of model.parameters(), each with its own learning rate.",
        {"groups", "lr"},
    ),
    (
        "d-explain-pytorch",
        "You give the optimizer a list of dicts, one per part of the model.",
        {"groups"},
    ),
    (
        "d-explain-pytorch",
        "Use a smaller learning rate for early layers and a bigger one for the head.",
        set(),
    ),
    # d-explain-named-params
    (
        "d-explain-named-params",
        "Go through model.named_parameters(); if the name starts with 'fc.' put it in the "
        "head group with lr 1e-2, else the body. Parameters with ndim 1 (biases, norm "
        "weights) go to a group with weight_decay 0. Each parameter must be in exactly one "
        "group.",
        {"by-name", "no-decay", "once"},
    ),
    (
        "d-explain-named-params",
        "Check the name: anything with the head prefix gets the higher rate.",
        {"by-name"},
    ),
    (
        "d-explain-named-params",
        "Biases and LayerNorm weights get zero weight decay.",
        {"no-decay"},
    ),
    (
        "d-explain-named-params",
        "Make one group for the head and one for the rest, with a bigger rate on the head.",
        set(),
    ),
]

OFF_TOPIC = [
    "I like pizza",
    "What's the weather like in Paris tomorrow?",
    "lol",
    ("I like pizza. " * 293)[:4096],
]
EMPTY = ["", "   \n\t  ", "...!?", "🙂🙂🙂", "\u200b\ufeff"]


def _prompt(library: Library, prompt_id: str) -> ExplainPrompt:
    item = library.item(prompt_id)
    assert isinstance(item, ExplainPrompt)
    assert len(item.concepts) == len(CONCEPTS[prompt_id]), "the deck's concepts changed"
    return item


def _explain_prompts(library: Library) -> list[ExplainPrompt]:
    prompts = [p for p in library.items_of_kind(ItemKind.EXPLAIN) if isinstance(p, ExplainPrompt)]
    assert prompts
    return prompts


@pytest.mark.parametrize(("prompt_id", "answer", "expected"), ANSWERS)
def test_real_answers_cover_exactly_the_expected_concepts(
    library: Library, prompt_id: str, answer: str, expected: set[str]
) -> None:
    prompt = _prompt(library, prompt_id)
    labels = CONCEPTS[prompt_id]
    grade = grade_explanation(prompt, answer, library.lexicon)
    covered = {labels[i] for i, c in enumerate(prompt.concepts) if c.name in grade.covered}
    assert covered == expected
    assert grade.covered == tuple(c.name for c in prompt.concepts if c.name in grade.covered)
    assert set(grade.covered) | set(grade.missed) == {c.name for c in prompt.concepts}
    assert f"{grade.score}/{grade.total}" == f"{len(expected)}/{len(labels)}"
    assert grade.rating is rating_for(len(expected), len(labels))
    assert not grade.empty
    assert not grade.off_topic


def test_a_strong_answer_padded_to_4096_characters_keeps_its_grade(library: Library) -> None:
    prompt_id, answer, expected = ANSWERS[0]
    padded = (answer + " " + "And that is all I can say about it. " * 200)[:4096]
    grade = grade_explanation(_prompt(library, prompt_id), padded, library.lexicon)
    assert len(padded) == 4096
    assert grade.score == len(expected) == grade.total
    assert grade.rating is Rating.EASY


def test_every_model_answer_covers_every_concept(library: Library) -> None:
    for prompt in _explain_prompts(library):
        grade = grade_explanation(prompt, prompt.model_answer, library.lexicon)
        assert grade.missed == (), prompt.id


@pytest.mark.parametrize("answer", OFF_TOPIC)
def test_off_topic_answers_get_zero_and_the_flag(library: Library, answer: str) -> None:
    for prompt in _explain_prompts(library):
        grade = grade_explanation(prompt, answer, library.lexicon)
        assert (grade.score, grade.off_topic, grade.empty) == (0, True, False), prompt.id
        assert grade.rating is Rating.AGAIN


@pytest.mark.parametrize("answer", EMPTY)
def test_empty_answers_get_zero_and_the_flag(library: Library, answer: str) -> None:
    for prompt in _explain_prompts(library):
        grade = grade_explanation(prompt, answer, library.lexicon)
        assert (grade.score, grade.empty, grade.off_topic) == (0, True, False), prompt.id
        assert grade.missed == tuple(c.name for c in prompt.concepts)


@pytest.mark.parametrize(
    "answer",
    [
        "a" * 4096,
        "y" * 4096,
        "the " * 1024,
        "1e-4 " * 819,
        "-" * 4096,
        "learning rate " * 10_000,
        "\x00" * 4096,
    ],
)
def test_huge_or_odd_answers_never_raise(library: Library, answer: str) -> None:
    for prompt in _explain_prompts(library):
        grade = grade_explanation(prompt, answer, library.lexicon)
        assert grade.total == len(prompt.concepts)


@pytest.mark.parametrize(
    "word",
    [
        "learning",
        "rate",
        "model",
        "training",
        "step",
        "loss",
        "gradient",
        "weights",
        "the",
        "high",
        "small",
        "too",
        "not",
        "data",
        "layer",
        "update",
    ],
)
def test_a_single_common_word_covers_nothing(library: Library, word: str) -> None:
    for prompt in _explain_prompts(library):
        assert grade_explanation(prompt, word, library.lexicon).covered == (), prompt.id


def test_repeating_the_question_covers_nothing(library: Library) -> None:
    for prompt in _explain_prompts(library):
        assert grade_explanation(prompt, prompt.prompt, library.lexicon).covered == (), prompt.id
        assert grade_explanation(prompt, prompt.hint, library.lexicon).covered == (), prompt.id


# --- meaning: negation, relations, the lexicon, lists ---------------------------------------


@pytest.mark.parametrize(
    ("phrase", "answer"),
    [
        ("overshoot", "it does not overshoot"),
        ("overshoot", "it doesn't overshoot, stall or converge"),
        ("converge", "it has nothing to do with overshooting, stalling or convergence"),
        ("converge", "it never converges"),
        ("decay", "train without decay"),
        ("cosine", "use a step schedule rather than cosine"),
        ("cosine", "use a step schedule instead of cosine"),
        ("freeze", "freezing does not help here"),
        ("weight decay", "biases get no weight decay"),
    ],
)
def test_a_phrase_in_a_negated_clause_does_not_count(phrase: str, answer: str) -> None:
    assert not phrase_occurs(phrase, answer)


@pytest.mark.parametrize(
    ("phrase", "answer"),
    [
        ("diverge", "it does not converge, it diverges"),
        ("diverge", "It is not stable. It diverges."),
        ("diverge", "not only slow, it diverges"),
        ("not updated", "the weights are not updated"),
        ("adapt", "freezing does not change the weights, but a small rate lets them adapt"),
        ("slow", "it does not diverge if the rate is low, it is just slow"),
    ],
)
def test_negation_ends_with_its_clause(phrase: str, answer: str) -> None:
    assert phrase_occurs(phrase, answer)


def test_the_lexicon_lets_synonyms_match() -> None:
    lexicon = Lexicon.of([["random", "untrained"], ["freeze", "lock"]])
    assert phrase_occurs("random weights", "the untrained weights", lexicon)
    assert phrase_occurs("freeze the backbone", "lock the backbone", lexicon)
    assert not phrase_occurs("random weights", "the untrained weights")
    assert not phrase_occurs("random weights", "the untrained weights are not", Lexicon())


def test_the_shipped_lexicon_loads(library: Library) -> None:
    lexicon = library.lexicon
    assert len(lexicon.groups) >= 10
    assert phrase_occurs("random weights", "arbitrary weights", lexicon)
    assert phrase_occurs("lower the learning rate", "halve the learning rate", lexicon)


def test_a_bare_list_is_capped_at_hard_and_prose_is_not(library: Library) -> None:
    prompt = _prompt(library, "d-explain-forgetting")
    listed = grade_explanation(prompt, "overwrite, small learning rate, freeze", library.lexicon)
    assert (listed.score, listed.list_only, listed.rating) == (3, True, Rating.HARD)
    assert listed.note == LIST_NOTE
    prose = grade_explanation(
        prompt,
        "Big updates overwrite old knowledge, so use a small learning rate or freeze.",
        library.lexicon,
    )
    assert (prose.score, prose.list_only, prose.note, prose.rating) == (
        3,
        False,
        None,
        Rating.EASY,
    )


def test_an_echo_of_the_prompt_is_again(library: Library) -> None:
    for prompt in _explain_prompts(library):
        grade = grade_explanation(prompt, prompt.prompt, library.lexicon)
        assert grade.echo, prompt.id
        assert grade.rating is Rating.AGAIN


def test_a_misconception_keeps_a_full_answer_at_again(library: Library) -> None:
    prompt = library.item("b-explain-adam")
    assert isinstance(prompt, ExplainPrompt)
    grade = grade_explanation(
        prompt,
        prompt.model_answer + " So with Adam the learning rate does not matter.",
        library.lexicon,
    )
    assert grade.missed == ()
    assert [c.name for c in grade.cautions] == ["Adam needs no learning rate, it picks its own"]
    assert grade.rating is Rating.AGAIN


def test_no_model_answer_shows_a_misconception(library: Library) -> None:
    for prompt in _explain_prompts(library):
        assert grade_explanation(prompt, prompt.model_answer, library.lexicon).cautions == (), (
            prompt.id
        )
