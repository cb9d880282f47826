"""A patient's attendance summary and the risk flags it raises. Pure: ``storage.reports``
reads the marks, ``bot.attendance.risk`` stores flags and alerts on crossings.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.attendance.reports import Mark, attendance_rate, counted_mark, mark_of
from bot.config import PolicyConfig
from storage.reports import PatientMark


@dataclass(frozen=True)
class AttendanceCounts:
    attended: int
    missed: int
    unmarked: int

    @property
    def rate(self) -> float | None:
        """Attended out of marked sessions; None when none was marked."""
        return attendance_rate(self.attended, self.missed)


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
        counted = _counted(mark)
        if since <= mark.starts_at < now and counted is not None:
            tally[counted] += 1
    return AttendanceCounts(
        attended=tally[Mark.PRESENT] + tally[Mark.LATE] + tally[Mark.MADE_UP],
        missed=tally[Mark.ABSENT],
        unmarked=tally[Mark.UNMARKED] + tally[Mark.REPORTED_LATE],
    )


def _counted(mark: PatientMark) -> Mark | None:
    return counted_mark(mark_of(mark.status, mark.by_therapist), mark.made_up, mark.is_makeup)


def consecutive_misses(marks: Sequence[PatientMark], now: datetime) -> int:
    """Misses in a row, back from the latest marked session; unmarked ones are skipped."""
    streak = 0
    for mark in sorted(marks, key=lambda m: m.starts_at, reverse=True):
        if mark.starts_at >= now:
            continue
        meaning = _counted(mark)
        if meaning is None:
            continue
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


def holding_flags(inputs: RiskInputs, thresholds: RiskThresholds) -> frozenset[RiskFlag]:
    """The flags whose condition holds now."""
    return frozenset(
        flag for flag, value, limit in _checks(inputs, thresholds) if 0 < limit <= value
    )


def risk_crossings(
    previous: frozenset[RiskFlag], inputs: RiskInputs, thresholds: RiskThresholds
) -> tuple[frozenset[RiskFlag], tuple[RiskCrossing, ...]]:
    """The flags that hold now, and those that went from off to on (alert once per crossing).

    A flag that no longer holds goes down silently, so the next crossing alerts again.
    """
    flags = holding_flags(inputs, thresholds)
    crossings = tuple(
        RiskCrossing(flag, value, limit)
        for flag, value, limit in _checks(inputs, thresholds)
        if flag in flags and flag not in previous
    )
    return flags, crossings


def _checks(
    inputs: RiskInputs, thresholds: RiskThresholds
) -> tuple[tuple[RiskFlag, int, int], ...]:
    return (
        (RiskFlag.CONSECUTIVE_MISSES, inputs.consecutive_misses, thresholds.consecutive_misses),
        (RiskFlag.INSURANCE_WINDOW, inputs.window_misses, thresholds.window_misses),
    )
