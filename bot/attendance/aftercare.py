"""What follows a missed session: a caring follow-up and the catch-up material.

Both are outbox rows, so they survive restarts and go out once; both are withdrawn at send
time if the patient is no longer marked absent (a report withdrawn, a mark corrected).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.attendance.catchup import followup_row, material_row
from bot.attendance.risk import check_risk
from bot.i18n import writing_for
from bot.labels import session_label
from bot.outbox.rows import Planned, quiet_field
from bot.services import Services
from storage import materials as material_store
from storage import people
from storage import schedule as schedule_store
from storage.materials import Material, MaterialTarget
from storage.records import Occurrence, Person


async def after_absence(s: Services, patient: Person, occurrence: Occurrence) -> None:
    """Plan the follow-up, and the material if there is some, for one missed session, and
    re-check risk flags (for every patient, on Telegram or not: a miss is a miss)."""
    await check_risk(s, patient)
    if patient.chat_id is None:
        return
    now = s.clock.now()
    materials = await material_store.materials_for(s.db, occurrence.id)
    with writing_for(patient.language):  # a therapist's mark may be what brought us here
        session = session_label(occurrence, s.zone_of(patient))
        rows = [
            followup_row(
                patient_id=patient.id,
                chat_id=patient.chat_id,
                occurrence_id=occurrence.id,
                name=patient.call_name,
                discreet=patient.discreet,
                quiet=_quiet(s, patient),
                session=session,
                due_at=max(now, occurrence.ends_at + s.config.reminders.followup_after),
            )
        ]
        if materials:
            rows.append(_material(s, patient, occurrence, session, materials, now))
    await s.notifier.enqueue(rows)
    await s.notifier.replan([patient.id])


async def deliver_new_material(
    s: Services, target: MaterialTarget, materials: Sequence[Material]
) -> int:
    """Send newly added material to everyone marked absent at the sessions it covers."""
    now = s.clock.now()
    rows = []
    for patient_id, occurrence_id in await material_store.absent_patients(s.db, target):
        patient = await people.get_person(s.db, patient_id)
        occurrence = await schedule_store.patient_occurrence(s.db, patient_id, occurrence_id)
        if patient.chat_id is None or occurrence is None:
            continue
        with writing_for(patient.language):  # the therapist added it; the patient reads it
            session = session_label(occurrence, s.zone_of(patient))
            rows.append(_material(s, patient, occurrence, session, materials, now))
    await s.notifier.enqueue(rows)
    return len(rows)


def _quiet(s: Services, patient: Person) -> dict[str, object]:
    hours = s.config.reminders.patient_quiet_hours if patient.quiet else None
    return quiet_field(s.zone_of(patient).key, hours)


def _material(
    s: Services,
    patient: Person,
    occurrence: Occurrence,
    session: str,
    materials: Sequence[Material],
    now: datetime,
) -> Planned:
    """Material goes once the session is over (at once for a past one)."""
    return material_row(
        patient_id=patient.id,
        chat_id=patient.chat_id,
        occurrence_id=occurrence.id,
        session=session,
        materials=materials,
        due_at=max(now, occurrence.ends_at),
        discreet=patient.discreet,
        quiet=_quiet(s, patient),
    )
