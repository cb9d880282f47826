"""The audit trail: who read, exported or changed a patient's records, and when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.db import Database
from storage.timestamps import from_db, to_db


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    actor: str | None  # None: the command line
    action: str
    patient: str | None  # None: about no single patient (a clinic-wide report)
    detail: str


async def record(
    db: Database,
    *,
    at: datetime,
    actor_id: int | None,
    action: str,
    patient_id: int | None = None,
    detail: str = "",
) -> None:
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO audit_log (at, actor_id, action, patient_id, detail)"
            " VALUES (?, ?, ?, ?, ?)",
            (to_db(at), actor_id, action, patient_id, detail),
        )


# One row shape from the three places that record what staff did.
_TRAIL = """
SELECT a.at, a.actor_id, a.action, a.patient_id, a.detail FROM audit_log a
UNION ALL
SELECT c.changed_at, c.changed_by, 'marked attendance', c.patient_id,
       o.local_date || ': ' || coalesce(c.old_status, 'not marked') || ' -> ' || c.new_status
FROM attendance_audit c JOIN occurrences o ON o.id = c.occurrence_id
UNION ALL
SELECT l.at, l.person_id,
       CASE l.what WHEN 'acknowledged' THEN 'took a crisis alert' ELSE 'lifted a crisis pause' END,
       e.patient_id, 'safety event ' || e.id
FROM safety_log l JOIN safety_events e ON e.id = l.event_id
WHERE l.what IN ('acknowledged', 'pause lifted')
"""


async def trail(
    db: Database, *, patient_id: int | None = None, since: datetime | None = None
) -> list[AuditEntry]:
    """Every recorded staff action, oldest first; optionally about one patient, since a time."""
    rows = await db.fetch_all(
        "SELECT t.at, actor.name AS actor, t.action, patient.name AS patient, t.detail"
        f" FROM ({_TRAIL}) t"
        " LEFT JOIN people actor ON actor.id = t.actor_id"
        " LEFT JOIN people patient ON patient.id = t.patient_id"
        " WHERE (? IS NULL OR t.patient_id = ?) AND (? IS NULL OR t.at >= ?)"
        " ORDER BY t.at",
        (patient_id, patient_id, to_db(since) if since else None, to_db(since) if since else None),
    )
    return [
        AuditEntry(from_db(row["at"]), row["actor"], row["action"], row["patient"], row["detail"])
        for row in rows
    ]
