"""The outbox on a real SQLite file: planning, re-checks, crashes, errors and rate limits.

A fake clock drives time; ``Timeline.sleep`` moves it instead of waiting. Sends go to a
``FakeSender`` (a plain class returning scripted results), and the last tests go through
``TelegramSender`` against the fake Bot API.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from telegram import Bot

from bot.clock import FakeClock
from bot.config import RemindersConfig
from bot.fake_telegram import FakeBotApi, FakeRequest, InjectedError
from bot.invites import hash_code, issue_invite
from bot.kinds import Role
from bot.outbox.dispatcher import Dispatcher, OutboxWakeup, RateLimiter, SendResult
from bot.outbox.notices import staff_alert_unreachable
from bot.outbox.replan import sync_reminders
from bot.outbox.rows import (
    NotificationKind,
    OutboxRow,
    OutboxStatus,
    Planned,
    Priority,
    person_event,
    person_key,
)
from bot.outbox.telegram_sender import TelegramSender
from bot.schedule.file import parse_schedule
from bot.schedule.sync import import_schedule
from storage import buddies as buddy_store
from storage import outbox as store
from storage import people
from storage import preferences as preference_store
from storage.buddies import BuddyEndedBy
from storage.db import Database, DatabaseBusy
from storage.outbox import SyncSummary
from storage.records import Person
from tests.helpers.clinic import SCHEDULE

NEW_YORK = ZoneInfo("America/New_York")
MONDAY_9AM = datetime(2026, 11, 30, 9, 0, tzinfo=NEW_YORK)
MONDAY_6PM = datetime(2026, 11, 30, 18, 0, tzinfo=NEW_YORK)
REMINDERS = RemindersConfig()
LEE, ALEX, SAM, KIM = 501, 777, 778, 779  # Telegram ids (= private chat ids)


class Timeline:
    """``sleep`` for a fake clock: yield to the other tasks, then move the clock forward."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock

    async def sleep(self, seconds: float) -> None:
        target = self.clock.now() + timedelta(seconds=seconds)
        await asyncio.sleep(0)
        if self.clock.now() < target:
            self.clock.set(target)


@dataclass(frozen=True)
class Delivered:
    at: datetime
    chat_id: int
    text: str
    buttons: list[list[tuple[str, str]]] | None
    message_id: int


@dataclass
class FakeSender:
    """Records what reached each chat; scripted results stand in for Telegram's errors."""

    clock: FakeClock
    delivered: list[Delivered] = field(default_factory=list)
    scripted: dict[int, list[SendResult]] = field(default_factory=dict)
    hang: set[int] = field(default_factory=set)

    def script(self, chat_id: int, *results: SendResult) -> None:
        self.scripted.setdefault(chat_id, []).extend(results)

    async def send(
        self,
        chat_id: int,
        text: str,
        buttons: list[list[tuple[str, str]]] | None,
        silent: bool = False,
    ) -> SendResult:
        if self.scripted.get(chat_id):
            return self.scripted[chat_id].pop(0)
        message_id = len(self.delivered) + 1
        self.delivered.append(Delivered(self.clock.now(), chat_id, text, buttons, message_id))
        if chat_id in self.hang:
            # Telegram has it, but the answer never comes back: the process dies right here.
            await asyncio.Event().wait()
        return SendResult.ok(message_id)

    def to(self, chat_id: int) -> list[str]:
        return [d.text for d in self.delivered if d.chat_id == chat_id]


@dataclass
class Clinic:
    path: Path
    db: Database
    clock: FakeClock
    sender: FakeSender
    people: dict[int, Person]
    scheduled: list[datetime | None] = field(default_factory=list)

    def dispatcher(self, **kwargs: object) -> Dispatcher:
        options: dict[str, object] = {
            "sleep": Timeline(self.clock).sleep,
            "linger": timedelta(0),
            "wakeup": OutboxWakeup(self.scheduled.append),
        }
        options.update(kwargs)
        return Dispatcher(self.db, self.sender, self.clock, **options)  # type: ignore[arg-type]

    async def replan(self, patient_ids: frozenset[int] | None = None) -> SyncSummary:
        return await sync_reminders(self.db, REMINDERS, self.clock.now(), patient_ids)

    async def at(self, moment: datetime, **kwargs: object) -> None:
        """Set the clock and let the dispatcher do what is due."""
        self.clock.set(moment)
        await self.dispatcher(**kwargs).run_due()

    def id_of(self, telegram_id: int) -> int:
        return self.people[telegram_id].id

    async def rows(self, **filters: object) -> list[OutboxRow]:
        return await store.outbox_rows(self.db, **filters)  # type: ignore[arg-type]

    async def occurrence_id(self, local_date: str) -> int:
        row = await self.db.fetch_one(
            "SELECT id FROM occurrences WHERE local_date = ?", (local_date,)
        )
        return row["id"]


async def register(
    db: Database, clock: FakeClock, role: Role, handle: str, name: str, telegram_id: int,
    zone: str, **kwargs: object,
) -> Person:  # fmt: skip
    invite = await issue_invite(
        db, role=role, now=clock.now(), valid_for=timedelta(days=14), handle=handle, name=name,
        **kwargs,  # type: ignore[arg-type]
    )  # fmt: skip
    check = await people.check_invite(db, hash_code(invite.code), telegram_id, clock.now())
    # They joined a week ago: reminders due since then are owed to them (downtime catch-up).
    person = await people.register(
        db, invite_id=check.invite_id, telegram_id=telegram_id, chat_id=telegram_id,
        timezone=zone, now=clock.now() - timedelta(days=7), consented=True,
    )  # fmt: skip
    assert person is not None
    return person


async def import_evening_group(db: Database, now: datetime, **extra: object) -> None:
    raw = {**SCHEDULE, **extra}
    await import_schedule(db, parse_schedule(raw, Path("s.toml"), NEW_YORK), now)


@pytest.fixture
async def clinic(tmp_path: Path) -> AsyncIterator[Clinic]:
    """Dr. Lee leads Evening Group A (Mon, Wed, Thu 18:00 New York); Alex (New York), Sam
    (Los Angeles) and Kim (New York) are in it. It is Monday 30 Nov 2026, 9:00."""
    clock = FakeClock(MONDAY_9AM)
    path = tmp_path / "bot.sqlite3"
    db = await Database.open(path)
    try:
        registered = {}
        registered[LEE] = await register(
            db, clock, Role.THERAPIST, "lee", "Dr. Lee", LEE, "America/New_York"
        )
        await import_evening_group(db, clock.now())
        for telegram_id, handle, name, zone in (
            (ALEX, "alex", "Alex R.", "America/New_York"),
            (SAM, "sam", "Sam", "America/Los_Angeles"),
            (KIM, "kim", "Kim", "America/New_York"),
        ):
            registered[telegram_id] = await register(
                db, clock, Role.PATIENT, handle, name, telegram_id, zone,
                therapist="lee", groups=("evening-a",),
            )  # fmt: skip
        clinic = Clinic(path, db, clock, FakeSender(clock), registered)
    except BaseException:
        await db.close()
        raise
    try:
        yield clinic
    finally:
        await clinic.db.close()


# --- planning into the database


async def test_reminders_go_out_at_their_lead_times_exactly_once(clinic: Clinic) -> None:
    await clinic.replan()

    # Monday's 24h reminder fell due yesterday, before anyone had joined: still useful.
    await clinic.at(MONDAY_9AM)
    assert clinic.sender.to(ALEX) == [
        "⏰ Reminder: your appointment today at 6:00 pm (in 9 hours).\nGroup Therapy"
    ]
    assert clinic.sender.to(SAM) == [
        "⏰ Reminder: your appointment today at 3:00 pm (in 9 hours).\nGroup Therapy"
    ]
    assert clinic.scheduled[-1] == MONDAY_6PM - timedelta(hours=1)

    await clinic.at(MONDAY_9AM + timedelta(hours=1))
    assert len(clinic.sender.delivered) == 3  # nothing new is due

    await clinic.at(MONDAY_6PM - timedelta(hours=1))
    assert clinic.sender.to(ALEX)[-1] == (
        "⏰ Reminder: your appointment today at 6:00 pm (in 1 hour).\nGroup Therapy"
    )
    last = clinic.sender.delivered[-1]
    occurrence = await clinic.occurrence_id("2026-11-30")
    assert last.buttons == [
        [
            ("I'll be there", f"r:c:{occurrence}"),
            ("Can't make it", f"r:a:{occurrence}"),
            ("Running late", f"r:l:{occurrence}"),
        ]
    ]

    await clinic.at(MONDAY_6PM)
    assert clinic.sender.to(KIM)[-1] == (
        "Your appointment is starting now.\nGroup Therapy: join here: https://video.example/evening-a"
    )

    await clinic.at(MONDAY_6PM + timedelta(days=1))
    assert (
        clinic.sender.to(ALEX)[-1]
        == "⏰ Reminder: your appointment tomorrow at 6:00 pm.\nGroup Therapy"
    )
    assert [len(clinic.sender.to(chat)) for chat in (ALEX, SAM, KIM)] == [4, 4, 4]
    sent = await clinic.rows(status=OutboxStatus.SENT)
    assert len(sent) == 12
    assert all(r.telegram_message_id and r.sent_at and r.attempts == 1 for r in sent)


async def test_downtime_sends_what_is_still_useful_and_skips_the_stale(clinic: Clinic) -> None:
    await clinic.replan()
    await clinic.at(MONDAY_9AM)

    # Down from 16:50 to 17:40: the 1h reminder (due 17:00) still goes, with the right words.
    await clinic.at(MONDAY_6PM - timedelta(minutes=20))
    assert clinic.sender.to(ALEX)[-1] == (
        "⏰ Reminder: your appointment today at 6:00 pm (in 20 minutes).\nGroup Therapy"
    )

    # Down again until 18:20: the check-in (18:00-18:15) is stale, never sent late.
    await clinic.at(MONDAY_6PM + timedelta(minutes=20))
    assert len(clinic.sender.to(ALEX)) == 2
    checkins = await clinic.rows(kind=NotificationKind.CHECKIN, status=OutboxStatus.SKIPPED)
    assert {(r.chat_id, r.last_error) for r in checkins} == {
        (ALEX, "stale"),
        (SAM, "stale"),
        (KIM, "stale"),
    }


async def test_a_late_start_skips_reminders_whose_session_began(clinic: Clinic) -> None:
    await clinic.replan()
    await clinic.at(MONDAY_6PM + timedelta(hours=4))  # the bot was down all day
    assert clinic.sender.delivered == []
    skipped = await clinic.rows(status=OutboxStatus.SKIPPED)
    assert {(r.kind, r.variant) for r in skipped} == {
        (NotificationKind.REMINDER, "24h"),
        (NotificationKind.REMINDER, "1h"),
        (NotificationKind.CHECKIN, "start"),
    }


async def test_replanning_is_idempotent(clinic: Clinic) -> None:
    first = await clinic.replan()
    rows = await clinic.rows()
    again = await clinic.replan()

    # 4 sessions in the next 8 days x 3 patients x (2 reminders + a check-in)
    assert first == SyncSummary(added=36, updated=0, cancelled=0)
    assert again == SyncSummary(added=0, updated=0, cancelled=0)
    assert await clinic.rows() == rows


async def test_a_preference_change_re_plans_one_patient(clinic: Clinic) -> None:
    await clinic.replan()
    alex = clinic.id_of(ALEX)
    await preference_store.set_reminder_lead_times(
        clinic.db, alex, [timedelta(hours=2)], clinic.clock.now()
    )
    assert await preference_store.reminder_lead_times(clinic.db, alex) == (timedelta(hours=2),)

    summary = await clinic.replan(frozenset({alex}))

    assert summary == SyncSummary(added=4, updated=0, cancelled=8)
    pending = await clinic.rows(kind=NotificationKind.REMINDER, status=OutboxStatus.PENDING)
    assert {r.variant for r in pending if r.patient_id == alex} == {"2h"}
    assert {r.variant for r in pending if r.chat_id == SAM} == {"24h", "1h"}

    # Back to the program's default: the cancelled rows come back, the 2h ones go.
    await preference_store.clear_reminder_lead_times(clinic.db, alex)
    summary = await clinic.replan(frozenset({alex}))
    assert summary == SyncSummary(added=0, updated=8, cancelled=4)


async def test_a_moved_session_is_withdrawn_until_re_planned(clinic: Clinic) -> None:
    await clinic.replan()
    await clinic.at(MONDAY_9AM)
    moved = {**SCHEDULE, "series": [{**SCHEDULE["series"][0], "start": "19:00"}]}
    await import_schedule(
        clinic.db, parse_schedule(moved, Path("s.toml"), NEW_YORK), clinic.clock.now()
    )

    # Not re-planned yet: the 17:00 reminder is for a time that no longer holds.
    await clinic.at(MONDAY_6PM - timedelta(hours=1))
    assert len(clinic.sender.to(ALEX)) == 1
    (skipped,) = await clinic.rows(status=OutboxStatus.SKIPPED, chat_id=ALEX)
    assert skipped.last_error == "session moved"

    summary = await clinic.replan()
    assert summary.updated > 0
    await clinic.at(MONDAY_6PM)
    assert clinic.sender.to(ALEX)[-1] == (
        "⏰ Reminder: your appointment today at 7:00 pm (in 1 hour).\nGroup Therapy"
    )


async def test_the_database_enforces_the_idempotency_key(clinic: Clinic) -> None:
    await clinic.replan()
    with sqlite3.connect(clinic.path) as raw, pytest.raises(sqlite3.IntegrityError):
        raw.execute(
            "INSERT INTO outbox (kind, occurrence_id, recipient_key, variant, chat_id,"
            " person_id, due_at, payload, created_at, updated_at)"
            " SELECT kind, occurrence_id, recipient_key, variant, chat_id, person_id,"
            " due_at, payload, created_at, updated_at FROM outbox LIMIT 1"
        )
    raw.close()

    # An alert with no occurrence is still planned once (NULLs are not distinct here).
    lee, alex = clinic.people[LEE], clinic.people[ALEX]
    alert = staff_alert_unreachable(lee.id, LEE, alex.id, alex.name, clinic.clock.now())
    assert await store.enqueue(clinic.db, [alert], clinic.clock.now()) == 1
    assert await store.enqueue(clinic.db, [alert, alert], clinic.clock.now()) == 0


# --- re-checked at send time


async def test_a_session_cancelled_after_planning_is_not_reminded(clinic: Clinic) -> None:
    await clinic.replan()
    await clinic.at(MONDAY_9AM)
    await import_evening_group(
        clinic.db,
        clinic.clock.now(),
        cancel=[{"series": "evening-a-group", "date": date(2026, 12, 2)}],
    )

    await clinic.at(MONDAY_6PM + timedelta(days=1))  # Wednesday's 24h reminders fall due

    assert all("tomorrow" not in text for d in clinic.sender.delivered for text in [d.text])
    wednesday = await clinic.occurrence_id("2026-12-02")
    skipped = [
        r for r in await clinic.rows(status=OutboxStatus.SKIPPED) if r.occurrence_id == wednesday
    ]
    assert {(r.chat_id, r.last_error) for r in skipped} == {
        (ALEX, "session cancelled"),
        (SAM, "session cancelled"),
        (KIM, "session cancelled"),
    }


async def test_an_absence_reported_after_planning_withdraws_the_reminder(clinic: Clinic) -> None:
    await clinic.replan()
    await clinic.at(MONDAY_9AM)
    occurrence = await clinic.occurrence_id("2026-11-30")
    async with clinic.db.transaction() as conn:
        await conn.execute(
            "INSERT INTO absences (patient_id, occurrence_id, kind, reason, reported_at,"
            " lead_minutes) VALUES (?, ?, 'upcoming', 'work', '2026-11-30T15:00:00Z', 480)",
            (clinic.id_of(ALEX), occurrence),
        )

    await clinic.at(MONDAY_6PM - timedelta(hours=1))
    await clinic.at(MONDAY_6PM)

    assert len(clinic.sender.to(ALEX)) == 1  # only the morning's reminder
    assert len(clinic.sender.to(SAM)) == 3
    withdrawn = await clinic.rows(status=OutboxStatus.SKIPPED, chat_id=ALEX)
    assert {(r.kind, r.last_error) for r in withdrawn} == {
        (NotificationKind.REMINDER, "absence reported"),
        (NotificationKind.CHECKIN, "absence reported"),
    }


async def test_the_checkin_is_only_for_patients_who_have_not_confirmed(clinic: Clinic) -> None:
    await clinic.replan()
    occurrence = await clinic.occurrence_id("2026-11-30")
    async with clinic.db.transaction() as conn:
        await conn.execute(
            "INSERT INTO attendance (patient_id, occurrence_id, status, source, updated_at)"
            " VALUES (?, ?, 'confirmed', 'patient', '2026-11-30T14:00:00Z')",
            (clinic.id_of(ALEX), occurrence),
        )

    await clinic.at(MONDAY_6PM - timedelta(hours=1))
    await clinic.at(MONDAY_6PM)

    assert "starting now" not in clinic.sender.to(ALEX)[-1]  # confirmed: reminders only
    assert "starting now" in clinic.sender.to(SAM)[-1]


# --- merging, pacing and errors


async def test_rows_due_to_one_chat_go_as_one_message(clinic: Clinic) -> None:
    await clinic.replan()
    await clinic.at(MONDAY_9AM)
    alex = clinic.people[ALEX]
    # A notice (not catch-up material: that only goes to patients marked absent).
    material = Planned(
        NotificationKind.NOTICE, await clinic.occurrence_id("2026-11-30"), person_key(alex.id),
        "reading", ALEX, alex.id, None, alex.id, None, MONDAY_6PM - timedelta(hours=1), None,
        json.dumps({"text": "📎 Tonight's reading: https://files.example/reading.pdf"}),
    )  # fmt: skip
    await store.enqueue(clinic.db, [material], clinic.clock.now())

    await clinic.at(MONDAY_6PM - timedelta(hours=1))

    assert clinic.sender.to(ALEX)[-1] == (
        "⏰ Reminder: your appointment today at 6:00 pm (in 1 hour).\nGroup Therapy\n\n"
        "📎 Tonight's reading: https://files.example/reading.pdf"
    )
    rows = await clinic.rows(status=OutboxStatus.SENT, chat_id=ALEX)
    tonight = [r for r in rows if r.sent_at >= MONDAY_6PM - timedelta(hours=1)]
    assert len(tonight) == 2 and len({r.telegram_message_id for r in tonight}) == 1


async def test_sending_respects_the_overall_and_per_chat_rates(clinic: Clinic) -> None:
    timeline = Timeline(clinic.clock)
    limiter = RateLimiter(2.0, 1.0, clinic.clock, timeline.sleep)
    stamps: list[tuple[int, datetime]] = []

    async def send(chat_id: int) -> None:
        await limiter.acquire(chat_id)
        stamps.append((chat_id, clinic.clock.now()))

    await asyncio.gather(*(send(chat) for chat in (1, 2, 3, 1, 4)))

    times = [t for _, t in stamps]
    assert all(b - a >= timedelta(seconds=0.5) for a, b in itertools.pairwise(times))
    chat_one = [t for chat, t in stamps if chat == 1]
    assert chat_one[1] - chat_one[0] >= timedelta(seconds=1)


async def test_a_stalled_event_loop_does_not_turn_into_a_burst(clinic: Clinic) -> None:
    timeline = Timeline(clinic.clock)
    stalled = False

    async def stalling_sleep(seconds: float) -> None:
        nonlocal stalled
        await timeline.sleep(seconds)
        if not stalled:  # the loop is held up for half a second once, after the first wait
            stalled = True
            clinic.clock.advance(timedelta(seconds=0.5))

    limiter = RateLimiter(30.0, 1.0, clinic.clock, stalling_sleep)
    stamps: list[datetime] = []

    async def send(chat_id: int) -> None:
        await limiter.acquire(chat_id)
        stamps.append(clinic.clock.now())

    await asyncio.gather(*(send(chat) for chat in range(30)))

    # After the stall, sends are paced again: never more than 2 in one 1/30 s (the slot the
    # stall overran, and the fresh one).
    window = timedelta(seconds=1 / 30)
    assert max(sum(1 for t in stamps if s <= t < s + window) for s in stamps) <= 2
    assert len(stamps) == 30


async def test_429_waits_retry_after_and_drops_nothing(clinic: Clinic) -> None:
    await clinic.replan()
    clinic.sender.script(SAM, SendResult.wait(3))

    await clinic.at(MONDAY_9AM)

    assert len(clinic.sender.to(ALEX)) == 1 and clinic.sender.to(SAM) == []
    (waiting,) = [r for r in await clinic.rows(chat_id=SAM) if r.attempts]
    assert waiting.due_at == MONDAY_9AM + timedelta(seconds=3)
    assert (waiting.failures, waiting.attempts) == (0, 1)
    assert clinic.scheduled[-1] == MONDAY_9AM + timedelta(seconds=3)

    await clinic.at(MONDAY_9AM + timedelta(seconds=3))
    assert len(clinic.sender.to(SAM)) == 1


async def test_network_errors_back_off_then_fail(clinic: Clinic) -> None:
    lee, alex = clinic.people[LEE], clinic.people[ALEX]
    alert = staff_alert_unreachable(lee.id, LEE, alex.id, alex.name, clinic.clock.now())
    await store.enqueue(clinic.db, [alert], clinic.clock.now())
    clinic.sender.script(LEE, *[SendResult.transient("TimedOut: timed out")] * 6)

    waits = []
    for _ in range(6):
        await clinic.at(clinic.clock.now())
        (row,) = await clinic.rows(chat_id=LEE)
        waits.append(row.due_at - clinic.clock.now())
        clinic.clock.set(row.due_at)

    assert waits[:5] == [
        timedelta(seconds=5),
        timedelta(seconds=30),
        timedelta(minutes=2),
        timedelta(minutes=10),
        timedelta(minutes=30),
    ]
    assert (row.status, row.failures, row.attempts) == (OutboxStatus.FAILED, 6, 6)
    assert row.last_error == "TimedOut: timed out"


async def test_a_retry_after_the_session_started_is_skipped(clinic: Clinic) -> None:
    await clinic.replan()
    await clinic.at(MONDAY_9AM)
    clinic.sender.script(ALEX, *[SendResult.transient("NetworkError: Bad Gateway")] * 3)

    await clinic.at(MONDAY_6PM - timedelta(minutes=1))  # the 1h reminder, late and failing
    await clinic.at(MONDAY_6PM + timedelta(minutes=30))

    reminder = next(
        r
        for r in await clinic.rows(chat_id=ALEX, kind="reminder")
        if r.variant == "1h" and r.due_at < MONDAY_6PM + timedelta(hours=1)
    )
    assert (reminder.status, reminder.last_error) == (OutboxStatus.SKIPPED, "stale")


async def test_a_bad_request_fails_the_row(clinic: Clinic) -> None:
    await clinic.replan()
    clinic.sender.script(KIM, SendResult.bad_request("Bad Request: chat not found"))
    await clinic.at(MONDAY_9AM)
    (failed,) = await clinic.rows(status=OutboxStatus.FAILED)
    assert (failed.chat_id, failed.last_error) == (KIM, "Bad Request: chat not found")


async def test_a_blocked_patient_is_unreachable_and_the_therapist_told_once(
    clinic: Clinic,
) -> None:
    await clinic.replan()
    alex = clinic.people[ALEX]
    blocked = SendResult.blocked("Forbidden: bot was blocked by the user")
    clinic.sender.script(ALEX, blocked, blocked, blocked)

    await clinic.at(MONDAY_9AM, batch_size=1)
    # A second failure (say, one already on the wire) must not alert again.
    assert not await store.record_blocked_person(
        clinic.db, [], alex.id, "Forbidden", clinic.clock.now(), None
    )

    assert clinic.sender.to(LEE) == [
        "⚠️ Someone can't be reached\n"
        "Alex R. can't be reached on Telegram any more (they may have blocked the bot). "
        "Reminders to them are paused; please contact them another way."
    ]
    row = await clinic.db.fetch_one("SELECT unreachable_at FROM people WHERE id = ?", (alex.id,))
    assert row["unreachable_at"] == "2026-11-30T14:00:00Z"
    mine = await clinic.rows(chat_id=ALEX)
    assert {r.status for r in mine} == {OutboxStatus.FAILED, OutboxStatus.CANCELLED}
    assert await clinic.rows(chat_id=ALEX, status=OutboxStatus.PENDING) == []

    # Re-planning leaves them out, and nothing more reaches the therapist.
    await clinic.replan()
    await clinic.at(MONDAY_6PM)
    assert await clinic.rows(chat_id=ALEX, status=OutboxStatus.PENDING) == []
    assert len(clinic.sender.to(LEE)) == 1


# --- crashes


async def test_a_crash_re_sends_only_the_message_in_flight(clinic: Clinic) -> None:
    await clinic.replan()
    clinic.sender.hang.add(SAM)
    run = asyncio.create_task(clinic.dispatcher().run_due())
    for _ in range(200):
        await asyncio.sleep(0)
        sent = await clinic.rows(status=OutboxStatus.SENT)
        if len(clinic.sender.delivered) == 3 and len(sent) == 2:
            break
    run.cancel()  # SIGKILL while Sam's send is on the wire
    with pytest.raises(asyncio.CancelledError):
        await run
    (in_flight,) = await clinic.rows(status=OutboxStatus.SENDING)
    assert in_flight.chat_id == SAM
    await clinic.db.close()

    clinic.db = await Database.open(clinic.path)
    clinic.sender.hang.clear()
    restarted = clinic.dispatcher()
    assert await restarted.start() == 1
    await restarted.run_due()

    assert [len(clinic.sender.to(chat)) for chat in (ALEX, SAM, KIM)] == [1, 2, 1]
    await clinic.at(MONDAY_6PM - timedelta(hours=1))
    await clinic.at(MONDAY_6PM)
    assert [len(clinic.sender.to(chat)) for chat in (ALEX, SAM, KIM)] == [3, 4, 3]


async def test_a_crash_after_claiming_loses_nothing(clinic: Clinic) -> None:
    await clinic.replan()
    claim = await store.claim_due(clinic.db, clinic.clock.now(), 100)
    assert len(claim.send) == 3  # claimed, then the process died before sending

    restarted = clinic.dispatcher()
    assert await restarted.start() == 3
    await restarted.run_due()

    assert [len(clinic.sender.to(chat)) for chat in (ALEX, SAM, KIM)] == [1, 1, 1]
    assert {r.attempts for r in await clinic.rows(status=OutboxStatus.SENT)} == {2}


# --- buddies


async def test_a_buddy_gets_plain_nudges_until_the_link_ends(clinic: Clinic) -> None:
    alex = clinic.people[ALEX]
    now = clinic.clock.now()
    invite = await buddy_store.create_buddy_invite(
        clinic.db, patient_id=alex.id, code_hash="h1", now=now, expires_at=now + timedelta(1)
    )
    assert (await buddy_store.find_buddy_invite(clinic.db, "h1")).id == invite.id
    buddy = await buddy_store.accept_buddy(
        clinic.db, invite.id, telegram_id=900, chat_id=900, name="Jamie",
        timezone="America/Chicago", now=now,
    )  # fmt: skip
    assert buddy is not None and buddy.status == "active"
    assert await buddy_store.accept_buddy(
        clinic.db, invite.id, telegram_id=901, chat_id=901, name="X", timezone="UTC", now=now
    ) is None  # fmt: skip
    await clinic.replan()

    await clinic.at(MONDAY_6PM - timedelta(hours=2))
    assert clinic.sender.to(900) == [
        "👋 Reminder: Alex has an appointment today at 5:00 pm.\n\n"
        "Send /stop if you'd rather not get these reminders."
    ]
    assert [b.id for b in await buddy_store.buddy_links_of(clinic.db, 900)] == [invite.id]

    assert await buddy_store.end_buddy(
        clinic.db, invite.id, BuddyEndedBy.BUDDY, clinic.clock.now()
    )
    assert await clinic.rows(chat_id=900, status=OutboxStatus.PENDING) == []
    await clinic.replan()
    await clinic.at(MONDAY_6PM + timedelta(days=2))
    assert len(clinic.sender.to(900)) == 1
    assert await buddy_store.buddies_of_patient(clinic.db, alex.id) == []


async def test_buddy_invites_can_expire_or_be_declined(clinic: Clinic) -> None:
    alex = clinic.people[ALEX]
    now = clinic.clock.now()
    old = await buddy_store.create_buddy_invite(
        clinic.db, patient_id=alex.id, code_hash="old", now=now, expires_at=now
    )
    fresh = await buddy_store.create_buddy_invite(
        clinic.db, patient_id=alex.id, code_hash="new", now=now, expires_at=now + timedelta(1)
    )

    assert await buddy_store.accept_buddy(
        clinic.db, old.id, telegram_id=900, chat_id=900, name="J", timezone="UTC", now=now
    ) is None  # fmt: skip
    assert await buddy_store.decline_buddy(clinic.db, fresh.id, now)
    assert not await buddy_store.decline_buddy(clinic.db, fresh.id, now)
    assert (await buddy_store.get_buddy(clinic.db, fresh.id)).status == "declined"
    assert [b.id for b in await buddy_store.buddies_of_patient(clinic.db, alex.id)] == [old.id]


async def test_a_buddy_who_blocks_the_bot_ends_the_link(clinic: Clinic) -> None:
    alex = clinic.people[ALEX]
    now = clinic.clock.now()
    invite = await buddy_store.create_buddy_invite(
        clinic.db, patient_id=alex.id, code_hash="h", now=now, expires_at=now + timedelta(1)
    )
    await buddy_store.accept_buddy(
        clinic.db, invite.id, telegram_id=900, chat_id=900, name="Jamie",
        timezone="America/New_York", now=now,
    )  # fmt: skip
    await clinic.replan()
    clinic.sender.script(900, SendResult.blocked("Forbidden: bot was blocked by the user"))

    await clinic.at(MONDAY_6PM - timedelta(hours=2))

    buddy = await buddy_store.get_buddy(clinic.db, invite.id)
    assert (buddy.status, buddy.ended_by) == ("ended", BuddyEndedBy.SYSTEM)
    assert await clinic.rows(chat_id=900, status=OutboxStatus.PENDING) == []
    assert clinic.sender.to(LEE) == []  # a buddy is nobody's patient


# --- through python-telegram-bot and the fake Bot API


@pytest.fixture
async def telegram_bot(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[tuple[Bot, FakeBotApi]]:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # PTB 22 warns on RetryAfter otherwise
    api = FakeBotApi()
    bot = Bot(token="123:abc", request=FakeRequest(api), get_updates_request=FakeRequest(api))
    await bot.initialize()
    try:
        yield bot, api
    finally:
        await bot.shutdown()


async def test_telegram_errors_map_to_send_results(telegram_bot: tuple[Bot, FakeBotApi]) -> None:
    bot, api = telegram_bot
    sender = TelegramSender(bot)
    cases = [
        (InjectedError(429, "Too Many Requests: retry after 7", retry_after=7), "retry_after"),
        (InjectedError(500, "Internal Server Error"), "transient"),
        (InjectedError(502, "Bad Gateway"), "transient"),
        (InjectedError(403, "Forbidden: bot was blocked by the user"), "blocked"),
        (InjectedError(400, "Bad Request: chat not found"), "bad_request"),
    ]
    for error, status in cases:
        api.inject_error("sendMessage", error)
        result = await sender.send(ALEX, "hello", None)
        assert result.status == status, error
    assert result.error == "Chat not found"
    api.inject_error("sendMessage", cases[0][0])
    assert (await sender.send(ALEX, "hello", None)).retry_after == 7.0

    ok = await sender.send(ALEX, "hi", [[("I'll be there", "r:c:1"), ("Running late", "r:l:1")]])

    assert ok.status == "ok" and ok.message_id == api.messages[-1].message_id
    assert api.messages[-1].buttons == [
        [
            {"text": "I'll be there", "callback_data": "r:c:1"},
            {"text": "Running late", "callback_data": "r:l:1"},
        ]
    ]


async def test_dispatch_through_the_fake_bot_api(
    clinic: Clinic, telegram_bot: tuple[Bot, FakeBotApi]
) -> None:
    bot, api = telegram_bot
    clinic.sender = TelegramSender(bot)  # type: ignore[assignment]
    await clinic.replan()
    api.inject_error("sendMessage", InjectedError(429, "Too Many Requests", retry_after=2))
    api.inject_error("sendMessage", InjectedError(500, "Internal Server Error"))
    api.inject_error("sendMessage", InjectedError(403, "Forbidden: bot was blocked by the user"))

    await clinic.at(MONDAY_9AM)  # three chats, three errors (in claim order: Alex, Sam, Kim)
    assert clinic.clock.now() >= MONDAY_9AM + timedelta(seconds=2)  # the 429 held every send
    await clinic.at(MONDAY_9AM + timedelta(seconds=10))  # Sam's retry: 5 s after the 500

    got = {chat: [m.text for m in api.messages_to(chat)] for chat in (ALEX, SAM, KIM, LEE)}
    assert [len(got[chat]) for chat in (ALEX, SAM, KIM)] == [1, 1, 0]
    assert got[LEE] == [
        "⚠️ Someone can't be reached\n"
        "Kim can't be reached on Telegram any more (they may have blocked the bot). "
        "Reminders to them are paused; please contact them another way."
    ]
    alex_row = next(r for r in await clinic.rows(chat_id=ALEX, status=OutboxStatus.SENT))
    assert (alex_row.failures, alex_row.attempts) == (0, 2)  # the 429 is not a failure
    sam_row = next(r for r in await clinic.rows(chat_id=SAM, status=OutboxStatus.SENT))
    assert (sam_row.failures, sam_row.attempts) == (1, 2)


async def test_a_locked_database_retries_the_bookkeeping_never_the_send(
    clinic: Clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    await clinic.replan()
    real = store.record_sent_many
    calls = []

    async def locked_once(db: Database, sends: object) -> None:
        calls.append(sends)
        if len(calls) == 1:
            raise DatabaseBusy("database is locked")
        await real(db, sends)  # type: ignore[arg-type]

    monkeypatch.setattr(store, "record_sent_many", locked_once)
    await clinic.at(MONDAY_6PM - timedelta(hours=1))

    sent_once = len(clinic.sender.delivered)
    assert sent_once == 3 and len(calls) >= 2
    assert await clinic.rows(status=OutboxStatus.SENDING) == []
    await clinic.dispatcher().start()  # a clean restart finds nothing in flight
    await clinic.at(MONDAY_6PM - timedelta(minutes=59))
    assert len(clinic.sender.delivered) == sent_once


async def test_an_urgent_alert_overtakes_a_burst_queued_before_it(clinic: Clinic) -> None:
    now = clinic.clock.now()
    burst = []
    for i in range(30):
        patient = await register(
            clinic.db, clinic.clock, Role.PATIENT, f"p{i}", f"Patient {i}", 10_000 + i,
            "America/New_York", therapist="lee",
        )  # fmt: skip
        burst.append(
            person_event(
                NotificationKind.NOTICE,
                person_id=patient.id,
                chat_id=10_000 + i,
                variant="burst",
                payload={"text": f"notice {i}"},
                due_at=now - timedelta(hours=1),
            )
        )
    alert = person_event(
        NotificationKind.STAFF_ALERT, person_id=clinic.id_of(LEE), chat_id=LEE,
        variant="crisis", payload={"text": "🚨 Urgent"}, due_at=now, priority=Priority.SAFETY,
    )  # fmt: skip
    await store.enqueue(clinic.db, burst, now - timedelta(hours=1))
    await store.enqueue(clinic.db, [alert], now)

    await clinic.at(now, rate=10.0)  # claims of ten: the alert is due last but goes first

    texts = [d.text for d in clinic.sender.delivered]
    assert texts[0] == "🚨 Urgent"
    assert sorted(texts[1:]) == sorted(f"notice {i}" for i in range(30))
