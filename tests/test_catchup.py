"""Follow-ups after a missed session, catch-up material, and /catchup, end to end."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.fake_telegram import ChatUser
from tests.helpers.clinic import NEW_YORK, BotHarness

MONDAY_9PM = datetime(2026, 11, 30, 21, 0, tzinfo=NEW_YORK)
FOLLOWUP_TIME = MONDAY_9PM + timedelta(hours=2)  # followup_after = 2h after the end


async def clinic(bot: BotHarness) -> tuple[ChatUser, ChatUser]:
    return await bot.joined_clinic()


async def at(bot: BotHarness, moment: datetime) -> None:
    bot.clock.set(moment)
    await bot.notifier.run_due()


async def report_monday(patient: ChatUser) -> None:
    await patient.send("can't make it tonight")
    await patient.press("Yes, that's the one")
    await patient.press("Skip")


def followups(user: ChatUser) -> list[str]:
    return [m.text for m in user.inbox if m.text.startswith("Hi Alex, just checking in")]


async def add_material(therapist: ChatUser, session_label: str, *messages: str) -> list[str]:
    await therapist.send("/materials")
    await therapist.press(session_label)
    await therapist.press("This session only")
    replies = []
    for text in messages:
        replies += [r.text for r in await therapist.send(text)]
    replies += [r.text for r in await therapist.send("/done")]
    return replies


async def test_a_reported_absence_gets_a_caring_follow_up(bot: BotHarness) -> None:
    _, patient = await clinic(bot)
    await report_monday(patient)

    await at(bot, FOLLOWUP_TIME - timedelta(minutes=1))
    assert followups(patient) == []
    await at(bot, FOLLOWUP_TIME)

    assert followups(patient) == [
        "Hi Alex, just checking in. 💙 How are you doing?\n"
        "(After Group Therapy, Mon 30 Nov, 6:00 pm.)"
    ]
    assert patient.last.labels == [
        "Send me the catch-up material", "Book a make-up or catch-up",
        "I'd like to talk to my therapist", "I'm okay",
    ]  # fmt: skip
    okay = await patient.press("I'm okay")
    assert okay[-1].text == "Glad to hear it. 😊 See you at the next session!"


async def test_marked_absent_without_a_report_also_gets_one_and_can_ask_to_talk(
    bot: BotHarness,
) -> None:
    therapist, patient = await clinic(bot)
    await at(bot, MONDAY_9PM)
    await therapist.send("/attendance")
    await therapist.press("Group Therapy, Mon 30 Nov, 6:00 pm (Evening Group A)")
    await therapist.press("▫️ Alex R.")  # present
    await therapist.press("✅ Alex R.")  # late
    await therapist.press("⏰ Alex R.")  # absent
    await therapist.press("Done")

    await at(bot, FOLLOWUP_TIME)
    await patient.press("I'd like to talk to my therapist")

    assert len(followups(patient)) == 1
    assert therapist.last.text.startswith(
        "💬 A request to talk\nAlex R. would like to talk with you"
    )


async def test_no_follow_up_once_the_report_is_withdrawn(bot: BotHarness) -> None:
    _, patient = await clinic(bot)
    await report_monday(patient)
    await patient.send("actually I can make it tonight")

    await at(bot, FOLLOWUP_TIME)

    assert followups(patient) == []


async def test_material_added_later_reaches_the_absent_patient_once(bot: BotHarness) -> None:
    therapist, patient = await clinic(bot)
    await report_monday(patient)
    await at(bot, FOLLOWUP_TIME)
    nothing_yet = await patient.press("Send me the catch-up material")
    assert (
        "no catch-up material for Group Therapy, Mon 30 Nov, 6:00 pm yet" in nothing_yet[-1].text
    )

    replies = await add_material(
        therapist,
        "Group Therapy, Mon 30 Nov, 6:00 pm (Evening Group A)",
        "no link here",
        "Recording\nhttps://video.example/rec/monday",
    )
    assert "couldn't find a link" in replies[0]
    assert replies[1] == "✔️ Stored: Recording"
    assert replies[-1].startswith("Saved 1 item(s) for Group Therapy, Mon 30 Nov, 6:00 pm")

    material = [m for m in patient.inbox if m.text.startswith("📚")]
    assert [m.text for m in material] == [
        "📚 Something to catch up on\nFor Group Therapy, Mon 30 Nov, 6:00 pm:\n"
        "• Recording: https://video.example/rec/monday"
    ]
    done = await patient.press("Done, I've caught up")
    assert done[-1].text.startswith("Well done! ✅")
    await patient.press_data("cu:1")
    assert "already caught up" in bot.api.callback_answers[-1]
    listing = await patient.send("/catchup")
    assert "✅ Group Therapy, Mon 30 Nov — caught up" in listing[-1].text


async def test_material_that_exists_comes_with_a_late_report(bot: BotHarness) -> None:
    therapist, patient = await clinic(bot)
    await at(bot, MONDAY_9PM)
    await add_material(
        therapist,
        "Group Therapy, Mon 30 Nov, 6:00 pm (Evening Group A)",
        "Reading https://files.example/week1.pdf",
    )
    bot.clock.set(datetime(2026, 12, 1, 10, 0, tzinfo=NEW_YORK))

    await patient.send("sorry I missed yesterday's group")
    await patient.press("Yes, that's the one")
    await patient.press("Work")

    # Due together, the follow-up and the material go as one message (one per chat at once).
    assert "just checking in" in patient.last.text
    assert (
        "📚 Something to catch up on\nFor Group Therapy, Mon 30 Nov, 6:00 pm:\n"
        in patient.last.text
    )
    assert "• Reading: https://files.example/week1.pdf" in patient.last.text


async def test_catch_up_buttons_need_a_missed_session(bot: BotHarness) -> None:
    _, patient = await clinic(bot)
    await at(bot, MONDAY_9PM)
    monday = await bot.db.fetch_one("SELECT id FROM occurrences WHERE local_date = '2026-11-30'")

    for data in (f"cu:{monday[0]}", f"fu:m:{monday[0]}", "fu:t:999999"):
        await patient.press_data(data)
        assert "expired" in bot.api.callback_answers[-1]
    empty = await patient.send("/catchup")
    assert "haven't missed any sessions" in empty[-1].text


async def test_a_material_title_with_crisis_words_is_just_a_title(bot: BotHarness) -> None:
    therapist, patient = await clinic(bot)
    await report_monday(patient)
    await at(bot, FOLLOWUP_TIME)

    replies = await add_material(
        therapist,
        "Group Therapy, Mon 30 Nov, 6:00 pm (Evening Group A)",
        "Suicide prevention: when you want to die, who to call\nhttps://reading.example/988",
    )

    assert replies[0] == "✔️ Stored: Suicide prevention: when you want to die, who to call"
    assert all("988 (Suicide" not in text for text in replies)
    assert await bot.db.fetch_all("SELECT id FROM safety_events") == []


def followup_sounds(user: ChatUser) -> list[bool]:
    """For each follow-up: whether it arrived silently (Telegram's disable_notification)."""
    return [m.silent for m in user.inbox if m.text.startswith("Hi Alex, just checking in")]


async def test_a_follow_up_that_falls_at_night_arrives_without_a_sound(bot: BotHarness) -> None:
    _, patient = await clinic(bot)
    await at(bot, MONDAY_9PM.replace(hour=17))
    await report_monday(patient)

    await at(bot, FOLLOWUP_TIME)  # 11 pm, inside the default quiet nights (9 pm to 8 am)
    crisis = await patient.send("i want to end my life")

    assert followup_sounds(patient) == [True]
    reminders = [m for m in patient.inbox if m.text.startswith("⏰ Reminder")]
    assert reminders and not any(m.silent for m in reminders)  # 5 pm: with a sound
    assert crisis and not any(m.silent for m in crisis)


async def test_a_patient_can_turn_quiet_nights_off(bot: BotHarness) -> None:
    _, patient = await clinic(bot)
    shown = await patient.send("/settings")
    assert "from 9:00 pm to 8:00 am, messages arrive without a sound" in shown[-1].text
    await patient.press("🌙 Quiet nights: on")
    assert "🔔 Quiet nights: off" in patient.last.labels
    await patient.press("Done")
    await report_monday(patient)

    await at(bot, FOLLOWUP_TIME)

    assert followup_sounds(patient) == [False]
