"""The layers hold: read from the source, so a change that breaks them fails here.

See README "Architecture" for the picture these rules keep true.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "handlers", "storage")

# The only places that may touch python-telegram-bot: handlers, the composition root and its
# typed context and persistence, the thin shell that sends outbox rows, and the fake Bot API.
TELEGRAM_ALLOWED = {
    "bot.app",
    "bot.context",
    "bot.persistence",
    "bot.outbox.telegram_sender",
    "bot.fake_telegram",
    "bot.demo",
}
# Pure modules: no database, no Telegram; storage itself builds on some of them.
PURE = {
    "bot.callbacks",
    "bot.clock",
    "bot.config",
    "bot.durations",
    "bot.errors",
    "bot.kinds",
    "bot.labels",
    "bot.texts",
    "bot.i18n",
    "bot.timezones",
    "bot.tomlfile",
    "bot.tomlvalues",
    "bot.schedule.file",
    "bot.schedule.calendar",
    "bot.outbox.rows",
    "bot.outbox.planning",
    "bot.outbox.delivery",
    "bot.outbox.notices",
    "bot.attendance.policy",
    "bot.attendance.fees",
    "bot.attendance.chart",
}
SQL = re.compile(r"\b(?:SELECT\s.+\sFROM|INSERT INTO|UPDATE \w+ SET|DELETE FROM)\b")


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


MODULES = _modules()


def _imports(path: Path) -> set[str]:
    """Modules imported at load time (not inside functions: those are lazy on purpose)."""
    names = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


IMPORTS = {name: _imports(path) for name, path in MODULES.items()}


PACKAGE_INITS = {name for name, path in MODULES.items() if path.name == "__init__.py"}


def _internal(name: str) -> set[str]:
    """Project modules this one imports (package ``__init__`` files hold only docstrings)."""
    return {m for m in IMPORTS[name] if m in MODULES and m != name and m not in PACKAGE_INITS}


def test_only_the_telegram_edge_imports_telegram() -> None:
    offenders = {
        name
        for name, imported in IMPORTS.items()
        if not name.startswith("handlers")
        and name not in TELEGRAM_ALLOWED
        and any(m == "telegram" or m.startswith("telegram.") for m in imported)
    }
    assert offenders == set()


def test_pure_modules_import_neither_storage_nor_telegram() -> None:
    assert MODULES.keys() >= PURE
    offenders = {
        name: sorted(m for m in IMPORTS[name] if m.split(".")[0] in ("storage", "telegram"))
        for name in PURE
    }
    assert {name: bad for name, bad in offenders.items() if bad} == {}


def test_what_storage_builds_on_never_imports_storage() -> None:
    below = set()
    todo = [m for name in MODULES if name.startswith("storage") for m in _internal(name)]
    while todo:
        name = todo.pop()
        if name.startswith("bot") and name not in below:
            below.add(name)
            todo.extend(_internal(name))
    assert below <= PURE, sorted(below - PURE)


def test_sql_lives_in_storage() -> None:
    offenders = [
        name
        for name, path in MODULES.items()
        if not name.startswith("storage") and SQL.search(path.read_text())
    ]
    assert offenders == []


def test_no_import_cycles() -> None:
    state: dict[str, int] = {}  # 1 visiting, 2 done

    def visit(name: str, trail: list[str]) -> None:
        state[name] = 1
        for nxt in sorted(_internal(name)):
            assert state.get(nxt) != 1, " -> ".join([*trail, name, nxt])
            if nxt not in state:
                visit(nxt, [*trail, name])
        state[name] = 2

    for name in sorted(MODULES):
        if name not in state:
            visit(name, [])


def test_handlers_share_only_common_helpers() -> None:
    """A dialog lives in one module; handlers share helpers through handlers.common/access."""
    shared = {"handlers", "handlers.common", "handlers.access"}
    # Two entry points hand over: the message dialog passes what is not an absence to the
    # answers module, and /start passes a buddy's link to the buddy dialog.
    allowed = {
        ("handlers.patient.absence", "handlers.patient.messages"),
        ("handlers.onboarding", "handlers.buddies"),
    }
    pairs = {
        (name, m)
        for name in MODULES
        if name.startswith("handlers.")
        for m in _internal(name)
        if m.startswith("handlers") and m not in shared and not m.startswith(f"{name}.")
    }
    assert pairs - allowed == set()


# Everything the bot says reaches a person in their own language (bot.i18n): only the
# catalogue machinery reads the English module. Code merged later that imports bot.texts for
# something it sends fails here; use ``from bot.i18n import texts`` (the reader's language)
# or ``writing_for(recipient.language)`` for someone else.
ENGLISH_TEXTS_ALLOWED = {"bot.i18n", "bot.texts"}


def _reads_english_texts(path: Path) -> bool:
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and (
            node.module == "bot.texts"
            or (node.module == "bot" and any(alias.name == "texts" for alias in node.names))
        ):
            return True
        if isinstance(node, ast.Import) and any(a.name == "bot.texts" for a in node.names):
            return True
    return False


def test_texts_are_read_in_the_readers_language() -> None:
    offenders = sorted(
        name
        for name, path in MODULES.items()
        if name not in ENGLISH_TEXTS_ALLOWED and _reads_english_texts(path)
    )
    assert offenders == []


def test_the_english_texts_check_catches_a_direct_import(tmp_path: Path) -> None:
    lines = ("from bot import callbacks, texts", "import bot.texts", "from bot.texts import X")
    for line in lines:
        module = tmp_path / "m.py"
        module.write_text(f"def f():\n    {line}\n")
        assert _reads_english_texts(module), line
    module.write_text("from bot.i18n import texts\n")
    assert not _reads_english_texts(module)
