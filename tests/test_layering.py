"""The house rules: imports that point down (import-linter), SQL only in the store."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_import_rules_hold() -> None:
    """import-linter's contracts (pyproject.toml): floors that point down, no circle in
    tutor or the playground, tutor without Telegram, the playground without bot or tutor,
    handlers apart. Run here too, so that CI (make test) refuses the next circle."""
    checked = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert "Contracts: " in checked.stdout  # the contracts were found and checked
    assert checked.returncode == 0, checked.stdout[-3000:]


# Where SQL may be written: the store (its schema and migrations included).
_SQL_HOMES = ("tutor/store/",)
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
