"""Re-derive what the outbox should hold from the database: the one ``replan`` for the bot,
the CLI and the demo.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.config import RemindersConfig
from bot.outbox.notices import attendance_prompts, change_notices
from bot.outbox.planning import MAX_LEAD_TIME, PlanScope, plan_notifications
from storage import outbox as outbox_store
from storage import roster
from storage.db import Database
from storage.outbox import SyncSummary

# The planner looks this far ahead; a daily re-plan extends the window.
PLAN_HORIZON = MAX_LEAD_TIME + timedelta(days=1)


async def replan(
    db: Database,
    reminders: RemindersConfig,
    program_zone: ZoneInfo,
    now: datetime,
    patient_ids: Iterable[int] | None = None,
) -> SyncSummary:
    """Re-derive reminders, check-ins and buddy nudges for the next ``PLAN_HORIZON``.

    ``patient_ids`` limits the work to some patients (after their preference, absence or
    buddy change); None re-plans everyone (after a schedule import, at start, every few
    hours) and also queues the therapists' end-of-session attendance prompts and the notices
    about sessions cancelled or moved after a patient was reminded of them.
    """
    ids = frozenset(patient_ids) if patient_ids is not None else None
    summary = await sync_reminders(db, reminders, now, ids)
    if ids is None:
        ending = await roster.sessions_ending(db, now, now + PLAN_HORIZON)
        rows = attendance_prompts(ending, program_zone)
        rows += change_notices(
            await outbox_store.reminded_changes(db, now), now, reminders.patient_quiet_hours
        )
        await outbox_store.enqueue(db, rows, now)
    return summary


async def sync_reminders(
    db: Database, reminders: RemindersConfig, now: datetime, patient_ids: frozenset[int] | None
) -> SyncSummary:
    """Make the stored reminders, check-ins and buddy nudges match the plan (the planned part
    of ``replan``, on its own for tests and benchmarks of the planner)."""
    scope = PlanScope(now, now + PLAN_HORIZON, patient_ids)
    inputs = await outbox_store.load_plan_inputs(db, scope.start, scope.end, patient_ids)
    planned = plan_notifications(
        inputs.sessions, inputs.patients, inputs.buddies, inputs.prefs, reminders, now
    )
    return await outbox_store.sync_plan(db, planned, scope, now)
