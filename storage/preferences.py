"""A patient's own reminder lead times (None: the clinic's defaults)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.outbox.planning import MAX_LEAD_TIME, format_lead_times, parse_lead_times
from storage.db import Database
from storage.timestamps import to_db


async def set_reminder_lead_times(
    db: Database, patient_id: int, lead_times: Sequence[timedelta], now: datetime
) -> None:
    """Store a patient's own lead times (empty: no reminders). Re-plan afterwards."""
    if any(not timedelta(0) < lead <= MAX_LEAD_TIME for lead in lead_times):
        raise ValueError(f"lead times must be positive and at most {MAX_LEAD_TIME.days} days")
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO reminder_preferences (patient_id, lead_times, updated_at)"
            " VALUES (?, ?, ?) ON CONFLICT (patient_id) DO UPDATE SET"
            " lead_times = excluded.lead_times, updated_at = excluded.updated_at",
            (patient_id, format_lead_times(lead_times), to_db(now)),
        )


async def clear_reminder_lead_times(db: Database, patient_id: int) -> None:
    """Back to the program's default lead times. Re-plan afterwards."""
    async with db.transaction() as conn:
        await conn.execute("DELETE FROM reminder_preferences WHERE patient_id = ?", (patient_id,))


async def reminder_lead_times(db: Database, patient_id: int) -> tuple[timedelta, ...] | None:
    """A patient's own lead times, longest first; None means the program's default."""
    row = await db.fetch_one(
        "SELECT lead_times FROM reminder_preferences WHERE patient_id = ?", (patient_id,)
    )
    return None if row is None else parse_lead_times(row["lead_times"])
