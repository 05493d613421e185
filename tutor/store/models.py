"""The store's tables (SQLModel) and the UTC timestamp type they share."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    LargeBinary,
    String,
    text,
)
from sqlmodel import Field, SQLModel

from tutor.store.columns import MemoryColumns, UTCDateTime

NAME_LENGTH = 128
"""The longest first name a table keeps (Telegram's are at most 64 characters)."""


def stored_name(name: str) -> str:
    """``name`` as the ``first_name`` columns keep it: cut to ``NAME_LENGTH``."""
    return name[:NAME_LENGTH]


def _learner_fk() -> Any:
    return Column(BigInteger, ForeignKey("learner.id", ondelete="CASCADE"), nullable=False)


class Learner(SQLModel, table=True):
    """A Telegram user who studies with the bot, with their settings."""

    id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    first_name: str = Field(default="", max_length=NAME_LENGTH)
    timezone: str | None = Field(default=None, max_length=64)
    new_per_day: int = 10
    reminder_time: str = Field(default="09:00", max_length=5)
    reminders_on: bool = True
    desired_retention: float = 0.9
    # None means every deck is on; otherwise the ids of the decks switched on.
    decks: list[str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    active: bool = True
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    # The daily reminder's schedule, kept here so a restart loses nothing: the UTC instant
    # of the next reminder (None when off), and the local date of the last one claimed.
    next_reminder_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime, nullable=True, index=True)
    )
    last_reminded_on: date | None = None
    # The FSRS parameters this learner is scheduled with: None for FSRS's defaults, else
    # the 21 fitted to their own reviews (tutor.domain.memorymodel), adopted by MemoryFit.
    fsrs_parameters: list[float] | None = Field(
        default=None, sa_column=Column(JSON, nullable=True)
    )


class FitRecord(SQLModel):
    """What a memory-model fit records (tutor.domain.memorymodel.Fit), adopted or not: when, on
    how many reviews and held-out reviews, the log loss of the parameters in use and of
    the fit on those held-out reviews, and the fitted parameters."""

    fitted_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    reviews: int
    held_out: int
    current_loss: float
    fitted_loss: float
    parameters: list[float] = Field(sa_type=JSON, nullable=False)
    adopted: bool


class MemoryFit(FitRecord, table=True):
    """The latest fit of a learner's memory model."""

    learner_id: int = Field(
        sa_column=Column(
            BigInteger, ForeignKey("learner.id", ondelete="CASCADE"), primary_key=True
        )
    )
    # The learner went back to FSRS's defaults: no fit is adopted for them until they ask.
    declined: bool = False


class ClassFit(FitRecord, table=True):
    """The latest fit of a class's memory model (group × question, each poll rated by the
    share of the class that answered it right)."""

    chat_id: int = Field(
        sa_column=Column(
            BigInteger, ForeignKey("groupchat.id", ondelete="CASCADE"), primary_key=True
        )
    )


class ItemStateKey(SQLModel):
    """ItemState's key, a base of its own so that the key's columns come first, before the
    memory's (as the migrations made the table: a base's fields come before a subclass's)."""

    learner_id: int = Field(
        sa_column=Column(
            BigInteger, ForeignKey("learner.id", ondelete="CASCADE"), primary_key=True
        )
    )
    item_id: str = Field(sa_column=Column(String(32), primary_key=True))


class ItemState(MemoryColumns, ItemStateKey, table=True):
    """One learner's FSRS memory state of one item (card, quiz question or explain prompt)."""

    __table_args__ = (Index("ix_itemstate_learner_due", "learner_id", "due"),)


class ReviewLog(SQLModel, table=True):
    """Every rating ever given, kept so FSRS parameters can be fitted later."""

    __table_args__ = (Index("ix_reviewlog_learner_time", "learner_id", "reviewed_at"),)

    id: int | None = Field(default=None, primary_key=True)
    learner_id: int = Field(sa_column=_learner_fk())
    item_id: str = Field(max_length=32)
    rating: int
    reviewed_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    duration_ms: int | None = None
    # What the review came from: "review", "quiz", "explain" or "group".
    source: str = Field(default="review", max_length=16)
    was_new: bool = False


class QuizRound(SQLModel, table=True):
    """A private quiz round: its questions in order, how far it got and the score so far."""

    __table_args__ = (Index("ix_quizround_learner", "learner_id"),)

    id: int | None = Field(default=None, primary_key=True)
    learner_id: int = Field(sa_column=_learner_fk())
    item_ids: list[str] = Field(sa_column=Column(JSON, nullable=False))
    answered: int = 0
    correct: int = 0
    started_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class PendingExplain(SQLModel, table=True):
    """An explain prompt waiting for the learner's answer (their next text message)."""

    learner_id: int = Field(
        sa_column=Column(
            BigInteger, ForeignKey("learner.id", ondelete="CASCADE"), primary_key=True
        )
    )
    item_id: str = Field(max_length=32)
    version: int = 0
    asked_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    # The homework the prompt was asked for (its answer counts there too); None for /explain.
    homework_id: int | None = Field(
        default=None,
        sa_column=Column(ForeignKey("homework.id", ondelete="CASCADE"), nullable=True),
    )


class ChangeableReview(SQLModel, table=True):
    """A learner's latest explain review of an item, whose rating they may change once.

    The suggested rating is stored as the review at once; a tap on another rating replaces
    that review (``review_id``, a ReviewLog row) and recomputes the item's memory from the
    memory it had before (its MemoryBefore row; none when the item had never been
    reviewed). A later explain review of the item replaces this row, so a button on an
    older reply no longer finds its review here.
    """

    learner_id: int = Field(
        sa_column=Column(
            BigInteger, ForeignKey("learner.id", ondelete="CASCADE"), primary_key=True
        )
    )
    item_id: str = Field(sa_column=Column(String(32), primary_key=True))
    review_id: int
    suggested: int
    reviewed_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    changed: bool = False


class MemoryBeforeKey(SQLModel):
    """MemoryBefore's key: its changeable review's (see ItemStateKey for why a base)."""

    learner_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    item_id: str = Field(sa_column=Column(String(32), primary_key=True))


class MemoryBefore(MemoryColumns, MemoryBeforeKey, table=True):
    """The item's memory before a changeable review, what a changed rating is recomputed
    from; it goes with its review."""

    __table_args__ = (
        ForeignKeyConstraint(
            ["learner_id", "item_id"],
            ["changeablereview.learner_id", "changeablereview.item_id"],
            ondelete="CASCADE",
        ),
    )


class GroupChat(SQLModel, table=True):
    """A group or supergroup the bot is in: its settings and its daily quiz."""

    id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    title: str = Field(default="", max_length=255)
    timezone: str | None = Field(default=None, max_length=64)
    # Who may start and stop sessions: admins only, unless opened to everyone.
    open_to_all: bool = False
    daily_time: str | None = Field(default=None, max_length=5)
    daily_questions: int = 5
    next_daily_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime, nullable=True, index=True)
    )
    last_daily_on: date | None = None
    active: bool = True
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    # Who set the daily quiz (its sessions' reports go to them); None: an anonymous admin.
    # (Columns added by a migration come last, where ALTER TABLE puts them.)
    daily_set_by: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    # The FSRS parameters the class's memory is scheduled with: None for FSRS's defaults,
    # else fitted to the class's own polls (adopted by ClassFit).
    fsrs_parameters: list[float] | None = Field(
        default=None, sa_column=Column(JSON, nullable=True)
    )


class QuizSession(SQLModel, table=True):
    """A group quiz session: its questions, the one open now, and whether it is over."""

    __table_args__ = (
        # One running session per chat, enforced by the database for every instance.
        Index(
            "ux_quizsession_running",
            "chat_id",
            unique=True,
            sqlite_where=text("finished_at IS NULL"),
            postgresql_where=text("finished_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    item_ids: list[str] = Field(sa_column=Column(JSON, nullable=False))
    seconds: int
    # The question open now; -1 before the first is sent.
    position: int = -1
    started_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    finished_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    # Who gets the session's report in private: the admin who started it (for a daily
    # quiz, the one who set it); None for an anonymous admin and for older sessions.
    started_by: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))


class SessionPoll(SQLModel, table=True):
    """A quiz poll the bot sent for a session, so answers find their question."""

    poll_id: str = Field(primary_key=True, max_length=64)
    session_id: int = Field(
        sa_column=Column(ForeignKey("quizsession.id", ondelete="CASCADE"), nullable=False)
    )
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    position: int
    item_id: str = Field(max_length=32)
    correct_option: int
    message_id: int | None = None
    opened_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    closes_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    closed: bool = False
    # What was asked, as asked (a generated question differs at every showing, a deck's
    # wording may change later): the question, its options in the item's own order, and
    # the poll's order of them (poll option i is the item's option_order[i]). None on
    # polls sent before these were kept.
    question: str | None = Field(default=None, max_length=300)
    options: list[str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    option_order: list[int] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class PollVote(SQLModel, table=True):
    """A member's answer to a session poll (the first one counts)."""

    __table_args__ = (
        # A chat's answers by session: the export's pages, who answered lately.
        Index("ix_pollvote_chat_session", "chat_id", "session_id"),
        # Everything /report counts, in the order it groups them: the report reads this
        # index alone, never the table (300,000 answers in a fraction of a second).
        Index(
            "ix_pollvote_chat_member", "chat_id", "learner_id", "item_id", "session_id", "correct"
        ),
    )

    poll_id: str = Field(primary_key=True, max_length=64)
    learner_id: int = Field(
        sa_column=Column(
            BigInteger, ForeignKey("learner.id", ondelete="CASCADE"), primary_key=True
        )
    )
    session_id: int = Field(
        sa_column=Column(ForeignKey("quizsession.id", ondelete="CASCADE"), nullable=False)
    )
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    first_name: str = Field(default="", max_length=NAME_LENGTH)
    correct: bool
    elapsed_ms: int
    answered_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    # The option chosen, in the item's own order (SessionPoll.options), whatever order
    # the poll showed; None on votes stored before it was kept.
    chosen_option: int | None = None
    # The poll's question (SessionPoll.item_id), kept here too so that reports count a
    # class's answers per question without a join.
    item_id: str | None = Field(default=None, max_length=32)


class ClassMemoryKey(SQLModel):
    """ClassMemory's key, first in the table as in ItemState (see ItemStateKey)."""

    chat_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    item_id: str = Field(sa_column=Column(String(32), primary_key=True))


class ClassMemory(MemoryColumns, ClassMemoryKey, table=True):
    """A group's FSRS memory state of one quiz question, from the share answered right.

    The class's counterpart of ItemState: its quizzes draw the due questions first.
    """

    __table_args__ = (Index("ix_classmemory_chat_due", "chat_id", "due"),)


class ReportNotice(SQLModel, table=True):
    """The group was told once that an admin must start the bot in private to get reports.

    ``learner_id`` is the admin's user id (not a foreign key: an admin need not be a
    learner); named so, the admin's ``/forget`` removes the row with the rest.
    """

    chat_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    learner_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    told_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class SeenUpdate(SQLModel, table=True):
    """A Telegram update id some instance has taken, so a redelivered one is skipped.

    Telegram keeps an undelivered update for 24 hours; ids older than that are pruned.
    """

    __table_args__ = (Index("ix_seenupdate_seen_at", "seen_at"),)

    update_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    seen_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class OwnDeck(SQLModel, table=True):
    """A deck a learner sent to the bot as a file: its owner, its name and share code.

    Its items are ``OwnDeckItem`` rows. ``revision`` is drawn anew (at random, not counted)
    at every change of the deck, a replace or a rename: a process's copy of the deck is
    keyed by its id and revision, and is right whatever instance or database changed it.
    """

    __table_args__ = (
        # A file for a deck name the owner already has replaces that deck (after a confirm).
        Index("ux_owndeck_owner_name", "learner_id", "name", unique=True),
        Index("ux_owndeck_share_code", "share_code", unique=True),
        # Ids are never reused (SQLite would take a deleted deck's id otherwise; on
        # PostgreSQL a sequence never does): whatever still names a deleted deck can
        # never name another learner's.
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, primary_key=True)
    # The owner; named like every learner column, so /forget deletes the learner's decks.
    learner_id: int = Field(sa_column=_learner_fk())
    # The title folded for comparison (case, spaces): what "the same deck name" means.
    name: str = Field(max_length=60)
    title: str = Field(max_length=60)
    # The unguessable part of the deck's share link (https://t.me/<bot>?start=deck-<code>).
    share_code: str = Field(max_length=16)
    revision: int = Field(sa_column=Column(BigInteger, nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class OwnDeckItem(SQLModel, table=True):
    """One item of an own deck: the parser's key, the item (JSON), where it stands.

    ``item_id`` is the deck's id and the key ("own12-q3"): global, so memories keyed by it
    are the learner's progress on it. An item that is no longer in a replacing file stays,
    inactive (out of the study queue), and its progress comes back if it returns.
    """

    deck_id: int = Field(
        sa_column=Column(ForeignKey("owndeck.id", ondelete="CASCADE"), primary_key=True)
    )
    item_id: str = Field(sa_column=Column(String(24), primary_key=True))
    kind: str = Field(max_length=8)
    key: str = Field(max_length=12)
    data: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    position: int
    active: bool = True


class OwnDeckMedia(SQLModel, table=True):
    """An image an own deck's cards show (``Card.image``, ``Card.back_image``), by its name
    in the file the deck came from. A replace keeps the images its items, active or not,
    still name."""

    deck_id: int = Field(
        sa_column=Column(ForeignKey("owndeck.id", ondelete="CASCADE"), primary_key=True)
    )
    name: str = Field(sa_column=Column(String(200), primary_key=True))
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class DeckImport(SQLModel, table=True):
    """A deck file a learner imported (a new deck or a replace): the sliding window behind
    the quota on imports per hour, kept in the store so that it holds across instances and
    restarts. Rows older than the window go at the learner's next import."""

    __table_args__ = (Index("ix_deckimport_learner_time", "learner_id", "imported_at"),)

    id: int | None = Field(default=None, primary_key=True)
    learner_id: int = Field(sa_column=_learner_fk())
    imported_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class AddedDeck(SQLModel, table=True):
    """A deck another learner shared, added by opening its link."""

    __table_args__ = (Index("ix_addeddeck_deck_id", "deck_id"),)

    learner_id: int = Field(
        sa_column=Column(
            BigInteger, ForeignKey("learner.id", ondelete="CASCADE"), primary_key=True
        )
    )
    deck_id: int = Field(
        sa_column=Column(ForeignKey("owndeck.id", ondelete="CASCADE"), primary_key=True)
    )
    added_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class GroupDeck(SQLModel, table=True):
    """A deck a group's quizzes draw from (no row for a group: every built-in deck).

    ``deck`` is a library deck id: a built-in deck's, or an own deck's ("own12").
    ``offered_by`` is the admin who switched it on: for an own deck, always its owner
    (only the owner offers it), and the quiz draws from it only while they are an admin.
    """

    chat_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    deck: str = Field(sa_column=Column(String(24), primary_key=True))
    offered_by: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))


class LeftMember(SQLModel, table=True):
    """A member who left a group (or was removed): out of its reports and exports until
    they come back. ``learner_id`` is the user's id (not a foreign key: they need not be a
    learner); named so, their ``/forget`` removes the row with the rest."""

    chat_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    learner_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    left_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class DeckAction(SQLModel, table=True):
    """What a learner's next message does to one of their decks: a text renames it
    ("rename"), a file replaces it ("replace"), or a file already sent waits for the
    confirm button that replaces the deck of its name ("confirm", with the file's id)."""

    learner_id: int = Field(
        sa_column=Column(
            BigInteger, ForeignKey("learner.id", ondelete="CASCADE"), primary_key=True
        )
    )
    deck_id: int = Field(
        sa_column=Column(ForeignKey("owndeck.id", ondelete="CASCADE"), nullable=False)
    )
    action: str = Field(max_length=8)
    file_id: str | None = Field(default=None, max_length=255)
    file_name: str | None = Field(default=None, max_length=255)
    asked_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class ClassMember(SQLModel, table=True):
    """A member the bot saw join a group (a service message or a chat_member update) or
    open one of its homework links. With those who answered its polls, they are the class
    that homework is assigned to (a bot cannot list a group's members). ``learner_id`` is the
    user's id (not a foreign key: they need not be a learner); their ``/forget`` removes it."""

    chat_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    learner_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    first_name: str = Field(default="", max_length=NAME_LENGTH)
    seen_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class Homework(SQLModel, table=True):
    """Work an admin gave a class to do in private by a due date.

    ``items`` holds what was assigned as it was then (each item's kind and content), so the
    homework keeps working when its deck changes or is deleted. ``reported_at`` is the
    claim on its report: set once, by whichever instance sends it.
    """

    __table_args__ = (Index("ix_homework_due", "reported_at", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    # The unguessable part of its Start link (https://t.me/<bot>?start=hw-<code>).
    code: str = Field(sa_column=Column(String(16), nullable=False, unique=True))
    # The admin who assigned it gets its report; None once they used /forget.
    assigned_by: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    title: str = Field(max_length=120)
    items: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    due_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    reported_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))


class HomeworkMember(SQLModel, table=True):
    """A member a homework is assigned to: when they started and finished it, and their one
    nudge (``nudge_at``, None when none is due them; ``nudged_at`` is its claim)."""

    __table_args__ = (Index("ix_homeworkmember_nudge", "nudged_at", "nudge_at"),)

    homework_id: int = Field(
        sa_column=Column(ForeignKey("homework.id", ondelete="CASCADE"), primary_key=True)
    )
    learner_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    first_name: str = Field(default="", max_length=NAME_LENGTH)
    started_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    finished_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    nudge_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    nudged_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))


class HomeworkAnswer(SQLModel, table=True):
    """A member's answer to one item of a homework (the first one counts): its rating as a
    review, whether it was right, and whether it came after the due date."""

    homework_id: int = Field(
        sa_column=Column(ForeignKey("homework.id", ondelete="CASCADE"), primary_key=True)
    )
    learner_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    position: int = Field(primary_key=True)
    item_id: str = Field(max_length=32)
    rating: int
    correct: bool
    # The option chosen, for a quiz question (in the item's own order).
    chosen_option: int | None = None
    answered_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    late: bool = False
