"""Reading schedule files and expanding series by wall-clock time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.errors import ScheduleError
from bot.schedule.file import load_schedule_file, occurrence_slots, parse_schedule
from tests.helpers.clinic import NEW_YORK, SCHEDULE

DEMO_SCHEDULE = Path(__file__).parents[1] / "bot" / "demo_schedule.toml"


def test_the_documented_example_reads_completely() -> None:
    spec = load_schedule_file(DEMO_SCHEDULE, ZoneInfo("UTC"))

    assert [g.id for g in spec.groups] == ["evening-a"]
    group = next(s for s in spec.series if s.id == "evening-a-group")
    assert group.weekdays == {0, 2, 3}
    assert group.start == time(18, 0) and group.duration == timedelta(hours=3)
    assert group.timezone == NEW_YORK  # from the file, not the default passed in
    assert group.capacity == 12 and group.makeup is True
    family = next(s for s in spec.series if s.id == "alex-family-1")
    assert family.is_one_off and family.first == family.last == date(2026, 12, 10)
    assert [(c.series, c.date) for c in spec.cancels] == [("evening-a-group", date(2026, 12, 24))]


def test_weekly_series_keeps_six_pm_across_the_dst_change() -> None:
    spec = parse_schedule(SCHEDULE, Path("s.toml"), NEW_YORK)
    slots = list(occurrence_slots(spec.series[0], set(), date(2026, 10, 26), date(2026, 11, 4)))

    local_starts = [slot.starts_at.astimezone(NEW_YORK) for slot in slots]
    assert [s.date() for s in local_starts] == [
        date(2026, 10, 26), date(2026, 10, 28), date(2026, 10, 29),
        date(2026, 11, 2), date(2026, 11, 4),
    ]  # fmt: skip
    assert {s.time() for s in local_starts} == {time(18, 0)}
    # EDT (UTC-4) before 1 Nov 2026, EST (UTC-5) after: the UTC time moves, the local one not.
    assert slots[0].starts_at == datetime(2026, 10, 26, 22, 0, tzinfo=UTC)
    assert slots[3].starts_at == datetime(2026, 11, 2, 23, 0, tzinfo=UTC)
    assert all(slot.ends_at - slot.starts_at == timedelta(hours=3) for slot in slots)


def test_cancelled_dates_are_marked_and_until_is_inclusive() -> None:
    raw = {**SCHEDULE, "series": [{**SCHEDULE["series"][0], "until": date(2026, 12, 3)}]}
    series = parse_schedule(raw, Path("s.toml"), NEW_YORK).series[0]

    slots = list(
        occurrence_slots(series, {date(2026, 12, 2)}, date(2026, 11, 30), date(2027, 1, 1))
    )

    assert [(s.local_date.day, s.cancelled) for s in slots] == [(30, False), (2, True), (3, False)]


def _with(**changes: object) -> dict:
    return {**SCHEDULE, "series": [{**SCHEDULE["series"][0], **changes}]}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (_with(weekdays=["mon", "fri2"]), "series 'evening-a-group': weekdays 'fri2' is not"),
        (_with(start="6pm"), "series 'evening-a-group': start '6pm' is not a time"),
        (_with(duration="3 hours"), "series 'evening-a-group': duration '3 hours' is not a dur"),
        (_with(kind="party"), "series 'evening-a-group': kind 'party' is not a session kind"),
        (_with(link="video.example"), "link 'video.example' must start with http"),
        (_with(colour="red"), "series 'evening-a-group': colour is not a known key"),
        (_with(until=date(2026, 1, 1)), "series 'evening-a-group': until (2026-01-01) is before"),
        (_with(timezone="Mars/Base"), "series 'evening-a-group': timezone 'Mars/Base' is not"),
        (_with(patient="alex"), "group or patient: give exactly one"),
        (_with(**{"from": "2026-10-05"}), "from '2026-10-05' must be a date like 2026-11-30"),
        ({**SCHEDULE, "cancel": [{"series": "evening-a-group", "date": date(2026, 12, 1)}]},
         "cancel 'evening-a-group': date 2026-12-01 is not a day this series meets"),
        ({**SCHEDULE, "group": SCHEDULE["group"] * 2}, "group id 'evening-a' is used twice"),
        ({**SCHEDULE, "series": [{"kind": "group"}]}, "series #1: id is missing"),
        ({**SCHEDULE, "holidays": []}, "holidays is not a known key"),
        (_with(start="18:00:30"), "start '18:00:30' must be a local time like"),
        (_with(duration="2900000d"), "duration '2900000d' is longer than 366 days"),
        (_with(capacity=10**20), "capacity 100000000000000000000 is too large (at most 10000)"),
    ],
)  # fmt: skip
def test_errors_name_the_file_entry_and_field(raw: dict, message: str) -> None:
    with pytest.raises(ScheduleError) as caught:
        parse_schedule(raw, Path("clinic.toml"), NEW_YORK)
    assert str(caught.value).startswith("clinic.toml: ")
    assert message in str(caught.value)


def test_unreadable_and_invalid_toml_files(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("[[series]\nid = ", encoding="utf-8")
    with pytest.raises(ScheduleError, match=r"broken.toml: not valid TOML"):
        load_schedule_file(broken, NEW_YORK)
    with pytest.raises(ScheduleError, match=r"missing.toml: not found"):
        load_schedule_file(tmp_path / "missing.toml", NEW_YORK)
