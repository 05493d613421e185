"""The callback-data codec: round trips, the 64-byte limit, and every kind of bad data."""

import pytest

from bot.callbacks import (
    CALLBACK_DATA_MAX_BYTES,
    PAYLOADS,
    AnswerQuiz,
    CallbackCodec,
    ChangeRating,
    ChangeSetting,
    ForgedData,
    MalformedData,
    NotYourButton,
    Payload,
    Rate,
    Reveal,
    StartReview,
    ToggleDeck,
)

CODEC = CallbackCodec(b"k" * 32)
OWNER = 7_123_456_789  # a ten-digit user id, the longest Telegram hands out today
LONGEST_ID = "x" * 24


@pytest.mark.parametrize(
    "payload",
    [
        StartReview(),
        Reveal(item_id="b-too-high", version=0, shown_at=1_790_000_000),
        Rate(item_id=LONGEST_ID, version=999, shown_at=4_000_000_000, rating=4),
        AnswerQuiz(round_id=2**40, index=19, chosen=3, shown_at=4_000_000_000),
        ToggleDeck(deck_id=LONGEST_ID),
        ChangeSetting(name="retention", value=97),
        ChangeRating(review_id=2**62, rating=4),
    ],
)
def test_round_trip_within_telegram_limit(payload: object) -> None:
    data = CODEC.pack(payload, owner_id=OWNER)
    assert len(data.encode()) <= CALLBACK_DATA_MAX_BYTES
    assert CODEC.unpack(data, presser_id=OWNER) == payload


def test_another_users_press_is_refused() -> None:
    data = CODEC.pack(StartReview(), owner_id=OWNER)
    with pytest.raises(NotYourButton):
        CODEC.unpack(data, presser_id=OWNER + 1)


def test_altered_field_breaks_the_signature() -> None:
    data = CODEC.pack(Rate(item_id="b-lr", version=3, shown_at=100, rating=1), owner_id=OWNER)
    head, item, version, shown, _rating, owner, signature = data.split(":")
    forged = ":".join([head, item, version, shown, "4", owner, signature])
    with pytest.raises(ForgedData):
        CODEC.unpack(forged, presser_id=OWNER)


def test_other_secret_is_forged() -> None:
    data = CallbackCodec(b"other").pack(StartReview(), owner_id=OWNER)
    with pytest.raises(ForgedData):
        CODEC.unpack(data, presser_id=OWNER)


@pytest.mark.parametrize(
    "data",
    [
        None,
        "",
        "hello",
        "x" * 65,
        "2s:abc:12345678",  # a future codec version
        "1z:abc:12345678",  # an unknown action
        "1v:b-lr:0:abc12345",  # too few fields
        "1v:B_LR!:0:1:abc:12345678",  # a field that is not an id
        "1s:ünï:12345678",
        "1v:b-lr:-1:1:abc:12345678",
    ],
)
def test_malformed_data_is_refused(data: str | None) -> None:
    with pytest.raises(MalformedData):
        CODEC.unpack(data, presser_id=OWNER)


def test_pack_refuses_what_telegram_would() -> None:
    with pytest.raises(ValueError):
        CODEC.pack(Rate(item_id="x" * 60, version=1, shown_at=1, rating=1), owner_id=OWNER)


def _descendants(cls: type) -> list[type]:
    return [c for sub in cls.__subclasses__() for c in (sub, *_descendants(sub))]


def test_every_payload_has_its_own_action() -> None:
    # Read more carries what Reveal does: a subclass, with an action of its own.
    assert sorted(PAYLOADS.values(), key=str) == sorted(_descendants(Payload), key=str)
