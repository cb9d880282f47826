"""Benchmark the 90-day attendance report and the /patient summary on a large clinic.

Run: .venv/bin/python bench/report.py
Builds (in a child process, so its memory is not counted) a clinic of 2,000 patients in 100
groups of 20 with three sessions a week for 26 weeks (about 150,000 attendance rows), then
times the whole-clinic 90-day report (query, rows, CSV) and one patient's summary, and prints
the query plans. peak_mb is the measuring process's peak resident memory (ru_maxrss), which
includes SQLite's own allocations and every import. The last line is machine-readable:
report_s=F summary_s=F peak_mb=F
"""

import asyncio
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.attendance.chart import render_chart  # noqa: E402
from bot.attendance.reports import build_report_rows, render_csv, weekly_rates  # noqa: E402
from bot.attendance.summary import PatientSummary, patient_summary  # noqa: E402
from bot.labels import local_day_bounds  # noqa: E402
from storage import reports as report_store  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.timestamps import to_db  # noqa: E402

ZONE = ZoneInfo("America/New_York")
NOW = datetime(2027, 3, 1, 9, 0, tzinfo=ZONE)
WEEKS = 26
THERAPISTS = 10
GROUPS = 100
GROUP_SIZE = 20
WEEKDAYS = (0, 2, 3)  # mon, wed, thu
HOLIDAYS = {date(2026, 12, 24), date(2026, 12, 31)}  # cancelled
SUMMARY_PATIENT = 500
REASONS = ("work", "health", "family", "transport", "childcare", "motivation")


def patient_group(patient_id: int) -> str:
    return f"g{(patient_id - THERAPISTS - 1) // GROUP_SIZE:03d}"


def people_rows() -> list[tuple]:
    """Therapists 1..10, then patients; a patient's therapist leads their group."""
    created = to_db(NOW - timedelta(weeks=WEEKS + 1))
    therapists = [
        (t + 1, f"therapist-{t}", "therapist", f"Dr. {t}", None, created)
        for t in range(THERAPISTS)
    ]
    patients = [
        (THERAPISTS + 1 + p, f"patient-{p:04d}", "patient", f"Patient {p}",
         1 + (p // GROUP_SIZE) % THERAPISTS, created)
        for p in range(GROUPS * GROUP_SIZE)
    ]  # fmt: skip
    return therapists + patients


def occurrence_rows(first: date) -> list[tuple]:
    rows = []
    for g in range(GROUPS):
        for offset in range(WEEKS * 7):
            day = first + timedelta(days=offset)
            if day.weekday() in WEEKDAYS:
                start = datetime.combine(day, clock_time(17 + g % 3), tzinfo=ZONE)
                status = "cancelled" if day in HOLIDAYS else "scheduled"
                end = start + timedelta(hours=3)
                rows.append((f"s{g:03d}", day.isoformat(), to_db(start), to_db(end), status))
    return rows


def mark_rows(held: list, members: dict[str, list[int]]) -> tuple[list[tuple], list[tuple]]:
    """Attendance (78% present, 5% late, 10% absent, 3% confirmed, 4% no row) and reports."""
    rng = random.Random(5)
    attendance, absences = [], []
    for occurrence_id, group_id, starts_at in held:
        for patient_id in members[group_id]:
            roll = rng.random()
            if roll < 0.78:
                attendance.append((patient_id, occurrence_id, "present", None, starts_at))
            elif roll < 0.83:
                late = rng.randint(5, 30)
                attendance.append((patient_id, occurrence_id, "late", late, starts_at))
            elif roll < 0.93:
                attendance.append((patient_id, occurrence_id, "absent", None, starts_at))
                if rng.random() < 0.5:
                    lead = rng.randint(-180, 2880)
                    kind = "upcoming" if lead > 0 else "missed"
                    reason = rng.choice(REASONS)
                    absences.append((patient_id, occurrence_id, kind, reason, starts_at, lead))
            elif roll < 0.96:
                attendance.append((patient_id, occurrence_id, "confirmed", None, starts_at))
    return attendance, absences


async def build(path: Path) -> None:
    """Fill a fresh database with set-based inserts in one transaction."""
    first = (NOW - timedelta(weeks=WEEKS)).date()
    people = people_rows()
    patient_ids = [row[0] for row in people if row[2] == "patient"]
    members: dict[str, list[int]] = {}
    for patient_id in patient_ids:
        members.setdefault(patient_group(patient_id), []).append(patient_id)
    occurrences = occurrence_rows(first)
    db = await Database.open(path)
    try:
        async with db.transaction() as conn:
            await conn.executemany(
                "INSERT INTO people (id, handle, role, name, therapist_id, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                people,
            )
            await conn.executemany(
                "INSERT INTO groups (id, name, therapist_id, timezone) VALUES (?, ?, ?, ?)",
                [(f"g{g:03d}", f"Group {g:03d}", 1 + g % THERAPISTS, ZONE.key)
                 for g in range(GROUPS)],
            )  # fmt: skip
            await conn.executemany(
                "INSERT INTO memberships (group_id, patient_id, joined_at) VALUES (?, ?, ?)",
                [
                    (
                        patient_group(patient_id),
                        patient_id,
                        to_db(NOW - timedelta(weeks=WEEKS + 1)),
                    )
                    for patient_id in patient_ids
                ],
            )
            await conn.executemany(
                "INSERT INTO series (id, kind, title, group_id, therapist_id, timezone, weekdays,"
                " start_time, duration_minutes, first_date) VALUES (?, 'group', 'Group Therapy',"
                " ?, ?, ?, 'mon,wed,thu', ?, 180, ?)",
                [(f"s{g:03d}", f"g{g:03d}", 1 + g % THERAPISTS, ZONE.key, f"{17 + g % 3}:00",
                  first.isoformat()) for g in range(GROUPS)],
            )  # fmt: skip
            await conn.executemany(
                "INSERT INTO occurrences (series_id, local_date, starts_at, ends_at, status,"
                f" kind, title, timezone) VALUES (?, ?, ?, ?, ?, 'group', 'Group Therapy',"
                f" '{ZONE.key}')",
                occurrences,
            )
            async with conn.execute(
                "SELECT o.id, s.group_id, o.starts_at FROM occurrences o"
                " JOIN series s ON s.id = o.series_id"
                " WHERE o.status = 'scheduled' AND o.starts_at < ?",
                (to_db(NOW),),
            ) as cursor:
                held = list(await cursor.fetchall())
            attendance, absences = mark_rows(held, members)
            await conn.executemany(
                "INSERT INTO attendance (patient_id, occurrence_id, status, late_minutes, source,"
                " updated_at) VALUES (?, ?, ?, ?, 'therapist', ?)",
                attendance,
            )
            await conn.executemany(
                "INSERT INTO absences (patient_id, occurrence_id, kind, reason, reported_at,"
                " lead_minutes) VALUES (?, ?, ?, ?, ?, ?)",
                absences,
            )
    finally:
        await db.close()
    print(
        f"clinic: {len(patient_ids)} patients, {GROUPS} groups, {len(occurrences)} occurrences,"
        f" {len(attendance)} attendance rows, {len(absences)} absence reports"
    )


async def explain(db: Database, title: str, sql: str, parameters: dict) -> None:
    print(f"EXPLAIN QUERY PLAN {title}:")
    async with db.read() as conn, conn.execute(f"EXPLAIN QUERY PLAN {sql}", parameters) as cur:
        for row in await cur.fetchall():
            print(f"  {row['detail']}")


async def records(db: Database, therapist_id: int | None) -> list:
    start, end = local_day_bounds(NOW.date() - timedelta(days=90), NOW.date(), ZONE)
    return await report_store.attendance_records(db, start, end, NOW, therapist_id=therapist_id)


async def report(db: Database, therapist_id: int | None = None) -> str:
    return render_csv(build_report_rows(await records(db, therapist_id)))


async def chart(db: Database, therapist_id: int) -> bytes:
    rows = build_report_rows(await records(db, therapist_id))
    return render_chart(weekly_rates(rows), "Attendance, last 90 days")


async def summary(db: Database, patient_id: int) -> PatientSummary:
    marks = await report_store.patient_marks(db, patient_id, NOW)
    return patient_summary(marks, NOW, insurance_window_days=30)


def peak_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def timed(label: str, work: Callable[[], Awaitable[object]]) -> float:
    started = time.perf_counter()
    result = await work()
    seconds = time.perf_counter() - started
    shown = f"{len(result):,} bytes" if isinstance(result, str | bytes) else repr(result)
    print(f"{label}: {seconds:.3f} s, process peak {peak_mb():.1f} MB -> {shown}")
    return seconds


async def measure(path: Path) -> None:
    print(f"after imports: process peak {peak_mb():.1f} MB")
    start, end = local_day_bounds(NOW.date() - timedelta(days=90), NOW.date(), ZONE)
    period = {"start": to_db(start), "until": to_db(end), "therapist_id": None}
    db = await Database.open(path)
    try:
        await explain(db, "report rosters (whole clinic)", report_store.REPORT_QUERY, period)
        await explain(db, "report sessions", report_store.SESSIONS_QUERY, period)
        await explain(
            db,
            "patient summary",
            report_store.PATIENT_QUERY,
            {"patient_id": SUMMARY_PATIENT, "now": to_db(NOW)},
        )
        report_s = await timed("90-day clinic report (queries + rows + CSV)", lambda: report(db))
        summary_s = await timed("patient summary", lambda: summary(db, SUMMARY_PATIENT))
        await timed("90-day caseload report of one therapist", lambda: report(db, 3))
        await timed("caseload chart (10 groups)", lambda: chart(db, 3))
    finally:
        await db.close()
    print(f"report_s={report_s:.3f} summary_s={summary_s:.3f} peak_mb={peak_mb():.1f}")


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--build":
        asyncio.run(build(Path(sys.argv[2])))
        return
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.sqlite3"
        started = time.perf_counter()
        subprocess.run([sys.executable, __file__, "--build", str(path)], check=True)
        print(f"built in {time.perf_counter() - started:.1f} s")
        asyncio.run(measure(path))


if __name__ == "__main__":
    main()
