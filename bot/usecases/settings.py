"""A patient's reminder settings: which lead times they get reminders at."""

from __future__ import annotations

from datetime import timedelta

from bot.services import Services
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


async def toggle_discreet(s: Services, patient: Person) -> bool:
    """Turn discreet first lines on or off; returns the new setting (reminders re-planned)."""
    await people.set_discreet(s.db, patient.id, not patient.discreet)
    await s.notifier.replan([patient.id])
    return not patient.discreet
