"""The outbox dispatcher: claims due rows, re-checks them, sends them, records the results.

Delivery guarantee. A row is claimed (``sending``, attempts + 1, committed) before its
message is sent, and its result is committed as soon as Telegram answers, one small
transaction per message. So after a crash or SIGKILL at any instant:

- nothing due is lost: rows still ``pending`` are sent when the bot is back (if not stale),
  and rows left ``sending`` are put back to ``pending`` by ``Dispatcher.start``;
- nothing stale is sent: a row is never sent at or after its ``expires_at``;
- nothing is sent twice, except a message in flight at the instant of the crash (sent, but
  its result not yet committed) may go out once more. Telegram has no idempotency key, so
  this window (one HTTP round trip plus one commit per message) cannot be closed. A send
  that timed out may likewise have been delivered and is retried.

Errors: 429 puts the rows back at ``now + retry_after`` and pauses all sending that long
(not counted as a failure, never dropped); timeouts, network errors and 5xx retry with
backoff (5 s, 30 s, 2 min, 10 min, 30 min) and fail after ``max_failures``; a recipient who
blocked the bot is marked unreachable, their pending rows are cancelled and their therapist
gets one alert (a blocked buddy link is ended); a bad request fails the row.

Pace: at most ``rate`` messages per second overall and one per ``per_chat_interval`` per
chat, by virtual scheduling on the injected clock (so tests control time). Several rows
due to one chat at once are merged into one message.

Wiring (the app): call ``Dispatcher.start()`` once after migrating, then
``bot.outbox.replan.replan`` after a schedule import, a registration, a preference change,
an absence report or withdrawal, and a buddy change (and every few hours, to extend the
window); after each, and after enqueuing an alert, call ``OutboxWakeup.refresh``. The one
scheduler job (fixed id, replaced on every refresh) calls ``Dispatcher.run_due()``, which
refreshes the wake-up itself when done.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol, TypeVar

from bot.clock import Clock
from bot.i18n import writing_for
from bot.outbox.delivery import Buttons, OutgoingMessage, merge_messages
from bot.outbox.notices import staff_alert_unreachable
from bot.outbox.rows import OutboxRow
from storage import outbox as store
from storage.db import Database, DatabaseBusy

log = logging.getLogger(__name__)
T = TypeVar("T")

RETRY_BACKOFF = (
    timedelta(seconds=5),
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(minutes=30),
)
MAX_FAILURES = 6


class SendStatus(StrEnum):
    OK = "ok"
    RETRY_AFTER = "retry_after"
    TRANSIENT = "transient"
    BLOCKED = "blocked"
    BAD_REQUEST = "bad_request"


@dataclass(frozen=True)
class SendResult:
    """How one send ended, with no Telegram types in it."""

    status: SendStatus
    message_id: int | None = None
    retry_after: float = 0.0
    error: str = ""

    @classmethod
    def ok(cls, message_id: int) -> SendResult:
        return cls(SendStatus.OK, message_id=message_id)

    @classmethod
    def wait(cls, seconds: float, error: str = "429 Too Many Requests") -> SendResult:
        return cls(SendStatus.RETRY_AFTER, retry_after=seconds, error=error)

    @classmethod
    def transient(cls, error: str) -> SendResult:
        return cls(SendStatus.TRANSIENT, error=error)

    @classmethod
    def blocked(cls, error: str) -> SendResult:
        return cls(SendStatus.BLOCKED, error=error)

    @classmethod
    def bad_request(cls, error: str) -> SendResult:
        return cls(SendStatus.BAD_REQUEST, error=error)


class Sender(Protocol):
    async def send(
        self, chat_id: int, text: str, buttons: Buttons | None, silent: bool = False
    ) -> SendResult:
        """Send one text message (without a sound if ``silent``); never raise for a Telegram
        error, return it instead."""
        ...


Sleep = Callable[[float], Awaitable[None]]


# How late after its slot a send may still go: more means the loop stalled (see acquire).
STALL_TOLERANCE = 0.05


class RateLimiter:
    """Spaces sends: ``rate`` per second overall, one per ``per_chat_interval`` per chat.

    Each caller reserves the next free slot (virtual scheduling), so a burst never goes
    faster than the rate and idle time earns no credit. A chat that had a message less than
    ``per_chat_interval`` ago waits without holding up other chats.
    """

    def __init__(self, rate: float, per_chat_interval: float, clock: Clock, sleep: Sleep):
        if rate <= 0:
            raise ValueError("rate must be positive")
        self._interval = 1.0 / rate
        self._per_chat = per_chat_interval
        self._clock, self._sleep = clock, sleep
        self._next = 0.0
        self._chat_next: dict[int, float] = {}

    def _now(self) -> float:
        return self._clock.now().timestamp()

    async def acquire(self, chat_id: int) -> None:
        while True:
            slot = await self._reserve(chat_id)
            now = self._now()
            if slot > now:
                await self._sleep(slot - now)
            # Woken well after the slot (the event loop stalled): every send whose slot also
            # passed would go at once. Take a fresh slot instead, so a stall is no burst.
            if self._now() - slot <= max(self._interval, STALL_TOLERANCE):
                return
            self._chat_next.pop(chat_id, None)  # its last message was long enough ago

    async def _reserve(self, chat_id: int) -> float:
        while True:
            now = self._now()
            slot = max(now, self._next)
            chat_ready = self._chat_next.get(chat_id, 0.0)
            if chat_ready <= slot:
                break
            await self._sleep(chat_ready - now)
        # No await between reading and taking the slot: no other task can take it.
        self._next = slot + self._interval
        self._chat_next[chat_id] = slot + self._per_chat
        if len(self._chat_next) > 10_000:
            self._chat_next = {c: t for c, t in self._chat_next.items() if t > now}
        return slot

    def pause_until(self, moment: datetime) -> None:
        """Hold every send until ``moment`` (Telegram said 429: wait, whoever asks)."""
        self._next = max(self._next, moment.timestamp())


@dataclass
class DispatchReport:
    messages: int = 0
    sent: int = 0
    skipped: int = 0
    retried: int = 0
    failed: int = 0
    blocked: int = 0


class OutboxWakeup:
    """Keeps the one scheduler job at the next due outbox row, framework-free.

    ``schedule_at(when)`` must replace the previous job (a fixed job id) and remove it when
    ``when`` is None. With PTB's JobQueue::

        def schedule_at(when):
            for job in job_queue.get_jobs_by_name("outbox"):
                job.schedule_removal()
            if when is not None:
                job_queue.run_once(run_outbox, when=max(when, clock.now()), name="outbox",
                                   job_kwargs={"id": "outbox", "replace_existing": True,
                                               "misfire_grace_time": None})

    where ``run_outbox`` awaits ``dispatcher.run_due()``.
    """

    def __init__(self, schedule_at: Callable[[datetime | None], object]) -> None:
        self._schedule_at = schedule_at

    async def refresh(self, db: Database) -> datetime | None:
        when = await store.next_due_at(db)
        self._schedule_at(when)
        return when


class Dispatcher:
    """Sends due outbox rows through a ``Sender``; one per database."""

    def __init__(
        self,
        db: Database,
        sender: Sender,
        clock: Clock,
        *,
        rate: float = 30.0,
        per_chat_interval: float = 1.0,
        batch_size: int | None = None,
        max_failures: int = MAX_FAILURES,
        backoff: Sequence[timedelta] = RETRY_BACKOFF,
        linger: timedelta = timedelta(seconds=2),
        sleep: Sleep = asyncio.sleep,
        wakeup: OutboxWakeup | None = None,
    ) -> None:
        self._db, self._sender, self._clock = db, sender, clock
        self._limiter = RateLimiter(rate, per_chat_interval, clock, sleep)
        # About one second of sends per claim: few rows are ever "in flight" at a crash.
        self._batch_size = batch_size or max(1, int(rate))
        self._max_failures = max_failures
        self._backoff = tuple(backoff)
        self._linger = linger
        self._sleep = sleep
        self._wakeup = wakeup
        self._running = False
        self._again = False

    async def start(self) -> int:
        """Put rows a crash left in flight back in the queue; returns how many."""
        released = await store.release_in_flight(self._db, self._clock.now())
        if released:
            log.warning(
                "%d outbox row(s) were claimed when the bot stopped; sending them again"
                " (one that had already reached Telegram may arrive twice)",
                released,
            )
        if self._wakeup:
            await self._wakeup.refresh(self._db)
        return released

    async def next_due_at(self) -> datetime | None:
        return await store.next_due_at(self._db)

    async def run_due(self) -> DispatchReport:
        """Send everything due, until nothing is due within ``linger``.

        A call while another run is going returns at once; the running one picks up the
        new rows before it stops.
        """
        report = DispatchReport()
        if self._running:
            self._again = True
            return report
        self._running = True
        try:
            await self._run(report)
        finally:
            self._running = False
        if self._wakeup:
            await self._wakeup.refresh(self._db)
        return report

    async def _run(self, report: DispatchReport) -> None:
        """Claim, send, record: a pipeline that keeps the limiter busy.

        The next batch is claimed as soon as every message of the last one holds a send
        slot, not when the last one has been answered, so the rate is kept while rows are
        due. Results are committed in groups by ``_SentLog`` as they come back, so what is
        sent but not yet recorded (what a crash would send twice) stays about ``rate``
        times the round trip plus one commit.
        """
        sent_log = _SentLog(self._db, self._sleep)
        in_flight: set[asyncio.Task[None]] = set()
        try:
            while True:
                self._again = False
                now = self._clock.now()
                claim = await _bookkeeping(
                    lambda now=now: store.claim_due(self._db, now, self._batch_size), self._sleep
                )
                report.skipped += claim.skipped
                if claim.undeliverable_alerts:
                    log.error(
                        "%d staff alert(s) not delivered: the therapist cannot be reached on"
                        " Telegram (blocked the bot or never joined)",
                        claim.undeliverable_alerts,
                    )
                if claim.send:
                    rows = {row.id: row for row in claim.send}
                    slotted = []
                    for message in merge_messages(claim.send, now):
                        ready = asyncio.Event()
                        slotted.append(ready)
                        task = asyncio.create_task(
                            self._deliver(message, rows, report, sent_log, ready)
                        )
                        in_flight.add(task)
                        task.add_done_callback(in_flight.discard)
                    await asyncio.gather(*(ready.wait() for ready in slotted))
                    continue
                if claim.skipped or self._again:
                    continue
                if in_flight:  # answers still coming: they may free nothing, but wait
                    await asyncio.gather(*in_flight)
                    continue
                due = await store.next_due_at(self._db)
                if due is None or due - self._clock.now() > self._linger:
                    return
                await self._sleep(max(0.0, (due - self._clock.now()).total_seconds()))
        finally:
            if in_flight:
                await asyncio.gather(*in_flight, return_exceptions=True)
            await sent_log.drain()

    async def _deliver(
        self,
        message: OutgoingMessage,
        rows: dict[int, OutboxRow],
        report: DispatchReport,
        sent_log: _SentLog,
        slotted: asyncio.Event,
    ) -> None:
        try:
            await self._limiter.acquire(message.chat_id)
        finally:
            slotted.set()
        try:
            result = await self._sender.send(
                message.chat_id, message.text, message.buttons, message.silent
            )
        except Exception as error:  # a bug in a Sender must not strand rows in 'sending'
            log.exception("sender raised for chat %s", message.chat_id)
            result = SendResult.transient(f"sender raised {error!r}")
        now = self._clock.now()
        ids = message.row_ids
        match result.status:
            case SendStatus.OK:
                sent_log.add(ids, result.message_id, now)
                report.messages += 1
                report.sent += len(ids)
            case SendStatus.RETRY_AFTER:
                until = now + timedelta(seconds=result.retry_after)
                self._limiter.pause_until(until)
                await _bookkeeping(
                    lambda: store.record_retry(
                        self._db, [(i, until) for i in ids], result.error, now, failure=False
                    ),
                    self._sleep,
                )
                report.retried += len(ids)
            case SendStatus.TRANSIENT:
                await self._retry_later([rows[i] for i in ids], result.error, now, report)
            case SendStatus.BLOCKED:
                await self._blocked([rows[i] for i in ids], result.error, now)
                report.blocked += len(ids)
            case SendStatus.BAD_REQUEST:
                await _bookkeeping(
                    lambda: store.record_failed(self._db, ids, result.error, now), self._sleep
                )
                report.failed += len(ids)

    async def _retry_later(
        self, rows: list[OutboxRow], error: str, now: datetime, report: DispatchReport
    ) -> None:
        """Back off per row; a row that will have failed ``max_failures`` times gives up.
        A retry due after the row expires is simply skipped as stale then."""
        retry, give_up = [], []
        for row in rows:
            failures = row.failures + 1
            if failures >= self._max_failures:
                give_up.append(row.id)
            else:
                delay = self._backoff[min(failures, len(self._backoff)) - 1]
                retry.append((row.id, now + delay))
        if retry:
            await _bookkeeping(
                lambda: store.record_retry(self._db, retry, error, now, failure=True), self._sleep
            )
            report.retried += len(retry)
        if give_up:
            await _bookkeeping(
                lambda: store.record_failed(self._db, give_up, error, now), self._sleep
            )
            report.failed += len(give_up)

    async def _blocked(self, rows: list[OutboxRow], error: str, now: datetime) -> None:
        """Stop writing to whoever blocked the bot; the therapist hears about a patient."""
        people = {row.person_id for row in rows if row.person_id is not None}
        buddies = {row.buddy_id for row in rows if row.buddy_id is not None}
        for person_id in people:
            ids = [row.id for row in rows if row.person_id == person_id]
            contact = await store.person_contact(self._db, person_id)
            alert = None
            if (
                contact is not None
                and contact.role == "patient"
                and contact.therapist_id is not None
                and contact.therapist_chat_id is not None
            ):
                with writing_for(contact.therapist_language):
                    alert = staff_alert_unreachable(
                        contact.therapist_id,
                        contact.therapist_chat_id,
                        person_id,
                        contact.name,
                        now,
                    )
            await store.record_blocked_person(self._db, ids, person_id, error, now, alert)
        for buddy_id in buddies:
            ids = [row.id for row in rows if row.buddy_id == buddy_id]
            await store.record_blocked_buddy(self._db, ids, buddy_id, error, now)


async def _bookkeeping(write: Callable[[], Awaitable[T]], sleep: Sleep) -> T:
    """Run an outbox write, waiting out a database another process holds for a moment.

    The send already happened (or must not happen again): the bookkeeping is retried,
    never the send. Other errors go up.
    """
    delay = 0.05
    while True:
        try:
            return await write()
        except DatabaseBusy:
            log.warning("the database is busy; retrying the outbox bookkeeping")
            await sleep(delay)
            delay = min(delay * 2, 2.0)


class _SentLog:
    """Records sent messages in groups: one commit for everything answered meanwhile.

    A commit per message is fsync-bound and queues behind the sends; grouping keeps what is
    sent but not yet recorded to about one commit's worth.
    """

    def __init__(self, db: Database, sleep: Sleep) -> None:
        self._db, self._sleep = db, sleep
        self._pending: list[tuple[Sequence[int], int | None, datetime]] = []
        self._task: asyncio.Task[None] | None = None

    def add(self, row_ids: Sequence[int], message_id: int | None, at: datetime) -> None:
        self._pending.append((row_ids, message_id, at))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._flush())

    async def _flush(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            await _bookkeeping(lambda batch=batch: store.record_sent_many(self._db, batch),
                               self._sleep)  # fmt: skip

    async def drain(self) -> None:
        while self._task is not None and not self._task.done():
            await self._task
