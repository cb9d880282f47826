"""Reminder buddies, both sides: the patient's /buddy and the friend's link, yes/no, /stop.

Nothing a buddy can see names therapy, treatment, a group, the program or anything clinical
(42 CFR Part 2): only "X has an appointment at 6:00 pm". Button presses are re-checked: the
patient's end button must name their own link; the friend's yes/no must carry part of the
link's secret, so a guessed id cannot accept someone else's invitation.
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError

from bot import callbacks
from bot.context import BotContext
from bot.i18n import texts, texts_for
from bot.kinds import Role
from bot.labels import first_name
from bot.usecases.buddies import (
    INVITATION_VALID_FOR,
    Invitation,
    answer_invitation,
    end_buddy_as_patient,
    invite_buddy,
    open_invitation,
    stop_being_a_buddy,
)
from handlers.access import for_roles
from handlers.common import button, set_commands_for
from storage import buddies as buddy_store
from storage.buddies import BuddyStatus

log = logging.getLogger(__name__)


async def _tell(context: BotContext, chat_id: int | None, text: str) -> None:
    """A courtesy message to the other side; if they blocked the bot, nothing is lost."""
    if chat_id is None:
        return
    try:
        await context.bot.send_message(chat_id, text)
    except TelegramError as error:
        log.info("courtesy message not delivered: %s", type(error).__name__)


# --- the patient's side


async def _overview(context: BotContext) -> tuple[str, InlineKeyboardMarkup]:
    patient = context.actor.person
    links = await buddy_store.buddies_of_patient(context.db, patient.id)
    active = [b for b in links if b.status is BuddyStatus.ACTIVE]
    lines = [texts.BUDDY_INTRO.format(first=first_name(patient.name)), ""]
    names = ", ".join(b.name or "?" for b in active)
    lines.append(texts.BUDDY_ACTIVE.format(names=names) if active else texts.BUDDY_NONE)
    rows = [
        [button(texts.BUDDY_STOP.format(name=b.name), f"{callbacks.BUDDY_END}{b.id}")]
        for b in active
    ]
    rows.append([InlineKeyboardButton(texts.BUDDY_INVITE, callback_data=callbacks.BUDDY_INVITE)])
    return "\n".join(lines), InlineKeyboardMarkup(rows)


@for_roles(Role.PATIENT)
async def show_buddies(update: Update, context: BotContext) -> None:
    text, keyboard = await _overview(context)
    await update.effective_message.reply_text(text, reply_markup=keyboard)


@for_roles(Role.PATIENT)
async def patient_presses(update: Update, context: BotContext) -> None:
    query = update.callback_query
    patient = context.actor.person
    if query.data == callbacks.BUDDY_INVITE:
        await query.answer()
        code = await invite_buddy(context.services, patient)
        link = callbacks.deep_link(context.bot.username, callbacks.BUDDY_LINK + code)
        days = INVITATION_VALID_FOR.days
        await query.message.reply_text(texts.BUDDY_FORWARD_THIS.format(days=days))
        await query.message.reply_text(
            texts.BUDDY_INVITATION.format(first=first_name(patient.name), link=link)
        )
        return
    buddy = await end_buddy_as_patient(
        context.services, patient, callbacks.trailing_id(query.data)
    )
    if buddy is None:
        await query.answer(texts.BUTTON_EXPIRED, show_alert=True)
        return
    await query.answer()
    ended = texts_for(buddy.language).BUDDY_ENDED_BY_PATIENT.format(first=first_name(patient.name))
    if buddy.status in (BuddyStatus.INVITED, BuddyStatus.ACTIVE):  # live until this press
        await _tell(context, buddy.chat_id, ended)
    await query.message.reply_text(texts.PATIENT_BUDDY_ENDED.format(name=buddy.name))
    text, keyboard = await _overview(context)
    await query.edit_message_text(text, reply_markup=keyboard)


# --- the friend's side


async def open_link(update: Update, context: BotContext, payload: str) -> bool:
    """/start b-<code>: show the friend exactly what they would get, and ask. False when no
    buddy invitation has this code (it may be a person's invite: older codes could start
    with ``b-`` too)."""
    message = update.effective_message
    found = await open_invitation(
        context.services, payload.removeprefix(callbacks.BUDDY_LINK), context.actor.role
    )
    if found == "unknown":
        return False
    if not isinstance(found, Invitation):
        refusal = {"not_for_you": texts.BUDDY_LINK_NOT_FOR_YOU}
        await message.reply_text(refusal.get(found, texts.BUDDY_LINK_USED))
        return True
    answer_data = f"{callbacks.BUDDY_ANSWER}{{}}:{found.buddy.id}:{found.secret}"
    keyboard = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(texts.BUDDY_YES, callback_data=answer_data.format("y"))],
            [InlineKeyboardButton(texts.BUDDY_NO, callback_data=answer_data.format("n"))],
        ]
    )
    await message.reply_text(
        texts.BUDDY_OFFER.format(first=first_name(found.patient.name)), reply_markup=keyboard
    )
    return True


async def answer(update: Update, context: BotContext) -> None:
    query = update.callback_query
    _, choice, buddy_id, secret = query.data.split(":")
    user = update.effective_user
    patient = await answer_invitation(
        context.services, int(buddy_id), secret, context.actor.role, accept=choice == "y",
        telegram_id=user.id, chat_id=update.effective_chat.id, name=user.first_name,
    )  # fmt: skip
    if patient is None:
        await query.answer(texts.BUDDY_LINK_USED, show_alert=True)
        return
    await query.answer()
    if choice == "n":
        await query.edit_message_text(texts.BUDDY_DECLINED)
        await _tell(
            context,
            patient.chat_id,
            texts_for(patient.language).PATIENT_BUDDY_DECLINED.format(name=user.first_name),
        )
        return
    await set_commands_for(context, update.effective_chat.id, Role.BUDDY)
    await query.edit_message_text(texts.BUDDY_ACCEPTED.format(first=first_name(patient.name)))
    await _tell(
        context,
        patient.chat_id,
        texts_for(patient.language).PATIENT_BUDDY_ACCEPTED.format(name=user.first_name),
    )


async def stop(update: Update, context: BotContext) -> None:
    """/stop: end every link in which this person is the buddy (whatever else they are)."""
    ended = await stop_being_a_buddy(context.services, update.effective_user.id)
    if ended is None and context.actor.role is Role.PATIENT:
        await update.effective_message.reply_text(texts.STOP_IS_FOR_BUDDIES)
        return
    for link, patient in ended or []:
        stopped = texts_for(patient.language).PATIENT_BUDDY_STOPPED.format(name=link.name)
        await _tell(context, patient.chat_id, stopped)
    await update.effective_message.reply_text(
        texts.BUDDY_STOPPED if ended is not None else texts.BUDDY_NOTHING_TO_STOP
    )
