"""The reference for ``tests/test_reference_clinic.py``: a clinic kept in plain Python.

Schedules, memberships and what therapists and patients said are replayed here as well as
through the bot; what the billing export, ``/patient``, the risk flags and the weekly digest
must say is then worked out from this record alone. Nothing here calls the project's report,
summary, risk or digest code: only the words of ``bot.texts`` are shared.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction
from math import floor
from typing import Any
from zoneinfo import ZoneInfo

from bot import texts

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ATTENDED = ("present", "late")
COLUMNS = (
    *("date", "start", "session_id", "title", "kind", "group", "therapist", "patient"),
    *("patient_name", "status", "late_minutes", "reported_absence", "reason"),
    "reported_hours_ahead",
    "made_up_by",  # always empty here: this clinic books no make-ups (tests/test_makeups.py)
)


@dataclass
class Session:
    """One stored session: where it is now, and what it was called when it happened."""

    key: tuple[str, date]  # series and local date when first stored: finds its id
    series: str
    local_date: date
    start: datetime  # UTC
    duration: timedelta
    zone: str
    title: str
    kind: str
    group: str | None
    patient: str | None
    therapist: str
    cancelled: bool = False
    id: int = 0

    @property
    def end(self) -> datetime:
        return self.start + self.duration


@dataclass
class Attendance:
    status: str  # confirmed, late, absent, present
    by_therapist: bool
    late_minutes: int | None


@dataclass
class Report:
    """A live absence report."""

    reason: str | None
    at: datetime


@dataclass
class Membership:
    patient: str
    group: str
    joined: datetime
    left: datetime | None = None


def _clock(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def _duration(text: str) -> timedelta:
    hours, _, rest = text.partition("h")
    return timedelta(hours=int(hours), minutes=int(rest.rstrip("m") or 0))


def slots(raw: dict[str, Any], until: date) -> dict[tuple[str, date], dict[str, Any]]:
    """Every session a schedule file describes, by (series, local date), up to ``until``."""
    default = raw.get("timezone", "America/New_York")
    leaders = {g["id"]: g["therapist"] for g in raw.get("group", [])}
    cancelled = {(c["series"], c["date"]) for c in raw.get("cancel", [])}
    found = {}
    for entry in raw.get("series", []) + raw.get("session", []):
        zone = entry.get("timezone", default)  # a series' own zone, else the file's
        if "weekdays" in entry:
            days = [
                entry["from"] + timedelta(days=n)
                for n in range((until - entry["from"]).days + 1)
                if WEEKDAYS[(entry["from"] + timedelta(days=n)).weekday()] in entry["weekdays"]
            ]
            clock = _clock(entry["start"])
        else:
            days, clock = [entry["start"].date()], entry["start"].time()
        for day in days:
            local = datetime.combine(day, clock, tzinfo=ZoneInfo(zone))
            found[(entry["id"], day)] = {
                "start": local.astimezone(UTC),
                "duration": _duration(entry["duration"]),
                "zone": zone,
                "title": entry["title"],
                "kind": entry["kind"],
                "group": entry.get("group"),
                "patient": entry.get("patient"),
                "therapist": entry.get("therapist") or leaders[entry["group"]],
                "cancelled": (entry["id"], day) in cancelled,
                "one_off": "weekdays" not in entry,
            }
    return found


def apply_import(sessions: list[Session], raw: dict[str, Any], at: datetime, until: date) -> None:
    """A (re-)import at ``at``: sessions still to come follow the file, started ones stay."""
    wanted = slots(raw, until)
    future = [s for s in sessions if s.start > at and s.series in {k[0] for k in wanted}]
    for session in future:
        spec = next(v for k, v in wanted.items() if k[0] == session.series)
        session.title, session.kind, session.zone = spec["title"], spec["kind"], spec["zone"]
        if spec["one_off"]:  # a one-off moved to another day keeps its session
            day = next(k[1] for k in wanted if k[0] == session.series)
            session.local_date = day
    by_key = {(s.series, s.local_date): s for s in sessions}
    for (series, day), spec in wanted.items():
        session = by_key.get((series, day))
        if spec["start"] <= at and session is not None:
            continue
        if session is None:
            sessions.append(
                Session(
                    key=(series, day),
                    series=series,
                    local_date=day,
                    **{k: v for k, v in spec.items() if k != "one_off"},
                )
            )
        elif session.start > at:
            session.start, session.duration = spec["start"], spec["duration"]
            session.cancelled = spec["cancelled"]
    for session in future:
        if (session.series, session.local_date) not in wanted:
            session.cancelled = True


def hours_ahead(start: datetime, reported: datetime) -> str:
    """Notice in hours to one decimal, halves away from zero, never '-0.0'."""
    tenths = Fraction((start - reported) // timedelta(microseconds=1), 360_000_000)
    rounded = floor(abs(tenths) + Fraction(1, 2))
    sign = "-" if tenths < 0 and rounded else ""
    return f"{sign}{rounded // 10}.{rounded % 10}"


def whole_percent(part: int, whole: int) -> str:
    return f"{floor(Fraction(100 * part, whole) + Fraction(1, 2))}%"


def _cell(text: str) -> str:
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


@dataclass(frozen=True)
class Row:
    session: Session
    patient: str
    status: str
    late_minutes: int | None
    reported: bool
    reason: str | None
    hours: str | None

    @property
    def local(self) -> datetime:
        return self.session.start.astimezone(ZoneInfo(self.session.zone))


@dataclass
class Clinic:
    """Everything the test did, as plain records."""

    sessions: list[Session] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)  # patient handle -> name
    therapist_of: dict[str, str] = field(default_factory=dict)  # patient -> therapist
    memberships: list[Membership] = field(default_factory=list)
    attendance: dict[tuple[int, str], Attendance] = field(default_factory=dict)
    reports: dict[tuple[int, str], Report] = field(default_factory=dict)
    flags: dict[str, frozenset[str]] = field(default_factory=dict)
    alerts: list[tuple[str, str, str, datetime, str]] = field(default_factory=list)
    crossings: list[tuple[str, str, str, int, int, datetime]] = field(default_factory=list)

    # --- what happened

    def join(self, patient: str, group: str, joined: datetime) -> None:
        self.memberships.append(Membership(patient, group, joined))

    def leave(self, patient: str, group: str, left: datetime) -> None:
        (open_one,) = [
            m for m in self.memberships if (m.patient, m.group, m.left) == (patient, group, None)
        ]
        open_one.left = left

    def therapist_marks(self, session: Session, patient: str, status: str) -> bool:
        """Returns whether the mark changed what is known (it then has consequences)."""
        old = self.attendance.get((session.id, patient))
        if old is not None and old.by_therapist and old.status == status:
            return False
        # A patient's own "running late" keeps its minutes when the therapist confirms it.
        late = old.late_minutes if old is not None and status == "late" else None
        self.attendance[(session.id, patient)] = Attendance(status, True, late)
        return True

    def patient_says(
        self, session: Session, patient: str, status: str, late: int | None = None
    ) -> None:
        old = self.attendance.get((session.id, patient))
        if old is None or not old.by_therapist:  # the therapist's mark stands
            self.attendance[(session.id, patient)] = Attendance(status, False, late)

    def report_absence(
        self, session: Session, patient: str, reason: str | None, at: datetime
    ) -> None:
        live = self.reports.get((session.id, patient))
        if live is None:
            self.reports[(session.id, patient)] = Report(reason, at)
        elif reason is not None:
            live.reason = reason
        self.patient_says(session, patient, "absent")

    def withdraw(self, session: Session, patient: str, at: datetime) -> bool:
        """Coming after all: only a live report, only before the start."""
        if (session.id, patient) not in self.reports or session.start <= at:
            return False
        del self.reports[(session.id, patient)]
        self.patient_says(session, patient, "confirmed")
        return True

    # --- what it means

    def expected(self, session: Session) -> set[str]:
        if session.patient is not None:
            return {session.patient}
        return {
            m.patient
            for m in self.memberships
            if m.group == session.group
            and m.joined <= session.start
            and (m.left is None or session.start < m.left)
        }

    def rosters(self, now: datetime) -> list[tuple[Session, set[str]]]:
        """Started, not cancelled sessions with everyone on them, oldest first."""
        marked: dict[int, set[str]] = {}
        for sid, patient in self.attendance:
            marked.setdefault(sid, set()).add(patient)
        return sorted(
            (
                (s, self.expected(s) | marked.get(s.id, set()))
                for s in self.sessions
                if not s.cancelled and s.start < now
            ),
            key=lambda pair: pair[0].start,
        )

    def meaning(self, session: Session, patient: str) -> str:
        mark = self.attendance.get((session.id, patient))
        if mark is None or mark.status == "confirmed":
            return "unmarked"
        if mark.status == "late" and not mark.by_therapist:
            return "reported_late"
        return mark.status

    def rows(
        self, now: datetime, first: date, last: date, therapist: str | None = None
    ) -> list[Row]:
        """The billing export's rows, in its order."""
        found = []
        for session, roster in self.rosters(now):
            local_day = session.start.astimezone(ZoneInfo(session.zone)).date()
            if not first <= local_day <= last:
                continue
            for patient in roster:
                if therapist not in (None, session.therapist, self.therapist_of[patient]):
                    continue
                status = self.meaning(session, patient)
                mark = self.attendance.get((session.id, patient))
                report = self.reports.get((session.id, patient))
                found.append(
                    Row(
                        session=session,
                        patient=patient,
                        status=status,
                        late_minutes=(
                            mark.late_minutes if status in ("late", "reported_late") else None
                        ),
                        reported=report is not None,
                        reason=report.reason if report else None,
                        hours=hours_ahead(session.start, report.at) if report else None,
                    )
                )
        return sorted(found, key=lambda r: (r.session.start, r.session.series, r.patient))

    def csv_lines(self, rows: list[Row]) -> list[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(COLUMNS)
        for row in rows:
            writer.writerow(
                [
                    row.local.date().isoformat(),
                    row.local.strftime("%H:%M"),
                    row.session.series,
                    _cell(row.session.title),
                    row.session.kind,
                    row.session.group or "",
                    row.session.therapist,
                    row.patient,
                    _cell(self.names[row.patient]),
                    row.status,
                    "" if row.late_minutes is None else row.late_minutes,
                    "yes" if row.reported else "no",
                    row.reason or "",
                    row.hours or "",
                    "",
                ]
            )
        return buffer.getvalue().splitlines()

    def history(self, patient: str, now: datetime) -> list[tuple[Session, str]]:
        """A patient's started, not cancelled sessions, oldest first, with what they mean."""
        return [(s, self.meaning(s, patient)) for s, on in self.rosters(now) if patient in on]

    def summary(self, patient: str, now: datetime, window: int) -> dict[str, Any]:
        """What /patient must show: counts of 30 and 90 days, misses in a row, and more."""
        history = self.history(patient, now)

        def counts(days: int) -> tuple[int, int, int]:
            since = now - timedelta(days=days)
            meanings = [m for s, m in history if s.start >= since]
            attended = sum(m in ATTENDED for m in meanings)
            missed = meanings.count("absent")
            return attended, missed, len(meanings) - attended - missed

        streak = 0
        for _, meaning in reversed(history):
            if meaning in ATTENDED:
                break
            streak += meaning == "absent"
        return {
            "last_30_days": counts(30),
            "last_90_days": counts(90),
            "consecutive_misses": streak,
            "open_absences": sum((s.id, patient) in self.reports for s, _ in history),
            "insurance_window_misses": counts(window)[1],
        }

    def risk_values(self, patient: str, now: datetime, window: int) -> dict[str, int]:
        summary = self.summary(patient, now, window)
        return {
            "consecutive_misses": summary["consecutive_misses"],
            "insurance_window": summary["insurance_window_misses"],
        }

    def holding(
        self, patient: str, now: datetime, thresholds: dict[str, int], window: int
    ) -> frozenset[str]:
        values = self.risk_values(patient, now, window)
        return frozenset(f for f, limit in thresholds.items() if 0 < limit <= values[f])

    def check_risk(
        self, patient: str, now: datetime, thresholds: dict[str, int], window: int
    ) -> None:
        """What the bot must do when it re-evaluates a patient: alert each flag going up."""
        values = self.risk_values(patient, now, window)
        previous = self.flags.get(patient, frozenset())
        flags = frozenset(f for f, limit in thresholds.items() if 0 < limit <= values[f])
        name = self.names[patient]
        for flag in sorted(flags - previous):
            if flag == "consecutive_misses":
                text = texts.RISK_CONSECUTIVE.format(patient=name, value=values[flag])
            else:
                text = texts.RISK_INSURANCE.format(patient=name, value=values[flag], days=window)
            self.alerts.append((self.therapist_of[patient], patient, flag, now, text))
        for flag in sorted(flags ^ previous):
            direction = "up" if flag in flags else "down"
            self.crossings.append((patient, flag, direction, values[flag], thresholds[flag], now))
        self.flags[patient] = flags

    def to_recheck(self, now: datetime, window: int) -> set[str]:
        """Flags up, or marked absent at a session of the last window and a day."""
        since = now - timedelta(days=max(window, 1) + 1)
        absent = {
            patient
            for (sid, patient), mark in self.attendance.items()
            if mark.status == "absent"
            for s in self.sessions
            if s.id == sid and not s.cancelled and since <= s.start < now
        }
        return absent | {p for p, flags in self.flags.items() if flags}

    def caseload(self, therapist: str) -> list[str]:
        """Their own patients, and current members of groups they lead, by name."""
        led_groups = {s.group for s in self.sessions if s.therapist == therapist and s.group}
        led_patients = {s.patient for s in self.sessions if s.therapist == therapist}
        members = {m.patient for m in self.memberships if m.group in led_groups and m.left is None}
        patients = {p for p, t in self.therapist_of.items() if t == therapist}
        return sorted((patients | led_patients | members) - {None}, key=lambda p: self.names[p])

    def digest(
        self,
        therapist: str,
        now: datetime,
        program_zone: ZoneInfo,
        thresholds: dict[str, int],
        window: int,
    ) -> str:
        last = now.astimezone(program_zone).date() - timedelta(days=1)
        first = last - timedelta(days=6)
        rows = self.rows(now, first, last, therapist)
        statuses = [r.status for r in rows]
        attended = sum(s in ATTENDED for s in statuses)
        missed = statuses.count("absent")
        reasons: dict[str, int] = {}
        for row in rows:
            if row.status == "absent":
                label = texts.REASON_LABELS.get(row.reason or "", texts.REASON_NOT_GIVEN)
                reasons[label.lower()] = reasons.get(label.lower(), 0) + 1
        ordered = sorted(reasons.items(), key=lambda item: -item[1])  # stable: first seen
        at_risk = [
            self.names[p]
            for p in self.caseload(therapist)
            if self.holding(p, now, thresholds, window)
        ]
        return texts.DIGEST.format(
            first=f"{first:%a %-d %b}",
            last=f"{last:%a %-d %b}",
            sessions=len({(r.session.series, r.local.date()) for r in rows}),
            attended=attended,
            missed=missed,
            unmarked=len(statuses) - attended - missed,
            rate=f" ({whole_percent(attended, attended + missed)})" if attended + missed else "",
            reasons=", ".join(f"{r} {n}" for r, n in ordered) or texts.DIGEST_NONE,
            # One name a line under the heading, or "none" beside it.
            risk="".join(f"\n• {name}" for name in at_risk) or f" {texts.DIGEST_NONE}",
        )
