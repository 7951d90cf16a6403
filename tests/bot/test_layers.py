"""The layers stay apart: services know nothing of Telegram, bot/ does not reach into the
Telegram layer except where it wires it, and SQL stays in storage/."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The one place that builds the application out of handlers, the command line that starts
# the offline demo (which lives with the fake Telegram), and the intake (it sends the
# answers a crash cut off through the toolkit's sender).
WIRING = {"bot/application.py", "bot/__main__.py", "bot/updates.py"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def _modules(folder: str) -> list[tuple[str, set[str]]]:
    return [
        (str(path.relative_to(ROOT)), _imports(path))
        for path in sorted((ROOT / folder).rglob("*.py"))
    ]


def _uses(imports: set[str], package: str) -> bool:
    return any(name == package or name.startswith(package + ".") for name in imports)


def test_only_the_wiring_imports_handlers_or_the_fake() -> None:
    offenders = [
        name
        for name, imports in _modules("bot")
        if name not in WIRING and (_uses(imports, "handlers") or _uses(imports, "fake_telegram"))
    ]
    assert offenders == []


def test_services_and_the_domain_know_nothing_of_telegram() -> None:
    offenders = [
        name
        for folder in ("bot/services", "bot/domain", "bot/grouping", "storage")
        for name, imports in _modules(folder)
        if _uses(imports, "telegram") or _uses(imports, "handlers")
    ]
    assert offenders == []


def test_sql_stays_in_storage() -> None:
    offenders = [
        name
        for folder in ("bot", "handlers")
        for name, imports in _modules(folder)
        if _uses(imports, "sqlalchemy")
    ]
    assert offenders == []
