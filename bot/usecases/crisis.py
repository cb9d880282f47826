"""Someone wrote crisis words: the care team is alerted before anything else happens."""

from __future__ import annotations

from bot import texts
from bot.services import Services
from bot.usecases.care_team import alert_care_team, quote, therapist_name
from storage.records import Person


async def report_crisis(
    s: Services, patient: Person | None, text: str, *, event: str
) -> str | None:
    """Queue the urgent alert for a patient's care team; return their therapist's name.

    None when nobody on a care team can be told (not a patient, or no therapist).
    """
    if patient is None:
        return None
    await alert_care_team(
        s,
        patient,
        lambda _: texts.ALERT_CRISIS.format(patient=patient.name, text=quote(text)),
        tag=f"crisis:{event}",
    )
    if patient.therapist_id is None:
        return None
    return await therapist_name(s, patient)
