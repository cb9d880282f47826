"""Checking values read from TOML files (config and schedule), one converter per kind.

Each converter takes the raw TOML value and returns the typed one or raises ``ValueError``
with a short reason; the file's loader adds the file, the table and the key in front.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.durations import parse_duration

WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MAX_NUMBER = 10_000  # counts, capacities, hours: far above any clinic's, far below overflow
# Dates a schedule may name: any clinic's, and far from the calendar's ends (where a time
# zone's offset would overflow).
EARLIEST, LATEST = date(1970, 1, 1), date(2999, 12, 31)
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]{1,40}")


def key_name(key: str) -> str:
    """A TOML key as an error message may show it: on one line, quoted unless plain."""
    return key if _BARE_KEY.fullmatch(key) else repr(key[:40])


def toml_type(value: Any) -> str:
    return {bool: "true/false", int: "a number", float: "a number", str: "a string"}.get(
        type(value), "a list" if isinstance(value, list) else "a table"
    )


def string(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"must be a string, not {toml_type(value)}")
    return value


def text(value: Any) -> str:
    """A string with something in it, trimmed."""
    trimmed = string(value).strip()
    if not trimmed:
        raise ValueError("must not be empty")
    return trimmed


def http_url(value: Any, *, allow_empty: bool = False) -> str:
    url = string(value).strip()
    if (url or not allow_empty) and not url.startswith(("http://", "https://")):
        raise ValueError(f"{url!r} must start with http:// or https://")
    return url


def whole_number(value: Any, low: int = 0, high: int = MAX_NUMBER) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"must be a whole number, not {toml_type(value)}")
    if value < 0 <= low:
        raise ValueError(f"{value} must not be negative")
    if value < low:
        raise ValueError(f"must be at least {low}")
    if value > high:
        raise ValueError(f"{value} is too large (at most {high})")
    return value


def share(value: Any) -> float:
    """A number from 0 to 1 (a probability or a confidence)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"must be a number from 0 to 1, not {toml_type(value)}")
    if not 0 <= value <= 1:
        raise ValueError(f"{value} must be from 0 to 1")
    return float(value)


def money(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f'must be an amount like 50 or "49.99", not {toml_type(value)}')
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f'{value!r} is not an amount like 50 or "49.99"') from None
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"{value!r} must be zero or more")
    if amount.as_tuple().exponent < -2:  # a bill is in cents: 25.005 would be shown as 25.00
        raise ValueError(f"{value!r} has more than 2 decimal places")
    return amount


def parse_zone(name: str) -> ZoneInfo:
    """Return the IANA zone called ``name`` or raise ``ValueError``."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder, a huge name
        raise ValueError(f'{name!r} is not a time zone like "America/New_York"') from None


def zone(value: Any) -> ZoneInfo:
    return parse_zone(text(value))


def duration(value: Any) -> timedelta:
    return parse_duration(string(value))


def clock_time(value: Any) -> time:
    """A local wall-clock time like "18:00"."""
    written = string(value).strip()
    try:
        parsed = time.fromisoformat(written)
    except ValueError:
        raise ValueError(f'{written!r} is not a time like "18:00"') from None
    if parsed.tzinfo is not None or parsed.second or parsed.microsecond:
        raise ValueError(f'{written!r} must be a local time like "18:00" (no offset, no seconds)')
    return parsed


def weekday(value: Any) -> int:
    """Monday is 0. "mon", "tues", "thurs" and "thursday" all work: any prefix of 3+ letters."""
    name = value.strip().lower() if isinstance(value, str) else ""
    matches = [
        n for n, full in enumerate(WEEKDAY_NAMES) if len(name) >= 3 and full.startswith(name)
    ]
    if len(matches) != 1:
        raise ValueError(f"{value!r} is not a weekday (mon, tue, wed, thu, fri, sat, sun)")
    return matches[0]


def calendar_date(value: Any) -> date:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise ValueError(f"{value!r} must be a date like 2026-11-30 (no quotes)")
    if not EARLIEST <= value <= LATEST:
        raise ValueError(f"{value} is not a date between {EARLIEST.year} and {LATEST.year}")
    return value


def local_datetime(value: Any) -> datetime:
    if not isinstance(value, datetime) or value.tzinfo is not None or value.second:
        raise ValueError(f"{value!r} must be a local date-time like 2026-12-10T17:00:00")
    if not EARLIEST <= value.date() <= LATEST:
        raise ValueError(f"{value} is not between {EARLIEST.year} and {LATEST.year}")
    return value.replace(microsecond=0)


def flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{value!r} must be true or false")
    return value
