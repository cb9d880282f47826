"""The buttons under a reminder: I'll be there / Running late (Can't make it starts the
absence dialog in ``handlers.patient.absence``).

Each press is re-checked: the session must be one of the patient's own, not cancelled and
not over.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot import callbacks, texts
from bot.context import BotContext
from bot.roles import Role
from handlers.access import for_roles
from handlers.patient.messages import confirm_attendance, send_late_notice
from storage import schedule as schedule_store
from storage.records import Occurrence


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
