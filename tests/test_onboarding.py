"""Onboarding end to end: the real Application, a fake Bot API, a fake clock."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot import invites
from bot.fake_telegram import InjectedError
from bot.kinds import Role
from storage import people
from tests.helpers.clinic import BotHarness, onboard_patient


async def test_therapist_registers_with_their_link(bot: BotHarness) -> None:
    lee, _ = await bot.clinic()
    doctor = bot.user(501, "Dr. Lee")

    replies = await doctor.send(f"/start {lee.code}")

    assert "Welcome, Dr. Lee!" in replies[-1].text
    assert "/schedule" in replies[-1].text
    person = await people.find_by_telegram_id(bot.db, 501)
    assert person is not None and person.role is Role.THERAPIST
    assert bot.api.commands["chat:501"] == [
        "today",
        "attendance",
        "materials",
        "patient",
        "report",
        "slots",
        "schedule",
        "language",
        "help",
    ]


async def test_patient_consents_picks_zone_and_is_enrolled(bot: BotHarness) -> None:
    _, alex = await bot.clinic()
    patient = bot.user(777, "Alex")

    consent = await patient.send(f"/start {alex.code}")
    assert "what I keep and who sees it" in consent[-1].text
    assert consent[-1].labels == ["Yes, that's okay", "No, thanks"]
    assert await people.find_by_telegram_id(bot.db, 777) is None  # nothing until they finish

    question = await patient.press("Yes, that's okay")
    assert question[-1].labels[0] == "✅ Eastern time"  # the program's zone comes first

    asked = await patient.press("Pacific time")
    assert asked[-1].text.startswith("What would you like me to call you? Tap Alex")
    welcome = await patient.send("Lex")
    text = welcome[-1].text
    assert "You're all set, Lex!" in text and "Dr. Lee" in text
    # 18:00 in New York is 3:00 pm in Los Angeles.
    assert "Mon 30 Nov, 3:00 pm – 6:00 pm · Group Therapy" in text
    assert "Times are in Pacific time." in text
    person = await people.find_by_telegram_id(bot.db, 777)
    assert person.timezone == "America/Los_Angeles"
    assert await people.list_groups_of(bot.db, person.id) == ["Evening Group A"]
    assert bot.api.commands["chat:777"] == [
        "schedule",
        "calendar",
        "absent",
        "catchup",
        "settings",
        "name",
        "buddy",
        "letter",
        "fees",
        "privacy",
        "mydata",
        "language",
        "help",
    ]


async def test_declining_consent_stores_nothing_and_keeps_the_link_usable(bot: BotHarness) -> None:
    _, alex = await bot.clinic()
    patient = bot.user(777, "Alex")
    await patient.send(f"/start {alex.code}")

    replies = await patient.press("No, thanks")

    assert "I haven't saved anything" in replies[-1].text
    assert await people.find_by_telegram_id(bot.db, 777) is None
    await onboard_patient(bot, patient, alex.code, "✅ Eastern time")
    assert await people.find_by_telegram_id(bot.db, 777) is not None


async def test_start_without_code_explains_how_to_begin(bot: BotHarness) -> None:
    replies = await bot.user(900, "Sam").send("/start")
    assert "open the personal invite link" in replies[-1].text


async def test_unknown_and_malformed_codes_are_refused(bot: BotHarness) -> None:
    await bot.clinic()
    sam = bot.user(900, "Sam")
    for code in ("x" * 22, "not a code at all", "💥" * 5, "a" * 300):
        replies = await sam.send(f"/start {code}")
        assert "couldn't find that invite" in replies[-1].text
    assert await people.find_by_telegram_id(bot.db, 900) is None


async def test_used_code_is_refused_for_someone_else(bot: BotHarness) -> None:
    lee, _ = await bot.clinic()
    await bot.user(501, "Dr. Lee").send(f"/start {lee.code}")

    replies = await bot.user(900, "Sam").send(f"/start {lee.code}")

    assert "already been used" in replies[-1].text
    assert await people.find_by_telegram_id(bot.db, 900) is None


async def test_expired_code_is_refused(bot: BotHarness) -> None:
    _, alex = await bot.clinic()
    bot.clock.advance(bot.config.invites.expire_after + timedelta(minutes=1))

    replies = await bot.user(777, "Alex").send(f"/start {alex.code}")

    assert "expired" in replies[-1].text
    assert await people.find_by_telegram_id(bot.db, 777) is None


async def test_code_for_another_role_changes_nothing(bot: BotHarness) -> None:
    lee, alex = await bot.clinic()
    doctor = bot.user(501, "Dr. Lee")
    await doctor.send(f"/start {lee.code}")

    replies = await doctor.send(f"/start {alex.code}")

    assert "This link is for a patient" in replies[-1].text
    assert "as a therapist" in replies[-1].text
    # The patient's link still works for the patient.
    await onboard_patient(bot, bot.user(777, "Alex"), alex.code, "✅ Eastern time")
    assert (await people.find_by_telegram_id(bot.db, 777)).handle == "alex"


async def test_a_link_opened_by_two_people_belongs_to_the_first(bot: BotHarness) -> None:
    _, alex = await bot.clinic()
    patient, other = bot.user(777, "Alex"), bot.user(900, "Sam")
    await patient.send(f"/start {alex.code}")

    replies = await other.send(f"/start {alex.code}")

    assert "already been used" in replies[-1].text
    await patient.press("Yes, that's okay")
    await patient.press("✅ Eastern time")
    assert (await people.find_by_telegram_id(bot.db, 777)).handle == "alex"
    assert await people.find_by_telegram_id(bot.db, 900) is None


async def test_free_text_and_cancel_during_onboarding(bot: BotHarness) -> None:
    _, alex = await bot.clinic()
    patient = bot.user(777, "Alex")
    await patient.send(f"/start {alex.code}")

    nudge = await patient.send("what is this?")
    assert "tap one of the buttons" in nudge[-1].text
    cancelled = await patient.send("/cancel")
    assert "Nothing was saved" in cancelled[-1].text
    stale = await patient.press("Yes, that's okay")
    assert stale == [] and "expired" in bot.api.callback_answers[-1]
    assert await people.find_by_telegram_id(bot.db, 777) is None


async def test_forged_time_zone_button_is_refused(bot: BotHarness) -> None:
    _, alex = await bot.clinic()
    patient = bot.user(777, "Alex")
    await patient.send(f"/start {alex.code}")
    await patient.press("Yes, that's okay")

    await patient.press_data("tz:Mars/Olympus_Mons")

    assert "expired" in bot.api.callback_answers[-1]
    assert await people.find_by_telegram_id(bot.db, 777) is None
    await patient.press("Central time")  # the real buttons still work
    assert (await people.find_by_telegram_id(bot.db, 777)).timezone == "America/Chicago"


async def test_reinvite_revokes_the_older_link(bot: BotHarness) -> None:
    _, old = await bot.clinic()
    new = await bot.invite(Role.PATIENT, "alex", therapist="lee")

    replies = await bot.user(777, "Alex").send(f"/start {old.code}")

    assert "already been used" in replies[-1].text
    await onboard_patient(bot, bot.user(777, "Alex"), new.code, "✅ Eastern time")
    assert (await people.find_by_telegram_id(bot.db, 777)).handle == "alex"


async def test_registered_user_opening_start_again(bot: BotHarness) -> None:
    lee, _ = await bot.clinic()
    doctor = bot.user(501, "Dr. Lee")
    await doctor.send(f"/start {lee.code}")

    again = await doctor.send(f"/start {lee.code}")
    plain = await doctor.send("/start")

    assert "already set up" in again[-1].text
    assert "Welcome back, Dr. Lee" in plain[-1].text


async def test_failed_send_during_registration_apologises_with_reference(
    bot: BotHarness, caplog
) -> None:
    lee, _ = await bot.clinic()
    bot.api.inject_error("setMyCommands", InjectedError(400, "Bad Request: boom"))

    replies = await bot.user(501, "Dr. Lee").send(f"/start {lee.code}")

    assert "Sorry, something went wrong" in replies[-1].text
    reference = replies[-1].text.rsplit(" ", 1)[-1]
    assert f"ref={reference}" in caplog.text
    assert lee.code not in caplog.text  # no message text in logs


def test_new_codes_never_read_as_buddy_links(monkeypatch: pytest.MonkeyPatch) -> None:
    drawn = iter(["b-looks-like-a-buddy-link", "c-a-person-invite-code-xx"])
    monkeypatch.setattr(invites.secrets, "token_urlsafe", lambda _: next(drawn))

    assert invites.new_code() == "c-a-person-invite-code-xx"


async def test_an_older_person_code_that_starts_like_a_buddy_link_still_works(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(invites, "new_code", lambda: "b-an-older-therapist-code")
    lee = await bot.invite(Role.THERAPIST, "lee", name="Dr. Lee")

    replies = await bot.user(501, "Dr. Lee").send(f"/start {lee.code}")

    assert "Dr. Lee" in replies[-1].text
    assert (await people.find_by_handle(bot.db, "lee")).telegram_id == 501


async def test_one_person_opening_two_patient_links_is_enrolled_as_the_newest(
    bot: BotHarness,
) -> None:
    lee, alex = await bot.clinic()
    jo = await bot.invite(Role.PATIENT, "jo", name="Jo P.", therapist="lee")
    await bot.user(501, "Dr. Lee").send(f"/start {lee.code}")
    person = bot.user(777, "Someone")
    first = await person.send(f"/start {alex.code}")
    await person.send(f"/start {jo.code}")

    await person.press_data(first[-1].buttons[0][0]["callback_data"], first[-1])
    assert first[-1].text.startswith("You've opened another invite link since")
    await person.press("Yes, that's okay")  # on Jo's consent notice
    await person.press("✅ Eastern time")

    enrolled = await people.find_by_telegram_id(bot.db, 777)
    assert enrolled is not None and enrolled.handle == "jo"
    owner = bot.user(778, "Alex")
    await onboard_patient(bot, owner, alex.code, "✅ Eastern time")
    assert (await people.find_by_telegram_id(bot.db, 778)).handle == "alex"


async def test_before_consent_the_greeting_names_nobody_and_privacy_is_always_there(
    bot: BotHarness,
) -> None:
    _, alex = await bot.clinic()
    stranger = bot.user(779, "Someone who got the link forwarded")

    greeting = (await stranger.send(f"/start {alex.code}"))[-1].text
    privacy = (await bot.user(780, "Anyone").send("/privacy"))[-1].text

    assert greeting.startswith("Hi! You've been invited to a reminder service.")
    assert "Alex" not in greeting and "Test IOP" not in greeting
    for text in (greeting, privacy):
        assert "billing" in text and "insurance" in text and "Telegram carries" in text


async def test_a_patient_can_change_the_name_the_bot_uses(bot: BotHarness) -> None:
    _, patient = await bot.joined_clinic()

    bad = await patient.send("/name " + "x" * 60)
    good = await patient.send("/name Lexi")
    later = await patient.send("/start")

    assert "just the name" in bad[-1].text
    assert good[-1].text == "Okay, I'll call you Lexi. 🙂"
    assert later[-1].text.startswith("Welcome back, Lexi!")
