"""Attendance reports: rows for billing (CSV) and weekly rates (``bot.attendance.chart`` draws
them). Patient summaries and risk flags are in ``bot.attendance.summary``.

Everything here is pure: storage reads the history (``storage.reports``), these functions
decide what it means. Attended = present or late (as the therapist marked it); missed =
absent; reported late = the patient said they were running late and no therapist marked
them; unmarked = the patient only confirmed, or nothing is known yet. Rates leave reported
late and unmarked sessions out: only what a therapist or the patient's own absence report
settled counts.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import NamedTuple
from zoneinfo import ZoneInfo

from bot.i18n import texts
from bot.kinds import SessionKind
from storage.records import AttendanceStatus
from storage.reports import AttendanceRecord

CSV_COLUMNS = (
    "date",
    "start",
    "session_id",
    "title",
    "kind",
    "group",
    "therapist",
    "patient",
    "patient_name",
    "status",
    "late_minutes",
    "reported_absence",
    "reason",
    "reported_hours_ahead",
    "made_up_by",
)

# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class Mark(StrEnum):
    PRESENT = "present"
    LATE = "late"
    REPORTED_LATE = "reported_late"
    ABSENT = "absent"
    UNMARKED = "unmarked"
    # Only in counts, never a CSV status: absent, then made up by an attended make-up or
    # catch-up session (the row stays "absent" with made_up_by filled in).
    MADE_UP = "made_up"

    @property
    def attended(self) -> bool:
        return self in (Mark.PRESENT, Mark.LATE, Mark.MADE_UP)

    @property
    def missed(self) -> bool:
        return self is Mark.ABSENT


_MARK_OF = {
    AttendanceStatus.PRESENT: Mark.PRESENT,
    AttendanceStatus.LATE: Mark.LATE,
    AttendanceStatus.ABSENT: Mark.ABSENT,
    AttendanceStatus.CONFIRMED: Mark.UNMARKED,
    None: Mark.UNMARKED,
}


def mark_of(status: AttendanceStatus | None, by_therapist: bool) -> Mark:
    """What an attendance row means; "running late" is only the patient's word until marked."""
    if status is AttendanceStatus.LATE and not by_therapist:
        return Mark.REPORTED_LATE
    return _MARK_OF[status]


def counted_mark(mark: Mark, made_up: bool, is_makeup: bool) -> Mark | None:
    """What a session counts as in rates, streaks and flags: a miss made up counts as
    attended; the make-up itself is counted through it (None), never twice."""
    if is_makeup:
        return None
    return Mark.MADE_UP if made_up and mark is Mark.ABSENT else mark


@dataclass(frozen=True, slots=True)
class ReportRow:
    """One patient at one session, in the session's own time zone; one CSV row."""

    local_date: date
    start: time
    session_id: str
    title: str
    kind: SessionKind
    group_id: str | None
    group_name: str | None
    therapist: str
    patient: str
    patient_name: str
    mark: Mark
    late_minutes: int | None
    reported_absence: bool
    reason: str | None
    reported_hours_ahead: Decimal | None
    made_up_by: str | None = None
    is_makeup: bool = False

    @property
    def counted(self) -> Mark | None:
        return counted_mark(self.mark, self.made_up_by is not None, self.is_makeup)

    @property
    def group_label(self) -> str:
        """The chart's line: the group's name, or one line for all one-patient sessions."""
        if self.group_id is None:
            return texts.INDIVIDUAL_SESSIONS
        return self.group_name or self.group_id


def hours_ahead(starts_at: datetime, reported_at: datetime) -> Decimal:
    """Notice given, in hours to one decimal, halves away from zero (8½ minutes late is
    -0.1, as a person would say); never '-0.0'."""
    seconds = Decimal(round((starts_at - reported_at).total_seconds()))
    hours = (seconds / 3600).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return hours if hours else Decimal("0.0")


def whole_percent(part: int, whole: int) -> int | None:
    """``part`` of ``whole`` as a whole percent, halves up as a person rounds (5/8 -> 63,
    where Python's round-half-even would say 62); None of 0."""
    if whole == 0:
        return None
    exact = Decimal(part * 100) / Decimal(whole)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def build_report_rows(records: Iterable[AttendanceRecord]) -> list[ReportRow]:
    """Turn stored history into report rows, keeping the order storage gave."""
    local_starts: dict[int, datetime] = {}  # by occurrence: a roster shares one start
    rows = []
    for record in records:
        session, patient = record.session, record.patient
        local = local_starts.get(session.occurrence_id)
        if local is None:
            local = session.starts_at.astimezone(ZoneInfo(session.timezone))
            local_starts[session.occurrence_id] = local
        mark = mark_of(record.status, record.by_therapist)
        reported = record.absence_reported
        rows.append(
            ReportRow(
                local_date=local.date(),
                start=local.time(),
                session_id=session.series_id,
                title=session.title,
                kind=session.kind,
                group_id=session.group_id,
                group_name=session.group_name,
                therapist=session.therapist_handle,
                patient=patient.handle,
                patient_name=patient.name,
                mark=mark,
                late_minutes=(
                    record.late_minutes if mark in (Mark.LATE, Mark.REPORTED_LATE) else None
                ),
                reported_absence=reported,
                reason=record.absence_reason if reported else None,
                reported_hours_ahead=(
                    hours_ahead(session.starts_at, record.reported_at)
                    if reported and record.reported_at is not None
                    else None
                ),
                made_up_by=record.made_up_by if mark is Mark.ABSENT else None,
                is_makeup=record.is_makeup,
            )
        )
    return rows


def _text_cell(text: str) -> str:
    """Free text as a spreadsheet shows it, never as a formula (OWASP's CSV-injection rule)."""
    return f"'{text}" if text.startswith(_FORMULA_STARTS) else text


def render_csv(rows: Iterable[ReportRow]) -> str:
    """The billing export: a header, then one row per patient per session (RFC 4180, CRLF).

    Write it to a file opened with ``newline=""`` so the line ends stay CRLF.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    writer.writerows(
        (
            row.local_date.isoformat(),
            f"{row.start:%H:%M}",
            row.session_id,
            _text_cell(row.title),
            row.kind.value,
            row.group_id or "",
            row.therapist,
            row.patient,
            _text_cell(row.patient_name),
            row.mark.value,
            "" if row.late_minutes is None else str(row.late_minutes),
            "yes" if row.reported_absence else "no",
            row.reason or "",
            "" if row.reported_hours_ahead is None else str(row.reported_hours_ahead),
            row.made_up_by or "",
        )
        for row in rows
    )
    return buffer.getvalue()


class WeekRate(NamedTuple):
    week_start: date
    attended: int
    missed: int
    rate: float | None  # attended / (attended + missed); None when nothing was marked


def week_start(day: date) -> date:
    """The Monday of the ISO week ``day`` is in."""
    return day - timedelta(days=day.weekday())


def weekly_rates(rows: Iterable[ReportRow]) -> dict[str, list[WeekRate]]:
    """Attendance rate per ISO week (local, Monday first) per group, weeks in order.

    Groups come sorted by label, with the one-patient sessions last. A week appears once a
    group has any row in it, even if nothing was marked yet (its rate is then None).
    """
    counts: dict[str, dict[date, list[int]]] = {}
    for row in rows:
        weeks = counts.setdefault(row.group_label, {})
        tally = weeks.setdefault(week_start(row.local_date), [0, 0])
        if row.counted is not None:
            tally[0] += row.counted.attended
            tally[1] += row.counted.missed
    labels = sorted(counts, key=lambda label: (label == texts.INDIVIDUAL_SESSIONS, label))
    return {
        label: [
            WeekRate(week, attended, missed, attendance_rate(attended, missed))
            for week, (attended, missed) in sorted(counts[label].items())
        ]
        for label in labels
    }


def attendance_rate(attended: int, missed: int) -> float | None:
    marked = attended + missed
    return attended / marked if marked else None
