"""Who belongs to a session, what we know of their attendance, and therapist marking."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.db import Database
from storage.records import AttendanceStatus
from storage.timestamps import from_db, to_db

# The patients of an occurrence: its group's members on its date, or its one patient, and
# anyone already marked at it (a former member's mark stays on the sheet).
_MEMBERS = """
SELECT p.id, p.name, p.handle FROM people p
WHERE p.role = 'patient' AND p.id IN (
    SELECT patient_id FROM expected_patients WHERE occurrence_id = ?1
    UNION SELECT patient_id FROM attendance WHERE occurrence_id = ?1)
"""


@dataclass(frozen=True)
class RosterEntry:
    patient_id: int
    name: str
    handle: str
    status: AttendanceStatus | None
    by_therapist: bool
    late_minutes: int | None
    absence_reason: str | None
    absence_reported: bool


@dataclass(frozen=True)
class AuditEntry:
    patient_id: int
    old_status: str | None
    new_status: str
    changed_by: int
    changed_at: str


async def roster(db: Database, occurrence_id: int) -> list[RosterEntry]:
    rows = await db.fetch_all(
        f"SELECT m.id, m.name, m.handle, a.status, a.source = 'therapist', a.late_minutes,"
        " ab.reason,"
        f" ab.id IS NOT NULL AS reported FROM ({_MEMBERS}) m"
        " LEFT JOIN attendance a ON a.patient_id = m.id AND a.occurrence_id = ?1"
        " LEFT JOIN absences ab ON ab.patient_id = m.id AND ab.occurrence_id = ?1"
        " AND ab.status = 'reported' ORDER BY m.name, m.id",
        (occurrence_id,),
    )
    return [
        RosterEntry(
            patient_id=row[0],
            name=row[1],
            handle=row[2],
            status=AttendanceStatus(row[3]) if row[3] else None,
            by_therapist=bool(row[4]),
            late_minutes=row[5],
            absence_reason=row[6],
            absence_reported=bool(row[7]),
        )
        for row in rows
    ]


async def mark(
    db: Database,
    *,
    occurrence_id: int,
    patient_id: int,
    status: AttendanceStatus,
    therapist_id: int,
    now: datetime,
    settle_at: datetime,
) -> AttendanceStatus | None:
    """Set one patient's attendance as the therapist saw it, with an audit entry, and leave
    it unsettled until ``settle_at``, which every mark on the same sheet pushes back.

    Returns the previous status. Marking the same status again writes nothing.
    """
    async with db.transaction() as conn:
        async with conn.execute(
            "SELECT status, source FROM attendance WHERE patient_id = ? AND occurrence_id = ?",
            (patient_id, occurrence_id),
        ) as cursor:
            row = await cursor.fetchone()
        old = AttendanceStatus(row[0]) if row else None
        # The same status the patient gave still needs writing: the therapist's word wins
        # over the patient's later words only once it is stored as theirs.
        if old is status and row[1] == "therapist":
            return old
        await conn.execute(
            "INSERT INTO attendance (patient_id, occurrence_id, status, late_minutes, source,"
            " updated_at) VALUES (?, ?, ?, NULL, 'therapist', ?)"
            # The minutes a patient said they would be late stay (reports show them for a
            # late mark only), so marking them late after all keeps the number.
            " ON CONFLICT (patient_id, occurrence_id) DO UPDATE SET status = excluded.status,"
            " source = 'therapist', updated_at = excluded.updated_at",
            (patient_id, occurrence_id, status.value, to_db(now)),
        )
        await conn.execute(
            "INSERT INTO attendance_audit (patient_id, occurrence_id, old_status, new_status,"
            " changed_by, changed_at) VALUES (?, ?, ?, ?, ?, ?)",
            (patient_id, occurrence_id, old.value if old else None, status.value, therapist_id,
             to_db(now)),
        )  # fmt: skip
        await conn.execute(
            "INSERT INTO unsettled_marks (occurrence_id, patient_id, settle_at) VALUES (?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            (occurrence_id, patient_id, to_db(settle_at)),
        )
        await conn.execute(
            "UPDATE unsettled_marks SET settle_at = ? WHERE occurrence_id = ?",
            (to_db(settle_at), occurrence_id),
        )
        return old


@dataclass(frozen=True)
class UnsettledMark:
    occurrence_id: int
    patient_id: int
    settle_at: str  # as stored: settling compares it, so a newer tap is never lost
    therapist_id: int  # who tapped last


# With who changed the mark last (the attendance audit trail).
_UNSETTLED = """
SELECT u.occurrence_id, u.patient_id, u.settle_at,
       (SELECT c.changed_by FROM attendance_audit c WHERE c.occurrence_id = u.occurrence_id
        AND c.patient_id = u.patient_id ORDER BY c.id DESC LIMIT 1)
FROM unsettled_marks u"""


async def unsettled_marks(
    db: Database, now: datetime, occurrence_id: int | None = None
) -> list[UnsettledMark]:
    """Marks left alone until now, or every unsettled mark of one sheet (Done was pressed)."""
    if occurrence_id is None:
        rows = await db.fetch_all(
            f"{_UNSETTLED} WHERE u.settle_at <= ? ORDER BY u.settle_at, u.occurrence_id,"
            " u.patient_id",
            (to_db(now),),
        )
    else:
        rows = await db.fetch_all(
            f"{_UNSETTLED} WHERE u.occurrence_id = ? ORDER BY u.patient_id",
            (occurrence_id,),
        )
    return [UnsettledMark(*tuple(row)) for row in rows]


async def mark_settled(db: Database, entry: UnsettledMark) -> None:
    """Done with this mark, unless it was tapped again since it was read."""
    async with db.transaction() as conn:
        await conn.execute(
            "DELETE FROM unsettled_marks WHERE occurrence_id = ? AND patient_id = ?"
            " AND settle_at = ?",
            (entry.occurrence_id, entry.patient_id, entry.settle_at),
        )


async def audit_log(db: Database, occurrence_id: int) -> list[AuditEntry]:
    rows = await db.fetch_all(
        "SELECT patient_id, old_status, new_status, changed_by, changed_at"
        " FROM attendance_audit WHERE occurrence_id = ? ORDER BY id",
        (occurrence_id,),
    )
    return [AuditEntry(*tuple(row)) for row in rows]


@dataclass(frozen=True)
class EndingSession:
    occurrence_id: int
    title: str
    group_name: str | None
    starts_at: datetime
    ends_at: datetime
    therapist_id: int
    therapist_chat_id: int
    therapist_timezone: str | None
    therapist_language: str | None = None


async def sessions_ending(db: Database, start: datetime, end: datetime) -> list[EndingSession]:
    """Scheduled sessions ending in ``[start, end)`` whose therapist has joined."""
    rows = await db.fetch_all(
        "SELECT o.id, o.title, g.name, o.starts_at, o.ends_at, t.id, t.chat_id, t.timezone,"
        " t.language"
        " FROM occurrences o JOIN series s ON s.id = o.series_id"
        " JOIN people t ON t.id = s.therapist_id LEFT JOIN groups g ON g.id = s.group_id"
        " WHERE o.status = 'scheduled' AND o.ends_at >= ? AND o.ends_at < ?"
        " AND t.chat_id IS NOT NULL ORDER BY o.ends_at",
        (to_db(start), to_db(end)),
    )
    return [
        EndingSession(
            row[0],
            row[1],
            row[2],
            from_db(row[3]),
            from_db(row[4]),
            row[5],
            row[6],
            row[7],
            row[8],
        )
        for row in rows
    ]
