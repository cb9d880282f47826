"""Event rows that are not planned from the schedule: staff alerts, change notices and the
therapists' end-of-session attendance prompts. Pure builders; ``bot.outbox.replan`` and the
use cases queue them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from bot import callbacks
from bot.i18n import texts, writing_for
from bot.labels import format_clock, short_day, staff_session_label, utc_stamp
from bot.outbox.rows import NotificationKind, Planned, QuietHours, person_event, quiet_field


def calendar_button() -> dict[str, str]:
    """A calendar file made before a change is out of date: every change notice offers one."""
    return {"text": texts.CALENDAR_UPDATE_BUTTON, "callback_data": callbacks.CALENDAR_SEND}


class SessionChange(Protocol):
    """A session a patient was reminded of that was then cancelled or moved."""

    occurrence_id: int
    patient_id: int
    chat_id: int
    title: str
    timezone: str
    old_start: datetime
    new_start: datetime
    cancelled: bool
    discreet: bool
    quiet: bool
    language: str | None  # the patient's


class EndingSession(Protocol):
    """A session whose therapist should be asked to mark attendance when it ends."""

    occurrence_id: int
    therapist_id: int
    therapist_chat_id: int
    therapist_timezone: str | None
    title: str
    group_name: str | None
    starts_at: datetime
    ends_at: datetime
    therapist_language: str | None


def staff_alert(
    *,
    therapist_id: int,
    chat_id: int,
    patient_id: int | None,
    tag: str,
    text: str,
    due_at: datetime,
    buttons: list[list[dict[str, str]]] | None = None,
    safety_event_id: int | None = None,
    priority: int | None = None,
) -> Planned:
    """An alert for one therapist; ``tag`` makes it unique (the same event alerts once)."""
    payload: dict[str, object] = {"text": text}
    if buttons:
        payload["buttons"] = buttons
    return person_event(
        NotificationKind.STAFF_ALERT,
        person_id=therapist_id,
        chat_id=chat_id,
        variant=tag,
        payload=payload,
        due_at=due_at,
        patient_id=patient_id,
        safety_event_id=safety_event_id,
        priority=priority,
    )


def staff_alert_unreachable(
    therapist_id: int, therapist_chat_id: int, patient_id: int, patient_name: str, now: datetime
) -> Planned:
    """The one alert a therapist gets when their patient blocks the bot (once per episode)."""
    return person_event(
        NotificationKind.STAFF_ALERT,
        person_id=therapist_id,
        chat_id=therapist_chat_id,
        variant=f"unreachable:{patient_id}:{now.astimezone(UTC):%Y%m%dT%H%M%S}",
        payload={"text": texts.STAFF_UNREACHABLE.format(name=patient_name)},
        due_at=now,
        patient_id=patient_id,
    )


def change_notices(
    changes: Sequence[SessionChange], now: datetime, quiet_hours: QuietHours
) -> list[Planned]:
    """One notice per patient, session and change (the key makes a repeat a no-op); silent in
    ``quiet_hours`` for patients who keep them."""
    notices = []
    for change in changes:
        with writing_for(change.language):
            notices.append(_change_notice(change, now, quiet_hours))
    return notices


def _change_notice(change: SessionChange, now: datetime, quiet_hours: QuietHours) -> Planned:
    zone = ZoneInfo(change.timezone)
    old, new = change.old_start.astimezone(zone), change.new_start.astimezone(zone)
    if change.cancelled:
        template = (
            texts.SESSION_CANCELLED_NOTICE_DISCREET
            if change.discreet
            else texts.SESSION_CANCELLED_NOTICE
        )
        text = template.format(title=change.title, day=short_day(old), time=format_clock(old))
        variant = f"change:{change.occurrence_id}:cancelled"
    else:
        template = (
            texts.SESSION_MOVED_NOTICE_DISCREET if change.discreet else texts.SESSION_MOVED_NOTICE
        )
        text = template.format(
            title=change.title, day=short_day(old), time=format_clock(old),
            new_day=short_day(new), new_time=format_clock(new),
        )  # fmt: skip
        variant = f"change:{change.occurrence_id}:{utc_stamp(change.new_start)}"
    return (
        # No occurrence on the row: the send-time checks would withdraw a notice about
        # a cancelled session, which is exactly what this is.
        person_event(
            NotificationKind.NOTICE,
            person_id=change.patient_id,
            chat_id=change.chat_id,
            variant=variant,
            payload={
                "text": text,
                "buttons": [[calendar_button()]],
                **quiet_field(change.timezone, quiet_hours if change.quiet else None),
            },
            due_at=now,
            patient_id=change.patient_id,
            expires_at=change.old_start,
        )
    )


def attendance_prompts(sessions: Sequence[EndingSession], fallback: ZoneInfo) -> list[Planned]:
    rows = []
    for session in sessions:
        with writing_for(session.therapist_language):
            rows.append(_attendance_prompt(session, fallback))
    return rows


def _attendance_prompt(session: EndingSession, fallback: ZoneInfo) -> Planned:
    zone = ZoneInfo(session.therapist_timezone) if session.therapist_timezone else fallback
    label = staff_session_label(session, zone)
    button = {
        "text": texts.ATTENDANCE_PROMPT_BUTTON,
        "callback_data": f"{callbacks.ATTENDANCE_OPEN}{session.occurrence_id}",
    }
    payload = {"text": texts.ATTENDANCE_PROMPT.format(session=label), "buttons": [[button]]}
    return person_event(
        NotificationKind.NOTICE,
        person_id=session.therapist_id,
        chat_id=session.therapist_chat_id,
        # A moved session gets a new prompt (the old one is withdrawn at send time).
        variant=f"attendance:{utc_stamp(session.starts_at)}",
        payload=payload,
        due_at=session.ends_at,
        occurrence_id=session.occurrence_id,
        session_starts_at=session.starts_at,
    )
