"""Handlers every role shares: /help, fallbacks for anything unexpected, the error handler."""

from __future__ import annotations

import contextlib
import logging
import secrets

from telegram import (
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, ConversationHandler

from bot.availability import back_when
from bot.context import BotContext
from bot.i18n import current_language, texts
from bot.kinds import Role
from bot.labels import BUTTON_TEXT_LIMIT
from bot.understanding.engine import Understanding
from storage import conversations

log = logging.getLogger(__name__)


def message_text(update: Update) -> str | None:
    """What a person wrote: a message's text, or a photo's or document's caption."""
    message = update.effective_message
    if message is None:
        return None
    text = message.text or message.caption
    # A lone surrogate (JSON can escape one) cannot be stored: it becomes U+FFFD.
    return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace") if text else text


def understand_text(context: BotContext, text: str) -> Understanding:
    """Read words the patient sent earlier (kept for a question), as of now."""
    return context.services.reader.read(
        text, context.clock.now(), context.services.zone_of(context.actor.person)
    )


def understand(update: Update, context: BotContext) -> Understanding:
    """Read this update's text (or caption) once; later handler groups reuse the result."""
    if context.understanding is None:
        context.understanding = context.services.reader.read(
            message_text(update) or "",
            context.clock.now(),
            context.services.zone_of(context.actor.person),
        )
    return context.understanding


def staff_back(context: BotContext) -> str | None:
    """When staff are next in ('tomorrow at 9:00 am'), or None while they are working."""
    program = context.config.program
    return back_when(context.clock.now(), program.office_hours, program.timezone, context.zone)


def when_read(context: BotContext) -> str:
    """Truthfully, when a person will read what was just passed on."""
    back = staff_back(context)
    return texts.READ_SOON if back is None else texts.READ_WHEN_BACK.format(when=back)


def button(label: str, data: str) -> InlineKeyboardButton:
    """An inline button whose label is cut to what a phone shows."""
    return InlineKeyboardButton(label[:BUTTON_TEXT_LIMIT], callback_data=data)


async def refuse_answer(update: Update, already: str) -> int:
    """A staff answer that is not (or no longer) theirs to give: a button gets ``already``,
    a typed answer to a question closed meanwhile says so; nothing changes, the dialog ends."""
    if update.callback_query:
        await update.callback_query.answer(already, show_alert=True)
    else:
        await update.effective_message.reply_text(texts.TYPED_ANSWER_CLOSED)
    return ConversationHandler.END


async def stop_answering(update: Update, context: BotContext, text: str) -> int:
    """/cancel in a staff dialog: the question stays unanswered (its buttons still work) and
    the therapist's next message is no longer taken as its answer."""
    if context.actor.person is not None:
        await conversations.forget_typed_answers(context.db, context.actor.person.id)
    await update.effective_message.reply_text(text)
    return ConversationHandler.END


def keyboard(rows: list[list[dict[str, str]]]) -> InlineKeyboardMarkup | None:
    """Buttons a use case described as ``{"text", "callback_data"}`` rows; None for none."""
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [[button(b["text"], b["callback_data"]) for b in row] for row in rows]
    )


async def set_commands_for(context: BotContext, chat_id: int, role: Role) -> None:
    """Show this chat the command menu of its role."""
    commands = [BotCommand(command, description) for command, description in texts.COMMANDS[role]]
    await context.bot.set_my_commands(commands, scope=BotCommandScopeChat(chat_id))


async def show_privacy(update: Update, context: BotContext) -> None:
    """/privacy (Telegram's recommended global command): what is kept and who sees it."""
    privacy = texts.BUDDY_PRIVACY if context.actor.role is Role.BUDDY else texts.PRIVACY
    await update.effective_message.reply_text(privacy)


async def show_help(update: Update, context: BotContext) -> None:
    role = context.actor.role
    if role is Role.UNKNOWN:
        await update.effective_message.reply_text(texts.UNKNOWN_USER)
        return
    await update.effective_message.reply_text(
        texts.HELP_HEADER.format(commands=texts.command_list(role))
    )


async def unknown_command(update: Update, context: BotContext) -> None:
    await update.effective_message.reply_text(texts.UNKNOWN_COMMAND)


async def free_text(update: Update, context: BotContext) -> None:
    """Text from anyone but a patient (patients' messages are read and understood)."""
    role = context.actor.role
    if role is Role.UNKNOWN:
        await update.effective_message.reply_text(texts.UNKNOWN_USER)
        return
    if role is Role.BUDDY:
        await update.effective_message.reply_text(
            texts.BUDDY_ONLY_REMINDERS.format(
                help_line=context.config.safety.help_line_in(current_language())
            )
        )
        return
    await update.effective_message.reply_text(
        texts.FREE_TEXT_STAFF.format(commands=texts.command_list(role))
    )


async def unsupported_media(update: Update, context: BotContext) -> None:
    if context.actor.role is Role.UNKNOWN:
        await update.effective_message.reply_text(texts.UNKNOWN_USER)
        return
    await update.effective_message.reply_text(texts.MEDIA_NOT_SUPPORTED)


async def edited_message(update: Update, context: BotContext) -> None:
    await update.edited_message.reply_text(texts.EDITED_MESSAGE)


async def stale_button(update: Update, context: BotContext) -> None:
    """A button no current dialog owns: old, forged, or from before a restart."""
    await update.callback_query.answer(texts.BUTTON_EXPIRED, show_alert=True)


async def on_error(update: object, context: BotContext) -> None:
    """Log with a reference id (no message text, no names), apologise, and stop the update.

    Stopping matters: later handler groups must not act on an update whose earlier step
    failed half-way (a crisis reply sent but its alert not queued, a group-chat guard that
    could not answer).
    """
    reference = secrets.token_hex(4)
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("unhandled error ref=%s update_id=%s", reference, update_id, exc_info=context.error)
    chat = update.effective_chat if isinstance(update, Update) else None
    if chat is not None and chat.type == ChatType.PRIVATE:
        if update.callback_query:
            with contextlib.suppress(TelegramError):  # it may have been answered already
                await update.callback_query.answer()
        try:
            await context.bot.send_message(
                chat.id, texts.ERROR_APOLOGY.format(reference=reference)
            )
        except TelegramError:
            log.exception("could not send the apology for ref=%s", reference)
    raise ApplicationHandlerStop
