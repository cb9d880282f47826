"""A patient's answers that need no dialog: free text that is not an absence, and the
buttons under a reminder (I'll be there / Running late).

Late notices, confirmations, reschedule requests and messages the bot cannot place (one tap
sends those to the therapist). Absences, including a reminder's "Can't make it", continue in
``handlers.patient.absence``; crisis language is caught earlier, in its own handler group
(``handlers.crisis``). Every button press is re-checked: the session must be one of the
patient's own, not cancelled and not over.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot import callbacks
from bot.attendance.matching import next_session
from bot.context import BotContext
from bot.i18n import current_language, texts
from bot.kinds import Role
from bot.labels import session_label, short_day
from bot.understanding.engine import Intent, Understanding
from bot.usecases import absences as patient_cases
from bot.usecases import makeups
from bot.usecases.absences import Coming
from bot.usecases.care_team import therapist_name
from bot.usecases.safety import paused_until
from handlers import common
from handlers.access import for_roles
from handlers.common import button, understand_text, when_read
from storage import schedule as schedule_store
from storage.records import Occurrence


async def answer(
    update: Update, context: BotContext, understanding: Understanding, text: str
) -> None:
    """Answer a message that is not an absence report."""
    handler = {
        Intent.LATE: _late,
        Intent.ATTEND_CONFIRM: _attending,
        Intent.RESCHEDULE: _reschedule,
    }.get(understanding.intent, _not_understood)
    await handler(update, context, understanding, text)


async def offer_to_forward(
    send: Callable[..., Awaitable[object]], context: BotContext, text: str, template: str
) -> None:
    """Say ``template`` with one button that sends the patient's words to their therapist."""
    patient = context.actor.person
    note_id = await patient_cases.keep_unplaced_message(context.services, patient, text)
    button = InlineKeyboardButton(
        texts.SEND_TO_THERAPIST, callback_data=f"{callbacks.FORWARD_NOTE}{note_id}"
    )
    therapist = await therapist_name(context.services, patient)
    reply = template.format(
        therapist=therapist, help_line=context.config.safety.help_line_in(current_language())
    )
    await send(reply, reply_markup=InlineKeyboardMarkup([[button]]))


async def ask_what_they_mean(
    update: Update, context: BotContext, understanding: Understanding, text: str
) -> None:
    """Unsure: offer the two likeliest readings in plain words, and the therapist."""
    patient = context.actor.person
    note_id = await patient_cases.keep_unplaced_message(context.services, patient, text)
    when = (
        texts.CLARIFY_WHEN.format(day=short_day(understanding.date)) if understanding.date else ""
    )
    rows = [
        [
            button(
                texts.CLARIFY_OPTIONS[intent.value].format(when=when),
                f"{callbacks.CLARIFY}{note_id}:{callbacks.CLARIFY_CODES[intent.value]}",
            )
        ]
        for intent in understanding.alternatives
        if intent.value in texts.CLARIFY_OPTIONS
    ]
    rows.append([button(texts.CLARIFY_SOMETHING_ELSE, f"{callbacks.FORWARD_NOTE}{note_id}")])
    await update.effective_message.reply_text(
        texts.CLARIFY_QUESTION, reply_markup=InlineKeyboardMarkup(rows)
    )


async def receive_clarification(
    update: Update, context: BotContext
) -> tuple[Understanding, str] | None:
    """The reading the patient picked, applied to their own kept words (None if expired)."""
    query = update.callback_query
    _, note_id, code = query.data.split(":")
    intent = next((i for i, c in callbacks.CLARIFY_CODES.items() if c == code), None)
    text = await patient_cases.settle_unplaced_message(
        context.services, context.actor.person, int(note_id)
    )
    if text is None or intent is None:
        await query.answer(texts.BUTTON_EXPIRED, show_alert=True)
        return None
    await query.answer()
    picked = texts.CLARIFY_OPTIONS[intent].format(when="")
    await query.edit_message_text(f"{texts.CLARIFY_QUESTION}\n\n✔️ {picked}")
    understanding = understand_text(context, text)
    return replace(understanding, intent=Intent(intent), clarify=False), text


async def _late(
    update: Update, context: BotContext, understanding: Understanding, text: str
) -> None:
    patient = context.actor.person
    occurrence = next_session(
        await patient_cases.patient_sessions(context.services, patient),
        on=understanding.date,
        now=context.clock.now(),
        zone=context.services.zone_of(patient),
    )
    if occurrence is None:
        await offer_to_forward(
            update.effective_message.reply_text, context, text, texts.NO_SESSION_FITS
        )
        return
    reply = await send_late_notice(update, context, occurrence, understanding.late_minutes)
    await update.effective_message.reply_text(reply)


async def send_late_notice(
    update: Update, context: BotContext, occurrence: Occurrence, minutes: int | None
) -> str:
    """Tell the care team the patient will be late; returns the reply for the patient."""
    patient = context.actor.person
    await patient_cases.send_late_notice(context.services, patient, occurrence, minutes)
    template = texts.LATE_RECORDED_WITH_LINK if occurrence.link else texts.LATE_RECORDED
    return template.format(
        therapist=await therapist_name(context.services, patient),
        late=patient_cases.late_words(minutes),
        session=session_label(occurrence, context.services.zone_of(patient)),
        link=occurrence.link,
    )


async def _attending(
    update: Update, context: BotContext, understanding: Understanding, text: str
) -> None:
    """'I'll be there': withdraw a live report for that session, or record a confirmation."""
    patient = context.actor.person
    occurrence = await patient_cases.session_to_confirm(
        context.services, patient, understanding.date
    )
    if occurrence is None:
        await offer_to_forward(
            update.effective_message.reply_text, context, text, texts.NO_SESSION_FITS
        )
        return
    await update.effective_message.reply_text(
        await confirm_attendance(update, context, occurrence)
    )


async def confirm_attendance(update: Update, context: BotContext, occurrence: Occurrence) -> str:
    """The patient will come (in words or by button); returns the reply for the patient."""
    patient = context.actor.person
    coming = await patient_cases.confirm_attendance(context.services, patient, occurrence)
    label = session_label(occurrence, context.services.zone_of(patient))
    if coming is Coming.CONFIRMED:
        quiet = await paused_until(context.services, patient) is not None
        template = texts.ATTENDANCE_CONFIRMED_QUIET if quiet else texts.ATTENDANCE_CONFIRMED
        return template.format(session=label)
    if coming is Coming.TOO_LATE:
        template = (
            texts.TOO_LATE_TO_WITHDRAW_WITH_LINK if occurrence.link else texts.TOO_LATE_TO_WITHDRAW
        )
        return template.format(session=label, link=occurrence.link)
    therapist = await therapist_name(context.services, patient)
    return texts.WITHDRAWN.format(therapist=therapist, session=label)


async def _reschedule(
    update: Update, context: BotContext, understanding: Understanding, text: str
) -> None:
    """A session to move: what is open instead (once the patient is down as not coming), and
    "Ask my therapist", which carries their words and the time they asked for."""
    s, patient = context.services, context.actor.person
    zone = s.zone_of(patient)
    sessions = await patient_cases.patient_sessions(s, patient)
    occurrence = next_session(sessions, on=understanding.date, now=context.clock.now(), zone=zone)
    booked = occurrence is not None and await makeups.is_made_up(s, patient, occurrence)
    if occurrence is None or patient.therapist_id is None or booked:
        # Nothing to offer: the words go to the therapist as they are.
        await patient_cases.request_reschedule(s, patient, occurrence, text)
        therapist = await therapist_name(s, patient)
        await update.effective_message.reply_text(
            texts.RESCHEDULE_FORWARDED_NO_SESSION.format(therapist=therapist)
        )
        return
    asked = s.reader.read_new_time(text, context.clock.now(), zone)
    await makeups.remember_words(s, patient, occurrence, text, asked)
    if await makeups.missed_session(s, patient, occurrence.id) is not None:
        offer, rows = await makeups.offer_message(s, patient, occurrence)
        await update.effective_message.reply_text(offer, reply_markup=common.keyboard(rows))
        return
    # Moving a session starts with not coming to it: the usual absence steps, then the offer.
    cant = [[button(texts.RESCHEDULE_CANT_MAKE_IT, f"{callbacks.REMINDER_ABSENT}{occurrence.id}")]]
    await update.effective_message.reply_text(
        texts.RESCHEDULE_FIRST.format(session=session_label(occurrence, zone)),
        reply_markup=InlineKeyboardMarkup(cant),
    )


async def _not_understood(
    update: Update, context: BotContext, understanding: Understanding, text: str
) -> None:
    await offer_to_forward(
        update.effective_message.reply_text, context, text, texts.NOT_UNDERSTOOD
    )


@for_roles(Role.PATIENT)
async def forward_note(update: Update, context: BotContext) -> None:
    """'Send this to my therapist': only the patient's own, not-yet-sent note."""
    query = update.callback_query
    patient = context.actor.person
    note_id = int(query.data.removeprefix(callbacks.FORWARD_NOTE))
    if not await patient_cases.forward_note(context.services, patient, note_id):
        await query.answer(texts.ALREADY_FORWARDED, show_alert=True)
        return
    await query.answer()
    therapist = await therapist_name(context.services, patient)
    await query.edit_message_text(
        texts.FORWARDED.format(
            therapist=therapist,
            read=when_read(context),
            help_line=context.config.safety.help_line_in(current_language()),
        )
    )


# --- the buttons under a reminder


async def reminded_session(
    update: Update, context: BotContext, occurrence_id: int
) -> Occurrence | None:
    """The patient's own session a reminder button names, still ahead or running;
    otherwise say why not."""
    query = update.callback_query
    occurrence = await schedule_store.patient_occurrence(
        context.db, context.actor.person.id, occurrence_id
    )
    if occurrence is None:
        await query.answer(texts.BUTTON_EXPIRED, show_alert=True)
    elif occurrence.cancelled:
        await query.answer(texts.SESSION_CANCELLED, show_alert=True)
    elif occurrence.ends_at <= context.clock.now():
        await query.answer(texts.SESSION_OVER, show_alert=True)
    else:
        return occurrence
    return None


async def _mark_answered(update: Update, note: str) -> None:
    message = update.callback_query.message
    await update.callback_query.edit_message_text(f"{message.text}\n\n{note}")


@for_roles(Role.PATIENT)
async def coming_or_late(update: Update, context: BotContext) -> None:
    query = update.callback_query
    occurrence = await reminded_session(update, context, callbacks.trailing_id(query.data))
    if occurrence is None:
        return
    await query.answer()
    if query.data.startswith(callbacks.REMINDER_CONFIRM):
        reply = await confirm_attendance(update, context, occurrence)
        await _mark_answered(update, texts.REMINDER_ANSWER_COMING)
        await query.message.reply_text(reply)
        return
    buttons = [
        InlineKeyboardButton(
            label, callback_data=f"{callbacks.REMINDER_LATE_MINUTES}{occurrence.id}:{value}"
        )
        for value, label in texts.LATE_CHOICES.items()
    ]
    await query.message.reply_text(
        texts.HOW_LATE, reply_markup=InlineKeyboardMarkup([buttons[:2], buttons[2:]])
    )


@for_roles(Role.PATIENT)
async def how_late(update: Update, context: BotContext) -> None:
    query = update.callback_query
    occurrence_id, minutes = (
        int(x) for x in query.data.removeprefix(callbacks.REMINDER_LATE_MINUTES).split(":")
    )
    occurrence = await reminded_session(update, context, occurrence_id)
    if occurrence is None:
        return
    await query.answer()
    reply = await send_late_notice(update, context, occurrence, minutes or None)
    await query.edit_message_text(reply)
