"""Planning reminders, check-ins and buddy nudges from the schedule, pure.

``bot.outbox.sync`` stores the plan; nothing here touches the database or Telegram.

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
from datetime import UTC, datetime, time, timedelta
from typing import Any

from bot import callbacks
from bot.config import RemindersConfig
from bot.durations import parse_duration
from bot.i18n import ENGLISH, current_language, texts, writing_for
from bot.labels import display_title, first_name, format_clock, lead_label
from bot.outbox.rows import (
    COMPACT,
    NotificationKind,
    Planned,
    QuietHours,
    buddy_key,
    person_key,
    quiet_field,
)
from bot.timezones import cached_zone, in_quiet_hours

CHECKIN_VARIANT = "start"
BUDDY_VARIANT = "nudge"
CHECKIN_WINDOW = timedelta(minutes=15)
BUDDY_QUIET_MARGIN = timedelta(minutes=30)
BUDDY_MAX_ADVANCE = timedelta(hours=14)
# The longest reminder lead time a patient may choose (the planner looks this far ahead).
MAX_LEAD_TIME = timedelta(days=7)


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
    discreet: bool = True  # first lines say "your appointment" (a locked phone shows them)
    quiet: bool = True  # routine messages inside the quiet hours arrive silently
    language: str | None = None  # what they read ('es'); None: English


@dataclass(frozen=True, slots=True)
class PlanBuddy:
    """An active buddy link."""

    id: int
    patient_id: int
    chat_id: int
    timezone: str | None
    language: str | None = None  # the buddy's own language, not the patient's


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
            quiet = reminders.patient_quiet_hours if patient.quiet else None
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
                        payloads.reminder(
                            session, zone, patient.discreet, quiet, patient.language
                        ),
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
                        payloads.checkin(session, zone, patient.discreet, quiet, patient.language),
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
                        payloads.buddy_nudge(patient.name, start, zone_name, buddy.language),
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
    zone = cached_zone(zone_name)
    quiet_start, quiet_end = quiet
    due = start - lead
    if in_quiet_hours(due.astimezone(zone).time(), quiet_start, quiet_end):
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


class _PayloadCache:
    """Shares one payload string per (session, zone): a plan for 10,000 patients stays small.

    Patient payloads hold no patient-specific text, so everyone in a group and a zone shares
    one string.
    """

    def __init__(self) -> None:
        self._cache: dict[tuple[Any, ...], str] = {}

    def reminder(
        self,
        session: PlanSession,
        zone: str,
        discreet: bool,
        quiet: QuietHours | None,
        language: str | None = None,
    ) -> str:
        key = ("r", session.occurrence_id, session.title, session.starts_at, zone, discreet,
               quiet, language)  # fmt: skip
        if key not in self._cache:
            with writing_for(language):
                self._cache[key] = reminder_payload(session, zone, discreet, quiet)
        return self._cache[key]

    def checkin(
        self,
        session: PlanSession,
        zone: str,
        discreet: bool,
        quiet: QuietHours | None,
        language: str | None = None,
    ) -> str:
        key = ("c", session.occurrence_id, session.title, session.link, session.starts_at, zone,
               discreet, quiet, language)  # fmt: skip
        if key not in self._cache:
            with writing_for(language):
                self._cache[key] = checkin_payload(session, zone, discreet, quiet)
        return self._cache[key]

    def buddy_nudge(
        self, patient_name: str, start: datetime, zone: str, language: str | None = None
    ) -> str:
        key = ("b", patient_name, start, zone, language)
        if key not in self._cache:
            with writing_for(language):
                self._cache[key] = buddy_payload(patient_name, start, zone)
        return self._cache[key]


# Planned payloads are ASCII JSON (emoji escaped): a str of ASCII takes half or a quarter of
# the memory of one holding an emoji, and a plan holds one payload per session and zone.


def _when(start: datetime, zone: str) -> dict[str, str]:
    """When to say it is, filled in at send time (``render_text``) in the reader's language."""
    when = {"at": start.astimezone(UTC).isoformat(), "tz": zone}
    if current_language() != ENGLISH:
        when["lang"] = current_language()
    return when


def _button(text: str, prefix: str, occurrence_id: int) -> dict[str, str]:
    return {"text": text, "callback_data": f"{prefix}{occurrence_id}"}


def _tag(session: PlanSession, zone: str) -> str:
    """Names the session on a merged message's buttons: 'Group Therapy, 6:00 pm'."""
    start = session.starts_at.astimezone(cached_zone(zone))
    return f"{display_title(session.title)}, {format_clock(start)}"


def reminder_payload(
    session: PlanSession, zone: str, discreet: bool = True, quiet: QuietHours | None = None
) -> str:
    occurrence_id = session.occurrence_id
    return json.dumps(
        {
            **quiet_field(zone, quiet),
            "text": (texts.REMINDER_DISCREET if discreet else texts.REMINDER).format(
                title=display_title(session.title)
            ),
            "when": _when(session.starts_at, zone),
            "tag": _tag(session, zone),
            "buttons": [
                [
                    _button(texts.BUTTON_CONFIRM, callbacks.REMINDER_CONFIRM, occurrence_id),
                    _button(texts.BUTTON_ABSENT, callbacks.REMINDER_ABSENT, occurrence_id),
                    _button(texts.BUTTON_LATE, callbacks.REMINDER_LATE, occurrence_id),
                ]
            ],
        },
        separators=COMPACT,
    )


def checkin_payload(
    session: PlanSession, zone: str, discreet: bool = True, quiet: QuietHours | None = None
) -> str:
    occurrence_id = session.occurrence_id
    if discreet:
        template = texts.CHECKIN_WITH_LINK_DISCREET if session.link else texts.CHECKIN_DISCREET
    else:
        template = texts.CHECKIN_WITH_LINK if session.link else texts.CHECKIN
    return json.dumps(
        {
            **quiet_field(zone, quiet),
            "text": template.format(title=display_title(session.title), link=session.link),
            "tag": _tag(session, zone),
            "buttons": [
                [
                    _button(texts.BUTTON_LATE, callbacks.REMINDER_LATE, occurrence_id),
                    _button(texts.BUTTON_ABSENT, callbacks.REMINDER_ABSENT, occurrence_id),
                ]
            ],
        },
        separators=COMPACT,
    )


def buddy_payload(patient_name: str, start: datetime, zone: str) -> str:
    """No title, kind, link or buttons: a buddy learns only that there is an appointment."""
    return json.dumps(
        {
            "text": texts.BUDDY_NUDGE.format(name=first_name(patient_name)),
            "when": _when(start, zone),
        },
        separators=COMPACT,
    )
