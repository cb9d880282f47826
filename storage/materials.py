"""Catch-up material, what each patient missed, and their catch-up completion."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.db import Database
from storage.timestamps import from_db, to_db


@dataclass(frozen=True)
class Material:
    id: int
    title: str
    url: str | None
    file_id: str | None


@dataclass(frozen=True)
class MissedSession:
    occurrence_id: int
    title: str
    starts_at: datetime
    materials: tuple[Material, ...]
    caught_up: bool


@dataclass(frozen=True)
class MaterialTarget:
    occurrence_id: int | None
    series_id: str | None
    started_at: datetime | None = None


_FOR_OCCURRENCE = (
    "SELECT m.id, m.title, m.url, m.file_id FROM materials m JOIN occurrences o"
    " ON m.occurrence_id = o.id OR m.series_id = o.series_id WHERE o.id = ? ORDER BY m.id"
)


async def set_target(
    db: Database, therapist_id: int, target: MaterialTarget, now: datetime
) -> None:
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT OR REPLACE INTO material_drafts (therapist_id, occurrence_id, series_id,"
            " created_at) VALUES (?, ?, ?, ?)",
            (therapist_id, target.occurrence_id, target.series_id, to_db(now)),
        )


async def get_target(db: Database, therapist_id: int) -> MaterialTarget | None:
    row = await db.fetch_one(
        "SELECT occurrence_id, series_id, created_at FROM material_drafts WHERE therapist_id = ?",
        (therapist_id,),
    )
    return MaterialTarget(row[0], row[1], from_db(row[2])) if row else None


async def clear_target(db: Database, therapist_id: int) -> None:
    async with db.transaction() as conn:
        await conn.execute("DELETE FROM material_drafts WHERE therapist_id = ?", (therapist_id,))


async def add_material(
    db: Database,
    target: MaterialTarget,
    *,
    title: str,
    url: str | None,
    file_id: str | None,
    added_by: int,
    now: datetime,
) -> Material:
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "INSERT INTO materials (occurrence_id, series_id, title, url, file_id, added_by,"
            " added_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (target.occurrence_id, target.series_id, title, url, file_id, added_by, to_db(now)),
        )
        return Material(cursor.lastrowid, title, url, file_id)


async def added_since(db: Database, therapist_id: int, target: MaterialTarget) -> list[Material]:
    """What this therapist stored for the target since they started adding."""
    rows = await db.fetch_all(
        "SELECT id, title, url, file_id FROM materials WHERE added_by = ? AND added_at >= ?"
        " AND (occurrence_id = ? OR series_id = ?) ORDER BY id",
        (therapist_id, to_db(target.started_at), target.occurrence_id, target.series_id),
    )
    return [Material(*tuple(row)) for row in rows]


async def materials_for(db: Database, occurrence_id: int) -> list[Material]:
    rows = await db.fetch_all(_FOR_OCCURRENCE, (occurrence_id,))
    return [Material(*tuple(row)) for row in rows]


async def missed_sessions(db: Database, patient_id: int, now: datetime) -> list[MissedSession]:
    """Past sessions the patient missed, newest first, with their material and completion."""
    rows = await db.fetch_all(
        "SELECT o.id, o.title, o.starts_at, c.completed_at IS NOT NULL FROM attendance a"
        " JOIN occurrences o ON o.id = a.occurrence_id"
        " LEFT JOIN catchups c ON c.patient_id = a.patient_id AND c.occurrence_id = o.id"
        " WHERE a.patient_id = ? AND a.status = 'absent' AND o.starts_at <= ?"
        " ORDER BY o.starts_at DESC LIMIT 20",
        (patient_id, to_db(now)),
    )
    missed = []
    for row in rows:
        materials = tuple(await materials_for(db, row[0]))
        missed.append(MissedSession(row[0], row[1], from_db(row[2]), materials, bool(row[3])))
    return missed


async def absent_patients(db: Database, target: MaterialTarget) -> list[tuple[int, int]]:
    """(patient, occurrence) pairs marked absent at the sessions the target covers."""
    rows = await db.fetch_all(
        "SELECT a.patient_id, a.occurrence_id FROM attendance a"
        " JOIN occurrences o ON o.id = a.occurrence_id"
        " WHERE a.status = 'absent' AND (o.id = ? OR o.series_id = ?)",
        (target.occurrence_id, target.series_id),
    )
    return [(row[0], row[1]) for row in rows]


async def was_absent(db: Database, patient_id: int, occurrence_id: int) -> bool:
    row = await db.fetch_one(
        "SELECT 1 FROM attendance WHERE patient_id = ? AND occurrence_id = ?"
        " AND status = 'absent'",
        (patient_id, occurrence_id),
    )
    return row is not None


async def mark_caught_up(db: Database, patient_id: int, occurrence_id: int, now: datetime) -> bool:
    """Record completion; False if it was already recorded."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "INSERT OR IGNORE INTO catchups (patient_id, occurrence_id, completed_at)"
            " VALUES (?, ?, ?)",
            (patient_id, occurrence_id, to_db(now)),
        )
        return cursor.rowcount == 1
