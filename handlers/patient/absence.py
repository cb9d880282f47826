"""Reporting an absence: which session, confirmed with buttons, then (optionally) why.

```mermaid
stateDiagram-v2
    [*] --> CONFIRM: message names one session
    [*] --> PICK: several, none that day, no date, or /absent
    CONFIRM --> REASON: Yes (no reason given yet)
    CONFIRM --> PICK: No, a different one
    PICK --> REASON: a session (no reason given yet)
    CONFIRM --> [*]: Yes (reason already given): recorded
    PICK --> [*]: a session (reason already given): recorded / None of these
    REASON --> [*]: a reason button, Skip, or a few words: recorded
```

The draft lives in the database (``absence_drafts``), so the dialog survives a restart;
every button is re-checked against the patient's own sessions when pressed.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import timedelta
from enum import IntEnum
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ConversationHandler

from bot import texts
from bot.attendance.aftercare import after_absence
from bot.attendance.matching import (
    LOOK_AHEAD,
    LOOK_BACK,
    MatchKind,
    button_label,
    candidates,
    lead_time,
    match_session,
    session_label,
)
from bot.attendance.policy import absence_policy_note, describe_lead
from bot.context import BotContext
from bot.kinds import Reason
from bot.roles import Role
from bot.schedule.agenda import person_zone
from bot.understanding.engine import Intent, Understanding
from handlers.access import for_roles
from handlers.notify import alert_staff, care_team
from storage import absences, people
from storage import schedule as schedule_store
from storage.records import AbsenceDraft, AbsenceKind, Occurrence, Person

CONFIRM_YES = "ab:yes"
CONFIRM_OTHER = "ab:other"
PICK_PREFIX = "ab:o:"
PICK_NONE = "ab:none"
PICK_MISSED = "ab:missed"
REASON_PREFIX = "ab:r:"
REASON_SKIP = REASON_PREFIX + "skip"

CONFIRM_PATTERN = f"^({CONFIRM_YES}|{CONFIRM_OTHER})$"
PICK_PATTERN = rf"^({PICK_PREFIX}\d+|{PICK_NONE}|{PICK_MISSED})$"
REASON_PATTERN = f"^{REASON_PREFIX}"


class Absence(IntEnum):
    CONFIRM = 1
    PICK = 2
    REASON = 3


async def patient_sessions(context: BotContext, patient: Person) -> list[Occurrence]:
    now = context.clock.now()
    return await schedule_store.patient_occurrences(
        context.db, patient.id, now - LOOK_BACK, now + LOOK_AHEAD
    )


def patient_zone(context: BotContext, patient: Person) -> ZoneInfo:
    return person_zone(patient, context.config.program.timezone)


async def begin_absence(
    update: Update, context: BotContext, understanding: Understanding, text: str
) -> int:
    """Start a report from a free-text message the reader took as an absence."""
    patient = context.actor.person
    missed = understanding.intent is Intent.ABSENCE_MISSED
    kind = AbsenceKind.MISSED if missed else AbsenceKind.UPCOMING
    draft = AbsenceDraft(
        patient_id=patient.id,
        kind=kind,
        original_text=text,
        parsed=json.dumps(understanding.to_json()),
        reason=understanding.reason.value if understanding.reason else None,
        occurrence_id=None,
    )
    await absences.start_draft(context.db, draft, context.clock.now())
    zone = patient_zone(context, patient)
    match = match_session(
        await patient_sessions(context, patient),
        absence_kind=kind,
        on=understanding.date,
        session_kind=understanding.session_kind,
        now=context.clock.now(),
        zone=zone,
    )
    message = update.effective_message
    if match.kind is MatchKind.ONE:
        (occurrence,) = match.occurrences
        await absences.set_draft_occurrence(context.db, patient.id, occurrence.id, kind)
        question = texts.CONFIRM_MISSED if kind is AbsenceKind.MISSED else texts.CONFIRM_UPCOMING
        keyboard = InlineKeyboardMarkup(
            [
                [InlineKeyboardButton(texts.CONFIRM_YES, callback_data=CONFIRM_YES)],
                [InlineKeyboardButton(texts.CONFIRM_OTHER, callback_data=CONFIRM_OTHER)],
            ]
        )
        await message.reply_text(
            question.format(session=session_label(occurrence, zone)), reply_markup=keyboard
        )
        return Absence.CONFIRM
    if match.kind is MatchKind.NONE_THAT_DAY:
        day = f"{understanding.date:%A %-d %B}"
        prompt = texts.PICK_NONE_THAT_DAY.format(day=day)
    else:
        prompt = texts.PICK_MISSED if kind is AbsenceKind.MISSED else texts.PICK_UPCOMING
    return await _offer(message.reply_text, prompt, list(match.occurrences), kind, zone, context)


async def _offer(
    send: Callable[..., Awaitable[object]],
    prompt: str,
    options: list[Occurrence],
    kind: AbsenceKind,
    zone: ZoneInfo,
    context: BotContext,
) -> int:
    if not options:
        await absences.drop_draft(context.db, context.actor.person.id)
        await send(texts.NO_SESSIONS_TO_PICK)
        return ConversationHandler.END
    rows = [
        [InlineKeyboardButton(button_label(o, zone), callback_data=f"{PICK_PREFIX}{o.id}")]
        for o in options
    ]
    if kind is AbsenceKind.UPCOMING:
        rows.append([InlineKeyboardButton(texts.PICK_MISSED_INSTEAD, callback_data=PICK_MISSED)])
    rows.append([InlineKeyboardButton(texts.PICK_NONE_OF_THESE, callback_data=PICK_NONE)])
    await send(prompt, reply_markup=InlineKeyboardMarkup(rows))
    return Absence.PICK


async def ask_about_session(update: Update, context: BotContext, occurrence: Occurrence) -> int:
    """Start a report for a known session (a reminder's "Can't make it"): ask why."""
    patient = context.actor.person
    now = context.clock.now()
    kind = AbsenceKind.MISSED if occurrence.starts_at <= now else AbsenceKind.UPCOMING
    draft = AbsenceDraft(patient.id, kind, None, None, None, occurrence.id)
    await absences.start_draft(context.db, draft, now)
    return await _after_session_chosen(update, context, draft, occurrence)


@for_roles(Role.PATIENT)
async def start_absent_command(update: Update, context: BotContext) -> int:
    """/absent: the same report with buttons only."""
    patient = context.actor.person
    draft = AbsenceDraft(patient.id, AbsenceKind.UPCOMING, None, None, None, None)
    await absences.start_draft(context.db, draft, context.clock.now())
    options = candidates(
        await patient_sessions(context, patient), AbsenceKind.UPCOMING, context.clock.now()
    )
    zone = patient_zone(context, patient)
    return await _offer(
        update.effective_message.reply_text, texts.PICK_UPCOMING, options[:4],
        AbsenceKind.UPCOMING, zone, context,
    )  # fmt: skip


@for_roles(Role.PATIENT)
async def receive_confirmation(update: Update, context: BotContext) -> int:
    query = update.callback_query
    await query.answer()
    patient = context.actor.person
    draft = await absences.get_draft(context.db, patient.id)
    if draft is None or draft.occurrence_id is None:
        await query.edit_message_text(texts.BUTTON_EXPIRED)
        return ConversationHandler.END
    zone = patient_zone(context, patient)
    if query.data == CONFIRM_OTHER:
        options = candidates(
            await patient_sessions(context, patient), draft.kind, context.clock.now()
        )
        options = [o for o in options if o.id != draft.occurrence_id][:4]
        prompt = texts.PICK_MISSED if draft.kind is AbsenceKind.MISSED else texts.PICK_UPCOMING
        return await _offer(query.edit_message_text, prompt, options, draft.kind, zone, context)
    occurrence = await schedule_store.patient_occurrence(
        context.db, patient.id, draft.occurrence_id
    )
    allowed = candidates(await patient_sessions(context, patient), draft.kind, context.clock.now())
    if occurrence is None or occurrence.id not in {o.id for o in allowed}:
        await absences.drop_draft(context.db, patient.id)
        await query.edit_message_text(texts.BUTTON_EXPIRED)
        return ConversationHandler.END
    await query.edit_message_reply_markup(None)
    return await _after_session_chosen(update, context, draft, occurrence)


@for_roles(Role.PATIENT)
async def receive_pick(update: Update, context: BotContext) -> int:
    query = update.callback_query
    patient = context.actor.person
    draft = await absences.get_draft(context.db, patient.id)
    if draft is None:
        await query.answer()
        await query.edit_message_text(texts.BUTTON_EXPIRED)
        return ConversationHandler.END
    zone = patient_zone(context, patient)
    now = context.clock.now()
    occurrence = None
    if query.data.startswith(PICK_PREFIX):
        occurrence_id = int(query.data.removeprefix(PICK_PREFIX))
        occurrence = await schedule_store.patient_occurrence(context.db, patient.id, occurrence_id)
        allowed = candidates(await patient_sessions(context, patient), draft.kind, now)
        if occurrence is None or occurrence.id not in {o.id for o in allowed}:
            await query.answer(texts.BUTTON_EXPIRED, show_alert=True)
            return Absence.PICK
    await query.answer()  # once: Telegram refuses a second answer
    if query.data == PICK_NONE:
        await absences.drop_draft(context.db, patient.id)
        await query.edit_message_text(texts.PICK_GAVE_UP)
        return ConversationHandler.END
    if query.data == PICK_MISSED:
        options = candidates(await patient_sessions(context, patient), AbsenceKind.MISSED, now)[:4]
        missed = AbsenceDraft(patient.id, AbsenceKind.MISSED, draft.original_text, draft.parsed,
                              draft.reason, None)  # fmt: skip
        await absences.start_draft(context.db, missed, now)
        return await _offer(
            query.edit_message_text, texts.PICK_MISSED, options, AbsenceKind.MISSED, zone, context
        )
    await absences.set_draft_occurrence(context.db, patient.id, occurrence.id, draft.kind)
    await query.edit_message_text(f"✔️ {session_label(occurrence, zone)}")
    return await _after_session_chosen(update, context, draft, occurrence)


async def _after_session_chosen(
    update: Update, context: BotContext, draft: AbsenceDraft, occurrence: Occurrence | None
) -> int:
    if occurrence is None or occurrence.cancelled:
        await absences.drop_draft(context.db, draft.patient_id)
        await update.effective_message.reply_text(texts.BUTTON_EXPIRED)
        return ConversationHandler.END
    if draft.reason is not None:
        await _record(update, context, draft, occurrence, draft.reason, None)
        return ConversationHandler.END
    labels = list(texts.REASON_LABELS.items())
    rows = [
        [InlineKeyboardButton(label, callback_data=REASON_PREFIX + value) for value, label in pair]
        for pair in (labels[i : i + 2] for i in range(0, len(labels), 2))
    ]
    rows.append([InlineKeyboardButton(texts.REASON_SKIP, callback_data=REASON_SKIP)])
    await update.effective_message.reply_text(
        texts.ASK_REASON, reply_markup=InlineKeyboardMarkup(rows)
    )
    return Absence.REASON


@for_roles(Role.PATIENT)
async def receive_reason_button(update: Update, context: BotContext) -> int | None:
    query = update.callback_query
    value = query.data.removeprefix(REASON_PREFIX)
    if value != "skip" and value not in texts.REASON_LABELS:
        await query.answer(texts.BUTTON_EXPIRED, show_alert=True)
        return None
    await query.answer()
    reason = None if value == "skip" else value
    label = texts.REASON_LABELS.get(value, texts.REASON_SKIP)
    await query.edit_message_text(f"{texts.ASK_REASON}\n\n✔️ {label}")
    return await _finish_with_reason(update, context, reason, None)


@for_roles(Role.PATIENT)
async def receive_reason_text(update: Update, context: BotContext) -> int:
    text = update.effective_message.text
    reason = (context.services.reader.read_reason(text) or Reason.OTHER).value
    return await _finish_with_reason(update, context, reason, text[:1000])


async def _finish_with_reason(
    update: Update, context: BotContext, reason: str | None, reason_text: str | None
) -> int:
    patient = context.actor.person
    draft = await absences.get_draft(context.db, patient.id)
    occurrence = None
    if draft is not None and draft.occurrence_id is not None:
        occurrence = await schedule_store.patient_occurrence(
            context.db, patient.id, draft.occurrence_id
        )
    if draft is None or occurrence is None:
        await update.effective_message.reply_text(texts.BUTTON_EXPIRED)
        return ConversationHandler.END
    await _record(update, context, draft, occurrence, reason, reason_text)
    return ConversationHandler.END


async def _record(
    update: Update,
    context: BotContext,
    draft: AbsenceDraft,
    occurrence: Occurrence,
    reason: str | None,
    reason_text: str | None,
) -> None:
    patient = context.actor.person
    now = context.clock.now()
    lead = lead_time(occurrence, now)
    # Reported after the start is a missed session, whatever the words said.
    if lead <= timedelta(0) and draft.kind is AbsenceKind.UPCOMING:
        draft = AbsenceDraft(draft.patient_id, AbsenceKind.MISSED, draft.original_text,
                             draft.parsed, draft.reason, draft.occurrence_id)  # fmt: skip
    absence, is_new = await absences.record_absence(
        context.db,
        draft,
        occurrence_id=occurrence.id,
        reason=reason,
        reason_text=reason_text,
        lead_minutes=int(lead.total_seconds() // 60),
        now=now,
    )
    # The care team's alert is queued before anything is said to the patient: if the reply
    # fails, the alert still goes (and a second report finds it already queued, same tag).
    await after_absence(context.db, context.notifier, context.config, patient, occurrence, now)
    misses = await absences.count_misses(context.db, patient.id, now - timedelta(days=30), now)
    reason_label = texts.REASON_LABELS.get(absence.reason or "", texts.REASON_NOT_GIVEN).lower()
    if absence.reason_text:
        reason_label += f" (“{absence.reason_text[:200]}”)"
    alert = (
        texts.ALERT_ABSENCE_MISSED
        if absence.kind is AbsenceKind.MISSED
        else texts.ALERT_ABSENCE_UPCOMING
    )
    await alert_staff(
        context,
        care_team(patient, occurrence.therapist_id),
        lambda therapist_zone: alert.format(
            patient=patient.name,
            session=staff_session(occurrence, therapist_zone),
            reason=reason_label,
            lead=describe_lead(timedelta(minutes=absence.lead_minutes)),
            misses=misses,
        ),
        patient_id=patient.id,
        tag=f"absence:{absence.id}",
    )
    zone = patient_zone(context, patient)
    if not is_new:
        await update.effective_message.reply_text(
            texts.ABSENCE_ALREADY_REPORTED.format(session=session_label(occurrence, zone))
        )
        return
    template = (
        texts.ABSENCE_RECORDED_MISSED
        if absence.kind is AbsenceKind.MISSED
        else texts.ABSENCE_RECORDED_UPCOMING
    )
    therapist = await therapist_name(context, patient)
    parts = [
        template.format(
            name=patient.name, therapist=therapist, session=session_label(occurrence, zone)
        )
    ]
    note = absence_policy_note(lead, context.config.policy)
    if note:
        parts.append(note)
    parts.append(texts.CATCH_UP_PROMISE)
    await update.effective_message.reply_text("\n\n".join(parts))


def staff_session(occurrence: Occurrence, zone: ZoneInfo) -> str:
    label = session_label(occurrence, zone)
    return f"{label} ({occurrence.group_name})" if occurrence.group_name else label


async def therapist_name(context: BotContext, patient: Person) -> str:
    if patient.therapist_id is None:
        return "your care team"
    return (await people.get_person(context.db, patient.therapist_id)).name


async def cancel(update: Update, context: BotContext) -> int:
    if context.actor.person is not None:
        await absences.drop_draft(context.db, context.actor.person.id)
    await update.effective_message.reply_text(texts.ABSENCE_CANCELLED)
    return ConversationHandler.END
