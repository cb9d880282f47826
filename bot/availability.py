"""When the clinic's staff read messages: ``[program] office_hours``, in the program's zone.

Office hours change only what the bot says about when a person will read something; alerts
always go out at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.labels import describe_when

# Weekday (0 = Monday) -> (opens, closes). A missing day is closed.
OfficeHours = Mapping[int, tuple[time, time]]


def next_opening(now: datetime, hours: OfficeHours, zone: ZoneInfo) -> datetime | None:
    """None when the office is open now; else when it next opens (None too if never)."""
    local = now.astimezone(zone)
    for days in range(8):
        day = (local + timedelta(days=days)).date()
        span = hours.get(day.weekday())
        if span is None:
            continue
        opens = datetime.combine(day, span[0], tzinfo=zone)
        closes = datetime.combine(day, span[1], tzinfo=zone)
        if days == 0 and opens <= local < closes:
            return None
        if opens > local:
            return opens
    return None


def back_when(
    now: datetime, hours: OfficeHours, zone: ZoneInfo, reader_zone: ZoneInfo
) -> str | None:
    """'tomorrow at 9:00 am' (in the reader's zone) when the office is closed; None when open."""
    opening = next_opening(now, hours, zone)
    return describe_when(opening, now, reader_zone) if opening is not None else None
