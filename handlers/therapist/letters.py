"""A therapist decides on a patient's attendance letter: Approve, Change the period, Decline.

```mermaid
stateDiagram-v2
    [*] --> [*]: Approve (the PDF goes to the patient)
    [*] --> PERIOD: Change the period
    PERIOD --> [*]: a period button, or two typed dates (the PDF goes to the patient)
    [*] --> NOTE: Decline
    NOTE --> [*]: a typed note, or "Decline without a note"
```

Every press is re-checked against the stored request: only the patient's own therapist,
only while it is pending; what the next typed text is for is stored with the request.
"""

from __future__ import annotations

import logging
import warnings
from datetime import date
from enum import IntEnum
from io import BytesIO

from telegram import InlineKeyboardMarkup, InputFile, Update
from telegram.error import TelegramError
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
from bot.i18n import ENGLISH, texts, texts_for
from bot.kinds import Role
from bot.usecases import letters
from handlers.access import for_roles
from handlers.common import button, refuse_answer, stop_answering
from storage import people

log = logging.getLogger(__name__)

NAME = "letter_review"
PERIOD, NOTE = "period", "note"


class Review(IntEnum):
    PERIOD = 1
    NOTE = 2


def _today(context: BotContext) -> date:
    """Today in the program's zone (the presets' reference for a therapist)."""
    return context.clock.now().astimezone(context.config.program.timezone).date()


async def _refuse(update: Update) -> int:
    log.info("refused a letter decision that is not the caller's pending request")
    return await refuse_answer(update, texts.LETTER_ALREADY_HANDLED)


@for_roles(Role.THERAPIST)
async def review_letter(update: Update, context: BotContext) -> int | None:
    query = update.callback_query
    action, letter_id = query.data[3], callbacks.trailing_id(query.data)
    therapist = context.actor.person
    if action == "a":
        return await _approve(update, context, letter_id, None)
    what = PERIOD if action == "c" else NOTE
    letter = await letters.wait_for_text(context.services, therapist, letter_id, what)
    if letter is None:
        await _refuse(update)
        return None  # whatever the therapist was in the middle of stays as it was
    await query.answer()
    patient = await people.get_person(context.db, letter.patient_id)
    if what == PERIOD:
        rows = [
            [button(label, f"{callbacks.LETTER_NEW_PERIOD}{letter_id}:{code}")]
            for code, label in texts.LETTER_PERIODS.items()
        ]
        await query.message.reply_text(
            texts.LETTER_ASK_NEW_PERIOD.format(patient=patient.name),
            reply_markup=InlineKeyboardMarkup(rows),
        )
        return Review.PERIOD
    keyboard = [[button(texts.LETTER_NO_NOTE, f"{callbacks.LETTER_NO_NOTE}{letter_id}")]]
    await query.message.reply_text(
        texts.LETTER_ASK_NOTE.format(patient=patient.name),
        reply_markup=InlineKeyboardMarkup(keyboard),
    )
    return Review.NOTE


@for_roles(Role.THERAPIST)
async def receive_new_period_button(update: Update, context: BotContext) -> int:
    data = update.callback_query.data
    _, _, letter_id, code = data.split(":")
    period = preset_period(code, _today(context))
    return await _approve(update, context, int(letter_id), period)


@for_roles(Role.THERAPIST)
async def receive_new_period(update: Update, context: BotContext) -> int:
    letter = await letters.awaiting_text(context.services, context.actor.person, PERIOD)
    if letter is None:
        return await _refuse(update)
    try:
        period = typed_period(update.effective_message.text, _today(context))
    except PeriodProblem as problem:
        await update.effective_message.reply_text(problem.text)
        return Review.PERIOD
    return await _approve(update, context, letter.id, period)


async def _approve(
    update: Update, context: BotContext, letter_id: int, period: tuple[date, date] | None
) -> int:
    issued = await letters.approve(context.services, context.actor.person, letter_id, period)
    if issued is None:
        return await _refuse(update)
    query = update.callback_query
    if query:
        await query.answer()
        await query.edit_message_reply_markup(None)
    letter, patient, made = issued.letter, issued.patient, issued.made
    first, last = made.facts.first.isoformat(), made.facts.last.isoformat()
    therapist = context.actor.person.name
    to_patient = texts_for(patient.language)  # the patient reads the caption
    if letter.period_changed:
        caption = to_patient.LETTER_READY_CHANGED.format(
            therapist=therapist, first=first, last=last,
            asked_first=letter.requested_first_day, asked_last=letter.requested_last_day,
        )  # fmt: skip
    else:
        caption = to_patient.LETTER_READY.format(therapist=therapist, first=first, last=last)
    message = update.effective_message
    try:
        if patient.chat_id is None:
            raise TelegramError("the patient has no chat")
        await context.bot.send_document(
            patient.chat_id,
            InputFile(
                BytesIO(made.pdf),
                filename=texts_for(ENGLISH).LETTER_FILENAME.format(first=first, last=last),
            ),
            caption=caption,
        )
    except TelegramError:
        log.warning("letter %s was issued but could not be delivered", letter.id)
        await message.reply_text(texts.LETTER_NOT_DELIVERED.format(patient=patient.name))
        return ConversationHandler.END
    await message.reply_text(
        texts.LETTER_ISSUED_STAFF.format(patient=patient.name, first=first, last=last)
    )
    return ConversationHandler.END


@for_roles(Role.THERAPIST)
async def receive_note(update: Update, context: BotContext) -> int:
    letter = await letters.awaiting_text(context.services, context.actor.person, NOTE)
    if letter is None:
        return await _refuse(update)
    return await _decline(update, context, letter.id, update.effective_message.text)


@for_roles(Role.THERAPIST)
async def decline_without_note(update: Update, context: BotContext) -> int:
    return await _decline(update, context, callbacks.trailing_id(update.callback_query.data), None)


async def _decline(update: Update, context: BotContext, letter_id: int, note: str | None) -> int:
    patient = await letters.decline(context.services, context.actor.person, letter_id, note)
    if patient is None:
        return await _refuse(update)
    if update.callback_query:
        await update.callback_query.answer()
        await update.callback_query.edit_message_reply_markup(None)
    await update.effective_message.reply_text(
        texts.LETTER_DECLINED_STAFF.format(patient=patient.name)
    )
    return ConversationHandler.END


async def cancel(update: Update, context: BotContext) -> int:
    return await stop_answering(update, context, texts.LETTER_REVIEW_LATER)


def build_handler() -> ConversationHandler:
    message = filters.UpdateType.MESSAGE
    text = message & filters.TEXT & ~filters.COMMAND
    review = CallbackQueryHandler(review_letter, pattern=callbacks.LETTER_REVIEW_PATTERN)
    # per_message=False on purpose: one decision at a time per therapist's chat.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*per_message.*", category=PTBUserWarning)
        return ConversationHandler(
            entry_points=[review],
            states={
                Review.PERIOD: [
                    CallbackQueryHandler(
                        receive_new_period_button, pattern=callbacks.LETTER_NEW_PERIOD_PATTERN
                    ),
                    MessageHandler(text, receive_new_period),
                ],
                Review.NOTE: [
                    CallbackQueryHandler(
                        decline_without_note, pattern=callbacks.LETTER_NO_NOTE_PATTERN
                    ),
                    MessageHandler(text, receive_note),
                ],
            },
            fallbacks=[CommandHandler("cancel", cancel, message)],
            allow_reentry=True,
            name=NAME,
            persistent=True,
        )
