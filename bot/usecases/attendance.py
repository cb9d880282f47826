"""What a therapist does with attendance: mark a patient at a session they lead.

Taps only write the mark (audited). What a mark sets off (the follow-up and catch-up
material for an absence, risk flags up or down) waits until the therapist presses Done or
leaves the sheet alone for ``SHEET_IDLE``: correcting "late" to "present" passes through
"absent", and that pass must not alert anyone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.attendance.aftercare import after_absence
from bot.attendance.risk import check_risk
from bot.i18n import ENGLISH, texts_for
from bot.services import Services
from bot.usecases.fees import waive_after_correction
from storage import absences, people
from storage import makeups as makeup_store
from storage import roster as roster_store
from storage import schedule as schedule_store
from storage.records import AttendanceStatus, Occurrence, Person

# present -> late -> absent -> present; a first tap means present, whatever the patient
# said before (coming, running late, can't make it): the therapist's first word is "here".
NEXT_MARK = {
    AttendanceStatus.PRESENT: AttendanceStatus.LATE,
    AttendanceStatus.LATE: AttendanceStatus.ABSENT,
    AttendanceStatus.ABSENT: AttendanceStatus.PRESENT,
}

SHEET_IDLE = timedelta(minutes=10)
ATTENDED = (AttendanceStatus.PRESENT, AttendanceStatus.LATE)
# A waiver's reason is stored with the charge and read by staff and billing: in English.
_STORED = texts_for(ENGLISH)


@dataclass(frozen=True)
class Marked:
    patient_name: str
    status: AttendanceStatus


async def toggle_attendance(
    s: Services, therapist: Person, occurrence: Occurrence, patient_id: int
) -> Marked | None:
    """Move one patient's mark to the next one (audited); None if not on this roster."""
    entries = {e.patient_id: e for e in await roster_store.roster(s.db, occurrence.id)}
    entry = entries.get(patient_id)
    if entry is None:
        return None
    new = NEXT_MARK[entry.status] if entry.by_therapist else AttendanceStatus.PRESENT
    now = s.clock.now()
    await roster_store.mark(
        s.db,
        occurrence_id=occurrence.id,
        patient_id=patient_id,
        status=new,
        therapist_id=therapist.id,
        now=now,
        settle_at=now + SHEET_IDLE,
    )
    return Marked(entry.name, new)


async def settle_marks(s: Services, occurrence_id: int | None = None) -> int:
    """Act on the marks therapists left: one sheet's (Done), else every sheet left alone
    for ``SHEET_IDLE``. A mark is settled only after its consequences are queued, so a
    crash repeats them (the outbox and the flags make that harmless), never drops them.
    Returns how many marks were settled."""
    entries = await roster_store.unsettled_marks(s.db, s.clock.now(), occurrence_id)
    for entry in entries:
        patient = await people.get_person(s.db, entry.patient_id)
        status = await absences.attendance_status(s.db, entry.patient_id, entry.occurrence_id)
        occurrence = await schedule_store.occurrence(s.db, entry.occurrence_id)
        if status is AttendanceStatus.ABSENT and occurrence is not None:
            await after_absence(s, patient, occurrence)
        else:
            await check_risk(s, patient)
            await waive_after_correction(
                s,
                patient.id,
                entry.occurrence_id,
                entry.therapist_id,
                _STORED.FEE_WAIVED_CORRECTED,
            )
        booking = await makeup_store.booking_for_session(s.db, patient.id, entry.occurrence_id)
        if status in ATTENDED and booking is not None:  # a make-up, marked after the fee
            await waive_after_correction(
                s, patient.id, booking.missed_occurrence_id, entry.therapist_id,
                _STORED.FEE_WAIVED_MADE_UP,
            )  # fmt: skip
        await roster_store.mark_settled(s.db, entry)
    return len(entries)
