"""Schedule files and weekly recurrence by wall-clock time.

A series says "Mon/Wed/Thu at 18:00 in America/New_York"; each occurrence is that local time
on that date, converted to UTC separately, so a DST change never moves a 6 pm group.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot import tomlvalues
from bot.durations import parse_duration
from bot.errors import ScheduleError
from bot.kinds import Payer, SessionKind
from bot.tomlfile import read_toml

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
HANDLE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


@dataclass(frozen=True)
class GroupSpec:
    id: str
    name: str
    therapist: str
    timezone: ZoneInfo


@dataclass(frozen=True)
class SeriesSpec:
    """A weekly series, or a one-off session (no weekdays, ``first == last``)."""

    id: str
    kind: SessionKind
    title: str
    therapist: str | None
    group: str | None
    patient: str | None
    timezone: ZoneInfo
    weekdays: frozenset[int]
    start: time
    duration: timedelta
    first: date
    last: date | None
    link: str | None = None
    capacity: int | None = None
    makeup: bool = False

    @property
    def is_one_off(self) -> bool:
        return not self.weekdays


@dataclass(frozen=True)
class CancelSpec:
    series: str
    date: date


@dataclass(frozen=True)
class CatchupSlotSpec:
    """A half hour (by default) a therapist offers for catch-up sessions."""

    therapist: str
    starts_at: datetime
    ends_at: datetime
    timezone: ZoneInfo


@dataclass(frozen=True)
class PayerSpec:
    """Who pays for a patient's care (``[[payer]]``): decides whether fees may apply."""

    patient: str
    payer: Payer


@dataclass(frozen=True)
class ScheduleSpec:
    groups: tuple[GroupSpec, ...]
    series: tuple[SeriesSpec, ...]
    cancels: tuple[CancelSpec, ...]
    slots: tuple[CatchupSlotSpec, ...] = ()
    payers: tuple[PayerSpec, ...] = ()


@dataclass(frozen=True)
class Slot:
    """One occurrence of a series as the rules say it should be."""

    series_id: str
    local_date: date
    starts_at: datetime
    ends_at: datetime
    cancelled: bool


def occurrence_slots(
    series: SeriesSpec, cancelled: set[date], first: date, last: date
) -> Iterator[Slot]:
    """Yield the series' occurrences with local dates in ``[first, last]``."""
    day = max(first, series.first)
    end = min(last, series.last) if series.last else last
    while day <= end:
        if series.is_one_off or day.weekday() in series.weekdays:
            starts_at = datetime.combine(day, series.start, tzinfo=series.timezone).astimezone(UTC)
            yield Slot(series.id, day, starts_at, starts_at + series.duration, day in cancelled)
        day += timedelta(days=1)


# --- reading a schedule file


class _Entry:
    """One ``[[table]]`` of a schedule file, handing out checked fields by name."""

    def __init__(self, path: Path, table: str, index: int, raw: Any, allowed: set[str]) -> None:
        self.path, self.table = path, table
        if not isinstance(raw, dict):
            raise ScheduleError(f"{path}: [[{table}]] #{index} must be a table")
        self.raw = raw
        self.label = (
            f"{table} {raw['id']!r}" if isinstance(raw.get("id"), str) else (f"{table} #{index}")
        )
        unknown = sorted(set(raw) - allowed)
        if unknown:
            self.fail(unknown[0], f"is not a known key (known: {', '.join(sorted(allowed))})")

    def fail(self, key: str, problem: str) -> None:
        raise ScheduleError(f"{self.path}: {self.label}: {tomlvalues.key_name(key)} {problem}")

    def get(self, key: str, convert: Callable[[Any], Any], *, required: bool = True) -> Any:
        if key not in self.raw:
            if required:
                self.fail(key, "is missing")
            return None
        try:
            return convert(self.raw[key])
        except (ValueError, TypeError) as error:
            self.fail(key, str(error))
        raise AssertionError("unreachable")


def _handle(value: Any) -> str:
    handle = tomlvalues.text(value)
    if not HANDLE_PATTERN.match(handle):
        raise ValueError(f"{handle!r} must be lowercase letters, digits, '-' or '_'")
    return handle


def _weekdays(value: Any) -> frozenset[int]:
    if not isinstance(value, list) or not value:
        raise ValueError('must be a non-empty list like ["mon", "wed"]')
    return frozenset(tomlvalues.weekday(item) for item in value)


def _kind(value: Any) -> SessionKind:
    try:
        return SessionKind(tomlvalues.text(value).lower())
    except ValueError:
        kinds = "|".join(kind.value for kind in SessionKind)
        raise ValueError(f"{value!r} is not a session kind ({kinds})") from None


def _payer(value: Any) -> Payer:
    try:
        return Payer(tomlvalues.text(value).lower())
    except ValueError:
        payers = "|".join(payer.value for payer in Payer)
        raise ValueError(f"{value!r} is not a payer ({payers})") from None


def _capacity(value: Any) -> int:
    return tomlvalues.whole_number(value, low=1)


_SESSION_KEYS = {
    "id",
    "kind",
    "title",
    "group",
    "patient",
    "therapist",
    "timezone",
    "duration",
    "link",
    "capacity",
    "makeup",
}


def load_schedule_file(path: Path, default_zone: ZoneInfo) -> ScheduleSpec:
    """Read and check a schedule file; raise ``ScheduleError`` naming the entry and field."""
    return parse_schedule(read_toml(path, ScheduleError), path, default_zone)


def parse_schedule(raw: dict[str, Any], path: Path, default_zone: ZoneInfo) -> ScheduleSpec:
    known = {"timezone", "group", "series", "session", "cancel", "slots", "payer"}
    for key in raw:
        if key not in known:
            raise ScheduleError(
                f"{path}: {tomlvalues.key_name(key)} is not a known key"
                f" ({', '.join(sorted(known))})"
            )
    zone = default_zone
    if "timezone" in raw:
        try:
            zone = tomlvalues.zone(raw["timezone"])
        except ValueError as error:
            raise ScheduleError(f"{path}: timezone {error}") from None

    def entries(table: str, allowed: set[str]) -> list[_Entry]:
        items = raw.get(table, [])
        if not isinstance(items, list):
            raise ScheduleError(f"{path}: {table} must be written as [[{table}]] tables")
        return [_Entry(path, table, n, item, allowed) for n, item in enumerate(items, 1)]

    groups = [
        GroupSpec(
            id=entry.get("id", _handle),
            name=entry.get("name", tomlvalues.text),
            therapist=entry.get("therapist", _handle),
            timezone=entry.get("timezone", tomlvalues.zone, required=False) or zone,
        )
        for entry in entries("group", {"id", "name", "therapist", "timezone"})
    ]
    series = [
        _series(entry, zone)
        for entry in entries("series", _SESSION_KEYS | {"weekdays", "start", "from", "until"})
    ]
    series += [_one_off(entry, zone) for entry in entries("session", _SESSION_KEYS | {"start"})]
    cancels = [
        CancelSpec(entry.get("series", _handle), entry.get("date", tomlvalues.calendar_date))
        for entry in entries("cancel", {"series", "date"})
    ]
    slots = [_slot(entry, zone) for entry in entries("slots", {"therapist", "start", "duration",
                                                                "timezone"})]  # fmt: skip
    _check_references(path, groups, series, cancels)
    payers: dict[str, PayerSpec] = {}
    for entry in entries("payer", {"patient", "payer"}):
        spec = PayerSpec(entry.get("patient", _handle), entry.get("payer", _payer))
        if spec.patient in payers:
            entry.fail("patient", f"{spec.patient!r} has a [[payer]] already in this file")
        payers[spec.patient] = spec
    return ScheduleSpec(
        tuple(groups), tuple(series), tuple(cancels), tuple(slots), tuple(payers.values())
    )


CATCHUP_SLOT_LENGTH = timedelta(minutes=30)


def _slot(entry: _Entry, zone: ZoneInfo) -> CatchupSlotSpec:
    slot_zone = entry.get("timezone", tomlvalues.zone, required=False) or zone
    start = entry.get("start", tomlvalues.local_datetime).replace(tzinfo=slot_zone)
    duration = entry.get("duration", parse_duration, required=False) or CATCHUP_SLOT_LENGTH
    starts_at = start.astimezone(UTC)
    return CatchupSlotSpec(
        therapist=entry.get("therapist", _handle),
        starts_at=starts_at,
        ends_at=starts_at + duration,
        timezone=slot_zone,
    )


def _common(entry: _Entry, zone: ZoneInfo) -> dict[str, Any]:
    identity = {
        "id": entry.get("id", _handle),
        "kind": entry.get("kind", _kind),
        "title": entry.get("title", tomlvalues.text),
    }
    group = entry.get("group", _handle, required=False)
    patient = entry.get("patient", _handle, required=False)
    therapist = entry.get("therapist", _handle, required=False)
    if (group is None) == (patient is None):
        entry.fail("group", "or patient: give exactly one of them")
    if patient is not None and therapist is None:
        entry.fail("therapist", "is missing (a session for one patient needs its therapist)")
    return {
        **identity,
        "group": group,
        "patient": patient,
        "therapist": therapist,
        "timezone": entry.get("timezone", tomlvalues.zone, required=False) or zone,
        "duration": entry.get("duration", parse_duration),
        "link": entry.get("link", tomlvalues.http_url, required=False),
        "capacity": entry.get("capacity", _capacity, required=False),
        "makeup": entry.get("makeup", tomlvalues.flag, required=False) or False,
    }


def _series(entry: _Entry, zone: ZoneInfo) -> SeriesSpec:
    spec = SeriesSpec(
        **_common(entry, zone),
        weekdays=entry.get("weekdays", _weekdays),
        start=entry.get("start", tomlvalues.clock_time),
        first=entry.get("from", tomlvalues.calendar_date),
        last=entry.get("until", tomlvalues.calendar_date, required=False),
    )
    if spec.last is not None and spec.last < spec.first:
        entry.fail("until", f"({spec.last}) is before from ({spec.first})")
    return spec


def _one_off(entry: _Entry, zone: ZoneInfo) -> SeriesSpec:
    start = entry.get("start", tomlvalues.local_datetime)
    return SeriesSpec(
        **_common(entry, zone),
        weekdays=frozenset(),
        start=start.time(),
        first=start.date(),
        last=start.date(),
    )


def _check_references(
    path: Path, groups: list[GroupSpec], series: list[SeriesSpec], cancels: list[CancelSpec]
) -> None:
    """Catch duplicate ids and cancellations of dates a series never has, before any write."""
    for kind, ids in (
        ("group", [g.id for g in groups]),
        ("series/session", [s.id for s in series]),
    ):
        seen = set()
        for item in ids:
            if item in seen:
                raise ScheduleError(f"{path}: {kind} id {item!r} is used twice")
            seen.add(item)
    by_id = {s.id: s for s in series}
    for cancel in cancels:
        target = by_id.get(cancel.series)
        if target is None:
            # A file is the whole truth for its own series (a re-import lifts what it lacks).
            raise ScheduleError(
                f"{path}: cancel {cancel.series!r}: no series or session with that id in this"
                " file; put the [[cancel]] in the file that defines it"
            )
        if not any(occurrence_slots(target, set(), cancel.date, cancel.date)):
            raise ScheduleError(
                f"{path}: cancel {cancel.series!r}: date {cancel.date} is not a day "
                "this series meets"
            )
