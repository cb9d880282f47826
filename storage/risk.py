"""Risk flags (on while their condition holds), their history, and who to re-check."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple

from storage.db import Database
from storage.timestamps import to_db


async def get_flags(db: Database, patient_id: int) -> frozenset[str]:
    rows = await db.fetch_all("SELECT kind FROM risk_flags WHERE patient_id = ?", (patient_id,))
    return frozenset(row[0] for row in rows)


class FlagChange(NamedTuple):
    """A flag going up or down, with the value that crossed its threshold."""

    kind: str
    direction: str  # 'up' or 'down'
    value: int
    threshold: int


async def set_flags(
    db: Database,
    patient_id: int,
    flags: Iterable[str],
    changes: Iterable[FlagChange],
    now: datetime,
) -> None:
    """Keep exactly ``flags`` raised (one already up keeps its original time) and record
    ``changes`` in the flag history, in one transaction."""
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
        await conn.executemany(
            "INSERT INTO risk_crossings (patient_id, kind, direction, value, threshold, at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [(patient_id, *change, to_db(now)) for change in changes],
        )


async def patients_to_recheck(db: Database, since: datetime, now: datetime) -> list[int]:
    """Patients with a flag up, or marked absent at a session that started in
    ``[since, now)``: the only ones whose flags can change as time passes."""
    rows = await db.fetch_all(
        "SELECT patient_id FROM risk_flags UNION"
        " SELECT a.patient_id FROM attendance a JOIN occurrences o ON o.id = a.occurrence_id"
        " WHERE a.status = 'absent' AND o.status = 'scheduled'"
        " AND o.starts_at >= ? AND o.starts_at < ?",
        (to_db(since), to_db(now)),
    )
    return sorted(row[0] for row in rows)


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
