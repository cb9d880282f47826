"""Access control and bad input: every odd update gets a kind answer and changes nothing."""

from __future__ import annotations

from datetime import datetime

import pytest

from storage import people
from tests.helpers.clinic import NEW_YORK, SCHEDULE, BotHarness, onboard_patient


async def registered_patient(bot: BotHarness):
    _, alex = await bot.clinic()
    patient = bot.user(777, "Alex")
    await onboard_patient(bot, patient, alex.code, "✅ Eastern time")
    return patient


async def test_group_chats_only_get_a_pointer_to_a_private_chat(bot: BotHarness) -> None:
    _, alex = await bot.clinic()
    in_group = bot.user(777, "Alex", chat_id=-100555, chat_type="supergroup")

    replies = await in_group.send(f"/start {alex.code}")
    chatter = await in_group.send("see you all tonight")

    assert [r.text for r in replies] == [
        "Hi! I only talk in private chats. Please message me directly: @iop_test_bot"
    ]
    assert chatter == []  # ordinary group chatter is not answered
    assert await people.find_by_telegram_id(bot.db, 777) is None


async def test_help_depends_on_role(bot: BotHarness) -> None:
    patient = await registered_patient(bot)
    stranger = bot.user(900, "Sam")

    assert "/schedule – Your sessions" in (await patient.send("/help"))[-1].text
    assert "open the personal invite link" in (await stranger.send("/help"))[-1].text


async def test_unknown_user_cannot_see_a_schedule(bot: BotHarness) -> None:
    await bot.clinic()
    replies = await bot.user(900, "Sam").send("/schedule")
    assert "we've met" in replies[-1].text
    assert "Group Therapy" not in replies[-1].text


async def test_patient_schedule_shows_only_their_sessions(bot: BotHarness) -> None:
    patient = await registered_patient(bot)
    someone_else = {
        "id": "jo-individual",
        "kind": "individual",
        "title": "Jo's Session",
        "patient": "jo",
        "therapist": "lee",
        "weekdays": ["tue"],
        "start": "10:00",
        "duration": "50m",
        "from": bot.clock.now().date(),
    }
    await bot.import_schedule({**SCHEDULE, "series": [*SCHEDULE["series"], someone_else]})

    text = (await patient.send("/schedule"))[-1].text

    assert "Group Therapy" in text
    assert "Jo's Session" not in text


async def test_stickers_photos_voice_and_long_text_get_kind_replies(bot: BotHarness) -> None:
    patient = await registered_patient(bot)

    for send in (patient.send_sticker, patient.send_photo, patient.send_voice):
        replies = await send()
        assert "I can only read text messages" in replies[-1].text
    long = await patient.send("a" * 4096)
    assert "not sure I understood" in long[-1].text


async def test_edited_message_does_not_rerun_a_command(bot: BotHarness) -> None:
    _, alex = await bot.clinic()
    patient = bot.user(777, "Alex")

    replies = await patient.edit(f"/start {alex.code}")

    assert "edited a message" in replies[-1].text
    assert await people.find_by_telegram_id(bot.db, 777) is None


async def test_unknown_command_and_stale_button(bot: BotHarness) -> None:
    patient = await registered_patient(bot)

    assert "don't know that command" in (await patient.send("/frobnicate"))[-1].text
    await patient.press_data("consent:yes")
    assert "expired" in bot.api.callback_answers[-1]


async def test_schedule_keeps_six_pm_through_the_dst_change(bot: BotHarness) -> None:
    bot.clock.set(datetime(2026, 10, 29, 9, 0, tzinfo=NEW_YORK))  # Thursday before 1 Nov
    patient = await registered_patient(bot)

    text = (await patient.send("/schedule"))[-1].text

    assert "Thu 29 Oct, 6:00 pm – 9:00 pm" in text  # EDT
    assert "Mon 2 Nov, 6:00 pm – 9:00 pm" in text  # EST
    assert "Wed 4 Nov, 6:00 pm – 9:00 pm" in text


HUGE = "9" * 40


@pytest.mark.parametrize(
    "data",
    [
        f"ab:o:{HUGE}",
        f"r:c:{HUGE}",
        f"r:a:{HUGE}",
        f"r:l:{HUGE}",
        f"r:m:{HUGE}:15",
        f"fwd:{HUGE}",
        f"fu:t:{HUGE}",
        f"cu:{HUGE}",
        f"bd:end:{HUGE}",
        f"at:open:{HUGE}",
        f"at:{HUGE}:1",
        f"pt:{HUGE}",
        f"mt:o:{HUGE}",
        f"cl:{HUGE}:u",
        f"sf:s:{HUGE}",
        f"sa:{HUGE}",
        f"bw:{HUGE}",
        f"consent:y:{HUGE}",
        f"bu:y:{HUGE}:0123456789abcdef",
        "r:c:１２",
        "r:c:12\n",
    ],
)
async def test_forged_buttons_with_huge_or_odd_numbers_just_expire(
    bot: BotHarness, data: str
) -> None:
    therapist, patient = await bot.joined_clinic()
    for user in (therapist, patient):
        replies = await user.press_data(data)
        assert all("went wrong" not in reply.text for reply in replies)
        assert bot.api.callback_answers[-1].startswith(
            ("That button has expired", "Sorry, that isn't something")
        ), data
