"""Outbox planning, due selection and merging: pure functions, no database, no Telegram."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot import callbacks
from bot.config import RemindersConfig
from bot.labels import describe_until
from bot.outbox.delivery import STALE, due_notifications, is_silent, merge_messages, render_text
from bot.outbox.planning import (
    PlanBuddy,
    PlanPatient,
    PlanSession,
    buddy_nudge_window,
    parse_lead_times,
    plan_notifications,
)
from bot.outbox.rows import NotificationKind, OutboxRow, OutboxStatus, Planned, Priority

NEW_YORK = ZoneInfo("America/New_York")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
LONDON = ZoneInfo("Europe/London")
REMINDERS = RemindersConfig()  # 24h and 1h; buddies 2h ahead, quiet 21:00-08:00
ALEX = PlanPatient(1, "Alex R.", 101, "America/New_York")


def session(
    start: datetime, occurrence_id: int = 7, patients: tuple[int, ...] = (1,)
) -> PlanSession:
    return PlanSession(
        occurrence_id,
        "Group Therapy",
        start.astimezone(UTC),
        "America/New_York",
        "https://video.example/evening-a",
        patients,
    )


def plan(
    sessions: list[PlanSession],
    now: datetime,
    *,
    patients: tuple[PlanPatient, ...] = (ALEX,),
    buddies: tuple[PlanBuddy, ...] = (),
    prefs: dict[int, tuple[timedelta, ...]] | None = None,
    reminders: RemindersConfig = REMINDERS,
) -> list[Planned]:
    by_patient: dict[int, list[PlanBuddy]] = {}
    for buddy in buddies:
        by_patient.setdefault(buddy.patient_id, []).append(buddy)
    return plan_notifications(
        sessions, {p.id: p for p in patients}, by_patient, prefs or {}, reminders, now
    )


def of_kind(planned: list[Planned], kind: NotificationKind) -> list[Planned]:
    return [p for p in planned if p.kind is kind]


def text_at(planned: Planned, now: datetime) -> str:
    return render_text(json.loads(planned.payload), now)


def test_reminders_at_each_lead_time_and_a_checkin_at_the_start() -> None:
    start = datetime(2026, 11, 30, 18, 0, tzinfo=NEW_YORK)
    now = datetime(2026, 11, 28, 12, 0, tzinfo=NEW_YORK)

    planned = plan([session(start)], now)

    reminders = of_kind(planned, NotificationKind.REMINDER)
    assert [(r.variant, r.due_at, r.expires_at) for r in reminders] == [
        ("24h", start - timedelta(hours=24), start - timedelta(hours=1)),
        ("1h", start - timedelta(hours=1), start),
    ]
    assert {(r.recipient_key, r.chat_id, r.person_id, r.patient_id) for r in reminders} == {
        ("p:1", 101, 1, 1)
    }
    assert text_at(reminders[0], reminders[0].due_at) == (
        "⏰ Reminder: your appointment tomorrow at 6:00 pm.\nGroup Therapy"
    )
    assert text_at(reminders[1], reminders[1].due_at) == (
        "⏰ Reminder: your appointment today at 6:00 pm (in 1 hour).\nGroup Therapy"
    )
    buttons = json.loads(reminders[1].payload)["buttons"]
    assert [[b["text"] for b in row] for row in buttons] == [
        ["I'll be there", "Can't make it", "Running late"]
    ]
    assert [b["callback_data"] for b in buttons[0]] == ["r:c:7", "r:a:7", "r:l:7"]
    (checkin,) = of_kind(planned, NotificationKind.CHECKIN)
    assert (checkin.due_at, checkin.expires_at) == (start, start + timedelta(minutes=15))
    assert text_at(checkin, start) == (
        "Your appointment is starting now.\nGroup Therapy: join here: https://video.example/evening-a"
    )


def test_callback_data_is_short_and_forgeries_are_refused() -> None:
    assert len(f"{callbacks.REMINDER_CONFIRM}{2**63 - 1}".encode()) <= 64
    patterns = (callbacks.REMINDER_CONFIRM_OR_LATE_PATTERN, callbacks.REMINDER_ABSENT_PATTERN)
    assert re.match(callbacks.REMINDER_ABSENT_PATTERN, "r:a:42")
    assert re.match(callbacks.REMINDER_CONFIRM_OR_LATE_PATTERN, "r:l:9")
    assert callbacks.trailing_id("r:l:9") == 9
    for forged in ("r:c:", "r:c:-1", "r:x:1", "r:c:1;drop", "c:1", "r:c:１", "r:c:1\n"):
        assert not any(re.match(pattern, forged) for pattern in patterns), forged


def test_lead_times_are_elapsed_time_across_the_dst_change() -> None:
    """Clocks fall back at 2:00 on Sun 1 Nov 2026: a 24h reminder then shows 7 pm Saturday."""
    # Aware + timedelta is wall-clock arithmetic: 18:00 every day, EDT then EST.
    week = [datetime(2026, 10, 29, 18, 0, tzinfo=NEW_YORK) + timedelta(days=i) for i in range(6)]
    now = datetime(2026, 10, 27, 9, 0, tzinfo=NEW_YORK)

    planned = plan([session(s, occurrence_id=i) for i, s in enumerate(week)], now)

    for occurrence_id, start in enumerate(week):
        assert start.astimezone(NEW_YORK).hour == 18  # the session keeps its wall-clock time
        day_ahead, hour_ahead = (
            r
            for r in of_kind(planned, NotificationKind.REMINDER)
            if r.occurrence_id == occurrence_id
        )
        assert start - day_ahead.due_at == timedelta(hours=24)
        assert start - hour_ahead.due_at == timedelta(hours=1)
        assert hour_ahead.due_at.astimezone(NEW_YORK).hour == 17
        expected_hour = 19 if start.day == 1 else 18  # 24 real hours before Sunday 18:00 EST
        assert day_ahead.due_at.astimezone(NEW_YORK).hour == expected_hour
        assert "tomorrow at 6:00 pm" in text_at(day_ahead, day_ahead.due_at)


def test_each_patient_reads_their_own_time_zone() -> None:
    start = datetime(2026, 11, 30, 18, 0, tzinfo=NEW_YORK)
    sam = PlanPatient(2, "Sam", 102, "America/Los_Angeles")
    legacy = PlanPatient(3, "Lee", 103, None)  # no zone yet: the session's zone

    planned = plan(
        [session(start, patients=(1, 2, 3))],
        start - timedelta(hours=2),
        patients=(ALEX, sam, legacy),
    )

    texts = {
        r.chat_id: text_at(r, r.due_at)
        for r in of_kind(planned, NotificationKind.REMINDER)
        if r.variant == "1h"
    }
    assert texts == {
        101: "⏰ Reminder: your appointment today at 6:00 pm (in 1 hour).\nGroup Therapy",
        102: "⏰ Reminder: your appointment today at 3:00 pm (in 1 hour).\nGroup Therapy",
        103: "⏰ Reminder: your appointment today at 6:00 pm (in 1 hour).\nGroup Therapy",
    }


def test_unknown_or_unreachable_patients_get_nothing() -> None:
    start = datetime(2026, 11, 30, 18, 0, tzinfo=NEW_YORK)
    planned = plan([session(start, patients=(1, 99))], start - timedelta(days=2))
    assert {p.patient_id for p in planned} == {1}


def test_downtime_catch_up_plans_only_what_is_not_stale() -> None:
    start = datetime(2026, 11, 30, 18, 0, tzinfo=NEW_YORK)

    half_hour_before = plan([session(start)], start - timedelta(minutes=30))
    assert [(p.kind, p.variant) for p in half_hour_before] == [
        (NotificationKind.REMINDER, "1h"),  # due 30 minutes ago, sent now
        (NotificationKind.CHECKIN, "start"),
    ]
    reminder = half_hour_before[0]
    assert "(in 30 minutes)." in text_at(reminder, start - timedelta(minutes=30))

    assert [p.kind for p in plan([session(start)], start + timedelta(minutes=5))] == []
    assert plan([session(start)], start) == []


def test_a_preference_changes_the_plan() -> None:
    start = datetime(2026, 11, 30, 18, 0, tzinfo=NEW_YORK)
    now = start - timedelta(days=3)

    default = of_kind(plan([session(start)], now), NotificationKind.REMINDER)
    chosen = of_kind(
        plan([session(start)], now, prefs={1: parse_lead_times("2h,3d")}),
        NotificationKind.REMINDER,
    )
    silent = plan([session(start)], now, prefs={1: ()})

    assert [r.variant for r in default] == ["24h", "1h"]
    assert [(r.variant, r.due_at) for r in chosen] == [
        ("72h", start - timedelta(days=3)),
        ("2h", start - timedelta(hours=2)),
    ]
    assert [p.kind for p in silent] == [NotificationKind.CHECKIN]


def test_planning_twice_gives_the_same_rows() -> None:
    start = datetime(2026, 11, 30, 18, 0, tzinfo=NEW_YORK)
    buddy = PlanBuddy(5, 1, 505, "Europe/London")
    args = ([session(start)], start - timedelta(days=2))
    assert plan(*args, buddies=(buddy,)) == plan(*args, buddies=(buddy,))


def test_buddy_nudge_at_lead_time_in_their_zone() -> None:
    start = datetime(2026, 11, 30, 18, 0, tzinfo=NEW_YORK)
    buddy = PlanBuddy(5, 1, 505, "America/Los_Angeles")

    (nudge,) = of_kind(
        plan([session(start)], start - timedelta(days=2), buddies=(buddy,)),
        NotificationKind.BUDDY_NUDGE,
    )

    assert (nudge.recipient_key, nudge.chat_id, nudge.buddy_id, nudge.person_id) == (
        "b:5",
        505,
        5,
        None,
    )
    assert nudge.patient_id == 1
    assert nudge.due_at == start - timedelta(hours=2)
    assert nudge.expires_at == start
    assert text_at(nudge, nudge.due_at) == (
        "👋 Reminder: Alex has an appointment today at 3:00 pm.\n\n"
        "Send /stop if you'd rather not get these reminders."
    )
    assert "buttons" not in json.loads(nudge.payload)


def test_buddy_nudge_moves_before_quiet_hours_in_the_buddys_zone() -> None:
    quiet = (time(21, 0), time(8, 0))
    # 08:30 session, 2h lead: 06:30 is quiet, so 20:30 the evening before.
    start = datetime(2026, 12, 2, 8, 30, tzinfo=NEW_YORK)
    due, expires = buddy_nudge_window(start, timedelta(hours=2), quiet, "America/New_York")
    assert due == datetime(2026, 12, 1, 20, 30, tzinfo=NEW_YORK)
    assert expires == datetime(2026, 12, 1, 21, 0, tzinfo=NEW_YORK)  # never inside quiet hours

    # 18:00 in New York is 23:00 in London: 16:00 New York is 21:00 there, already quiet.
    evening = datetime(2026, 12, 2, 18, 0, tzinfo=NEW_YORK)
    due, expires = buddy_nudge_window(evening, timedelta(hours=2), quiet, "Europe/London")
    assert due == datetime(2026, 12, 2, 20, 30, tzinfo=LONDON)
    assert expires == datetime(2026, 12, 2, 21, 0, tzinfo=LONDON)

    # Not quiet: the nominal time, and it expires at the start of the next quiet period.
    late_morning = datetime(2026, 12, 2, 11, 0, tzinfo=NEW_YORK)
    due, expires = buddy_nudge_window(late_morning, timedelta(hours=2), quiet, "America/New_York")
    assert (due, expires) == (late_morning - timedelta(hours=2), late_morning)

    # Moving it would put it more than 14 hours ahead of the session: no nudge.
    eleven = datetime(2026, 12, 2, 11, 0, tzinfo=NEW_YORK)
    assert buddy_nudge_window(eleven, timedelta(hours=4), quiet, "America/New_York") is None

    # No quiet hours at all.
    due, _ = buddy_nudge_window(start, timedelta(hours=2), (time(0), time(0)), "Europe/London")
    assert due == start - timedelta(hours=2)


def test_buddy_nudge_already_inside_quiet_hours_is_not_planned() -> None:
    start = datetime(2026, 12, 2, 8, 30, tzinfo=NEW_YORK)
    buddy = PlanBuddy(5, 1, 505, "America/New_York")
    # 22:00 the evening before: the 20:30 nudge expired at 21:00.
    now = datetime(2026, 12, 1, 22, 0, tzinfo=NEW_YORK)
    planned = plan([session(start)], now, buddies=(buddy,))
    assert of_kind(planned, NotificationKind.BUDDY_NUDGE) == []


CLINICAL = re.compile(
    r"therap|group|treatment|program|session|clinic|\biop\b|counsel|recovery|rehab|"
    r"absen|missed|reason|substance|alcohol|drug|mental|psych|family|individual|support|"
    r"video|https?://",
    re.IGNORECASE,
)


def test_buddy_texts_never_say_anything_clinical() -> None:
    names = ["Alex R.", "Maria José", "Sam", "Jo-Anne Smith", "Lee"]
    zones = ["America/New_York", "America/Los_Angeles", "Europe/London", "Pacific/Honolulu"]
    titles = ["Group Therapy", "Family Session", "Psychoeducation: relapse", "IOP check-in"]
    now = datetime(2026, 10, 26, 0, 0, tzinfo=UTC)
    sessions = [
        PlanSession(
            occurrence_id,
            titles[occurrence_id % len(titles)],
            now + timedelta(days=1 + occurrence_id // 24, hours=occurrence_id % 24, minutes=15),
            "America/New_York",
            "https://video.example/therapy-group",
            tuple(range(len(names))),
        )
        for occurrence_id in range(24 * 10)
    ]
    patients = {
        i: PlanPatient(i, name, 100 + i, zones[i % len(zones)]) for i, name in enumerate(names)
    }
    buddies = {i: [PlanBuddy(50 + i, i, 500 + i, zones[(i + 1) % len(zones)])] for i in patients}

    nudges = of_kind(
        plan_notifications(sessions, patients, buddies, {}, REMINDERS, now),
        NotificationKind.BUDDY_NUDGE,
    )

    assert len(nudges) > 500
    for nudge in nudges:
        for seen_at in (nudge.due_at, nudge.due_at + timedelta(minutes=20)):
            text = text_at(nudge, seen_at)
            assert "has an appointment" in text
            assert not CLINICAL.search(text), text
        assert not CLINICAL.search(nudge.payload), nudge.payload


def test_describe_until_rounds_like_a_person() -> None:
    start = datetime(2026, 11, 30, 23, 0, tzinfo=UTC)
    cases = {
        timedelta(minutes=59, seconds=40): " (in 1 hour)",
        timedelta(minutes=30): " (in 30 minutes)",
        timedelta(minutes=1): " (in 1 minute)",
        timedelta(hours=2, minutes=31): " (in 2 hours 30 minutes)",
        timedelta(hours=13): "",
        timedelta(0): "",
    }
    for before, expected in cases.items():
        assert describe_until(start, start - before) == expected


def row(
    row_id: int,
    *,
    chat_id: int = 101,
    due: datetime,
    expires: datetime | None = None,
    payload: str = '{"text": "hello"}',
    withdrawn: str | None = None,
    priority: int = Priority.ROUTINE,
) -> OutboxRow:
    return OutboxRow(
        id=row_id,
        kind=NotificationKind.REMINDER,
        occurrence_id=7,
        recipient_key="p:1",
        person_id=1,
        buddy_id=None,
        patient_id=1,
        chat_id=chat_id,
        variant="1h",
        due_at=due,
        expires_at=expires,
        status=OutboxStatus.PENDING,
        attempts=0,
        failures=0,
        last_error=None,
        telegram_message_id=None,
        payload=payload,
        sent_at=None,
        withdrawn=withdrawn,
        priority=priority,
    )


def test_due_notifications_never_sends_late_or_withdrawn_rows() -> None:
    now = datetime(2026, 11, 30, 22, 0, tzinfo=UTC)
    rows = [
        row(1, due=now - timedelta(hours=1), expires=now + timedelta(minutes=5)),
        row(2, due=now - timedelta(hours=1), expires=now),
        row(3, due=now, withdrawn="session cancelled"),
        row(4, due=now + timedelta(seconds=1)),
        row(5, due=now - timedelta(days=3)),  # no expiry: alerts wait as long as it takes
        row(6, due=now, expires=now - timedelta(1), withdrawn="absence reported"),
    ]

    selection = due_notifications(rows, now)

    assert [r.id for r in selection.send] == [1, 5]
    assert [(r.id, reason) for r, reason in selection.skip] == [
        (2, STALE),
        (3, "session cancelled"),
        (6, STALE),
    ]


def test_rows_for_one_chat_merge_into_one_message() -> None:
    now = datetime(2026, 11, 30, 22, 0, tzinfo=UTC)
    first = plan([session(now + timedelta(hours=1), occurrence_id=7)], now)[0]
    second = plan([session(now + timedelta(hours=3), occurrence_id=8)], now)[0]
    rows = [
        row(1, due=now, payload=first.payload),
        row(2, due=now, payload='{"text": "📎 The reading for Monday: https://x.example/r"}'),
        row(3, due=now, payload=second.payload),
        row(4, chat_id=202, due=now),
    ]

    messages = merge_messages(rows, now)

    assert [(m.chat_id, m.row_ids) for m in messages] == [(101, (1, 2, 3)), (202, (4,))]
    merged = messages[0]
    assert merged.text == (
        "⏰ Reminder: your appointment today at 6:00 pm (in 1 hour).\nGroup Therapy\n\n"
        "📎 The reading for Monday: https://x.example/r\n\n"
        "⏰ Reminder: your appointment today at 8:00 pm (in 3 hours).\nGroup Therapy"
    )
    # Two reminders in one message: each button says which session it answers.
    assert merged.buttons == [
        [
            ("I'll be there · Group Therapy, 6:00 pm", "r:c:7"),
            ("Can't make it · Group Therapy, 6:00 pm", "r:a:7"),
            ("Running late · Group Therapy, 6:00 pm", "r:l:7"),
        ],
        [
            ("I'll be there · Group Therapy, 8:00 pm", "r:c:8"),
            ("Can't make it · Group Therapy, 8:00 pm", "r:a:8"),
            ("Running late · Group Therapy, 8:00 pm", "r:l:8"),
        ],
    ]
    assert messages[1].buttons is None


def test_merged_texts_over_telegrams_limit_are_split() -> None:
    now = datetime(2026, 11, 30, 22, 0, tzinfo=UTC)
    long = json.dumps({"text": "x" * 3000})
    messages = merge_messages([row(i, due=now, payload=long) for i in (1, 2, 3)], now)
    assert [m.row_ids for m in messages] == [(1,), (2,), (3,)]


def test_a_safety_alert_goes_first_and_alone() -> None:
    now = datetime(2026, 11, 30, 22, 0, tzinfo=UTC)
    earlier = now - timedelta(minutes=5)
    routine = [row(i, due=earlier, payload=json.dumps({"text": f"notice {i}"})) for i in (1, 2)]
    urgent = row(3, due=now, payload='{"text": "urgent"}', priority=Priority.SAFETY)

    messages = merge_messages([*routine, urgent], now)

    assert [(m.text, m.row_ids) for m in messages] == [
        ("urgent", (3,)),
        ("notice 1\n\nnotice 2", (1, 2)),
    ]


def test_a_reminder_is_silent_only_inside_the_patient_s_own_quiet_hours() -> None:
    # A 9 am session in New York: the day-before reminder is due 9 am; in Los Angeles that is
    # 6 am, inside the quiet hours (9 pm to 8 am) of a patient living there.
    start = datetime(2026, 12, 1, 9, 0, tzinfo=NEW_YORK)
    west = PlanPatient(2, "Jo K.", 102, "America/Los_Angeles")
    loud = PlanPatient(3, "Sam T.", 103, "America/Los_Angeles", quiet=False)
    rows = plan(
        [session(start, patients=(1, 2, 3))],
        start - timedelta(days=2),
        patients=(ALEX, west, loud),
    )
    day_before = {
        row.patient_id: row
        for row in rows
        if row.kind is NotificationKind.REMINDER and row.due_at == start - timedelta(hours=24)
    }
    due = start - timedelta(hours=24)

    silent = {pid: is_silent(json.loads(row.payload), due) for pid, row in day_before.items()}

    assert silent == {1: False, 2: True, 3: False}
    # Equal times mean no quiet hours at all.
    assert not is_silent(json.loads(day_before[2].payload.replace("08:00", "21:00")), due)
