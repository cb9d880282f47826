"""Reminder buddies, both sides: the patient's /buddy and the friend's link, yes/no, /stop.

Nothing a buddy can see names therapy, treatment, a group, the program or anything clinical
(42 CFR Part 2): only "X has an appointment at 6:00 pm". Button presses are re-checked: the
patient's end button must name their own link; the friend's yes/no must carry part of the
link's secret, so a guessed id cannot accept someone else's invitation.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError

from bot import callbacks, texts
from bot.context import BotContext
from bot.invites import hash_code, new_code
from bot.kinds import Role
from bot.labels import first_name
from handlers.access import for_roles
from handlers.common import button, set_commands_for
from storage import buddies as buddy_store
from storage import people
from storage.buddies import Buddy, BuddyEndedBy, BuddyStatus

log = logging.getLogger(__name__)

VALID_FOR = timedelta(days=14)


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
    now = context.clock.now()
    if query.data == callbacks.BUDDY_INVITE:
        await query.answer()
        code = new_code()
        await buddy_store.create_buddy_invite(
            context.db, patient_id=patient.id, code_hash=hash_code(code), now=now,
            expires_at=now + VALID_FOR,
        )  # fmt: skip
        link = f"https://t.me/{context.bot.username}?start={callbacks.BUDDY_LINK}{code}"
        await query.message.reply_text(texts.BUDDY_FORWARD_THIS.format(days=VALID_FOR.days))
        await query.message.reply_text(
            texts.BUDDY_INVITATION.format(first=first_name(patient.name), link=link)
        )
        return
    buddy = await buddy_store.get_buddy(
        context.db, int(query.data.removeprefix(callbacks.BUDDY_END))
    )
    if buddy is None or buddy.patient_id != patient.id:
        await query.answer(texts.BUTTON_EXPIRED, show_alert=True)
        return
    await query.answer()
    if await buddy_store.end_buddy(context.db, buddy.id, BuddyEndedBy.PATIENT, now):
        await context.notifier.replan([patient.id])
        ended = texts.BUDDY_ENDED_BY_PATIENT.format(first=first_name(patient.name))
        await _tell(context, buddy.chat_id, ended)
    await query.message.reply_text(texts.PATIENT_BUDDY_ENDED.format(name=buddy.name))
    text, keyboard = await _overview(context)
    await query.edit_message_text(text, reply_markup=keyboard)


# --- the friend's side


def _secret(code_hash: str) -> str:
    return code_hash[:16]


async def open_link(update: Update, context: BotContext, payload: str) -> None:
    """/start b-<code>: show the friend exactly what they would get, and ask."""
    message = update.effective_message
    code_hash = hash_code(payload.removeprefix(callbacks.BUDDY_LINK))
    buddy = await buddy_store.find_buddy_invite(context.db, code_hash)
    if buddy is None:
        await message.reply_text(texts.INVITE_UNKNOWN)
        return
    if context.actor.role in (Role.PATIENT, Role.THERAPIST):
        await message.reply_text(texts.BUDDY_LINK_NOT_FOR_YOU)
        return
    if buddy.status is not BuddyStatus.INVITED or buddy.expires_at <= context.clock.now():
        await message.reply_text(texts.BUDDY_LINK_USED)
        return
    patient = await people.get_person(context.db, buddy.patient_id)
    secret = _secret(code_hash)
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    texts.BUDDY_YES, callback_data=f"{callbacks.BUDDY_ANSWER}y:{buddy.id}:{secret}"
                )
            ],
            [
                InlineKeyboardButton(
                    texts.BUDDY_NO, callback_data=f"{callbacks.BUDDY_ANSWER}n:{buddy.id}:{secret}"
                )
            ],
        ]
    )
    await message.reply_text(
        texts.BUDDY_OFFER.format(first=first_name(patient.name)), reply_markup=keyboard
    )


async def answer(update: Update, context: BotContext) -> None:
    query = update.callback_query
    _, choice, buddy_id, secret = query.data.split(":")
    buddy = await buddy_store.get_buddy(context.db, int(buddy_id))
    valid = (
        buddy is not None
        and context.actor.role in (Role.UNKNOWN, Role.BUDDY)
        and buddy.status is BuddyStatus.INVITED
        and await _secret_matches(context, buddy, secret)
    )
    if not valid:
        await query.answer(texts.BUDDY_LINK_USED, show_alert=True)
        return
    await query.answer()
    patient = await people.get_person(context.db, buddy.patient_id)
    user = update.effective_user
    now = context.clock.now()
    if choice == "n":
        await buddy_store.decline_buddy(context.db, buddy.id, now)
        await query.edit_message_text(texts.BUDDY_DECLINED)
        await _tell(
            context, patient.chat_id, texts.PATIENT_BUDDY_DECLINED.format(name=user.first_name)
        )
        return
    accepted = await buddy_store.accept_buddy(
        context.db, buddy.id, telegram_id=user.id, chat_id=update.effective_chat.id,
        name=user.first_name, timezone=patient.timezone or context.config.program.timezone.key,
        now=now,
    )  # fmt: skip
    if accepted is None:
        await query.edit_message_text(texts.BUDDY_LINK_USED)
        return
    await context.notifier.replan([patient.id])
    await set_commands_for(context, update.effective_chat.id, Role.BUDDY)
    await query.edit_message_text(texts.BUDDY_ACCEPTED.format(first=first_name(patient.name)))
    await _tell(
        context, patient.chat_id, texts.PATIENT_BUDDY_ACCEPTED.format(name=user.first_name)
    )


async def _secret_matches(context: BotContext, buddy: Buddy, secret: str) -> bool:
    row_hash = await buddy_store.buddy_code_hash(context.db, buddy.id)
    return row_hash is not None and _secret(row_hash) == secret


async def stop(update: Update, context: BotContext) -> None:
    """/stop: end every link in which this person is the buddy (whatever else they are)."""
    links = await buddy_store.buddy_links_of(context.db, update.effective_user.id)
    if not links and context.actor.role is Role.PATIENT:
        await update.effective_message.reply_text(texts.STOP_IS_FOR_BUDDIES)
        return
    now = context.clock.now()
    for link in links:
        if await buddy_store.end_buddy(context.db, link.id, BuddyEndedBy.BUDDY, now):
            await context.notifier.replan([link.patient_id])
            patient = await people.get_person(context.db, link.patient_id)
            await _tell(
                context, patient.chat_id, texts.PATIENT_BUDDY_STOPPED.format(name=link.name)
            )
    await update.effective_message.reply_text(
        texts.BUDDY_STOPPED if links else texts.BUDDY_NOTHING_TO_STOP
    )
