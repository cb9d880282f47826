"""Therapist roster and attendance marking, end to end, with the audit trail."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from pathlib import Path

import time_machine

from bot.cli import main
from bot.fake_telegram import ChatUser
from bot.kinds import Role
from storage import roster
from tests.helpers.clinic import NEW_YORK, BotHarness, onboard_patient


async def clinic(bot: BotHarness) -> tuple[ChatUser, ChatUser, ChatUser]:
    """Dr. Lee with Alex and Jo in Evening Group A; returns (therapist, alex, jo)."""
    lee, alex = await bot.clinic()
    jo = await bot.invite(Role.PATIENT, "jo", name="Jo P.", therapist="lee", groups=("evening-a",))
    therapist = bot.user(501, "Dr. Lee")
    await therapist.send(f"/start {lee.code}")
    alex_chat, jo_chat = bot.user(777, "Alex"), bot.user(778, "Jo")
    await onboard_patient(bot, alex_chat, alex.code, "✅ Eastern time")
    await onboard_patient(bot, jo_chat, jo.code, "✅ Eastern time")
    return therapist, alex_chat, jo_chat


async def monday_group_id(bot: BotHarness) -> int:
    row = await bot.db.fetch_one("SELECT id FROM occurrences WHERE local_date = '2026-11-30'")
    return row[0]


async def test_today_shows_who_is_coming(bot: BotHarness) -> None:
    therapist, alex, _ = await clinic(bot)
    await alex.send("can't make it tonight, my kid is sick")
    await alex.press("Yes, that's the one")

    text = (await therapist.send("/today"))[-1].text

    assert "Group Therapy, Mon 30 Nov, 6:00 pm (Evening Group A)" in text
    assert "❌ Alex R. — absent (childcare)" in text
    assert "▫️ Jo P. — no answer yet" in text


async def test_marking_toggles_and_is_audited(bot: BotHarness) -> None:
    therapist, alex, _ = await clinic(bot)
    await alex.send("can't make it tonight, work")
    await alex.press("Yes, that's the one")
    bot.clock.advance(timedelta(hours=12))  # 9 pm, the group has ended

    sessions = await therapist.send("/attendance")
    assert sessions[-1].labels[0] == "Group Therapy, Mon 30 Nov, 6:00 pm (Evening Group A)"
    sheet = await therapist.press("Group Therapy, Mon 30 Nov, 6:00 pm (Evening Group A)")
    assert sheet[-1].labels == ["❌ Alex R.", "▫️ Jo P.", "Done"]  # the report is pre-filled
    await therapist.press("▫️ Jo P.")
    await therapist.press("✅ Jo P.")
    done = await therapist.press("Done")

    assert "0 present, 1 late, 1 absent, 0 not marked" in done[-1].text
    occurrence_id = await monday_group_id(bot)
    log = await roster.audit_log(bot.db, occurrence_id)
    assert [(e.old_status, e.new_status) for e in log] == [(None, "present"), ("present", "late")]
    assert {e.changed_by for e in log} == {1}  # Dr. Lee's person id


async def test_future_and_foreign_sessions_cannot_be_marked(bot: BotHarness) -> None:
    therapist, _, _ = await clinic(bot)
    kim = await bot.invite(Role.THERAPIST, "kim", name="Dr. Kim")
    other = bot.user(502, "Dr. Kim")
    await other.send(f"/start {kim.code}")
    occurrence_id = await monday_group_id(bot)

    await therapist.press_data(f"at:open:{occurrence_id}")  # 9 am: not started yet
    assert "hasn't started yet" in bot.api.callback_answers[-1]
    bot.clock.advance(timedelta(hours=10))
    await other.press_data(f"at:open:{occurrence_id}")
    assert "only mark sessions you lead" in bot.api.callback_answers[-1]
    await other.press_data(f"at:{occurrence_id}:2")
    assert "only mark sessions you lead" in bot.api.callback_answers[-1]
    await therapist.press_data(f"at:{occurrence_id}:1")  # person 1 is Dr. Lee, not a member
    assert "expired" in bot.api.callback_answers[-1]
    assert await roster.audit_log(bot.db, occurrence_id) == []


async def test_patients_cannot_use_therapist_commands(bot: BotHarness) -> None:
    _, alex, _ = await clinic(bot)
    for command in ("/today", "/attendance"):
        replies = await alex.send(command)
        assert "isn't something I can do for you" in replies[-1].text


async def test_the_therapist_is_prompted_when_a_session_ends(bot: BotHarness) -> None:
    therapist, _, _ = await clinic(bot)

    bot.clock.set(datetime(2026, 11, 30, 21, 0, tzinfo=NEW_YORK))
    await bot.notifier.run_due()

    assert therapist.last.text == (
        "📝 Time to mark attendance\n"
        "Group Therapy, Mon 30 Nov, 6:00 pm (Evening Group A) has ended. Mark who was there?"
    )
    sheet = await therapist.press("Mark attendance")
    assert sheet[-1].labels == ["▫️ Alex R.", "▫️ Jo P.", "Done"]


async def test_no_prompt_for_a_cancelled_session(bot: BotHarness) -> None:
    therapist, _, _ = await clinic(bot)
    async with bot.db.transaction() as conn:
        await conn.execute(
            "UPDATE occurrences SET status = 'cancelled' WHERE local_date = '2026-11-30'"
        )

    bot.clock.set(datetime(2026, 11, 30, 21, 0, tzinfo=NEW_YORK))
    await bot.notifier.run_due()

    assert not [m for m in therapist.inbox if m.text.startswith("📝")]


async def test_a_session_imported_on_the_command_line_gets_its_attendance_prompt(
    bot: BotHarness, tmp_path: Path
) -> None:
    """The CLI re-plans as the bot does: a session imported while the bot runs, ending
    before the bot's own next re-plan, still asks its therapist to mark attendance."""
    therapist, _ = await bot.joined_clinic()
    extra = tmp_path / "extra.toml"
    extra.write_text(
        'timezone = "America/New_York"\n'
        "[[session]]\n"
        'id = "alex-individual-1"\nkind = "individual"\ntitle = "Individual Session"\n'
        'patient = "alex"\ntherapist = "lee"\n'
        'start = 2026-11-30T10:00:00\nduration = "1h"\n'
    )
    cli_config = tmp_path / "cli.toml"
    cli_config.write_text(
        f'[storage]\npath = "{bot.config.storage.path}"\n'
        '[program]\nname = "Test IOP"\ntimezone = "America/New_York"\n'
    )
    with time_machine.travel(bot.clock.now(), tick=False):
        code = await asyncio.to_thread(
            main, ["--config", str(cli_config), "schedule", "import", str(extra)]
        )
    assert code == 0
    bot.clock.set(datetime(2026, 11, 30, 11, 0, tzinfo=NEW_YORK))
    await bot.notifier.run_due()
    prompts = [m.text for m in therapist.inbox if "has ended" in m.text]
    assert prompts == [
        "📝 Time to mark attendance\n"
        "Individual Session, Mon 30 Nov, 10:00 am has ended. Mark who was there?"
    ]
