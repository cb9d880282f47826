"""The patient's message dialog: free text in, and the absence report it may start.

Any private text that is not a command enters here. An absence (in words, from a reminder's
"Can't make it", or /absent) is confirmed with buttons, then (optionally) its reason asked;
anything else is answered at once by ``handlers.patient.messages``.

```mermaid
stateDiagram-v2
    [*] --> CONFIRM: message names one session
    [*] --> PICK: several, none that day, no date, or /absent
    [*] --> REASON: a reminder's "Can't make it"
    CONFIRM --> REASON: Yes (no reason given yet)
    CONFIRM --> PICK: No, a different one
    PICK --> REASON: a session (no reason given yet)
    CONFIRM --> [*]: Yes (reason already given): recorded
    PICK --> [*]: a session (reason already given): recorded / None of these
    REASON --> [*]: a reason button, Skip, or a few words: recorded
```

The draft lives in the database (``absence_drafts``), so the dialog survives a restart;
every button is re-checked against the patient's own sessions when pressed. A new message
while a session is being chosen starts over from that message; while a reason is asked for,
words are the reason unless they start something new.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Awaitable, Callable
from datetime import timedelta
from enum import IntEnum
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot import callbacks
from bot.attendance.matching import MAX_CHOICES, MatchKind, candidates, match_session
from bot.context import BotContext
from bot.i18n import texts
from bot.kinds import Reason, Role
from bot.labels import button_label, long_day, session_label
from bot.understanding.engine import Intent, Understanding
from bot.usecases import makeups
from bot.usecases.absences import patient_sessions, report_absence
from bot.usecases.fees import fee_policy_note
from handlers import common
from handlers.access import for_roles
from handlers.patient import messages
from storage import absences
from storage import schedule as schedule_store
from storage.records import AbsenceDraft, AbsenceKind, Occurrence

NAME = "patient-messages"
# A "why?" left unanswered this long is forgotten: later words are a new message.
REASON_GOES_STALE = timedelta(hours=6)
NEW_TOPICS = (Intent.LATE, Intent.ATTEND_CONFIRM, Intent.RESCHEDULE)
REASON_TEXT_LIMIT = 1000


class AbsenceState(IntEnum):
    CONFIRM = 1
    PICK = 2
    REASON = 3


# --- entry points


async def read_message(update: Update, context: BotContext) -> int:
    """Any private text that is not a command: an absence starts the dialog."""
    if context.actor.role is not Role.PATIENT:
        await common.free_text(update, context)
        return ConversationHandler.END
    understanding = common.understand(update, context)
    text = common.message_text(update) or ""
    if understanding.clarify and understanding.intent is not Intent.OTHER:
        await messages.ask_what_they_mean(update, context, understanding, text)
        return ConversationHandler.END
    return await act_on(update, context, understanding, text)


async def act_on(
    update: Update, context: BotContext, understanding: Understanding, text: str
) -> int:
    """Do what the message says: an absence starts the dialog, the rest is answered."""
    if understanding.intent in (Intent.ABSENCE_UPCOMING, Intent.ABSENCE_MISSED):
        return await begin_absence(update, context, understanding, text)
    await messages.answer(update, context, understanding, text)
    return ConversationHandler.END


@for_roles(Role.PATIENT)
async def clarified(update: Update, context: BotContext) -> int:
    """The patient picked what they meant (see ``messages.ask_what_they_mean``)."""
    picked = await messages.receive_clarification(update, context)
    if picked is None:
        return ConversationHandler.END
    understanding, text = picked
    return await act_on(update, context, understanding, text)


async def begin_absence(
    update: Update, context: BotContext, understanding: Understanding, text: str
) -> int:
    """Start a report from a free-text message the reader took as an absence."""
    patient = context.actor.person
    kind = (
        AbsenceKind.MISSED
        if understanding.intent is Intent.ABSENCE_MISSED
        else AbsenceKind.UPCOMING
    )
    draft = AbsenceDraft(
        patient_id=patient.id,
        kind=kind,
        original_text=text,
        parsed=json.dumps(understanding.to_json()),
        reason=understanding.reason.value if understanding.reason else None,
        occurrence_id=None,
    )
    await absences.start_draft(context.db, draft, context.clock.now())
    zone = context.services.zone_of(patient)
    match = match_session(
        await patient_sessions(context.services, patient),
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
                [
                    InlineKeyboardButton(
                        texts.CONFIRM_YES, callback_data=callbacks.ABSENCE_CONFIRM_YES
                    )
                ],
                [
                    InlineKeyboardButton(
                        texts.CONFIRM_OTHER, callback_data=callbacks.ABSENCE_CONFIRM_OTHER
                    )
                ],
            ]
        )
        await message.reply_text(
            question.format(session=session_label(occurrence, zone)), reply_markup=keyboard
        )
        return AbsenceState.CONFIRM
    if match.kind is MatchKind.NONE_THAT_DAY:
        prompt = texts.PICK_NONE_THAT_DAY.format(day=long_day(understanding.date))
    else:
        prompt = texts.PICK_MISSED if kind is AbsenceKind.MISSED else texts.PICK_UPCOMING
    return await _offer(
        message.reply_text, prompt, list(match.occurrences), kind, zone, context, text
    )


@for_roles(Role.PATIENT)
async def start_absent_command(update: Update, context: BotContext) -> int:
    """/absent: the same report with buttons only."""
    patient = context.actor.person
    now = context.clock.now()
    draft = AbsenceDraft(patient.id, AbsenceKind.UPCOMING, None, None, None, None)
    await absences.start_draft(context.db, draft, now)
    options = candidates(
        await patient_sessions(context.services, patient), AbsenceKind.UPCOMING, now
    )
    return await _offer(
        update.effective_message.reply_text,
        texts.PICK_UPCOMING,
        options[:MAX_CHOICES],
        AbsenceKind.UPCOMING,
        context.services.zone_of(patient),
        context,
    )


@for_roles(Role.PATIENT)
async def cant_make_it(update: Update, context: BotContext) -> int | None:
    """A reminder's "Can't make it": the session is known, so ask why."""
    query = update.callback_query
    occurrence = await messages.reminded_session(
        update, context, callbacks.trailing_id(query.data)
    )
    if occurrence is None:
        return ConversationHandler.END
    await query.answer()
    await query.edit_message_reply_markup(None)
    patient = context.actor.person
    now = context.clock.now()
    kind = AbsenceKind.MISSED if occurrence.starts_at <= now else AbsenceKind.UPCOMING
    draft = AbsenceDraft(patient.id, kind, None, None, None, occurrence.id)
    await absences.start_draft(context.db, draft, now)
    return await _after_session_chosen(update, context, draft, occurrence)


# --- choosing the session


async def _offer(
    send: Callable[..., Awaitable[object]],
    prompt: str,
    options: list[Occurrence],
    kind: AbsenceKind,
    zone: ZoneInfo,
    context: BotContext,
    text: str | None = None,
) -> int:
    if not options:
        await absences.drop_draft(context.db, context.actor.person.id)
        if text:  # never dropped: their words can still reach the therapist
            await messages.offer_to_forward(send, context, text, texts.NO_SESSION_FITS)
        else:
            await send(texts.NO_SESSIONS_TO_PICK)
        return ConversationHandler.END
    rows = [
        [
            InlineKeyboardButton(
                button_label(o, zone), callback_data=f"{callbacks.ABSENCE_PICK}{o.id}"
            )
        ]
        for o in options
    ]
    if kind is AbsenceKind.UPCOMING:
        rows.append(
            [
                InlineKeyboardButton(
                    texts.PICK_MISSED_INSTEAD, callback_data=callbacks.ABSENCE_PICK_MISSED
                )
            ]
        )
    rows.append(
        [InlineKeyboardButton(texts.PICK_NONE_OF_THESE, callback_data=callbacks.ABSENCE_PICK_NONE)]
    )
    await send(prompt, reply_markup=InlineKeyboardMarkup(rows))
    return AbsenceState.PICK


async def _allowed(context: BotContext, kind: AbsenceKind) -> list[Occurrence]:
    """The sessions a report of this kind may be about, as of now."""
    sessions = await patient_sessions(context.services, context.actor.person)
    return candidates(sessions, kind, context.clock.now())


@for_roles(Role.PATIENT)
async def receive_confirmation(update: Update, context: BotContext) -> int:
    query = update.callback_query
    await query.answer()
    patient = context.actor.person
    draft = await absences.get_draft(context.db, patient.id)
    if draft is None or draft.occurrence_id is None:
        await query.edit_message_text(texts.BUTTON_EXPIRED)
        return ConversationHandler.END
    zone = context.services.zone_of(patient)
    allowed = await _allowed(context, draft.kind)
    if query.data == callbacks.ABSENCE_CONFIRM_OTHER:
        options = [o for o in allowed if o.id != draft.occurrence_id][:MAX_CHOICES]
        prompt = texts.PICK_MISSED if draft.kind is AbsenceKind.MISSED else texts.PICK_UPCOMING
        return await _offer(query.edit_message_text, prompt, options, draft.kind, zone, context)
    occurrence = next((o for o in allowed if o.id == draft.occurrence_id), None)
    if occurrence is None:
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
    zone = context.services.zone_of(patient)
    occurrence = None
    if query.data.startswith(callbacks.ABSENCE_PICK):
        occurrence_id = int(query.data.removeprefix(callbacks.ABSENCE_PICK))
        allowed = await _allowed(context, draft.kind)
        occurrence = next((o for o in allowed if o.id == occurrence_id), None)
        if occurrence is None:
            await query.answer(texts.BUTTON_EXPIRED, show_alert=True)
            return AbsenceState.PICK
    await query.answer()  # once: Telegram refuses a second answer
    if query.data == callbacks.ABSENCE_PICK_NONE:
        await absences.drop_draft(context.db, patient.id)
        await query.edit_message_text(texts.PICK_GAVE_UP)
        return ConversationHandler.END
    if query.data == callbacks.ABSENCE_PICK_MISSED:
        options = (await _allowed(context, AbsenceKind.MISSED))[:MAX_CHOICES]
        missed = AbsenceDraft(
            patient.id, AbsenceKind.MISSED, draft.original_text, draft.parsed, draft.reason, None
        )
        await absences.start_draft(context.db, missed, context.clock.now())
        return await _offer(
            query.edit_message_text, texts.PICK_MISSED, options, AbsenceKind.MISSED, zone, context
        )
    await absences.set_draft_occurrence(context.db, patient.id, occurrence.id, draft.kind)
    await query.edit_message_text(f"✔️ {session_label(occurrence, zone)}")
    return await _after_session_chosen(update, context, draft, occurrence)


async def _after_session_chosen(
    update: Update, context: BotContext, draft: AbsenceDraft, occurrence: Occurrence
) -> int:
    if occurrence.cancelled:
        await absences.drop_draft(context.db, draft.patient_id)
        await update.effective_message.reply_text(texts.BUTTON_EXPIRED)
        return ConversationHandler.END
    if draft.reason is not None:
        await _record(update, context, draft, occurrence, draft.reason, None)
        return ConversationHandler.END
    labels = list(texts.REASON_LABELS.items())
    rows = [
        [
            InlineKeyboardButton(label, callback_data=callbacks.ABSENCE_REASON + value)
            for value, label in pair
        ]
        for pair in (labels[i : i + 2] for i in range(0, len(labels), 2))
    ]
    rows.append(
        [InlineKeyboardButton(texts.REASON_SKIP, callback_data=callbacks.ABSENCE_REASON_SKIP)]
    )
    await update.effective_message.reply_text(
        texts.ASK_REASON, reply_markup=InlineKeyboardMarkup(rows)
    )
    return AbsenceState.REASON


# --- the reason


@for_roles(Role.PATIENT)
async def receive_reason_button(update: Update, context: BotContext) -> int | None:
    query = update.callback_query
    value = query.data.removeprefix(callbacks.ABSENCE_REASON)
    if value != "skip" and value not in texts.REASON_LABELS:
        await query.answer(texts.BUTTON_EXPIRED, show_alert=True)
        return None
    await query.answer()
    reason = None if value == "skip" else value
    label = texts.REASON_LABELS.get(value, texts.REASON_SKIP)
    await query.edit_message_text(f"{texts.ASK_REASON}\n\n✔️ {label}")
    return await _finish_with_reason(update, context, reason, None)


async def reason_or_new_message(update: Update, context: BotContext) -> int:
    """While asked why, words are the reason, unless they start something new or the
    question is old: then the report in progress is dropped and the message read afresh."""
    patient = context.actor.person
    if patient is None:
        return await read_message(update, context)
    draft = await absences.get_draft(context.db, patient.id)
    understanding = common.understand(update, context)
    stale = draft is None or context.clock.now() - draft.created_at > REASON_GOES_STALE
    new_absence = understanding.intent in (Intent.ABSENCE_UPCOMING, Intent.ABSENCE_MISSED)
    if stale or understanding.intent in NEW_TOPICS or (new_absence and understanding.date):
        await absences.drop_draft(context.db, patient.id)
        return await read_message(update, context)
    text = common.message_text(update) or ""
    reason = (context.services.reader.read_reason(text) or Reason.OTHER).value
    return await _finish_with_reason(update, context, reason, text[:REASON_TEXT_LIMIT])


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
    recorded = await report_absence(
        context.services, patient, draft, occurrence, reason, reason_text
    )
    session = session_label(occurrence, context.services.zone_of(patient))
    if not recorded.is_new:
        await update.effective_message.reply_text(
            texts.ABSENCE_ALREADY_REPORTED.format(session=session)
        )
        return
    template = (
        texts.ABSENCE_RECORDED_MISSED
        if recorded.absence.kind is AbsenceKind.MISSED
        else texts.ABSENCE_RECORDED_UPCOMING
    )
    parts = [
        template.format(name=patient.call_name, therapist=recorded.therapist, session=session)
    ]
    note = await fee_policy_note(context.services, patient, occurrence, recorded.lead)
    if note:
        if recorded.absence.reason == Reason.HEALTH.value:
            parts.append(texts.HEALTH_ACK)  # a fee never comes straight after "I'm ill"
        parts.append(note.format(therapist=recorded.therapist))
    parts.append(texts.CATCH_UP_PROMISE)
    offer, rows = await makeups.offer_message(context.services, patient, occurrence)
    parts.append(offer)
    await update.effective_message.reply_text(
        "\n\n".join(parts), reply_markup=common.keyboard(rows)
    )


async def cancel(update: Update, context: BotContext) -> int:
    if context.actor.person is not None:
        await absences.drop_draft(context.db, context.actor.person.id)
    await update.effective_message.reply_text(texts.ABSENCE_CANCELLED)
    return ConversationHandler.END


def build_handler() -> ConversationHandler:
    # Captions are read like texts: a photo with words is a message too.
    text = filters.UpdateType.MESSAGE & (filters.TEXT | filters.CAPTION) & ~filters.COMMAND
    restart = MessageHandler(text, read_message)
    clarify = CallbackQueryHandler(clarified, pattern=callbacks.CLARIFY_PATTERN)
    absent_button = CallbackQueryHandler(cant_make_it, pattern=callbacks.REMINDER_ABSENT_PATTERN)
    absent_command = CommandHandler("absent", start_absent_command, filters.UpdateType.MESSAGE)
    # per_message=False on purpose: the buttons belong to the patient's one open report.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*per_message.*", category=PTBUserWarning)
        return ConversationHandler(
            entry_points=[
                MessageHandler(text, read_message),
                absent_button,
                absent_command,
                clarify,
            ],
            states={
                AbsenceState.CONFIRM: [
                    CallbackQueryHandler(
                        receive_confirmation, pattern=callbacks.ABSENCE_CONFIRM_PATTERN
                    ),
                    restart,
                ],
                AbsenceState.PICK: [
                    CallbackQueryHandler(receive_pick, pattern=callbacks.ABSENCE_PICK_PATTERN),
                    restart,
                ],
                AbsenceState.REASON: [
                    CallbackQueryHandler(
                        receive_reason_button, pattern=callbacks.ABSENCE_REASON_PATTERN
                    ),
                    MessageHandler(text, reason_or_new_message),
                ],
            },
            fallbacks=[
                CommandHandler("cancel", cancel, filters.UpdateType.MESSAGE),
                absent_button,
                absent_command,
                clarify,
            ],
            name=NAME,
            persistent=True,
        )
