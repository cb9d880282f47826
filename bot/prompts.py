"""The "mark attendance" prompt a therapist gets when a session they lead ends."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC
from zoneinfo import ZoneInfo

from bot import texts
from bot.outbox.planning import NotificationKind, Planned, person_event
from bot.schedule.sync import format_clock
from storage.roster import EndingSession

OPEN_PREFIX = "at:open:"  # the attendance sheet's button (handlers.therapist.attendance)
VARIANT = "attendance"


def attendance_prompts(sessions: Sequence[EndingSession], fallback: ZoneInfo) -> list[Planned]:
    rows = []
    for session in sessions:
        zone = ZoneInfo(session.therapist_timezone) if session.therapist_timezone else fallback
        start = session.starts_at.astimezone(zone)
        label = f"{session.title}, {start:%a %-d %b}, {format_clock(start)}"
        if session.group_name:
            label += f" ({session.group_name})"
        button = {"text": texts.ATTENDANCE_PROMPT_BUTTON,
                  "callback_data": f"{OPEN_PREFIX}{session.occurrence_id}"}  # fmt: skip
        payload = {"text": texts.ATTENDANCE_PROMPT.format(session=label), "buttons": [[button]]}
        rows.append(
            person_event(
                NotificationKind.NOTICE,
                person_id=session.therapist_id,
                chat_id=session.therapist_chat_id,
                # A moved session gets a new prompt (the old one is withdrawn at send time).
                variant=f"{VARIANT}:{session.starts_at.astimezone(UTC):%Y%m%dT%H%M}",
                payload=payload,
                due_at=session.ends_at,
                occurrence_id=session.occurrence_id,
                session_starts_at=session.starts_at,
            )
        )
    return rows
