"""The patient's message conversation: free text and /absent in, absence dialog states."""

from __future__ import annotations

import warnings
from datetime import timedelta

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.context import BotContext
from bot.understanding.engine import Intent
from handlers.patient import absence, messages, reminders
from storage import absences

NAME = "patient-messages"
# A "why?" left unanswered this long is forgotten: later words are a new message.
REASON_GOES_STALE = timedelta(hours=6)
NEW_TOPICS = (Intent.LATE, Intent.ATTEND_CONFIRM, Intent.RESCHEDULE)


async def reason_or_new_message(update: Update, context: BotContext) -> int:
    """While asked why, words are the reason, unless they start something new or the
    question is old: then the report in progress is dropped and the message read afresh."""
    patient = context.actor.person
    if patient is None:
        return await messages.read_message(update, context)
    draft = await absences.get_draft(context.db, patient.id)
    understanding = messages.understand(update, context)
    stale = draft is None or context.clock.now() - draft.created_at > REASON_GOES_STALE
    new_absence = understanding.intent in (Intent.ABSENCE_UPCOMING, Intent.ABSENCE_MISSED)
    if stale or understanding.intent in NEW_TOPICS or (new_absence and understanding.date):
        await absences.drop_draft(context.db, patient.id)
        return await messages.read_message(update, context)
    return await absence.receive_reason_text(update, context)


def build_handler() -> ConversationHandler:
    text = filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND
    # A new message in the middle of choosing a session starts over from that message;
    # while a reason is asked for, words are the reason.
    restart = MessageHandler(text, messages.read_message)
    # per_message=False on purpose: the buttons belong to the patient's one open report.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*per_message.*", category=PTBUserWarning)
        return ConversationHandler(
            entry_points=[
                MessageHandler(text, messages.read_message),
                CallbackQueryHandler(reminders.cant_make_it, pattern=reminders.ABSENT_PATTERN),
                CommandHandler("absent", absence.start_absent_command, filters.UpdateType.MESSAGE),
            ],
            states={
                absence.Absence.CONFIRM: [
                    CallbackQueryHandler(
                        absence.receive_confirmation, pattern=absence.CONFIRM_PATTERN
                    ),
                    restart,
                ],
                absence.Absence.PICK: [
                    CallbackQueryHandler(absence.receive_pick, pattern=absence.PICK_PATTERN),
                    restart,
                ],
                absence.Absence.REASON: [
                    CallbackQueryHandler(
                        absence.receive_reason_button, pattern=absence.REASON_PATTERN
                    ),
                    MessageHandler(text, reason_or_new_message),
                ],
            },
            fallbacks=[
                CommandHandler("cancel", absence.cancel, filters.UpdateType.MESSAGE),
                CallbackQueryHandler(reminders.cant_make_it, pattern=reminders.ABSENT_PATTERN),
                CommandHandler("absent", absence.start_absent_command, filters.UpdateType.MESSAGE),
            ],
            name=NAME,
            persistent=True,
        )
