"""Access control in one place: private chats only, the actor resolved once, roles checked.

Handler groups (see ``bot/app.py``): the guard runs first, then ``resolve_actor``; every
entry point and button callback is wrapped in ``for_roles`` so a button pressed by the
wrong person, or after their role changed, is re-checked on press.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.ext import ApplicationHandlerStop

from bot.context import BotContext
from bot.i18n import language_of, set_language, texts
from bot.kinds import Role
from bot.roles import Actor
from storage import buddies as buddy_store
from storage import people

log = logging.getLogger(__name__)

Callback = Callable[[Update, BotContext], Awaitable[Any]]


async def guard_private_chat(update: Update, context: BotContext) -> None:
    """Groups, supergroups and channels get one pointer to a private chat and nothing else."""
    user = update.effective_user
    set_language(language_of(user.language_code if user else None))  # every update, first
    chat = update.effective_chat
    if chat is not None and chat.type == ChatType.PRIVATE and update.effective_user:
        return
    in_a_group = chat is not None and chat.type in (ChatType.GROUP, ChatType.SUPERGROUP)
    try:
        if in_a_group and _asks_for_an_answer(update):
            await context.bot.send_message(
                chat.id, texts.PRIVATE_ONLY.format(username=context.bot.username)
            )
        if update.callback_query:
            await update.callback_query.answer()
    finally:
        raise ApplicationHandlerStop  # even if the pointer could not be sent


def _asks_for_an_answer(update: Update) -> bool:
    """A command in a group, or the bot being added to one; not every chatter message."""
    message = update.message
    if message and message.text and message.text.startswith("/"):
        return True
    member = update.my_chat_member
    return bool(member and member.new_chat_member.status == ChatMemberStatus.MEMBER)


async def resolve_actor(update: Update, context: BotContext) -> None:
    user = update.effective_user
    # Until someone chooses, the bot writes in the language of their Telegram app.
    set_language(language_of(user.language_code if user else None))
    person = await people.find_by_telegram_id(context.db, user.id) if user else None
    links = (
        await buddy_store.buddy_links_of(context.db, user.id) if person is None and user else []
    )
    if links:
        chosen = [link.language for link in links if link.language]
        if chosen:
            set_language(chosen[0])
        context.actor = Actor(Role.BUDDY)
        return
    if person is not None and person.language:
        set_language(person.language)
    elif person is not None and user:
        # Joined before languages were kept: their Telegram app's from now on, for what is
        # planned ahead (reminders) as well as for replies.
        language = language_of(user.language_code)
        await people.set_language(context.db, person.id, language)
        person = replace(person, language=language)
        if person.role is Role.PATIENT:
            await context.notifier.replan([person.id])
    elif person is None and user:
        # Joining: the language the clinic chose at invite (--lang), if it chose one.
        claim = await people.claimed_invite(context.db, user.id, context.clock.now())
        if claim is not None and claim.person is not None and claim.person.language:
            set_language(claim.person.language)
    wrote = update.message is not None or update.callback_query is not None
    if person is not None and person.unreachable_at is not None and wrote:
        # They wrote to us, so they unblocked the bot (a status update alone proves nothing).
        await people.mark_reachable(context.db, person.id)
        await context.notifier.replan([person.id])
    context.actor = Actor.of(person)


def for_roles(*roles: Role) -> Callable[[Callback], Callback]:
    """Let only ``roles`` through; everyone else gets a kind refusal and nothing changes."""

    def decorate(callback: Callback) -> Callback:
        @functools.wraps(callback)
        async def checked(update: Update, context: BotContext) -> Any:
            if context.actor.role in roles:
                return await callback(update, context)
            log.info("refused %s for role %s", callback.__name__, context.actor.role)
            text = (
                texts.UNKNOWN_USER
                if context.actor.role is Role.UNKNOWN
                else texts.NOT_FOR_YOUR_ROLE
            )
            if update.callback_query:
                await update.callback_query.answer(text, show_alert=True)
            elif update.effective_message:
                await update.effective_message.reply_text(text)
            return None

        checked.roles = frozenset(roles)  # type: ignore[attr-defined]  # read by the access test
        return checked

    return decorate


async def flush_persistence(update: Update, context: BotContext) -> None:
    """Write dialog states after every update, so a crash loses no dialog step."""
    await context.application.update_persistence()
