"""The store: tables (``models``), the engine and its units of work (``engine``), and the
queries the use-cases need, one module per area (``learners``, ``reviews``, ...).

All SQL of the project lives in this package. Use-cases are synchronous functions over a
``Session`` that call these queries and commit at their end; handlers and jobs run them
with ``await database.run(use_case, ...)`` (see ``engine.Database.run``).

One way in: a use-case writes ``from tutor import store`` and calls a query by its area,
``store.reviews.load_memory(session, ...)``; the tables and ``Database`` are named here
(``store.Learner``, or imported by name from ``tutor.store``). ``schema`` and ``migrations``
are imported by the code that upgrades the database, not here.
"""

from tutor.store import (
    classroom,
    columns,
    deckactions,
    deckmedia,
    dialects,
    engine,
    fits,
    learners,
    models,
    owndecks,
    practice,
    preflight,
    progress,
    reminders,
    reports,
    rerating,
    reviews,
    shareddecks,
    updates,
)
from tutor.store.columns import UTCDateTime
from tutor.store.engine import Database
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
    "classroom",
    "columns",
    "deckactions",
    "deckmedia",
    "dialects",
    "engine",
    "fits",
    "learners",
    "models",
    "owndecks",
    "practice",
    "preflight",
    "progress",
    "reminders",
    "reports",
    "rerating",
    "reviews",
    "shareddecks",
    "updates",
]
