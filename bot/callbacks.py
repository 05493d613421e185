"""The callback-data codec: compact, versioned, signed button payloads bound to one user.

Any client can send any 64 bytes as callback data, so every payload carries its owner's
id and a truncated HMAC over both; a forged, altered or foreign press is refused before
any handler sees it. Layout (ASCII, at most 64 bytes)::

    <version><action>:<field>:<field>...:<owner base36>:<signature>
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass, fields
from typing import ClassVar

from tutor.domain.content import ID_PATTERN

CODEC_VERSION = "1"
CALLBACK_DATA_MAX_BYTES = 64  # Telegram's limit
SIGNATURE_CHARS = 8  # 48 bits of HMAC: forging one by chance takes ~2^47 tries
_ITEM_RE = re.compile(ID_PATTERN)
_INT_RE = re.compile(r"^[0-9a-z]{1,12}$")


class CallbackDataError(Exception):
    """Button data that cannot be honoured; ``notice`` is what the presser is told."""

    notice = "This button is not valid."


class MalformedData(CallbackDataError):
    """Not data this bot wrote (wrong shape, unknown action, bad field)."""


class ForgedData(CallbackDataError):
    """Well-formed, but the signature does not match."""


class NotYourButton(CallbackDataError):
    """A valid button, pressed by someone other than the user it was made for."""

    notice = "This button belongs to someone else."


@dataclass(frozen=True)
class Payload:
    """Base of every button payload; subclasses declare ``action`` and typed fields."""

    action: ClassVar[str]


@dataclass(frozen=True)
class StartReview(Payload):
    """Start (or continue) a review session."""

    action: ClassVar[str] = "s"


@dataclass(frozen=True)
class Reveal(Payload):
    """Show the back of a card drawn at ``version`` (its review count) at ``shown_at``."""

    action: ClassVar[str] = "v"
    item_id: str
    version: int
    shown_at: int


@dataclass(frozen=True)
class ReadMore(Reveal):
    """Show the whole back of a revealed card (its first sentences were shown): the same
    card, drawn at the same version and time, as its Reveal."""

    action: ClassVar[str] = "b"


@dataclass(frozen=True)
class Rate(Payload):
    """Rate a revealed card."""

    action: ClassVar[str] = "r"
    item_id: str
    version: int
    shown_at: int
    rating: int


@dataclass(frozen=True)
class StartQuiz(Payload):
    """Start a new quiz round."""

    action: ClassVar[str] = "q"


@dataclass(frozen=True)
class AnswerQuiz(Payload):
    """Pick option ``chosen`` (the deck's index) for question ``index`` of a round."""

    action: ClassVar[str] = "a"
    round_id: int
    index: int
    chosen: int
    shown_at: int


@dataclass(frozen=True)
class StartExplain(Payload):
    """Ask for another explain prompt."""

    action: ClassVar[str] = "e"


@dataclass(frozen=True)
class ChangeRating(Payload):
    """Change the rating of explain review ``review_id`` (its log id) to ``rating``."""

    action: ClassVar[str] = "w"
    review_id: int
    rating: int


@dataclass(frozen=True)
class ToggleDeck(Payload):
    """Switch a deck on or off."""

    action: ClassVar[str] = "d"
    deck_id: str


@dataclass(frozen=True)
class OpenSettings(Payload):
    """Show a page of the settings menu ("main" or one setting's choices)."""

    action: ClassVar[str] = "m"
    page: str


@dataclass(frozen=True)
class ChangeSetting(Payload):
    """Set one setting to a value; values are small integers (see bot.handlers.settings)."""

    action: ClassVar[str] = "o"
    name: str
    value: int


@dataclass(frozen=True)
class ConfirmForget(Payload):
    """Yes, delete everything about me (a button made at ``shown_at``, which expires)."""

    action: ClassVar[str] = "f"
    shown_at: int


@dataclass(frozen=True)
class CancelForget(Payload):
    """No, keep my progress."""

    action: ClassVar[str] = "k"


@dataclass(frozen=True)
class RunDemo(Payload):
    """Run one of the demos with its default settings."""

    action: ClassVar[str] = "u"
    name: str


@dataclass(frozen=True)
class PredictLoss(Payload):
    """Predict outcome ``choice`` for the /predict setup of ``seed`` and ``rate_index``,
    asked when the learner's /predict item had ``version`` reviews."""

    action: ClassVar[str] = "p"
    seed: int
    rate_index: int
    choice: int
    version: int = 0


# --- own decks (issue 16); upper-case actions, so other features' letters stay free -------
@dataclass(frozen=True)
class OpenDecks(Payload):
    """Back to the /decks list."""

    action: ClassVar[str] = "L"


@dataclass(frozen=True)
class OpenDeck(Payload):
    """The page of own deck ``deck`` (its row id): counts, share link, what to do with it."""

    action: ClassVar[str] = "D"
    deck: int


@dataclass(frozen=True)
class RenameDeck(Payload):
    """Rename own deck ``deck``: the next text message is its new name."""

    action: ClassVar[str] = "N"
    deck: int


@dataclass(frozen=True)
class ReplaceDeck(Payload):
    """Replace own deck ``deck``: the next file sent replaces its items."""

    action: ClassVar[str] = "P"
    deck: int


@dataclass(frozen=True)
class DeleteDeck(Payload):
    """Ask to delete own deck ``deck``."""

    action: ClassVar[str] = "X"
    deck: int


@dataclass(frozen=True)
class ConfirmDelete(Payload):
    """Yes, delete own deck ``deck`` (a button made at ``shown_at``, which expires)."""

    action: ClassVar[str] = "Y"
    deck: int
    shown_at: int


@dataclass(frozen=True)
class RemoveDeck(Payload):
    """Take deck ``deck``, shared by someone else, out of my decks."""

    action: ClassVar[str] = "M"
    deck: int


@dataclass(frozen=True)
class ConfirmReplace(Payload):
    """Replace own deck ``deck`` with the file sent for its name (waiting in the store)."""

    action: ClassVar[str] = "R"
    deck: int


@dataclass(frozen=True)
class CancelDeckAction(Payload):
    """Drop the pending rename, replace or file (keep the deck as it is)."""

    action: ClassVar[str] = "C"


@dataclass(frozen=True)
class StudyDeck(Payload):
    """Study now: the learner's reviews come from own deck ``deck``, starting at once."""

    action: ClassVar[str] = "S"
    deck: int


@dataclass(frozen=True)
class GroupDeck(Payload):
    """Switch deck ``deck_id`` on or off for the group's quizzes (the message's chat)."""

    action: ClassVar[str] = "G"
    deck_id: str


@dataclass(frozen=True)
class HomeworkFrom(Payload):
    """An admin's new homework: its items come from ``source`` (a deck id, "all" or "weak")."""

    action: ClassVar[str] = "h"
    source: str


@dataclass(frozen=True)
class HomeworkCount(HomeworkFrom):
    """... ``count`` of them."""

    action: ClassVar[str] = "c"
    count: int


@dataclass(frozen=True)
class HomeworkDays(HomeworkCount):
    """... due ``days`` from today."""

    action: ClassVar[str] = "y"
    days: int


@dataclass(frozen=True)
class HomeworkDue(HomeworkDays):
    """... at the ``clock``-th of the due times (tutor.domain.homework.DUE_TIMES): assign it."""

    action: ClassVar[str] = "z"
    clock: int


@dataclass(frozen=True)
class HomeworkGo(Payload):
    """Start or go on with homework ``homework``: its next item."""

    action: ClassVar[str] = "t"
    homework: int


@dataclass(frozen=True)
class HomeworkReveal(Payload):
    """Show the back of the card at ``position`` of a homework, shown at ``shown_at``."""

    action: ClassVar[str] = "x"
    homework: int
    position: int
    shown_at: int


@dataclass(frozen=True)
class HomeworkRate(HomeworkReveal):
    """Rate that card ``rating``."""

    action: ClassVar[str] = "n"
    rating: int


@dataclass(frozen=True)
class HomeworkChoose(Payload):
    """Choose option ``option`` (in the question's own order) of the question at
    ``position`` of a homework, shown at ``shown_at``."""

    action: ClassVar[str] = "i"
    homework: int
    position: int
    shown_at: int
    option: int


PAYLOADS: dict[str, type[Payload]] = {
    cls.action: cls
    for cls in (
        StartReview,
        Reveal,
        ReadMore,
        Rate,
        StartQuiz,
        AnswerQuiz,
        StartExplain,
        ChangeRating,
        ToggleDeck,
        OpenSettings,
        ChangeSetting,
        ConfirmForget,
        CancelForget,
        RunDemo,
        PredictLoss,
        OpenDecks,
        OpenDeck,
        RenameDeck,
        ReplaceDeck,
        DeleteDeck,
        ConfirmDelete,
        RemoveDeck,
        ConfirmReplace,
        CancelDeckAction,
        StudyDeck,
        GroupDeck,
        HomeworkFrom,
        HomeworkCount,
        HomeworkDays,
        HomeworkDue,
        HomeworkGo,
        HomeworkReveal,
        HomeworkRate,
        HomeworkChoose,
    )
}


def _b36(number: int) -> str:
    if number < 0:
        raise ValueError("only non-negative integers are encoded")
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if number == 0:
            return out


class CallbackCodec:
    """Packs payloads into callback data and back, signing them with a server secret."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def _sign(self, body: str) -> str:
        digest = hmac.new(self._secret, body.encode("ascii"), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode("ascii")[:SIGNATURE_CHARS]

    def pack(self, payload: Payload, *, owner_id: int) -> str:
        """Encode ``payload`` for a button only ``owner_id`` may press."""
        parts = [CODEC_VERSION + payload.action]
        for spec in fields(payload):
            value = getattr(payload, spec.name)
            parts.append(_b36(value) if isinstance(value, int) else str(value))
        # Telegram user ids are positive; group chats never own a button.
        parts.append(_b36(owner_id))
        body = ":".join(parts)
        data = f"{body}:{self._sign(body)}"
        if len(data.encode("utf-8")) > CALLBACK_DATA_MAX_BYTES:
            raise ValueError(f"callback data too long ({len(data)} bytes): {payload!r}")
        return data

    def unpack(self, data: str | None, *, presser_id: int) -> Payload:
        """Decode and check button data pressed by ``presser_id``.

        Raises:
            MalformedData: the data is not of this bot's making.
            ForgedData: the signature does not match.
            NotYourButton: the button was made for another user.
        """
        if not data or len(data) > CALLBACK_DATA_MAX_BYTES or not data.isascii():
            raise MalformedData(data)
        body, _, signature = data.rpartition(":")
        parts = body.split(":")
        head = parts[0]
        if len(head) != 2 or head[0] != CODEC_VERSION or head[1] not in PAYLOADS:
            raise MalformedData(data)
        cls = PAYLOADS[head[1]]
        specs = fields(cls)
        if len(parts) != len(specs) + 2 or not _INT_RE.match(parts[-1]):
            raise MalformedData(data)
        values: dict[str, object] = {}
        for spec, raw in zip(specs, parts[1:-1], strict=True):
            if spec.type in ("int", int):
                if not _INT_RE.match(raw):
                    raise MalformedData(data)
                values[spec.name] = int(raw, 36)
            else:
                if not _ITEM_RE.match(raw):
                    raise MalformedData(data)
                values[spec.name] = raw
        if not hmac.compare_digest(signature, self._sign(body)):
            raise ForgedData(data)
        if int(parts[-1], 36) != presser_id:
            raise NotYourButton(data)
        return cls(**values)
