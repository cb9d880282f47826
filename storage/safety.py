"""Safety events: a crisis or possible crisis, the patient's answer, who took it, and the log."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import aiosqlite

from storage.db import Database
from storage.timestamps import from_db, from_db_optional, to_db


class SafetyLevel(StrEnum):
    CHECK = "check"
    URGENT = "urgent"


class SafetyStatus(StrEnum):
    OPEN = "open"  # a safety check waiting for the patient's answer
    SAFE = "safe"  # the patient said they are safe
    URGENT = "urgent"  # the care team has an urgent alert


@dataclass(frozen=True)
class SafetyEvent:
    id: int
    patient_id: int
    level: SafetyLevel
    status: SafetyStatus
    message: str
    created_at: datetime
    answered_at: datetime | None
    acknowledged_by: int | None
    acknowledged_at: datetime | None


@dataclass(frozen=True)
class SafetyLogEntry:
    event_id: int
    at: datetime
    what: str
    person_id: int | None


def _event(row: sqlite3.Row) -> SafetyEvent:
    return SafetyEvent(
        id=row["id"],
        patient_id=row["patient_id"],
        level=SafetyLevel(row["level"]),
        status=SafetyStatus(row["status"]),
        message=row["message"],
        created_at=from_db(row["created_at"]),
        answered_at=from_db_optional(row["answered_at"]),
        acknowledged_by=row["acknowledged_by"],
        acknowledged_at=from_db_optional(row["acknowledged_at"]),
    )


async def open_event(
    db: Database,
    patient_id: int,
    level: SafetyLevel,
    message: str,
    now: datetime,
    pause: timedelta,
) -> SafetyEvent:
    """Record a new event (and its first log line) in one transaction; routine messages to
    the patient are paused for ``pause``."""
    status = SafetyStatus.OPEN if level is SafetyLevel.CHECK else SafetyStatus.URGENT
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "INSERT INTO safety_events (patient_id, level, status, message, created_at,"
            " paused_until) VALUES (?, ?, ?, ?, ?, ?)",
            (patient_id, level.value, status.value, message, to_db(now), to_db(now + pause)),
        )
        event_id = cursor.lastrowid
        await conn.execute(
            "INSERT INTO safety_log (event_id, at, what, person_id) VALUES (?, ?, ?, ?)",
            (event_id, to_db(now), f"{level.value} opened", patient_id),
        )
        async with conn.execute("SELECT * FROM safety_events WHERE id = ?", (event_id,)) as cur:
            return _event(await cur.fetchone())


async def paused_until(db: Database, patient_id: int, now: datetime) -> datetime | None:
    """Until when routine messages to the patient are held back after a crisis, if they are."""
    row = await db.fetch_one(
        "SELECT max(paused_until) AS until FROM safety_events WHERE patient_id = ?"
        " AND paused_until > ?",
        (patient_id, to_db(now)),
    )
    return from_db_optional(row["until"]) if row else None


async def lift_pause(db: Database, patient_id: int, therapist_id: int, now: datetime) -> bool:
    """A therapist lifts the pause: routine messages resume now. False if none was on."""
    async with db.transaction() as conn:
        async with conn.execute(
            "SELECT id FROM safety_events WHERE patient_id = ? AND paused_until > ?",
            (patient_id, to_db(now)),
        ) as cursor:
            paused = [row["id"] for row in await cursor.fetchall()]
        await conn.executemany(
            "UPDATE safety_events SET paused_until = ? WHERE id = ?",
            [(to_db(now), event_id) for event_id in paused],
        )
        await conn.executemany(
            "INSERT INTO safety_log (event_id, at, what, person_id) VALUES (?, ?, ?, ?)",
            [(event_id, to_db(now), "pause lifted", therapist_id) for event_id in paused],
        )
        return bool(paused)


async def get_event(db: Database, event_id: int) -> SafetyEvent | None:
    row = await db.fetch_one("SELECT * FROM safety_events WHERE id = ?", (event_id,))
    return _event(row) if row else None


async def live_event(db: Database, patient_id: int, since: datetime) -> SafetyEvent | None:
    """The patient's latest event since then that nobody has settled: not answered "safe",
    not taken by a therapist."""
    row = await db.fetch_one(
        "SELECT * FROM safety_events WHERE patient_id = ? AND status != 'safe'"
        " AND acknowledged_by IS NULL AND created_at >= ? ORDER BY id DESC LIMIT 1",
        (patient_id, to_db(since)),
    )
    return _event(row) if row else None


async def answer_safe(db: Database, event_id: int, patient_id: int, now: datetime) -> bool:
    """The patient says they are safe: an open check is settled (its waiting alert and rounds
    are withdrawn at send time). False if it is not theirs or not open any more."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE safety_events SET status = 'safe', answered_at = ?"
            " WHERE id = ? AND patient_id = ? AND status = 'open'",
            (to_db(now), event_id, patient_id),
        )
        if cursor.rowcount == 0:
            return False
        await conn.execute(
            "INSERT INTO safety_log (event_id, at, what, person_id) VALUES (?, ?, ?, ?)",
            (event_id, to_db(now), "patient answered: safe", patient_id),
        )
        return True


async def make_urgent(
    db: Database,
    event_id: int,
    now: datetime,
    escalate_after: timedelta,
    why: str,
    person_id: int | None,
) -> None:
    """The event is urgent now ("I need help now", another worrying message): logged, its
    waiting alert cancelled (the caller sends one now, with the new words) and its escalation
    rounds brought forward to count from now (never later than planned)."""
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE safety_events SET status = 'urgent',"
            " answered_at = coalesce(answered_at, ?) WHERE id = ? AND status = 'open'",
            (to_db(now), event_id),
        )
        await conn.execute(
            "INSERT INTO safety_log (event_id, at, what, person_id) VALUES (?, ?, ?, ?)",
            (event_id, to_db(now), why, person_id),
        )
        await _bring_forward(conn, event_id, now, escalate_after)


async def _bring_forward(
    conn: aiosqlite.Connection, event_id: int, now: datetime, escalate_after: timedelta
) -> None:
    async with conn.execute(
        "SELECT id, variant, due_at FROM outbox WHERE safety_event_id = ? AND status = 'pending'",
        (event_id,),
    ) as cursor:
        rows = await cursor.fetchall()
    updates, superseded = [], []
    for row in rows:
        # Variants are "safety:<event>:alert" and "safety:<event>:round:<n>".
        parts = row["variant"].split(":")
        if len(parts) == 4 and parts[2] == "round":
            due = min(from_db(row["due_at"]), now + escalate_after * int(parts[3]))
            updates.append((to_db(due), to_db(now), row["id"]))
        else:
            superseded.append((to_db(now), row["id"]))
    await conn.executemany("UPDATE outbox SET due_at = ?, updated_at = ? WHERE id = ?", updates)
    await conn.executemany(
        "UPDATE outbox SET status = 'cancelled', last_error = 'superseded by an alert sent now',"
        " updated_at = ? WHERE id = ?",
        superseded,
    )


async def acknowledge(db: Database, event_id: int, therapist_id: int, now: datetime) -> bool:
    """The first therapist to take the event is recorded, and takes the patient's other
    unsettled events with it (one person, one therapist on it); False if someone already had.
    """
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE safety_events SET acknowledged_by = ?, acknowledged_at = ?"
            " WHERE id = ? AND acknowledged_by IS NULL",
            (therapist_id, to_db(now), event_id),
        )
        if cursor.rowcount == 0:
            return False
        async with conn.execute(
            "SELECT id FROM safety_events WHERE acknowledged_by IS NULL AND status != 'safe'"
            " AND patient_id = (SELECT patient_id FROM safety_events WHERE id = ?)",
            (event_id,),
        ) as others:
            taken = [event_id, *(row["id"] for row in await others.fetchall())]
        await conn.execute(
            "UPDATE safety_events SET acknowledged_by = ?, acknowledged_at = ?"
            " WHERE id IN (SELECT value FROM json_each(?))",
            (therapist_id, to_db(now), json.dumps(taken)),
        )
        await conn.executemany(
            "INSERT INTO safety_log (event_id, at, what, person_id) VALUES (?, ?, ?, ?)",
            [(taken_id, to_db(now), "acknowledged", therapist_id) for taken_id in taken],
        )
        return True


async def log(
    db: Database, event_id: int, what: str, now: datetime, person_id: int | None
) -> None:
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO safety_log (event_id, at, what, person_id) VALUES (?, ?, ?, ?)",
            (event_id, to_db(now), what, person_id),
        )


async def event_log(db: Database, event_id: int) -> list[SafetyLogEntry]:
    rows = await db.fetch_all(
        "SELECT event_id, at, what, person_id FROM safety_log WHERE event_id = ? ORDER BY id",
        (event_id,),
    )
    return [
        SafetyLogEntry(r["event_id"], from_db(r["at"]), r["what"], r["person_id"]) for r in rows
    ]
