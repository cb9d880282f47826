"""/calendar end to end: the .ics file read back with icalendar (events, zones, alarms, links,
UIDs and SEQUENCE across downloads and moves), DST weeks in the US and the EU, discreet
titles, nobody else's data, and a kind refusal for everyone who is not a patient."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from bot import texts
from bot.clock import FakeClock
from bot.config import Config, ProgramConfig, StorageConfig, TelegramConfig
from bot.fake_telegram import ChatUser, Sent
from bot.kinds import Role
from bot.memberships import remove_member
from bot.understanding.engine import MessageReader
from tests.helpers.clinic import SCHEDULE, BotHarness, onboard_patient, start_bot

NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
MONDAY_9AM = datetime(2026, 11, 30, 9, 0, tzinfo=NEW_YORK)
MONDAY_5PM = datetime(2026, 11, 30, 17, 0, tzinfo=NEW_YORK)
GROUP_LINK = "https://video.example/evening-a"

# The test clinic's evening group plus one individual session each for Alex and for Jo, who
# is in the same group: Alex's file has Alex's own session and the group's, nothing of Jo's.
WITH_INDIVIDUALS = {
    **SCHEDULE,
    "session": [
        {
            "id": "alex-individual-1",
            "kind": "individual",
            "title": "Individual Session",
            "patient": "alex",
            "therapist": "lee",
            "start": datetime(2026, 12, 4, 10, 0, tzinfo=NEW_YORK).replace(tzinfo=None),
            "duration": "1h",
            "link": "https://video.example/alex",
        },
        {
            "id": "jo-individual-1",
            "kind": "individual",
            "title": "Jo's Session",
            "patient": "jo",
            "therapist": "lee",
            "start": datetime(2026, 12, 4, 11, 0, tzinfo=NEW_YORK).replace(tzinfo=None),
            "duration": "1h",
        },
    ],
}


def parse(sent: Sent) -> Calendar:
    assert sent.kind == "document"
    assert sent.filename == "sessions.ics"
    assert sent.text == texts.CALENDAR_CAPTION
    return Calendar.from_ical(sent.content)


def by_start(calendar: Calendar) -> dict[datetime, Event]:
    return {event.decoded("dtstart").astimezone(UTC): event for event in calendar.events}


async def download(user: ChatUser) -> Calendar:
    return parse((await user.send("/calendar"))[-1])


async def at(bot: BotHarness, moment: datetime) -> None:
    bot.clock.set(moment)
    await bot.notifier.run_due()


async def test_a_patient_gets_four_weeks_with_zones_alarms_and_links(bot: BotHarness) -> None:
    await bot.invite(Role.THERAPIST, "lee", name="Dr. Lee")
    await bot.import_schedule(WITH_INDIVIDUALS)
    alex = await bot.invite(
        Role.PATIENT, "alex", name="Alex R.", therapist="lee", groups=("evening-a",)
    )
    jo = await bot.invite(Role.PATIENT, "jo", name="Jo Q.", therapist="lee", groups=("evening-a",))
    patient = bot.user(777, "Alex")
    await onboard_patient(bot, patient, alex.code, "✅ Eastern time")
    await onboard_patient(bot, bot.user(778, "Jo"), jo.code, "✅ Eastern time")

    sent = (await patient.send("/calendar"))[-1]
    calendar = parse(sent)
    events = calendar.events

    # Mon/Wed/Thu from Mon 30 Nov to Thu 24 Dec (12) and Alex's Friday session.
    starts = sorted(e.decoded("dtstart") for e in events)
    assert len(events) == 13
    assert starts[0] == datetime(2026, 11, 30, 18, 0, tzinfo=NEW_YORK)
    assert starts[-1] == datetime(2026, 12, 24, 18, 0, tzinfo=NEW_YORK)
    assert datetime(2026, 12, 4, 10, 0, tzinfo=NEW_YORK) in starts
    assert {str(e["dtstart"].params["TZID"]) for e in events} == {"America/New_York"}
    assert [tz.tz_name for tz in calendar.timezones] == ["America/New_York"]
    assert calendar.get_missing_tzids() == set()
    assert b"\r\nBEGIN:VTIMEZONE\r\nTZID:America/New_York\r\n" in sent.content
    # Alarms at the clinic's lead times (24h and 1h); the link to join, in the event's URL and
    # notes (not its location: that shows on lock screens and widgets when discreet).
    for event in events:
        triggers = sorted(alarm.decoded("trigger") for alarm in event.subcomponents)
        assert triggers == [-timedelta(hours=24), -timedelta(hours=1)]
        assert {str(a["action"]) for a in event.subcomponents} == {"DISPLAY"}
        assert str(event["status"]) == "CONFIRMED"
        assert re.fullmatch(r"occurrence-[0-9]+@iop_test_bot", str(event["uid"]))
    group = [e for e in events if e.decoded("dtstart").hour == 18]
    assert {str(e["url"]) for e in group} == {GROUP_LINK}
    assert all("location" not in e for e in group)
    assert {str(e["description"]) for e in group} == {f"Join here: {GROUP_LINK}"}
    assert len({str(e["uid"]) for e in events}) == 13
    # Discreet by default: every title and alarm is just an appointment; nothing names the
    # therapy, the group, the therapist or anyone else in the group.
    assert {str(e["summary"]) for e in events} == {"Appointment"}
    assert {str(a["description"]) for e in events for a in e.subcomponents} == {"Appointment"}
    lowered = sent.content.lower()
    for word in (b"therap", b"group", b"session", b"individual", b"lee", b"jo's", b"jo q",
                 b"alex r", b"evening group", b"iop-bot", b"clinic"):  # fmt: skip
        assert word not in lowered, word


async def test_titles_name_the_session_when_discretion_is_off(bot: BotHarness) -> None:
    _, patient = await bot.joined_clinic()
    await patient.send("/settings")
    await patient.press(texts.SETTINGS_DISCREET[True])
    await patient.press("✅ 1 day before")  # only the 1-hour reminder is left
    await patient.press("▫️ 30 minutes before")

    events = (await download(patient)).events

    assert {str(e["summary"]) for e in events} == {"Group Therapy"}
    for event in events:
        assert sorted(a.decoded("trigger") for a in event.subcomponents) == [
            -timedelta(hours=1),
            -timedelta(minutes=30),
        ]
        assert {str(a["description"]) for a in event.subcomponents} == {"Group Therapy"}


async def test_no_reminders_means_no_alarms(bot: BotHarness) -> None:
    _, patient = await bot.joined_clinic()
    await patient.send("/settings")
    await patient.press("✅ 1 day before")
    await patient.press("✅ 1 hour before")

    events = (await download(patient)).events

    assert len(events) == 12
    assert [e.subcomponents for e in events] == [[]] * 12


async def test_uids_stay_and_a_move_raises_the_sequence(bot: BotHarness) -> None:
    _, patient = await bot.joined_clinic()
    first = await download(patient)
    bot.clock.advance(timedelta(minutes=5))
    second = await download(patient)

    # Two downloads: the same events, only the file's own stamp differs.
    assert [str(e["uid"]) for e in first.events] == [str(e["uid"]) for e in second.events]
    assert [e.decoded("dtstart") for e in first.events] == [
        e.decoded("dtstart") for e in second.events
    ]
    assert {int(e["sequence"]) for e in second.events} == {0}
    assert {e.decoded("dtstamp") for e in first.events} == {MONDAY_9AM.astimezone(UTC)}
    assert {e.decoded("dtstamp") for e in second.events} == {
        MONDAY_9AM.astimezone(UTC) + timedelta(minutes=5)
    }
    assert {e.decoded("last-modified") for e in first.events} == {MONDAY_9AM.astimezone(UTC)}

    # Alex is reminded of tonight's group; then the clinic moves the group to 6:30 pm.
    await at(bot, MONDAY_5PM)
    moved_at = MONDAY_5PM + timedelta(minutes=10)
    bot.clock.set(moved_at)
    later = {**SCHEDULE, "series": [{**SCHEDULE["series"][0], "start": "18:30"}]}
    await bot.import_schedule(later)
    await bot.notifier.replan()
    await bot.notifier.run_due()

    notice = patient.last
    assert notice.text.startswith("📅 A change to your appointment\n")
    assert notice.labels == ["Update my calendar"]
    updated = parse((await patient.press("Update my calendar"))[-1])

    before = {str(e["uid"]): e for e in first.events}
    after = {str(e["uid"]): e for e in updated.events}
    assert after.keys() == before.keys()
    for uid, event in after.items():
        assert event.decoded("dtstart") == before[uid].decoded("dtstart") + timedelta(minutes=30)
        assert event.decoded("dtend") == before[uid].decoded("dtend") + timedelta(minutes=30)
        assert event.decoded("dtstart").time().isoformat() == "18:30:00"
        assert int(event["sequence"]) == int(before[uid]["sequence"]) + 1 == 1
        assert event.decoded("last-modified") == moved_at.astimezone(UTC)

    # Then Wednesday is cancelled: still in the file, as cancelled, one revision higher.
    cancelled = {**later, "cancel": [{"series": "evening-a-group", "date": date(2026, 12, 2)}]}
    await bot.import_schedule(cancelled)
    latest = by_start(await download(patient))
    wednesday = latest[datetime(2026, 12, 2, 18, 30, tzinfo=NEW_YORK).astimezone(UTC)]
    assert str(wednesday["status"]) == "CANCELLED"
    assert int(wednesday["sequence"]) == 2
    assert wednesday.subcomponents == []  # no alarm for a session that isn't happening
    assert str(wednesday["uid"]) in before
    others = [e for e in latest.values() if e is not wednesday]
    assert {str(e["status"]) for e in others} == {"CONFIRMED"}
    assert len(latest) == 12


async def test_a_one_off_session_moved_to_another_day_keeps_its_uid(bot: BotHarness) -> None:
    await bot.invite(Role.THERAPIST, "lee", name="Dr. Lee")
    await bot.import_schedule(WITH_INDIVIDUALS)
    alex = await bot.invite(Role.PATIENT, "alex", name="Alex R.", therapist="lee")
    patient = bot.user(777, "Alex")
    await onboard_patient(bot, patient, alex.code, "✅ Eastern time")
    [before] = (await download(patient)).events
    bot.clock.advance(timedelta(hours=1))

    session = WITH_INDIVIDUALS["session"][0]
    moved = {**session, "start": session["start"] + timedelta(days=3, hours=4)}
    await bot.import_schedule({**WITH_INDIVIDUALS, "session": [moved]})
    [after] = (await download(patient)).events

    assert str(after["uid"]) == str(before["uid"])
    assert before.decoded("dtstart") == datetime(2026, 12, 4, 10, 0, tzinfo=NEW_YORK)
    assert after.decoded("dtstart") == datetime(2026, 12, 7, 14, 0, tzinfo=NEW_YORK)
    assert (int(before["sequence"]), int(after["sequence"])) == (0, 1)
    assert after.decoded("last-modified") == bot.clock.now()


async def test_merged_change_notices_offer_the_calendar_once(bot: BotHarness) -> None:
    _, patient = await bot.joined_clinic()
    await patient.send("/settings")
    await patient.press("▫️ 2 days before")
    # Tuesday 6 pm: reminded of Wednesday's group (1 day) and Thursday's (2 days) at once.
    await at(bot, datetime(2026, 12, 1, 18, 0, tzinfo=NEW_YORK))
    reminded = patient.last.text
    bot.clock.advance(timedelta(minutes=10))
    later = {**SCHEDULE, "series": [{**SCHEDULE["series"][0], "start": "19:00"}]}
    await bot.import_schedule(later)
    await bot.notifier.replan()
    await bot.notifier.run_due()

    notice = patient.last
    assert reminded.count("⏰ Reminder") == 2
    # Wed and Thu, merged into one message (with Wednesday's re-planned reminder).
    assert notice.text.count("📅 A change to your appointment") == 2
    assert notice.labels.count("Update my calendar") == 1
    assert notice.labels[-1] == "Update my calendar"


def other_config(tmp_path: Path, zone: ZoneInfo) -> Config:
    return Config(
        source=tmp_path / "config.toml",
        telegram=TelegramConfig(bot_username="iop_test_bot"),
        storage=StorageConfig(path=tmp_path / "bot.sqlite3"),
        program=ProgramConfig(name="Test IOP", timezone=zone),
    )


async def test_the_us_dst_change_keeps_6pm_at_6pm(bot: BotHarness) -> None:
    bot.clock.set(datetime(2026, 10, 20, 9, 0, tzinfo=NEW_YORK))  # DST ends Sun 1 Nov
    _, patient = await bot.joined_clinic()
    pacific = await bot.invite(
        Role.PATIENT, "sam", name="Sam T.", therapist="lee", groups=("evening-a",)
    )
    west = bot.user(779, "Sam")
    await onboard_patient(bot, west, pacific.code, "Pacific time")

    events = by_start(await download(patient))
    western = by_start(await download(west))

    after = datetime(2026, 11, 2, tzinfo=UTC)
    assert events.keys() == western.keys()
    assert datetime(2026, 10, 29, 22, 0, tzinfo=UTC) in events  # Thu 29 Oct, EDT
    assert datetime(2026, 11, 2, 23, 0, tzinfo=UTC) in events  # Mon 2 Nov, EST
    for start, event in events.items():
        local = event.decoded("dtstart")
        assert (local.hour, local.minute) == (18, 0)
        assert start.hour == (22 if start < after else 23)
        assert (event.decoded("dtend") - local) == timedelta(hours=3)
    for event in western.values():
        assert event.decoded("dtstart").hour == 15
        assert str(event["dtstart"].params["TZID"]) == "America/Los_Angeles"
    # The VTIMEZONE itself carries the change (apps that ignore IANA names read it).
    eastern = (await download(patient)).timezones[0].to_tz()
    assert datetime(2026, 10, 29, 18, tzinfo=eastern).utcoffset() == timedelta(hours=-4)
    assert datetime(2026, 11, 2, 18, tzinfo=eastern).utcoffset() == timedelta(hours=-5)


async def test_the_eu_dst_change_for_a_berlin_patient(
    tmp_path: Path, reader: MessageReader
) -> None:
    # DST ends in the EU on Sun 25 Oct and in the US on Sun 1 Nov: for a week the gap between
    # Berlin and New York is 5 hours instead of 6.
    clock = FakeClock(datetime(2026, 10, 20, 9, 0, tzinfo=BERLIN))
    berlin_group = {
        "timezone": "Europe/Berlin",
        "group": [{"id": "berlin", "name": "Berlin Group", "therapist": "lee"}],
        "series": [
            {
                "id": "berlin-group",
                "kind": "support",
                "title": "Support Group",
                "group": "berlin",
                "weekdays": ["tue"],
                "start": "18:00",
                "duration": "90m",
                "from": date(2026, 10, 6),
            }
        ],
    }
    async with start_bot(other_config(tmp_path, BERLIN), clock, reader) as bot:
        lee = await bot.invite(Role.THERAPIST, "lee", name="Dr. Lee")
        await bot.user(501, "Dr. Lee").send(f"/start {lee.code}")
        await bot.import_schedule(SCHEDULE)  # New York, 6 pm
        await bot.import_schedule(berlin_group)
        alex = await bot.invite(
            Role.PATIENT, "alex", name="Alex R.", therapist="lee", groups=("evening-a", "berlin")
        )
        patient = bot.user(777, "Alex")
        await onboard_patient(bot, patient, alex.code, "✅ Europe/Berlin")

        calendar = await download(patient)

    events = calendar.events
    assert {str(e["dtstart"].params["TZID"]) for e in events} == {"Europe/Berlin"}
    assert [tz.tz_name for tz in calendar.timezones] == ["Europe/Berlin"]
    # Wall-clock times in Berlin, as the file states them: (year, month, day, hour, minute).
    local = {e.decoded("dtstart").timetuple()[:5] for e in events}
    starts = {e.decoded("dtstart").astimezone(UTC) for e in events}
    # Berlin's own group: 6 pm before and after the change (16:00 UTC, then 17:00 UTC).
    assert {(2026, 10, 20, 18, 0), (2026, 10, 27, 18, 0)} <= local
    assert datetime(2026, 10, 20, 16, 0, tzinfo=UTC) in starts
    assert datetime(2026, 10, 27, 17, 0, tzinfo=UTC) in starts
    # New York's 6 pm: midnight in Berlin, 11 pm in the week between the two changes, then
    # midnight again.
    assert (2026, 10, 22, 0, 0) in local  # Wed 21 Oct in New York
    assert (2026, 10, 26, 23, 0) in local  # Mon 26 Oct
    assert (2026, 10, 29, 23, 0) in local  # Thu 29 Oct
    assert (2026, 11, 3, 0, 0) in local  # Mon 2 Nov
    assert {str(e["summary"]) for e in events} == {"Appointment"}
    vtimezone = calendar.timezones[0].to_tz()
    assert datetime(2026, 10, 20, 18, tzinfo=vtimezone).utcoffset() == timedelta(hours=2)
    assert datetime(2026, 10, 27, 18, tzinfo=vtimezone).utcoffset() == timedelta(hours=1)


async def test_a_patient_with_no_sessions_is_told_kindly(bot: BotHarness) -> None:
    _, patient = await bot.joined_clinic()
    # The clinic took them out of the group, a minute after they joined.
    bot.clock.advance(timedelta(minutes=1))
    await remove_member(bot.db, "alex", "evening-a", None, bot.clock.now())

    replies = await patient.send("/calendar")

    assert [(m.kind, m.text) for m in replies] == [("text", texts.CALENDAR_EMPTY)]


async def test_everyone_else_gets_a_kind_refusal(bot: BotHarness) -> None:
    therapist, patient = await bot.joined_clinic()
    await patient.send("/buddy")
    link = (await patient.press("Invite a buddy"))[-1].text
    buddy = bot.user(900, "Pat")
    await buddy.send("/start " + re.search(r"start=(b-[A-Za-z0-9_-]+)", link).group(1))
    await buddy.press("Yes, I'll help")
    stranger = bot.user(901, "Someone")

    answers = {}
    for who, user in (("therapist", therapist), ("buddy", buddy), ("stranger", stranger)):
        before = len(bot.api.messages)
        answers[who] = [m.text for m in await user.send("/calendar")]
        await user.press_data("cal:send")
        answers[who].append(bot.api.callback_answers[-1])
        assert [m.kind for m in bot.api.messages[before:]] == ["text"]

    assert answers == {
        "therapist": [texts.NOT_FOR_YOUR_ROLE, texts.NOT_FOR_YOUR_ROLE],
        "buddy": [texts.NOT_FOR_YOUR_ROLE, texts.NOT_FOR_YOUR_ROLE],
        "stranger": [texts.UNKNOWN_USER, texts.UNKNOWN_USER],
    }


async def test_a_new_join_link_raises_the_sequence(bot: BotHarness) -> None:
    await bot.joined_clinic()
    revision = "SELECT revision FROM occurrences WHERE local_date = '2026-12-02'"
    before = (await bot.db.fetch_one(revision))[0]
    relinked = {
        **SCHEDULE,
        "series": [{**SCHEDULE["series"][0], "link": "https://video.example/new-room"}],
    }

    await bot.import_schedule(relinked)

    assert (await bot.db.fetch_one(revision))[0] == before + 1
    await bot.import_schedule(relinked)  # the same file again changes nothing
    assert (await bot.db.fetch_one(revision))[0] == before + 1


async def test_sessions_of_a_group_left_are_cancelled_in_the_next_file(bot: BotHarness) -> None:
    _, patient = await bot.joined_clinic()
    individual = {
        "id": "alex-individual", "kind": "individual", "title": "Individual Session",
        "patient": "alex", "therapist": "lee", "weekdays": ["fri"], "start": "16:00",
        "duration": "50m", "from": date(2026, 11, 6),
    }  # fmt: skip
    await bot.import_schedule({**SCHEDULE, "series": [*SCHEDULE["series"], individual]})
    first = Calendar.from_ical((await patient.send("/calendar"))[-1].content)
    await remove_member(bot.db, "alex", "evening-a", date(2026, 12, 4), bot.clock.now())

    second = Calendar.from_ical((await patient.send("/calendar"))[-1].content)

    before = {str(e["uid"]): e for e in first.walk("VEVENT")}
    after = {str(e["uid"]): e for e in second.walk("VEVENT")}
    assert set(after) == set(before)  # nothing left behind on the phone
    gone = [e for e in after.values() if str(e["status"]) == "CANCELLED"]
    assert len(gone) == 9 and all(e.decoded("dtstart").date() > date(2026, 12, 4) for e in gone)
    assert all(int(e["sequence"]) > int(before[str(e["uid"])]["sequence"]) for e in gone)
