"""The real wake-up path: the JobQueue job, on the real clock, sends what falls due."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.app import running
from bot.clock import SystemClock
from bot.config import Config
from bot.fake_telegram import ChatUser, FakeBotApi, FakeRequest
from bot.invites import issue_invite
from bot.kinds import Role
from bot.schedule.file import parse_schedule
from bot.schedule.sync import import_schedule
from bot.understanding.engine import MessageReader
from tests.helpers.clinic import NEW_YORK


async def test_an_alert_goes_out_through_the_job_queue_without_anyone_asking(
    config: Config, reader: MessageReader
) -> None:
    clock = SystemClock()
    start = (datetime.now(UTC) + timedelta(hours=3)).astimezone(NEW_YORK)
    schedule = {
        "group": [{"id": "tonight", "name": "Tonight", "therapist": "lee"}],
        "session": [
            {
                "id": "later",
                "kind": "group",
                "title": "Group Therapy",
                "group": "tonight",
                "start": start.replace(tzinfo=None, second=0, microsecond=0),
                "duration": "1h",
            }
        ],
    }
    api = FakeBotApi(now=clock.now)
    async with running(config, clock, FakeRequest(api), reader) as application:
        db = application.bot_data["services"].db
        now = clock.now()
        day = timedelta(days=1)
        lee = await issue_invite(db, role=Role.THERAPIST, now=now, valid_for=day, handle="lee")
        await import_schedule(db, parse_schedule(schedule, Path("s.toml"), NEW_YORK), now)
        alex = await issue_invite(
            db, role=Role.PATIENT, now=now, valid_for=day, handle="alex",
            therapist="lee", groups=("tonight",),
        )  # fmt: skip
        # No after-update hook here: only the JobQueue wake-up can send the alert.
        therapist = ChatUser(api, application, 501, "Dr. Lee")
        patient = ChatUser(api, application, 777, "Alex")
        await therapist.send(f"/start {lee.code}")
        await patient.send(f"/start {alex.code}")
        await patient.press("Yes, that's okay")
        await patient.press("✅ Eastern time")
        await patient.press(patient.last.labels[0])  # the name to use, as suggested
        await patient.send("I won't be able to make it")
        await patient.press(patient.last.labels[0])
        await patient.press("Work")
        for _ in range(100):
            if therapist.last.text.startswith("🔔"):
                break
            await asyncio.sleep(0.05)

    assert therapist.last.text.startswith("🔔 New absence report\nalex can't make it")
