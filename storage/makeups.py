"""Make-up seats, catch-up slots and reschedule requests: the ways back from a missed session.

A seat is taken atomically: the free seats are counted and the booking written in one
``BEGIN IMMEDIATE`` transaction, so two patients can never take the last one. A session
created for a booking (a catch-up slot, or a time a therapist proposed) is a one-off,
one-patient series, so reminders, /schedule, attendance marking and reports treat it like
any other session.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

import aiosqlite

from bot.kinds import SessionKind
from storage.db import Database
from storage.timestamps import from_db, from_db_optional, to_db

_INSERT_ONE_OFF = """
INSERT INTO series (id, kind, title, patient_id, therapist_id, timezone, weekdays, start_time,
                    duration_minutes, first_date, last_date)
VALUES (?, ?, ?, ?, ?, ?, '', ?, ?, ?, ?)
"""
_INSERT_OCCURRENCE = """
INSERT INTO occurrences (series_id, local_date, starts_at, ends_at, status, updated_at, kind,
                         title, timezone)
VALUES (?, ?, ?, ?, 'scheduled', ?, ?, ?, ?)
"""
# Seats taken at a session: its expected patients (members on its date, booked guests).
_TAKEN = "(SELECT count(*) FROM expected_patients e WHERE e.occurrence_id = o.id)"


class Booked(StrEnum):
    BOOKED = "booked"
    FULL = "full"  # the last seat went meanwhile
    ALREADY = "already"  # this missed session already has a live booking
    GONE = "gone"  # started, cancelled, no longer open for make-ups, or a slot taken


@dataclass(frozen=True)
class Seat:
    occurrence_id: int
    starts_at: datetime
    ends_at: datetime
    seats_left: int


@dataclass(frozen=True)
class CatchupSlot:
    id: int
    therapist_id: int
    starts_at: datetime
    ends_at: datetime
    timezone: str
    booked: bool


@dataclass(frozen=True)
class Booking:
    id: int
    patient_id: int
    occurrence_id: int
    missed_occurrence_id: int
    kind: str


async def makeup_seats(
    db: Database, patient_id: int, kind: SessionKind, after: datetime, until: datetime
) -> list[Seat]:
    """Sessions of ``kind`` starting in ``(after, until]`` that take make-ups, have a seat
    left and are not already the patient's, in time order."""
    rows = await db.fetch_all(
        f"SELECT o.id, o.starts_at, o.ends_at, s.capacity - {_TAKEN} AS free"
        " FROM occurrences o JOIN series s ON s.id = o.series_id"
        " WHERE o.status = 'scheduled' AND s.makeup = 1 AND s.capacity IS NOT NULL"
        " AND o.kind = ? AND o.starts_at > ? AND o.starts_at <= ?"
        " AND NOT EXISTS (SELECT 1 FROM expected_patients e WHERE e.occurrence_id = o.id"
        " AND e.patient_id = ?) ORDER BY o.starts_at, o.id",
        (kind.value, to_db(after), to_db(until), patient_id),
    )
    return [Seat(row[0], from_db(row[1]), from_db(row[2]), row[3]) for row in rows if row[3] > 0]


async def book_seat(
    db: Database,
    *,
    patient_id: int,
    occurrence_id: int,
    missed_occurrence_id: int,
    now: datetime,
    override: bool = False,
) -> tuple[Booked, Booking | None]:
    """Take a seat at a session for a missed one. ``override``: a therapist approved it, so
    the session need not take make-ups and its capacity does not stop it."""
    async with db.transaction() as conn:
        async with conn.execute(
            f"SELECT o.starts_at, o.status, s.makeup, s.capacity, {_TAKEN} AS taken"
            " FROM occurrences o JOIN series s ON s.id = o.series_id WHERE o.id = ?",
            (occurrence_id,),
        ) as cursor:
            row = await cursor.fetchone()
        if row is None or row["status"] != "scheduled" or from_db(row["starts_at"]) <= now:
            return Booked.GONE, None
        async with conn.execute(
            "SELECT 1 FROM expected_patients WHERE occurrence_id = ? AND patient_id = ?",
            (occurrence_id, patient_id),
        ) as cursor:
            if await cursor.fetchone() is not None:  # already theirs (the missed one, too)
                return Booked.GONE, None
        if not override:
            if not row["makeup"] or row["capacity"] is None:
                return Booked.GONE, None
            if row["taken"] >= row["capacity"]:
                return Booked.FULL, None
        await _release_dead_bookings(conn, patient_id, missed_occurrence_id, now)
        existing = await _live_booking(conn, patient_id, missed_occurrence_id)
        if existing is not None:
            return Booked.ALREADY, existing
        booking = await _insert_booking(
            conn, patient_id, occurrence_id, missed_occurrence_id, "makeup", now
        )
        return Booked.BOOKED, booking


async def _release_dead_bookings(
    conn: aiosqlite.Connection, patient_id: int, missed_occurrence_id: int, now: datetime
) -> None:
    """A booking whose session was cancelled, or that the patient missed too, no longer makes
    anything up: it is let go, so the missed session can be made up again (same window)."""
    await conn.execute(
        "UPDATE bookings SET status = 'cancelled', cancelled_at = ? WHERE patient_id = ?"
        " AND missed_occurrence_id = ? AND status = 'booked' AND (occurrence_id IN"
        " (SELECT id FROM occurrences WHERE status = 'cancelled') OR EXISTS (SELECT 1"
        " FROM attendance a WHERE a.patient_id = bookings.patient_id"
        " AND a.occurrence_id = bookings.occurrence_id AND a.status = 'absent'))",
        (to_db(now), patient_id, missed_occurrence_id),
    )


async def release_dead_bookings(
    db: Database, patient_id: int, missed_occurrence_id: int, now: datetime
) -> None:
    async with db.transaction() as conn:
        await _release_dead_bookings(conn, patient_id, missed_occurrence_id, now)


async def booking_for_session(db: Database, patient_id: int, occurrence_id: int) -> Booking | None:
    """The booking (live or let go) that brought the patient to this session, if any."""
    row = await db.fetch_one(
        "SELECT id, patient_id, occurrence_id, missed_occurrence_id, kind FROM bookings"
        " WHERE patient_id = ? AND occurrence_id = ? ORDER BY id DESC LIMIT 1",
        (patient_id, occurrence_id),
    )
    return Booking(*tuple(row)) if row else None


async def _live_booking(
    conn: aiosqlite.Connection, patient_id: int, missed_occurrence_id: int
) -> Booking | None:
    async with conn.execute(
        "SELECT id, patient_id, occurrence_id, missed_occurrence_id, kind FROM bookings"
        " WHERE patient_id = ? AND missed_occurrence_id = ? AND status = 'booked'",
        (patient_id, missed_occurrence_id),
    ) as cursor:
        row = await cursor.fetchone()
    return Booking(*tuple(row)) if row else None


async def _insert_booking(
    conn: aiosqlite.Connection,
    patient_id: int,
    occurrence_id: int,
    missed_occurrence_id: int,
    kind: str,
    now: datetime,
) -> Booking:
    cursor = await conn.execute(
        "INSERT INTO bookings (patient_id, occurrence_id, missed_occurrence_id, kind, booked_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (patient_id, occurrence_id, missed_occurrence_id, kind, to_db(now)),
    )
    return Booking(cursor.lastrowid, patient_id, occurrence_id, missed_occurrence_id, kind)


async def live_booking(db: Database, patient_id: int, missed_occurrence_id: int) -> Booking | None:
    async with db.read() as conn:
        return await _live_booking(conn, patient_id, missed_occurrence_id)


# --- catch-up slots


async def add_slot(
    db: Database, therapist_id: int, starts_at: datetime, ends_at: datetime, zone: str, source: str
) -> int | None:
    """Offer a slot; None if the therapist already offers one at that time."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "INSERT INTO slots (therapist_id, starts_at, ends_at, timezone, source)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (therapist_id, starts_at) DO UPDATE SET"
            " removed_at = NULL, ends_at = excluded.ends_at WHERE slots.removed_at IS NOT NULL"
            " AND slots.occurrence_id IS NULL",
            (therapist_id, to_db(starts_at), to_db(ends_at), zone, source),
        )
        if cursor.rowcount == 0:
            return None
        async with conn.execute(
            "SELECT id FROM slots WHERE therapist_id = ? AND starts_at = ?",
            (therapist_id, to_db(starts_at)),
        ) as found:
            return (await found.fetchone())[0]


async def replace_file_slots(
    conn: aiosqlite.Connection, slots: list[tuple[int, datetime, datetime, str]], now: datetime
) -> None:
    """A schedule file is the truth for the future, free file slots of the therapists its
    [[slots]] name (inside an import); a file without [[slots]] leaves every slot alone."""
    therapists = sorted({slot[0] for slot in slots})
    await conn.executemany(
        "UPDATE slots SET removed_at = ? WHERE source = 'file' AND therapist_id = ?"
        " AND starts_at > ? AND occurrence_id IS NULL AND removed_at IS NULL",
        [(to_db(now), therapist, to_db(now)) for therapist in therapists],
    )
    await conn.executemany(
        "INSERT INTO slots (therapist_id, starts_at, ends_at, timezone, source)"
        " VALUES (?, ?, ?, ?, 'file') ON CONFLICT (therapist_id, starts_at) DO UPDATE SET"
        " removed_at = NULL, ends_at = excluded.ends_at, timezone = excluded.timezone"
        " WHERE slots.occurrence_id IS NULL",
        [
            (therapist, to_db(start), to_db(end), zone)
            for therapist, start, end, zone in slots
            if start > now
        ],
    )


async def therapist_slots(db: Database, therapist_id: int, after: datetime) -> list[CatchupSlot]:
    """A therapist's slots from ``after`` on, free and booked (not removed), in time order."""
    rows = await db.fetch_all(
        "SELECT id, therapist_id, starts_at, ends_at, timezone, occurrence_id IS NOT NULL"
        " FROM slots WHERE therapist_id = ? AND removed_at IS NULL AND starts_at > ?"
        " ORDER BY starts_at",
        (therapist_id, to_db(after)),
    )
    return [_slot(row) for row in rows]


async def free_slots(
    db: Database, therapist_id: int, after: datetime, until: datetime
) -> list[CatchupSlot]:
    rows = await db.fetch_all(
        "SELECT id, therapist_id, starts_at, ends_at, timezone, 0 FROM slots"
        " WHERE therapist_id = ? AND removed_at IS NULL AND occurrence_id IS NULL"
        " AND starts_at > ? AND starts_at <= ? ORDER BY starts_at",
        (therapist_id, to_db(after), to_db(until)),
    )
    return [_slot(row) for row in rows]


def _slot(row: aiosqlite.Row) -> CatchupSlot:
    return CatchupSlot(
        row[0], row[1], from_db(row[2]), from_db(row[3]), row[4], booked=bool(row[5])
    )


async def remove_slot(db: Database, therapist_id: int, slot_id: int, now: datetime) -> bool:
    """Withdraw one of the therapist's own free slots; False if booked, gone or not theirs."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE slots SET removed_at = ? WHERE id = ? AND therapist_id = ?"
            " AND occurrence_id IS NULL AND removed_at IS NULL",
            (to_db(now), slot_id, therapist_id),
        )
        return cursor.rowcount == 1


async def book_slot(
    db: Database,
    *,
    slot_id: int,
    therapist_id: int,
    patient_id: int,
    missed_occurrence_id: int,
    title: str,
    now: datetime,
) -> tuple[Booked, Booking | None]:
    """Book one of ``therapist_id``'s free slots as a catch-up session for a missed one."""
    async with db.transaction() as conn:
        async with conn.execute(
            "SELECT starts_at, ends_at, timezone FROM slots WHERE id = ? AND therapist_id = ?"
            " AND occurrence_id IS NULL AND removed_at IS NULL AND starts_at > ?",
            (slot_id, therapist_id, to_db(now)),
        ) as cursor:
            slot = await cursor.fetchone()
        if slot is None:
            return Booked.GONE, None
        booked, booking = await _book_with_therapist(
            conn, series_id=f"catchup-{slot_id}", therapist_id=therapist_id,
            patient_id=patient_id, missed_occurrence_id=missed_occurrence_id, title=title,
            starts_at=from_db(slot["starts_at"]), ends_at=from_db(slot["ends_at"]),
            zone=slot["timezone"], now=now,
        )  # fmt: skip
        if booked is Booked.BOOKED:
            await conn.execute(
                "UPDATE slots SET occurrence_id = ? WHERE id = ?", (booking.occurrence_id, slot_id)
            )
        return booked, booking


async def book_new_session(
    db: Database,
    *,
    request_id: int,
    therapist_id: int,
    patient_id: int,
    missed_occurrence_id: int,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    zone: str,
    now: datetime,
) -> tuple[Booked, Booking | None]:
    """A session with the therapist at the time they agreed on, for a missed one."""
    async with db.transaction() as conn:
        return await _book_with_therapist(
            conn, series_id=f"makeup-{request_id}", therapist_id=therapist_id,
            patient_id=patient_id, missed_occurrence_id=missed_occurrence_id, title=title,
            starts_at=starts_at, ends_at=ends_at, zone=zone, now=now,
        )  # fmt: skip


async def _book_with_therapist(
    conn: aiosqlite.Connection,
    *,
    series_id: str,
    therapist_id: int,
    patient_id: int,
    missed_occurrence_id: int,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    zone: str,
    now: datetime,
) -> tuple[Booked, Booking | None]:
    """A new one-patient session with the therapist, booked for the missed one (inside the
    caller's transaction); ALREADY if that one is made up already."""
    await _release_dead_bookings(conn, patient_id, missed_occurrence_id, now)
    existing = await _live_booking(conn, patient_id, missed_occurrence_id)
    if existing is not None:
        return Booked.ALREADY, existing
    occurrence_id = await _one_off_session(
        conn, series_id=series_id, kind=SessionKind.INDIVIDUAL, title=title,
        patient_id=patient_id, therapist_id=therapist_id, starts_at=starts_at,
        ends_at=ends_at, zone=zone, now=now,
    )  # fmt: skip
    booking = await _insert_booking(
        conn, patient_id, occurrence_id, missed_occurrence_id, "catchup", now
    )
    return Booked.BOOKED, booking


async def _one_off_session(
    conn: aiosqlite.Connection,
    *,
    series_id: str,
    kind: SessionKind,
    title: str,
    patient_id: int,
    therapist_id: int,
    starts_at: datetime,
    ends_at: datetime,
    zone: str,
    now: datetime,
) -> int:
    local = starts_at.astimezone(ZoneInfo(zone))
    minutes = int((ends_at - starts_at) / timedelta(minutes=1))
    await conn.execute(
        _INSERT_ONE_OFF,
        (series_id, kind.value, title, patient_id, therapist_id, zone, f"{local:%H:%M}",
         minutes, local.date().isoformat(), local.date().isoformat()),
    )  # fmt: skip
    cursor = await conn.execute(
        _INSERT_OCCURRENCE,
        (series_id, local.date().isoformat(), to_db(starts_at), to_db(ends_at), to_db(now),
         kind.value, title, zone),
    )  # fmt: skip
    return cursor.lastrowid


# --- reschedule requests


class RequestStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    PROPOSED = "proposed"
    BOOKED = "booked"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


@dataclass(frozen=True)
class RescheduleRequest:
    id: int
    patient_id: int
    therapist_id: int
    missed_occurrence_id: int
    asked_text: str | None
    asked_starts_at: datetime | None
    status: RequestStatus
    awaiting: str | None
    proposed_starts_at: datetime | None
    note: str | None


_REQUEST_COLUMNS = (
    "id, patient_id, therapist_id, missed_occurrence_id, asked_text, asked_starts_at, status,"
    " awaiting, proposed_starts_at, note"
)


def _request(row: aiosqlite.Row) -> RescheduleRequest:
    return RescheduleRequest(
        id=row[0],
        patient_id=row[1],
        therapist_id=row[2],
        missed_occurrence_id=row[3],
        asked_text=row[4],
        asked_starts_at=from_db_optional(row[5]),
        status=RequestStatus(row[6]),
        awaiting=row[7],
        proposed_starts_at=from_db_optional(row[8]),
        note=row[9],
    )


async def draft_request(
    db: Database,
    *,
    patient_id: int,
    therapist_id: int,
    missed_occurrence_id: int,
    asked_text: str | None,
    asked_starts_at: datetime | None,
    now: datetime,
) -> RescheduleRequest:
    """Keep what the patient asked for while they look at the options (one draft each)."""
    async with db.transaction() as conn:
        await conn.execute(
            "DELETE FROM reschedule_requests WHERE patient_id = ? AND status = 'draft'",
            (patient_id,),
        )
        cursor = await conn.execute(
            "INSERT INTO reschedule_requests (patient_id, therapist_id, missed_occurrence_id,"
            " asked_text, asked_starts_at, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (patient_id, therapist_id, missed_occurrence_id, asked_text,
             to_db(asked_starts_at) if asked_starts_at else None, to_db(now)),
        )  # fmt: skip
        request_id = cursor.lastrowid
    return await get_request(db, request_id)


async def get_request(db: Database, request_id: int) -> RescheduleRequest | None:
    row = await db.fetch_one(
        f"SELECT {_REQUEST_COLUMNS} FROM reschedule_requests WHERE id = ?", (request_id,)
    )
    return _request(row) if row else None


async def patient_request(
    db: Database, patient_id: int, missed_occurrence_id: int, *states: RequestStatus
) -> RescheduleRequest | None:
    """The patient's request for this session in one of ``states`` (a draft, or one still
    waiting for an answer), if any."""
    marks = ",".join("?" * len(states))
    row = await db.fetch_one(
        f"SELECT {_REQUEST_COLUMNS} FROM reschedule_requests WHERE patient_id = ?"
        f" AND missed_occurrence_id = ? AND status IN ({marks}) ORDER BY id DESC",
        (patient_id, missed_occurrence_id, *(s.value for s in states)),
    )
    return _request(row) if row else None


async def awaiting_request(db: Database, therapist_id: int) -> RescheduleRequest | None:
    """The request whose time or note the therapist is typing now, if any."""
    row = await db.fetch_one(
        f"SELECT {_REQUEST_COLUMNS} FROM reschedule_requests WHERE therapist_id = ?"
        " AND awaiting IS NOT NULL AND status = 'open' ORDER BY answered_at DESC, id DESC",
        (therapist_id,),
    )
    return _request(row) if row else None


async def update_request(
    db: Database,
    request_id: int,
    *,
    expect: tuple[RequestStatus, ...],
    now: datetime,
    status: RequestStatus | None = None,
    awaiting: str | None = None,
    proposed_starts_at: datetime | None = None,
    note: str | None = None,
    booking_id: int | None = None,
) -> bool:
    """Move a request on, only if it is still in one of the ``expect`` states (a second press
    or a withdrawn request changes nothing). ``awaiting`` is set as given (None clears it)."""
    async with db.transaction() as conn:
        if awaiting is not None:  # one typed answer at a time per therapist
            await conn.execute(
                "UPDATE reschedule_requests SET awaiting = NULL WHERE therapist_id ="
                " (SELECT therapist_id FROM reschedule_requests WHERE id = ?)",
                (request_id,),
            )
        marks = ",".join("?" * len(expect))
        cursor = await conn.execute(
            "UPDATE reschedule_requests SET status = coalesce(?, status), awaiting = ?,"
            " proposed_starts_at = coalesce(?, proposed_starts_at), note = coalesce(?, note),"
            " booking_id = coalesce(?, booking_id), answered_at = ?"
            f" WHERE id = ? AND status IN ({marks})",
            (status.value if status else None, awaiting,
             to_db(proposed_starts_at) if proposed_starts_at else None, note, booking_id,
             to_db(now), request_id, *(s.value for s in expect)),
        )  # fmt: skip
        return cursor.rowcount == 1


async def close_requests(
    db: Database, patient_id: int, missed_occurrence_id: int, booking_id: int, now: datetime
) -> None:
    """The session is made up: requests for it still waiting are answered by the booking."""
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE reschedule_requests SET status = 'booked', awaiting = NULL, booking_id = ?,"
            " answered_at = ? WHERE patient_id = ? AND missed_occurrence_id = ?"
            " AND status IN ('draft', 'open', 'proposed')",
            (booking_id, to_db(now), patient_id, missed_occurrence_id),
        )
