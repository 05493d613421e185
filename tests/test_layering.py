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
