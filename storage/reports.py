"""Attendance history for reports and patient summaries, read set-based, never row by row.

Who was expected at a session (its roster): the members of its group on that date
(``memberships``: joined on or before its start, not yet left), or the patient of a
one-patient series, or a make-up guest who booked a seat at it, plus anyone with an
attendance row for it (a former member whose history must stay in the billing export).
Only people with the patient role count, only started sessions, never cancelled ones. A
session's title, kind and zone are the ones it had when it happened (stored on the
occurrence).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from bot.kinds import SessionKind
from storage.db import Database
from storage.records import AttendanceStatus
from storage.timestamps import from_db, to_db

# The attended session (series id and local date) that made up a missed one: a booking
# for it whose session the therapist marked present or late.
MADE_UP_BY = """(SELECT mo.series_id || ' ' || mo.local_date FROM bookings b
    JOIN occurrences mo ON mo.id = b.occurrence_id
    JOIN attendance ma ON ma.patient_id = b.patient_id AND ma.occurrence_id = b.occurrence_id
        AND ma.status IN ('present', 'late') AND ma.source = 'therapist'
    WHERE b.patient_id = {patient} AND b.missed_occurrence_id = {occurrence}
        AND b.status = 'booked')"""
# The session is itself a make-up (a booked seat or catch-up): it counts through the one it
# makes up, never twice.
IS_MAKEUP = """EXISTS (SELECT 1 FROM bookings b WHERE b.patient_id = {patient}
    AND b.occurrence_id = {occurrence} AND b.status = 'booked')"""

# Started, not cancelled sessions of a period ([start, until)).
_PERIOD = "o.starts_at >= :start AND o.starts_at < :until AND o.status = 'scheduled'"

# Everyone on the rosters of the period's sessions, as ids and marks only: the details of
# sessions and patients come once each from SESSIONS_QUERY and PATIENTS_QUERY. UNION also
# removes a patient who is both a member and has an attendance row.
REPORT_QUERY = f"""
WITH occ AS (
    SELECT o.id, o.starts_at, s.group_id, s.patient_id
    FROM occurrences o JOIN series s ON s.id = o.series_id
    WHERE {_PERIOD}
),
roster (occurrence_id, patient_id) AS (
    SELECT occ.id, m.patient_id FROM occ JOIN memberships m ON m.group_id = occ.group_id
        AND m.joined_at <= occ.starts_at AND (m.left_at IS NULL OR occ.starts_at < m.left_at)
    UNION
    SELECT occ.id, occ.patient_id FROM occ WHERE occ.patient_id IS NOT NULL
    UNION
    SELECT b.occurrence_id, b.patient_id FROM occ JOIN bookings b ON b.occurrence_id = occ.id
        AND b.status = 'booked'
    UNION
    SELECT a.occurrence_id, a.patient_id FROM occ JOIN attendance a ON a.occurrence_id = occ.id
)
SELECT r.occurrence_id, r.patient_id, a.status, a.source, a.late_minutes,
       ab.id IS NOT NULL AS absence_reported, ab.reason, ab.reported_at,
       {MADE_UP_BY.format(patient="r.patient_id", occurrence="r.occurrence_id")} AS made_up_by,
       {IS_MAKEUP.format(patient="r.patient_id", occurrence="r.occurrence_id")} AS is_makeup
FROM roster r
JOIN occurrences o ON o.id = r.occurrence_id
JOIN series s ON s.id = o.series_id
JOIN people p ON p.id = r.patient_id
LEFT JOIN attendance a ON a.patient_id = r.patient_id AND a.occurrence_id = r.occurrence_id
LEFT JOIN absences ab ON ab.patient_id = r.patient_id AND ab.occurrence_id = r.occurrence_id
    AND ab.status = 'reported'
WHERE p.role = 'patient'
  AND (:therapist_id IS NULL OR s.therapist_id = :therapist_id
       OR p.therapist_id = :therapist_id)
ORDER BY o.starts_at, o.series_id, p.handle
"""

SESSIONS_QUERY = f"""
SELECT o.id, o.series_id, o.starts_at, o.timezone, o.title, o.kind, s.group_id,
       g.name AS group_name, t.handle AS therapist_handle
FROM occurrences o
JOIN series s ON s.id = o.series_id
JOIN people t ON t.id = s.therapist_id
LEFT JOIN groups g ON g.id = s.group_id
WHERE {_PERIOD}
"""

PATIENTS_QUERY = "SELECT id, handle, name FROM people WHERE role = 'patient'"

# One patient's started, not cancelled sessions: their groups', their own, and any other
# session they have an attendance row for.
PATIENT_QUERY = f"""
WITH occ (id, starts_at) AS (
    SELECT o.id, o.starts_at
    FROM expected_patients e JOIN occurrences o ON o.id = e.occurrence_id
    WHERE e.patient_id = :patient_id AND o.starts_at < :now AND o.status = 'scheduled'
    UNION
    SELECT o.id, o.starts_at
    FROM attendance a JOIN occurrences o ON o.id = a.occurrence_id
    WHERE a.patient_id = :patient_id AND o.starts_at < :now AND o.status = 'scheduled'
)
SELECT occ.id AS occurrence_id, occ.starts_at, a.status, a.source,
       ab.id IS NOT NULL AS absence_reported,
       {MADE_UP_BY.format(patient=":patient_id", occurrence="occ.id")} IS NOT NULL AS made_up,
       {IS_MAKEUP.format(patient=":patient_id", occurrence="occ.id")} AS is_makeup
FROM occ
LEFT JOIN attendance a ON a.patient_id = :patient_id AND a.occurrence_id = occ.id
LEFT JOIN absences ab ON ab.patient_id = :patient_id AND ab.occurrence_id = occ.id
    AND ab.status = 'reported'
ORDER BY occ.starts_at, occ.id
"""


@dataclass(frozen=True, slots=True)
class ReportSession:
    """A started session of the report's period (shared by the rows of its roster)."""

    occurrence_id: int
    series_id: str
    starts_at: datetime
    timezone: str
    title: str
    kind: SessionKind
    group_id: str | None
    group_name: str | None
    therapist_handle: str


@dataclass(frozen=True, slots=True)
class ReportPatient:
    id: int
    handle: str
    name: str


@dataclass(frozen=True, slots=True)
class AttendanceRecord:
    """One patient on the roster of one started session, with what is known about them."""

    session: ReportSession
    patient: ReportPatient
    status: AttendanceStatus | None
    by_therapist: bool  # the therapist marked it, rather than the patient saying so
    late_minutes: int | None
    absence_reported: bool
    absence_reason: str | None
    reported_at: datetime | None  # when the live absence report was made
    made_up_by: str | None  # "series-id 2026-12-02": the attended make-up of this miss
    is_makeup: bool  # this session is itself a booked make-up or catch-up


@dataclass(frozen=True, slots=True)
class PatientMark:
    """One started session of one patient: the attendance row's status, if any."""

    occurrence_id: int
    starts_at: datetime
    status: AttendanceStatus | None
    by_therapist: bool
    absence_reported: bool
    made_up: bool = False  # missed, and made up by an attended make-up or catch-up
    is_makeup: bool = False  # itself a make-up: counted through the session it makes up


async def attendance_records(
    db: Database,
    start: datetime,
    end: datetime,
    now: datetime,
    *,
    therapist_id: int | None = None,
) -> list[AttendanceRecord]:
    """Roster rows of sessions starting in ``[start, end)`` and before ``now``.

    ``therapist_id`` limits the rows to a therapist's caseload: sessions they lead (every
    patient on them) and sessions of patients whose therapist they are (whoever leads them).
    ``None`` is the whole clinic. Ordered by session start, session id, patient handle.
    """
    parameters = {
        "start": to_db(start),
        "until": to_db(min(end, now)),
        "therapist_id": therapist_id,
    }
    # One lock for the three reads, so no write lands between them.
    async with db.read() as conn:
        async with conn.execute(SESSIONS_QUERY, parameters) as cursor:
            sessions = {row["id"]: _session(row) for row in await cursor.fetchall()}
        async with conn.execute(PATIENTS_QUERY) as cursor:
            patients = {
                row["id"]: ReportPatient(row["id"], row["handle"], row["name"])
                for row in await cursor.fetchall()
            }
        async with conn.execute(REPORT_QUERY, parameters) as cursor:
            rows = await cursor.fetchall()
    statuses = {status.value: status for status in AttendanceStatus}
    return [
        AttendanceRecord(
            session=sessions[row["occurrence_id"]],
            patient=patients[row["patient_id"]],
            status=statuses.get(row["status"]),
            by_therapist=row["source"] == "therapist",
            late_minutes=row["late_minutes"],
            absence_reported=bool(row["absence_reported"]),
            absence_reason=row["reason"],
            reported_at=from_db(row["reported_at"]) if row["reported_at"] else None,
            made_up_by=row["made_up_by"],
            is_makeup=bool(row["is_makeup"]),
        )
        for row in rows
    ]


def _session(row: sqlite3.Row) -> ReportSession:
    return ReportSession(
        occurrence_id=row["id"],
        series_id=row["series_id"],
        starts_at=from_db(row["starts_at"]),
        timezone=row["timezone"],
        title=row["title"],
        kind=SessionKind(row["kind"]),
        group_id=row["group_id"],
        group_name=row["group_name"],
        therapist_handle=row["therapist_handle"],
    )


async def patient_marks(db: Database, patient_id: int, now: datetime) -> list[PatientMark]:
    """Every started, not cancelled session of one patient, oldest first."""
    parameters = {"patient_id": patient_id, "now": to_db(now)}
    async with db.read() as conn, conn.execute(PATIENT_QUERY, parameters) as cursor:
        rows = await cursor.fetchall()
    return [
        PatientMark(
            occurrence_id=row["occurrence_id"],
            starts_at=from_db(row["starts_at"]),
            status=AttendanceStatus(row["status"]) if row["status"] else None,
            by_therapist=row["source"] == "therapist",
            absence_reported=bool(row["absence_reported"]),
            made_up=bool(row["made_up"]),
            is_makeup=bool(row["is_makeup"]),
        )
        for row in rows
    ]
