"""A clinic for the tests: its schedule, a running bot over the fake Bot API, and the people
in it. Fixtures in ``conftest.py`` build on these."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from telegram.ext import Application

from bot.app import running
from bot.clock import FakeClock
from bot.config import Config
from bot.fake_telegram import ChatUser, FakeBotApi, FakeRequest
from bot.invites import IssuedInvite, issue_invite
from bot.kinds import Role
from bot.outbox.notifier import Notifier
from bot.schedule.file import parse_schedule
from bot.schedule.sync import import_schedule
from bot.understanding.engine import MessageReader
from storage.db import Database
from storage.records import ImportSummary

# PTB 22 warns on every RetryAfter otherwise (the app sets it too, on import).
os.environ.setdefault("PTB_TIMEDELTA", "true")

NEW_YORK = ZoneInfo("America/New_York")
MONDAY_9AM = datetime(2026, 11, 30, 9, 0, tzinfo=NEW_YORK)

SCHEDULE = {
    "timezone": "America/New_York",
    "group": [{"id": "evening-a", "name": "Evening Group A", "therapist": "lee"}],
    "series": [
        {
            "id": "evening-a-group",
            "kind": "group",
            "title": "Group Therapy",
            "group": "evening-a",
            "weekdays": ["mon", "wed", "thu"],
            "start": "18:00",
            "duration": "3h",
            "from": date(2026, 10, 5),
            "link": "https://video.example/evening-a",
        }
    ],
}


@dataclass
class BotHarness:
    api: FakeBotApi
    application: Application
    db: Database
    clock: FakeClock
    config: Config

    @property
    def notifier(self) -> Notifier:
        return self.application.bot_data["services"].notifier

    def user(self, user_id: int, name: str, **kwargs: object) -> ChatUser:
        """A person whose every update is followed by the outbox's wake-up, as in real time."""
        return ChatUser(
            self.api, self.application, user_id, name, after_update=self.notifier.run_due, **kwargs
        )

    async def invite(self, role: Role, handle: str, **kwargs: object) -> IssuedInvite:
        return await issue_invite(
            self.db,
            role=role,
            now=self.clock.now(),
            valid_for=self.config.invites.expire_after,
            handle=handle,
            **kwargs,
        )

    async def import_schedule(self, raw: dict | None = None) -> ImportSummary:
        spec = parse_schedule(raw or SCHEDULE, Path("schedule.toml"), NEW_YORK)
        return await import_schedule(self.db, spec, self.clock.now())

    async def joined_clinic(
        self, zone_label: str = "✅ Eastern time"
    ) -> tuple[ChatUser, ChatUser]:
        """Dr. Lee and Alex invited and registered; returns their chats (therapist, patient)."""
        lee, alex = await self.clinic()
        therapist = self.user(501, "Dr. Lee")
        await therapist.send(f"/start {lee.code}")
        patient = self.user(777, "Alex")
        await onboard_patient(self, patient, alex.code, zone_label)
        return therapist, patient

    async def clinic(self) -> tuple[IssuedInvite, IssuedInvite]:
        """Dr. Lee and Alex invited, the evening group imported; returns their invites."""
        lee = await self.invite(Role.THERAPIST, "lee", name="Dr. Lee")
        await self.import_schedule()
        alex = await self.invite(
            Role.PATIENT, "alex", name="Alex R.", therapist="lee", groups=("evening-a",)
        )
        return lee, alex


@asynccontextmanager
async def start_bot(
    config: Config, clock: FakeClock, reader: MessageReader, api: FakeBotApi | None = None
) -> AsyncIterator[BotHarness]:
    """Run the real application on ``config`` against a fake Bot API (a new one by default)."""
    api = api or FakeBotApi(username="iop_test_bot", now=clock.now)
    async with running(
        config, clock, FakeRequest(api), reader, simulated_time=True
    ) as application:
        db = application.bot_data["services"].db
        yield BotHarness(api, application, db, clock, config)


async def onboard_patient(harness: BotHarness, user: ChatUser, code: str, zone_label: str) -> None:
    """Walk a patient through consent, time zone and the name to use (the suggested one)."""
    await user.send(f"/start {code}")
    await user.press("Yes, that's okay")
    asked = await user.press(zone_label)
    await user.press(asked[-1].labels[0])
