"""Reading a TOML file with one-line errors that name the file."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from bot.errors import IopBotError


def read_toml(path: Path, error: type[IopBotError], missing_hint: str = "") -> dict[str, Any]:
    """Parse ``path`` or raise ``error`` saying, in one line, what is wrong with the file."""
    try:
        # utf-8-sig: files saved by Windows editors often start with a byte-order mark.
        return tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise error(f"{path}: not found{missing_hint}") from None
    except (OSError, UnicodeDecodeError) as problem:
        raise error(f"{path}: cannot be read ({problem})") from None
    except tomllib.TOMLDecodeError as problem:
        raise error(f"{path}: not valid TOML ({problem})") from None
    except ValueError as problem:  # e.g. an integer of more than 4,300 digits
        raise error(f"{path}: not valid TOML ({' '.join(str(problem).split())})") from None
    except RecursionError:
        raise error(f"{path}: nested too deeply to be a config or schedule file") from None
