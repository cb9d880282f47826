"""/materials: pick a session, choose this one or the whole series, send links or files.

```mermaid
stateDiagram-v2
    [*] --> PICK: /materials
    PICK --> SCOPE: a session
    SCOPE --> RECEIVE: this session only / every session of the series
    RECEIVE --> RECEIVE: a link or a file (stored at once)
    RECEIVE --> [*]: /done (patients who missed it get it)
```
"""

from __future__ import annotations

import logging
import re
import warnings
from datetime import timedelta
from enum import IntEnum

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot import callbacks
from bot.context import BotContext
from bot.i18n import texts
from bot.kinds import Role
from bot.labels import staff_session_label
from bot.usecases.materials import add_material, choose_session, finish_adding, widen_to_series
from handlers.access import for_roles
from handlers.common import button
from storage import schedule as schedule_store
from storage.materials import MaterialTarget

log = logging.getLogger(__name__)

NAME = "materials"
LOOK_BACK = timedelta(days=14)
URL = re.compile(r"https?://\S+")


class Materials(IntEnum):
    PICK = 1
    SCOPE = 2
    RECEIVE = 3


@for_roles(Role.THERAPIST)
async def start(update: Update, context: BotContext) -> int:
    now = context.clock.now()
    sessions = await schedule_store.therapist_occurrences(
        context.db, context.actor.person.id, now - LOOK_BACK, now + timedelta(days=1)
    )
    if not sessions:
        await update.effective_message.reply_text(texts.MATERIALS_NONE)
        return ConversationHandler.END
    zone = context.zone
    rows = [
        [button(staff_session_label(o, zone), f"{callbacks.MATERIAL_PICK}{o.id}")]
        for o in sorted(sessions, key=lambda o: o.starts_at, reverse=True)[:8]
    ]
    await update.effective_message.reply_text(
        texts.MATERIALS_PICK, reply_markup=InlineKeyboardMarkup(rows)
    )
    return Materials.PICK


@for_roles(Role.THERAPIST)
async def pick(update: Update, context: BotContext) -> int | None:
    query = update.callback_query
    occurrence = await choose_session(
        context.services, context.actor.person, callbacks.trailing_id(query.data)
    )
    if occurrence is None:
        log.info("refused a materials button for a session the caller does not lead")
        await query.answer(texts.MARK_NOT_YOURS, show_alert=True)
        return None
    await query.answer()
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    texts.MATERIALS_THIS_ONE, callback_data=callbacks.MATERIAL_SCOPE_ONE
                )
            ],
            [
                button(
                    texts.MATERIALS_ALL.format(title=occurrence.title),
                    callbacks.MATERIAL_SCOPE_SERIES,
                )
            ],
        ]
    )
    await query.edit_message_text(
        texts.MATERIALS_SCOPE.format(title=occurrence.title), reply_markup=keyboard
    )
    return Materials.SCOPE


@for_roles(Role.THERAPIST)
async def choose_scope(update: Update, context: BotContext) -> int:
    query = update.callback_query
    await query.answer()
    series = query.data == callbacks.MATERIAL_SCOPE_SERIES
    occurrence = await widen_to_series(context.services, context.actor.person, series=series)
    if occurrence is None:
        await query.edit_message_text(texts.BUTTON_EXPIRED)
        return ConversationHandler.END
    if series:
        label = texts.MATERIALS_TARGET_SERIES.format(title=occurrence.title)
    else:
        label = staff_session_label(occurrence, context.zone)
    await query.edit_message_text(texts.MATERIALS_ASK.format(target=label))
    return Materials.RECEIVE


@for_roles(Role.THERAPIST)
async def receive_link(update: Update, context: BotContext) -> int:
    text = update.effective_message.text
    links = URL.findall(text)
    if not links:
        await update.effective_message.reply_text(texts.MATERIALS_NOT_A_LINK)
        return Materials.RECEIVE
    title = URL.sub("", text).strip().splitlines()
    return await _store(update, context, title[0][:200] if title else "Link", links[0], None)


@for_roles(Role.THERAPIST)
async def receive_file(update: Update, context: BotContext) -> int:
    document = update.effective_message.document
    title = update.effective_message.caption or document.file_name or "File"
    return await _store(update, context, title[:200], None, document.file_id)


async def ask_for_a_file(update: Update, context: BotContext) -> int:
    await update.effective_message.reply_text(texts.MATERIALS_SEND_AS_FILE)
    return Materials.RECEIVE


async def _store(
    update: Update, context: BotContext, title: str, url: str | None, file_id: str | None
) -> int:
    therapist = context.actor.person
    if not await add_material(context.services, therapist, title=title, url=url, file_id=file_id):
        await update.effective_message.reply_text(texts.BUTTON_EXPIRED)
        return ConversationHandler.END
    await update.effective_message.reply_text(texts.MATERIALS_STORED.format(title=title))
    return Materials.RECEIVE


@for_roles(Role.THERAPIST)
async def done(update: Update, context: BotContext) -> int:
    delivered = await finish_adding(context.services, context.actor.person)
    target, added = delivered.target, delivered.added
    if not added:
        await update.effective_message.reply_text(texts.MATERIALS_DONE_EMPTY)
        return ConversationHandler.END
    items = "\n".join(
        texts.MATERIAL_ITEM.format(
            title=m.title, what=texts.MATERIAL_IS_LINK if m.url else texts.MATERIAL_IS_FILE
        )
        for m in added
    )
    label = await _label(context, target)
    await update.effective_message.reply_text(
        texts.MATERIALS_DONE.format(count=len(added), target=label, items=items)
    )
    return ConversationHandler.END


async def _label(context: BotContext, target: MaterialTarget) -> str:
    if target.series_id is not None:
        title = await schedule_store.series_title(context.db, target.series_id)
        return texts.MATERIALS_TARGET_SERIES.format(title=title)
    occurrence = await schedule_store.led_occurrence(
        context.db, context.actor.person.id, target.occurrence_id
    )
    return staff_session_label(occurrence, context.zone)


def build_handler() -> ConversationHandler:
    message = filters.UpdateType.MESSAGE
    # per_message=False on purpose: the buttons belong to the therapist's one open upload.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*per_message.*", category=PTBUserWarning)
        return ConversationHandler(
            entry_points=[CommandHandler("materials", start, message)],
            states={
                Materials.PICK: [
                    CallbackQueryHandler(pick, pattern=callbacks.MATERIAL_PICK_PATTERN)
                ],
                Materials.SCOPE: [
                    CallbackQueryHandler(
                        choose_scope,
                        pattern=callbacks.MATERIAL_SCOPE_PATTERN,
                    )
                ],
                Materials.RECEIVE: [
                    CommandHandler("done", done, message),
                    MessageHandler(message & filters.TEXT & ~filters.COMMAND, receive_link),
                    MessageHandler(message & filters.Document.ALL, receive_file),
                    MessageHandler(message & ~filters.COMMAND, ask_for_a_file),
                ],
            },
            fallbacks=[CommandHandler(["done", "cancel"], done, message)],
            allow_reentry=True,
            name=NAME,
            persistent=True,
        )
