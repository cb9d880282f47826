"""`iop-bot demo`: a scripted week at a demo clinic, through the real handlers, offline.

A throw-away database, a simulated clock and an in-process fake Bot API: no token, no
network. Whenever the clock moves, the outbox sends what fell due, as the scheduler would.
With ``--lang es`` Alex and their buddy Sam use Telegram in Spanish and write in Spanish;
Dr. Lee reads English throughout.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from bot.app import running
from bot.attendance.digest import weekly_digest
from bot.clock import FakeClock
from bot.config import Config, ProgramConfig, StorageConfig, TelegramConfig
from bot.context import SERVICES
from bot.fake_telegram import ChatUser, FakeBotApi, FakeRequest
from bot.i18n import ENGLISH, SPANISH, supported, texts_for, writing_for
from bot.invites import IssuedInvite, issue_invite
from bot.kinds import Role
from bot.outbox.notifier import Notifier
from bot.schedule.file import load_schedule_file
from bot.schedule.sync import import_schedule
from bot.timezones import button_label
from storage.db import Database

DEMO_SCHEDULE = Path(__file__).with_name("demo_schedule.toml")
ZONE = ZoneInfo("America/New_York")
START = datetime(2026, 11, 30, 9, 0, tzinfo=ZONE)  # a Monday morning


# What Alex, Sam and a stranger write, in each language the demo plays in.
WORDS = {
    ENGLISH: {
        "cant": "cant make it thurs, double shift at work",
        "can": "actually I can make it thursday after all",
        "late": "running 15 min late tonight, bus is slow",
        "parking": "is there parking near the clinic?",
        "crisis": "I used again tonight and I'm scared",
        "hello": "hello?",
        "buddy": "how is Alex doing?",
    },
    SPANISH: {
        "cant": "no puedo ir el jueves, turno doble en el trabajo",
        "can": "al final sí voy el jueves",
        "late": "llego 15 min tarde hoy, el autobús va lento",
        "parking": "¿hay estacionamiento cerca de la clínica?",
        "crisis": "volví a consumir esta noche y tengo miedo",
        "hello": "¿hola?",
        "buddy": "¿cómo está Alex?",
    },
}


def run_demo(out: TextIO, language: str = ENGLISH) -> None:
    with tempfile.TemporaryDirectory(prefix="iop-bot-demo-") as folder:
        out.write(asyncio.run(_play(Path(folder), language)))


def demo_config(folder: Path) -> Config:
    return Config(
        source=folder / "demo.toml",
        telegram=TelegramConfig(bot_username="riverside_notes_bot"),
        storage=StorageConfig(path=folder / "demo.sqlite3"),
        program=ProgramConfig(name="Riverside Evening IOP", timezone=ZONE),
    )


async def seed_demo_clinic(
    db: Database, config: Config, now: datetime
) -> tuple[IssuedInvite, IssuedInvite]:
    """Invite Dr. Lee, import the demo schedule and invite Alex; return both invites."""
    valid_for = config.invites.expire_after
    lee = await issue_invite(
        db, role=Role.THERAPIST, now=now, valid_for=valid_for, handle="lee", name="Dr. Lee"
    )
    await import_schedule(db, load_schedule_file(DEMO_SCHEDULE, ZONE), now)
    alex = await issue_invite(
        db, role=Role.PATIENT, now=now, valid_for=valid_for, handle="alex",
        name="Alex R.", therapist="lee", groups=("evening-a",),
    )  # fmt: skip
    return lee, alex


async def let_time_pass(
    clock: FakeClock,
    notifier: Notifier,
    target: datetime,
    wake: Callable[[], Awaitable[object]],
) -> None:
    """Move the clock to ``target``, calling ``wake`` (which runs the outbox) at each due row
    on the way, as the scheduler would; what is due exactly at ``target`` is the caller's."""
    while (due := await notifier.dispatcher.next_due_at()) is not None and due < target:
        clock.set(max(due, clock.now()))
        await wake()
    clock.set(target)


async def _play(folder: Path, language: str = ENGLISH) -> str:
    config = demo_config(folder)
    clock = FakeClock(START)
    api = FakeBotApi(username="riverside_notes_bot", now=clock.now)

    async with running(config, clock, FakeRequest(api), simulated_time=True) as application:
        services = application.bot_data[SERVICES]
        db, notifier = services.db, services.notifier

        def scene(title: str) -> None:
            local = clock.now().astimezone(ZONE)
            api.note("")
            api.note(f"── {local:%a %-d %b, %-I:%M %p}" + (f" · {title}" if title else ""))

        async def wake() -> None:
            before = len(api.transcript)
            scene("")
            await notifier.run_due()
            if len(api.transcript) == before + 2:  # only withdrawn rows: say nothing
                del api.transcript[before:]

        async def at(day: int, hour: int, minute: int, title: str) -> None:
            """Let time pass to that day of the week (0 = Monday) and time."""
            target = START.replace(hour=hour, minute=minute) + timedelta(days=day)
            await let_time_pass(clock, notifier, target, wake)
            scene(title)
            await notifier.run_due()

        def person(user_id: int, name: str, **kwargs: object) -> ChatUser:
            return ChatUser(
                api, application, user_id, name, after_update=notifier.run_due, **kwargs
            )

        lee, alex = await seed_demo_clinic(db, config, clock.now())
        api.note("The admin imported the schedule and ran `iop-bot invite` for Dr. Lee and Alex.")

        t, words = texts_for(language), WORDS[supported(language)]  # Alex's and Sam's words
        therapist = person(501, "Dr. Lee")
        patient = person(777, "Alex", language_code=language)
        buddy = person(888, "Sam", language_code=language)
        stranger = person(999, "Jordan", language_code=language)
        group_chat = person(
            777, "Alex", chat_id=-100123, chat_type="group", language_code=language
        )
        with writing_for(language):
            eastern = t.TIMEZONE_PROGRAM_MARK.format(label=button_label("America/New_York"))

        await at(0, 9, 0, "Dr. Lee opens their invite link")
        await therapist.send(f"/start {lee.code}")

        await at(0, 9, 5, "Alex opens theirs: consent, time zone, enrolled")
        await patient.send(f"/start {alex.code}")
        await patient.press(t.CONSENT_YES)
        await patient.press(eastern)
        await patient.send("Al")

        await at(0, 9, 15, "Alex invites a reminder buddy; Sam says yes")
        await patient.send("/buddy")
        invitation = (await patient.press(t.BUDDY_INVITE))[-1].text
        await buddy.send("/start " + invitation.rsplit("start=", 1)[1])
        await buddy.press(t.BUDDY_YES)

        await at(0, 16, 0, "two hours before group: Sam's nudge (no clinical words)")
        await at(0, 17, 0, "one hour before group: Alex's reminder")
        await patient.press(t.BUTTON_CONFIRM)

        await at(0, 21, 0, "the group has ended: Dr. Lee marks attendance")
        await therapist.press("Mark attendance")
        await therapist.press("▫️ Alex R.")
        await therapist.press("Done")

        await at(1, 11, 0, "Alex can't make Thursday")
        await patient.send(words["cant"])
        await patient.press(t.CONFIRM_YES)

        await at(2, 13, 0, "plans change")
        await patient.send(words["can"])

        await at(2, 17, 0, "Wednesday's reminder: Alex can't come after all")
        await patient.press(t.BUTTON_ABSENT)
        await patient.press(t.REASON_LABELS["motivation"])
        await patient.press(patient.last.labels[0])  # Dr. Lee's catch-up slot

        await at(2, 23, 0, "two hours after the group: a caring follow-up")
        await patient.press(t.FOLLOWUP_MATERIAL)

        await at(3, 10, 0, "Dr. Lee adds the recording; Alex gets it and catches up")
        await therapist.send("/materials")
        await therapist.press(therapist.last.labels[1])
        await therapist.press("This session only")
        await therapist.send("Recording of Wednesday's group\nhttps://video.example/rec/wed")
        await therapist.send("/done")
        await patient.press(t.CAUGHT_UP)

        await at(3, 17, 45, "running late")
        await patient.send(words["late"])

        await at(3, 18, 30, "something the bot can't place goes to a human")
        await patient.send(words["parking"])
        await patient.press(t.SEND_TO_THERAPIST)

        await at(4, 9, 0, "Dr. Lee looks at one patient and at the week")
        await therapist.send("/patient alex")
        await therapist.send("/today")

        await at(4, 22, 30, "a message that sounds like a crisis always comes first")
        await patient.send(words["crisis"])
        await at(4, 22, 40, "Dr. Lee takes it: nobody else is paged")
        await therapist.press("I'm on it")

        await at(5, 10, 0, "things the bot must handle kindly")
        await stranger.send(words["hello"])
        await stranger.send(f"/start {alex.code}")
        await group_chat.send("/schedule")
        await patient.edit("/start again")
        await patient.send_sticker()
        await patient.press_data("consent:y:1", label="an old button")
        await buddy.send(words["buddy"])

        await at(7, 8, 0, "Monday morning: the weekly digest")
        await weekly_digest(db, notifier, config, clock.now())
        await notifier.run_due()

    header = (
        "iop-bot demo: a scripted week at a demo clinic (offline, simulated clock, fake Telegram)"
    )
    return header + "\n" + "\n".join(api.transcript) + "\n"
