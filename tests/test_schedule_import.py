"""Schedule import against a real SQLite file: atomic, idempotent, history left alone."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from bot.errors import ScheduleError
from bot.labels import local_day_bounds
from bot.schedule.file import parse_schedule
from bot.schedule.sync import import_schedule
from storage import people
from storage import schedule as schedule_store
from storage.db import Database
from tests.helpers.clinic import MONDAY_9AM, NEW_YORK, SCHEDULE


@pytest.fixture
async def db(tmp_path: Path):
    database = await Database.open(tmp_path / "schedule.sqlite3")
    yield database
    await database.close()


async def _import(db: Database, raw: dict, now: datetime):
    return await import_schedule(db, parse_schedule(raw, Path("s.toml"), NEW_YORK), now)


async def _week(db: Database, first: date) -> list[tuple[str, str, bool]]:
    start, end = local_day_bounds(first, first + timedelta(days=6), NEW_YORK)
    rows = await schedule_store.occurrences_between(db, start, end)
    return [
        (o.local_date.isoformat(), f"{o.starts_at.astimezone(NEW_YORK):%H:%M}", o.cancelled)
        for o in rows
    ]


async def test_import_twice_changes_nothing(db: Database) -> None:
    first = await _import(db, SCHEDULE, MONDAY_9AM)
    before = await schedule_store.occurrences_between(
        db, MONDAY_9AM, MONDAY_9AM + timedelta(days=60)
    )

    second = await _import(db, SCHEDULE, MONDAY_9AM)

    assert first.occurrences_added > 40
    assert (second.occurrences_added, second.occurrences_changed) == (0, 0)
    assert second.occurrences_cancelled == 0
    after = await schedule_store.occurrences_between(
        db, MONDAY_9AM, MONDAY_9AM + timedelta(days=60)
    )
    assert after == before  # same ids, same times


async def test_changed_file_moves_future_sessions_and_leaves_past_ones(db: Database) -> None:
    await _import(db, SCHEDULE, MONDAY_9AM)
    week = date(2026, 11, 30)
    assert await _week(db, week) == [
        ("2026-11-30", "18:00", False),
        ("2026-12-02", "18:00", False),
        ("2026-12-03", "18:00", False),
    ]
    moved = {**SCHEDULE, "series": [{**SCHEDULE["series"][0], "start": "18:30"}]}
    moved["cancel"] = [{"series": "evening-a-group", "date": date(2026, 12, 3)}]
    wednesday_night = datetime(2026, 12, 2, 22, 0, tzinfo=NEW_YORK)

    summary = await _import(db, moved, wednesday_night)

    # Monday and Wednesday already happened: untouched. Thursday moves and is then cancelled.
    assert await _week(db, week) == [
        ("2026-11-30", "18:00", False),
        ("2026-12-02", "18:00", False),
        ("2026-12-03", "18:30", True),
    ]
    assert summary.occurrences_changed > 0
    next_week = await _week(db, date(2026, 12, 7))
    assert {start for _, start, _ in next_week} == {"18:30"}


async def test_dropping_a_weekday_cancels_future_occurrences(db: Database) -> None:
    await _import(db, SCHEDULE, MONDAY_9AM)
    fewer = {**SCHEDULE, "series": [{**SCHEDULE["series"][0], "weekdays": ["mon", "wed"]}]}

    summary = await _import(db, fewer, MONDAY_9AM)

    assert summary.occurrences_cancelled > 10
    assert await _week(db, date(2026, 11, 30)) == [
        ("2026-11-30", "18:00", False),
        ("2026-12-02", "18:00", False),
        ("2026-12-03", "18:00", True),
    ]


async def test_lifting_a_cancellation_restores_the_session(db: Database) -> None:
    cancelled = {**SCHEDULE, "cancel": [{"series": "evening-a-group", "date": date(2026, 12, 2)}]}
    await _import(db, cancelled, MONDAY_9AM)
    assert ("2026-12-02", "18:00", True) in await _week(db, date(2026, 11, 30))

    await _import(db, SCHEDULE, MONDAY_9AM)

    assert ("2026-12-02", "18:00", False) in await _week(db, date(2026, 11, 30))


async def test_a_bad_entry_writes_nothing(db: Database) -> None:
    bad = {**SCHEDULE, "series": [*SCHEDULE["series"], {**SCHEDULE["series"][0], "id": "x",
                                                         "group": "no-such-group"}]}  # fmt: skip
    with pytest.raises(ScheduleError, match="group 'no-such-group' is not defined"):
        await _import(db, bad, MONDAY_9AM)

    assert await _week(db, date(2026, 11, 30)) == []
    assert await people.list_people(db) == []  # the placeholder for "lee" was rolled back too


async def test_unknown_handles_become_people_to_invite(db: Database) -> None:
    summary = await _import(db, SCHEDULE, MONDAY_9AM)

    assert summary.people_added == ("therapist lee",)
    lee = await people.find_by_handle(db, "lee")
    assert lee is not None and not lee.is_registered


async def test_a_handle_cannot_be_both_therapist_and_patient(db: Database) -> None:
    clash = {
        **SCHEDULE,
        "series": [
            *SCHEDULE["series"],
            {**SCHEDULE["series"][0], "id": "solo", "group": None, "patient": "lee",
             "therapist": "kim"},
        ],
    }  # fmt: skip
    clash["series"][1].pop("group")
    with pytest.raises(ScheduleError, match="'lee' is named both as a therapist and as a patient"):
        await _import(db, clash, MONDAY_9AM)


async def test_cancel_for_an_unknown_series_is_refused(db: Database) -> None:
    raw = {**SCHEDULE, "cancel": [{"series": "nope", "date": date(2026, 12, 2)}]}
    with pytest.raises(ScheduleError, match="cancel 'nope': no series or session with that id"):
        await _import(db, raw, MONDAY_9AM)
    assert await _week(db, date(2026, 11, 30)) == []


async def test_who_leads_a_series_cannot_change_after_it_met(db: Database) -> None:
    # A series that first meets this Monday evening (an import stores 14 days of history).
    fresh = {**SCHEDULE["series"][0], "from": date(2026, 11, 30)}
    await _import(db, {**SCHEDULE, "series": [fresh]}, MONDAY_9AM)
    other = {**SCHEDULE, "series": [{**fresh, "therapist": "kim"}]}

    with pytest.raises(ScheduleError, match="can't change once sessions have taken place"):
        await _import(db, other, datetime(2026, 12, 1, 9, 0, tzinfo=NEW_YORK))
    await _import(db, other, MONDAY_9AM)  # nothing has happened yet: fine


async def test_a_moved_one_off_session_keeps_its_occurrence(db: Database) -> None:
    local_start = datetime(2026, 12, 10, 17, 0, tzinfo=NEW_YORK).replace(tzinfo=None)
    session = {
        "id": "fam1", "kind": "family", "title": "Family Session", "patient": "alex",
        "therapist": "lee", "start": local_start, "duration": "1h",
    }  # fmt: skip
    await _import(db, {**SCHEDULE, "session": [session]}, MONDAY_9AM)
    before = await db.fetch_one("SELECT id FROM occurrences WHERE series_id = 'fam1'")

    moved = {**session, "start": session["start"] + timedelta(days=1)}  # a TOML local time
    await _import(db, {**SCHEDULE, "session": [moved]}, MONDAY_9AM)

    rows = await db.fetch_all(
        "SELECT id, local_date, status FROM occurrences WHERE series_id = 'fam1'"
    )
    assert [tuple(row) for row in rows] == [(before[0], "2026-12-11", "scheduled")]
