"""A therapist answers a patient's request for another time, and offers catch-up slots.

```mermaid
stateDiagram-v2
    [*] --> [*]: Approve as asked (booked)
    [*] --> TIME: Suggest a time
    TIME --> [*]: a day and a time in words ("tue 4pm"), offered to the patient
    [*] --> NOTE: Decline
    NOTE --> [*]: a typed note, or "Decline without a note"
    [*] --> SLOT: /slots, Add a slot
    SLOT --> [*]: a day and a time in words
```

Every answer is re-checked against the stored request (only the patient's own therapist,
only while it is open), and a time is checked for the patient (not past, inside the
window, no clash) before the patient sees it.
"""

from __future__ import annotations

import logging
import warnings
from datetime import datetime, timedelta
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

from bot import callbacks, timezones
from bot.context import BotContext
from bot.i18n import texts
from bot.kinds import Role
from bot.usecases import makeups
from bot.usecases.makeups import Outcome
from handlers.access import for_roles
from handlers.common import button, refuse_answer, stop_answering
from storage import conversations
from storage import makeups as slot_store

log = logging.getLogger(__name__)

NAME = "makeup_review"
SLOT_LENGTH = timedelta(minutes=30)


class Step(IntEnum):
    TIME = 1
    NOTE = 2
    SLOT = 3


async def _refuse(update: Update) -> int:
    log.info("refused an answer to a request that is not the caller's open one")
    return await refuse_answer(update, texts.REQUEST_HANDLED)


@for_roles(Role.THERAPIST)
async def review_request(update: Update, context: BotContext) -> int | None:
    query = update.callback_query
    action, request_id = query.data[3], callbacks.trailing_id(query.data)
    therapist, s = context.actor.person, context.services
    if action == "a":
        decision = await makeups.approve_as_asked(s, therapist, request_id)
        if decision.outcome is None:
            await _refuse(update)
            return None
        await query.answer()
        await _tell_outcome(update, context, decision)
        return ConversationHandler.END
    wait = makeups.wait_for_time if action == "p" else makeups.wait_for_note
    patient = await wait(s, therapist, request_id)
    if patient is None:
        await _refuse(update)
        return None  # whatever the therapist was in the middle of stays as it was
    await query.answer()
    if action == "p":
        await query.message.reply_text(texts.REQUEST_ASK_TIME.format(patient=patient.name))
        return Step.TIME
    no_note = [[button(texts.REQUEST_NO_NOTE, f"{callbacks.REQUEST_NO_NOTE}{request_id}")]]
    await query.message.reply_text(
        texts.REQUEST_ASK_NOTE.format(patient=patient.name),
        reply_markup=InlineKeyboardMarkup(no_note),
    )
    return Step.NOTE


async def _tell_outcome(update: Update, context: BotContext, decision: makeups.Decision) -> None:
    """Booked, or why not (the request stays open and its buttons keep working)."""
    message = update.effective_message
    patient = decision.patient
    zone = context.zone
    if decision.outcome is Outcome.BOOKED and decision.occurrence is not None:
        if update.callback_query:
            await update.callback_query.edit_message_reply_markup(None)
        label = makeups.moment_label(decision.occurrence.starts_at, zone)
        await message.reply_text(
            texts.REQUEST_BOOKED_STAFF.format(patient=patient.name, session=label)
        )
        return
    await message.reply_text(_why_not(context, decision, patient.name))


def _why_not(context: BotContext, decision: makeups.Decision, patient: str) -> str:
    if decision.outcome is Outcome.OUT_OF_WINDOW:
        return texts.REQUEST_OUT_OF_WINDOW.format(patient=patient)
    return {
        Outcome.PAST: texts.REQUEST_PAST,
        Outcome.CLASH: texts.REQUEST_CLASH.format(patient=patient),
        Outcome.NOT_MISSED: texts.REQUEST_NOT_MISSED.format(patient=patient),
        Outcome.ALREADY: texts.REQUEST_ALREADY.format(patient=patient),
        Outcome.FULL: texts.REQUEST_FULL,
        Outcome.GONE: texts.REQUEST_GONE,
    }.get(decision.outcome, texts.REQUEST_BAD_TIME)


@for_roles(Role.THERAPIST)
async def receive_time(update: Update, context: BotContext) -> int:
    therapist, s = context.actor.person, context.services
    request = await makeups.awaiting(s, therapist, "time")
    if request is None:
        return await _refuse(update)
    decision = await makeups.propose(s, therapist, request.id, update.effective_message.text)
    if decision.outcome is None:
        return await _refuse(update)
    if decision.outcome in (Outcome.NOT_MISSED, Outcome.ALREADY):  # nothing left to answer
        await update.effective_message.reply_text(
            _why_not(context, decision, decision.patient.name)
        )
        return ConversationHandler.END
    if decision.outcome is not Outcome.BOOKED:  # not a usable time: ask again
        text = (
            texts.REQUEST_BAD_TIME
            if decision.outcome is Outcome.GONE
            else _why_not(context, decision, decision.patient.name)
        )
        await update.effective_message.reply_text(text)
        return Step.TIME
    when = makeups.moment_label(decision.when, context.zone)
    await update.effective_message.reply_text(
        texts.REQUEST_PROPOSED_STAFF.format(patient=decision.patient.name, when=when)
    )
    return ConversationHandler.END


@for_roles(Role.THERAPIST)
async def receive_request_note(update: Update, context: BotContext) -> int:
    request = await makeups.awaiting(context.services, context.actor.person, "note")
    if request is None:
        return await _refuse(update)
    note = " ".join(update.effective_message.text.split())[: makeups.NOTE_LIMIT]
    return await _decline(update, context, request.id, note)


@for_roles(Role.THERAPIST)
async def decline_request_without_note(update: Update, context: BotContext) -> int:
    return await _decline(update, context, callbacks.trailing_id(update.callback_query.data), None)


async def _decline(update: Update, context: BotContext, request_id: int, note: str | None) -> int:
    decision = await makeups.decline(context.services, context.actor.person, request_id, note)
    if decision.outcome is None:
        return await _refuse(update)
    if update.callback_query:
        await update.callback_query.answer()
        await update.callback_query.edit_message_reply_markup(None)
    await update.effective_message.reply_text(
        texts.REQUEST_DECLINED_STAFF.format(patient=decision.patient.name)
    )
    return ConversationHandler.END


async def later(update: Update, context: BotContext) -> int:
    return await stop_answering(update, context, texts.REQUEST_LATER)


# --- catch-up slots


async def _slots_text(context: BotContext) -> tuple[str, InlineKeyboardMarkup]:
    therapist, zone = context.actor.person, context.zone
    slots = await slot_store.therapist_slots(context.db, therapist.id, context.clock.now())
    lines = [texts.SLOTS_HEADER.format(zone_label=timezones.label(zone.key))]
    rows = []
    for slot in slots:
        when = makeups.moment_label(slot.starts_at, zone)
        if slot.booked:
            lines.append(texts.SLOT_BOOKED.format(when=when))
        else:
            lines.append(texts.SLOT_LINE.format(when=when))
            rows.append(
                [
                    button(
                        texts.SLOT_REMOVE_BUTTON.format(when=when),
                        f"{callbacks.SLOT_REMOVE}{slot.id}",
                    )
                ]
            )
    if not slots:
        lines.append(texts.SLOTS_NONE)
    rows.append([button(texts.SLOTS_ADD_BUTTON, callbacks.SLOT_ADD)])
    return "\n".join(lines), InlineKeyboardMarkup(rows)


@for_roles(Role.THERAPIST)
async def show_slots(update: Update, context: BotContext) -> None:
    text, markup = await _slots_text(context)
    await update.effective_message.reply_text(text, reply_markup=markup)


@for_roles(Role.THERAPIST)
async def ask_slot_time(update: Update, context: BotContext) -> int:
    await update.callback_query.answer()
    await conversations.forget_typed_answers(context.db, context.actor.person.id)
    minutes = int(SLOT_LENGTH.total_seconds() // 60)
    await update.effective_message.reply_text(texts.SLOTS_ASK_TIME.format(minutes=minutes))
    return Step.SLOT


@for_roles(Role.THERAPIST)
async def receive_slot_time(update: Update, context: BotContext) -> int:
    therapist, zone, now = context.actor.person, context.zone, context.clock.now()
    asked = context.services.reader.read_new_time(update.effective_message.text, now, zone)
    if asked.day is None or asked.time is None:
        await update.effective_message.reply_text(texts.REQUEST_BAD_TIME)
        return Step.SLOT
    start = datetime.combine(asked.day, asked.time, tzinfo=zone)
    when = makeups.moment_label(start, zone)
    if start <= now:
        await update.effective_message.reply_text(texts.SLOT_PAST)
        return Step.SLOT
    added = await slot_store.add_slot(
        context.db, therapist.id, start, start + SLOT_LENGTH, zone.key, "chat"
    )
    reply = texts.SLOT_ADDED if added is not None else texts.SLOT_EXISTS
    await update.effective_message.reply_text(reply.format(when=when))
    text, markup = await _slots_text(context)
    await update.effective_message.reply_text(text, reply_markup=markup)
    return ConversationHandler.END


@for_roles(Role.THERAPIST)
async def remove_slot(update: Update, context: BotContext) -> None:
    query = update.callback_query
    slot_id = callbacks.trailing_id(query.data)
    if not await slot_store.remove_slot(
        context.db, context.actor.person.id, slot_id, context.clock.now()
    ):
        await query.answer(texts.SLOT_GONE, show_alert=True)
        return
    await query.answer()
    text, markup = await _slots_text(context)
    await query.edit_message_text(text, reply_markup=markup)


def build_handler() -> ConversationHandler:
    message = filters.UpdateType.MESSAGE
    text = message & filters.TEXT & ~filters.COMMAND
    # per_message=False on purpose: one answer at a time per therapist's chat.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*per_message.*", category=PTBUserWarning)
        return ConversationHandler(
            entry_points=[
                CallbackQueryHandler(review_request, pattern=callbacks.REQUEST_REVIEW_PATTERN),
                CallbackQueryHandler(ask_slot_time, pattern=callbacks.SLOT_ADD_PATTERN),
            ],
            states={
                Step.TIME: [MessageHandler(text, receive_time)],
                Step.NOTE: [
                    CallbackQueryHandler(
                        decline_request_without_note, pattern=callbacks.REQUEST_NO_NOTE_PATTERN
                    ),
                    MessageHandler(text, receive_request_note),
                ],
                Step.SLOT: [MessageHandler(text, receive_slot_time)],
            },
            fallbacks=[CommandHandler("cancel", later, message)],
            allow_reentry=True,
            name=NAME,
            persistent=True,
        )
