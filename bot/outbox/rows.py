"""Outbox rows: kinds, states, recipients and the row an event or the planner asks for.

Every reminder, check-in, buddy nudge, alert and notice is a row in the ``outbox`` table with
the idempotency key (kind, occurrence, recipient, variant); ``storage.outbox`` keeps the rows,
``bot.outbox.dispatcher`` sends them. Pure: no database, no Telegram.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, time
from enum import StrEnum
from typing import Any


class NotificationKind(StrEnum):
    REMINDER = "reminder"
    CHECKIN = "checkin"
    BUDDY_NUDGE = "buddy_nudge"
    STAFF_ALERT = "staff_alert"
    MATERIAL = "material"
    FOLLOWUP = "followup"
    NOTICE = "notice"


# The kinds the planner derives from the schedule; ``sync_plan`` owns exactly these.
PLANNED_KINDS = (NotificationKind.REMINDER, NotificationKind.CHECKIN, NotificationKind.BUDDY_NUDGE)


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    SKIPPED = "skipped"
    FAILED = "failed"
    CANCELLED = "cancelled"


class Priority:
    """Which due rows go first: a crisis alert never waits behind a burst of reminders."""

    SAFETY = 0  # crisis and safety-check alerts, escalations
    ALERT = 1  # other staff alerts
    ROUTINE = 2  # reminders, nudges, notices, follow-ups, material


# Telegram's limit for one message's text.
MAX_TEXT = 4096
# Payloads are compact JSON: a plan holds one payload per session and zone.
COMPACT = (",", ":")


def person_key(person_id: int) -> str:
    return f"p:{person_id}"


def buddy_key(buddy_id: int) -> str:
    return f"b:{buddy_id}"


@dataclass(frozen=True, slots=True)
class Planned:
    """One outbox row as the plan (or an event) wants it."""

    kind: NotificationKind
    occurrence_id: int | None
    recipient_key: str
    variant: str
    chat_id: int
    person_id: int | None
    buddy_id: int | None
    patient_id: int | None
    session_starts_at: datetime | None
    due_at: datetime
    expires_at: datetime | None
    payload: str
    # The crisis or safety check this row belongs to: withdrawn once that is settled.
    safety_event_id: int | None = None
    priority: int = 2  # see ``Priority``

    @property
    def key(self) -> tuple[str, int, str, str]:
        return (self.kind.value, self.occurrence_id or 0, self.recipient_key, self.variant)


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """One stored outbox row; ``withdrawn`` is the send-time re-check's reason, if any."""

    id: int
    kind: NotificationKind
    occurrence_id: int | None
    recipient_key: str
    person_id: int | None
    buddy_id: int | None
    patient_id: int | None
    chat_id: int
    variant: str
    due_at: datetime
    expires_at: datetime | None
    status: OutboxStatus
    attempts: int
    failures: int
    last_error: str | None
    telegram_message_id: int | None
    payload: str
    sent_at: datetime | None
    withdrawn: str | None = None
    priority: int = 2  # see ``Priority``


def person_event(
    kind: NotificationKind,
    *,
    person_id: int,
    chat_id: int,
    variant: str,
    payload: dict[str, Any],
    due_at: datetime,
    occurrence_id: int | None = None,
    patient_id: int | None = None,
    session_starts_at: datetime | None = None,
    expires_at: datetime | None = None,
    safety_event_id: int | None = None,
    priority: int | None = None,
) -> Planned:
    """An event row for one person (alert, notice, follow-up, material): never re-planned."""
    if priority is None:
        priority = Priority.ALERT if kind is NotificationKind.STAFF_ALERT else Priority.ROUTINE
    return Planned(
        kind=kind,
        occurrence_id=occurrence_id,
        recipient_key=person_key(person_id),
        variant=variant,
        chat_id=chat_id,
        person_id=person_id,
        buddy_id=None,
        patient_id=patient_id,
        session_starts_at=session_starts_at,
        due_at=due_at,
        expires_at=expires_at,
        payload=json.dumps(payload, ensure_ascii=False, separators=COMPACT),
        safety_event_id=safety_event_id,
        priority=priority,
    )


QuietHours = tuple[time, time]


def quiet_field(zone: str, quiet: QuietHours | None) -> dict[str, Any]:
    """The payload entry that makes a routine patient message silent at night in ``zone``.

    Empty when the patient turned quiet hours off; ``delivery.is_silent`` reads it at send time.
    """
    if quiet is None:
        return {}
    return {"quiet": {"tz": zone, "from": f"{quiet[0]:%H:%M}", "to": f"{quiet[1]:%H:%M}"}}
