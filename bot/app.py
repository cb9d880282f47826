"""The composition root: config, database, clock and handlers assembled into one Application."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

from telegram import BotCommand, Update
from telegram.ext import (
    AIORateLimiter,
    Application,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest

from bot import callbacks
from bot.attendance.digest import weekly_digest
from bot.attendance.ledger import charge_due_fees, note_fee_terms
from bot.attendance.risk import recheck_flags
from bot.clock import Clock, SystemClock
from bot.config import Config
from bot.context import SERVICES, BotContext
from bot.i18n import ENGLISH, SPANISH, texts_for
from bot.kinds import Role
from bot.outbox.dispatcher import Dispatcher, OutboxWakeup
from bot.outbox.notifier import Notifier
from bot.outbox.telegram_sender import TelegramSender
from bot.persistence import SqlitePersistence
from bot.schedule.sync import HORIZON, extend_occurrences
from bot.services import Services
from bot.understanding.engine import MessageReader, Thresholds
from bot.usecases.attendance import settle_marks
from handlers import buddies, common, crisis, onboarding
from handlers.access import flush_persistence, guard_private_chat, resolve_actor
from handlers.patient import absence as patient_messages
from handlers.patient import calendar, catchup, letter, makeups, messages, mydata, settings
from handlers.patient import fees as patient_fees
from handlers.schedule import show_schedule
from handlers.therapist import attendance, letters, materials, patients, reports
from handlers.therapist import fees as therapist_fees
from handlers.therapist import makeups as therapist_makeups
from storage.db import Database

log = logging.getLogger(__name__)

# PTB 22 warns on every RetryAfter unless told to use timedeltas; we read both forms.
os.environ.setdefault("PTB_TIMEDELTA", "true")

# Without a token (demo, tests against a fake API) the bot still needs one that looks real.
PLACEHOLDER_TOKEN = "1000000:offline-placeholder-token"
EXTEND_EVERY = timedelta(hours=6)
LOOK_FOR_NEW_ROWS = timedelta(minutes=1)
CHARGE_FEES_EVERY = timedelta(hours=1)  # a window ends at most an hour before its charge
SETTLE_EVERY = timedelta(minutes=1)  # attendance sheets left alone (see usecases.attendance)
OUTBOX_JOB = "outbox"


# Updates handled at once (each mostly waits on Telegram or SQLite); one at a time per chat.
CONCURRENT_UPDATES = 16


class OnePerChat(BaseUpdateProcessor):
    """Handle updates of different chats concurrently and each chat's in arrival order.

    One after another, every update waits for the previous one's Bot API calls (a 30 ms round
    trip caps the bot near 20 updates/s); all at once, two taps in one chat could race each
    other through a dialog. A lock per chat keeps a chat's updates in order.
    """

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, tuple[asyncio.Lock, int]] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _chat_of(update)
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                await coroutine
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None


def _chat_of(update: object) -> int:
    """The chat an update belongs to (0, one shared queue, for anything without one)."""
    if isinstance(update, Update):
        if update.effective_chat is not None:
            return update.effective_chat.id
        if update.effective_user is not None:
            return update.effective_user.id
    return 0


def build_application(
    config: Config,
    db: Database,
    clock: Clock,
    reader: MessageReader,
    request: BaseRequest | None = None,
    *,
    simulated_time: bool = False,
) -> Application:
    """Assemble the Application and its services.

    ``simulated_time=True`` is for the tests and the demo, which drive a fake clock that the
    JobQueue (real time) cannot follow: the caller runs the outbox itself, and the
    dispatcher neither lingers nor paces sends (pacing is tested on its own).
    """
    telegram = config.telegram
    builder = (
        Application.builder()
        .token(telegram.token or PLACEHOLDER_TOKEN)
        .context_types(ContextTypes(context=BotContext))
        .persistence(SqlitePersistence(db))
        .concurrent_updates(OnePerChat(CONCURRENT_UPDATES))
    )
    if not simulated_time:
        # Telegram's limits (30/s overall, 20/min per group); 429s are waited out and retried.
        builder = builder.rate_limiter(AIORateLimiter(max_retries=3))
    if telegram.base_url:
        builder = builder.base_url(telegram.base_url)
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    else:
        # On shutdown the updater calls getUpdates once more while the long poll may still
        # hold the only connection; a second one avoids a pool timeout (and its traceback).
        builder = builder.get_updates_connection_pool_size(2)
    application = builder.build()
    wakeup = OutboxWakeup(_no_wakeup if simulated_time else _wakeup_job(application, clock))
    # A simulated clock stands still while the dispatcher waits: it must not wait.
    unpaced = {"rate": 1e6, "per_chat_interval": 0.0, "linger": timedelta(0)}
    dispatcher = Dispatcher(
        db,
        TelegramSender(application.bot),
        clock,
        wakeup=wakeup,
        **(unpaced if simulated_time else {}),
    )
    notifier = Notifier(db, clock, config.reminders, config.program.timezone, dispatcher, wakeup)
    application.bot_data[SERVICES] = Services(config, db, clock, reader, notifier)
    register_handlers(application)
    return application


def _wakeup_job(application: Application, clock: Clock) -> Callable[[datetime | None], None]:
    """Keep exactly one JobQueue job, at the next due outbox row (the database is the truth)."""

    def schedule_at(when: datetime | None) -> None:
        for job in application.job_queue.get_jobs_by_name(OUTBOX_JOB):
            job.schedule_removal()
        if when is not None:
            application.job_queue.run_once(
                _run_outbox,
                when=max(when, clock.now()),
                name=OUTBOX_JOB,
                job_kwargs={
                    "id": OUTBOX_JOB,
                    "replace_existing": True,
                    "misfire_grace_time": None,
                    # Rows queued while a run is sending re-arm this job; that run picks them
                    # up and the new one returns at once (run_due is already running).
                    "max_instances": 3,
                },
            )

    return schedule_at


def _no_wakeup(when: datetime | None) -> None:
    return None


async def _run_outbox(context: BotContext) -> None:
    await context.notifier.run_due()


async def _look_for_new_rows(context: BotContext) -> None:
    """Rows another process wrote (``iop-bot schedule import``) get a wake-up too."""
    await context.notifier.run_due()


def register_handlers(application: Application) -> None:
    # Group -3 drops everything that is not a private chat before anything is looked up;
    # group -2 decides who is talking, once, for every later group; group -1 answers crisis
    # language before any dialog can claim the message.
    application.add_handler(TypeHandler(Update, guard_private_chat), group=-3)
    application.add_handler(TypeHandler(Update, resolve_actor), group=-2)
    words = filters.TEXT | filters.CAPTION  # a caption is read like a text
    application.add_handler(
        MessageHandler(words & filters.UpdateType.MESSAGES, crisis.check_crisis), group=-1
    )
    message = filters.UpdateType.MESSAGE
    application.add_handlers(
        [
            # First: an edited "/start CODE" or edited text must not run a command again.
            MessageHandler(filters.UpdateType.EDITED_MESSAGE, common.edited_message),
            onboarding.build_handler(),
            # Before the patient conversation: while a therapist is sending material, their
            # text is material, not a message to read.
            materials.build_handler(),
            # Before the patient conversation too: typed dates for a letter, and a therapist's
            # note or period for a letter decision, are not messages to read.
            letter.build_handler(),
            letters.build_handler(),
            # And a therapist's suggested time or note for a make-up request, or a new slot.
            therapist_makeups.build_handler(),
            # Before the patient conversation too: a therapist's typed reason for a waiver.
            therapist_fees.build_handler(),
            patient_messages.build_handler(),
            CommandHandler("help", common.show_help, message),
            CommandHandler("privacy", common.show_privacy, message),
            CommandHandler("mydata", mydata.send_my_data, message),
            CommandHandler("schedule", show_schedule, message),
            CommandHandler("calendar", calendar.send_calendar, message),
            CallbackQueryHandler(calendar.send_calendar, pattern=callbacks.CALENDAR_SEND_PATTERN),
            CommandHandler("catchup", catchup.list_catchup, message),
            CallbackQueryHandler(catchup.followup_choice, pattern=callbacks.FOLLOWUP_PATTERN),
            CallbackQueryHandler(catchup.caught_up, pattern=callbacks.CAUGHT_UP_PATTERN),
            CallbackQueryHandler(makeups.choose_makeup, pattern=callbacks.MAKEUP_PATTERN),
            CommandHandler("slots", therapist_makeups.show_slots, message),
            CallbackQueryHandler(
                therapist_makeups.remove_slot, pattern=callbacks.SLOT_REMOVE_PATTERN
            ),
            CommandHandler("settings", settings.show_settings, message),
            CommandHandler("name", settings.change_name, message),
            CommandHandler("language", settings.change_language, message),
            CallbackQueryHandler(settings.change_setting, pattern=settings.PATTERN),
            CommandHandler("buddy", buddies.show_buddies, message),
            CallbackQueryHandler(buddies.patient_presses, pattern=callbacks.BUDDY_PATIENT_PATTERN),
            CallbackQueryHandler(buddies.answer, pattern=callbacks.BUDDY_ANSWER_PATTERN),
            CommandHandler("stop", buddies.stop, message),
            CommandHandler("today", attendance.show_today, message),
            CommandHandler("patient", patients.show_patient, message),
            CallbackQueryHandler(patients.pick_patient, pattern=callbacks.PATIENT_PICK_PATTERN),
            CallbackQueryHandler(patients.lift_the_pause, pattern=callbacks.PAUSE_LIFT_PATTERN),
            CommandHandler("fees", patient_fees.show_fees, message),
            CallbackQueryHandler(
                therapist_fees.show_patient_fees, pattern=callbacks.FEES_SHOW_PATTERN
            ),
            CommandHandler("report", reports.ask_period, message),
            CallbackQueryHandler(reports.send_report, pattern=reports.PERIOD_PATTERN),
            CommandHandler("attendance", attendance.choose_session, message),
            CallbackQueryHandler(attendance.press, pattern=callbacks.ATTENDANCE_PATTERN),
            CallbackQueryHandler(messages.forward_note, pattern=callbacks.FORWARD_NOTE_PATTERN),
            CallbackQueryHandler(
                crisis.receive_safety_answer, pattern=callbacks.SAFETY_ANSWER_PATTERN
            ),
            CallbackQueryHandler(crisis.take_alert, pattern=callbacks.SAFETY_TAKE_PATTERN),
            CallbackQueryHandler(crisis.pass_worry_on, pattern=callbacks.BUDDY_WORRY_PATTERN),
            CallbackQueryHandler(
                messages.coming_or_late, pattern=callbacks.REMINDER_CONFIRM_OR_LATE_PATTERN
            ),
            CallbackQueryHandler(
                messages.how_late, pattern=callbacks.REMINDER_LATE_MINUTES_PATTERN
            ),
            # Catch-alls last, so every update gets an answer.
            MessageHandler(message & filters.COMMAND, common.unknown_command),
            MessageHandler(message, common.unsupported_media),
            CallbackQueryHandler(common.stale_button),
        ],
        group=0,
    )
    application.add_handler(TypeHandler(Update, flush_persistence), group=1)
    application.add_error_handler(common.on_error)


async def _extend_and_replan_job(context: BotContext) -> None:
    now = context.clock.now()
    added = await extend_occurrences(context.db, now, now + HORIZON)
    await context.notifier.replan()
    # Misses age out of the window; absences reported ahead count once their session passed.
    await recheck_flags(context.services)
    await charge_due_fees(context.services)
    log.info("extended occurrences (%d added) and re-planned notifications", added)


async def _charge_fees_job(context: BotContext) -> None:
    charged = await charge_due_fees(context.services)
    if charged:
        log.info("charged %d fees for missed sessions", charged)


async def _settle_marks_job(context: BotContext) -> None:
    await settle_marks(context.services)


async def _digest_job(context: BotContext) -> None:
    await weekly_digest(context.db, context.notifier, context.config, context.clock.now())


async def _on_startup(application: Application, services: Services, simulated_time: bool) -> None:
    for language in (SPANISH, ENGLISH):  # Telegram shows a newcomer the menu in their language
        menu = texts_for(language).COMMANDS[Role.UNKNOWN]
        commands = [BotCommand(name, text) for name, text in menu]
        await application.bot.set_my_commands(
            commands, language_code=None if language == ENGLISH else language
        )
    now = services.clock.now()
    await extend_occurrences(services.db, now, now + HORIZON)
    await note_fee_terms(services)  # fees apply to sessions missed from now on
    await services.notifier.start()
    if simulated_time:
        return  # the caller moves the clock and runs what falls due
    jobs = application.job_queue
    jobs.run_repeating(
        _extend_and_replan_job, interval=EXTEND_EVERY, first=EXTEND_EVERY, name="extend"
    )
    jobs.run_repeating(
        _look_for_new_rows,
        interval=LOOK_FOR_NEW_ROWS,
        first=LOOK_FOR_NEW_ROWS,
        name="look",
        # A burst can outlast the interval; the next look then returns at once (run_due is
        # already running), so a second instance is expected, not worth a warning.
        job_kwargs={"max_instances": 2, "coalesce": True},
    )
    jobs.run_repeating(_settle_marks_job, interval=SETTLE_EVERY, first=SETTLE_EVERY, name="settle")
    jobs.run_repeating(
        _charge_fees_job, interval=CHARGE_FEES_EVERY, first=timedelta(minutes=2), name="fees"
    )
    reports = services.config.reports
    if reports.digest_day is not None:
        at = reports.digest_time.replace(tzinfo=services.config.program.timezone)
        # PTB counts days from Sunday (0); Python's weekday() from Monday (0).
        jobs.run_daily(_digest_job, time=at, days=((reports.digest_day + 1) % 7,), name="digest")


@asynccontextmanager
async def running(
    config: Config,
    clock: Clock,
    request: BaseRequest | None = None,
    reader: MessageReader | None = None,
    *,
    simulated_time: bool = False,
) -> AsyncIterator[Application]:
    """Open the database, start the application (without polling) and close both after.

    The message reader is built (and warmed) before the first update, unless one is given.
    """
    reader = reader or MessageReader(Thresholds.from_config(config))
    db = await Database.open(config.storage.path)
    try:
        application = build_application(
            config, db, clock, reader, request, simulated_time=simulated_time
        )
        async with application:
            await _on_startup(application, application.bot_data[SERVICES], simulated_time)
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
