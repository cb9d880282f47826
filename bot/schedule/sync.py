"""Turning schedule specs into stored occurrences, and showing them in local time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot import labels
from bot.schedule.file import ScheduleSpec, SeriesSpec, Slot, occurrence_slots
from storage import schedule as schedule_store
from storage.records import ImportSummary, Occurrence

if TYPE_CHECKING:
    from storage.db import Database

# Occurrences are stored this far ahead; the running bot extends the window every day.
HORIZON = timedelta(days=120)
# An import also stores sessions this far back that are not stored yet, so a patient can
# report a session missed just before the clinic started using the bot.
RECENT_PAST = timedelta(days=14)


def _slots(
    series: list[SeriesSpec] | tuple[SeriesSpec, ...],
    cancels: dict[str, set[date]],
    now: datetime,
    end: datetime,
) -> list[Slot]:
    # A day of slack on both ends covers every time zone's idea of "today".
    first, last = (now - timedelta(days=1)).date(), (end + timedelta(days=1)).date()
    return [
        slot
        for spec in series
        for slot in occurrence_slots(spec, cancels.get(spec.id, set()), first, last)
        if slot.starts_at <= end
    ]


async def import_schedule(db: Database, spec: ScheduleSpec, now: datetime) -> ImportSummary:
    """Store a checked schedule file and its occurrences up to the horizon, atomically."""
    cancels: dict[str, set[date]] = {}
    for cancel in spec.cancels:
        cancels.setdefault(cancel.series, set()).add(cancel.date)
    end = now + HORIZON
    slots = _slots(spec.series, cancels, now - RECENT_PAST, end)
    return await schedule_store.import_schedule(db, spec, slots, now, end)


async def extend_occurrences(db: Database, now: datetime, until: datetime) -> int:
    """Materialise occurrences up to ``until``; returns how many were added."""
    series, cancels = await schedule_store.load_series(db)
    slots = _slots(series, cancels, now, until)
    added, _, _ = await schedule_store.sync_occurrences(
        db, [s.id for s in series], slots, now, until
    )
    return added


def local_day_bounds(first: date, last: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """UTC instants from the start of ``first`` to the end of ``last`` in ``zone``."""
    start = datetime.combine(first, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    return start, end


def format_clock(moment: datetime) -> str:
    """6:00 pm, the way people write times in a chat."""
    hour = moment.hour % 12 or 12
    return f"{hour}:{moment.minute:02d} {'am' if moment.hour < 12 else 'pm'}"


def format_session_line(occurrence: Occurrence, zone: ZoneInfo, *, with_whom: bool = False) -> str:
    """'Mon 30 Nov, 6:00 pm – 9:00 pm · Group Therapy' in the reader's time zone.

    ``with_whom`` adds the group or patient, for the therapist who leads the session.
    """
    start = occurrence.starts_at.astimezone(zone)
    end = occurrence.ends_at.astimezone(zone)
    line = f"{labels.short_day(start)}, {labels.format_clock(start)} – {labels.format_clock(end)}"
    line += f" · {occurrence.title}"  # in the reader's language (bot.labels)
    if with_whom:
        line += f" ({occurrence.group_name or occurrence.patient_name})"
    return line


def format_listing_line(occurrence: Occurrence) -> str:
    """One line of `iop-bot schedule list`, in the session's own time zone."""
    zone = ZoneInfo(occurrence.timezone)
    start = occurrence.starts_at.astimezone(zone)
    end = occurrence.ends_at.astimezone(zone)
    who = f"group {occurrence.group_id}" if occurrence.group_id else occurrence.patient_handle
    status = "  CANCELLED" if occurrence.cancelled else ""
    return (
        f"{start:%a %Y-%m-%d %H:%M}–{end:%H:%M} {start:%Z}  {occurrence.title}"
        f"  [{occurrence.series_id}, {who}, {occurrence.therapist_name}]{status}"
    )
