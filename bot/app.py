"""The composition root: config, database, clock and handlers assembled into one Application."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from telegram import BotCommand, Update
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest

from bot import texts
from bot.clock import Clock, SystemClock
from bot.config import Config
from bot.context import SERVICES, BotContext, Services
from bot.persistence import SqlitePersistence
from bot.roles import Role
from bot.scheduling import HORIZON, extend_occurrences
from bot.understanding import MessageReader
from handlers import common, onboarding
from handlers.access import flush_persistence, guard_private_chat, resolve_actor
from handlers.patient import conversation as patient_conversation
from handlers.patient.messages import FORWARD_PATTERN, check_crisis, forward_note
from handlers.schedule import show_schedule
from handlers.therapist import attendance
from storage.db import Database

log = logging.getLogger(__name__)

# Without a token (demo, tests against a fake API) the bot still needs one that looks real.
PLACEHOLDER_TOKEN = "1000000:offline-placeholder-token"
EXTEND_EVERY = timedelta(hours=6)


def build_application(services: Services, request: BaseRequest | None = None) -> Application:
    telegram = services.config.telegram
    builder = (
        Application.builder()
        .token(telegram.token or PLACEHOLDER_TOKEN)
        .context_types(ContextTypes(context=BotContext))
        .persistence(SqlitePersistence(services.db))
        .rate_limiter(AIORateLimiter(max_retries=3))
    )
    if telegram.base_url:
        builder = builder.base_url(telegram.base_url)
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    application = builder.build()
    application.bot_data[SERVICES] = services
    register_handlers(application)
    return application


def register_handlers(application: Application) -> None:
    # Group -3 drops everything that is not a private chat before anything is looked up;
    # group -2 decides who is talking, once, for every later group; group -1 answers crisis
    # language before any dialog can claim the message.
    application.add_handler(TypeHandler(Update, guard_private_chat), group=-3)
    application.add_handler(TypeHandler(Update, resolve_actor), group=-2)
    application.add_handler(
        MessageHandler(filters.TEXT & filters.UpdateType.MESSAGES, check_crisis), group=-1
    )
    message = filters.UpdateType.MESSAGE
    application.add_handlers(
        [
            # First: an edited "/start CODE" or edited text must not run a command again.
            MessageHandler(filters.UpdateType.EDITED_MESSAGE, common.edited_message),
            onboarding.build_handler(),
            patient_conversation.build_handler(),
            CommandHandler("help", common.show_help, message),
            CommandHandler("schedule", show_schedule, message),
            CommandHandler("today", attendance.show_today, message),
            CommandHandler("attendance", attendance.choose_session, message),
            CallbackQueryHandler(attendance.press, pattern=attendance.MARK_PATTERN),
            CallbackQueryHandler(forward_note, pattern=FORWARD_PATTERN),
            # Catch-alls last, so every update gets an answer.
            MessageHandler(message & filters.COMMAND, common.unknown_command),
            MessageHandler(message, common.unsupported_media),
            CallbackQueryHandler(common.stale_button),
        ],
        group=0,
    )
    application.add_handler(TypeHandler(Update, flush_persistence), group=1)
    application.add_error_handler(common.on_error)


async def _extend_occurrences_job(context: BotContext) -> None:
    now = context.clock.now()
    added = await extend_occurrences(context.db, now, now + HORIZON)
    log.info("extended occurrences: %d added", added)


async def _on_startup(application: Application, services: Services) -> None:
    commands = [BotCommand(name, text) for name, text in texts.COMMANDS[Role.UNKNOWN]]
    await application.bot.set_my_commands(commands)
    now = services.clock.now()
    await extend_occurrences(services.db, now, now + HORIZON)
    application.job_queue.run_repeating(
        _extend_occurrences_job, interval=EXTEND_EVERY, first=EXTEND_EVERY, name="extend"
    )


@asynccontextmanager
async def running(
    config: Config,
    clock: Clock,
    request: BaseRequest | None = None,
    reader: MessageReader | None = None,
) -> AsyncIterator[Application]:
    """Open the database, start the application (without polling) and close both after.

    The message reader is built (and warmed) before the first update, unless one is given.
    """
    reader = reader or MessageReader()
    db = await Database.open(config.storage.path)
    try:
        services = Services(config=config, db=db, clock=clock, reader=reader)
        application = build_application(services, request)
        async with application:
            await _on_startup(application, services)
            await application.start()
            try:
                yield application
            finally:
                await application.stop()
    finally:
        await db.close()


async def run_polling(config: Config) -> None:
    """Long-poll Telegram until SIGINT or SIGTERM, then shut down cleanly."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with running(config, SystemClock()) as application:
        await application.updater.start_polling(allowed_updates=Update.ALL_TYPES)
        log.info("bot @%s is running; stop with Ctrl+C", application.bot.username)
        await stop.wait()
        log.info("stopping")
        await application.updater.stop()
    log.info("stopped cleanly")
