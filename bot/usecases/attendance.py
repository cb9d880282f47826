"""What a therapist does with attendance: mark a patient at a session they lead."""

from __future__ import annotations

from dataclasses import dataclass

from bot.attendance.aftercare import after_absence
from bot.services import Services
from storage import people
from storage import roster as roster_store
from storage.records import AttendanceStatus, Occurrence, Person

# present -> late -> absent -> present; a first tap (unmarked or "coming") means present.
NEXT_MARK = {
    AttendanceStatus.PRESENT: AttendanceStatus.LATE,
    AttendanceStatus.LATE: AttendanceStatus.ABSENT,
    AttendanceStatus.ABSENT: AttendanceStatus.PRESENT,
}


@dataclass(frozen=True)
class Marked:
    patient_name: str
    status: AttendanceStatus


async def toggle_attendance(
    s: Services, therapist: Person, occurrence: Occurrence, patient_id: int
) -> Marked | None:
    """Move one patient's mark to the next one (audited); None if not on this roster.

    Marking someone absent plans their follow-up and catch-up material, as a report does.
    """
    entries = {e.patient_id: e for e in await roster_store.roster(s.db, occurrence.id)}
    entry = entries.get(patient_id)
    if entry is None:
        return None
    new = NEXT_MARK.get(entry.status, AttendanceStatus.PRESENT)
    await roster_store.mark(
        s.db,
        occurrence_id=occurrence.id,
        patient_id=patient_id,
        status=new,
        therapist_id=therapist.id,
        now=s.clock.now(),
    )
    if new is AttendanceStatus.ABSENT:
        await after_absence(s, await people.get_person(s.db, patient_id), occurrence)
    return Marked(entry.name, new)
