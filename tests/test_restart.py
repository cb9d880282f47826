"""A dialog left half-way survives a restart of the bot."""

from __future__ import annotations

from bot.app import running
from bot.clock import FakeClock
from bot.config import Config
from bot.fake_telegram import ChatUser, FakeBotApi, FakeRequest
from bot.invites import issue_invite
from bot.kinds import Role
from storage import people
from tests.helpers.clinic import BotHarness


async def test_onboarding_continues_after_a_restart(config: Config, clock: FakeClock) -> None:
    api = FakeBotApi(now=clock.now)  # Telegram's side outlives the bot process
    async with running(config, clock, FakeRequest(api)) as application:
        db = application.bot_data["services"].db
        harness = BotHarness(api, application, db, clock, config)
        _, alex = await harness.clinic()
        patient = harness.user(777, "Alex")
        await patient.send(f"/start {alex.code}")
        await patient.press("Yes, that's okay")

    async with running(config, clock, FakeRequest(api)) as restarted:
        await ChatUser(api, restarted, 777, "Alex").press("Central time")
        replies = await ChatUser(api, restarted, 777, "Alex").press("Alex")
        db = restarted.bot_data["services"].db
        person = await people.find_by_telegram_id(db, 777)

    assert "You're all set, Alex!" in replies[-1].text
    assert person is not None and person.timezone == "America/Chicago"


async def test_a_finished_dialog_does_not_come_back_after_a_restart(
    config: Config, clock: FakeClock
) -> None:
    api = FakeBotApi(now=clock.now)
    async with running(config, clock, FakeRequest(api)) as application:
        db = application.bot_data["services"].db
        lee = await issue_invite(
            db, role=Role.THERAPIST, now=clock.now(), valid_for=config.invites.expire_after,
            handle="lee",
        )  # fmt: skip
        await ChatUser(api, application, 501, "Lee").send(f"/start {lee.code}")

    api = FakeBotApi(now=clock.now)
    async with running(config, clock, FakeRequest(api)) as application:
        replies = await ChatUser(api, application, 501, "Lee").send("hello")

    assert "please use the commands below" in replies[-1].text
