"""/letter: a patient asks for an attendance letter; their therapist approves it first.

```mermaid
stateDiagram-v2
    [*] --> RECIPIENT: /letter
    RECIPIENT --> PERIOD: employer / court / school / someone else
    PERIOD --> [*]: a period button, or two typed dates (sent to the therapist)
```

The draft (who it is for) is kept in ``letters``, so a restart in the middle loses nothing.
A text that holds no date is not taken: it goes on to the message reader.
"""

from __future__ import annotations

import logging
import warnings
from datetime import date
from enum import IntEnum

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot import callbacks
from bot.attendance.letter import PeriodProblem, preset_period, typed_period
from bot.context import BotContext
from bot.i18n import texts
from bot.kinds import Role
from bot.usecases import letters
from handlers.access import for_roles
from handlers.common import button

log = logging.getLogger(__name__)

NAME = "letter"
# A text with something like a date in it is read as the period; any other goes on.
LOOKS_LIKE_DATES = r"\d{4}-\d{1,2}-\d{1,2}"


class LetterState(IntEnum):
    RECIPIENT = 1
    PERIOD = 2


def _fields(data: str) -> tuple[int, str]:
    """``lt:w:<letter>:<code>`` -> (letter, code); the pattern already matched."""
    _, _, letter_id, code = data.split(":")
    return int(letter_id), code


def _today(context: BotContext) -> date:
    return context.clock.now().astimezone(context.zone).date()


@for_roles(Role.PATIENT)
async def ask_letter(update: Update, context: BotContext) -> int:
    letter_id = await letters.start_request(context.services, context.actor.person)
    if letter_id is None:
        await update.effective_message.reply_text(texts.LETTER_NO_THERAPIST)
        return ConversationHandler.END
    rows = [
        [button(label, f"{callbacks.LETTER_RECIPIENT}{letter_id}:{code}")]
        for code, label in texts.LETTER_RECIPIENTS.items()
    ]
    await update.effective_message.reply_text(
        texts.LETTER_ASK_RECIPIENT, reply_markup=InlineKeyboardMarkup(rows)
    )
    return LetterState.RECIPIENT


@for_roles(Role.PATIENT)
async def receive_recipient(update: Update, context: BotContext) -> int | None:
    query = update.callback_query
    letter_id, code = _fields(query.data)
    if not await letters.choose_recipient(context.services, context.actor.person, letter_id, code):
        log.info("refused a letter button that is not the caller's open request")
        await query.answer(texts.BUTTON_EXPIRED, show_alert=True)
        return None
    await query.answer()
    rows = [
        [button(label, f"{callbacks.LETTER_PERIOD}{letter_id}:{period}")]
        for period, label in texts.LETTER_PERIODS.items()
    ]
    await query.edit_message_text(texts.LETTER_ASK_PERIOD, reply_markup=InlineKeyboardMarkup(rows))
    return LetterState.PERIOD


@for_roles(Role.PATIENT)
async def receive_period_button(update: Update, context: BotContext) -> int | None:
    query = update.callback_query
    letter_id, code = _fields(query.data)
    first, last = preset_period(code, _today(context))
    return await _submit(update, context, letter_id, first, last)


@for_roles(Role.PATIENT)
async def receive_typed_period(update: Update, context: BotContext) -> int | None:
    draft = await letters.open_draft(context.services, context.actor.person)
    if draft is None or draft.recipient is None:
        await update.effective_message.reply_text(texts.BUTTON_EXPIRED)
        return ConversationHandler.END
    try:
        first, last = typed_period(update.effective_message.text, _today(context))
    except PeriodProblem as problem:
        await update.effective_message.reply_text(problem.text)
        return LetterState.PERIOD
    return await _submit(update, context, draft.id, first, last)


async def _submit(
    update: Update, context: BotContext, letter_id: int, first: date, last: date
) -> int | None:
    query = update.callback_query
    therapist = await letters.submit_request(
        context.services, context.actor.person, letter_id, first, last
    )
    if therapist is None:
        log.info("refused a letter request that is not the caller's open draft")
        if query:
            await query.answer(texts.BUTTON_EXPIRED, show_alert=True)
            return None
        await update.effective_message.reply_text(texts.BUTTON_EXPIRED)
        return ConversationHandler.END
    text = texts.LETTER_SENT_FOR_REVIEW.format(
        therapist=therapist.name, first=first.isoformat(), last=last.isoformat()
    )
    if query:
        await query.answer()
        await query.edit_message_text(text)
    else:
        await update.effective_message.reply_text(text)
    return ConversationHandler.END


async def cancel(update: Update, context: BotContext) -> int:
    if context.actor.role is Role.PATIENT:
        await letters.drop_drafts(context.services, context.actor.person)
    await update.effective_message.reply_text(texts.LETTER_CANCELLED)
    return ConversationHandler.END


def build_handler() -> ConversationHandler:
    message = filters.UpdateType.MESSAGE
    dates = message & filters.TEXT & ~filters.COMMAND & filters.Regex(LOOKS_LIKE_DATES)
    # per_message=False on purpose: the buttons belong to the patient's one open request.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*per_message.*", category=PTBUserWarning)
        return ConversationHandler(
            entry_points=[CommandHandler("letter", ask_letter, message)],
            states={
                LetterState.RECIPIENT: [
                    CallbackQueryHandler(
                        receive_recipient, pattern=callbacks.LETTER_RECIPIENT_PATTERN
                    )
                ],
                LetterState.PERIOD: [
                    CallbackQueryHandler(
                        receive_period_button, pattern=callbacks.LETTER_PERIOD_PATTERN
                    ),
                    MessageHandler(dates, receive_typed_period),
                ],
            },
            fallbacks=[CommandHandler("cancel", cancel, message)],
            allow_reentry=True,
            name=NAME,
            persistent=True,
        )
