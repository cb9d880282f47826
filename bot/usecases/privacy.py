"""Patients' rights: a copy of everything stored about them, and forgetting them."""

from __future__ import annotations

import json
from datetime import datetime

from bot.kinds import AuditAction, Role
from storage import audit, people, personal_data
from storage.db import Database
from storage.personal_data import Forgotten
from storage.records import Person


async def my_data(db: Database, patient: Person, now: datetime) -> bytes:
    """The JSON file /mydata sends: every section of ``personal_data.patient_record``."""
    record = await personal_data.patient_record(db, patient.id)
    document = {"exported_at": now.isoformat(timespec="seconds"), **record}
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")


class NotAPatient(LookupError):
    """``forget`` was given a handle that names no patient."""


async def forget(db: Database, handle: str, now: datetime) -> tuple[Person, Forgotten]:
    """Forget the patient with ``handle`` (an admin's act, audited); raises ``NotAPatient``
    for anyone else."""
    person = await people.find_by_handle(db, handle)
    if person is None or person.role is not Role.PATIENT:
        raise NotAPatient(handle)
    forgotten = await personal_data.forget_patient(db, person.id, now)
    await audit.record(
        db, at=now, actor_id=None, action=AuditAction.FORGOT_PATIENT, patient_id=person.id
    )
    return person, forgotten
