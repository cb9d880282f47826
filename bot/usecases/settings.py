"""A patient's settings: reminder lead times, discreet first lines, quiet nights, language."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bot.i18n import ENGLISH, SPANISH, current_language
from bot.services import Services
from storage import outbox as outbox_store
from storage import people
from storage import preferences as preference_store
from storage.records import Person


async def lead_times(s: Services, patient: Person) -> tuple[timedelta, ...]:
    """The patient's own lead times, or the clinic's defaults."""
    own = await preference_store.reminder_lead_times(s.db, patient.id)
    return own if own is not None else s.config.reminders.lead_times


async def toggle_lead_time(s: Services, patient: Person, lead: timedelta) -> tuple[timedelta, ...]:
    """Add or remove one lead time, re-plan, and return the new choice."""
    leads = set(await lead_times(s, patient)) ^ {lead}
    await preference_store.set_reminder_lead_times(s.db, patient.id, sorted(leads), s.clock.now())
    await s.notifier.replan([patient.id])
    return await lead_times(s, patient)


async def use_default_lead_times(s: Services, patient: Person) -> tuple[timedelta, ...]:
    await preference_store.clear_reminder_lead_times(s.db, patient.id)
    await s.notifier.replan([patient.id])
    return await lead_times(s, patient)


async def toggle_discreet(s: Services, patient: Person) -> Person:
    """Turn discreet first lines on or off (reminders re-planned); returns the patient as now."""
    await people.set_discreet(s.db, patient.id, not patient.discreet)
    await s.notifier.replan([patient.id])
    return replace(patient, discreet=not patient.discreet)


async def toggle_quiet(s: Services, patient: Person) -> Person:
    """Turn quiet hours on or off (reminders re-planned); returns the patient as now."""
    await people.set_quiet(s.db, patient.id, not patient.quiet)
    await s.notifier.replan([patient.id])
    return replace(patient, quiet=not patient.quiet)


async def switch_language(s: Services, person: Person) -> Person:
    """English <-> Spanish for a patient or therapist (reminders re-planned in it)."""
    language = SPANISH if (person.language or current_language()) == ENGLISH else ENGLISH
    await people.set_language(s.db, person.id, language)
    if person.role.value == "patient":
        await s.notifier.replan([person.id])
    else:  # a therapist's end-of-session prompts waiting to go out: planned again in it
        await outbox_store.drop_pending_attendance_prompts(s.db, person.id)
        await s.notifier.replan()
    return replace(person, language=language)
