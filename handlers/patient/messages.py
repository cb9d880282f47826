"""A patient's free-text message, read by the understanding module and answered.

Absences start the dialog in ``handlers.patient.absence``; late notices, confirmations,
reschedule requests and messages the bot cannot place are answered at once. Crisis
language is caught earlier, in its own handler group, so it wins in every state.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ApplicationHandlerStop, ConversationHandler

from bot import texts
from bot.attendance.matching import next_session, session_label
from bot.context import BotContext
from bot.roles import Role
from bot.understanding.engine import Intent, Understanding
from handlers import common
from handlers.access import for_roles
from handlers.notify import alert_staff, care_team, quote
from handlers.patient.absence import (
    begin_absence,
    patient_sessions,
    patient_zone,
    staff_session,
    therapist_name,
)
from storage import absences
from storage.records import AttendanceStatus, Occurrence

FORWARD_PREFIX = "fwd:"
FORWARD_PATTERN = rf"^{FORWARD_PREFIX}\d+$"


def understand(update: Update, context: BotContext) -> Understanding:
    """Read this update's text once; later handler groups reuse the result."""
    if context.understanding is None:
        person = context.actor.person
        zone = patient_zone(context, person) if person else context.config.program.timezone
        context.understanding = context.services.reader.read(
            update.effective_message.text, context.clock.now(), zone
        )
    return context.understanding


async def check_crisis(update: Update, context: BotContext) -> None:
    """Crisis language wins over every intent and every dialog state, for anyone."""
    message = update.effective_message
    if message is None or not message.text or message.text.startswith("/"):
        return
    if understand(update, context).intent is not Intent.CRISIS:
        return
    patient = context.actor.person if context.actor.role is Role.PATIENT else None
    if patient is not None and patient.therapist_id is not None:
        line = texts.CRISIS_THERAPIST_TOLD.format(therapist=await therapist_name(context, patient))
    else:
        line = texts.CRISIS_NO_THERAPIST
    # The urgent alert is queued first: it must not depend on the reply getting through.
    if patient is not None:
        await alert_staff(
            context,
            care_team(patient),
            lambda _: texts.ALERT_CRISIS.format(patient=patient.name, text=quote(message.text)),
            patient_id=patient.id,
            tag=f"crisis:{update.update_id}",
        )
    await message.reply_text(
        texts.CRISIS_REPLY.format(
            crisis_text=context.config.safety.crisis_text, therapist_line=line
        )
    )
    raise ApplicationHandlerStop


async def read_message(update: Update, context: BotContext) -> int:
    """Entry point for any private text that is not a command."""
    if context.actor.role is not Role.PATIENT:
        await common.free_text(update, context)
        return ConversationHandler.END
    understanding = understand(update, context)
    text = update.effective_message.text
    if understanding.intent in (Intent.ABSENCE_UPCOMING, Intent.ABSENCE_MISSED):
        return await begin_absence(update, context, understanding, text)
    handler = {
        Intent.LATE: _late,
        Intent.ATTEND_CONFIRM: _attending,
        Intent.RESCHEDULE: _reschedule,
    }.get(understanding.intent, _not_understood)
    await handler(update, context, understanding)
    return ConversationHandler.END


async def _late(update: Update, context: BotContext, understanding: Understanding) -> None:
    patient = context.actor.person
    zone = patient_zone(context, patient)
    occurrence = next_session(
        await patient_sessions(context, patient),
        on=understanding.date,
        now=context.clock.now(),
        zone=zone,
    )
    if occurrence is None:
        await update.effective_message.reply_text(texts.NO_UPCOMING_SESSION.format(when=" today"))
        return
    text = await record_late(update, context, occurrence, understanding.late_minutes)
    await update.effective_message.reply_text(text)


async def record_late(
    update: Update, context: BotContext, occurrence: Occurrence, minutes: int | None
) -> str:
    """Record a late notice, tell the care team; returns the reply for the patient."""
    patient = context.actor.person
    await absences.record_attendance(
        context.db,
        patient.id,
        occurrence.id,
        AttendanceStatus.LATE,
        context.clock.now(),
        late_minutes=minutes,
    )
    late = f"about {minutes} minutes" if minutes else texts.LATE_SOME
    await alert_staff(
        context,
        care_team(patient, occurrence.therapist_id),
        lambda z: texts.ALERT_LATE.format(
            patient=patient.name, late=late, session=staff_session(occurrence, z)
        ),
        patient_id=patient.id,
        tag=f"late:{update.update_id}",
    )
    template = texts.LATE_RECORDED_WITH_LINK if occurrence.link else texts.LATE_RECORDED
    return template.format(
        therapist=await therapist_name(context, patient),
        late=late,
        session=session_label(occurrence, patient_zone(context, patient)),
        link=occurrence.link,
    )


async def _attending(update: Update, context: BotContext, understanding: Understanding) -> None:
    """'I'll be there': withdraw a live report for that session, or record a confirmation."""
    patient = context.actor.person
    zone = patient_zone(context, patient)
    now = context.clock.now()
    sessions = await patient_sessions(context, patient)
    upcoming = [o for o in sessions if o.ends_at > now]
    if understanding.date is not None:
        upcoming = [
            o for o in upcoming if o.starts_at.astimezone(zone).date() == understanding.date
        ]
    reported = [o for o in upcoming if await absences.live_absence(context.db, patient.id, o.id)]
    occurrence = min(reported or upcoming, key=lambda o: o.starts_at, default=None)
    if occurrence is None:
        when = f" on {understanding.date:%A %-d %B}" if understanding.date else ""
        await update.effective_message.reply_text(texts.NO_UPCOMING_SESSION.format(when=when))
        return
    await update.effective_message.reply_text(
        await confirm_attendance(update, context, occurrence)
    )


async def confirm_attendance(update: Update, context: BotContext, occurrence: Occurrence) -> str:
    """The patient will come: withdraw a live report (telling the care team) or record it.

    Returns the reply for the patient.
    """
    patient = context.actor.person
    now = context.clock.now()
    label = session_label(occurrence, patient_zone(context, patient))
    if await absences.live_absence(context.db, patient.id, occurrence.id) is None:
        await absences.record_attendance(
            context.db, patient.id, occurrence.id, AttendanceStatus.CONFIRMED, now
        )
        return texts.ATTENDANCE_CONFIRMED.format(session=label)
    if occurrence.starts_at <= now:
        return texts.TOO_LATE_TO_WITHDRAW.format(session=label)
    await absences.withdraw_absence(context.db, patient.id, occurrence.id, now)
    await context.notifier.replan([patient.id])
    await alert_staff(
        context,
        care_team(patient, occurrence.therapist_id),
        lambda z: texts.ALERT_WITHDRAWN.format(
            patient=patient.name, session=staff_session(occurrence, z)
        ),
        patient_id=patient.id,
        tag=f"withdrawn:{update.update_id}",
    )
    return texts.WITHDRAWN.format(therapist=await therapist_name(context, patient), session=label)


async def _reschedule(update: Update, context: BotContext, understanding: Understanding) -> None:
    patient = context.actor.person
    zone = patient_zone(context, patient)
    sessions = await patient_sessions(context, patient)
    occurrence = next_session(sessions, on=understanding.date, now=context.clock.now(), zone=zone)
    text = quote(update.effective_message.text)
    therapist = await therapist_name(context, patient)
    if occurrence is None:
        reply = texts.RESCHEDULE_FORWARDED_NO_SESSION.format(therapist=therapist)
        team = care_team(patient)
    else:
        reply = texts.RESCHEDULE_FORWARDED.format(
            therapist=therapist, session=session_label(occurrence, zone)
        )
        team = care_team(patient, occurrence.therapist_id)

    def render(z) -> str:
        if occurrence is None:
            return texts.ALERT_RESCHEDULE_NO_SESSION.format(patient=patient.name, text=text)
        return texts.ALERT_RESCHEDULE.format(
            patient=patient.name, session=staff_session(occurrence, z), text=text
        )

    await alert_staff(
        context, team, render, patient_id=patient.id, tag=f"reschedule:{update.update_id}"
    )
    await update.effective_message.reply_text(reply)


async def _not_understood(
    update: Update, context: BotContext, understanding: Understanding
) -> None:
    patient = context.actor.person
    note_id = await absences.save_note(
        context.db, patient.id, update.effective_message.text, context.clock.now()
    )
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    texts.SEND_TO_THERAPIST, callback_data=f"{FORWARD_PREFIX}{note_id}"
                )
            ]
        ]
    )
    await update.effective_message.reply_text(
        texts.NOT_UNDERSTOOD.format(therapist=await therapist_name(context, patient)),
        reply_markup=keyboard,
    )


@for_roles(Role.PATIENT)
async def forward_note(update: Update, context: BotContext) -> None:
    """'Send this to my therapist': only the patient's own, not-yet-sent note."""
    query = update.callback_query
    patient = context.actor.person
    note_id = int(query.data.removeprefix(FORWARD_PREFIX))
    text = await absences.take_note_to_forward(
        context.db, note_id, patient.id, context.clock.now()
    )
    if text is None:
        await query.answer(texts.ALREADY_FORWARDED, show_alert=True)
        return
    await query.answer()
    therapist = await therapist_name(context, patient)
    await alert_staff(
        context,
        care_team(patient),
        lambda _: texts.ALERT_NOTE.format(patient=patient.name, text=quote(text)),
        patient_id=patient.id,
        tag=f"note:{note_id}",
    )
    await query.edit_message_text(texts.FORWARDED.format(therapist=therapist))
