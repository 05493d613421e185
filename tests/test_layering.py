"""The domain never imports Telegram: dependencies point from bot to tutor only."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_tutor_never_imports_telegram_or_bot() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(_imports(path) & {"telegram", "bot"})
        for path in sorted((ROOT / "tutor").rglob("*.py"))
    }
    assert len(offenders) >= 5  # the walk really found the package
    assert {path: found for path, found in offenders.items() if found} == {}


def test_the_playground_never_imports_bot_or_tutor() -> None:
    """playground.botapi is a generic Bot API server (the tests' stand-in too), and the
    playground around it knows nothing of the tutor: the bot is pointed at it instead."""
    offenders = {
        str(path.relative_to(ROOT)): sorted(_imports(path) & {"bot", "tutor"})
        for path in sorted((ROOT / "playground").rglob("*.py"))
    }
    assert len(offenders) >= 15  # the walk really found the package and botapi
    assert {path: found for path, found in offenders.items() if found} == {}


# Where SQL may be written: the store, and the schema's migrations.
_SQL_HOMES = ("tutor/store/", "tutor/migrations/", "tutor/schema.py")
# What the rest may do with a session: commit the unit of work it was handed.
_SESSION_CALLS_OUTSIDE_THE_STORE = {"commit"}


def _outside_the_store() -> list[Path]:
    paths = [
        path
        for package in ("tutor", "bot")
        for path in sorted((ROOT / package).rglob("*.py"))
        if not str(path.relative_to(ROOT)).startswith(_SQL_HOMES)
    ]
    assert len(paths) >= 20  # the walk really found the packages
    return paths


def test_all_sql_lives_in_the_store() -> None:
    offenders: dict[str, list[str]] = {}
    for path in _outside_the_store():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                top = node.module.split(".")[0]
                names = [alias.name for alias in node.names]
                if top == "sqlmodel" or (
                    top == "sqlalchemy"
                    and not (node.module == "sqlalchemy.orm" and names == ["Session"])
                ):
                    offenders.setdefault(str(path.relative_to(ROOT)), []).append(node.module)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] in ("sqlalchemy", "sqlmodel"):
                        offenders.setdefault(str(path.relative_to(ROOT)), []).append(alias.name)
    assert offenders == {}


def test_use_cases_only_commit_the_session_they_are_handed() -> None:
    offenders: dict[str, list[str]] = {}
    for path in _outside_the_store():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "session"
                and node.func.attr not in _SESSION_CALLS_OUTSIDE_THE_STORE
            ):
                offenders.setdefault(str(path.relative_to(ROOT)), []).append(node.func.attr)
    assert offenders == {}


def test_no_async_session_outside_the_store() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for path in _outside_the_store()
        if "AsyncSession" in path.read_text(encoding="utf-8")
        or "database.session(" in path.read_text(encoding="utf-8")
        or ".run_sync(" in path.read_text(encoding="utf-8")
    ]
    assert offenders == []
