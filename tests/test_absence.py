"""Absence reports, late notices and confirmations in the patient's own words, end to end."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from bot.clock import FakeClock
from bot.config import Config, PolicyConfig
from bot.fake_telegram import ChatUser
from bot.kinds import Role
from bot.understanding.engine import MessageReader
from storage import absences, people
from storage.db import Database
from storage.records import AttendanceStatus
from tests.helpers.clinic import (
    MONDAY_9AM,
    NEW_YORK,
    SCHEDULE,
    BotHarness,
    onboard_patient,
    start_bot,
)

CLINIC_SCHEDULE = {
    **SCHEDULE,
    "series": [
        *SCHEDULE["series"],
        {
            "id": "evening-a-psychoed",
            "kind": "psychoeducation",
            "title": "Coping Skills Class",
            "group": "evening-a",
            "weekdays": ["tue"],
            "start": "17:30",
            "duration": "1h",
            "from": date(2026, 10, 6),
        },
        {
            "id": "alex-individual",
            "kind": "individual",
            "title": "Individual Session",
            "patient": "alex",
            "therapist": "lee",
            "weekdays": ["fri"],
            "start": "16:00",
            "duration": "50m",
            "from": date(2026, 10, 9),
        },
    ],
}


async def clinic(bot: BotHarness) -> tuple[ChatUser, ChatUser]:
    """Dr. Lee and Alex registered (Eastern time); returns (therapist, patient)."""
    lee, alex = await bot.clinic()
    await bot.import_schedule(CLINIC_SCHEDULE)
    therapist = bot.user(501, "Dr. Lee")
    await therapist.send(f"/start {lee.code}")
    patient = bot.user(777, "Alex")
    await onboard_patient(bot, patient, alex.code, "✅ Eastern time")
    return therapist, patient


async def live_absences(db: Database) -> list[tuple[str, str | None, str]]:
    rows = await db.fetch_all(
        "SELECT o.local_date, a.reason, a.kind FROM absences a"
        " JOIN occurrences o ON o.id = a.occurrence_id WHERE a.status = 'reported'"
        " ORDER BY o.starts_at"
    )
    return [(row[0], row[1], row[2]) for row in rows]


async def attendance(db: Database) -> list[tuple[str, str, int | None]]:
    rows = await db.fetch_all(
        "SELECT o.local_date, a.status, a.late_minutes FROM attendance a"
        " JOIN occurrences o ON o.id = a.occurrence_id ORDER BY o.starts_at"
    )
    return [(row[0], row[1], row[2]) for row in rows]


async def test_absence_with_date_and_reason_is_confirmed_recorded_and_alerted(
    bot: BotHarness,
) -> None:
    therapist, patient = await clinic(bot)

    question = await patient.send("cant make it thurs, double shift at work")
    assert question[-1].text == (
        "Just to check: you can't make it to Group Therapy, Thu 3 Dec, 6:00 pm?"
    )
    done = await patient.press("Yes, that's the one")

    assert "I've told Dr. Lee you can't make it to Group Therapy, Thu 3 Dec" in done[-1].text
    assert "catch up" in done[-1].text
    assert "fee" not in done[-1].text  # the default policy charges nothing
    alert = therapist.last.text
    assert alert.startswith("🔔 New absence report\nAlex R. can't make it to Group Therapy")
    assert "(Evening Group A)" in alert and "Reason: work" in alert
    assert "Reported 3 days ahead." in alert and "last 30 days: 0" in alert
    assert await live_absences(bot.db) == [("2026-12-03", "work", "upcoming")]
    assert await attendance(bot.db) == [("2026-12-03", "absent", None)]


async def test_missed_session_asks_the_reason_with_buttons(bot: BotHarness) -> None:
    therapist, patient = await clinic(bot)
    bot.clock.advance(timedelta(days=1))  # Tuesday morning

    question = await patient.send("sorry I missed yesterday's group")
    assert question[-1].text == "Is this about Group Therapy, Mon 30 Nov, 6:00 pm?"
    reason = await patient.press("Yes, that's the one")
    assert "Would you like to share why?" in reason[-1].text
    assert "Not feeling up to it" in reason[-1].labels and "Skip" in reason[-1].labels
    done = await patient.press("Health")

    assert "It happens, and I'm glad you got in touch" in done[-1].text
    assert "New absence report\nAlex R. missed Group Therapy" in therapist.last.text
    assert "Reason: health" in therapist.last.text
    assert "after it started" in therapist.last.text
    assert await live_absences(bot.db) == [("2026-11-30", "health", "missed")]


async def test_a_day_without_a_session_offers_the_nearest(bot: BotHarness) -> None:
    _, patient = await clinic(bot)

    offer = await patient.send("I can't come on Saturday")

    assert "I don't see a session of yours on Saturday 5 December" in offer[-1].text
    assert offer[-1].labels[0] == "Fri 4 Dec 4:00 pm · Individual Session"
    await patient.press("Fri 4 Dec 4:00 pm · Individual Session")
    await patient.press("Skip")
    assert await live_absences(bot.db) == [("2026-12-04", None, "upcoming")]


async def test_no_date_lists_upcoming_sessions_and_accepts_free_text_reason(
    bot: BotHarness,
) -> None:
    therapist, patient = await clinic(bot)

    offer = await patient.send("I won't be able to make it")
    assert offer[-1].text == "Which session can't you make?"
    assert offer[-1].labels[:2] == [
        "Mon 30 Nov 6:00 pm · Group Therapy",
        "Tue 1 Dec 5:30 pm · Coping Skills Class",
    ]
    await patient.press("Tue 1 Dec 5:30 pm · Coping Skills Class")
    done = await patient.send("my car broke down again")

    assert "Coping Skills Class" in done[-1].text
    assert "Reason: getting there (“my car broke down again”)" in therapist.last.text
    assert await live_absences(bot.db) == [("2026-12-01", "transport", "upcoming")]


async def test_several_sessions_on_one_day_ask_which(bot: BotHarness) -> None:
    _, patient = await clinic(bot)
    extra = {
        **CLINIC_SCHEDULE["series"][0],
        "id": "thu-support",
        "kind": "support",
        "title": "Support Circle",
        "weekdays": ["thu"],
        "start": "12:00",
        "duration": "1h",
    }
    await bot.import_schedule({**CLINIC_SCHEDULE, "series": [*CLINIC_SCHEDULE["series"], extra]})

    offer = await patient.send("can't make it thursday")

    assert offer[-1].labels[:2] == [
        "Thu 3 Dec 12:00 pm · Support Circle",
        "Thu 3 Dec 6:00 pm · Group Therapy",
    ]


async def test_changing_their_mind_withdraws_and_tells_the_therapist(bot: BotHarness) -> None:
    therapist, patient = await clinic(bot)
    await patient.send("can't make it thursday, work")
    await patient.press("Yes, that's the one")

    replies = await patient.send("nvm I will be there thursday")

    assert "great news" in replies[-1].text
    assert therapist.last.text.startswith(
        "↩️ An absence was withdrawn\nAlex R. can make it after all to Group Therapy"
    )
    assert await live_absences(bot.db) == []
    assert await attendance(bot.db) == [("2026-12-03", "confirmed", None)]


async def test_running_late_is_recorded_with_minutes(bot: BotHarness) -> None:
    therapist, patient = await clinic(bot)
    bot.clock.advance(timedelta(hours=8, minutes=50))  # 5:50 pm

    replies = await patient.send("running 15 min late tonight")

    assert "about 15 minutes late to Group Therapy, Mon 30 Nov, 6:00 pm" in replies[-1].text
    assert "https://video.example/evening-a" in replies[-1].text
    assert therapist.last.text.startswith("⏰ Running late\nAlex R. will be about 15 minutes late")
    assert await attendance(bot.db) == [("2026-11-30", "late", 15)]


async def test_confirmation_is_recorded(bot: BotHarness) -> None:
    _, patient = await clinic(bot)

    replies = await patient.send("I'll be there 👍")

    assert replies[-1].text == "Great, see you at Group Therapy, Mon 30 Nov, 6:00 pm! 😊"
    assert await attendance(bot.db) == [("2026-11-30", "confirmed", None)]


async def test_spanish_absence(bot: BotHarness) -> None:
    _, patient = await clinic(bot)

    question = await patient.send("no voy a poder ir mañana, tengo cita con el doctor")
    await patient.press("Yes, that's the one")

    assert "Coping Skills Class, Tue 1 Dec, 5:30 pm" in question[-1].text
    assert await live_absences(bot.db) == [("2026-12-01", "health", "upcoming")]


async def test_unplaceable_message_can_be_sent_to_the_therapist_once(bot: BotHarness) -> None:
    therapist, patient = await clinic(bot)

    offer = await patient.send("what's the wifi password at the clinic")
    assert "not sure I understood" in offer[-1].text
    button_data = offer[-1].buttons[0][0]["callback_data"]
    done = await patient.press("Send this to my therapist")

    assert "Sent to Dr. Lee" in done[-1].text
    assert therapist.last.text == (
        "💬 A message for you\nFrom Alex R.: “what's the wifi password at the clinic”"
    )
    count = len(therapist.inbox)
    await patient.press_data(button_data)
    assert "already been sent" in bot.api.callback_answers[-1]
    assert len(therapist.inbox) == count


async def test_crisis_wins_mid_dialog_and_alerts_the_therapist(bot: BotHarness) -> None:
    therapist, patient = await clinic(bot)
    await patient.send("I won't be able to make it")
    await patient.press("Mon 30 Nov 6:00 pm · Group Therapy")  # now asked for a reason

    replies = await patient.send("honestly I just want to end it all")

    assert "988" in replies[-1].text and "Dr. Lee has been told" in replies[-1].text
    assert therapist.last.text.startswith("🚨 Urgent: a patient may need help")
    assert await live_absences(bot.db) == []  # the crisis message was not taken as a reason


async def test_crisis_from_someone_unknown_still_gets_help(bot: BotHarness) -> None:
    await bot.clinic()
    replies = await bot.user(900, "Sam").send("i relapsed and im scared i might overdose")
    assert "988" in replies[-1].text
    assert "reach out to someone you trust" in replies[-1].text


async def test_absent_command_works_with_buttons_only(bot: BotHarness) -> None:
    therapist, patient = await clinic(bot)

    offer = await patient.send("/absent")
    assert "One I already missed" in offer[-1].labels
    await patient.press("Wed 2 Dec 6:00 pm · Group Therapy")
    await patient.press("Childcare")

    assert "Reason: childcare" in therapist.last.text
    assert await live_absences(bot.db) == [("2026-12-02", "childcare", "upcoming")]


async def test_absent_command_for_a_session_already_missed(bot: BotHarness) -> None:
    _, patient = await clinic(bot)
    bot.clock.advance(timedelta(days=1))

    await patient.send("/absent")
    missed = await patient.press("One I already missed")
    assert missed[-1].labels[0] == "Mon 30 Nov 6:00 pm · Group Therapy"
    await patient.press("Mon 30 Nov 6:00 pm · Group Therapy")
    await patient.press("Skip")

    assert await live_absences(bot.db) == [("2026-11-30", None, "missed")]


async def test_forged_buttons_change_nothing(bot: BotHarness) -> None:
    _, patient = await clinic(bot)
    await bot.import_schedule(
        {**CLINIC_SCHEDULE, "series": [*CLINIC_SCHEDULE["series"], {
            **CLINIC_SCHEDULE["series"][2], "id": "jo-individual", "patient": "jo",
            "title": "Jo's Session"}]}
    )  # fmt: skip
    jo_session = await bot.db.fetch_one(
        "SELECT id FROM occurrences WHERE series_id = 'jo-individual' ORDER BY starts_at"
    )
    await patient.send("I won't be able to make it")

    for data in (f"ab:o:{jo_session[0]}", "ab:o:999999", "ab:r:evil", "ab:yes"):
        await patient.press_data(data)
        assert "expired" in bot.api.callback_answers[-1]
    assert await live_absences(bot.db) == []


async def test_other_roles_cannot_use_patient_buttons(bot: BotHarness) -> None:
    therapist, _ = await clinic(bot)
    await therapist.press_data("ab:yes")
    await therapist.press_data("fwd:1")
    assert bot.api.callback_answers[-2:] == [
        "That button has expired. Try /help to see what you can do now.",
        "Sorry, that isn't something I can do for you. Try /help to see what I can do.",
    ]


async def test_alerts_reach_only_the_patients_own_therapist(bot: BotHarness) -> None:
    therapist, patient = await clinic(bot)
    kim = await bot.invite(Role.THERAPIST, "kim", name="Dr. Kim")
    other = bot.user(502, "Dr. Kim")
    await other.send(f"/start {kim.code}")
    before = len(other.inbox)

    await patient.send("cant make it thurs")
    await patient.press("Yes, that's the one")
    await patient.press("Skip")

    assert len(other.inbox) == before
    assert "Alex R." in therapist.last.text


async def test_stickers_during_a_dialog_get_a_kind_reply(bot: BotHarness) -> None:
    _, patient = await clinic(bot)
    await patient.send("I won't be able to make it")

    replies = await patient.send_sticker()

    assert "I can only read text messages" in replies[-1].text
    await patient.press("Mon 30 Nov 6:00 pm · Group Therapy")  # the dialog is still open
    assert "share why" in patient.last.text


@pytest.mark.parametrize(
    ("hours_ahead", "note"),
    [
        (
            3,
            "If you come to a make-up session by Thu 10 Dec, 6:00 pm, there's no fee. Otherwise"
            " a late-cancellation fee of $25.00 may apply, as this is less than 24 hours before"
            " the session. Tell Dr. Lee if cost is a worry.",
        ),
        (72, None),
        (
            -1,
            "If you come to a make-up session by Thu 10 Dec, 6:00 pm, there's no fee. Otherwise"
            " a missed-session fee of $25.00 may apply. Tell Dr. Lee if cost is a worry.",
        ),
    ],
)
async def test_policy_is_explained_with_the_fee(
    config: Config, reader: MessageReader, hours_ahead: int, note: str | None
) -> None:
    session = datetime(2026, 12, 3, 18, 0, tzinfo=NEW_YORK)
    clock = FakeClock(MONDAY_9AM)
    config = replace(config, policy=PolicyConfig(no_show_fee=Decimal("25"), currency="USD"))
    async with start_bot(config, clock, reader) as bot:
        _, patient = await clinic(bot)
        clock.set(session - timedelta(hours=hours_ahead))
        words = "sorry I missed group tonight" if hours_ahead < 0 else "can't make it thursday"
        await patient.send(words)
        done = await patient.press("Yes, that's the one")
        if "share why" in done[-1].text:
            done = await patient.press("Skip")

    assert (note in done[-1].text) if note else ("fee" not in done[-1].text)


async def test_reason_dialog_survives_a_restart(
    config: Config, clock: FakeClock, reader: MessageReader
) -> None:
    async with start_bot(config, clock, reader) as bot:
        _, patient = await clinic(bot)
        await patient.send("I won't be able to make it")
        await patient.press("Mon 30 Nov 6:00 pm · Group Therapy")
        api = bot.api

    async with start_bot(config, clock, reader, api) as bot:
        await ChatUser(api, bot.application, 777, "Alex").press("Work")
        person = await people.find_by_telegram_id(bot.db, 777)
        status = await absences.attendance_status(bot.db, person.id, 1)
        rows = await live_absences(bot.db)

    assert rows == [("2026-11-30", "work", "upcoming")]
    assert status is AttendanceStatus.ABSENT


async def test_an_old_why_question_does_not_swallow_a_new_message(bot: BotHarness) -> None:
    _, patient = await clinic(bot)
    await patient.send("I won't be able to make it")
    await patient.press("Thu 3 Dec 6:00 pm · Group Therapy")  # asked why, never answered

    bot.clock.set(datetime(2026, 12, 3, 17, 50, tzinfo=NEW_YORK))
    replies = await patient.send("running 10 min late")

    assert "about 10 minutes late to Group Therapy, Thu 3 Dec" in replies[-1].text
    assert await live_absences(bot.db) == []
    assert await attendance(bot.db) == [("2026-12-03", "late", 10)]


async def test_a_therapists_mark_is_not_overwritten_by_the_patient(bot: BotHarness) -> None:
    therapist, patient = await clinic(bot)
    bot.clock.set(datetime(2026, 11, 30, 21, 30, tzinfo=NEW_YORK))
    await therapist.send("/attendance")
    await therapist.press(therapist.last.labels[0])
    await therapist.press("▫️ Alex R.")  # present

    await patient.send("sorry I missed group tonight")
    await patient.press("Yes, that's the one")
    await patient.press("Skip")

    assert await attendance(bot.db) == [("2026-11-30", "present", None)]


async def test_a_fee_never_comes_straight_after_an_illness(
    config: Config, reader: MessageReader
) -> None:
    clock = FakeClock(datetime(2026, 12, 3, 15, 0, tzinfo=NEW_YORK))  # 3 hours before
    config = replace(config, policy=PolicyConfig(no_show_fee=Decimal("25"), currency="USD"))
    async with start_bot(config, clock, reader) as bot:
        _, patient = await clinic(bot)
        await patient.send("can't make it tonight, I have the flu")
        done = await patient.press("Yes, that's the one")

    text = done[-1].text
    assert text.index("I hope you feel better soon.") < text.index("there's no fee")


async def test_too_late_to_withdraw_still_offers_the_join_link(bot: BotHarness) -> None:
    _, patient = await clinic(bot)
    await patient.send("can't make it tonight, work")
    await patient.press("Yes, that's the one")
    bot.clock.set(datetime(2026, 11, 30, 18, 10, tzinfo=NEW_YORK))

    reply = await patient.send("nvm I will be there tonight")

    assert "already started" in reply[-1].text
    assert reply[-1].text.endswith("Join here: https://video.example/evening-a")
