"""The store: tables (``models``), the engine and its units of work (``engine``), and the
queries the use-cases need, one module per area (``learners``, ``reviews``, ...).

All SQL of the project lives in this package. Use-cases are synchronous functions over a
``Session`` that call these queries and commit at their end; handlers and jobs run them
with ``await database.run(use_case, ...)`` (see ``engine.Database.run``).
"""

from tutor.store.engine import Database, async_url
from tutor.store.learners import ensure_learner, get_learner, save_learner
from tutor.store.models import (
    AddedDeck,
    ChangeableReview,
    ClassFit,
    ClassMemory,
    DeckAction,
    DeckImport,
    GroupChat,
    GroupDeck,
    ItemState,
    Learner,
    LeftMember,
    MemoryFit,
    OwnDeck,
    OwnDeckItem,
    OwnDeckMedia,
    PendingExplain,
    PollVote,
    QuizRound,
    QuizSession,
    ReportNotice,
    ReviewLog,
    SeenUpdate,
    SessionPoll,
    UTCDateTime,
)
from tutor.store.reviews import (
    load_memories,
    load_memories_and_new_items,
    load_memory,
    reviews_since,
    save_review,
)

__all__ = [
    "AddedDeck",
    "ChangeableReview",
    "ClassFit",
    "ClassMemory",
    "Database",
    "DeckAction",
    "DeckImport",
    "GroupChat",
    "GroupDeck",
    "ItemState",
    "Learner",
    "LeftMember",
    "MemoryFit",
    "OwnDeck",
    "OwnDeckItem",
    "OwnDeckMedia",
    "PendingExplain",
    "PollVote",
    "QuizRound",
    "QuizSession",
    "ReportNotice",
    "ReviewLog",
    "SeenUpdate",
    "SessionPoll",
    "UTCDateTime",
    "async_url",
    "ensure_learner",
    "get_learner",
    "load_memories",
    "load_memories_and_new_items",
    "load_memory",
    "reviews_since",
    "save_learner",
    "save_review",
]
