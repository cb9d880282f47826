"""After a missed session: asking to talk it over, and saying one has caught up."""

from __future__ import annotations

from bot.services import Services
from bot.usecases.care_team import alert_about_session
from storage import materials as material_store
from storage.records import Occurrence, Person


async def ask_to_talk(s: Services, patient: Person, occurrence: Occurrence) -> None:
    """The follow-up's "I'd like to talk to my therapist": tell the care team (once)."""
    tag = f"talk:{patient.id}:{occurrence.id}"
    await alert_about_session(s, patient, occurrence, "ALERT_TALK", tag=tag)


async def mark_caught_up(s: Services, patient: Person, occurrence: Occurrence) -> bool:
    """Record that the patient went through the material; False if they already had."""
    return await material_store.mark_caught_up(s.db, patient.id, occurrence.id, s.clock.now())
