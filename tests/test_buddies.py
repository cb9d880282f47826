"""Reminder buddies and reminder settings, end to end."""

from __future__ import annotations

import re
from datetime import datetime

from bot.fake_telegram import ChatUser
from storage import buddies as buddy_store
from tests.helpers.clinic import NEW_YORK, BotHarness

MONDAY_5PM = datetime(2026, 11, 30, 17, 0, tzinfo=NEW_YORK)
CLINICAL = re.compile(
    r"therap|group|treatment|program|clinic|iop|session|counsel|recovery|absen|missed|reason",
    re.IGNORECASE,
)


async def clinic(bot: BotHarness) -> tuple[ChatUser, ChatUser]:
    return await bot.joined_clinic()


async def invite_buddy(patient: ChatUser) -> str:
    await patient.send("/buddy")
    replies = await patient.press("Invite a buddy")
    return re.search(r"start=(b-[A-Za-z0-9_-]+)", replies[-1].text).group(1)


async def at(bot: BotHarness, moment: datetime) -> None:
    bot.clock.set(moment)
    await bot.notifier.run_due()


def everything_seen_by(bot: BotHarness, chat_id: int) -> list[str]:
    seen = [m.text for m in bot.api.messages_to(chat_id)]
    seen += [label for m in bot.api.messages_to(chat_id) for label in m.labels]
    return seen


async def test_a_buddy_accepts_and_gets_a_plain_nudge(bot: BotHarness) -> None:
    _, patient = await clinic(bot)
    payload = await invite_buddy(patient)
    invitation = patient.last.text
    friend = bot.user(900, "Sam")

    offer = await friend.send(f"/start {payload}")
    assert "Alex invited you to be their reminder buddy" in offer[-1].text
    accepted = await friend.press("Yes, I'll help")
    bot.clock.set(MONDAY_5PM.replace(hour=15, minute=59))
    await at(bot, MONDAY_5PM.replace(hour=16))

    assert "Thank you!" in accepted[-1].text
    assert any("Sam said yes" in m.text for m in patient.inbox)
    nudges = [m.text for m in friend.inbox if m.text.startswith("👋 Reminder")]
    assert nudges == [
        "👋 Reminder: Alex has an appointment today at 6:00 pm.\n\n"
        "Send /stop if you'd rather not get these reminders."
    ]
    assert bot.api.commands["chat:900"] == ["stop", "privacy", "help"]
    # The bot's own username is the clinic's choice (README: pick a neutral one).
    for text in [invitation.split("https://")[0], *everything_seen_by(bot, 900)]:
        assert not CLINICAL.search(text), text


async def test_the_buddy_sees_nothing_else(bot: BotHarness) -> None:
    _, patient = await clinic(bot)
    friend = bot.user(900, "Sam")
    await friend.send(f"/start {await invite_buddy(patient)}")
    await friend.press("Yes, I'll help")

    for command in ("/schedule", "/today", "/absent", "/catchup", "hello, how is Alex doing?"):
        await friend.send(command)
    await patient.send("can't make it tonight, work")
    await patient.press("Yes, that's the one")

    for text in everything_seen_by(bot, 900):
        assert not CLINICAL.search(text), text
        assert "work" not in text.lower()


async def test_declining_tells_the_patient_and_stores_no_link(bot: BotHarness) -> None:
    _, patient = await clinic(bot)
    friend = bot.user(900, "Sam")
    await friend.send(f"/start {await invite_buddy(patient)}")

    await friend.press("No, thanks")

    assert "Sam said no thanks" in patient.last.text
    assert await buddy_store.buddy_links_of(bot.db, 900) == []


async def test_either_side_can_stop_and_nudges_stop_at_once(bot: BotHarness) -> None:
    _, patient = await clinic(bot)
    friend = bot.user(900, "Sam")
    await friend.send(f"/start {await invite_buddy(patient)}")
    await friend.press("Yes, I'll help")

    stopped = await friend.send("/stop")
    await at(bot, MONDAY_5PM)

    assert "won't get any more reminders" in stopped[-1].text
    assert (
        "Sam has stopped the reminders" in [m.text for m in patient.inbox][-2] + patient.last.text
    )
    assert not [m for m in friend.inbox if m.text.startswith("👋")]

    other = bot.user(901, "Kim")
    await other.send(f"/start {await invite_buddy(patient)}")
    await other.press("Yes, I'll help")  # at 5 pm: tonight's nudge is still due, and comes
    await patient.send("/buddy")
    await patient.press("Stop reminders for Kim")
    await at(bot, datetime(2026, 12, 2, 16, 0, tzinfo=NEW_YORK))  # Wednesday's nudge time
    assert "Alex has turned off the reminders" in other.last.text
    assert len([m for m in other.inbox if m.text.startswith("👋")]) == 1


async def test_links_cannot_be_misused(bot: BotHarness) -> None:
    _, patient = await clinic(bot)
    payload = await invite_buddy(patient)

    own = await patient.send(f"/start {payload}")
    assert "for a friend or family member" in own[-1].text
    friend, stranger = bot.user(900, "Sam"), bot.user(902, "Eve")
    await friend.send(f"/start {payload}")
    buddy_id = (await buddy_store.buddies_of_patient(bot.db, 2))[0].id
    await stranger.press_data(f"bu:y:{buddy_id}:0000000000000000")
    assert "already been used or has expired" in bot.api.callback_answers[-1]
    await friend.press("Yes, I'll help")
    again = await stranger.send(f"/start {payload}")
    assert "already been used" in again[-1].text
    assert await buddy_store.buddy_links_of(bot.db, 902) == []
    await stranger.press_data(f"bd:end:{buddy_id}")
    assert (await buddy_store.buddy_links_of(bot.db, 900))[0].id == buddy_id


async def test_settings_change_which_reminders_come(bot: BotHarness) -> None:
    _, patient = await clinic(bot)

    shown = await patient.send("/settings")
    assert "Now: 1 day before, 1 hour before" in shown[-1].text
    await patient.press("✅ 1 hour before")
    await patient.press("▫️ 30 minutes before")
    done = await patient.press("Done")
    await at(bot, MONDAY_5PM)
    assert not [m for m in patient.inbox if m.text.startswith("⏰ Reminder")]
    await at(bot, MONDAY_5PM.replace(minute=30))

    assert done[-1].text == "Saved. I'll remind you: 1 day before, 30 minutes before. 🙂"
    reminders = [m.text for m in patient.inbox if m.text.startswith("⏰ Reminder")]
    assert reminders == [
        "⏰ Reminder: your appointment today at 6:00 pm (in 30 minutes).\nGroup Therapy"
    ]


async def test_discreet_first_lines_can_be_turned_off_in_settings(bot: BotHarness) -> None:
    _, patient = await clinic(bot)

    await patient.send("/settings")
    await patient.press("🔒 Discreet first lines: on")
    assert "🔓 Discreet first lines: off" in patient.last.labels
    await patient.press("Done")
    await at(bot, MONDAY_5PM)

    reminders = [m.text for m in patient.inbox if m.text.startswith("⏰ Reminder")]
    assert reminders == ["⏰ Reminder: Group Therapy today at 6:00 pm (in 1 hour)."]
