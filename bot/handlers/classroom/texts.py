"""Every text a group chat sees from the class quizzes, and the leaderboards' layout."""

from __future__ import annotations

from bot.format import escape, fit
from tutor.services import classroom
from tutor.services.classroom import SessionOver, Standing

GREETING = (
    "Hello, {title}! I run learning-rate quizzes for the class.\n\n"
    "/quiz [questions] [seconds] starts a session of quiz polls (default {questions} "
    "questions, {seconds} s each; admins only unless opened with /access everyone)\n"
    "/stop ends it with the leaderboard\n"
    "/daily HH:MM [questions] schedules a quiz every day (/daily off stops it)\n"
    "/leaderboard shows the standings over all sessions\n"
    "/report [days] sends an admin the class's report in private (default 30 days)\n"
    "/export sends an admin every answer as a CSV file in private\n"
    "/timezone Area/City sets the chat's time zone\n"
    "/decks (admins) picks the decks the quizzes draw from, the admins' own included\n"
    "/homework (admins) gives the class work to do in private by a due date\n\n"
    "Every answer also counts in your own reviews: talk to me privately with /start. "
    "What the class gets wrong comes back in later quizzes."
)
STARTING = "<b>Quiz time!</b> {questions}, {seconds} s each. Answer in the polls."
ALREADY_RUNNING = "A quiz is already running here. /stop ends it."
NOT_RUNNING = "No quiz is running. Start one with /quiz."
ADMINS_ONLY = (
    "Only the chat's admins can {action} here (an admin can open it to everyone with "
    "/access everyone)."
)
QUESTION_PREFIX = "[{number}/{total}] "
LEADERBOARD_TITLE = "🏁 <b>Quiz over!</b> {total}"
STOPPED_TITLE = "🛑 <b>Quiz stopped.</b>"
STANDINGS_TITLE = "<b>Standings in this chat</b> (all sessions)"
NOBODY = "Nobody answered this time."
NO_STANDINGS = "No one has answered a quiz here yet. Start one with /quiz."
MEDALS = ("🥇", "🥈", "🥉")
LINE = "{place} {name}: {score}/{answered} · {seconds:.1f} s to answer"
# Lines a board shows; below them, how many more played (and the reader's own place).
BOARD_TOP = 20
MORE_PLAYERS = "… and {count}"
YOUR_PLACE = "Your place: {line}"
DAILY_USAGE = "Usage: /daily HH:MM [questions 1-20] (the chat's time, {zone}), or /daily off."
DAILY_SET = "A quiz of {questions} every day at {time} ({zone})."
DAILY_OFF = "The daily quiz is off."
ACCESS_USAGE = "Usage: /access admins or /access everyone (who may start and stop quizzes)."
ACCESS_SET = {
    True: "Everyone here may start and stop quizzes now.",
    False: "Only admins may start and stop quizzes now.",
}
GROUP_TIMEZONE_USAGE = "Usage: /timezone Area/City, like /timezone Europe/Berlin. Now: {zone}."
GROUP_TIMEZONE_SET = "This chat's time zone is {zone}."
# /decks: the decks the chat's quizzes draw from.
GROUP_DECKS = (
    "<b>Decks for this chat's quizzes</b>\n{lines}\n\n<i>Each admin switches the built-in "
    "decks and their own decks (sent to me as a file in a private chat) on or off. A deck "
    "of yours is only ever offered by you, and used while you are an admin here.</i>"
)
GROUP_LINE = "{mark} {title}{owner} · {questions}"
GROUP_OWNER = " ({name}'s)"
# A co-admin's deck offered while they were an admin, and they are none now.
GROUP_FORMER_ADMIN = " (a former admin's: not used)"
DECK_UNUSED = "⏸"
GROUP_ADMINS_ONLY = "Only the chat's admins can choose the decks of its quizzes."
GROUP_SWITCHED = {True: "{title} is on for this chat's quizzes.", False: "{title} is off."}


def question_count(count: int) -> str:
    """ "1 question", "5 questions"."""
    return "1 question" if count == 1 else f"{count} questions"


def _place(index: int, standing: Standing) -> str:
    """A medal for the first three who got something right; else the place's number."""
    return MEDALS[index] if index < len(MEDALS) and standing.score else f"{index + 1}."


def _line(index: int, standing: Standing) -> str:
    return LINE.format(
        place=_place(index, standing),
        name=escape(standing.name),
        score=standing.score,
        answered=standing.answered,
        seconds=standing.time_ms / 1000,
    )


def _more(count: int) -> str:
    return MORE_PLAYERS.format(count="1 more player" if count == 1 else f"{count} more players")


def render_standings(
    title: str, standings: tuple[Standing, ...], empty: str, *, reader_id: int | None = None
) -> str:
    """The board's top (a large class's whole board would not fit a message), how many
    more played, and the reader's own place when it is below the top."""
    lines = [title]
    if not standings:
        lines.append(empty)
    lines.extend(_line(index, standing) for index, standing in enumerate(standings[:BOARD_TOP]))
    if len(standings) > BOARD_TOP:
        lines.append(_more(len(standings) - BOARD_TOP))
        place = next(
            (index for index, s in enumerate(standings) if s.learner_id == reader_id), None
        )
        if place is not None and place >= BOARD_TOP:
            lines.append(YOUR_PLACE.format(line=_line(place, standings[place])))
    return fit("\n".join(lines))


def render_session_over(over: SessionOver, *, stopped: bool = False) -> str:
    """The leaderboard posted when a session ends (or is stopped)."""
    title = (
        STOPPED_TITLE if stopped else LEADERBOARD_TITLE.format(total=question_count(over.total))
    )
    return render_standings(title, over.standings, NOBODY)


def greeting(title: str | None) -> str:
    """What the bot does in a group (plain text), greeting it by its title."""
    return GREETING.format(
        title=title or "everyone",
        questions=classroom.DEFAULT_QUESTIONS,
        seconds=classroom.DEFAULT_SECONDS,
    )
