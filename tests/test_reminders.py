"""Reminders and check-ins end to end: outbox, fake clock, fake Bot API, restarts, errors."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.clock import FakeClock
from bot.config import Config
from bot.fake_telegram import ChatUser, InjectedError
from bot.kinds import Role
from bot.understanding.engine import MessageReader
from storage import people
from tests.helpers.clinic import NEW_YORK, BotHarness, onboard_patient, start_bot

MONDAY_5PM = datetime(2026, 11, 30, 17, 0, tzinfo=NEW_YORK)
MONDAY_6PM = datetime(2026, 11, 30, 18, 0, tzinfo=NEW_YORK)


async def clinic(bot: BotHarness, zone: str = "✅ Eastern time") -> tuple[ChatUser, ChatUser]:
    return await bot.joined_clinic(zone)


async def at(bot: BotHarness, moment: datetime) -> None:
    """Let time pass to ``moment``; the outbox wakes up as the scheduler would."""
    bot.clock.set(moment)
    await bot.notifier.run_due()


def reminders(user: ChatUser) -> list[str]:
    return [m.text for m in user.inbox if m.text.startswith("⏰ Reminder")]


async def test_reminder_an_hour_before_with_buttons(bot: BotHarness) -> None:
    _, patient = await clinic(bot)

    await at(bot, MONDAY_5PM)

    assert (
        patient.last.text
        == "⏰ Reminder: your appointment today at 6:00 pm (in 1 hour).\nGroup Therapy"
    )
    assert patient.last.labels == ["I'll be there", "Can't make it", "Running late"]
    # They joined at 9 am: the 24h reminder fell due before that and was never owed.
    assert reminders(patient) == [patient.last.text]


async def test_reminder_shows_the_patients_own_time(bot: BotHarness) -> None:
    _, patient = await clinic(bot, zone="Pacific time")

    await at(bot, MONDAY_5PM)

    assert patient.last.text.startswith("⏰ Reminder: your appointment today at 3:00 pm")


async def test_ill_be_there_confirms_and_skips_the_check_in(bot: BotHarness) -> None:
    _, patient = await clinic(bot)
    jo_invite = await bot.invite(
        Role.PATIENT, "jo", name="Jo P.", therapist="lee", groups=("evening-a",)
    )
    jo = bot.user(778, "Jo")
    await onboard_patient(bot, jo, jo_invite.code, "✅ Eastern time")
    await at(bot, MONDAY_5PM)

    replies = await patient.press("I'll be there")
    await at(bot, MONDAY_6PM)

    assert replies[-1].text == "Great, see you at Group Therapy, Mon 30 Nov, 6:00 pm! 😊"
    assert "✔️ You'll be there" in reminders(patient)[-1]
    assert "starting now" not in patient.last.text
    assert (
        jo.last.text
        == "Your appointment is starting now.\nGroup Therapy: join here: https://video.example/evening-a"
    )


async def test_cant_make_it_goes_into_the_absence_dialog(bot: BotHarness) -> None:
    therapist, patient = await clinic(bot)
    await at(bot, MONDAY_5PM)

    question = await patient.press("Can't make it")
    await patient.press("Work")

    assert "share why" in question[-1].text
    assert therapist.last.text.startswith("🔔 New absence report\nAlex R. can't make it")
    assert "Reported 1 hour ahead." in therapist.last.text
    await at(bot, MONDAY_6PM)
    assert "starting now" not in patient.last.text  # no check-in after an absence


async def test_running_late_asks_how_late_and_tells_the_therapist(bot: BotHarness) -> None:
    therapist, patient = await clinic(bot)
    await at(bot, MONDAY_5PM)

    choices = await patient.press("Running late")
    assert choices[-1].text == "Roughly how late will you be?"
    done = await patient.press("About 15 min")

    assert "about 15 minutes late" in done[-1].text
    assert therapist.last.text.startswith("⏰ Running late\nAlex R. will be about 15 minutes late")


async def test_a_double_tap_tells_the_therapist_once(bot: BotHarness) -> None:
    therapist, patient = await clinic(bot)
    await at(bot, MONDAY_5PM)
    choices = await patient.press("Running late")
    data = next(b["callback_data"] for b in choices[-1].buttons[0] if b["text"] == "About 15 min")

    await patient.press_data(data, choices[-1])
    await patient.press_data(data, choices[-1])
    await patient.send("running 15 min late")

    late = [
        m.text for m in therapist.inbox if m.text.startswith("⏰ Running late\nAlex R. will be")
    ]
    assert len(late) == 1


async def test_buttons_for_cancelled_or_foreign_sessions_change_nothing(bot: BotHarness) -> None:
    _, patient = await clinic(bot)
    await at(bot, MONDAY_5PM)
    monday = await bot.db.fetch_one("SELECT id FROM occurrences WHERE local_date = '2026-11-30'")
    await bot.db.fetch_one("SELECT 1")  # the schedule is changed by an admin:
    async with bot.db.transaction() as conn:
        await conn.execute(
            "UPDATE occurrences SET status = 'cancelled' WHERE id = ?", (monday[0],)
        )

    await patient.press("I'll be there")
    assert "cancelled" in bot.api.callback_answers[-1]
    await patient.press_data("r:c:999999")
    assert "expired" in bot.api.callback_answers[-1]
    rows = await bot.db.fetch_all("SELECT * FROM attendance")
    assert rows == []


async def test_a_cancelled_session_gets_no_reminder(bot: BotHarness) -> None:
    _, patient = await clinic(bot)
    async with bot.db.transaction() as conn:
        await conn.execute(
            "UPDATE occurrences SET status = 'cancelled' WHERE local_date = '2026-11-30'"
        )

    await at(bot, MONDAY_5PM)

    assert reminders(patient) == []


async def test_downtime_catch_up_and_stale_skip(
    config: Config, clock: FakeClock, reader: MessageReader
) -> None:
    async with start_bot(config, clock, reader) as bot:
        _, patient = await clinic(bot)
        api = bot.api
    clock.set(MONDAY_5PM + timedelta(minutes=30))  # down through the 5 pm reminder
    async with start_bot(config, clock, reader, api) as bot:
        await bot.notifier.run_due()
    sent_late = reminders(patient)
    clock.set(datetime(2026, 12, 2, 18, 30, tzinfo=NEW_YORK))  # down through Wednesday's
    async with start_bot(config, clock, reader, api) as bot:
        await bot.notifier.run_due()

    assert sent_late == [
        "⏰ Reminder: your appointment today at 6:00 pm (in 30 minutes).\nGroup Therapy"
    ]
    # Wednesday's session had started: nothing about it; Thursday's 24h reminder is still due.
    assert reminders(patient)[1:] == [
        "⏰ Reminder: your appointment tomorrow at 6:00 pm.\nGroup Therapy"
    ]
    skipped = await _count(config, clock, reader, api, "skipped")
    assert skipped >= 1


async def _count(config, clock, reader, api, status: str) -> int:
    async with start_bot(config, clock, reader, api) as bot:
        row = await bot.db.fetch_one("SELECT count(*) FROM outbox WHERE status = ?", (status,))
    return row[0]


async def test_restart_sends_nothing_twice(
    config: Config, clock: FakeClock, reader: MessageReader
) -> None:
    async with start_bot(config, clock, reader) as bot:
        _, patient = await clinic(bot)
        await at(bot, MONDAY_5PM)
        api = bot.api
    async with start_bot(config, clock, reader, api) as bot:
        await bot.notifier.run_due()
        await at(bot, MONDAY_5PM + timedelta(minutes=1))

    assert len(reminders(patient)) == 1


async def test_429_is_retried_and_nothing_is_lost(bot: BotHarness) -> None:
    _, patient = await clinic(bot)
    bot.api.inject_error(
        "sendMessage", InjectedError(429, "Too Many Requests: retry after 5", retry_after=5)
    )

    await at(bot, MONDAY_5PM)
    assert reminders(patient) == []
    await at(bot, MONDAY_5PM + timedelta(seconds=6))

    assert reminders(patient) == [
        "⏰ Reminder: your appointment today at 6:00 pm (in 1 hour).\nGroup Therapy"
    ]


async def test_a_patient_who_blocked_the_bot_is_marked_and_the_therapist_told_once(
    bot: BotHarness,
) -> None:
    therapist, patient = await clinic(bot)
    blocked = InjectedError(403, "Forbidden: bot was blocked by the user")
    bot.api.inject_error("sendMessage", blocked)

    await at(bot, MONDAY_5PM)
    await at(bot, MONDAY_6PM)
    await at(bot, datetime(2026, 12, 2, 17, 0, tzinfo=NEW_YORK))

    person = await people.find_by_telegram_id(bot.db, 777)
    row = await bot.db.fetch_one("SELECT unreachable_at FROM people WHERE id = ?", (person.id,))
    assert row[0] is not None
    alerts = [m.text for m in therapist.inbox if "can't be reached" in m.text]
    assert len(alerts) == 1 and "Alex" in alerts[0]
    assert reminders(patient) == []


async def test_a_blocked_patient_who_writes_again_gets_reminders_again(bot: BotHarness) -> None:
    _, patient = await clinic(bot)
    bot.api.inject_error(
        "sendMessage", InjectedError(403, "Forbidden: bot was blocked by the user")
    )
    await at(bot, MONDAY_5PM)

    await patient.send("/schedule")
    await at(bot, datetime(2026, 12, 2, 17, 0, tzinfo=NEW_YORK))

    assert reminders(patient) == [
        "⏰ Reminder: your appointment today at 6:00 pm (in 1 hour).\nGroup Therapy"
    ]


async def test_reminders_keep_local_time_through_the_dst_week(bot: BotHarness) -> None:
    bot.clock.set(datetime(2026, 10, 28, 9, 0, tzinfo=NEW_YORK))  # Wed before 1 Nov
    _, patient = await clinic(bot)

    def one_hour_reminders() -> list[str]:
        return [text for text in reminders(patient) if "(in 1 hour)." in text]

    for moment in (
        datetime(2026, 10, 29, 17, 0, tzinfo=NEW_YORK),  # Thu, EDT (UTC-4)
        datetime(2026, 11, 2, 17, 0, tzinfo=NEW_YORK),  # Mon, EST (UTC-5)
    ):
        await at(bot, moment - timedelta(hours=23))  # the day before: the 24h reminder
        before = len(one_hour_reminders())
        await at(bot, moment - timedelta(minutes=1))
        assert len(one_hour_reminders()) == before  # not a minute early (nor an hour)
        await at(bot, moment)
        assert one_hour_reminders()[before:] == [
            "⏰ Reminder: your appointment today at 6:00 pm (in 1 hour).\nGroup Therapy"
        ]


async def test_buddy_nudges_keep_out_of_quiet_hours(bot: BotHarness) -> None:
    early = {
        "id": "early-support",
        "kind": "support",
        "title": "Morning Support Circle",
        "group": "evening-a",
        "weekdays": ["tue"],
        "start": "08:30",
        "duration": "1h",
        "from": datetime(2026, 12, 1, tzinfo=NEW_YORK).date(),
    }
    _, patient = await clinic(bot)
    from tests.helpers.clinic import SCHEDULE

    await bot.import_schedule({**SCHEDULE, "series": [*SCHEDULE["series"], early]})
    await bot.notifier.replan()
    friend = bot.user(900, "Sam")
    await patient.send("/buddy")
    link = (await patient.press("Invite a buddy"))[-1].text.rsplit("start=", 1)[1]
    await friend.send(f"/start {link}")
    await friend.press("Yes, I'll help")

    # 2h before 8:30 am is 6:30 am, inside quiet hours (21:00-08:00): it goes at 8:30 pm.
    await at(bot, datetime(2026, 11, 30, 20, 29, tzinfo=NEW_YORK))
    nudges_before = [m.text for m in friend.inbox if "8:30 am" in m.text]
    await at(bot, datetime(2026, 11, 30, 20, 30, tzinfo=NEW_YORK))
    nudges = [m.text for m in friend.inbox if "8:30 am" in m.text]

    assert nudges_before == []
    assert nudges == [
        "👋 Reminder: Alex has an appointment tomorrow at 8:30 am.\n\n"
        "Send /stop if you'd rather not get these reminders."
    ]


async def test_patients_reminded_of_a_session_hear_when_it_changes(bot: BotHarness) -> None:
    from tests.helpers.clinic import SCHEDULE

    _, patient = await clinic(bot)
    await at(bot, MONDAY_5PM)  # reminded of tonight's group
    bot.clock.set(MONDAY_5PM + timedelta(minutes=10))

    later = {**SCHEDULE, "series": [{**SCHEDULE["series"][0], "start": "18:30"}]}
    await bot.import_schedule(later)
    await bot.notifier.replan()
    await bot.notifier.run_due()
    moved = patient.last.text
    cancelled = {**later, "cancel": [{"series": "evening-a-group", "date": MONDAY_6PM.date()},
                                     {"series": "evening-a-group", "date": MONDAY_6PM.date()
                                      + timedelta(days=2)}]}  # fmt: skip
    await bot.import_schedule(cancelled)
    await bot.notifier.replan()
    await bot.notifier.run_due()

    assert (
        moved == "📅 A change to your appointment\n"
        "Group Therapy on Mon 30 Nov at 6:00 pm has moved to Mon 30 Nov at 6:30 pm."
    )
    notices = [m.text for m in patient.inbox if m.text.startswith("📅")]
    # Wednesday was cancelled too, but nobody had been reminded of it yet: no notice.
    assert notices[-1] == (
        "📅 A change to your appointment\nGroup Therapy on Mon 30 Nov at 6:00 pm is cancelled."
    )
    assert len(notices) == 2
