"""Groups, series, cancellations and materialised occurrences."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import aiosqlite

from bot.errors import ScheduleError
from bot.kinds import Role, SessionKind
from bot.schedule.file import WEEKDAYS, ScheduleSpec, SeriesSpec, Slot
from storage import fees, makeups
from storage.db import Database
from storage.records import ImportSummary, Occurrence
from storage.timestamps import from_db, from_db_optional, to_db

_OCCURRENCE_QUERY = """
SELECT o.id, o.series_id, o.local_date, o.starts_at, o.ends_at, o.status,
       o.revision, o.updated_at, o.kind, o.title, o.timezone, s.link, s.group_id,
       g.name AS group_name, pp.handle AS patient_handle, pp.name AS patient_name,
       s.therapist_id, t.name AS therapist_name
FROM occurrences o
JOIN series s ON s.id = o.series_id
JOIN people t ON t.id = s.therapist_id
LEFT JOIN groups g ON g.id = s.group_id
LEFT JOIN people pp ON pp.id = s.patient_id
"""


# A new occurrence copies its series' kind, title and zone: what it keeps once it has happened.
_INSERT_OCCURRENCE = """
INSERT INTO occurrences
    (series_id, local_date, starts_at, ends_at, status, updated_at, kind, title, timezone)
SELECT s.id, ?2, ?3, ?4, ?5, ?6, s.kind, s.title, s.timezone FROM series s WHERE s.id = ?1
"""


def _occurrence(row: sqlite3.Row) -> Occurrence:
    return Occurrence(
        id=row["id"],
        series_id=row["series_id"],
        kind=SessionKind(row["kind"]),
        title=row["title"],
        local_date=date.fromisoformat(row["local_date"]),
        starts_at=from_db(row["starts_at"]),
        ends_at=from_db(row["ends_at"]),
        timezone=row["timezone"],
        cancelled=row["status"] == "cancelled",
        link=row["link"],
        group_id=row["group_id"],
        group_name=row["group_name"],
        patient_handle=row["patient_handle"],
        patient_name=row["patient_name"],
        therapist_id=row["therapist_id"],
        therapist_name=row["therapist_name"],
        revision=row["revision"],
        updated_at=from_db_optional(row["updated_at"]),
    )


async def import_schedule(
    db: Database, spec: ScheduleSpec, slots: Sequence[Slot], now: datetime, window_end: datetime
) -> ImportSummary:
    """Write a whole schedule file atomically; future occurrences follow it, past ones stay."""
    async with db.transaction() as conn:
        ids, added = await _resolve_people(conn, spec, now)
        added += await _set_payers(conn, spec, now)
        await conn.executemany(
            "INSERT INTO groups (id, name, therapist_id, timezone) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET name = excluded.name,"
            " therapist_id = excluded.therapist_id, timezone = excluded.timezone",
            [(g.id, g.name, ids[g.therapist], g.timezone.key) for g in spec.groups],
        )
        group_therapists = await _group_therapists(conn, {s.group for s in spec.series if s.group})
        rows = []
        for series in spec.series:
            if series.group and series.group not in group_therapists:
                raise ScheduleError(
                    f"series {series.id!r}: group {series.group!r} is not defined in this file"
                    " or an earlier import"
                )
            therapist_id = (
                ids[series.therapist] if series.therapist else group_therapists[series.group]
            )
            rows.append(_series_row(series, ids.get(series.patient or ""), therapist_id))
        await _refuse_changing_who(conn, rows, now)
        relinked = await _series_with_a_new_link(conn, {row[0]: row[12] for row in rows})
        await conn.executemany(
            "INSERT INTO series (id, kind, title, group_id, patient_id, therapist_id, timezone,"
            " weekdays, start_time, duration_minutes, first_date, last_date, link, capacity,"
            " makeup) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, title = excluded.title,"
            " group_id = excluded.group_id, patient_id = excluded.patient_id,"
            " therapist_id = excluded.therapist_id, timezone = excluded.timezone,"
            " weekdays = excluded.weekdays, start_time = excluded.start_time,"
            " duration_minutes = excluded.duration_minutes, first_date = excluded.first_date,"
            " last_date = excluded.last_date, link = excluded.link,"
            " capacity = excluded.capacity, makeup = excluded.makeup",
            rows,
        )
        series_ids = [s.id for s in spec.series]
        # Sessions still to come follow the file; those that started keep what they had.
        await conn.execute(
            "UPDATE occurrences SET kind = s.kind, title = s.title, timezone = s.timezone,"
            " revision = revision + 1, updated_at = ?1"
            " FROM series s WHERE s.id = occurrences.series_id AND occurrences.starts_at > ?1"
            " AND (occurrences.kind, occurrences.title, occurrences.timezone)"
            " IS NOT (s.kind, s.title, s.timezone)",
            (to_db(now),),
        )
        # A new join link is a change too: a calendar file then updates its events.
        await conn.executemany(
            "UPDATE occurrences SET revision = revision + 1, updated_at = ? WHERE series_id = ?"
            " AND starts_at > ?",
            [(to_db(now), series_id, to_db(now)) for series_id in relinked],
        )
        await _replace_future_cancellations(conn, spec, series_ids, now)
        one_offs = {s.id for s in spec.series if s.is_one_off}
        await _move_one_offs(conn, [slot for slot in slots if slot.series_id in one_offs], now)
        changes = await _sync_occurrences(conn, series_ids, slots, now, window_end)
        await makeups.replace_file_slots(
            conn,
            [(ids[x.therapist], x.starts_at, x.ends_at, x.timezone.key) for x in spec.slots],
            now,
        )
        # Sessions already over that were never stored (a new series, a clinic's first
        # import) are added as history; stored ones are never touched.
        await conn.executemany(
            f"{_INSERT_OCCURRENCE} ON CONFLICT (series_id, local_date) DO NOTHING",
            [
                (s.series_id, s.local_date.isoformat(), to_db(s.starts_at), to_db(s.ends_at),
                 _status(s.cancelled), to_db(now))
                for s in slots
                if s.starts_at <= now
            ],
        )  # fmt: skip
    return ImportSummary(
        groups=len(spec.groups),
        series=len(spec.series),
        cancels=len(spec.cancels),
        occurrences_added=changes[0],
        occurrences_changed=changes[1],
        occurrences_cancelled=changes[2],
        people_added=tuple(added),
    )


async def _refuse_changing_who(
    conn: aiosqlite.Connection, rows: list[tuple], now: datetime
) -> None:
    """Past sessions read their group, patient and therapist from the series, so those may
    not change once a session has happened (history and billing would change with them)."""
    for row in rows:
        series_id, group_id, patient_id, therapist_id = row[0], row[3], row[4], row[5]
        async with conn.execute(
            "SELECT s.group_id, s.patient_id, s.therapist_id FROM series s WHERE s.id = ?"
            " AND EXISTS (SELECT 1 FROM occurrences o WHERE o.series_id = s.id"
            " AND o.starts_at <= ?)",
            (series_id, to_db(now)),
        ) as cursor:
            stored = await cursor.fetchone()
        if stored is not None and tuple(stored) != (group_id, patient_id, therapist_id):
            raise ScheduleError(
                f"series {series_id!r}: its group, patient or therapist can't change once "
                "sessions have taken place; end it with `until` and start a new series id"
            )


async def _series_with_a_new_link(
    conn: aiosqlite.Connection, links: dict[str, str | None]
) -> list[str]:
    """The stored series whose join link the file changes."""
    if not links:
        return []
    marks = ",".join("?" * len(links))
    async with conn.execute(
        f"SELECT id, link FROM series WHERE id IN ({marks})", tuple(links)
    ) as cursor:
        return [row[0] for row in await cursor.fetchall() if row[1] != links[row[0]]]


async def _move_one_offs(conn: aiosqlite.Connection, slots: Sequence[Slot], now: datetime) -> None:
    """A one-off session moved to another day keeps its occurrence (and what hangs on it)."""
    for slot in slots:
        await conn.execute(
            "UPDATE occurrences SET local_date = ?, starts_at = ?, ends_at = ?,"
            " revision = revision + 1, updated_at = ?"
            " WHERE series_id = ? AND starts_at > ? AND local_date <> ? AND NOT EXISTS"
            " (SELECT 1 FROM occurrences other WHERE other.series_id = occurrences.series_id"
            " AND other.local_date = ?)",
            (slot.local_date.isoformat(), to_db(slot.starts_at), to_db(slot.ends_at),
             to_db(now), slot.series_id, to_db(now), slot.local_date.isoformat(),
             slot.local_date.isoformat()),
        )  # fmt: skip


async def _resolve_people(
    conn: aiosqlite.Connection, spec: ScheduleSpec, now: datetime
) -> tuple[dict[str, int], list[str]]:
    """Map every handle the file names to a person, creating placeholders for new ones."""
    wanted: dict[str, Role] = {}
    for handle, role in (
        [(g.therapist, Role.THERAPIST) for g in spec.groups]
        + [
            pair
            for s in spec.series
            for pair in ((s.therapist, Role.THERAPIST), (s.patient, Role.PATIENT))
        ]
        + [(slot.therapist, Role.THERAPIST) for slot in spec.slots]
    ):
        if handle is None:
            continue
        if wanted.setdefault(handle, role) != role:
            raise ScheduleError(f"{handle!r} is named both as a therapist and as a patient")
    ids, added = {}, []
    for handle, role in wanted.items():
        async with conn.execute("SELECT id, role FROM people WHERE handle = ?", (handle,)) as cur:
            row = await cur.fetchone()
        if row is None:
            cursor = await conn.execute(
                "INSERT INTO people (handle, role, name, created_at) VALUES (?, ?, ?, ?)",
                (handle, role.value, handle, to_db(now)),
            )
            ids[handle] = cursor.lastrowid
            added.append(f"{role.value} {handle}")
        elif row["role"] != role.value:
            raise ScheduleError(
                f"{handle!r} is a {row['role']}, but the file uses them as a {role}"
            )
        else:
            ids[handle] = row["id"]
    return ids, added


async def _set_payers(conn: aiosqlite.Connection, spec: ScheduleSpec, now: datetime) -> list[str]:
    """Store each ``[[payer]]``; a patient not known yet is created as "not invited yet"."""
    added = []
    for entry in spec.payers:
        async with conn.execute(
            "SELECT id, role FROM people WHERE handle = ?", (entry.patient,)
        ) as cur:
            row = await cur.fetchone()
        if row is None:
            cursor = await conn.execute(
                "INSERT INTO people (handle, role, name, created_at) VALUES (?, 'patient', ?, ?)",
                (entry.patient, entry.patient, to_db(now)),
            )
            person_id = cursor.lastrowid
            added.append(f"patient {entry.patient}")
        elif row["role"] != Role.PATIENT.value:
            raise ScheduleError(
                f"payer {entry.patient!r}: {entry.patient!r} is a {row['role']}, not a patient"
            )
        else:
            person_id = row["id"]
        await fees.store_payer(conn, person_id, entry.payer, now)
    return added


async def _group_therapists(conn: aiosqlite.Connection, group_ids: set[str]) -> dict[str, int]:
    if not group_ids:
        return {}
    marks = ",".join("?" * len(group_ids))
    async with conn.execute(
        f"SELECT id, therapist_id FROM groups WHERE id IN ({marks})", tuple(group_ids)
    ) as cursor:
        return {row["id"]: row["therapist_id"] for row in await cursor.fetchall()}


def _series_row(series: SeriesSpec, patient_id: int | None, therapist_id: int) -> tuple:
    return (
        series.id,
        series.kind.value,
        series.title,
        series.group,
        patient_id,
        therapist_id,
        series.timezone.key,
        ",".join(WEEKDAYS[day] for day in sorted(series.weekdays)),
        series.start.strftime("%H:%M"),
        int(series.duration.total_seconds() // 60),
        series.first.isoformat(),
        series.last.isoformat() if series.last else None,
        series.link,
        series.capacity,
        int(series.makeup),
    )


async def _replace_future_cancellations(
    conn: aiosqlite.Connection, spec: ScheduleSpec, series_ids: list[str], now: datetime
) -> None:
    # The file is the truth for its own series: a cancellation removed from it is lifted.
    yesterday = (now - timedelta(days=1)).date().isoformat()
    await conn.executemany(
        "DELETE FROM cancellations WHERE series_id = ? AND local_date >= ?",
        [(series_id, yesterday) for series_id in series_ids],
    )
    await conn.executemany(
        "INSERT OR IGNORE INTO cancellations (series_id, local_date) VALUES (?, ?)",
        [(c.series, c.date.isoformat()) for c in spec.cancels],
    )


async def sync_occurrences(
    db: Database, series_ids: Sequence[str], slots: Sequence[Slot], now: datetime, end: datetime
) -> tuple[int, int, int]:
    """Make the future occurrences of ``series_ids`` up to ``end`` match ``slots``."""
    async with db.transaction() as conn:
        return await _sync_occurrences(conn, series_ids, slots, now, end)


async def _sync_occurrences(
    conn: aiosqlite.Connection,
    series_ids: Sequence[str],
    slots: Sequence[Slot],
    now: datetime,
    end: datetime,
) -> tuple[int, int, int]:
    """Insert, move or cancel future occurrences; rows that already started are history."""
    if not series_ids:
        return 0, 0, 0
    marks = ",".join("?" * len(series_ids))
    async with conn.execute(
        f"SELECT series_id, local_date, starts_at, ends_at, status FROM occurrences"
        f" WHERE series_id IN ({marks}) AND starts_at > ?",
        (*series_ids, to_db(now)),
    ) as cursor:
        existing = {
            (row["series_id"], row["local_date"]): (
                row["starts_at"],
                row["ends_at"],
                row["status"],
            )
            for row in await cursor.fetchall()
        }
    async with conn.execute(
        f"SELECT series_id, local_date FROM occurrences WHERE series_id IN ({marks})"
        " AND starts_at <= ?",
        (*series_ids, to_db(now)),
    ) as cursor:
        started = {(row["series_id"], row["local_date"]) for row in await cursor.fetchall()}
    inserts, updates, wanted = [], [], set()
    for slot in slots:
        key = (slot.series_id, slot.local_date.isoformat())
        if slot.starts_at <= now or key in started:
            continue
        wanted.add(key)
        values = (to_db(slot.starts_at), to_db(slot.ends_at), _status(slot.cancelled))
        if key not in existing:
            inserts.append((*key, *values))
        elif existing[key] != values:
            updates.append((*values, *key))
    stale = [
        key
        for key, (starts_at, _, status) in existing.items()
        if key not in wanted and status == "scheduled" and starts_at <= to_db(end)
    ]
    # Every change bumps the revision: a calendar file's SEQUENCE (bot.schedule.calendar).
    changed_at = to_db(now)
    await conn.executemany(_INSERT_OCCURRENCE, [(*row, changed_at) for row in inserts])
    await conn.executemany(
        "UPDATE occurrences SET starts_at = ?, ends_at = ?, status = ?,"
        " revision = revision + 1, updated_at = ? WHERE series_id = ? AND local_date = ?",
        [(*row[:3], changed_at, *row[3:]) for row in updates],
    )
    await conn.executemany(
        "UPDATE occurrences SET status = 'cancelled', revision = revision + 1, updated_at = ?"
        " WHERE series_id = ? AND local_date = ?",
        [(changed_at, *key) for key in stale],
    )
    return len(inserts), len(updates), len(stale)


def _status(cancelled: bool) -> str:
    return "cancelled" if cancelled else "scheduled"


async def load_series(db: Database) -> tuple[list[SeriesSpec], dict[str, set[date]]]:
    """Every stored series as a spec, with its cancelled dates (to extend occurrences)."""
    rows = await db.fetch_all(
        "SELECT s.*, p.handle AS patient, t.handle AS therapist FROM series s"
        " JOIN people t ON t.id = s.therapist_id LEFT JOIN people p ON p.id = s.patient_id"
    )
    cancel_rows = await db.fetch_all("SELECT series_id, local_date FROM cancellations")
    cancels: dict[str, set[date]] = {}
    for row in cancel_rows:
        cancels.setdefault(row["series_id"], set()).add(date.fromisoformat(row["local_date"]))
    specs = [
        SeriesSpec(
            id=row["id"],
            kind=SessionKind(row["kind"]),
            title=row["title"],
            therapist=row["therapist"],
            group=row["group_id"],
            patient=row["patient"],
            timezone=ZoneInfo(row["timezone"]),
            weekdays=frozenset(WEEKDAYS.index(d) for d in row["weekdays"].split(",") if d),
            start=time.fromisoformat(row["start_time"]),
            duration=timedelta(minutes=row["duration_minutes"]),
            first=date.fromisoformat(row["first_date"]),
            last=date.fromisoformat(row["last_date"]) if row["last_date"] else None,
            link=row["link"],
            capacity=row["capacity"],
            makeup=bool(row["makeup"]),
        )
        for row in rows
    ]
    return specs, cancels


async def occurrences_between(
    db: Database, start: datetime, end: datetime, *, include_cancelled: bool = True
) -> list[Occurrence]:
    """All occurrences starting in ``[start, end)``, in time order."""
    status = "" if include_cancelled else " AND o.status = 'scheduled'"
    rows = await db.fetch_all(
        f"{_OCCURRENCE_QUERY} WHERE o.starts_at >= ? AND o.starts_at < ?{status}"
        " ORDER BY o.starts_at, o.series_id",
        (to_db(start), to_db(end)),
    )
    return [_occurrence(row) for row in rows]


async def patient_occurrences(
    db: Database,
    patient_id: int,
    start: datetime,
    end: datetime,
    *,
    include_cancelled: bool = False,
) -> list[Occurrence]:
    """Scheduled sessions of one patient (their groups' and their own) ending after ``start``
    (and the cancelled ones too with ``include_cancelled``: a calendar file removes them)."""
    status = "" if include_cancelled else "o.status = 'scheduled' AND "
    rows = await db.fetch_all(
        f"{_OCCURRENCE_QUERY} WHERE {status}o.ends_at > ? AND o.starts_at < ?"
        " AND o.id IN (SELECT occurrence_id FROM expected_patients WHERE patient_id = ?)"
        " ORDER BY o.starts_at, o.series_id",
        (to_db(start), to_db(end), patient_id),
    )
    return [_occurrence(row) for row in rows]


async def former_occurrences(
    db: Database, patient_id: int, start: datetime, end: datetime
) -> list[Occurrence]:
    """Sessions ending after ``start`` and starting before ``end`` that were the patient's
    and no longer are: a group's after they left it, and make-ups whose booking was let go.
    (A calendar file marks them cancelled, so a phone that imported them drops them.)"""
    rows = await db.fetch_all(
        f"{_OCCURRENCE_QUERY} WHERE o.ends_at > ?1 AND o.starts_at < ?2 AND ("
        " o.series_id IN (SELECT gs.id FROM series gs JOIN memberships m"
        " ON m.group_id = gs.group_id WHERE m.patient_id = ?3 AND m.left_at IS NOT NULL"
        " AND m.left_at <= o.starts_at)"
        " OR o.id IN (SELECT b.occurrence_id FROM bookings b WHERE b.patient_id = ?3"
        " AND b.status = 'cancelled'))"
        " AND o.id NOT IN (SELECT occurrence_id FROM expected_patients WHERE patient_id = ?3)"
        " ORDER BY o.starts_at, o.series_id",
        (to_db(start), to_db(end), patient_id),
    )
    return [_occurrence(row) for row in rows]


async def therapist_occurrences(
    db: Database, therapist_id: int, start: datetime, end: datetime
) -> list[Occurrence]:
    """Scheduled sessions a therapist leads, ending after ``start``."""
    rows = await db.fetch_all(
        f"{_OCCURRENCE_QUERY} WHERE o.status = 'scheduled' AND o.ends_at > ? AND o.starts_at < ?"
        " AND s.therapist_id = ? ORDER BY o.starts_at, o.series_id",
        (to_db(start), to_db(end), therapist_id),
    )
    return [_occurrence(row) for row in rows]


async def patient_occurrence(
    db: Database, patient_id: int, occurrence_id: int
) -> Occurrence | None:
    """One occurrence, only if this patient attends it (re-authorises a button press)."""
    row = await db.fetch_one(
        f"{_OCCURRENCE_QUERY} WHERE o.id = ? AND EXISTS (SELECT 1 FROM expected_patients e"
        " WHERE e.occurrence_id = o.id AND e.patient_id = ?)",
        (occurrence_id, patient_id),
    )
    return _occurrence(row) if row else None


async def occurrence(db: Database, occurrence_id: int) -> Occurrence | None:
    row = await db.fetch_one(f"{_OCCURRENCE_QUERY} WHERE o.id = ?", (occurrence_id,))
    return _occurrence(row) if row else None


async def led_occurrence(db: Database, therapist_id: int, occurrence_id: int) -> Occurrence | None:
    """One occurrence, only if this therapist leads it (re-authorises a button press)."""
    row = await db.fetch_one(
        f"{_OCCURRENCE_QUERY} WHERE o.id = ? AND s.therapist_id = ?",
        (occurrence_id, therapist_id),
    )
    return _occurrence(row) if row else None


async def series_title(db: Database, series_id: str) -> str | None:
    row = await db.fetch_one("SELECT title FROM series WHERE id = ?", (series_id,))
    return row[0] if row else None
