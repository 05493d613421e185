"""The playground in a real headless Chromium: ``python -m bot`` without a token, and a
person using the chat page (review a card, run a demo, send a deck file, a class quiz and
its report).

Needs Debian's ``chromium`` and ``chromium-driver`` (``.ci/run`` installs them); Selenium
drives the system's chromedriver and never downloads one. Screenshots go to
``$TEST_ARTIFACTS`` (default ``tests/artifacts/``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from tests.conftest import ROOT
from tests.hostile import png
from tests.playground.conftest import PlaygroundProcess, run_playground
from tests.tutor.imports.anki_files import picture_package

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.common.exceptions import StaleElementReferenceException  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webelement import WebElement  # noqa: E402
from selenium.webdriver.support.wait import WebDriverWait  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS") or ROOT / "tests" / "artifacts")

pytestmark = pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
    reason="needs Debian's chromium and chromium-driver (.ci/run installs them)",
)

T = TypeVar("T")
Driver = Any  # selenium's WebDriver


@pytest.fixture
def browser() -> Iterator[Driver]:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new",
        "--no-sandbox",  # tests run as root in CI containers
        "--disable-dev-shm-usage",
        "--window-size=1280,860",
        "--lang=en-US",
        "--no-first-run",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def playground(tmp_path: Path) -> Iterator[PlaygroundProcess]:
    with run_playground(tmp_path) as running:
        yield running


def wait(driver: Driver, condition: Callable[[Driver], T], timeout: float = 10) -> T:
    """``condition(driver)`` once it is truthy; stale elements (a redrawn message) retry."""
    waiter = WebDriverWait(driver, timeout, ignored_exceptions=[StaleElementReferenceException])
    result: T = waiter.until(condition)
    return result


def open_chat(driver: Driver, chat_type: str) -> None:
    """Click the chat list's entry of that type; the list is redrawn as messages arrive,
    so a press on an entry just replaced is tried again."""
    entry = f'.chat-item[data-chat-type="{chat_type}"]'
    wait(driver, lambda d: d.find_element(By.CSS_SELECTOR, entry).click() or True)


def message_with(text: str, *, outgoing: bool = False) -> Callable[[Driver], WebElement | None]:
    """The last message of the open chat whose text contains ``text``."""
    side = "outgoing" if outgoing else "incoming"

    def find(driver: Driver) -> WebElement | None:
        for message in reversed(driver.find_elements(By.CSS_SELECTOR, f".message.{side}")):
            if text in message.text:
                return message
        return None

    return find


def button(message: WebElement, label: str) -> WebElement:
    """The inline button of ``message`` whose label starts with ``label``."""
    for candidate in message.find_elements(By.CSS_SELECTOR, ".inline-button"):
        if candidate.text.startswith(label):
            return candidate
    raise AssertionError(f"no button {label!r} under {message.text!r}")


def redrawn(driver: Driver, message_id: str) -> WebElement:
    """The message's element now (an edit draws it anew)."""
    return driver.find_element(By.CSS_SELECTOR, f'.message[data-message-id="{message_id}"]')


def redrawn_so_that(
    message_id: str, check: Callable[[WebElement], Any]
) -> Callable[[Driver], WebElement | None]:
    """The message's element once ``check`` holds for it."""

    def find(driver: Driver) -> WebElement | None:
        current = redrawn(driver, message_id)
        return current if check(current) else None

    return find


def press(driver: Driver, message_id: str, label: str) -> None:
    """Click a button of the message as it is now (a vote or an edit may redraw it)."""
    wait(driver, lambda d: button(redrawn(d, message_id), label).click() or True)


def type_and_send(driver: Driver, text: str) -> None:
    box = driver.find_element(By.ID, "text")
    box.send_keys(text)
    box.send_keys("\n")


def shot(driver: Driver, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / f"playground-{name}.png"))


def test_a_person_reviews_runs_a_demo_sends_a_deck_and_quizzes_the_class(
    browser: Driver, playground: PlaygroundProcess, tmp_path: Path
) -> None:
    started = time.monotonic()
    driver = browser
    driver.get(playground.url)
    try:
        # The sidebar: the private chat with the bot (open, empty) and the class group.
        wait(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, ".chat-item")) == 2)
        titles = wait(
            driver,
            lambda d: [e.text for e in d.find_elements(By.CSS_SELECTOR, ".chat-item-title")],
        )
        assert titles == ["LR Tutor", "Class"]
        assert driver.find_element(By.ID, "me-name").text == "Sam"
        assert driver.find_element(By.CSS_SELECTOR, ".start-button").text == "START"

        # /start, Start reviewing, Show answer, Good.
        type_and_send(driver, "/start")
        wait(driver, message_with("/start", outgoing=True))
        greeting = wait(driver, message_with("Hi Sam! I'm your learning-rate tutor."))
        press(driver, str(greeting.get_attribute("data-message-id")), "Start reviewing")
        card = wait(driver, message_with("new card"))
        card_id = str(card.get_attribute("data-message-id"))
        assert [b.text for b in card.find_elements(By.CSS_SELECTOR, ".inline-button")] == [
            "Show answer"
        ]
        front = card.find_element(By.CSS_SELECTOR, ".text").text
        assert card.find_element(By.CSS_SELECTOR, ".text b").text  # the deck's name, in bold
        press(driver, card_id, "Show answer")
        back = wait(driver, redrawn_so_that(card_id, lambda m: "Answer" in m.text))
        labels = [b.text for b in back.find_elements(By.CSS_SELECTOR, ".inline-button")]
        assert [label.split(" · ")[0] for label in labels[:4]] == ["Again", "Hard", "Good", "Easy"]
        assert "edited" in back.find_element(By.CSS_SELECTOR, ".meta").text
        shot(driver, "review")
        press(driver, card_id, "Good")
        toast = wait(driver, lambda d: (t := d.find_element(By.ID, "toast")).is_displayed() and t)
        assert toast.text.startswith("Good: see it again in")
        following = wait(driver, redrawn_so_that(card_id, lambda m: "Answer" not in m.text))
        assert following.find_element(By.CSS_SELECTOR, ".text").text != front
        assert button(following, "Show answer")

        # /explain, answered in words the grader cannot judge: it says so, suggests no
        # rating, and the learner rates themselves with one tap.
        type_and_send(driver, "/explain")
        wait(driver, message_with("Explain it in your own words"))
        type_and_send(driver, "I think the learning rate matters a lot here.")
        graded = wait(driver, message_with("I could not tell how much of this is right"))
        graded_id = str(graded.get_attribute("data-message-id"))
        labels = [b.text for b in graded.find_elements(By.CSS_SELECTOR, ".inline-button")]
        assert labels == ["Again", "Hard", "Good", "Easy", "Another prompt"]
        assert "until you tap your own rating (once)." in graded.text
        shot(driver, "explain")
        press(driver, graded_id, "Hard")
        wait(driver, redrawn_so_that(graded_id, lambda m: "Changed to Hard" in m.text))

        # /demo lr: a real training run; its plot loads in the page.
        type_and_send(driver, "/demo lr")
        plot = wait(driver, message_with("lr=0.05"), timeout=60)
        image = plot.find_element(By.CSS_SELECTOR, "img.photo")
        wait(driver, lambda d: d.execute_script("return arguments[0].complete", image))
        assert driver.execute_script("return arguments[0].naturalWidth", image) > 0
        shot(driver, "demo")

        # A deck file through the file picker: the bot gets it, the page shows and serves it.
        deck = tmp_path / "my-deck.csv"
        deck.write_text("front,back\nWhat does the learning rate scale?,The step\n")
        # The picker is hidden behind the paperclip; chromedriver fills hidden file inputs.
        driver.find_element(By.ID, "file-input").send_keys(str(deck))
        sent = wait(driver, message_with("my-deck.csv", outgoing=True))
        link = sent.find_element(By.CSS_SELECTOR, "a.document")
        assert link.get_attribute("download") == "my-deck.csv"
        served = driver.execute_script(
            "return fetch(arguments[0]).then((r) => r.text())", link.get_attribute("href")
        )
        assert served == deck.read_text()
        imported = wait(driver, message_with("Deck my-deck: 1 card"))
        assert button(imported, "Study now")

        # An Anki package whose card is a picture: Study now shows it as a photo with the
        # card as its caption, and Show answer turns the caption to the answer in place.
        pictures = tmp_path / "pictures.apkg"
        pictures.write_bytes(
            picture_package(
                tmp_path, [['<img src="eye.png">', "An eye"]], {"eye.png": png(240, 160)}
            )
        )
        driver.find_element(By.ID, "file-input").send_keys(str(pictures))
        imported = wait(driver, message_with("Deck Pictures: 1 card"))
        button(imported, "Study now").click()
        card = wait(driver, message_with("Pictures · new card"))
        card_id = str(card.get_attribute("data-message-id"))
        photo = card.find_element(By.CSS_SELECTOR, "img.photo")
        wait(driver, lambda d: d.execute_script("return arguments[0].complete", photo))
        assert driver.execute_script("return arguments[0].naturalWidth", photo) == 240
        press(driver, card_id, "Show answer")
        wait(driver, redrawn_so_that(card_id, lambda m: "An eye" in m.text))
        shot(driver, "picture-card")

        # The class: the menu shows the group's commands; a quiz of 2 questions of 5 s.
        open_chat(driver, "supergroup")
        wait(driver, message_with("Hello, Class! I run learning-rate quizzes"))
        assert driver.find_element(By.ID, "chat-status").text == "5 members"
        driver.find_element(By.ID, "menu-button").click()
        menu = [e.text for e in driver.find_elements(By.CSS_SELECTOR, ".command-name")]
        assert "/quiz" in menu and "/leaderboard" in menu and "/review" not in menu
        driver.find_element(By.ID, "menu-button").click()
        type_and_send(driver, "/quiz 2 5")
        wait(driver, message_with("Quiz time! 2 questions, 5 s each."))
        first = wait(driver, message_with("[1/2]"))
        first_id = str(first.get_attribute("data-message-id"))
        # Every read of the poll goes through `wait`: a classmate's vote may redraw it
        # between finding an element and reading it.
        wait(
            driver,
            redrawn_so_that(
                first_id, lambda m: m.find_element(By.CSS_SELECTOR, ".poll-kind").text == "Quiz"
            ),
        )
        # The classmates' votes redraw the poll: click the option as it is drawn now.
        option = "button.poll-option"
        wait(
            driver,
            lambda d: redrawn(d, first_id).find_element(By.CSS_SELECTOR, option).click() or True,
        )
        # Answered: Sam's option marked, the right one shown, the explanation under it.
        wait(
            driver,
            redrawn_so_that(
                first_id,
                lambda m: (
                    m.find_elements(By.CSS_SELECTOR, ".mine")
                    and m.find_elements(By.CSS_SELECTOR, ".poll-option.right")
                    and m.find_element(By.CSS_SELECTOR, ".poll-explanation").text
                ),
            ),
        )

        # The classmates answer too: four answers in all, before the poll closes.
        def total(message: WebElement) -> str:
            return str(message.find_element(By.CSS_SELECTOR, ".poll-total").text)

        wait(driver, redrawn_so_that(first_id, lambda m: total(m) == "4 answers"))
        board = wait(driver, message_with("Quiz over! 2 questions"), timeout=30)
        names = {line.split(":")[0].split(" ", 1)[-1] for line in board.text.splitlines()[1:]}
        assert {"Ada", "Ben", "Chloe", "Sam"} <= names
        wait(
            driver,
            lambda d: (
                redrawn(d, first_id).find_element(By.CSS_SELECTOR, ".poll-kind").text
                == "Quiz · Final results"
            ),
        )
        shot(driver, "class-quiz")

        # The teacher's report: Sam started the quiz, so it comes to him in private.
        open_chat(driver, "private")
        report = wait(driver, message_with("Quiz report: Class"), timeout=30)
        assert "4 members answered 2 questions." in report.text
        chart = wait(driver, message_with("Share of members who answered each question right."))
        image = chart.find_element(By.CSS_SELECTOR, "img.photo")
        wait(driver, lambda d: d.execute_script("return arguments[0].complete", image))
        assert driver.execute_script("return arguments[0].naturalWidth", image) > 0
        shot(driver, "report")

        errors = [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
        assert errors == []
    except BaseException:
        shot(driver, "failure")
        raise
    print(f"browser test: {time.monotonic() - started:.1f}s after start-up")


def labels(message: WebElement) -> list[str]:
    return [b.text for b in message.find_elements(By.CSS_SELECTOR, ".inline-button")]


def message_id(message: WebElement) -> str:
    return str(message.get_attribute("data-message-id"))


def test_a_newcomers_first_ten_minutes_never_leave_them_stuck(
    browser: Driver, playground: PlaygroundProcess, tmp_path: Path
) -> None:
    """The path a newcomer takes: start, the day's new cards spent, a deck of their own and
    Study now (its cards, though the day's new cards are spent), /decks to switch the
    others back on, a rename dropped with /cancel, a quiz round, /predict against its
    reference run, the warm-up demo, /stats, /export."""
    driver = browser
    driver.get(playground.url)
    try:
        wait(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, ".chat-item")) == 2)
        type_and_send(driver, "/start")
        greeting = wait(driver, message_with("Hi Sam! I'm your learning-rate tutor."))

        # Five new cards a day, the fewest /settings offers.
        type_and_send(driver, "/settings")
        settings = message_id(wait(driver, message_with("Your settings")))
        press(driver, settings, "🆕 New per day")
        wait(driver, redrawn_so_that(settings, lambda m: "5" in labels(m)))
        press(driver, settings, "5")
        wait(driver, redrawn_so_that(settings, lambda m: "New cards per day: 5" in m.text))
        # The memory model page: FSRS's defaults until there are enough reviews, and how many.
        press(driver, settings, "🧠 Memory model")
        model = wait(driver, redrawn_so_that(settings, lambda m: "Your memory model" in m.text))
        assert "I fit one to you; you have 0." in model.text
        assert labels(model) == ["« Back"]
        shot(driver, "memory-model")
        press(driver, settings, "« Back")
        wait(driver, redrawn_so_that(settings, lambda m: "Your settings" in m.text))

        # The five spent on the built-in decks: the card turns into the day's summary.
        press(driver, message_id(greeting), "Start reviewing")
        card = message_id(wait(driver, message_with("new card")))
        for _ in range(5):
            wait(driver, redrawn_so_that(card, lambda m: labels(m) == ["Show answer"]))
            press(driver, card, "Show answer")
            wait(driver, redrawn_so_that(card, lambda m: "Good" in " ".join(labels(m))))
            press(driver, card, "Good")
        done = wait(driver, redrawn_so_that(card, lambda m: "All caught up!" in m.text))
        assert "That was today's last new card (5 a day)" in done.text

        # A deck of their own, and Study now: its cards come, and the reply says what
        # Study now paused.
        deck = tmp_path / "optics.csv"
        deck.write_text("front,back\nWhat bends light?,A lens\nWhat reflects it?,A mirror\n")
        driver.find_element(By.ID, "file-input").send_keys(str(deck))
        imported = message_id(wait(driver, message_with("Deck optics: 2 cards")))
        press(driver, imported, "Study now")
        wait(driver, redrawn_so_that(imported, lambda m: "Studying optics now." in m.text))
        studied = wait(driver, message_with("optics · new card"))
        assert "Paused while you do: your 6 other decks." in redrawn(driver, imported).text
        shot(driver, "study-now")
        studied_id = message_id(studied)
        press(driver, studied_id, "Show answer")
        wait(driver, redrawn_so_that(studied_id, lambda m: "Good" in " ".join(labels(m))))
        press(driver, studied_id, "Good")

        # /quiz with only that deck on says where the questions are; /decks switches the
        # built-in decks back on, and the round runs.
        type_and_send(driver, "/quiz")
        wait(driver, message_with("Your decks have no quiz questions."))
        type_and_send(driver, "/decks")
        decks = message_id(wait(driver, message_with("Tap a deck to switch it on or off")))
        press(driver, decks, "⬜ Learning rate basics")
        wait(driver, redrawn_so_that(decks, lambda m: "✅ Learning rate basics" in labels(m)))
        # The deck's page: Rename, then /cancel; the next text is no new name.
        press(driver, decks, "⚙️")
        wait(driver, redrawn_so_that(decks, lambda m: "✏️ Rename" in labels(m)))
        press(driver, decks, "✏️ Rename")
        wait(driver, redrawn_so_that(decks, lambda m: "Send the new name" in m.text))
        type_and_send(driver, "/cancel")
        wait(driver, message_with("Rename cancelled."))
        type_and_send(driver, "Light and lenses")
        wait(driver, message_with("I read what you write as your answer"))
        shot(driver, "cancel-rename")
        type_and_send(driver, "/quiz")
        for number in range(1, 6):
            asked = wait(driver, message_with(f"Quiz {number}/5"))
            question = message_id(asked)
            # Options as buttons: A to D, or a rate for "which run is this?".
            first = wait(driver, redrawn_so_that(question, labels))
            press(driver, question, labels(first)[0])
            wait(
                driver,
                redrawn_so_that(question, lambda m: "Right" in m.text or "Not quite" in m.text),
            )
        over = wait(driver, message_with("Round over:"))
        assert labels(over) == ["Another round"]

        # /predict: the four outcomes defined before the guess; the answer drawn against
        # a reference run.
        type_and_send(driver, "/predict")
        asked = wait(driver, message_with("Predict the loss"), timeout=60)
        assert "Converge fast: it ends below 0.025." in asked.text
        press(driver, message_id(asked), "Converge slowly")
        verdict = wait(driver, message_with("The other line is lr ="), timeout=60)
        image = verdict.find_element(By.CSS_SELECTOR, "img.photo")
        wait(driver, lambda d: d.execute_script("return arguments[0].complete", image))
        assert driver.execute_script("return arguments[0].naturalWidth", image) == 1200
        shot(driver, "predict")

        # /demo's menu: the warm-up demo, Adam with and without, plotted with its lesson.
        type_and_send(driver, "/demo")
        menu = message_id(wait(driver, message_with("See the learning rate at work")))
        press(driver, menu, "warmup")
        plot = wait(driver, message_with("Adam's first steps move every weight"), timeout=60)
        image = plot.find_element(By.CSS_SELECTOR, "img.photo")
        wait(driver, lambda d: d.execute_script("return arguments[0].complete", image))
        assert driver.execute_script("return arguments[0].naturalWidth", image) == 1200
        shot(driver, "warmup")

        # /stats and /export answer with what was done.
        type_and_send(driver, "/stats")
        wait(driver, message_with("Your progress"), timeout=30)
        type_and_send(driver, "/export")
        wait(driver, message_with("Your deck optics"), timeout=30)

        errors = [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
        assert errors == []
    except BaseException:
        shot(driver, "newcomer-failure")
        raise


def test_a_teacher_assigns_homework_and_a_member_does_it_in_private(
    browser: Driver, playground: PlaygroundProcess
) -> None:
    """Sam, the class's admin, gives it homework with /homework's buttons; its Start button
    opens the private chat, where Sam does it item by item; /homework lists what is left."""
    driver = browser
    driver.get(playground.url)
    try:
        wait(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, ".chat-item")) == 2)
        type_and_send(driver, "/start")
        wait(driver, message_with("Hi Sam! I'm your learning-rate tutor."))

        open_chat(driver, "supergroup")
        wait(driver, message_with("Hello, Class!"))
        type_and_send(driver, "/homework")
        flow = message_id(wait(driver, message_with("New homework: what should the class")))
        deck = labels(redrawn(driver, flow))[0]
        press(driver, flow, deck)
        wait(driver, redrawn_so_that(flow, lambda m: "how many items?" in m.text))
        press(driver, flow, "3")
        wait(driver, redrawn_so_that(flow, lambda m: "Due when?" in m.text))
        press(driver, flow, "Tomorrow")
        wait(driver, redrawn_so_that(flow, lambda m: "At what time" in m.text))
        press(driver, flow, "18:00")
        announced = wait(driver, redrawn_so_that(flow, lambda m: "Homework: 3 items" in m.text))
        assert labels(announced) == ["Start"]
        shot(driver, "homework-assigned")

        # Start opens the private chat with the homework's first item.
        wait(driver, lambda d: button(redrawn(d, flow), "Start").click() or True)
        first = wait(driver, message_with("Homework · Class · 1/3"))
        assert labels(first) == ["Show answer"]
        item = message_id(first)
        press(driver, item, "Show answer")
        wait(driver, redrawn_so_that(item, lambda m: "Good" in labels(m)))
        shot(driver, "homework-card")
        press(driver, item, "Good")
        question = wait(driver, redrawn_so_that(item, lambda m: "2/3" in m.text))
        assert labels(question)[:2] == ["1", "2"]
        shot(driver, "homework-question")
        press(driver, item, "1")
        wait(driver, redrawn_so_that(item, lambda m: labels(m) == ["Next ▸"]))
        shot(driver, "homework-verdict")

        # Stopped here: /homework lists it with what is done, and Go on picks it up.
        type_and_send(driver, "/homework")
        listed = wait(driver, message_with("Your homework"))
        assert "2/3 done, due" in listed.text
        press(driver, message_id(listed), "1. Go on")
        prompt = wait(driver, redrawn_so_that(message_id(listed), lambda m: "3/3" in m.text))
        assert "Explain it in your own words" in prompt.text
        type_and_send(
            driver,
            "A schedule lowers the learning rate as training goes on, so the steps get "
            "smaller near the minimum and the loss settles instead of bouncing.",
        )
        graded = wait(driver, message_with("key ideas"))
        # Said in words the grader does not know: the member rates themselves.
        assert "Compare with the model answer and rate yourself." in graded.text
        assert labels(graded) == ["Again", "Hard", "Good", "Easy"]
        shot(driver, "homework-explain")
        press(driver, message_id(graded), "Good")
        done = wait(
            driver, redrawn_so_that(message_id(graded), lambda m: "Homework done" in m.text)
        )
        assert "3 items from" in done.text
        shot(driver, "homework-done")

        errors = [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
        assert errors == []
    except BaseException:
        shot(driver, "failure")
        raise
