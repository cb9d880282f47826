"""A person's next sessions as chat text, in their own time zone."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot import timezones
from bot.i18n import texts
from bot.kinds import Role
from bot.schedule.sync import format_session_line
from storage import schedule as schedule_store
from storage.records import Person

if TYPE_CHECKING:
    from storage.db import Database

AGENDA_DAYS = 7


def person_zone(person: Person, fallback: ZoneInfo) -> ZoneInfo:
    return ZoneInfo(person.timezone) if person.timezone else fallback


async def week_agenda(db: Database, person: Person, now: datetime, fallback: ZoneInfo) -> str:
    """The sessions a patient attends, or a therapist leads, in the next seven days."""
    end = now + timedelta(days=AGENDA_DAYS)
    if person.role is Role.PATIENT:
        occurrences = await schedule_store.patient_occurrences(db, person.id, now, end)
        header, empty = texts.NEXT_SESSIONS_HEADER, texts.NO_SESSIONS_THIS_WEEK
    else:
        occurrences = await schedule_store.therapist_occurrences(db, person.id, now, end)
        header, empty = texts.THERAPIST_SESSIONS_HEADER, texts.THERAPIST_NO_SESSIONS
    if not occurrences:
        return empty
    zone = person_zone(person, fallback)
    lines = [header]
    for occurrence in occurrences:
        with_whom = person.role is Role.THERAPIST
        lines.append("• " + format_session_line(occurrence, zone, with_whom=with_whom))
        if occurrence.link:
            lines.append(texts.AGENDA_JOIN.format(link=occurrence.link))
    lines.append(texts.TIMES_SHOWN_IN.format(zone_label=timezones.label(zone.key)))
    return "\n".join(lines)
