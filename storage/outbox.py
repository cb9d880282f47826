"""The notification outbox: all its SQL (buddies and preferences have their own modules).

Outbox rows move ``pending -> sending -> sent | skipped | failed`` (or ``pending ->
cancelled`` when the plan drops them). ``sending`` means "claimed, maybe on the wire": a row
is claimed (status and attempts written and committed) before its message is sent, and its
result is committed right after Telegram answers. Only rows left in ``sending`` by a crash
can go out twice, and ``release_in_flight`` puts them back when the bot starts. One
dispatcher per database: nothing else may claim rows.

Every function that writes many rows does it set-based (``executemany`` or one statement),
because each aiosqlite ``await`` is a thread hop.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

import aiosqlite

from bot.outbox.delivery import due_notifications
from bot.outbox.planning import (
    PlanBuddy,
    PlanInputs,
    PlanPatient,
    PlanScope,
    PlanSession,
    parse_lead_times,
)
from bot.outbox.rows import PLANNED_KINDS, NotificationKind, OutboxRow, OutboxStatus, Planned
from storage.buddies import BuddyEndedBy, end_buddy_in
from storage.db import Database
from storage.timestamps import from_db, from_db_optional, to_db

_PLANNED_KINDS_SQL = ", ".join(f"'{kind.value}'" for kind in PLANNED_KINDS)


def _db_time(moment: datetime | None) -> str | None:
    return None if moment is None else to_db(moment)


# --- planning


@dataclass(frozen=True)
class SyncSummary:
    added: int
    updated: int
    cancelled: int


async def load_plan_inputs(
    db: Database, start: datetime, end: datetime, patient_ids: frozenset[int] | None = None
) -> PlanInputs:
    """Scheduled sessions starting in ``[start, end)`` and the people to notify about them.

    Patients are the registered ones who can be reached (``patient_ids`` narrows them);
    buddies are the active links.
    """
    session_rows = await db.fetch_all(
        "SELECT o.id, o.starts_at, o.title, o.timezone, s.link,"
        " coalesce(s.patient_id, m.patient_id) AS patient_id"
        " FROM occurrences o JOIN series s ON s.id = o.series_id"
        " LEFT JOIN memberships m ON m.group_id = s.group_id AND m.joined_at <= o.starts_at"
        " AND (m.left_at IS NULL OR o.starts_at < m.left_at)"
        " WHERE o.status = 'scheduled' AND o.starts_at >= ?1 AND o.starts_at < ?2"
        # Make-up guests, like members.
        " UNION ALL SELECT o.id, o.starts_at, o.title, o.timezone, s.link, b.patient_id"
        " FROM bookings b JOIN occurrences o ON o.id = b.occurrence_id"
        " JOIN series s ON s.id = o.series_id WHERE b.status = 'booked'"
        " AND o.status = 'scheduled' AND o.starts_at >= ?1 AND o.starts_at < ?2"
        " ORDER BY 2, 1",
        (to_db(start), to_db(end)),
    )
    members: dict[int, list[int]] = {}
    details: dict[int, sqlite3.Row] = {}
    for row in session_rows:
        details.setdefault(row["id"], row)
        if row["patient_id"] is not None:
            members.setdefault(row["id"], []).append(row["patient_id"])
    sessions = [
        PlanSession(
            occurrence_id=occurrence_id,
            title=row["title"],
            starts_at=from_db(row["starts_at"]),
            timezone=row["timezone"],
            link=row["link"],
            patient_ids=tuple(members.get(occurrence_id, ())),
        )
        for occurrence_id, row in details.items()
    ]
    scope = "" if patient_ids is None else " AND id IN (SELECT value FROM json_each(?))"
    scope_args = () if patient_ids is None else (_json_ids(patient_ids),)
    patient_rows = await db.fetch_all(
        "SELECT id, name, chat_id, timezone, registered_at, discreet, quiet, language FROM people"
        " WHERE role = 'patient'"
        " AND telegram_id IS NOT NULL AND chat_id IS NOT NULL AND unreachable_at IS NULL"
        f"{scope}",
        scope_args,
    )
    patients = {
        row["id"]: PlanPatient(
            row["id"],
            row["name"],
            row["chat_id"],
            row["timezone"],
            from_db(row["registered_at"]) if row["registered_at"] else None,
            bool(row["discreet"]),
            bool(row["quiet"]),
            row["language"],
        )
        for row in patient_rows
    }
    buddies: dict[int, list[PlanBuddy]] = {}
    for row in await db.fetch_all(
        "SELECT id, patient_id, chat_id, timezone, language FROM buddies"
        " WHERE status = 'active' ORDER BY id"
    ):
        buddies.setdefault(row["patient_id"], []).append(
            PlanBuddy(
                row["id"], row["patient_id"], row["chat_id"], row["timezone"], row["language"]
            )
        )
    prefs = {
        row["patient_id"]: parse_lead_times(row["lead_times"])
        for row in await db.fetch_all("SELECT patient_id, lead_times FROM reminder_preferences")
    }
    return PlanInputs(sessions, patients, buddies, prefs)


def _json_ids(ids: frozenset[int]) -> str:
    return "[" + ",".join(str(int(i)) for i in sorted(ids)) + "]"


_PLAN_TABLE = (
    "CREATE TEMP TABLE outbox_plan (kind TEXT NOT NULL, occurrence_key INTEGER NOT NULL,"
    " occurrence_id INTEGER, recipient_key TEXT NOT NULL, variant TEXT NOT NULL,"
    " chat_id INTEGER NOT NULL, person_id INTEGER, buddy_id INTEGER, patient_id INTEGER,"
    " session_starts_at TEXT, due_at TEXT NOT NULL, expires_at TEXT, payload TEXT NOT NULL,"
    " PRIMARY KEY (kind, occurrence_key, recipient_key, variant))"
)
_SAME_KEY = (
    "p.kind = outbox.kind AND p.occurrence_key = ifnull(outbox.occurrence_id, 0)"
    " AND p.recipient_key = outbox.recipient_key AND p.variant = outbox.variant"
)


async def sync_plan(
    db: Database, planned: Sequence[Planned], scope: PlanScope, now: datetime
) -> SyncSummary:
    """Make the outbox match ``planned`` within ``scope``, atomically and set-based.

    New rows are inserted (the idempotency key makes re-planning a no-op); pending rows whose
    time, text or chat changed are updated; rows cancelled earlier come back if planned again,
    and skipped ones if their session has moved since. Pending rows in scope that are no
    longer planned are cancelled, except expired ones, which the dispatcher marks skipped.
    Sent, failed and in-flight rows are history and never change.
    """
    stamp = to_db(now)
    patient_filter, patient_args = "", ()
    if scope.patient_ids is not None:
        patient_filter = " AND patient_id IN (SELECT value FROM json_each(?))"
        patient_args = (_json_ids(scope.patient_ids),)
    async with db.transaction() as conn:
        await conn.execute(_PLAN_TABLE)
        try:
            await conn.executemany(
                "INSERT OR REPLACE INTO outbox_plan VALUES"
                " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    (
                        p.kind.value,
                        p.occurrence_id or 0,
                        p.occurrence_id,
                        p.recipient_key,
                        p.variant,
                        p.chat_id,
                        p.person_id,
                        p.buddy_id,
                        p.patient_id,
                        _db_time(p.session_starts_at),
                        to_db(p.due_at),
                        _db_time(p.expires_at),
                        p.payload,
                    )
                    for p in planned
                ),
            )
            added = await conn.execute(
                "INSERT INTO outbox (kind, occurrence_id, recipient_key, variant, chat_id,"
                " person_id, buddy_id, patient_id, session_starts_at, due_at, expires_at,"
                " payload, created_at, updated_at)"
                " SELECT kind, occurrence_id, recipient_key, variant, chat_id, person_id,"
                " buddy_id, patient_id, session_starts_at, due_at, expires_at, payload, ?, ?"
                " FROM outbox_plan WHERE true ON CONFLICT DO NOTHING",
                (stamp, stamp),
            )
            updated = await conn.execute(
                "UPDATE outbox SET status = 'pending', chat_id = p.chat_id,"
                " person_id = p.person_id, buddy_id = p.buddy_id, patient_id = p.patient_id,"
                " session_starts_at = p.session_starts_at, due_at = p.due_at,"
                " expires_at = p.expires_at, payload = p.payload, failures = 0,"
                " last_error = NULL, updated_at = ?"
                f" FROM outbox_plan p WHERE {_SAME_KEY} AND ("
                " outbox.status = 'cancelled'"
                " OR (outbox.status = 'skipped'"
                " AND outbox.session_starts_at IS NOT p.session_starts_at)"
                " OR (outbox.status = 'pending' AND (outbox.due_at IS NOT p.due_at"
                " OR outbox.expires_at IS NOT p.expires_at OR outbox.payload IS NOT p.payload"
                " OR outbox.chat_id IS NOT p.chat_id"
                " OR outbox.session_starts_at IS NOT p.session_starts_at)))",
                (stamp,),
            )
            cancelled = await conn.execute(
                "UPDATE outbox SET status = 'cancelled', last_error = 'no longer planned',"
                f" updated_at = ? WHERE status = 'pending' AND kind IN ({_PLANNED_KINDS_SQL})"
                " AND session_starts_at >= ? AND session_starts_at < ?"
                f"{patient_filter} AND (expires_at IS NULL OR expires_at > ?)"
                f" AND NOT EXISTS (SELECT 1 FROM outbox_plan p WHERE {_SAME_KEY})",
                (stamp, to_db(scope.start), to_db(scope.end), *patient_args, stamp),
            )
        finally:
            await conn.execute("DROP TABLE temp.outbox_plan")
    return SyncSummary(added.rowcount, updated.rowcount, cancelled.rowcount)


async def enqueue(db: Database, notifications: Sequence[Planned], now: datetime) -> int:
    """Add event rows (alerts, materials); a key already present is left alone. Returns the
    number of new rows."""
    async with db.transaction() as conn:
        return await _insert(conn, notifications, now)


async def _insert(
    conn: aiosqlite.Connection, notifications: Sequence[Planned], now: datetime
) -> int:
    cursor = await conn.executemany(
        "INSERT INTO outbox (kind, occurrence_id, recipient_key, variant, chat_id, person_id,"
        " buddy_id, patient_id, session_starts_at, due_at, expires_at, payload, created_at,"
        " updated_at, safety_event_id, priority)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        [
            (
                n.kind.value,
                n.occurrence_id,
                n.recipient_key,
                n.variant,
                n.chat_id,
                n.person_id,
                n.buddy_id,
                n.patient_id,
                _db_time(n.session_starts_at),
                to_db(n.due_at),
                _db_time(n.expires_at),
                n.payload,
                to_db(now),
                to_db(now),
                n.safety_event_id,
                n.priority,
            )
            for n in notifications
        ],
    )
    return cursor.rowcount


# --- dispatching

_ROW_COLUMNS = (
    "x.id, x.kind, x.occurrence_id, x.recipient_key, x.person_id, x.buddy_id, x.patient_id,"
    " x.chat_id, x.variant, x.due_at, x.expires_at, x.status, x.attempts, x.failures,"
    " x.last_error, x.telegram_message_id, x.payload, x.sent_at, x.priority"
)

# Why a due row must not go out after all, checked in the same transaction that claims it.
_WITHDRAWN = f"""
CASE
  WHEN x.kind IN ({_PLANNED_KINDS_SQL}) AND EXISTS (SELECT 1 FROM safety_events e
      WHERE e.patient_id = x.patient_id AND e.paused_until > :now)
    THEN 'paused after a crisis'
  WHEN x.safety_event_id IS NOT NULL AND EXISTS (SELECT 1 FROM safety_events e
      WHERE e.id = x.safety_event_id AND (e.status = 'safe' OR e.acknowledged_at IS NOT NULL))
    THEN 'safety event settled'
  WHEN x.kind IN ({_PLANNED_KINDS_SQL}) AND oc.status IS NOT 'scheduled'
    THEN 'session cancelled'
  WHEN x.kind IN ({_PLANNED_KINDS_SQL}) AND oc.starts_at IS NOT x.session_starts_at
    THEN 'session moved'
  WHEN x.person_id IS NOT NULL AND (pr.unreachable_at IS NOT NULL OR pr.chat_id IS NOT x.chat_id)
    THEN 'recipient unreachable'
  WHEN x.buddy_id IS NOT NULL AND (b.status IS NOT 'active' OR b.chat_id IS NOT x.chat_id)
    THEN 'buddy link ended'
  WHEN x.kind IN ({_PLANNED_KINDS_SQL}) AND EXISTS (SELECT 1 FROM absences a
      WHERE a.patient_id = x.patient_id AND a.occurrence_id = x.occurrence_id
      AND a.status = 'reported')
    THEN 'absence reported'
  WHEN x.kind IN ({_PLANNED_KINDS_SQL}) AND EXISTS (SELECT 1 FROM attendance t
      WHERE t.patient_id = x.patient_id AND t.occurrence_id = x.occurrence_id
      AND (t.status = 'absent'
      OR (x.kind = 'checkin' AND t.status IN ('confirmed', 'present', 'late'))))
    THEN 'attendance already known'
  WHEN x.kind IN ('notice', 'material', 'followup') AND x.occurrence_id IS NOT NULL
      AND oc.status IS NOT 'scheduled'
    THEN 'session cancelled'
  WHEN x.kind = 'notice' AND x.variant LIKE 'attendance:%'
      AND (oc.starts_at IS NOT x.session_starts_at OR x.person_id IS NOT
      (SELECT s.therapist_id FROM series s WHERE s.id = oc.series_id))
    THEN 'session moved or handed over'
  WHEN x.kind IN ('material', 'followup') AND NOT EXISTS (SELECT 1 FROM attendance t
      WHERE t.patient_id = x.patient_id AND t.occurrence_id = x.occurrence_id
      AND t.status = 'absent')
    THEN 'no longer absent'
  WHEN x.kind IN ({_PLANNED_KINDS_SQL}) AND NOT EXISTS (SELECT 1 FROM expected_patients e
      WHERE e.occurrence_id = x.occurrence_id AND e.patient_id = x.patient_id)
    THEN 'not enrolled'
  WHEN x.kind = 'notice' AND x.variant LIKE 'fee:%'
      AND (SELECT p.payer FROM people p WHERE p.id = x.patient_id) IS 'medicaid'
    THEN 'never charged (Medicaid)'
  WHEN x.kind = 'notice' AND x.variant = 'fee:heads-up' AND NOT EXISTS (SELECT 1
      FROM attendance t WHERE t.patient_id = x.patient_id AND t.occurrence_id = x.occurrence_id
      AND t.status = 'absent')
    THEN 'no longer absent'
  WHEN x.kind = 'notice' AND x.variant = 'fee:charged' AND NOT EXISTS (SELECT 1 FROM charges c
      WHERE c.patient_id = x.patient_id AND c.occurrence_id = x.occurrence_id
      AND c.waived_at IS NULL)
    THEN 'fee waived'
END"""


def _row(row: sqlite3.Row, withdrawn: str | None = None) -> OutboxRow:
    return OutboxRow(
        id=row["id"],
        kind=NotificationKind(row["kind"]),
        occurrence_id=row["occurrence_id"],
        recipient_key=row["recipient_key"],
        person_id=row["person_id"],
        buddy_id=row["buddy_id"],
        patient_id=row["patient_id"],
        chat_id=row["chat_id"],
        variant=row["variant"],
        due_at=from_db(row["due_at"]),
        expires_at=from_db_optional(row["expires_at"]),
        status=OutboxStatus(row["status"]),
        attempts=row["attempts"],
        failures=row["failures"],
        last_error=row["last_error"],
        telegram_message_id=row["telegram_message_id"],
        payload=row["payload"],
        sent_at=from_db_optional(row["sent_at"]),
        withdrawn=withdrawn,
        priority=row["priority"],
    )


@dataclass(frozen=True)
class Claim:
    """Rows claimed for sending now (status ``sending``), and how many were skipped."""

    send: list[OutboxRow]
    skipped: int
    # Staff alerts withdrawn because their therapist cannot be reached: someone must know.
    undeliverable_alerts: int = 0


async def drop_pending_attendance_prompts(db: Database, person_id: int) -> int:
    """A therapist switched language: their end-of-session prompts not sent yet are planned
    again (in the new language) by the next re-plan."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "DELETE FROM outbox WHERE person_id = ? AND kind = 'notice'"
            " AND variant LIKE 'attendance:%' AND status = 'pending'",
            (person_id,),
        )
        return cursor.rowcount


async def claim_due(db: Database, now: datetime, limit: int) -> Claim:
    """In one transaction: re-check up to ``limit`` due rows, skip the stale and withdrawn
    ones, and claim the rest (``sending``, attempts + 1) before anything is sent."""
    stamp = to_db(now)
    async with db.transaction() as conn:
        async with conn.execute(
            f"SELECT {_ROW_COLUMNS}, {_WITHDRAWN} AS withdrawn FROM outbox x"
            " LEFT JOIN occurrences oc ON oc.id = x.occurrence_id"
            " LEFT JOIN people pr ON pr.id = x.person_id"
            " LEFT JOIN buddies b ON b.id = x.buddy_id"
            " WHERE x.status = 'pending' AND x.due_at <= :now"
            # Crisis and safety alerts first, then other alerts, then everything else.
            " ORDER BY x.priority, x.due_at, x.id LIMIT :limit",
            {"now": stamp, "limit": limit},
        ) as cursor:
            rows = [_row(row, row["withdrawn"]) for row in await cursor.fetchall()]
        selection = due_notifications(rows, now)
        await conn.executemany(
            "UPDATE outbox SET status = 'skipped', last_error = ?, updated_at = ? WHERE id = ?",
            [(reason, stamp, row.id) for row, reason in selection.skip],
        )
        await conn.executemany(
            "UPDATE outbox SET status = 'sending', attempts = attempts + 1, updated_at = ?"
            " WHERE id = ?",
            [(stamp, row.id) for row in selection.send],
        )
    claimed = [
        replace(row, status=OutboxStatus.SENDING, attempts=row.attempts + 1)
        for row in selection.send
    ]
    undeliverable = sum(
        1
        for row, reason in selection.skip
        if row.kind is NotificationKind.STAFF_ALERT and reason == "recipient unreachable"
    )
    return Claim(claimed, len(selection.skip), undeliverable)


async def next_due_at(db: Database) -> datetime | None:
    """When the earliest pending row falls due (the one wake-up the scheduler needs)."""
    row = await db.fetch_one("SELECT min(due_at) AS due FROM outbox WHERE status = 'pending'")
    return from_db_optional(row["due"]) if row else None


async def release_in_flight(db: Database, now: datetime) -> int:
    """After a crash: rows left ``sending`` go back to ``pending``. Call once at start,
    before the dispatcher runs. These are the only rows that may reach a chat twice."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE outbox SET status = 'pending', last_error = 'in flight at a restart',"
            " updated_at = ? WHERE status = 'sending'",
            (to_db(now),),
        )
        return cursor.rowcount


async def record_sent(
    db: Database, row_ids: Sequence[int], message_id: int | None, now: datetime
) -> None:
    await record_sent_many(db, [(row_ids, message_id, now)])


async def record_sent_many(
    db: Database, sends: Sequence[tuple[Sequence[int], int | None, datetime]]
) -> None:
    """Record many sent messages (row ids, Telegram's message id, when) in one commit."""
    async with db.transaction() as conn:
        await conn.executemany(
            "UPDATE outbox SET status = 'sent', telegram_message_id = ?, sent_at = ?,"
            " last_error = NULL, updated_at = ? WHERE id = ?",
            [
                (message_id, to_db(at), to_db(at), row_id)
                for row_ids, message_id, at in sends
                for row_id in row_ids
            ],
        )


async def record_retry(
    db: Database,
    retries: Sequence[tuple[int, datetime]],
    error: str,
    now: datetime,
    *,
    failure: bool,
) -> None:
    """Put rows back to ``pending``, each at its own due time; ``failure`` counts towards
    giving up (a 429 does not)."""
    async with db.transaction() as conn:
        await conn.executemany(
            "UPDATE outbox SET status = 'pending', due_at = ?, last_error = ?,"
            " failures = failures + ?, updated_at = ? WHERE id = ?",
            [
                (to_db(due_at), error, int(failure), to_db(now), row_id)
                for row_id, due_at in retries
            ],
        )


async def record_failed(db: Database, row_ids: Sequence[int], error: str, now: datetime) -> None:
    async with db.transaction() as conn:
        await conn.executemany(
            "UPDATE outbox SET status = 'failed', last_error = ?, failures = failures + 1,"
            " updated_at = ? WHERE id = ?",
            [(error, to_db(now), row_id) for row_id in row_ids],
        )


@dataclass(frozen=True)
class Contact:
    """Who a blocked recipient is, and whom to tell (the therapist's chat, if they can be
    reached)."""

    person_id: int
    name: str
    role: str
    therapist_id: int | None
    therapist_chat_id: int | None
    therapist_language: str | None = None


async def person_contact(db: Database, person_id: int) -> Contact | None:
    row = await db.fetch_one(
        "SELECT p.id, p.name, p.role, t.id AS therapist_id,"
        " CASE WHEN t.unreachable_at IS NULL THEN t.chat_id END AS therapist_chat_id,"
        " t.language AS therapist_language"
        " FROM people p LEFT JOIN people t ON t.id = p.therapist_id WHERE p.id = ?",
        (person_id,),
    )
    if row is None:
        return None
    return Contact(
        row["id"],
        row["name"],
        row["role"],
        row["therapist_id"],
        row["therapist_chat_id"],
        row["therapist_language"],
    )


async def record_blocked_person(
    db: Database,
    row_ids: Sequence[int],
    person_id: int,
    error: str,
    now: datetime,
    alert: Planned | None,
) -> bool:
    """The person blocked the bot: in one transaction, fail ``row_ids``, mark them
    unreachable, cancel their pending rows and, the first time only, enqueue ``alert``.
    Returns whether they were newly marked."""
    stamp = to_db(now)
    async with db.transaction() as conn:
        await conn.executemany(
            "UPDATE outbox SET status = 'failed', last_error = ?, updated_at = ? WHERE id = ?",
            [(error, stamp, row_id) for row_id in row_ids],
        )
        marked = await conn.execute(
            "UPDATE people SET unreachable_at = ? WHERE id = ? AND unreachable_at IS NULL",
            (stamp, person_id),
        )
        await conn.execute(
            "UPDATE outbox SET status = 'cancelled', last_error = 'recipient unreachable',"
            " updated_at = ? WHERE person_id = ? AND status = 'pending'",
            (stamp, person_id),
        )
        newly = marked.rowcount == 1
        if newly and alert is not None:
            await _insert(conn, [alert], now)
    return newly


async def record_blocked_buddy(
    db: Database, row_ids: Sequence[int], buddy_id: int, error: str, now: datetime
) -> None:
    """A buddy blocked the bot: fail ``row_ids`` and end the link (which stops its rows)."""
    async with db.transaction() as conn:
        await conn.executemany(
            "UPDATE outbox SET status = 'failed', last_error = ?, updated_at = ? WHERE id = ?",
            [(error, to_db(now), row_id) for row_id in row_ids],
        )
        await end_buddy_in(conn, buddy_id, BuddyEndedBy.SYSTEM, now)


async def outbox_rows(
    db: Database,
    *,
    kind: NotificationKind | None = None,
    status: OutboxStatus | None = None,
    chat_id: int | None = None,
) -> list[OutboxRow]:
    """Stored rows in id order, optionally filtered (for the CLI, the demo and tests)."""
    filters, args = [], []
    for column, value in (("kind", kind), ("status", status), ("chat_id", chat_id)):
        if value is not None:
            filters.append(f"x.{column} = ?")
            args.append(value)
    where = f" WHERE {' AND '.join(filters)}" if filters else ""
    rows = await db.fetch_all(f"SELECT {_ROW_COLUMNS} FROM outbox x{where} ORDER BY x.id", args)
    return [_row(row) for row in rows]


@dataclass(frozen=True)
class RemindedChange:
    """A session a patient was already reminded of that has since been cancelled or moved."""

    patient_id: int
    chat_id: int
    occurrence_id: int
    title: str
    old_start: datetime
    new_start: datetime
    cancelled: bool
    timezone: str
    discreet: bool = True
    quiet: bool = True
    language: str | None = None


async def reminded_changes(db: Database, now: datetime) -> list[RemindedChange]:
    """Sent reminders whose session (still ahead as they knew it) was cancelled or moved."""
    rows = await db.fetch_all(
        "SELECT DISTINCT x.person_id, x.chat_id, x.occurrence_id, o.title,"
        " x.session_starts_at, o.starts_at, o.status = 'cancelled',"
        " coalesce(p.timezone, o.timezone), p.discreet, p.quiet, p.language"
        " FROM outbox x JOIN occurrences o ON o.id = x.occurrence_id"
        " JOIN people p ON p.id = x.person_id"
        " WHERE x.kind = 'reminder' AND x.status = 'sent' AND x.session_starts_at > ?"
        " AND (o.status = 'cancelled' OR o.starts_at <> x.session_starts_at)",
        (to_db(now),),
    )
    return [
        RemindedChange(
            r[0],
            r[1],
            r[2],
            r[3],
            from_db(r[4]),
            from_db(r[5]),
            bool(r[6]),
            r[7],
            bool(r[8]),
            bool(r[9]),
            r[10],
        )
        for r in rows
    ]
