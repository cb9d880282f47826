"""A patient's ways back from a missed session, by buttons: a make-up seat, a catch-up slot,
"Ask my therapist", withdrawing that request, and answering a time the therapist offered.

Every press is re-checked by the use case (the session is the patient's and missed, the
seat or slot still free, inside the window, no clash); a refused press says why and shows
what is still open.
"""

from __future__ import annotations

from telegram import Update

from bot import callbacks
from bot.context import BotContext
from bot.i18n import texts
from bot.kinds import Role
from bot.labels import display_title
from bot.usecases import makeups
from bot.usecases.care_team import therapist_name
from bot.usecases.makeups import Asked, Outcome
from handlers.access import for_roles
from handlers.common import button, keyboard
from storage.records import Occurrence


@for_roles(Role.PATIENT)
async def choose_makeup(update: Update, context: BotContext) -> None:
    query = update.callback_query
    action, numbers = query.data[3], [int(n) for n in query.data[5:].split(":")]
    patient = context.actor.person
    s = context.services
    if action == "o":
        missed = await makeups.missed_session(s, patient, numbers[0])
        if missed is None:
            await query.answer(texts.MAKEUP_NOT_MISSED, show_alert=True)
            return
        await query.answer()
        text, rows = await makeups.offer_message(s, patient, missed)
        await query.message.reply_text(text, reply_markup=keyboard(rows))
        return
    if action in "sc":
        await _book(update, context, action, *numbers)
        return
    if action == "a":
        await _ask(update, context, numbers[0])
        return
    if action == "w":
        await _withdraw(update, context, numbers[0])
        return
    await _answer_proposal(update, context, numbers[0], accept=action == "y")


async def _book(
    update: Update, context: BotContext, action: str, missed_id: int, choice: int
) -> None:
    query, patient, s = update.callback_query, context.actor.person, context.services
    if action == "s":
        result = await makeups.book_seat(s, patient, missed_id, choice)
    else:
        result = await makeups.book_slot(s, patient, missed_id, choice)
    await query.answer()
    if result.outcome is Outcome.BOOKED:
        await query.edit_message_reply_markup(None)
        label = makeups.moment_label(result.occurrence.starts_at, s.zone_of(patient))
        await query.message.reply_text(
            texts.MAKEUP_BOOKED.format(
                session=f"{display_title(result.occurrence.title)}, {label}",
                therapist=await therapist_name(s, patient),
            ),
            reply_markup=keyboard(
                [
                    [
                        {
                            "text": texts.CALENDAR_UPDATE_BUTTON,
                            "callback_data": callbacks.CALENDAR_SEND,
                        }
                    ]
                ]
            ),
        )
        return
    if result.outcome is Outcome.NOT_MISSED:
        await query.message.reply_text(texts.MAKEUP_NOT_MISSED)
        return
    missed = await makeups.missed_session(s, patient, missed_id)
    why = _why_not(context, result.outcome, missed)
    text, rows = await makeups.offer_message(s, patient, missed)
    await query.edit_message_reply_markup(None)
    await query.message.reply_text(f"{why} {text}", reply_markup=keyboard(rows))


def _why_not(context: BotContext, outcome: Outcome, missed: Occurrence) -> str:
    if outcome is Outcome.OUT_OF_WINDOW:
        until = makeups.window_end(context.services, missed)
        zone = context.services.zone_of(context.actor.person)
        return texts.MAKEUP_OUT_OF_WINDOW.format(until=makeups.moment_label(until, zone))
    return {
        Outcome.FULL: texts.MAKEUP_FULL,
        Outcome.PAST: texts.MAKEUP_PAST,
        Outcome.CLASH: texts.MAKEUP_CLASH,
        Outcome.ALREADY: "",
    }.get(outcome, texts.MAKEUP_GONE)


async def _ask(update: Update, context: BotContext, missed_id: int) -> None:
    query, patient, s = update.callback_query, context.actor.person, context.services
    asked, request = await makeups.ask_therapist(s, patient, missed_id)
    await query.answer()
    therapist = await therapist_name(s, patient)
    if asked is Asked.NOT_MISSED:
        await query.message.reply_text(texts.MAKEUP_NOT_MISSED)
        return
    if asked is Asked.NO_THERAPIST:
        await query.message.reply_text(texts.MAKEUP_NO_THERAPIST)
        return
    if asked is Asked.BOOKED:
        await query.message.reply_text(texts.MAKEUP_ALREADY_BOOKED)
        return
    await query.edit_message_reply_markup(None)
    template = texts.MAKEUP_ASKED if asked is Asked.SENT else texts.MAKEUP_ASKED_ALREADY
    withdraw = [[button(texts.MAKEUP_WITHDRAW_BUTTON, f"{callbacks.MAKEUP_WITHDRAW}{request.id}")]]
    await query.message.reply_text(
        template.format(therapist=therapist), reply_markup=keyboard(withdraw) if request else None
    )


async def _withdraw(update: Update, context: BotContext, request_id: int) -> None:
    query, patient, s = update.callback_query, context.actor.person, context.services
    if not await makeups.withdraw(s, patient, request_id):
        await query.answer(texts.MAKEUP_WITHDRAW_TOO_LATE, show_alert=True)
        return
    await query.answer()
    await query.edit_message_reply_markup(None)
    therapist = await therapist_name(s, patient)
    await query.message.reply_text(texts.MAKEUP_WITHDRAWN.format(therapist=therapist))


async def _answer_proposal(
    update: Update, context: BotContext, request_id: int, *, accept: bool
) -> None:
    query, patient, s = update.callback_query, context.actor.person, context.services
    decision = await makeups.answer_proposal(s, patient, request_id, accept)
    if decision.outcome is None:
        await query.answer(texts.PROPOSAL_GONE, show_alert=True)
        return
    await query.answer()
    await query.edit_message_reply_markup(None)
    therapist = await therapist_name(s, patient)
    if not accept:
        await query.message.reply_text(texts.PROPOSAL_DECLINED.format(therapist=therapist))
        return
    if decision.outcome is Outcome.ALREADY:
        await query.message.reply_text(texts.MAKEUP_ALREADY_BOOKED)
    elif decision.outcome is not Outcome.BOOKED:
        await query.message.reply_text(texts.PROPOSAL_NO_LONGER.format(therapist=therapist))
    # Booked: the confirmation comes through the outbox, with the calendar button.
