"""The patient's message conversation: free text and /absent in, absence dialog states."""

from __future__ import annotations

import warnings

from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from handlers.patient import absence, messages, reminders

NAME = "patient-messages"


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
                    MessageHandler(text, absence.receive_reason_text),
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
