"""The buttons under a reminder: I'll be there / Can't make it / Running late.

Each press is re-checked: the session must be one of the patient's own, not cancelled and
not over. "Can't make it" continues in the absence dialog (the reason question).
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ConversationHandler

from bot import texts
from bot.context import BotContext
from bot.outbox.planning import ABSENT_PREFIX, CONFIRM_PREFIX, LATE_PREFIX, parse_reminder_callback
from bot.roles import Role
from handlers.access import for_roles
from handlers.patient.absence import ask_about_session
from handlers.patient.messages import confirm_attendance, record_late
from storage import schedule as schedule_store
from storage.records import Occurrence

LATE_MINUTES_PREFIX = "r:m:"  # r:m:<occurrence>:<minutes>
CONFIRM_OR_LATE_PATTERN = rf"^({CONFIRM_PREFIX}|{LATE_PREFIX})\d+$"
ABSENT_PATTERN = rf"^{ABSENT_PREFIX}\d+$"
LATE_MINUTES_PATTERN = rf"^{LATE_MINUTES_PREFIX}\d+:(0|5|15|30)$"


async def _session(update: Update, context: BotContext, occurrence_id: int) -> Occurrence | None:
    """The patient's own session, still ahead or running; otherwise say why not."""
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
    prefix, occurrence_id = parse_reminder_callback(query.data)
    occurrence = await _session(update, context, occurrence_id)
    if occurrence is None:
        return
    await query.answer()
    if prefix == CONFIRM_PREFIX:
        reply = await confirm_attendance(update, context, occurrence)
        await _mark_answered(update, texts.REMINDER_ANSWER_COMING)
        await query.message.reply_text(reply)
        return
    buttons = [
        InlineKeyboardButton(label, callback_data=f"{LATE_MINUTES_PREFIX}{occurrence.id}:{value}")
        for value, label in texts.LATE_CHOICES.items()
    ]
    await query.message.reply_text(
        texts.HOW_LATE, reply_markup=InlineKeyboardMarkup([buttons[:2], buttons[2:]])
    )


@for_roles(Role.PATIENT)
async def how_late(update: Update, context: BotContext) -> None:
    query = update.callback_query
    occurrence_id, minutes = (
        int(x) for x in query.data.removeprefix(LATE_MINUTES_PREFIX).split(":")
    )
    occurrence = await _session(update, context, occurrence_id)
    if occurrence is None:
        return
    await query.answer()
    reply = await record_late(update, context, occurrence, minutes or None)
    await query.edit_message_text(reply)


@for_roles(Role.PATIENT)
async def cant_make_it(update: Update, context: BotContext) -> int | None:
    """Entry into the absence dialog from a reminder, with the session already known."""
    query = update.callback_query
    _, occurrence_id = parse_reminder_callback(query.data)
    occurrence = await _session(update, context, occurrence_id)
    if occurrence is None:
        return ConversationHandler.END
    await query.answer()
    await query.edit_message_reply_markup(None)
    return await ask_about_session(update, context, occurrence)
