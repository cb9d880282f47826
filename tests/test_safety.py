"""The safety net end to end: urgent alerts that someone takes, safety checks answered each
way or left unanswered, escalation to on-call, captions, invisible characters, a worried
buddy, a therapist's own words, and asking when unsure."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest

from bot.clock import FakeClock
from bot.config import Config
from bot.fake_telegram import ChatUser
from bot.kinds import Role
from bot.outbox.rows import NotificationKind, person_event
from bot.understanding.engine import MessageReader, Thresholds
from storage import outbox as outbox_store
from storage import safety as safety_store
from tests.helpers.clinic import NEW_YORK, BotHarness, onboard_patient, start_bot

# Clear crisis wording (the model reads it above every urgent threshold).
CRISIS = "I want to die"


@pytest.fixture
async def on_call_bot(
    config: Config, clock: FakeClock, reader: MessageReader
) -> AsyncIterator[BotHarness]:
    """Dr. Kim is on call; the bot reads with the clinic's thresholds."""
    config = replace(config, safety=replace(config.safety, on_call=("kim",)))
    async with start_bot(config, clock, reader) as harness:
        yield harness


@pytest.fixture(scope="module")
def checking_reader() -> MessageReader:
    """Everything crisis-like is only a possible crisis: a safety check, never urgent."""
    return MessageReader(Thresholds(urgent_above=1.01, explicit_above=1.01))


@pytest.fixture
async def check_bot(
    config: Config, clock: FakeClock, checking_reader: MessageReader
) -> AsyncIterator[BotHarness]:
    async with start_bot(config, clock, checking_reader) as harness:
        yield harness


async def _with_kim(bot: BotHarness) -> tuple[ChatUser, ChatUser, ChatUser]:
    lee, alex = await bot.joined_clinic()
    kim_invite = await bot.invite(Role.THERAPIST, "kim", name="Dr. Kim")
    kim = bot.user(502, "Dr. Kim")
    await kim.send(f"/start {kim_invite.code}")
    return lee, alex, kim


async def _later(bot: BotHarness, minutes: int) -> None:
    bot.clock.advance(timedelta(minutes=minutes))
    await bot.notifier.run_due()


def _urgent(user: ChatUser) -> list[str]:
    return [m.text for m in user.inbox if m.text.startswith("🚨")]


async def test_an_urgent_alert_escalates_to_on_call_until_someone_takes_it(
    on_call_bot: BotHarness,
) -> None:
    bot = on_call_bot
    lee, alex, kim = await _with_kim(bot)

    reply = await alex.send(CRISIS)

    assert "988" in reply[-1].text and "Dr. Lee" in reply[-1].text
    assert _urgent(lee) == [lee.last.text] and "Alex R." in lee.last.text
    assert lee.last.labels == ["I'm on it"]
    assert _urgent(kim) == []
    await _later(bot, 15)
    assert len(_urgent(kim)) == 1 and "Not yet taken after 15 minutes" in kim.last.text
    await _later(bot, 15)
    assert len(_urgent(kim)) == 2

    await kim.press("I'm on it")
    assert "Dr. Kim is on it" in lee.last.text
    await _later(bot, 60)
    assert len(_urgent(kim)) == 2  # taken: no more rounds
    await lee.press("I'm on it")
    assert bot.api.callback_answers[-1] == "Dr. Kim is already on it."

    (event_id,) = [row[0] for row in await bot.db.fetch_all("SELECT id FROM safety_events")]
    steps = [entry.what for entry in await safety_store.event_log(bot.db, event_id)]
    assert steps == ["urgent opened", "acknowledged"]


async def test_a_stranger_cannot_take_an_alert(on_call_bot: BotHarness) -> None:
    lee, alex, _ = await _with_kim(on_call_bot)
    await alex.send(CRISIS)
    other_invite = await on_call_bot.invite(Role.THERAPIST, "ray", name="Dr. Ray")
    ray = on_call_bot.user(503, "Dr. Ray")
    await ray.send(f"/start {other_invite.code}")
    data = lee.last.buttons[0][0]["callback_data"]

    await ray.press_data(data)

    assert on_call_bot.api.callback_answers[-1].startswith("That button has expired")
    assert "is on it" not in lee.last.text


async def test_a_safety_check_answered_safe_sends_a_calm_note(check_bot: BotHarness) -> None:
    lee, alex = await check_bot.joined_clinic()

    reply = await alex.send(CRISIS)

    assert reply[-1].text.endswith("Are you safe right now?")
    assert reply[-1].labels == ["I'm safe", "I need help now"]
    assert _urgent(lee) == []
    await alex.press("I'm safe")
    assert "I'm glad you're safe" in alex.last.text
    assert lee.last.text.startswith("💬 A check-in would help\nAlex R. wrote something worrying")
    await _later(check_bot, 60)
    assert _urgent(lee) == []  # settled: the timed alert and the escalations are withdrawn


async def test_i_need_help_now_alerts_at_once(check_bot: BotHarness) -> None:
    lee, alex = await check_bot.joined_clinic()
    await alex.send(CRISIS)

    await alex.press("I need help now")

    assert "911" in alex.last.text
    assert len(_urgent(lee)) == 1 and "pressed “I need help now”" in lee.last.text


async def test_an_unanswered_safety_check_becomes_urgent_after_the_timeout(
    check_bot: BotHarness,
) -> None:
    lee, alex = await check_bot.joined_clinic()
    await alex.send(CRISIS)

    await _later(check_bot, 9)
    assert _urgent(lee) == []
    await _later(check_bot, 1)
    assert len(_urgent(lee)) == 1
    await alex.press("I'm safe")  # too late to withdraw what was sent: a kind answer
    assert "988" in alex.last.text


async def test_another_worrying_message_makes_the_check_urgent(check_bot: BotHarness) -> None:
    lee, alex = await check_bot.joined_clinic()
    await alex.send(CRISIS)

    reply = await alex.send("I really mean it, I want to die")

    assert "Dr. Lee" in reply[-1].text and "988" in reply[-1].text
    assert len(_urgent(lee)) == 1


async def test_a_caption_is_read_like_a_text(bot: BotHarness) -> None:
    lee, alex = await bot.joined_clinic()

    reply = await alex.send_photo(caption=CRISIS)

    assert "988" in reply[-1].text
    assert len(_urgent(lee)) == 1


async def test_invisible_characters_do_not_hide_crisis_words(bot: BotHarness) -> None:
    lee, alex = await bot.joined_clinic()

    await alex.send("I want to d\u200bi\u00ade")

    assert len(_urgent(lee)) == 1


async def test_a_worried_buddy_gets_the_crisis_line_and_can_pass_it_on(bot: BotHarness) -> None:
    lee, alex = await bot.joined_clinic()
    await alex.send("/buddy")
    await alex.press("Invite a buddy")
    link = next(m.text for m in reversed(alex.inbox) if "start=b-" in m.text)
    payload = link.split("start=")[1].split()[0]
    sam = bot.user(900, "Sam")
    await sam.send(f"/start {payload}")
    await sam.press("Yes, I'll help")

    reply = await sam.send("I'm scared, Alex told me they want to die")

    assert "988" in reply[-1].text and "Alex R." not in reply[-1].text
    await sam.press("Pass it to Alex's care team")
    assert lee.last.text.startswith(
        "💬 A support contact is worried\nAlex R.'s support contact Sam"
    )


async def test_a_therapists_own_words_are_never_a_patient_crisis(bot: BotHarness) -> None:
    lee, _ = await bot.joined_clinic()

    reply = await lee.send("I want to die of boredom in these meetings")

    assert all("988" not in m.text for m in reply)
    assert await bot.db.fetch_all("SELECT id FROM safety_events") == []


async def test_a_crisis_inside_an_absence_report_does_both(bot: BotHarness) -> None:
    """Crisis words inside another intent: a safety check, and the absence recorded."""
    lee, alex = await bot.joined_clinic()

    reply = await alex.send("I can't come to group tonight, I want to die")

    assert "988" in reply[-1].text and "Are you safe right now?" in reply[-1].text
    assert "won't be at Group Therapy, Mon 30 Nov, 6:00 pm" in reply[-1].text
    absences = await bot.db.fetch_all("SELECT kind FROM absences WHERE status = 'reported'")
    assert [row[0] for row in absences] == ["upcoming"]
    assert lee.last.text.startswith("🔔 New absence report\nAlex R.")
    await alex.press("I need help now")
    assert len(_urgent(lee)) == 1


@pytest.fixture(scope="module")
def asking_reader() -> MessageReader:
    """Asks about everything it is not certain of."""
    return MessageReader(Thresholds(clarify_below=0.9999))


@pytest.fixture
async def asking_bot(
    config: Config, clock: FakeClock, asking_reader: MessageReader
) -> AsyncIterator[BotHarness]:
    async with start_bot(config, clock, asking_reader) as harness:
        yield harness


async def test_when_unsure_the_bot_asks_with_buttons(asking_bot: BotHarness) -> None:
    lee, alex = await asking_bot.joined_clinic()

    reply = await alex.send("can't make it wednesday, work")

    labels, first = reply[-1].labels, reply[-1].buttons[0][0]["callback_data"]
    assert reply[-1].text.startswith("Just to be sure")
    assert labels[0] == "I can't make it on Wed 2 Dec" and len(labels) == 3
    assert labels[-1] == "Something else: send it to my therapist"
    await alex.press("I can't make it on Wed 2 Dec")
    assert (
        alex.last.text == "Just to check: you can't make it to Group Therapy, Wed 2 Dec, 6:00 pm?"
    )
    await alex.press("Yes, that's the one")
    assert lee.last.text.startswith("🔔 New absence report\nAlex R. can't make it")
    await alex.press_data(first)  # a second tap
    assert asking_bot.api.callback_answers[-1].startswith("That button has expired")


async def test_something_else_goes_to_the_therapist(asking_bot: BotHarness) -> None:
    lee, alex = await asking_bot.joined_clinic()
    await alex.send("maybe wednesday")

    await alex.press("Something else: send it to my therapist")

    assert lee.last.text.startswith("💬 A message for you\nFrom Alex R.")
    assert "maybe wednesday" in lee.last.text


async def test_a_message_no_session_fits_can_still_reach_the_therapist(bot: BotHarness) -> None:
    lee, _ = await bot.clinic()
    loner = await bot.invite(Role.PATIENT, "sol", name="Sol M.", therapist="lee")
    therapist = bot.user(501, "Dr. Lee")
    await therapist.send(f"/start {lee.code}")
    sol = bot.user(778, "Sol")
    await onboard_patient(bot, sol, loner.code, "✅ Eastern time")

    reply = await sol.send("so sorry, I missed yesterday's group")

    assert "couldn't find a session of yours" in reply[-1].text
    await sol.press("Send this to my therapist")
    assert "I missed yesterday's group" in therapist.last.text


async def test_a_session_from_the_two_weeks_before_the_first_import_can_be_reported(
    bot: BotHarness,
) -> None:
    """A clinic importing a patient who has been coming for a while gives ``--since``."""
    await bot.import_schedule()
    joined = await bot.invite(
        Role.PATIENT, "jo", name="Jo P.", therapist="lee", groups=("evening-a",),
        since=date(2026, 11, 16),
    )  # fmt: skip
    jo = bot.user(779, "Jo")
    await onboard_patient(bot, jo, joined.code, "✅ Eastern time")

    reply = await jo.send("so sorry, I missed last thursday's group")

    assert reply[-1].text == "Is this about Group Therapy, Thu 26 Nov, 6:00 pm?"


async def test_a_session_from_before_the_patient_joined_is_not_theirs(bot: BotHarness) -> None:
    _, alex = await bot.joined_clinic()  # joined on Monday 30 Nov

    reply = await alex.send("so sorry, I missed last thursday's group")

    assert "couldn't find a session of yours" in reply[-1].text


async def test_crisis_alerts_are_claimed_before_a_burst_of_due_rows(bot: BotHarness) -> None:
    lee, alex = await bot.joined_clinic()
    lee_id = (await bot.db.fetch_one("SELECT id FROM people WHERE handle = 'lee'"))[0]
    now = bot.clock.now()
    burst = [
        person_event(
            NotificationKind.NOTICE, person_id=lee_id, chat_id=lee.chat_id, variant=f"n{i}",
            payload={"text": f"notice {i}"}, due_at=now - timedelta(minutes=1),
        )
        for i in range(300)
    ]  # fmt: skip
    await outbox_store.enqueue(bot.db, burst, now)
    alex.after_update = None  # leave the outbox alone while the alert is queued
    await alex.send(CRISIS)

    claim = await outbox_store.claim_due(bot.db, bot.clock.now(), limit=1)

    assert [row.kind for row in claim.send] == [NotificationKind.STAFF_ALERT]
    assert claim.send[0].payload.startswith('{"text":"🚨')


async def test_i_need_help_after_the_timeout_still_alerts_at_once(check_bot: BotHarness) -> None:
    lee, alex = await check_bot.joined_clinic()
    question = (await alex.send(CRISIS))[-1]
    help_data = question.buttons[1][0]["callback_data"]
    await _later(check_bot, 40)  # the timed alert went at 10 minutes, rounds at 25 and 40
    before = len(_urgent(lee))
    assert before == 3

    await alex.press_data(help_data, question)

    assert len(_urgent(lee)) == before + 1 and "pressed “I need help now”" in lee.last.text
    assert "told Dr. Lee right now" in alex.last.text


async def test_taking_one_alert_settles_the_patients_other_events(bot: BotHarness) -> None:
    lee, alex = await bot.joined_clinic()
    await alex.send(CRISIS)
    await _later(bot, 20)
    await alex.send("I took all my pills")

    alerts = _urgent(lee)
    assert (
        alerts[-1].startswith(
            "🚨 Urgent: a patient may need help — open the chat\nAlex R. sent a message"
        )
        and "pills" in alerts[-1]
    )
    await lee.press("I'm on it")
    before = len(_urgent(lee))
    await _later(bot, 120)
    assert len(_urgent(lee)) == before  # no more rounds for either message


async def test_a_crisis_answer_to_why_is_not_taken_as_the_reason(bot: BotHarness) -> None:
    _, alex = await bot.joined_clinic()
    await alex.send("can't make it tonight")
    await alex.press("Yes, that's the one")

    await alex.send("because I don't want to be alive anymore")
    later = await alex.send("I'm ok now, thanks")

    assert await bot.db.fetch_all("SELECT id FROM absences") == []
    assert all("Thanks for letting me know" not in m.text for m in later)


async def test_a_patient_with_nobody_to_tell_gets_the_crisis_line_and_on_call_is_told(
    on_call_bot: BotHarness,
) -> None:
    bot = on_call_bot
    await bot.clinic()
    kim_invite = await bot.invite(Role.THERAPIST, "kim", name="Dr. Kim")
    kim = bot.user(502, "Dr. Kim")
    await kim.send(f"/start {kim_invite.code}")
    loner = await bot.invite(Role.PATIENT, "sol", name="Sol M.", therapist="lee")
    sol = bot.user(778, "Sol")
    await onboard_patient(bot, sol, loner.code, "✅ Eastern time")  # Dr. Lee never joined

    reply = await sol.send(CRISIS)

    assert "therapist on call" in reply[-1].text and "Dr. Lee" not in reply[-1].text
    assert len(_urgent(kim)) == 1 and "Sol M." in kim.last.text


async def test_a_buddy_cannot_forward_the_patients_notes(bot: BotHarness) -> None:
    lee, alex = await bot.joined_clinic()
    await alex.send("/buddy")
    await alex.press("Invite a buddy")
    link = next(m.text for m in reversed(alex.inbox) if "start=b-" in m.text)
    sam = bot.user(900, "Sam")
    await sam.send(f"/start {link.split('start=')[1].split()[0]}")
    await sam.press("Yes, I'll help")
    await alex.send("what's the wifi password for the zoom")  # a note of Alex's own
    note = alex.last.buttons[0][0]["callback_data"].split(":")[1]

    await sam.press_data(f"bw:{note}")
    assert "already been sent" in bot.api.callback_answers[-1]
    await sam.send("I'm scared, Alex told me they want to die")
    worry = sam.last.buttons[0][0]["callback_data"].split(":")[1]
    await alex.press_data(f"fwd:{worry}")
    assert "scared" not in lee.last.text  # Sam's words never go out as Alex's


async def test_the_crisis_reply_is_true_inside_and_outside_office_hours(bot: BotHarness) -> None:
    lee, alex = await bot.joined_clinic()  # Monday 9:00 am, office hours Mon-Fri 9-5

    during = (await alex.send(CRISIS))[-1].text
    await lee.press("I'm on it")
    bot.clock.set(datetime(2026, 12, 4, 22, 30, tzinfo=NEW_YORK))  # Friday 10:30 pm
    after = (await alex.send(CRISIS))[-1].text

    for reply in (during, after):
        assert "911" in reply and "988" in reply and "automated" in reply
        assert "If you are in danger or thinking about hurting yourself" in reply  # the clinic's
        assert not any(ord(ch) > 0x2FFF for ch in reply)  # no emoji in a crisis reply
    assert "Dr. Lee has been told and will get back to you" in during
    assert "they'll see it when they're back on Mon 7 Dec at 9:00 am" in after
    assert len(_urgent(lee)) == 2  # office hours change the words, never the alert


async def test_fallbacks_say_when_a_person_reads_and_carry_the_help_line(bot: BotHarness) -> None:
    _, alex = await bot.joined_clinic()
    bot.clock.set(datetime(2026, 12, 5, 11, 0, tzinfo=NEW_YORK))  # Saturday

    unsure = (await alex.send("is there parking near the clinic?"))[-1].text
    await alex.press("Send this to my therapist")

    assert unsure.endswith("Need help now? Call or text 988.")
    assert "they'll read it when they're back on Mon 7 Dec at 9:00 am" in alex.last.text
    assert alex.last.text.endswith("Need help now? Call or text 988.")


async def test_after_a_crisis_routine_reminders_pause_until_the_therapist_lifts_it(
    bot: BotHarness,
) -> None:
    lee, alex = await bot.joined_clinic()  # Monday 9 am; group at 6 pm
    await alex.send(CRISIS)
    await lee.press("I'm on it")

    await _later(bot, 8 * 60)  # 5 pm: the 1h reminder is due
    assert not any(m.text.startswith("⏰ Reminder") for m in alex.inbox)
    reply = await alex.send("ok I'll be there tonight")
    assert "😊" not in reply[-1].text and "You're down for Group Therapy" in reply[-1].text

    summary = await lee.send("/patient alex")
    assert "paused after a worrying message" in summary[-1].text
    await lee.press("Lift the pause")
    assert bot.api.callback_answers[-1] == "Reminders resume for Alex R."
    bot.clock.set(datetime(2026, 12, 1, 18, 0, tzinfo=NEW_YORK))  # Tuesday: Wednesday's 24h
    await bot.notifier.run_due()
    assert any(m.text.startswith("⏰ Reminder") for m in alex.inbox)
