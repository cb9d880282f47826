"""Telling patients when a session they were already reminded of is cancelled or moved."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot import texts
from bot.outbox.planning import NotificationKind, Planned, person_event
from bot.schedule.sync import format_clock
from storage import outbox as outbox_store
from storage.db import Database


async def change_notices(db: Database, now: datetime) -> list[Planned]:
    """One notice per patient, session and change (the key makes a repeat a no-op)."""
    notices = []
    for change in await outbox_store.reminded_changes(db, now):
        zone = ZoneInfo(change.timezone)
        old, new = change.old_start.astimezone(zone), change.new_start.astimezone(zone)
        if change.cancelled:
            text = texts.SESSION_CANCELLED_NOTICE.format(
                title=change.title, day=f"{old:%a %-d %b}", time=format_clock(old)
            )
            variant = f"change:{change.occurrence_id}:cancelled"
        else:
            text = texts.SESSION_MOVED_NOTICE.format(
                title=change.title, day=f"{old:%a %-d %b}", time=format_clock(old),
                new_day=f"{new:%a %-d %b}", new_time=format_clock(new),
            )  # fmt: skip
            variant = (
                f"change:{change.occurrence_id}:{change.new_start.astimezone(UTC):%Y%m%dT%H%M}"
            )
        notices.append(
            # No occurrence on the row: the send-time checks would withdraw a notice about
            # a cancelled session, which is exactly what this is.
            person_event(
                NotificationKind.NOTICE,
                person_id=change.patient_id,
                chat_id=change.chat_id,
                variant=variant,
                payload={"text": text},
                due_at=now,
                patient_id=change.patient_id,
                expires_at=change.old_start,
            )
        )
    return notices
