"""Absence reports, their drafts, attendance, and notes forwarded to therapists."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime

import aiosqlite

from storage.db import Database
from storage.records import Absence, AbsenceDraft, AbsenceKind, AttendanceStatus
from storage.timestamps import from_db, to_db


def _draft(row: sqlite3.Row) -> AbsenceDraft:
    return AbsenceDraft(
        patient_id=row["patient_id"],
        kind=AbsenceKind(row["kind"]),
        original_text=row["original_text"],
        parsed=row["parsed"],
        reason=row["reason"],
        occurrence_id=row["occurrence_id"],
        created_at=from_db(row["created_at"]),
    )


def _absence(row: sqlite3.Row) -> Absence:
    return Absence(
        id=row["id"],
        patient_id=row["patient_id"],
        occurrence_id=row["occurrence_id"],
        kind=AbsenceKind(row["kind"]),
        reason=row["reason"],
        reason_text=row["reason_text"],
        reported_at=from_db(row["reported_at"]),
        lead_minutes=row["lead_minutes"],
    )


async def start_draft(db: Database, draft: AbsenceDraft, now: datetime) -> None:
    """Begin (or restart) the patient's report; one draft per patient."""
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT OR REPLACE INTO absence_drafts (patient_id, kind, original_text, parsed,"
            " reason, occurrence_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                draft.patient_id,
                draft.kind.value,
                draft.original_text,
                draft.parsed,
                draft.reason,
                draft.occurrence_id,
                to_db(now),
            ),
        )


async def get_draft(db: Database, patient_id: int) -> AbsenceDraft | None:
    row = await db.fetch_one("SELECT * FROM absence_drafts WHERE patient_id = ?", (patient_id,))
    return _draft(row) if row else None


async def set_draft_occurrence(
    db: Database, patient_id: int, occurrence_id: int, kind: AbsenceKind
) -> None:
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE absence_drafts SET occurrence_id = ?, kind = ? WHERE patient_id = ?",
            (occurrence_id, kind.value, patient_id),
        )


async def drop_draft(db: Database, patient_id: int) -> None:
    async with db.transaction() as conn:
        await conn.execute("DELETE FROM absence_drafts WHERE patient_id = ?", (patient_id,))


async def record_absence(
    db: Database,
    draft: AbsenceDraft,
    *,
    occurrence_id: int,
    reason: str | None,
    reason_text: str | None,
    lead_minutes: int,
    now: datetime,
) -> tuple[Absence, bool]:
    """Store the report and mark the patient absent, atomically; drop the draft.

    Returns the live report and whether it is new (a second report of the same session
    updates the reason instead of creating a duplicate).
    """
    async with db.transaction() as conn:
        async with conn.execute(
            "SELECT id FROM absences WHERE patient_id = ? AND occurrence_id = ?"
            " AND status = 'reported'",
            (draft.patient_id, occurrence_id),
        ) as cursor:
            existing = await cursor.fetchone()
        if existing:
            absence_id = existing["id"]
            await conn.execute(
                "UPDATE absences SET reason = coalesce(?, reason),"
                " reason_text = coalesce(?, reason_text) WHERE id = ?",
                (reason, reason_text, absence_id),
            )
        else:
            cursor = await conn.execute(
                "INSERT INTO absences (patient_id, occurrence_id, kind, reason, reason_text,"
                " original_text, parsed, reported_at, lead_minutes)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    draft.patient_id,
                    occurrence_id,
                    draft.kind.value,
                    reason,
                    reason_text,
                    draft.original_text,
                    draft.parsed,
                    to_db(now),
                    lead_minutes,
                ),
            )
            absence_id = cursor.lastrowid
        await _set_attendance(
            conn, draft.patient_id, occurrence_id, AttendanceStatus.ABSENT, None, now
        )
        await conn.execute("DELETE FROM absence_drafts WHERE patient_id = ?", (draft.patient_id,))
        async with conn.execute("SELECT * FROM absences WHERE id = ?", (absence_id,)) as cursor:
            return _absence(await cursor.fetchone()), existing is None


async def live_absence(db: Database, patient_id: int, occurrence_id: int) -> Absence | None:
    row = await db.fetch_one(
        "SELECT * FROM absences WHERE patient_id = ? AND occurrence_id = ?"
        " AND status = 'reported'",
        (patient_id, occurrence_id),
    )
    return _absence(row) if row else None


async def reported_among(db: Database, patient_id: int, occurrence_ids: list[int]) -> set[int]:
    """Which of these sessions the patient has a live (not withdrawn) absence report for."""
    if not occurrence_ids:
        return set()
    rows = await db.fetch_all(
        "SELECT occurrence_id FROM absences WHERE patient_id = ? AND status = 'reported'"
        " AND occurrence_id IN (SELECT value FROM json_each(?))",
        (patient_id, json.dumps(occurrence_ids)),
    )
    return {row["occurrence_id"] for row in rows}


async def withdraw_absence(
    db: Database, patient_id: int, occurrence_id: int, now: datetime
) -> bool:
    """The patient can come after all: withdraw the report and mark them as coming."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE absences SET status = 'withdrawn', withdrawn_at = ?"
            " WHERE patient_id = ? AND occurrence_id = ? AND status = 'reported'",
            (to_db(now), patient_id, occurrence_id),
        )
        if cursor.rowcount == 0:
            return False
        await _set_attendance(
            conn, patient_id, occurrence_id, AttendanceStatus.CONFIRMED, None, now
        )
        return True


async def record_attendance(
    db: Database,
    patient_id: int,
    occurrence_id: int,
    status: AttendanceStatus,
    now: datetime,
    late_minutes: int | None = None,
) -> None:
    async with db.transaction() as conn:
        await _set_attendance(conn, patient_id, occurrence_id, status, late_minutes, now)


async def _set_attendance(
    conn: aiosqlite.Connection,
    patient_id: int,
    occurrence_id: int,
    status: AttendanceStatus,
    late_minutes: int | None,
    now: datetime,
) -> None:
    await conn.execute(
        "INSERT INTO attendance (patient_id, occurrence_id, status, late_minutes, source,"
        " updated_at) VALUES (?, ?, ?, ?, 'patient', ?)"
        " ON CONFLICT (patient_id, occurrence_id) DO UPDATE SET status = excluded.status,"
        " late_minutes = excluded.late_minutes, source = excluded.source,"
        " updated_at = excluded.updated_at"
        # What the therapist marked stands; their changes are audited, a patient's are not.
        " WHERE attendance.source <> 'therapist'",
        (patient_id, occurrence_id, status.value, late_minutes, to_db(now)),
    )


async def attendance_status(
    db: Database, patient_id: int, occurrence_id: int
) -> AttendanceStatus | None:
    row = await db.fetch_one(
        "SELECT status FROM attendance WHERE patient_id = ? AND occurrence_id = ?",
        (patient_id, occurrence_id),
    )
    return AttendanceStatus(row["status"]) if row else None


async def count_misses(db: Database, patient_id: int, start: datetime, end: datetime) -> int:
    """Sessions starting in ``[start, end)`` that the patient missed or reported missing."""
    row = await db.fetch_one(
        "SELECT count(*) FROM attendance a JOIN occurrences o ON o.id = a.occurrence_id"
        " WHERE a.patient_id = ? AND a.status = 'absent' AND o.status = 'scheduled'"
        " AND o.starts_at >= ? AND o.starts_at < ?",
        (patient_id, to_db(start), to_db(end)),
    )
    return row[0]


async def save_note(db: Database, patient_id: int, text: str, now: datetime) -> int:
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "INSERT INTO patient_notes (patient_id, text, created_at) VALUES (?, ?, ?)",
            (patient_id, text, to_db(now)),
        )
        return cursor.lastrowid


async def take_note_to_forward(
    db: Database, note_id: int, patient_id: int, now: datetime
) -> str | None:
    """The note's text if it is this patient's and not yet settled; marks it settled
    (forwarded to the therapist, or answered by the patient's choice)."""
    async with db.transaction() as conn:
        async with conn.execute(
            "SELECT text FROM patient_notes WHERE id = ? AND patient_id = ?"
            " AND forwarded_at IS NULL",
            (note_id, patient_id),
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return None
        await conn.execute(
            "UPDATE patient_notes SET forwarded_at = ? WHERE id = ?", (to_db(now), note_id)
        )
        return row["text"]
