"""The notification outbox, pure: what to plan, what is due, and how due rows become messages.

Every reminder, check-in, buddy nudge and staff alert is a row in the ``outbox`` table with
the idempotency key (kind, occurrence, recipient, variant); ``storage.outbox`` keeps the
rows, ``bot.dispatcher`` sends them. Nothing here touches the database or Telegram.

Planning rules (``plan_notifications``):

- **Lead times are elapsed time.** A 24h reminder is due exactly 24 real hours before the
  session starts, so across a DST change it lands an hour off the session's wall-clock time
  (for an 18:00 session on the Sunday clocks fall back, the 24h reminder goes out at 19:00 on
  Saturday). Patients read "tomorrow at 6:00 pm", which stays true.
- **Never late.** A reminder expires when the session starts, or earlier when the next
  shorter lead time falls due (the 1h reminder supersedes the 24h one, so after downtime a
  patient gets one reminder, not two). A row that is already expired is not planned; one that
  is due but not expired is planned as due now (downtime catch-up). Started sessions get
  nothing.
- **Check-in** at the session start, for patients who have not confirmed (checked at send
  time), stale 15 minutes after the start.
- **Buddy nudges** go ``buddy_lead_time`` before the start, in the buddy's own time zone.
  If that moment is inside the buddy's quiet hours the nudge moves earlier, to 30 minutes
  before that quiet period began (quiet 21:00-08:00, an 08:30 session and a 2h lead: 20:30
  the evening before). A moved nudge more than 14 hours ahead of the session is dropped,
  and a nudge expires when quiet hours begin, so downtime can never push it into them.

Texts are rendered at send time where they depend on "now" (``today``, ``in 1 hour``), so
a message that goes out after downtime still tells the truth.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from bot import texts
from bot.config import RemindersConfig
from bot.durations import parse_duration


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


# Callback data of the reminder buttons: prefix + occurrence id (well under 64 bytes).
CONFIRM_PREFIX = "r:c:"
ABSENT_PREFIX = "r:a:"
LATE_PREFIX = "r:l:"
REMINDER_PREFIXES = (CONFIRM_PREFIX, ABSENT_PREFIX, LATE_PREFIX)

CHECKIN_VARIANT = "start"
BUDDY_VARIANT = "nudge"
CHECKIN_WINDOW = timedelta(minutes=15)
BUDDY_QUIET_MARGIN = timedelta(minutes=30)
BUDDY_MAX_ADVANCE = timedelta(hours=14)
# The longest reminder lead time a patient may choose (the planner looks this far ahead).
MAX_LEAD_TIME = timedelta(days=7)
# Telegram's limit for one message's text.
MAX_TEXT = 4096


def person_key(person_id: int) -> str:
    return f"p:{person_id}"


def buddy_key(buddy_id: int) -> str:
    return f"b:{buddy_id}"


def reminder_callback(prefix: str, occurrence_id: int) -> str:
    return f"{prefix}{occurrence_id}"


def parse_reminder_callback(data: str) -> tuple[str, int] | None:
    """Split ``r:c:42`` into (prefix, occurrence id); None for anything else (forged data)."""
    for prefix in REMINDER_PREFIXES:
        number = data.removeprefix(prefix)
        if data.startswith(prefix) and number.isascii() and number.isdigit():
            return prefix, int(number)
    return None


def lead_label(lead: timedelta) -> str:
    """'24h', '1h30m', '45m': a lead time in hours and minutes (a day is '24h' to people)."""
    hours, minutes = divmod(int(lead.total_seconds() // 60), 60)
    return (f"{hours}h" if hours else "") + (f"{minutes}m" if minutes or not hours else "")


def format_lead_times(lead_times: Iterable[timedelta]) -> str:
    """'24h,1h': how ``reminder_preferences.lead_times`` stores a choice ('' = none)."""
    return ",".join(lead_label(lead) for lead in sorted(set(lead_times), reverse=True))


def parse_lead_times(text: str) -> tuple[timedelta, ...]:
    return tuple(sorted({parse_duration(part) for part in text.split(",") if part}, reverse=True))


# --- planning inputs and output


@dataclass(frozen=True, slots=True)
class PlanSession:
    """A scheduled occurrence and the patients expected at it."""

    occurrence_id: int
    title: str
    starts_at: datetime
    timezone: str
    link: str | None
    patient_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class PlanPatient:
    """A registered patient who can be reached on Telegram."""

    id: int
    name: str
    chat_id: int
    timezone: str | None
    # Reminders that fell due before someone joined were never owed to them.
    registered_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class PlanBuddy:
    """An active buddy link."""

    id: int
    patient_id: int
    chat_id: int
    timezone: str | None


@dataclass(frozen=True, slots=True)
class PlanScope:
    """What one ``sync_plan`` call is the truth for: planned kinds of the sessions starting in
    ``[start, end)``, for every patient or only for ``patient_ids``."""

    start: datetime
    end: datetime
    patient_ids: frozenset[int] | None = None


@dataclass(frozen=True)
class PlanInputs:
    """What ``plan_notifications`` needs, as ``storage.outbox.load_plan_inputs`` reads it."""

    sessions: list[PlanSession]
    patients: dict[int, PlanPatient]
    buddies: dict[int, list[PlanBuddy]]
    prefs: dict[int, tuple[timedelta, ...]]


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

    @property
    def key(self) -> tuple[str, int, str, str]:
        return (self.kind.value, self.occurrence_id or 0, self.recipient_key, self.variant)


def plan_notifications(
    sessions: Iterable[PlanSession],
    patients: Mapping[int, PlanPatient],
    buddies: Mapping[int, Sequence[PlanBuddy]],
    prefs: Mapping[int, tuple[timedelta, ...]],
    reminders: RemindersConfig,
    now: datetime,
) -> list[Planned]:
    """Every reminder, check-in and buddy nudge the sessions call for (rules: module doc).

    ``patients`` holds only reachable registered patients: others are silently left out.
    ``prefs`` maps a patient to their own lead times, longest first as ``parse_lead_times``
    returns them (empty: no reminders).
    """
    planned: list[Planned] = []
    payloads = _PayloadCache()
    keys: dict[int, str] = {}  # one recipient key string per patient, shared by their rows
    default_leads = tuple(sorted(set(reminders.lead_times), reverse=True))
    for session in sessions:
        start = session.starts_at
        if start <= now:
            continue
        # Patients with the same lead times share these times (memory: see _PayloadCache).
        windows: dict[tuple[timedelta, ...], list[tuple[str, datetime, datetime]]] = {}
        checkin_expires = start + CHECKIN_WINDOW
        for patient_id in session.patient_ids:
            patient = patients.get(patient_id)
            if patient is None:
                continue
            key = keys.get(patient_id) or keys.setdefault(patient_id, person_key(patient_id))
            zone = patient.timezone or session.timezone
            leads = prefs.get(patient_id, default_leads)
            if leads not in windows:
                windows[leads] = _reminder_windows(start, leads, now)
            for variant, due, expires in windows[leads]:
                if patient.registered_at is not None and due < patient.registered_at:
                    continue
                planned.append(
                    Planned(
                        NotificationKind.REMINDER,
                        session.occurrence_id,
                        key,
                        variant,
                        patient.chat_id,
                        patient_id,
                        None,
                        patient_id,
                        start,
                        due,
                        expires,
                        payloads.reminder(session, zone),
                    )
                )
            if checkin_expires > now:
                planned.append(
                    Planned(
                        NotificationKind.CHECKIN,
                        session.occurrence_id,
                        key,
                        CHECKIN_VARIANT,
                        patient.chat_id,
                        patient_id,
                        None,
                        patient_id,
                        start,
                        start,
                        checkin_expires,
                        payloads.checkin(session, zone),
                    )
                )
            for buddy in buddies.get(patient_id, ()):
                zone_name = buddy.timezone or zone
                window = buddy_nudge_window(
                    start, reminders.buddy_lead_time, reminders.buddy_quiet_hours, zone_name
                )
                if window is None or window[1] <= now:
                    continue
                planned.append(
                    Planned(
                        NotificationKind.BUDDY_NUDGE,
                        session.occurrence_id,
                        buddy_key(buddy.id),
                        BUDDY_VARIANT,
                        buddy.chat_id,
                        None,
                        buddy.id,
                        patient_id,
                        start,
                        window[0],
                        window[1],
                        payloads.buddy_nudge(patient.name, start, zone_name),
                    )
                )
    return planned


def _reminder_windows(
    start: datetime, leads: tuple[timedelta, ...], now: datetime
) -> list[tuple[str, datetime, datetime]]:
    """(variant, due, expires) per lead time, longest first, leaving out expired ones."""
    windows = []
    for index, lead in enumerate(leads):
        expires = start - leads[index + 1] if index + 1 < len(leads) else start
        if expires > now:
            windows.append((lead_label(lead), start - lead, expires))
    return windows


def buddy_nudge_window(
    start: datetime, lead: timedelta, quiet: tuple[time, time], zone_name: str
) -> tuple[datetime, datetime] | None:
    """(due, expires) of a buddy nudge outside quiet hours, or None if there is no good time."""
    zone = _zone(zone_name)
    quiet_start, quiet_end = quiet
    due = start - lead
    if _in_quiet(due.astimezone(zone).time(), quiet_start, quiet_end):
        local = due.astimezone(zone)
        began_on = local.date() if local.time() >= quiet_start else local.date() - timedelta(1)
        began = datetime.combine(began_on, quiet_start, tzinfo=zone).astimezone(UTC)
        due = began - BUDDY_QUIET_MARGIN
        if start - due > BUDDY_MAX_ADVANCE:
            return None
        return due, min(start, began)
    if quiet_start == quiet_end:
        return due, start
    local = due.astimezone(zone)
    next_quiet = datetime.combine(local.date(), quiet_start, tzinfo=zone)
    if next_quiet <= local:
        next_quiet = datetime.combine(local.date() + timedelta(1), quiet_start, tzinfo=zone)
    return due, min(start, next_quiet.astimezone(UTC))


def _in_quiet(moment: time, quiet_start: time, quiet_end: time) -> bool:
    if quiet_start == quiet_end:
        return False
    if quiet_start < quiet_end:
        return quiet_start <= moment < quiet_end
    return moment >= quiet_start or moment < quiet_end


# --- rows, due selection and merging


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


@dataclass(frozen=True)
class DueSelection:
    send: list[OutboxRow]
    # (row, reason): rows to mark skipped, never to send
    skip: list[tuple[OutboxRow, str]]


STALE = "stale"


def due_notifications(rows: Iterable[OutboxRow], now: datetime) -> DueSelection:
    """Split pending rows into those to send now and those to skip; later ones are left out.

    A row is stale once ``expires_at`` has passed, whatever else is true: never sent late.
    """
    send, skip = [], []
    for row in rows:
        if row.due_at > now:
            continue
        if row.expires_at is not None and row.expires_at <= now:
            skip.append((row, STALE))
        elif row.withdrawn:
            skip.append((row, row.withdrawn))
        else:
            send.append(row)
    return DueSelection(send, skip)


Buttons = list[list[tuple[str, str]]]


@dataclass(frozen=True)
class OutgoingMessage:
    """What goes to one chat in one send: one or more rows merged."""

    chat_id: int
    text: str
    buttons: Buttons | None
    row_ids: tuple[int, ...]


def merge_messages(rows: Sequence[OutboxRow], now: datetime) -> list[OutgoingMessage]:
    """One message per chat: texts joined by a blank line, button rows concatenated.

    Telegram allows about one message per second per chat, so a reminder and a material link
    due together go as one. When several merged parts have buttons, each button names its
    session, so "I'll be there" is never ambiguous. A chat's parts that would exceed
    Telegram's text limit are split into more messages.
    """
    by_chat: dict[int, list[OutboxRow]] = {}
    for row in sorted(rows, key=lambda r: (r.due_at, r.id)):
        by_chat.setdefault(row.chat_id, []).append(row)
    messages = []
    for chat_id, chat_rows in by_chat.items():
        parts = [(row.id, json.loads(row.payload)) for row in chat_rows]
        tagged = sum(1 for _, payload in parts if payload.get("buttons")) > 1
        chunk: list[tuple[int, str, Buttons]] = []
        for row_id, payload in parts:
            text = render_text(payload, now)
            buttons = _buttons(payload, tagged)
            if chunk and len("\n\n".join([*(c[1] for c in chunk), text])) > MAX_TEXT:
                messages.append(_message(chat_id, chunk))
                chunk = []
            chunk.append((row_id, text, buttons))
        messages.append(_message(chat_id, chunk))
    return messages


def _message(chat_id: int, chunk: list[tuple[int, str, Buttons]]) -> OutgoingMessage:
    buttons = [row for _, _, rows in chunk for row in rows]
    return OutgoingMessage(
        chat_id,
        "\n\n".join(text for _, text, _ in chunk)[:MAX_TEXT],
        buttons or None,
        tuple(row_id for row_id, _, _ in chunk),
    )


def _buttons(payload: dict[str, Any], tagged: bool) -> Buttons:
    tag = payload.get("tag")
    return [
        [
            (f"{b['text']} · {tag}" if tagged and tag else b["text"], b["callback_data"])
            for b in row
        ]
        for row in payload.get("buttons") or []
    ]


def render_text(payload: dict[str, Any], now: datetime) -> str:
    """The payload's text with ``{when}`` / ``{until}`` filled in as of ``now``."""
    text: str = payload["text"]
    when = payload.get("when")
    if when is None:
        return text
    start = datetime.fromisoformat(when["at"])
    zone = _zone(when["tz"])
    return text.replace("{when}", describe_when(start, now, zone)).replace(
        "{until}", describe_until(start, now)
    )


def describe_when(start: datetime, now: datetime, zone: tzinfo) -> str:
    """'today at 6:00 pm', 'tomorrow at 6:00 pm' or 'on Thu 3 Dec at 6:00 pm', in ``zone``."""
    local, today = start.astimezone(zone), now.astimezone(zone).date()
    if local.date() == today:
        day = "today"
    elif local.date() == today + timedelta(days=1):
        day = "tomorrow"
    else:
        day = f"on {local:%a %-d %b}"
    return f"{day} at {format_clock(local)}"


def describe_until(start: datetime, now: datetime) -> str:
    """' (in 1 hour)' when the session is less than 12 hours away, else ''."""
    minutes = round((start - now).total_seconds() / 60)
    if minutes <= 0 or minutes >= 12 * 60:
        return ""
    if minutes >= 60:
        minutes = round(minutes / 15) * 15
    hours, rest = divmod(minutes, 60)
    words = [_plural(hours, "hour")] if hours else []
    if rest or not hours:
        words.append(_plural(rest, "minute"))
    return f" (in {' '.join(words)})"


def _plural(count: int, unit: str) -> str:
    return f"{count} {unit}" if count == 1 else f"{count} {unit}s"


def format_clock(moment: datetime) -> str:
    """6:00 pm, the way people write times in a chat."""
    hour = moment.hour % 12 or 12
    return f"{hour}:{moment.minute:02d} {'am' if moment.hour < 12 else 'pm'}"


def first_name(name: str) -> str:
    return name.split()[0] if name.split() else name


_ZONES: dict[str, ZoneInfo] = {}


def _zone(name: str) -> ZoneInfo:
    zone = _ZONES.get(name)
    if zone is None:
        zone = _ZONES[name] = ZoneInfo(name)
    return zone


class _PayloadCache:
    """Shares one payload string per (session, zone): a plan for 10,000 patients stays small.

    Patient payloads hold no patient-specific text, so everyone in a group and a zone shares
    one string.
    """

    def __init__(self) -> None:
        self._cache: dict[tuple[Any, ...], str] = {}

    def reminder(self, session: PlanSession, zone: str) -> str:
        key = ("r", session.occurrence_id, session.title, session.starts_at, zone)
        if key not in self._cache:
            self._cache[key] = reminder_payload(session, zone)
        return self._cache[key]

    def checkin(self, session: PlanSession, zone: str) -> str:
        key = ("c", session.occurrence_id, session.title, session.link, session.starts_at, zone)
        if key not in self._cache:
            self._cache[key] = checkin_payload(session, zone)
        return self._cache[key]

    def buddy_nudge(self, patient_name: str, start: datetime, zone: str) -> str:
        key = ("b", patient_name, start, zone)
        if key not in self._cache:
            self._cache[key] = buddy_payload(patient_name, start, zone)
        return self._cache[key]


# Payloads are ASCII JSON (emoji escaped): a str of ASCII takes half or a quarter of the
# memory of one holding an emoji, and a plan holds one payload per session and zone.
_COMPACT = (",", ":")


def _when(start: datetime, zone: str) -> dict[str, str]:
    return {"at": start.astimezone(UTC).isoformat(), "tz": zone}


def _button(text: str, prefix: str, occurrence_id: int) -> dict[str, str]:
    return {"text": text, "callback_data": reminder_callback(prefix, occurrence_id)}


def reminder_payload(session: PlanSession, zone: str) -> str:
    occurrence_id = session.occurrence_id
    return json.dumps(
        {
            "text": texts.REMINDER.format(title=session.title),
            "when": _when(session.starts_at, zone),
            "tag": f"{session.title}, {format_clock(session.starts_at.astimezone(_zone(zone)))}",
            "buttons": [
                [
                    _button(texts.BUTTON_CONFIRM, CONFIRM_PREFIX, occurrence_id),
                    _button(texts.BUTTON_ABSENT, ABSENT_PREFIX, occurrence_id),
                    _button(texts.BUTTON_LATE, LATE_PREFIX, occurrence_id),
                ]
            ],
        },
        separators=_COMPACT,
    )


def checkin_payload(session: PlanSession, zone: str) -> str:
    occurrence_id = session.occurrence_id
    template = texts.CHECKIN_WITH_LINK if session.link else texts.CHECKIN
    return json.dumps(
        {
            "text": template.format(title=session.title, link=session.link),
            "tag": f"{session.title}, {format_clock(session.starts_at.astimezone(_zone(zone)))}",
            "buttons": [
                [
                    _button(texts.BUTTON_LATE, LATE_PREFIX, occurrence_id),
                    _button(texts.BUTTON_ABSENT, ABSENT_PREFIX, occurrence_id),
                ]
            ],
        },
        separators=_COMPACT,
    )


def buddy_payload(patient_name: str, start: datetime, zone: str) -> str:
    """No title, kind, link or buttons: a buddy learns only that there is an appointment."""
    return json.dumps(
        {
            "text": texts.BUDDY_NUDGE.format(name=first_name(patient_name)),
            "when": _when(start, zone),
        },
        separators=_COMPACT,
    )


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
) -> Planned:
    """An event row for one person (alert, notice, follow-up, material): never re-planned."""
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
        payload=json.dumps(payload, ensure_ascii=False, separators=_COMPACT),
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
