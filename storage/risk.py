"""Risk flags (on while their condition holds) and the caseload they are checked over."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from storage.db import Database
from storage.timestamps import to_db


async def get_flags(db: Database, patient_id: int) -> frozenset[str]:
    rows = await db.fetch_all("SELECT kind FROM risk_flags WHERE patient_id = ?", (patient_id,))
    return frozenset(row[0] for row in rows)


async def set_flags(db: Database, patient_id: int, flags: Iterable[str], now: datetime) -> None:
    """Keep exactly ``flags`` raised; a flag already up keeps its original time."""
    flags = list(flags)
    async with db.transaction() as conn:
        marks = ",".join("?" * len(flags))
        keep = f" AND kind NOT IN ({marks})" if flags else ""
        await conn.execute(
            f"DELETE FROM risk_flags WHERE patient_id = ?{keep}", (patient_id, *flags)
        )
        await conn.executemany(
            "INSERT OR IGNORE INTO risk_flags (patient_id, kind, raised_at) VALUES (?, ?, ?)",
            [(patient_id, flag, to_db(now)) for flag in flags],
        )


async def patients_with_recent_misses(db: Database, since: datetime, now: datetime) -> list[int]:
    """Patients marked absent at a session that started in ``[since, now)``."""
    rows = await db.fetch_all(
        "SELECT DISTINCT a.patient_id FROM attendance a"
        " JOIN occurrences o ON o.id = a.occurrence_id"
        " WHERE a.status = 'absent' AND o.status = 'scheduled'"
        " AND o.starts_at >= ? AND o.starts_at < ?",
        (to_db(since), to_db(now)),
    )
    return [row[0] for row in rows]


async def uncaught_misses(db: Database, patient_id: int, now: datetime) -> int:
    """Past sessions the patient missed and has not caught up on."""
    row = await db.fetch_one(
        "SELECT count(*) FROM attendance a JOIN occurrences o ON o.id = a.occurrence_id"
        " LEFT JOIN catchups c ON c.patient_id = a.patient_id AND c.occurrence_id = o.id"
        " WHERE a.patient_id = ? AND a.status = 'absent' AND o.status = 'scheduled'"
        " AND o.starts_at < ?"
        " AND c.patient_id IS NULL",
        (patient_id, to_db(now)),
    )
    return row[0]
