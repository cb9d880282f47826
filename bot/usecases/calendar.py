"""/calendar: a patient's next four weeks of sessions as a calendar file."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from bot.schedule.calendar import build_calendar
from bot.services import Services
from bot.usecases.settings import lead_times
from storage import schedule as schedule_store
from storage.records import Person

CALENDAR_WEEKS = 4
CALENDAR_FILENAME = "sessions.ics"

NEUTRAL_UID_DOMAIN = "appointments.invalid"


async def calendar_file(services: Services, patient: Person, now: datetime) -> bytes | None:
    """The .ics bytes of the patient's sessions (their groups' and their own) that have not
    ended and start within four weeks, cancelled ones (and ones no longer theirs) included so
    a re-import removes them; None when there are none. Alarms follow the patient's own
    reminder lead times."""
    end = now + timedelta(weeks=CALENDAR_WEEKS)
    sessions = await schedule_store.patient_occurrences(
        services.db, patient.id, now, end, include_cancelled=True
    )
    if not sessions:
        return None
    # No longer theirs (a group left, a make-up let go): cancelled for them, and a newer
    # revision than the phone has, so the event goes.
    sessions += [
        replace(former, cancelled=True, revision=former.revision + 1)
        for former in await schedule_store.former_occurrences(services.db, patient.id, now, end)
    ]
    sessions.sort(key=lambda session: (session.starts_at, session.series_id))
    config = services.config
    return build_calendar(
        sessions,
        zone=services.zone_of(patient),
        lead_times=await lead_times(services, patient),
        discreet=patient.discreet,
        # Synced to calendar clouds: never the program's name ("…-recovery-iop").
        uid_domain=config.telegram.bot_username or NEUTRAL_UID_DOMAIN,
        now=now,
    )
