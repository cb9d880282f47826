"""The attendance report for a period: CSV for billing and insurance, PNG chart per group.

A period is days as each session's own calendar has them: a row is in "2026-11-01 to
2026-11-30" when its date column (the session's local date) is, whatever the program's zone.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from bot.attendance.chart import render_chart
from bot.attendance.reports import ReportRow, build_report_rows, render_csv, weekly_rates
from bot.i18n import texts
from bot.kinds import AuditAction
from bot.labels import local_day_bounds
from storage import audit
from storage import reports as report_store
from storage.db import Database


@dataclass(frozen=True)
class AttendanceReport:
    first: date
    last: date
    rows: int
    csv: str
    png: bytes

    @property
    def filename(self) -> str:
        return f"attendance-{self.first}-to-{self.last}"


async def build_report(
    db: Database,
    first: date,
    last: date,
    now: datetime,
    *,
    therapist_id: int | None = None,
    chart: bool = True,
) -> AttendanceReport:
    """Query once, render CSV (and the chart) off the event loop: both are CPU-bound.

    ``therapist_id``: only the sessions they lead, and they are who the audit trail names
    (None: the whole clinic, from the command line).
    """
    rows = await report_rows(db, first, last, now, therapist_id=therapist_id)
    scope = " of their own sessions" if therapist_id is not None else ""
    await audit.record(
        db,
        at=now,
        actor_id=therapist_id,
        action=AuditAction.EXPORTED_REPORT,
        detail=f"{first} to {last}, {len(rows)} rows{scope}",
    )
    csv_text = await asyncio.to_thread(render_csv, rows)
    png = b""
    if chart:
        title = texts.CHART_TITLE.format(first=first, last=last)
        png = await asyncio.to_thread(render_chart, weekly_rates(rows), title)
    return AttendanceReport(first, last, len(rows), csv_text, png)


# Every zone is within 26 hours of every other, so two days either side hold every session
# whose own date falls in the period.
_ZONE_SPREAD = timedelta(days=2)


async def report_rows(
    db: Database, first: date, last: date, now: datetime, *, therapist_id: int | None = None
) -> list[ReportRow]:
    """Rows of the sessions whose local date is in ``[first, last]`` and that have started."""
    start, end = local_day_bounds(first - _ZONE_SPREAD, last + _ZONE_SPREAD, UTC)
    records = await report_store.attendance_records(db, start, end, now, therapist_id=therapist_id)
    return [row for row in build_report_rows(records) if first <= row.local_date <= last]
