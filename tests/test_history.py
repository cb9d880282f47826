"""Attendance history a clinic can bill on (issue 12): dated memberships, a past that later
imports cannot rewrite, risk flags that go down as well as up, taps that settle on Done.

The clinic is ``tests.helpers.clinic``'s: the evening group (Mon, Wed, Thu 6 pm, New York)
has run since 5 Oct; the clock starts on Monday 30 Nov, 9 am, when Alex joins.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

from bot.attendance.digest import weekly_digest
from bot.attendance.export import build_report
from bot.attendance.risk import recheck_flags
from bot.fake_telegram import ChatUser
from bot.kinds import Role
from bot.memberships import remove_member
from bot.services import Services
from bot.usecases.attendance import SHEET_IDLE, settle_marks
from storage import people
from storage import reports as report_store
from storage import risk as risk_store
from storage import schedule as schedule_store
from tests.helpers.clinic import NEW_YORK, SCHEDULE, BotHarness, onboard_patient

MONDAY_EVENING = datetime(2026, 11, 30, 21, 30, tzinfo=NEW_YORK)


def services(bot: BotHarness) -> Services:
    return bot.application.bot_data["services"]


async def export(bot: BotHarness, first: date, last: date) -> list[dict[str, str]]:
    report = await build_report(bot.db, first, last, bot.clock.now(), chart=False)
    return list(csv.DictReader(io.StringIO(report.csv)))


async def mark(
    bot: BotHarness, therapist: ChatUser, day: int, taps: dict[str, int], *, done: bool = True
) -> None:
    """After the group ``day`` days after Mon 30 Nov, tap each patient ``taps[name]`` times
    (1 present, 2 late, 3 absent) and press Done."""
    bot.clock.set(MONDAY_EVENING + timedelta(days=day))
    await bot.notifier.run_due()  # the end-of-session prompt first, then the command
    await therapist.send("/attendance")
    sheet = await therapist.press(therapist.last.labels[0])
    for name, count in taps.items():
        for _ in range(count):
            label = next(lbl for lbl in sheet[-1].labels if name in lbl)
            await therapist.press(label)
    if done:
        await therapist.press("Done")


def risk_alerts(therapist: ChatUser) -> list[str]:
    return [m.text for m in therapist.inbox if m.text.startswith("⚠️")]


async def stored_flags(bot: BotHarness, handle: str) -> frozenset[str]:
    person = await people.find_by_handle(bot.db, handle)
    return await risk_store.get_flags(bot.db, person.id)


# 1. Sessions before a patient joined, and after they left


async def test_a_mid_course_joiner_has_no_rows_before_joining(bot: BotHarness) -> None:
    therapist, _ = await bot.joined_clinic()  # Alex joins on Monday 30 Nov at 9 am
    await bot.invite(
        Role.PATIENT, "kai", name="Kai", therapist="lee", groups=("evening-a",),
        since=date(2026, 11, 23),
    )  # fmt: skip
    await mark(bot, therapist, 0, {"Alex": 1, "Kai": 1})

    rows = await export(bot, date(2026, 11, 16), date(2026, 11, 30))

    assert [(r["date"], r["patient"], r["status"]) for r in rows] == [
        ("2026-11-23", "kai", "unmarked"),
        ("2026-11-25", "kai", "unmarked"),
        ("2026-11-26", "kai", "unmarked"),
        ("2026-11-30", "alex", "present"),
        ("2026-11-30", "kai", "present"),
    ]
    alex = await people.find_by_handle(bot.db, "alex")
    marks = await report_store.patient_marks(bot.db, alex.id, bot.clock.now())
    assert len(marks) == 1  # was 25: every session since 5 Oct, "not marked"
    text = (await therapist.send("/patient kai"))[-1].text
    assert "Last 30 days: 1 attended, 0 missed, 3 not marked (100%)" in text


async def test_a_patient_who_left_is_not_expected_or_reminded_after(bot: BotHarness) -> None:
    therapist, patient = await bot.joined_clinic()
    await mark(bot, therapist, 0, {"Alex": 1})
    bot.clock.set(datetime(2026, 12, 1, 12, 0, tzinfo=NEW_YORK))
    await remove_member(bot.db, "alex", "evening-a", date(2026, 12, 2), bot.clock.now())
    await bot.notifier.replan()

    alex = await people.find_by_handle(bot.db, "alex")
    later = await schedule_store.patient_occurrences(
        bot.db, alex.id, bot.clock.now(), bot.clock.now() + timedelta(days=14)
    )
    assert [o.local_date for o in later] == [date(2026, 12, 2)]  # the last day is Wed 2 Dec
    thursday = await bot.db.fetch_one("SELECT id FROM occurrences WHERE local_date = '2026-12-03'")
    bot.clock.set(datetime(2026, 12, 3, 17, 59, tzinfo=NEW_YORK))
    await bot.notifier.run_due()
    sent = await bot.db.fetch_all(
        "SELECT kind FROM outbox WHERE occurrence_id = ? AND person_id = ? AND status = 'sent'",
        (thursday[0], alex.id),
    )
    assert sent == []
    assert patient.inbox  # Alex heard about the sessions before leaving
    bot.clock.set(datetime(2026, 12, 4, 9, 0, tzinfo=NEW_YORK))
    rows = await export(bot, date(2026, 11, 30), date(2026, 12, 4))
    assert [(r["date"], r["status"]) for r in rows] == [
        ("2026-11-30", "present"),
        ("2026-12-02", "unmarked"),
    ]
    # The marking sheet of Thursday's session no longer lists Alex.
    bot.clock.set(datetime(2026, 12, 3, 21, 30, tzinfo=NEW_YORK))
    await bot.notifier.run_due()
    await therapist.send("/attendance")
    sheet = await therapist.press(therapist.last.labels[0])
    assert not any("Alex" in label for label in sheet[-1].labels)


# 2. History is not rewritten by a later import


async def test_a_later_import_changes_only_sessions_to_come(bot: BotHarness) -> None:
    await bot.joined_clinic()
    late = {
        "id": "late-group",
        "kind": "group",
        "title": "Late Group",
        "group": "evening-a",
        "weekdays": ["tue"],
        "start": "21:30",
        "duration": "1h",
        "from": date(2026, 11, 3),
        "timezone": "America/Los_Angeles",
    }
    await bot.import_schedule({**SCHEDULE, "series": [*SCHEDULE["series"], late]})
    bot.clock.set(datetime(2026, 12, 2, 9, 0, tzinfo=NEW_YORK))  # Tue 1 Dec's session is over
    changed = {**late, "timezone": "America/New_York", "title": "Evening Talk", "kind": "support"}
    await bot.import_schedule({**SCHEDULE, "series": [*SCHEDULE["series"], changed]})
    bot.clock.set(datetime(2026, 12, 9, 9, 0, tzinfo=NEW_YORK))

    rows = await export(bot, date(2026, 12, 1), date(2026, 12, 8))

    late_rows = [(r["date"], r["start"], r["title"], r["kind"]) for r in rows]
    assert [row for row in late_rows if row[1] == "21:30"] == [
        ("2026-12-01", "21:30", "Late Group", "group"),  # as it happened, in Los Angeles
        ("2026-12-08", "21:30", "Evening Talk", "support"),  # the new series, in New York
    ]


# 3. Risk flags go down as well as up


async def test_flags_go_down_when_the_patient_comes_back_and_a_new_crossing_alerts(
    bot: BotHarness,
) -> None:
    therapist, _ = await bot.joined_clinic()
    await mark(bot, therapist, 0, {"Alex": 3})  # Mon absent
    await mark(bot, therapist, 2, {"Alex": 3})  # Wed absent: 2 in a row
    assert await stored_flags(bot, "alex") == {"consecutive_misses"}
    await mark(bot, therapist, 3, {"Alex": 1})  # Thu present

    assert await stored_flags(bot, "alex") == frozenset()
    text = (await therapist.send("/patient alex"))[-1].text
    assert "No risk flags." in text
    await mark(bot, therapist, 7, {"Alex": 3})
    await mark(bot, therapist, 9, {"Alex": 3})  # 2 in a row again, 4 in 30 days
    alerts = risk_alerts(therapist)
    assert len([a for a in alerts if "in a row" in a]) == 2
    assert len([a for a in alerts if "last 30 days" in a]) == 1


async def test_misses_ageing_out_of_the_window_lower_the_flag(bot: BotHarness) -> None:
    therapist, _ = await bot.joined_clinic()
    for day in (0, 2, 3):
        await mark(bot, therapist, day, {"Alex": 3})
    await mark(bot, therapist, 7, {"Alex": 1})
    assert await stored_flags(bot, "alex") == {"insurance_window"}

    bot.clock.set(datetime(2026, 12, 31, 12, 0, tzinfo=NEW_YORK))  # Mon 30 Nov is 31 days ago
    await recheck_flags(services(bot))

    assert await stored_flags(bot, "alex") == frozenset()
    history = await bot.db.fetch_all("SELECT kind, direction FROM risk_crossings ORDER BY id")
    assert [tuple(row) for row in history] == [
        ("consecutive_misses", "up"),
        ("insurance_window", "up"),
        ("consecutive_misses", "down"),
        ("insurance_window", "down"),
    ]


async def test_the_digest_lists_only_patients_at_risk_now(bot: BotHarness) -> None:
    therapist, _ = await bot.joined_clinic()
    await mark(bot, therapist, 0, {"Alex": 3})
    await mark(bot, therapist, 2, {"Alex": 3})
    await mark(bot, therapist, 3, {"Alex": 1})  # back: no longer at risk
    monday = datetime(2026, 12, 7, 8, 0, tzinfo=NEW_YORK)
    bot.clock.set(monday)

    await weekly_digest(bot.db, bot.notifier, bot.config, monday)
    await bot.notifier.run_due()

    assert therapist.last.text.endswith("Patients at risk: none")


# 4. Tapping through "absent" raises nothing; the mark left does


async def test_correcting_late_to_present_raises_no_alert_or_follow_up(bot: BotHarness) -> None:
    therapist, patient = await bot.joined_clinic()
    await mark(bot, therapist, 0, {"Alex": 3})  # Mon absent
    seen = len(patient.inbox)
    # Wed: present, then the therapist corrects a slip: late -> absent -> present.
    await mark(bot, therapist, 2, {"Alex": 4})
    bot.clock.advance(timedelta(days=1))
    await bot.notifier.run_due()

    assert risk_alerts(therapist) == []  # one miss: no "2 in a row"
    followups = await bot.db.fetch_all("SELECT occurrence_id FROM outbox WHERE kind = 'followup'")
    assert len(followups) == 1  # Monday's only
    assert len(patient.inbox) == seen + 1  # Monday's follow-up, nothing about Wednesday


async def test_an_idle_sheet_settles_after_ten_minutes(bot: BotHarness) -> None:
    therapist, _ = await bot.joined_clinic()
    await mark(bot, therapist, 0, {"Alex": 3}, done=False)
    s = services(bot)

    bot.clock.advance(SHEET_IDLE - timedelta(seconds=1))
    assert await settle_marks(s) == 0
    followups = "SELECT count(*) FROM outbox WHERE kind = 'followup'"
    assert (await bot.db.fetch_one(followups))[0] == 0
    bot.clock.advance(timedelta(seconds=1))
    assert await settle_marks(s) == 1
    assert (await bot.db.fetch_one(followups))[0] == 1
    assert await settle_marks(s) == 0  # once


# 5. Patients not on Telegram are flagged too


async def test_a_patient_not_on_telegram_is_flagged_when_marked_late_in_the_day(
    bot: BotHarness,
) -> None:
    therapist, _ = await bot.joined_clinic()
    await bot.invite(Role.PATIENT, "noa", name="Noa", therapist="lee", groups=("evening-a",))
    for day in (0, 2):
        # The next morning, more than 12 hours after the session.
        bot.clock.set(datetime(2026, 12, 1, 10, 0, tzinfo=NEW_YORK) + timedelta(days=day))
        await bot.notifier.run_due()
        await therapist.send("/attendance")
        sheet = await therapist.press(therapist.last.labels[0])
        for _ in range(3):
            label = next(lbl for lbl in sheet[-1].labels if "Noa" in lbl)
            await therapist.press(label)
        await therapist.press("Done")

    assert risk_alerts(therapist) == [
        "⚠️ A patient may need a check-in\n"
        "Noa has missed 2 sessions in a row. It may be a good moment to reach out."
    ]


# 6. and 7. Notice, self-reported lateness, moved sessions, rates and names


async def test_a_report_eight_and_a_half_minutes_late_is_minus_a_tenth_of_an_hour(
    bot: BotHarness,
) -> None:
    _, patient = await bot.joined_clinic()
    bot.clock.set(datetime(2026, 11, 30, 18, 8, 30, tzinfo=NEW_YORK))
    await patient.send("so sorry, I missed group tonight")
    await patient.press("Yes, that's the one")
    await patient.press("Skip")
    bot.clock.set(datetime(2026, 12, 1, 9, 0, tzinfo=NEW_YORK))

    (row,) = await export(bot, date(2026, 11, 30), date(2026, 11, 30))

    assert (row["status"], row["reported_absence"], row["reported_hours_ahead"]) == (
        "absent",
        "yes",
        "-0.1",
    )


async def test_running_late_is_the_patients_word_until_marked(bot: BotHarness) -> None:
    therapist, patient = await bot.joined_clinic()
    bot.clock.set(datetime(2026, 11, 30, 17, 50, tzinfo=NEW_YORK))
    await patient.send("running 15 min late tonight")
    bot.clock.set(MONDAY_EVENING)

    (said,) = await export(bot, date(2026, 11, 30), date(2026, 11, 30))
    await mark(bot, therapist, 0, {"Alex": 2})  # the therapist: late
    (marked,) = await export(bot, date(2026, 11, 30), date(2026, 11, 30))

    assert (said["status"], said["late_minutes"]) == ("reported_late", "15")
    assert (marked["status"], marked["late_minutes"]) == ("late", "15")
    text = (await therapist.send("/patient alex"))[-1].text
    assert "Last 30 days: 1 attended" in text


async def test_notice_is_measured_to_where_a_moved_session_went(bot: BotHarness) -> None:
    _, patient = await bot.joined_clinic()
    one_off = {
        "id": "family-1",
        "kind": "family",
        "title": "Family Session",
        "patient": "alex",
        "therapist": "lee",
        "start": datetime(2026, 12, 3, 12, 0),  # noqa: DTZ001 (TOML local time)
        "duration": "1h",
    }
    await bot.import_schedule({**SCHEDULE, "session": [one_off]})
    bot.clock.set(datetime(2026, 12, 1, 12, 0, tzinfo=NEW_YORK))  # 48 hours ahead
    await patient.send("I can't come to the family session on thursday")
    await patient.press("Yes, that's the one")
    await patient.press("Skip")
    moved = {**one_off, "start": datetime(2026, 12, 4, 12, 0)}  # noqa: DTZ001
    await bot.import_schedule({**SCHEDULE, "session": [moved]})
    bot.clock.set(datetime(2026, 12, 5, 9, 0, tzinfo=NEW_YORK))

    rows = await export(bot, date(2026, 12, 4), date(2026, 12, 4))

    family = [r for r in rows if r["session_id"] == "family-1"]
    assert [(r["date"], r["reported_hours_ahead"]) for r in family] == [("2026-12-04", "72.0")]


async def test_rates_round_half_up_and_names_with_commas_stay_whole(bot: BotHarness) -> None:
    therapist, _ = await bot.joined_clinic()
    lopez = await bot.invite(
        Role.PATIENT, "maria", name="Lopez, Maria", therapist="lee", groups=("evening-a",)
    )
    await onboard_patient(bot, bot.user(778, "Maria"), lopez.code, "✅ Eastern time")
    # Alex: 5 attended, 3 missed in 8 sessions (62.5%); Maria misses the last two.
    for day, taps in [(0, 1), (2, 1), (3, 3), (7, 1), (9, 3), (10, 1), (14, 3), (16, 1)]:
        await mark(bot, therapist, day, {"Alex": taps, "Lopez": 1 if day < 14 else 3})
    assert "(63%)" in (await therapist.send("/patient alex"))[-1].text

    monday = datetime(2026, 12, 21, 8, 0, tzinfo=NEW_YORK)
    bot.clock.set(monday)
    await weekly_digest(bot.db, bot.notifier, bot.config, monday)
    await bot.notifier.run_due()

    # Alex: 3 misses in 30 days; Maria: 2 in a row. One name a line, commas and all.
    assert therapist.last.text.endswith("Patients at risk:\n• Alex R.\n• Lopez, Maria")
