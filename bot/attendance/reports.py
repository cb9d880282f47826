"""Attendance reports: rows for billing, weekly rates and their chart, patient summaries, risk.

Everything here is pure: storage reads the history (``storage.reports``), these functions
decide what it means. Attended = present or late; missed = absent; unmarked = the patient
only confirmed, or nothing is known yet. Rates leave unmarked sessions out.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import NamedTuple
from zoneinfo import ZoneInfo

import matplotlib.dates as mdates
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bot.config import PolicyConfig
from bot.kinds import SessionKind
from storage.records import AttendanceStatus
from storage.reports import AttendanceRecord, PatientMark

INDIVIDUAL_LABEL = "Individual sessions"
_LEGEND_COLUMNS = 4

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
)

# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class Mark(StrEnum):
    PRESENT = "present"
    LATE = "late"
    ABSENT = "absent"
    UNMARKED = "unmarked"

    @property
    def attended(self) -> bool:
        return self in (Mark.PRESENT, Mark.LATE)

    @property
    def missed(self) -> bool:
        return self is Mark.ABSENT


_MARKS = {
    AttendanceStatus.PRESENT: Mark.PRESENT,
    AttendanceStatus.LATE: Mark.LATE,
    AttendanceStatus.ABSENT: Mark.ABSENT,
    AttendanceStatus.CONFIRMED: Mark.UNMARKED,
    None: Mark.UNMARKED,
}


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

    @property
    def group_label(self) -> str:
        """The chart's line: the group's name, or one line for all one-patient sessions."""
        if self.group_id is None:
            return INDIVIDUAL_LABEL
        return self.group_name or self.group_id


def hours_ahead(lead_minutes: int) -> Decimal:
    """Minutes of notice as hours to one decimal, halves away from zero; no '-0.0'."""
    hours = (Decimal(lead_minutes) / 60).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return hours if hours else Decimal("0.0")


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
        mark = _MARKS[record.status]
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
                late_minutes=record.late_minutes if mark is Mark.LATE else None,
                reported_absence=reported,
                reason=record.absence_reason if reported else None,
                reported_hours_ahead=(
                    hours_ahead(record.lead_minutes)
                    if reported and record.lead_minutes is not None
                    else None
                ),
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
        tally[0] += row.mark.attended
        tally[1] += row.mark.missed
    labels = sorted(counts, key=lambda label: (label == INDIVIDUAL_LABEL, label))
    return {
        label: [
            WeekRate(week, attended, missed, _rate(attended, missed))
            for week, (attended, missed) in sorted(counts[label].items())
        ]
        for label in labels
    }


def _rate(attended: int, missed: int) -> float | None:
    marked = attended + missed
    return attended / marked if marked else None


def render_chart(rates: dict[str, list[WeekRate]], title: str) -> bytes:
    """A PNG line chart of the weekly rates in percent, one line per group.

    Uses the Agg canvas directly: no pyplot state, so it is safe from any thread.
    """
    legend_rows = -(-len(rates) // _LEGEND_COLUMNS)
    figure = Figure(figsize=(10, 5.5 + 0.25 * legend_rows), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.set_title(title)
    axes.set_ylabel("Attendance (%)")
    axes.set_ylim(0, 105)
    axes.grid(visible=True, alpha=0.3)
    if any(rates.values()):
        for label, weeks in rates.items():
            axes.plot(
                [week.week_start for week in weeks],
                [float("nan") if week.rate is None else 100 * week.rate for week in weeks],
                marker="o",
                label=label,
            )
        axes.xaxis.set_major_locator(mdates.WeekdayLocator(byweekday=mdates.MO))
        axes.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))
        axes.set_xlabel("Week starting (Monday)")
        axes.tick_params(axis="x", labelrotation=45)
        figure.legend(
            loc="outside lower center", ncols=min(_LEGEND_COLUMNS, len(rates)), fontsize="small"
        )
    else:
        axes.text(0.5, 0.5, "No sessions in this period", ha="center", va="center")
        axes.set_xticks([])
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


@dataclass(frozen=True)
class AttendanceCounts:
    attended: int
    missed: int
    unmarked: int

    @property
    def rate(self) -> float | None:
        """Attended out of marked sessions; None when none was marked."""
        return _rate(self.attended, self.missed)


@dataclass(frozen=True)
class PatientSummary:
    """What ``/patient NAME`` shows about one patient at one moment."""

    last_30_days: AttendanceCounts
    last_90_days: AttendanceCounts
    consecutive_misses: int
    # Live reported absences of past sessions; catch-up completion will narrow this later.
    open_absences: int
    insurance_window_misses: int

    @property
    def risk_inputs(self) -> RiskInputs:
        return RiskInputs(self.consecutive_misses, self.insurance_window_misses)


def count_marks(marks: Iterable[PatientMark], since: datetime, now: datetime) -> AttendanceCounts:
    """Attended, missed and unmarked sessions starting in ``[since, now)``."""
    tally = dict.fromkeys(Mark, 0)
    for mark in marks:
        if since <= mark.starts_at < now:
            tally[_MARKS[mark.status]] += 1
    return AttendanceCounts(
        attended=tally[Mark.PRESENT] + tally[Mark.LATE],
        missed=tally[Mark.ABSENT],
        unmarked=tally[Mark.UNMARKED],
    )


def consecutive_misses(marks: Sequence[PatientMark], now: datetime) -> int:
    """Misses in a row, back from the latest marked session; unmarked ones are skipped."""
    streak = 0
    for mark in sorted(marks, key=lambda m: m.starts_at, reverse=True):
        if mark.starts_at >= now:
            continue
        meaning = _MARKS[mark.status]
        if meaning.missed:
            streak += 1
        elif meaning.attended:
            break
    return streak


def patient_summary(
    marks: Sequence[PatientMark], now: datetime, *, insurance_window_days: int
) -> PatientSummary:
    """Summarise one patient's started sessions (``storage.reports.patient_marks``)."""
    return PatientSummary(
        last_30_days=count_marks(marks, now - timedelta(days=30), now),
        last_90_days=count_marks(marks, now - timedelta(days=90), now),
        consecutive_misses=consecutive_misses(marks, now),
        open_absences=sum(1 for m in marks if m.absence_reported and m.starts_at < now),
        insurance_window_misses=count_marks(
            marks, now - timedelta(days=insurance_window_days), now
        ).missed,
    )


class RiskFlag(StrEnum):
    CONSECUTIVE_MISSES = "consecutive_misses"
    INSURANCE_WINDOW = "insurance_window"


@dataclass(frozen=True)
class RiskInputs:
    consecutive_misses: int
    window_misses: int  # misses within the insurance window


@dataclass(frozen=True)
class RiskThresholds:
    """When a flag goes up; a threshold of 0 or less turns that flag off entirely."""

    consecutive_misses: int
    window_misses: int

    @classmethod
    def from_policy(cls, policy: PolicyConfig) -> RiskThresholds:
        return cls(policy.risk_consecutive_misses, policy.insurance_alert_misses)


@dataclass(frozen=True)
class RiskCrossing:
    """A flag that just went up: what the therapist is alerted about."""

    flag: RiskFlag
    value: int
    threshold: int


def risk_crossings(
    previous: frozenset[RiskFlag], inputs: RiskInputs, thresholds: RiskThresholds
) -> tuple[frozenset[RiskFlag], tuple[RiskCrossing, ...]]:
    """The flags that hold now, and those that went from off to on (alert once per crossing).

    A flag that no longer holds goes down silently, so the next crossing alerts again.
    """
    checks = (
        (RiskFlag.CONSECUTIVE_MISSES, inputs.consecutive_misses, thresholds.consecutive_misses),
        (RiskFlag.INSURANCE_WINDOW, inputs.window_misses, thresholds.window_misses),
    )
    flags = frozenset(flag for flag, value, limit in checks if 0 < limit <= value)
    crossings = tuple(
        RiskCrossing(flag, value, limit)
        for flag, value, limit in checks
        if flag in flags and flag not in previous
    )
    return flags, crossings
