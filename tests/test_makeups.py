"""Make-up seats, catch-up slots and asking the therapist for another time, end to end.

The clinic: Evening Group A (Mon, Wed, Thu 6 pm, Dr. Lee) with Alex and Jo; Evening Group
B (Tue, Fri 6 pm, Dr. Kim, 2 seats, takes make-ups) with Casey; Dr. Lee offers a catch-up
half hour on Wed 2 Dec at 4 pm. The clock starts on Monday 30 Nov, 9 am; the reschedule
window is 7 days.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
from dataclasses import dataclass
from datetime import date, datetime

from bot import texts
from bot.attendance.export import build_report
from bot.fake_telegram import ChatUser
from bot.kinds import Role
from storage import people
from storage.personal_data import forget_patient
from tests.helpers.clinic import NEW_YORK, SCHEDULE, BotHarness, onboard_patient

SCHEDULE_WITH_MAKEUPS = {
    **SCHEDULE,
    "group": [
        *SCHEDULE["group"],
        {"id": "evening-b", "name": "Evening Group B", "therapist": "kim"},
    ],
    "series": [
        *SCHEDULE["series"],
        {
            "id": "evening-b-group",
            "kind": "group",
            "title": "Group Therapy B",
            "group": "evening-b",
            "weekdays": ["tue", "fri"],
            "start": "18:00",
            "duration": "3h",
            "from": date(2026, 10, 6),
            "capacity": 2,
            "makeup": True,
        },
    ],
    "slots": [{"therapist": "lee", "start": datetime(2026, 12, 2, 16, 0)}],  # noqa: DTZ001
}
TUESDAY_SEAT = "Tue 1 Dec, 6:00 pm · Group Therapy B"
FRIDAY_SEAT = "Fri 4 Dec, 6:00 pm · Group Therapy B"
SLOT = "Catch-up with Dr. Lee: Wed 2 Dec, 4:00 pm"


@dataclass(frozen=True)
class Clinic:
    lee: ChatUser
    kim: ChatUser
    alex: ChatUser
    jo: ChatUser


async def clinic(bot: BotHarness, schedule: dict = SCHEDULE_WITH_MAKEUPS) -> Clinic:
    lee = await bot.invite(Role.THERAPIST, "lee", name="Dr. Lee")
    kim = await bot.invite(Role.THERAPIST, "kim", name="Dr. Kim")
    await bot.import_schedule(schedule)
    chats = {}
    for handle, name, therapist, group, user_id in (
        ("alex", "Alex R.", "lee", "evening-a", 777),
        ("jo", "Jo P.", "lee", "evening-a", 778),
        ("casey", "Casey", "kim", "evening-b", 779),
    ):
        invite = await bot.invite(
            Role.PATIENT, handle, name=name, therapist=therapist, groups=(group,)
        )
        chats[handle] = bot.user(user_id, name.split()[0])
        await onboard_patient(bot, chats[handle], invite.code, "✅ Eastern time")
    therapists = bot.user(501, "Dr. Lee"), bot.user(502, "Dr. Kim")
    await therapists[0].send(f"/start {lee.code}")
    await therapists[1].send(f"/start {kim.code}")
    return Clinic(*therapists, chats["alex"], chats["jo"])


async def miss_tonight(patient: ChatUser) -> list:
    await patient.send("can't make it tonight")
    await patient.press("Yes, that's the one")
    return await patient.press("Skip")


async def occurrence_id(bot: BotHarness, series: str, day: str) -> int:
    row = await bot.db.fetch_one(
        "SELECT id FROM occurrences WHERE series_id = ? AND local_date = ?", (series, day)
    )
    return row[0]


async def bookings(bot: BotHarness) -> list[tuple]:
    rows = await bot.db.fetch_all(
        "SELECT p.handle, o.series_id, o.local_date, b.kind FROM bookings b"
        " JOIN people p ON p.id = b.patient_id JOIN occurrences o ON o.id = b.occurrence_id"
        " WHERE b.status = 'booked' ORDER BY b.id"
    )
    return [tuple(row) for row in rows]


async def test_the_thanks_offers_seats_and_slots_and_a_seat_books_at_once(
    bot: BotHarness,
) -> None:
    c = await clinic(bot)

    thanks = await miss_tonight(c.alex)

    assert "Here's what's open until Mon 7 Dec, 6:00 pm:" in thanks[-1].text
    assert thanks[-1].labels == [TUESDAY_SEAT, FRIDAY_SEAT, SLOT, "Ask my therapist"]
    friday = thanks[-1].buttons[1][0]["callback_data"]
    booked = await c.alex.press(TUESDAY_SEAT)
    assert booked[-1].text == (
        "You're booked for Group Therapy B, Tue 1 Dec, 6:00 pm. 💙 I'll remind you before "
        "it, and Dr. Lee knows."
    )
    assert booked[-1].labels == ["Update my calendar"]
    assert await bookings(bot) == [("alex", "evening-b-group", "2026-12-01", "makeup")]
    for therapist in (c.lee, c.kim):  # the patient's therapist and the one leading it
        assert therapist.last.text == (
            "📅 A make-up was booked\nAlex R. will make up Group Therapy, Mon 30 Nov, "
            "6:00 pm (Evening Group A) at Group Therapy B, Tue 1 Dec, 6:00 pm (Evening Group B)."
        )
    schedule = (await c.alex.send("/schedule"))[-1].text
    assert "Group Therapy B" in schedule
    tuesday = await occurrence_id(bot, "evening-b-group", "2026-12-01")
    alex = await people.find_by_handle(bot.db, "alex")
    reminders = await bot.db.fetch_all(
        "SELECT kind FROM outbox WHERE person_id = ? AND occurrence_id = ?", (alex.id, tuesday)
    )
    assert "reminder" in {row[0] for row in reminders}
    again = await c.alex.press_data(friday)  # the same message, pressed again
    assert "You've already booked" in again[-1].text
    assert len(await bookings(bot)) == 1


async def test_two_patients_one_seat_pressed_at_once(bot: BotHarness) -> None:
    c = await clinic(bot)
    await miss_tonight(c.alex)
    await miss_tonight(c.jo)

    replies = await asyncio.gather(c.alex.press(TUESDAY_SEAT), c.jo.press(TUESDAY_SEAT))

    assert [b[1:3] for b in await bookings(bot)] == [("evening-b-group", "2026-12-01")]
    texts_seen = sorted(r[-1].text.split(".")[0] for r in replies)
    assert texts_seen[0].startswith("Sorry, someone just took that one")
    assert texts_seen[1].startswith("You're booked for Group Therapy B")
    loser = next(r for r in replies if r[-1].text.startswith("Sorry"))
    assert loser[-1].labels == [FRIDAY_SEAT, SLOT, "Ask my therapist"]


async def test_an_attended_make_up_makes_up_the_miss(bot: BotHarness) -> None:
    c = await clinic(bot)
    await miss_tonight(c.alex)
    await c.alex.press(TUESDAY_SEAT)
    bot.clock.set(datetime(2026, 12, 1, 21, 30, tzinfo=NEW_YORK))
    await bot.notifier.run_due()
    await c.kim.send("/attendance")
    sheet = await c.kim.press(c.kim.last.labels[0])
    assert any("Alex R." in label for label in sheet[-1].labels)  # the guest is on the sheet
    await c.kim.press(next(label for label in sheet[-1].labels if "Alex R." in label))
    await c.kim.press("Done")

    report = await build_report(
        bot.db, date(2026, 11, 30), date(2026, 12, 1), bot.clock.now(), chart=False
    )
    rows = {(r["date"], r["patient"]): r for r in csv.DictReader(io.StringIO(report.csv))}
    assert rows[("2026-11-30", "alex")]["status"] == "absent"
    assert rows[("2026-11-30", "alex")]["made_up_by"] == "evening-b-group 2026-12-01"
    assert rows[("2026-12-01", "alex")]["status"] == "present"
    summary = (await c.lee.send("/patient alex"))[-1].text
    assert "Last 30 days: 1 attended, 0 missed, 0 not marked (100%)" in summary
    assert "Missed in a row: 0" in summary


async def test_a_catch_up_slot_from_the_follow_up(bot: BotHarness) -> None:
    c = await clinic(bot)
    await miss_tonight(c.alex)
    bot.clock.set(datetime(2026, 12, 1, 10, 0, tzinfo=NEW_YORK))
    await bot.notifier.run_due()  # the follow-up, with "Book a make-up or catch-up"

    options = await c.alex.press("Book a make-up or catch-up")
    assert SLOT in options[-1].labels
    booked = await c.alex.press(SLOT)

    assert booked[-1].text.startswith("You're booked for Catch-up session, Wed 2 Dec, 4:00 pm.")
    assert await bookings(bot) == [("alex", "catchup-1", "2026-12-02", "catchup")]
    schedule = (await c.alex.send("/schedule"))[-1].text
    assert "Catch-up session" in schedule
    slots = (await c.lee.send("/slots"))[-1].text
    assert "• Wed 2 Dec, 4:00 pm (booked)" in slots


async def test_asking_in_words_then_approved_as_asked(bot: BotHarness) -> None:
    c = await clinic(bot)

    first = await c.alex.send("can I do tonight's group on tuesday instead?")
    assert first[-1].text.startswith("Let's find you another time for Group Therapy, Mon 30 Nov")
    await c.alex.press("Yes, I can't make it")
    thanks = await c.alex.press("Skip")
    assert "Ask my therapist" in thanks[-1].labels
    await c.alex.press("Ask my therapist")

    assert c.lee.last.text == (
        "📅 A request for another time\nAlex R. would like to make up Group Therapy, Mon 30 "
        "Nov, 6:00 pm (Evening Group A). They asked for Tue 1 Dec, 6:00 pm.\n"
        "“can I do tonight's group on tuesday instead?”"
    )
    assert c.lee.last.labels == ["Approve as asked", "Suggest a time", "Decline"]
    approve = c.lee.last.buttons[0][0]["callback_data"]
    approved = await c.lee.press("Approve as asked")
    assert approved[-1].text == "Booked: Alex R., Tue 1 Dec, 6:00 pm."
    assert await bookings(bot) == [("alex", "evening-b-group", "2026-12-01", "makeup")]
    assert c.alex.last.text.startswith("Good news, Alex! 💙 You're booked for Tue 1 Dec, 6:00 pm.")
    again = await c.lee.press_data(approve)
    assert again == [] and bot.api.callback_answers[-1] == texts.REQUEST_HANDLED


async def test_a_time_in_words_is_checked_then_accepted(bot: BotHarness) -> None:
    c = await clinic(bot)
    await miss_tonight(c.alex)
    await c.alex.press("Ask my therapist")
    await c.lee.press("Suggest a time")

    for words, answer in [
        ("whenever", texts.REQUEST_BAD_TIME),
        ("dec 20 4pm", "That's after the time Alex R. has to make this session up."),
        ("thu 6pm", "Alex R. has another session then."),
        ("yesterday at 4pm", texts.REQUEST_PAST),
    ]:
        replies = await c.lee.send(words)
        assert replies[-1].text.startswith(answer), words
    proposed = await c.lee.send("wed 4pm")
    assert (
        proposed[-1].text
        == "I've asked Alex R. if Wed 2 Dec, 4:00 pm works. I'll tell you what they say."
    )
    assert c.alex.last.text == (
        "Dr. Lee suggests Wed 2 Dec, 4:00 pm to make up Group Therapy, Mon 30 Nov, 6:00 pm. "
        "Does that work for you?"
    )
    await c.alex.press("Yes, that works")

    assert await bookings(bot) == [("alex", "makeup-1", "2026-12-02", "catchup")]
    session = await bot.db.fetch_one(
        "SELECT o.title, o.starts_at, o.ends_at FROM occurrences o WHERE series_id = 'makeup-1'"
    )
    assert tuple(session) == ("Make-up session", "2026-12-02T21:00:00Z", "2026-12-02T22:00:00Z")
    assert c.alex.last.text.startswith("Good news, Alex!")


async def test_a_declined_proposal_goes_back_to_the_therapist(bot: BotHarness) -> None:
    c = await clinic(bot)
    await miss_tonight(c.alex)
    await c.alex.press("Ask my therapist")
    await c.lee.press("Suggest a time")
    await c.lee.send("wed 4pm")

    answered = await c.alex.press("That doesn't work for me")

    assert answered[-1].text == "Okay, I've let Dr. Lee know. They may suggest another time."
    assert c.lee.last.text.startswith("📅 That time doesn't work\nAlex R. can't make the time")
    assert c.lee.last.labels == ["Suggest a time", "Decline"]
    assert await bookings(bot) == []


async def test_decline_with_a_note_and_a_withdrawn_request(bot: BotHarness) -> None:
    c = await clinic(bot)
    await miss_tonight(c.alex)
    await miss_tonight(c.jo)
    await c.alex.press("Ask my therapist")
    alex_request = c.lee.last
    await c.jo.press("Ask my therapist")

    await c.lee.press("Decline")
    await c.lee.send("Let's talk about it at Wednesday's group")
    withdrawn = await c.alex.press("I don't need another time")
    stale = await c.lee.press_data(alex_request.buttons[-1][0]["callback_data"], alex_request)

    assert c.jo.last.text == (
        "Dr. Lee couldn't find another time for Group Therapy, Mon 30 Nov, 6:00 pm. The "
        "recording and reading can still help you catch up (/catchup). 💙\n\nDr. Lee wrote: "
        "“Let's talk about it at "
        "Wednesday's group”"
    )
    assert withdrawn[-1].text == "Okay, I've let Dr. Lee know you don't need another time."
    assert any(m.text.startswith("📅 No longer needed\nAlex R.") for m in c.lee.inbox)
    assert stale == [] and bot.api.callback_answers[-1] == texts.REQUEST_HANDLED
    assert await bookings(bot) == []


async def test_forged_and_foreign_presses_book_nothing(bot: BotHarness) -> None:
    c = await clinic(bot)
    await miss_tonight(c.alex)
    monday = await occurrence_id(bot, "evening-a-group", "2026-11-30")
    tuesday = await occurrence_id(bot, "evening-b-group", "2026-12-01")

    jo_tries = await c.jo.press_data(f"mk:s:{monday}:{tuesday}")  # Jo did not miss Monday
    kim_tries = await c.kim.press_data(f"mk:s:{monday}:{tuesday}")
    assert kim_tries == [] and bot.api.callback_answers[-1] == texts.NOT_FOR_YOUR_ROLE
    far = await occurrence_id(bot, "evening-b-group", "2026-12-11")
    too_late = await c.alex.press_data(f"mk:s:{monday}:{far}")  # outside the window
    own_group = await occurrence_id(bot, "evening-a-group", "2026-12-02")
    own_session = await c.alex.press_data(f"mk:s:{monday}:{own_group}")

    assert jo_tries[-1].text == texts.MAKEUP_NOT_MISSED
    assert too_late[-1].text.startswith("That's after Mon 7 Dec, 6:00 pm")
    assert own_session[-1].text.startswith("That's at the same time as another of your sessions.")
    assert await bookings(bot) == []


async def test_slots_are_added_in_words_and_removed(bot: BotHarness) -> None:
    c = await clinic(bot)

    listing = await c.lee.send("/slots")
    await c.lee.press("Add a slot")
    added = await c.lee.send("thu 3pm")
    wednesday = next(b for row in listing[-1].buttons for b in row if "Wed" in b["text"])
    kim_tries = await c.kim.press_data(wednesday["callback_data"])
    assert kim_tries == [] and bot.api.callback_answers[-1] == texts.SLOT_GONE
    removed = await c.lee.press(wednesday["text"])

    assert listing[-1].text == "Your catch-up slots (Eastern time):\n• Wed 2 Dec, 4:00 pm"
    assert added[0].text == "Added a catch-up slot: Thu 3 Dec, 3:00 pm."
    assert removed[-1].text == "Your catch-up slots (Eastern time):\n• Thu 3 Dec, 3:00 pm"
    patient_tries = await c.alex.press_data("sl:add")
    assert patient_tries == [] and bot.api.callback_answers[-1] == texts.NOT_FOR_YOUR_ROLE


async def test_a_schedule_file_keeps_booked_slots_and_replaces_free_ones(bot: BotHarness) -> None:
    c = await clinic(bot)
    await miss_tonight(c.alex)
    await c.alex.press(SLOT)
    later = {**SCHEDULE_WITH_MAKEUPS, "slots": [
        {"therapist": "lee", "start": datetime(2026, 12, 3, 15, 0)}]}  # noqa: DTZ001  # fmt: skip

    await bot.import_schedule(later)

    slots = (await c.lee.send("/slots"))[-1].text
    assert slots.splitlines()[1:] == ["• Wed 2 Dec, 4:00 pm (booked)", "• Thu 3 Dec, 3:00 pm"]


async def test_the_window_is_wall_clock_days_across_the_dst_change(bot: BotHarness) -> None:
    """Thu 29 Oct 6 pm EDT + 7 days is Thu 5 Nov 6 pm EST, 169 hours later: a make-up
    then still counts (as it does for fees)."""
    thursdays = {**SCHEDULE_WITH_MAKEUPS["series"][1], "weekdays": ["thu"]}
    ends = {**SCHEDULE["series"][0], "until": date(2026, 10, 31)}  # Alex is free on 5 Nov
    schedule = {**SCHEDULE_WITH_MAKEUPS, "series": [ends, thursdays]}
    bot.clock.set(datetime(2026, 10, 29, 9, 0, tzinfo=NEW_YORK))
    c = await clinic(bot, schedule)

    thanks = await miss_tonight(c.alex)

    assert "Thu 5 Nov, 6:00 pm · Group Therapy B" in thanks[-1].labels
    booked = await c.alex.press("Thu 5 Nov, 6:00 pm · Group Therapy B")
    assert booked[-1].text.startswith("You're booked for Group Therapy B, Thu 5 Nov, 6:00 pm.")


async def test_a_seat_at_the_same_time_as_the_patients_own_session_is_not_offered(
    bot: BotHarness,
) -> None:
    thursdays = {**SCHEDULE_WITH_MAKEUPS["series"][1], "weekdays": ["thu"]}
    schedule = {**SCHEDULE_WITH_MAKEUPS, "series": [SCHEDULE["series"][0], thursdays]}
    bot.clock.set(datetime(2026, 10, 29, 9, 0, tzinfo=NEW_YORK))
    c = await clinic(bot, schedule)

    thanks = await miss_tonight(c.alex)

    # Thu 5 Nov at 6 pm, the window's very end, is also Alex's own group: not offered.
    assert thanks[-1].labels == ["Ask my therapist"]


# --- found in review


async def test_approve_as_asked_never_books_another_patients_own_session(
    bot: BotHarness,
) -> None:
    own = [
        {"id": "alex-ind", "kind": "individual", "title": "Individual Session", "patient": "alex",
         "therapist": "lee", "weekdays": ["mon"], "start": "12:00", "duration": "1h",
         "from": date(2026, 11, 2)},
        {"id": "casey-ind", "kind": "individual", "title": "Individual Session",
         "patient": "casey", "therapist": "kim", "weekdays": ["tue"], "start": "16:00",
         "duration": "1h", "from": date(2026, 11, 3)},
    ]  # fmt: skip
    schedule = {**SCHEDULE_WITH_MAKEUPS, "series": [*SCHEDULE_WITH_MAKEUPS["series"], *own]}
    c = await clinic(bot, schedule)

    await c.alex.send("can I move today's individual session to tuesday?")
    await c.alex.press("Yes, I can't make it")
    await c.alex.press("Skip")
    await c.alex.press("Ask my therapist")

    # Tuesday 4 pm is Casey's own session: never "what Alex asked for".
    assert "They asked for" not in c.lee.last.text
    assert c.lee.last.labels == ["Suggest a time", "Decline"]


async def test_the_missed_session_itself_cannot_be_booked_as_its_make_up(
    bot: BotHarness,
) -> None:
    c = await clinic(bot)
    await miss_tonight(c.alex)
    monday = await occurrence_id(bot, "evening-a-group", "2026-11-30")

    forged = await c.alex.press_data(f"mk:s:{monday}:{monday}")

    assert forged[-1].text.startswith(texts.MAKEUP_GONE)
    assert await bookings(bot) == []


async def test_a_booking_closes_the_request_and_a_late_suggestion_is_refused(
    bot: BotHarness,
) -> None:
    c = await clinic(bot)
    thanks = await miss_tonight(c.alex)
    tuesday_seat = thanks[-1].buttons[0][0]["callback_data"]
    await c.alex.press("Ask my therapist")
    await c.alex.press_data(tuesday_seat, thanks[-1])  # books from the same offer after all

    await c.lee.press("Suggest a time")

    assert bot.api.callback_answers[-1] == texts.REQUEST_HANDLED
    status = await bot.db.fetch_one("SELECT status FROM reschedule_requests")
    assert status[0] == "booked"


async def test_a_cancelled_or_missed_make_up_can_be_made_up_again_in_the_same_window(
    bot: BotHarness,
) -> None:
    c = await clinic(bot)
    await miss_tonight(c.alex)
    await c.alex.press(TUESDAY_SEAT)
    monday = await occurrence_id(bot, "evening-a-group", "2026-11-30")
    cancelled = {**SCHEDULE_WITH_MAKEUPS, "cancel": [
        {"series": "evening-b-group", "date": date(2026, 12, 1)}]}  # fmt: skip
    await bot.import_schedule(cancelled)

    offer = await c.alex.press_data(f"mk:o:{monday}")

    assert "open until Mon 7 Dec, 6:00 pm" in offer[-1].text  # the first miss's window
    assert offer[-1].labels == [FRIDAY_SEAT, SLOT, "Ask my therapist"]
    await c.alex.press(FRIDAY_SEAT)
    bot.clock.set(datetime(2026, 12, 4, 21, 30, tzinfo=NEW_YORK))
    await bot.notifier.run_due()
    await c.kim.send("/attendance")
    sheet = await c.kim.press(c.kim.last.labels[0])
    for _ in range(3):  # present, late, absent: Alex missed the make-up too
        await c.kim.press(next(label for label in sheet[-1].labels if "Alex R." in label))
    await c.kim.press("Done")
    again = await c.alex.press_data(f"mk:o:{monday}")
    # Nothing is left open before Monday's deadline; asking the therapist still is.
    assert "until Mon 7 Dec, 6:00 pm" in again[-1].text
    assert again[-1].labels == ["Ask my therapist"]


async def test_words_about_a_session_already_made_up_reach_the_therapist(
    bot: BotHarness,
) -> None:
    c = await clinic(bot)
    await miss_tonight(c.alex)
    await c.alex.press(TUESDAY_SEAT)

    reply = await c.alex.send("can I move tonight's group to friday instead? tuesday is hard")

    assert (
        reply[-1].text
        == "I've passed your message on to Dr. Lee. They'll get back to you about a new time. 🙂"
    )
    assert c.lee.last.text.startswith("📅 A request to reschedule")


async def test_forgetting_a_patient_removes_their_request_words_and_frees_their_slot(
    bot: BotHarness,
) -> None:
    c = await clinic(bot)
    await miss_tonight(c.alex)
    await c.alex.press(SLOT)
    await miss_tonight(c.jo)
    await c.jo.send("can I do tonight's group on tuesday instead? my parole meeting is at 6")
    await c.jo.press("Ask my therapist")
    jo = await people.find_by_handle(bot.db, "jo")
    alex = await people.find_by_handle(bot.db, "alex")
    mydata = json.loads((await c.jo.send("/mydata"))[-1].content)
    assert "parole" in mydata["requests_for_another_time"][0]["your_message"]

    await forget_patient(bot.db, jo.id, bot.clock.now())
    await forget_patient(bot.db, alex.id, bot.clock.now())

    words = await bot.db.fetch_all("SELECT asked_text, note FROM reschedule_requests")
    assert all(row[0] is None and row[1] is None for row in words)
    assert await bookings(bot) == []
    slots = (await c.lee.send("/slots"))[-1].text
    assert slots.splitlines()[1:] == ["• Wed 2 Dec, 4:00 pm"]  # free again
