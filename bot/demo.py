"""`iop-bot demo`: a scripted week at a demo clinic, through the real handlers, offline.

A throw-away database, a fake clock and an in-process fake Bot API: no token, no network.
"""

from __future__ import annotations

import asyncio
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from bot.app import running
from bot.clock import FakeClock
from bot.config import Config, ProgramConfig, StorageConfig, TelegramConfig
from bot.fake_telegram import ChatUser, FakeBotApi, FakeRequest
from bot.invites import issue_invite
from bot.schedule import load_schedule_file
from bot.scheduling import import_schedule
from storage.records import PersonRole

DEMO_SCHEDULE = Path(__file__).with_name("demo_schedule.toml")
ZONE = ZoneInfo("America/New_York")
START = datetime(2026, 11, 30, 9, 0, tzinfo=ZONE)  # a Monday morning


def run_demo(out: TextIO) -> None:
    with tempfile.TemporaryDirectory(prefix="iop-bot-demo-") as folder:
        asyncio.run(_play(Path(folder), out))


def demo_config(folder: Path) -> Config:
    return Config(
        source=folder / "demo.toml",
        telegram=TelegramConfig(bot_username="iop_demo_bot"),
        storage=StorageConfig(path=folder / "demo.sqlite3"),
        program=ProgramConfig(name="Riverside Evening IOP", timezone=ZONE),
    )


async def _play(folder: Path, out: TextIO) -> None:
    config = demo_config(folder)
    clock = FakeClock(START)
    api = FakeBotApi(username="iop_demo_bot", now=clock.now)

    def scene(title: str) -> None:
        local = clock.now().astimezone(ZONE)
        api.note("")
        api.note(f"── {local:%a %-d %b %Y, %-I:%M %p} ({ZONE.key}) · {title}")

    async with running(config, clock, FakeRequest(api)) as application:
        db = application.bot_data["services"].db
        now = clock.now()
        valid_for = config.invites.expire_after
        lee = await issue_invite(
            db, role=PersonRole.THERAPIST, now=now, valid_for=valid_for, handle="lee",
            name="Dr. Lee",
        )  # fmt: skip
        spec = load_schedule_file(DEMO_SCHEDULE, ZONE)
        await import_schedule(db, spec, now)
        alex = await issue_invite(
            db, role=PersonRole.PATIENT, now=now, valid_for=valid_for, handle="alex",
            name="Alex R.", therapist="lee", groups=("evening-a",),
        )  # fmt: skip
        api.note("The admin ran `iop-bot invite` for Dr. Lee and Alex and imported the schedule.")

        therapist = ChatUser(api, application, 501, "Dr. Lee")
        patient = ChatUser(api, application, 777, "Alex")
        stranger = ChatUser(api, application, 999, "Sam")
        group_chat = ChatUser(api, application, 777, "Alex", chat_id=-100123, chat_type="group")

        scene("the therapist joins")
        await therapist.send(f"/start {lee.code}")

        scene("the patient opens their invite")
        await patient.send(f"/start {alex.code}")
        await patient.press("Yes, that's okay")
        await patient.press("✅ Eastern time")

        clock.advance(timedelta(hours=3))
        scene("the patient checks the week")
        await patient.send("/schedule")
        await patient.send_sticker()

        scene("the therapist checks the week")
        await therapist.send("/schedule")

        clock.advance(timedelta(hours=23))
        scene("the patient can't make Thursday")
        await patient.send("cant make it thurs, double shift at work")
        await patient.press("Yes, that's the one")

        clock.advance(timedelta(days=1, hours=2))
        scene("plans change")
        await patient.send("actually I can make it thursday after all")

        clock.advance(timedelta(hours=21))
        scene("a missed session, told the next morning")
        await patient.send("sorry I missed yesterday's group")
        await patient.press("Yes, that's the one")
        await patient.press("Not feeling up to it")

        clock.advance(timedelta(hours=7, minutes=45))
        scene("running late")
        await patient.send("running 15 min late tonight, bus is slow")

        scene("something the bot can't place goes to a human")
        await patient.send("is there parking near the clinic?")
        await patient.press("Send this to my therapist")

        scene("a message that sounds like a crisis always comes first")
        await patient.send("I used again last night and I'm scared")

        scene("things the bot must handle kindly")
        await stranger.send("hello?")
        await stranger.send(f"/start {alex.code}")
        await group_chat.send("/schedule")
        await patient.edit("/start again")
        await patient.press_data("consent:yes", label="an old button")

    out.write("iop-bot demo: a scripted week at a demo clinic (offline, fake Telegram)\n")
    out.write("\n".join(api.transcript) + "\n")
