"""/predict: guess what the loss of a described run will do, then see the run and the verdict."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

from bot.callbacks import PredictLoss
from bot.format import CAPTION_LIMIT, fit
from bot.services import ButtonHandler, edit_message, services
from bot.views import note_warm_up
from tutor.demo import DemoError
from tutor.demo.outcomes import (
    FAST_BELOW,
    OSCILLATING_SPIKES,
    SLOW_ABOVE,
    LossOutcome,
    RunSummary,
)
from tutor.demo.results import DIVERGENCE_FACTOR, SPIKE_FACTOR
from tutor.demo.specs import LrSpec
from tutor.services import predict, study

SPEC = LrSpec()
QUESTION = (
    "<b>Predict the loss</b>\n\n"
    "A small network (tanh, two hidden layers of {hidden}) fits a noisy wave, "
    "y = sin(2x) + x/2 on {samples} points, with plain full-batch SGD at "
    "<b>lr = {rate:g}</b> for {steps} steps (data seed {seed}). The loss starts near 1; "
    "the noise in the data keeps it above about 0.01.\n\n"
    "What will the training loss do in those {steps} steps?\n"
    "• <b>Converge fast</b>: it ends below {fast:g}.\n"
    "• <b>Converge slowly</b>: it keeps falling but ends above {slow:g}.\n"
    "• <b>Oscillate</b>: it jumps above {spike:g}× its lowest so far, {spikes} times or more.\n"
    "• <b>Diverge</b>: it grows past {diverge:g}× where it started."
)
ANSWERED = "{question}\n\nYour prediction: <b>{chosen}</b>. Training it now…"
LABELS = {
    LossOutcome.FAST: "Converge fast",
    LossOutcome.SLOW: "Converge slowly",
    LossOutcome.OSCILLATE: "Oscillate",
    LossOutcome.DIVERGE: "Diverge",
}
RIGHT = "✅ Right: it {outcome}."
WRONG = "❌ Not quite: you said it {chosen}, and it {outcome}."
UNCLEAR = "This run landed between two outcomes, so it counts either way."
# The reference drawn beside the answer.
REFERENCE = "The other line is lr = {rate:g} on the same data: it reached {final:.3g}{fast}."
FAST = ", fast"
WHAT_HAPPENED = {
    LossOutcome.FAST: "The loss fell from {initial:.3g} to {final:.3g} in {steps} steps, near "
    "the noise floor (about 0.01).",
    LossOutcome.SLOW: "After {steps} steps the loss was still {final:.3g} (from {initial:.3g}): "
    "the steps are too small to get far.",
    LossOutcome.OSCILLATE: "The loss jumped above twice its best {spikes} times on the way and "
    "ended at {final:.3g}: the steps overshoot the valley.",
    LossOutcome.DIVERGE: "The loss went from {initial:.3g} to {final:.3g} and diverged at step "
    "{diverged_at}: every step lands further away.",
}
NO_DEMOS = "Predictions need the demo trainer, which is not available on this server."
NO_SETUP = "I could not find a clear setup this time. Send /predict again."
ALREADY = "You already answered this prediction. Send /predict for a new one."
GONE = "This question is no longer available."


def render_question(setup: predict.Setup) -> str:
    return QUESTION.format(
        hidden=SPEC.task.hidden[0],
        samples=SPEC.task.samples,
        rate=setup.rate,
        steps=SPEC.steps,
        seed=setup.seed,
        fast=FAST_BELOW,
        slow=SLOW_ABOVE,
        spike=SPIKE_FACTOR,
        spikes=OSCILLATING_SPIKES,
        diverge=DIVERGENCE_FACTOR,
    )


def render_verdict(verdict: predict.Verdict, answer: predict.Answer | None = None) -> str:
    """Right or wrong, what the run did in numbers, and the reference drawn beside it
    (fits a photo caption)."""
    run: RunSummary = verdict.run
    chosen = verdict.chosen.value
    if run.outcome is None:
        head = UNCLEAR
    elif verdict.correct:
        head = RIGHT.format(outcome=run.outcome.value)
    else:
        head = WRONG.format(chosen=chosen, outcome=run.outcome.value)
    numbers = ""
    if run.outcome is not None:
        numbers = WHAT_HAPPENED[run.outcome].format(
            initial=run.initial_loss,
            final=run.final_loss,
            steps=run.steps,
            spikes=run.spikes,
            diverged_at=run.diverged_at,
        )
    if answer is not None and answer.reference is not None:
        numbers += "\n" + REFERENCE.format(
            rate=answer.reference_rate,
            final=answer.reference.final_loss,
            fast=FAST if answer.reference.outcome is predict.REFERENCE else "",
        )
    return fit(f"{head}\n{numbers}".strip(), CAPTION_LIMIT, is_html=False)


async def predict_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Describe a training setup with a clear outcome and ask what its loss will do."""
    user, message = update.effective_user, update.effective_message
    assert user is not None and message is not None
    shared = services(context)
    if shared.demos is None:
        await message.reply_text(NO_DEMOS)
        return
    version = await shared.database.run(
        predict.ask, learner_id=user.id, first_name=user.first_name, now=shared.clock()
    )
    seed = predict.draw_seed(shared.rng)
    await note_warm_up(message, shared.demos)
    try:
        table = await shared.demos.run(predict.table_request(seed), requester_id=user.id)
    except DemoError as exc:
        await message.reply_text(str(exc))
        return
    setups = predict.clear_setups(seed, table.runs)
    if not setups:
        await message.reply_text(NO_SETUP)
        return
    setup = shared.rng.choice(setups)
    buttons = [
        InlineKeyboardButton(
            LABELS[outcome],
            callback_data=shared.codec.pack(
                PredictLoss(
                    seed=setup.seed, rate_index=setup.rate_index, choice=k, version=version
                ),
                owner_id=user.id,
            ),
        )
        for k, outcome in enumerate(predict.CHOICES)
    ]
    markup = InlineKeyboardMarkup([buttons[:2], buttons[2:]])
    await message.reply_text(
        render_question(setup), parse_mode=ParseMode.HTML, reply_markup=markup
    )


async def on_predict(
    update: Update, context: ContextTypes.DEFAULT_TYPE, payload: PredictLoss
) -> None:
    """A prediction pressed: record it as a review of /predict's item (graded by the run
    that showed the setup is clear), then train the setup and reply with the plot and the
    verdict. A second press on the question records nothing and trains nothing."""
    query = update.callback_query
    assert query is not None
    shared = services(context)
    if not (
        0 <= payload.rate_index < len(predict.GRID)
        and 0 <= payload.choice < len(predict.CHOICES)
        and 0 <= payload.seed < predict.SEEDS
    ):
        await query.answer(GONE)
        return
    if shared.demos is None:
        await query.answer(NO_DEMOS)
        return
    if not isinstance(query.message, Message):
        await query.answer(GONE)
        return
    user = query.from_user
    setup = predict.Setup(payload.seed, payload.rate_index)
    chosen = predict.CHOICES[payload.choice]
    try:
        # The seed's batched run: what /predict ran to ask, so usually from the cache.
        table = await shared.demos.run(predict.table_request(setup.seed), requester_id=user.id)
    except DemoError as exc:
        await query.answer(str(exc))
        return
    key = predict.key_of(setup, table.runs)
    if key.outcome is None:
        await query.answer(GONE)
        return
    outcome = await shared.database.run(
        predict.record_prediction,
        library=shared.library,
        learner_id=user.id,
        first_name=user.first_name,
        version=payload.version,
        correct=key.outcome is chosen,
        now=shared.clock(),
    )
    if outcome is study.Outcome.ALREADY_RATED:
        await query.answer(ALREADY)
        return
    await query.answer()
    # The buttons go, so the question shows it was answered.
    await edit_message(
        query.message,
        ANSWERED.format(question=render_question(setup), chosen=LABELS[chosen]),
        None,
    )
    answer = predict.answer_of(setup, table.runs)
    try:
        result = await shared.demos.run(answer.request, requester_id=query.from_user.id)
    except DemoError as exc:
        await query.message.chat.send_message(str(exc))
        return
    verdict = predict.Verdict(chosen=chosen, run=predict.shown_run(key, answer.asked(result.runs)))
    await query.message.reply_photo(result.png, caption=render_verdict(verdict, answer))


BUTTONS: dict[type, ButtonHandler] = {PredictLoss: on_predict}
