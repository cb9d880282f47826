"""What follows a missed session: a caring follow-up and the catch-up material.

Both are outbox rows, so they survive restarts and go out once; both are withdrawn at send
time if the patient is no longer marked absent (a report withdrawn, a mark corrected).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.attendance.catchup import followup_row, material_row
from bot.attendance.matching import session_label
from bot.attendance.risk import check_risk
from bot.config import Config
from bot.outbox.notifier import Notifier
from bot.outbox.planning import Planned
from bot.schedule.agenda import person_zone
from storage import materials as material_store
from storage import people
from storage import schedule as schedule_store
from storage.db import Database
from storage.materials import Material, MaterialTarget
from storage.records import Occurrence, Person


async def after_absence(
    db: Database,
    notifier: Notifier,
    config: Config,
    patient: Person,
    occurrence: Occurrence,
    now: datetime,
) -> None:
    """Plan the follow-up, and the material if there is some, for one missed session."""
    if patient.chat_id is None:
        return
    session = session_label(occurrence, person_zone(patient, config.program.timezone))
    rows = [
        followup_row(
            patient_id=patient.id,
            chat_id=patient.chat_id,
            occurrence_id=occurrence.id,
            name=patient.name,
            session=session,
            due_at=max(now, occurrence.ends_at + config.reminders.followup_after),
        )
    ]
    materials = await material_store.materials_for(db, occurrence.id)
    if materials:
        rows.append(_material(patient, occurrence, session, materials, now))
    await notifier.enqueue(rows)
    await notifier.replan([patient.id])
    await check_risk(db, notifier, config.policy, patient, now)


async def deliver_new_material(
    db: Database,
    notifier: Notifier,
    config: Config,
    target: MaterialTarget,
    materials: Sequence[Material],
    now: datetime,
) -> int:
    """Send newly added material to everyone marked absent at the sessions it covers."""
    rows = []
    for patient_id, occurrence_id in await material_store.absent_patients(db, target):
        patient = await people.get_person(db, patient_id)
        occurrence = await schedule_store.patient_occurrence(db, patient_id, occurrence_id)
        if patient.chat_id is None or occurrence is None:
            continue
        session = session_label(occurrence, person_zone(patient, config.program.timezone))
        rows.append(_material(patient, occurrence, session, materials, now))
    await notifier.enqueue(rows)
    return len(rows)


def _material(
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
    )
