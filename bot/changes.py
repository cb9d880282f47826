"""Telling patients when a session they were already reminded of is cancelled or moved."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot import texts
from bot.outbox import NotificationKind, Planned, person_key
from bot.scheduling import format_clock
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
            Planned(
                kind=NotificationKind.NOTICE,
                # No occurrence on the row: the send-time checks would withdraw a notice
                # about a cancelled session, which is exactly what this is.
                occurrence_id=None,
                recipient_key=person_key(change.patient_id),
                variant=variant,
                chat_id=change.chat_id,
                person_id=change.patient_id,
                buddy_id=None,
                patient_id=change.patient_id,
                session_starts_at=None,
                due_at=now,
                expires_at=change.old_start,
                payload=json.dumps({"text": text}, ensure_ascii=False),
            )
        )
    return notices
