"""What a patient does about a session: report an absence, come after all, run late, ask to
move it, or send words the bot could not place to their therapist."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum

from bot.attendance.aftercare import after_absence
from bot.attendance.matching import LOOK_AHEAD, LOOK_BACK, MatchKind, lead_time, match_session
from bot.i18n import texts
from bot.labels import describe_lead, staff_session_label
from bot.services import Services
from bot.understanding.engine import Intent, Understanding
from bot.usecases.care_team import (
    alert_about_session,
    alert_care_team,
    quote,
    therapist_name,
)
from storage import absences
from storage import schedule as schedule_store
from storage.records import (
    Absence,
    AbsenceDraft,
    AbsenceKind,
    AttendanceStatus,
    Occurrence,
    Person,
)

MISSES_WINDOW = timedelta(days=30)  # "missed sessions in the last 30 days" in the alert
REASON_TEXT_LIMIT = 200  # of the patient's own words quoted in the alert


async def patient_sessions(s: Services, patient: Person) -> list[Occurrence]:
    """The patient's sessions two weeks either side of now: what a message can be about."""
    now = s.clock.now()
    return await schedule_store.patient_occurrences(
        s.db, patient.id, now - LOOK_BACK, now + LOOK_AHEAD
    )


@dataclass(frozen=True)
class AbsenceRecorded:
    absence: Absence
    is_new: bool  # False: the session had already been reported (the reason is updated)
    lead: timedelta  # before the start; negative when told after it started
    therapist: str  # as the patient knows them


async def report_absence(
    s: Services,
    patient: Person,
    draft: AbsenceDraft,
    occurrence: Occurrence,
    reason: str | None,
    reason_text: str | None,
) -> AbsenceRecorded:
    """Record the absence, plan the follow-up and material, re-check risk, alert the team.

    The care team's alert is queued before the patient hears anything: if the reply fails,
    the alert still goes (and a repeated report finds it already queued, same tag).
    """
    now = s.clock.now()
    lead = lead_time(occurrence, now)
    # Reported after the start is a missed session, whatever the words said.
    kind = AbsenceKind.MISSED if lead <= timedelta(0) else draft.kind
    absence, is_new = await absences.record_absence(
        s.db,
        replace(draft, kind=kind),
        occurrence_id=occurrence.id,
        reason=reason,
        reason_text=reason_text,
        lead_minutes=int(lead.total_seconds() / 60),  # toward zero, like hours_ahead
        now=now,
    )
    await after_absence(s, patient, occurrence)
    misses = await absences.count_misses(s.db, patient.id, now - MISSES_WINDOW, now)

    def reason_label() -> str:  # in the therapist's language
        label = texts.REASON_LABELS.get(absence.reason or "", texts.REASON_NOT_GIVEN).lower()
        if absence.reason_text:
            label += f" (“{quote(absence.reason_text)[:REASON_TEXT_LIMIT]}”)"
        return label

    alert = (
        "ALERT_ABSENCE_MISSED" if absence.kind is AbsenceKind.MISSED else "ALERT_ABSENCE_UPCOMING"
    )
    await alert_about_session(
        s, patient, occurrence, alert, tag=f"absence:{absence.id}", reason=reason_label,
        lead=lambda: describe_lead(timedelta(minutes=absence.lead_minutes)), misses=misses,
    )  # fmt: skip
    return AbsenceRecorded(absence, is_new, lead, await therapist_name(s, patient))


async def session_to_confirm(s: Services, patient: Person, on: date | None) -> Occurrence | None:
    """The session an "I'll be there" is about: one reported absent first, else the next."""
    now = s.clock.now()
    zone = s.zone_of(patient)
    upcoming = [o for o in await patient_sessions(s, patient) if o.ends_at > now]
    if on is not None:
        upcoming = [o for o in upcoming if o.starts_at.astimezone(zone).date() == on]
    reported = await absences.reported_among(s.db, patient.id, [o.id for o in upcoming])
    pool = [o for o in upcoming if o.id in reported] or upcoming
    return min(pool, key=lambda o: o.starts_at, default=None)


class Coming(StrEnum):
    CONFIRMED = "confirmed"  # no report to withdraw: recorded as coming
    WITHDRAWN = "withdrawn"  # a live report was withdrawn and the team told
    TOO_LATE = "too_late"  # reported absent and the session has started: the report stays


async def confirm_attendance(s: Services, patient: Person, occurrence: Occurrence) -> Coming:
    """The patient will come: withdraw a live report (telling the care team) or record it."""
    now = s.clock.now()
    live = await absences.live_absence(s.db, patient.id, occurrence.id)
    if live is None:
        await absences.record_attendance(
            s.db, patient.id, occurrence.id, AttendanceStatus.CONFIRMED, now
        )
        return Coming.CONFIRMED
    if occurrence.starts_at <= now:
        return Coming.TOO_LATE
    await absences.withdraw_absence(s.db, patient.id, occurrence.id, now)
    await s.notifier.replan([patient.id])
    await alert_about_session(
        s, patient, occurrence, "ALERT_WITHDRAWN", tag=f"withdrawn:{live.id}"
    )
    return Coming.WITHDRAWN


def late_words(minutes: int | None) -> str:
    return texts.LATE_ABOUT_MINUTES.format(minutes=minutes) if minutes else texts.LATE_SOME


async def send_late_notice(
    s: Services, patient: Person, occurrence: Occurrence, minutes: int | None
) -> None:
    """Record that the patient will be late and tell the care team (once per session and
    number of minutes: a double tap is one notice)."""
    await absences.record_attendance(
        s.db, patient.id, occurrence.id, AttendanceStatus.LATE, s.clock.now(),
        late_minutes=minutes,
    )  # fmt: skip
    await alert_about_session(
        s,
        patient,
        occurrence,
        "ALERT_LATE",
        tag=f"late:{patient.id}:{occurrence.id}:{minutes or 0}",
        late=lambda: late_words(minutes),
    )


async def request_reschedule(
    s: Services, patient: Person, occurrence: Occurrence | None, text: str
) -> None:
    """Forward a request to move a session (or an unknown one) to the care team; the same
    words sent twice are one request."""
    words = quote(text)
    digest = hashlib.sha256(words.lower().encode()).hexdigest()[:16]

    def render(zone) -> str:
        if occurrence is None:
            return texts.ALERT_RESCHEDULE_NO_SESSION.format(patient=patient.name, text=words)
        return texts.ALERT_RESCHEDULE.format(
            patient=patient.name,
            session=staff_session_label(occurrence, zone),
            text=words,
        )

    await alert_care_team(
        s,
        patient,
        render,
        tag=f"reschedule:{patient.id}:{occurrence.id if occurrence else 0}:{digest}",
        session_therapist_id=occurrence.therapist_id if occurrence else None,
    )


async def keep_unplaced_message(s: Services, patient: Person, text: str) -> int:
    """Keep words the bot could not place, so one tap can send them to the therapist."""
    return await absences.save_note(s.db, patient.id, text, s.clock.now())


async def settle_unplaced_message(s: Services, patient: Person, note_id: int) -> str | None:
    """Take the patient's own kept words once (they chose what they meant); None if they
    were already sent to the therapist or chosen for."""
    return await absences.take_note_to_forward(s.db, note_id, patient.id, s.clock.now())


async def forward_note(s: Services, patient: Person, note_id: int) -> bool:
    """Send the patient's own kept note to their therapist, once; False if already sent."""
    text = await absences.take_note_to_forward(s.db, note_id, patient.id, s.clock.now())
    if text is None:
        return False
    await alert_care_team(
        s,
        patient,
        lambda _: texts.ALERT_NOTE.format(patient=patient.name, text=quote(text)),
        tag=f"note:{note_id}",
    )
    return True


async def set_aside_report_in_progress(s: Services, patient: Person) -> None:
    """Drop an absence report the patient was in the middle of: after crisis words, the next
    message is read afresh, never taken as the answer to "why?"."""
    await absences.drop_draft(s.db, patient.id)


async def record_absence_in_crisis(
    s: Services, patient: Person, understanding: Understanding, text: str
) -> Occurrence | None:
    """A crisis message that also reports an absence: record it when the session is clear
    (no questions asked in a crisis). Returns the session, or None when nothing was recorded."""
    intent = understanding.also_intent
    if intent not in (Intent.ABSENCE_UPCOMING, Intent.ABSENCE_MISSED):
        return None
    kind = AbsenceKind.MISSED if intent is Intent.ABSENCE_MISSED else AbsenceKind.UPCOMING
    match = match_session(
        await patient_sessions(s, patient),
        absence_kind=kind,
        on=understanding.also_date,
        session_kind=understanding.session_kind,
        now=s.clock.now(),
        zone=s.zone_of(patient),
    )
    if match.kind is not MatchKind.ONE:
        return None
    (occurrence,) = match.occurrences
    reason = understanding.reason.value if understanding.reason else None
    draft = AbsenceDraft(
        patient.id, kind, text, json.dumps(understanding.to_json()), reason, occurrence.id
    )
    await report_absence(s, patient, draft, occurrence, reason, None)
    return occurrence
