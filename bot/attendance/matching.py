"""Placing an absence, late notice or confirmation on one of the patient's sessions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.kinds import SessionKind
from bot.labels import format_clock, short_day
from storage.records import AbsenceKind, Occurrence

# How far back a missed session can be reported, and how far ahead we list choices.
LOOK_BACK = timedelta(days=14)
LOOK_AHEAD = timedelta(days=14)
MAX_CHOICES = 4


class MatchKind(StrEnum):
    ONE = "one"  # exactly one session fits: ask to confirm it
    SEVERAL = "several"  # several fit that date: ask which
    NONE_THAT_DAY = "none_that_day"  # a date was named, no session then: offer the nearest
    NO_DATE = "no_date"  # no date named: offer the likely ones


@dataclass(frozen=True)
class SessionMatch:
    kind: MatchKind
    occurrences: tuple[Occurrence, ...]


def local_date(occurrence: Occurrence, zone: ZoneInfo) -> date:
    return occurrence.starts_at.astimezone(zone).date()


def candidates(
    occurrences: list[Occurrence], absence_kind: AbsenceKind, now: datetime
) -> list[Occurrence]:
    """Sessions an absence of this kind can be about: not yet over, or already started."""
    if absence_kind is AbsenceKind.UPCOMING:
        return [o for o in occurrences if o.ends_at > now and o.starts_at < now + LOOK_AHEAD]
    past = [o for o in occurrences if now - LOOK_BACK <= o.starts_at <= now]
    return sorted(past, key=lambda o: o.starts_at, reverse=True)


def match_session(
    occurrences: list[Occurrence],
    *,
    absence_kind: AbsenceKind,
    on: date | None,
    session_kind: SessionKind | None,
    now: datetime,
    zone: ZoneInfo,
) -> SessionMatch:
    """Which of the patient's sessions a message is about (see ``MatchKind``)."""
    pool = candidates(occurrences, absence_kind, now)
    if on is None:
        return SessionMatch(
            MatchKind.NO_DATE, tuple(_prefer_kind(pool, session_kind)[:MAX_CHOICES])
        )
    that_day = [o for o in occurrences if local_date(o, zone) == on and o in pool]
    if not that_day:
        nearest = sorted(pool, key=lambda o: abs((local_date(o, zone) - on).days))
        return SessionMatch(MatchKind.NONE_THAT_DAY, tuple(nearest[:MAX_CHOICES]))
    of_kind = [o for o in that_day if session_kind and o.kind is session_kind]
    if len(of_kind) == 1:
        return SessionMatch(MatchKind.ONE, tuple(of_kind))
    if len(that_day) == 1:
        return SessionMatch(MatchKind.ONE, tuple(that_day))
    return SessionMatch(MatchKind.SEVERAL, tuple((of_kind or that_day)[:MAX_CHOICES]))


def _prefer_kind(pool: list[Occurrence], session_kind: SessionKind | None) -> list[Occurrence]:
    if session_kind is None:
        return pool
    return [o for o in pool if o.kind is session_kind] or pool


def next_session(
    occurrences: list[Occurrence], *, on: date | None, now: datetime, zone: ZoneInfo
) -> Occurrence | None:
    """The first session not yet over, on ``on`` if given (a late notice, a confirmation)."""
    upcoming = [o for o in occurrences if o.ends_at > now]
    if on is not None:
        upcoming = [o for o in upcoming if local_date(o, zone) == on]
    return min(upcoming, key=lambda o: o.starts_at, default=None)


def session_label(occurrence: Occurrence, zone: ZoneInfo) -> str:
    """'Group Therapy, Thu 3 Dec, 6:00 pm' in the reader's zone."""
    start = occurrence.starts_at.astimezone(zone)
    return f"{occurrence.title}, {short_day(start)}, {format_clock(start)}"


def button_label(occurrence: Occurrence, zone: ZoneInfo) -> str:
    start = occurrence.starts_at.astimezone(zone)
    return f"{short_day(start)} {format_clock(start)} · {occurrence.title}"[:60]


def lead_time(occurrence: Occurrence, now: datetime) -> timedelta:
    return occurrence.starts_at - now
