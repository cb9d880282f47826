"""Attendance reports on a known history: every CSV cell, the chart's numbers, summaries, risk."""

from __future__ import annotations

import csv
import io
import tomllib
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.attendance.chart import render_chart
from bot.attendance.export import report_rows
from bot.attendance.reports import (
    CSV_COLUMNS,
    Mark,
    ReportRow,
    WeekRate,
    build_report_rows,
    hours_ahead,
    render_csv,
    weekly_rates,
)
from bot.attendance.summary import (
    AttendanceCounts,
    RiskCrossing,
    RiskFlag,
    RiskInputs,
    RiskThresholds,
    consecutive_misses,
    patient_summary,
    risk_crossings,
)
from bot.invites import issue_invite
from bot.kinds import Role, SessionKind
from bot.labels import local_day_bounds
from bot.schedule.file import parse_schedule
from bot.schedule.sync import import_schedule
from storage import reports as report_store
from storage.db import Database
from storage.records import AttendanceStatus
from storage.reports import PatientMark
from storage.timestamps import from_db, to_db

NEW_YORK = ZoneInfo("America/New_York")
EARLY = datetime(2026, 11, 20, 9, 0, tzinfo=NEW_YORK)  # schedules imported (a Friday)
NOW = datetime(2026, 12, 3, 12, 0, tzinfo=NEW_YORK)  # reports made (a Thursday)

# Evening A (New York, Mon + Wed, led by lee; Wed 25 Nov cancelled), Late B (Los Angeles,
# Tuesdays 21:30, which is already Wednesday in New York; led by kim), and one individual
# session of sam's (lee's patient) led by kim.
GROUPS_FILE = """
timezone = "America/New_York"

[[group]]
id = "evening-a"
name = "Evening Group A"
therapist = "lee"

[[group]]
id = "late-b"
name = "Late Group B"
therapist = "kim"
timezone = "America/Los_Angeles"

[[series]]
id = "evening-a-group"
kind = "group"
title = "Group Therapy"
group = "evening-a"
weekdays = ["mon", "wed"]
start = "18:00"
duration = "3h"
from = 2026-11-23

[[series]]
id = "late-b-psyched"
kind = "psychoeducation"
title = "Coping Skills, Part 2"
group = "late-b"
timezone = "America/Los_Angeles"
weekdays = ["tue"]
start = "21:30"
duration = "1h30m"
from = 2026-11-23

[[cancel]]
series = "evening-a-group"
date = 2026-11-25
"""

SESSION_FILE = """
timezone = "America/New_York"

[[session]]
id = "sam-individual-1"
kind = "individual"
title = "Individual Session"
patient = "sam"
therapist = "kim"
start = 2026-12-01T17:00:00
duration = "1h"
"""

HEADER = (
    "date,start,session_id,title,kind,group,therapist,patient,patient_name,status,"
    "late_minutes,reported_absence,reason,reported_hours_ahead,made_up_by"
)
EVENING = "evening-a-group,Group Therapy,group,evening-a,lee"
LATE_B = 'late-b-psyched,"Coping Skills, Part 2",psychoeducation,late-b,kim'
CLINIC_CSV_LINES = [
    HEADER,
    f"2026-11-23,18:00,{EVENING},alex,Alex R.,present,,no,,,",
    f"2026-11-23,18:00,{EVENING},blair,Blair O'Neil,absent,,yes,work,2.5,",
    f'2026-11-24,21:30,{LATE_B},casey,"Lopez, Casey",late,10,no,,,',
    f"2026-11-24,21:30,{LATE_B},drew,Drew,unmarked,,no,,,",
    f"2026-11-30,18:00,{EVENING},alex,Alex R.,present,,no,,,",
    f"2026-11-30,18:00,{EVENING},blair,Blair O'Neil,present,,no,,,",
    "2026-12-01,17:00,sam-individual-1,Individual Session,individual,,kim,sam,Sam T.,"
    "present,,no,,,",
    f"2026-12-01,21:30,{LATE_B},alex,Alex R.,present,,no,,,",
    f'2026-12-01,21:30,{LATE_B},casey,"Lopez, Casey",absent,,no,,,',
    f"2026-12-01,21:30,{LATE_B},drew,Drew,unmarked,,no,,,",
    f"2026-12-02,18:00,{EVENING},alex,Alex R.,absent,,yes,health,-0.8,",
    f"2026-12-02,18:00,{EVENING},blair,Blair O'Neil,unmarked,,no,,,",
]


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "reports.sqlite3")
    yield database
    await database.close()


async def _import(db: Database, text: str) -> None:
    spec = parse_schedule(tomllib.loads(text), Path("s.toml"), NEW_YORK)
    await import_schedule(db, spec, EARLY)


async def _invite(db: Database, role: Role, handle: str, name: str, **kwargs: object) -> int:
    issued = await issue_invite(
        db, role=role, now=EARLY, valid_for=timedelta(days=14), handle=handle, name=name, **kwargs
    )
    return issued.person.id


async def _occurrence(db: Database, series_id: str, local_date: str) -> int:
    row = await db.fetch_one(
        "SELECT id FROM occurrences WHERE series_id = ? AND local_date = ?",
        (series_id, local_date),
    )
    assert row is not None, (series_id, local_date)
    return row["id"]


async def _mark(
    db: Database, patient: int, occurrence: int, status: str, late: int | None = None
) -> None:
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO attendance (patient_id, occurrence_id, status, late_minutes, source,"
            " updated_at) VALUES (?, ?, ?, ?, 'therapist', ?)",
            (patient, occurrence, status, late, to_db(EARLY)),
        )


async def _report_absence(
    db: Database, patient: int, occurrence: int, reason: str, lead: int, *, withdrawn: bool = False
) -> None:
    row = await db.fetch_one("SELECT starts_at FROM occurrences WHERE id = ?", (occurrence,))
    reported_at = from_db(row[0]) - timedelta(minutes=lead)
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO absences (patient_id, occurrence_id, kind, reason, reported_at,"
            " lead_minutes, status) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                patient,
                occurrence,
                "upcoming" if lead > 0 else "missed",
                reason,
                to_db(reported_at),
                lead,
                "withdrawn" if withdrawn else "reported",
            ),
        )


@pytest.fixture
async def clinic(db: Database) -> dict[str, int]:
    """The known history; returns people's ids by handle."""
    ids = {
        "lee": await _invite(db, Role.THERAPIST, "lee", "Dr. Lee"),
        "kim": await _invite(db, Role.THERAPIST, "kim", "Dr. Kim"),
    }
    await _import(db, GROUPS_FILE)
    patients = [
        ("alex", "Alex R.", "lee", ("evening-a",)),
        ("blair", "Blair O'Neil", "kim", ("evening-a",)),
        ("casey", "Lopez, Casey", "kim", ("late-b",)),
        ("drew", "Drew", "lee", ("late-b",)),
        ("sam", "Sam T.", "lee", ()),
    ]
    for handle, name, therapist, groups in patients:
        ids[handle] = await _invite(
            db, Role.PATIENT, handle, name, therapist=therapist, groups=groups
        )
    await _import(db, SESSION_FILE)

    days = ("2026-11-23", "2026-11-25", "2026-11-30", "2026-12-02", "2026-12-07")
    evening = {day: await _occurrence(db, "evening-a-group", day) for day in days}
    late_b = {d: await _occurrence(db, "late-b-psyched", d) for d in ("2026-11-24", "2026-12-01")}
    sam_session = await _occurrence(db, "sam-individual-1", "2026-12-01")

    await _mark(db, ids["alex"], evening["2026-11-23"], "present")
    await _mark(db, ids["blair"], evening["2026-11-23"], "absent")
    await _report_absence(db, ids["blair"], evening["2026-11-23"], "work", 150)
    await _mark(db, ids["casey"], late_b["2026-11-24"], "late", 10)
    await _mark(db, ids["alex"], evening["2026-11-25"], "present")  # cancelled: not counted
    await _mark(db, ids["alex"], evening["2026-11-30"], "present")
    await _mark(db, ids["blair"], evening["2026-11-30"], "present")
    await _mark(db, ids["sam"], sam_session, "present")
    await _mark(db, ids["alex"], late_b["2026-12-01"], "present")  # a make-up guest
    await _mark(db, ids["casey"], late_b["2026-12-01"], "absent")
    await _mark(db, ids["alex"], evening["2026-12-02"], "absent")
    await _report_absence(db, ids["alex"], evening["2026-12-02"], "health", -45)
    # Blair reported, then said she would come after all: confirmed is still unmarked.
    await _report_absence(db, ids["blair"], evening["2026-12-02"], "family", 1440, withdrawn=True)
    await _mark(db, ids["blair"], evening["2026-12-02"], "confirmed")
    await _mark(db, ids["alex"], evening["2026-12-07"], "confirmed")  # future: not counted
    return ids


async def _rows(
    db: Database, first: date, last: date, therapist_id: int | None = None
) -> list[ReportRow]:
    start, end = local_day_bounds(first, last, NEW_YORK)
    records = await report_store.attendance_records(db, start, end, NOW, therapist_id=therapist_id)
    return build_report_rows(records)


async def test_clinic_csv_has_every_cell_exact(db: Database, clinic: dict[str, int]) -> None:
    rows = await _rows(db, date(2026, 11, 23), date(2026, 12, 10))

    text = render_csv(rows)

    assert text == "\r\n".join(CLINIC_CSV_LINES) + "\r\n"
    parsed = list(csv.reader(io.StringIO(text)))
    assert tuple(parsed[0]) == CSV_COLUMNS
    assert parsed[3][3] == "Coping Skills, Part 2" and parsed[3][8] == "Lopez, Casey"


async def test_a_period_is_the_days_in_the_date_column(
    db: Database, clinic: dict[str, int]
) -> None:
    # Tuesday 24 Nov 21:30 in Los Angeles is Wednesday 00:30 in New York (the program's
    # zone); its row says 2026-11-24, so it belongs to Tuesday's export, not Wednesday's.
    tuesday = await report_rows(db, date(2026, 11, 24), date(2026, 11, 24), NOW)
    wednesday = await report_rows(db, date(2026, 11, 25), date(2026, 11, 25), NOW)

    assert [(r.local_date, r.start, r.patient) for r in tuesday] == [
        (date(2026, 11, 24), time(21, 30), "casey"),
        (date(2026, 11, 24), time(21, 30), "drew"),
    ]
    assert wednesday == []  # the evening group was cancelled that day


async def test_a_therapist_sees_only_their_caseload(db: Database, clinic: dict[str, int]) -> None:
    first, last = date(2026, 11, 23), date(2026, 12, 3)

    lee = await _rows(db, first, last, clinic["lee"])
    kim = await _rows(db, first, last, clinic["kim"])

    # Lee: everyone in the group Lee leads, and Lee's own patients wherever they are.
    assert [(r.local_date.isoformat(), r.session_id, r.patient) for r in lee] == [
        ("2026-11-23", "evening-a-group", "alex"),
        ("2026-11-23", "evening-a-group", "blair"),
        ("2026-11-24", "late-b-psyched", "drew"),
        ("2026-11-30", "evening-a-group", "alex"),
        ("2026-11-30", "evening-a-group", "blair"),
        ("2026-12-01", "sam-individual-1", "sam"),
        ("2026-12-01", "late-b-psyched", "alex"),
        ("2026-12-01", "late-b-psyched", "drew"),
        ("2026-12-02", "evening-a-group", "alex"),
        ("2026-12-02", "evening-a-group", "blair"),
    ]
    assert [(r.local_date.isoformat(), r.session_id, r.patient) for r in kim] == [
        ("2026-11-23", "evening-a-group", "blair"),
        ("2026-11-24", "late-b-psyched", "casey"),
        ("2026-11-24", "late-b-psyched", "drew"),
        ("2026-11-30", "evening-a-group", "blair"),
        ("2026-12-01", "sam-individual-1", "sam"),
        ("2026-12-01", "late-b-psyched", "alex"),
        ("2026-12-01", "late-b-psyched", "casey"),
        ("2026-12-01", "late-b-psyched", "drew"),
        ("2026-12-02", "evening-a-group", "blair"),
    ]
    clinic_rows = await _rows(db, first, last)
    assert set(lee) | set(kim) == set(clinic_rows)


async def test_weekly_rates_per_group(db: Database, clinic: dict[str, int]) -> None:
    rows = await _rows(db, date(2026, 11, 23), date(2026, 12, 3))

    rates = weekly_rates(rows)

    assert rates == {
        "Evening Group A": [
            WeekRate(date(2026, 11, 23), 1, 1, 0.5),
            WeekRate(date(2026, 11, 30), 2, 1, 2 / 3),
        ],
        "Late Group B": [
            WeekRate(date(2026, 11, 23), 1, 0, 1.0),
            WeekRate(date(2026, 11, 30), 1, 1, 0.5),
        ],
        "Individual sessions": [WeekRate(date(2026, 11, 30), 1, 0, 1.0)],
    }
    png = render_chart(rates, "Attendance, 23 Nov – 3 Dec")
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5_000


def _row(day: date, mark: Mark, *, group: str | None = "g", name: str = "Pat") -> ReportRow:
    return ReportRow(
        local_date=day,
        start=time(18, 0),
        session_id="s",
        title="Group Therapy",
        kind=SessionKind.GROUP if group else SessionKind.FAMILY,
        group_id=group,
        group_name=None,
        therapist="lee",
        patient="pat",
        patient_name=name,
        mark=mark,
        late_minutes=None,
        reported_absence=False,
        reason=None,
        reported_hours_ahead=None,
    )


def test_a_week_with_nothing_marked_has_no_rate() -> None:
    sunday, monday = date(2026, 12, 6), date(2026, 12, 7)

    rates = weekly_rates(
        [
            _row(sunday, Mark.UNMARKED, group=None),
            _row(sunday, Mark.UNMARKED),
            _row(monday, Mark.LATE),
            _row(monday, Mark.UNMARKED),
        ]
    )

    assert rates == {
        "g": [WeekRate(date(2026, 11, 30), 0, 0, None), WeekRate(monday, 1, 0, 1.0)],
        "Individual sessions": [WeekRate(date(2026, 11, 30), 0, 0, None)],
    }
    assert render_chart(rates, "Attendance").startswith(b"\x89PNG")
    assert render_chart({}, "Attendance").startswith(b"\x89PNG")


def test_free_text_never_becomes_a_spreadsheet_formula() -> None:
    text = render_csv([_row(date(2026, 12, 7), Mark.PRESENT, name="=HYPERLINK(1)")])

    assert list(csv.reader(io.StringIO(text)))[1][8] == "'=HYPERLINK(1)"


@pytest.mark.parametrize(
    ("seconds", "hours"),
    [(150 * 60, "2.5"), (15 * 60, "0.3"), (-15 * 60, "-0.3"), (-45 * 60, "-0.8"),
     (-2 * 60, "0.0"), (0, "0.0"), (1440 * 60, "24.0"), (10 * 60, "0.2"),
     # 8½ minutes either side of the start is 0.14 hours: 0.1, never -0.2 (floored minutes)
     (-510, "-0.1"), (510, "0.1"), (-9 * 60, "-0.2"), (9 * 60, "0.2"), (-3 * 60, "-0.1")],
)  # fmt: skip
def test_hours_ahead_rounds_half_away_from_zero(seconds: int, hours: str) -> None:
    starts_at = datetime(2026, 12, 2, 23, 0, tzinfo=UTC)
    reported_at = starts_at - timedelta(seconds=seconds)
    assert str(hours_ahead(starts_at, reported_at)) == hours
    assert hours_ahead(starts_at, reported_at) == Decimal(hours)


async def test_patient_summary_from_the_database(db: Database, clinic: dict[str, int]) -> None:
    alex = await report_store.patient_marks(db, clinic["alex"], NOW)
    casey = await report_store.patient_marks(db, clinic["casey"], NOW)

    # The cancelled 25 Nov and the future 7 Dec are left out; the make-up is in.
    assert [(m.starts_at, m.status, m.absence_reported) for m in alex] == [
        (datetime(2026, 11, 23, 23, 0, tzinfo=UTC), AttendanceStatus.PRESENT, False),
        (datetime(2026, 11, 30, 23, 0, tzinfo=UTC), AttendanceStatus.PRESENT, False),
        (datetime(2026, 12, 2, 5, 30, tzinfo=UTC), AttendanceStatus.PRESENT, False),
        (datetime(2026, 12, 2, 23, 0, tzinfo=UTC), AttendanceStatus.ABSENT, True),
    ]
    summary = patient_summary(alex, NOW, insurance_window_days=30)
    assert summary.last_30_days == AttendanceCounts(attended=3, missed=1, unmarked=0)
    assert summary.last_30_days.rate == 0.75
    assert (summary.consecutive_misses, summary.open_absences) == (1, 1)
    assert summary.risk_inputs == RiskInputs(consecutive_misses=1, window_misses=1)
    casey_summary = patient_summary(casey, NOW, insurance_window_days=30)
    assert casey_summary.last_90_days == AttendanceCounts(attended=1, missed=1, unmarked=0)
    assert casey_summary.open_absences == 0
    drew = await report_store.patient_marks(db, clinic["drew"], NOW)
    drew_summary = patient_summary(drew, NOW, insurance_window_days=30)
    assert drew_summary.last_90_days == AttendanceCounts(attended=0, missed=0, unmarked=2)
    assert drew_summary.last_90_days.rate is None


def _marks(now: datetime, *statuses: AttendanceStatus | None) -> list[PatientMark]:
    """One mark a week, the last one a day before ``now``; oldest first."""
    return [
        PatientMark(n, now - timedelta(days=1 + 7 * (len(statuses) - 1 - n)), status, True, False)
        for n, status in enumerate(statuses)
    ]


def test_streak_counts_misses_back_to_the_last_attended_session() -> None:
    absent, present, late = (
        AttendanceStatus.ABSENT,
        AttendanceStatus.PRESENT,
        AttendanceStatus.LATE,
    )
    confirmed = AttendanceStatus.CONFIRMED
    now = datetime(2026, 12, 3, 17, 0, tzinfo=UTC)

    assert consecutive_misses(_marks(now, present, absent, absent), now) == 2
    assert consecutive_misses(_marks(now, absent, late, absent, None, confirmed), now) == 1
    assert consecutive_misses(_marks(now, absent, absent, present), now) == 0
    assert consecutive_misses(_marks(now, absent, None, absent, absent), now) == 3
    assert consecutive_misses(_marks(now, None), now) == 0
    assert consecutive_misses([], now) == 0


def test_windows_of_30_and_90_days() -> None:
    now = datetime(2026, 12, 3, 17, 0, tzinfo=UTC)
    absent, present = AttendanceStatus.ABSENT, AttendanceStatus.PRESENT
    # Weekly, 1 + 7k days before now: 10 present, 4 absent, 1 unmarked, 5 present.
    history = _marks(now, *([present] * 10 + [absent] * 4 + [None] + [present] * 5))

    summary = patient_summary(history, now, insurance_window_days=45)

    # 30 days back: the 5 latest sessions (1 … 29 days ago).
    assert summary.last_30_days == AttendanceCounts(attended=5, missed=0, unmarked=0)
    # 90 days back: the 13 latest (1 … 85 days ago): 3 + 5 present, 4 absent, 1 unmarked.
    assert summary.last_90_days == AttendanceCounts(attended=8, missed=4, unmarked=1)
    assert summary.last_90_days.rate == 8 / 12
    assert summary.consecutive_misses == 0
    # 45 days back reaches the last absence only (43 days ago).
    assert summary.insurance_window_misses == 1


def test_risk_flags_cross_once_and_reset() -> None:
    thresholds = RiskThresholds(consecutive_misses=2, window_misses=3)
    flags: frozenset[RiskFlag] = frozenset()
    seen = []
    for streak, window in [(1, 1), (2, 2), (3, 3), (4, 4), (0, 4), (1, 2), (2, 2), (2, 3)]:
        flags, crossings = risk_crossings(flags, RiskInputs(streak, window), thresholds)
        seen.append((sorted(flags), crossings))

    streak, insurance = RiskFlag.CONSECUTIVE_MISSES, RiskFlag.INSURANCE_WINDOW
    assert seen == [
        ([], ()),
        ([streak], (RiskCrossing(streak, 2, 2),)),
        ([streak, insurance], (RiskCrossing(insurance, 3, 3),)),
        ([streak, insurance], ()),  # still at risk: no second alert
        ([insurance], ()),  # attended: the streak flag goes down silently
        ([], ()),  # older misses left the window
        ([streak], (RiskCrossing(streak, 2, 2),)),  # a new crossing alerts again
        ([streak, insurance], (RiskCrossing(insurance, 3, 3),)),
    ]


def test_a_zero_threshold_turns_a_flag_off() -> None:
    flags, crossings = risk_crossings(
        frozenset(), RiskInputs(5, 5), RiskThresholds(consecutive_misses=0, window_misses=3)
    )
    assert flags == {RiskFlag.INSURANCE_WINDOW}
    assert crossings == (RiskCrossing(RiskFlag.INSURANCE_WINDOW, 5, 3),)
