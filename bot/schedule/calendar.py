"""A patient's sessions as an iCalendar (.ics) file for their phone's calendar.

Pure: it takes plain session values and returns bytes (``icalendar`` is imported only here,
when a file is made). Importing a newer file updates events instead of adding copies:

- each event's UID is its occurrence id (``occurrence-42@<bot or program>``), so it stays the
  same across downloads and when the session moves;
- SEQUENCE is the occurrence's revision, which goes up every time its time or status changes,
  and LAST-MODIFIED is when that happened; DTSTAMP is when the file was made;
- a cancelled session is listed with STATUS:CANCELLED, so a re-import removes it.

Times are written in the patient's zone (DTSTART;TZID=...) with a VTIMEZONE for that zone
covering the file's weeks, so every calendar app shows them right across a DST change.
Alarms (VALARM) follow the patient's reminder lead times. With discretion on, an event is an
"Appointment" and nothing in it names the therapy; group sessions never list who else comes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.i18n import texts
from bot.labels import display_title

# Says nothing about care: a calendar app may show it, or sync it elsewhere.
PRODUCT_ID = "-//Reminders//Calendar//EN"


class CalendarSession(Protocol):
    """What the file needs of one occurrence (``storage.records.Occurrence`` fits)."""

    @property
    def id(self) -> int: ...

    @property
    def title(self) -> str: ...

    @property
    def starts_at(self) -> datetime: ...

    @property
    def ends_at(self) -> datetime: ...

    @property
    def cancelled(self) -> bool: ...

    @property
    def link(self) -> str | None: ...

    @property
    def revision(self) -> int: ...

    @property
    def updated_at(self) -> datetime | None: ...


def event_uid(occurrence_id: int, domain: str) -> str:
    """The event's UID: the same for one occurrence in every file, whatever its time."""
    return f"occurrence-{occurrence_id}@{domain}"


def build_calendar(
    sessions: Sequence[CalendarSession],
    *,
    zone: ZoneInfo,
    lead_times: Sequence[timedelta],
    discreet: bool,
    uid_domain: str,
    now: datetime,
) -> bytes:
    """The .ics bytes: one event per session (cancelled ones marked so), alarms at
    ``lead_times`` before each scheduled one, times in ``zone``."""
    from icalendar import Alarm, Calendar, Event

    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    for session in sessions:
        summary = texts.CALENDAR_TITLE_DISCREET if discreet else display_title(session.title)
        event = Event()
        event.add("uid", event_uid(session.id, uid_domain))
        event.add("dtstamp", now)
        if session.updated_at is not None:
            event.add("last-modified", session.updated_at)
        event.add("sequence", session.revision)
        event.add("summary", summary)
        event.add("dtstart", session.starts_at.astimezone(zone))
        event.add("dtend", session.ends_at.astimezone(zone))
        event.add("status", "CANCELLED" if session.cancelled else "CONFIRMED")
        event.add("transp", "TRANSPARENT" if session.cancelled else "OPAQUE")
        if session.link:
            event.add("url", session.link)
            if not discreet:  # a location shows on lock screens and widgets
                event.add("location", session.link)
            event.add("description", texts.CALENDAR_JOIN.format(link=session.link))
        if not session.cancelled:
            for lead in sorted(set(lead_times), reverse=True):
                alarm = Alarm()
                alarm.add("action", "DISPLAY")
                alarm.add("description", summary)
                alarm.add("trigger", -lead)
                event.add_component(alarm)
        calendar.add_component(event)
    if sessions:
        # VTIMEZONE rules from a little before the first session to after the last one.
        first = min(s.starts_at for s in sessions).astimezone(zone).date()
        last = max(s.ends_at for s in sessions).astimezone(zone).date()
        calendar.add_missing_timezones(
            first_date=first - timedelta(days=366), last_date=last + timedelta(days=366)
        )
    return calendar.to_ical()
