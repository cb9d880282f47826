"""People (therapists and patients), invites and registration."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from datetime import datetime

from bot.kinds import Role
from storage import memberships
from storage.db import Database
from storage.records import InviteCheck, InviteStatus, Person
from storage.timestamps import from_db_optional, to_db

_PERSON_COLUMNS = (
    "p.id, p.handle, p.role, p.name, p.therapist_id, p.telegram_id, p.chat_id, p.timezone,"
    " p.registered_at, p.unreachable_at, p.preferred_name, p.discreet, p.quiet,"
    " p.language"
)


def _person(row: sqlite3.Row) -> Person:
    return Person(
        id=row["id"],
        handle=row["handle"],
        role=Role(row["role"]),
        name=row["name"],
        therapist_id=row["therapist_id"],
        telegram_id=row["telegram_id"],
        chat_id=row["chat_id"],
        timezone=row["timezone"],
        registered_at=from_db_optional(row["registered_at"]),
        unreachable_at=from_db_optional(row["unreachable_at"]),
        preferred_name=row["preferred_name"],
        discreet=bool(row["discreet"]),
        quiet=bool(row["quiet"]),
        language=row["language"],
    )


async def find_by_telegram_id(db: Database, telegram_id: int) -> Person | None:
    row = await db.fetch_one(
        f"SELECT {_PERSON_COLUMNS} FROM people p WHERE p.telegram_id = ?", (telegram_id,)
    )
    return _person(row) if row else None


async def find_by_handle(db: Database, handle: str) -> Person | None:
    row = await db.fetch_one(
        f"SELECT {_PERSON_COLUMNS} FROM people p WHERE p.handle = ?", (handle,)
    )
    return _person(row) if row else None


async def get_person(db: Database, person_id: int) -> Person:
    row = await db.fetch_one(
        f"SELECT {_PERSON_COLUMNS} FROM people p WHERE p.id = ?", (person_id,)
    )
    if row is None:
        raise LookupError(f"no person {person_id}")
    return _person(row)


async def list_people(db: Database) -> list[Person]:
    rows = await db.fetch_all(f"SELECT {_PERSON_COLUMNS} FROM people p ORDER BY p.role, p.handle")
    return [_person(row) for row in rows]


async def list_groups_of(db: Database, patient_id: int) -> list[str]:
    rows = await db.fetch_all(
        "SELECT g.name FROM memberships m JOIN groups g ON g.id = m.group_id"
        " WHERE m.patient_id = ? AND m.left_at IS NULL ORDER BY g.name",
        (patient_id,),
    )
    return [row["name"] for row in rows]


async def group_zones(db: Database, group_ids: Sequence[str]) -> dict[str, str]:
    """The time zone of each of these groups that exists."""
    if not group_ids:
        return {}
    marks = ",".join("?" * len(group_ids))
    rows = await db.fetch_all(
        f"SELECT id, timezone FROM groups WHERE id IN ({marks})", tuple(group_ids)
    )
    return {row["id"]: row["timezone"] for row in rows}


async def save_invite(
    db: Database,
    *,
    handle: str,
    role: Role,
    name: str,
    therapist_id: int | None,
    joins: Mapping[str, datetime],
    dated: bool,
    code_hash: str,
    now: datetime,
    expires_at: datetime,
    language: str | None = None,
) -> Person:
    """Create or update the person behind ``handle`` and give them a fresh invite.

    Earlier unused invites of the same person are revoked, so only the newest link works.
    ``joins``: group id -> when they join it; ``dated``: those times were given on purpose
    (``--since``), so they also correct the start of a membership that is already open.
    """
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO people (handle, role, name, therapist_id, created_at, language)"
            " VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (handle) DO UPDATE SET name = excluded.name,"
            " therapist_id = coalesce(excluded.therapist_id, people.therapist_id),"
            " language = coalesce(excluded.language, people.language)",
            (handle, role.value, name, therapist_id, to_db(now), language),
        )
        async with conn.execute(
            f"SELECT {_PERSON_COLUMNS} FROM people p WHERE p.handle = ?", (handle,)
        ) as cursor:
            person = _person(await cursor.fetchone())
        for group_id, joined_at in joins.items():
            await memberships.join(conn, group_id, person.id, joined_at, correct_date=dated)
        await conn.execute(
            "UPDATE invites SET revoked_at = ? WHERE person_id = ? AND used_at IS NULL"
            " AND revoked_at IS NULL",
            (to_db(now), person.id),
        )
        await conn.execute(
            "INSERT INTO invites (code_hash, person_id, created_at, expires_at)"
            " VALUES (?, ?, ?, ?)",
            (code_hash, person.id, to_db(now), to_db(expires_at)),
        )
    return person


async def check_invite(
    db: Database, code_hash: str, telegram_id: int, now: datetime
) -> InviteCheck:
    """Say whether ``telegram_id`` may use the invite with this hash, without changing it."""
    row = await db.fetch_one(
        f"SELECT i.id AS invite_id, i.expires_at, i.used_at, i.revoked_at, i.claimed_by,"
        f" {_PERSON_COLUMNS} FROM invites i JOIN people p ON p.id = i.person_id"
        " WHERE i.code_hash = ?",
        (code_hash,),
    )
    if row is None:
        return InviteCheck(InviteStatus.UNKNOWN, None, None)
    person = _person(row)
    if row["used_at"] is not None or row["revoked_at"] is not None:
        status = InviteStatus.USED
    elif row["expires_at"] <= to_db(now):
        status = InviteStatus.EXPIRED
    elif row["claimed_by"] not in (None, telegram_id):
        status = InviteStatus.CLAIMED_BY_OTHER
    else:
        status = InviteStatus.VALID
    return InviteCheck(status, row["invite_id"], person)


async def claim_invite(db: Database, invite_id: int, telegram_id: int) -> bool:
    """Reserve an invite for one Telegram user while they read the consent notice; any
    other invite this user held is released (its owner can still use it)."""
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE invites SET claimed_by = NULL WHERE claimed_by = ? AND id != ?"
            " AND used_at IS NULL",
            (telegram_id, invite_id),
        )
        cursor = await conn.execute(
            "UPDATE invites SET claimed_by = ? WHERE id = ? AND used_at IS NULL"
            " AND revoked_at IS NULL AND (claimed_by IS NULL OR claimed_by = ?)",
            (telegram_id, invite_id, telegram_id),
        )
        return cursor.rowcount == 1


async def release_invite(db: Database, telegram_id: int) -> None:
    """Give back an invite this user claimed but did not finish (declined or cancelled)."""
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE invites SET claimed_by = NULL WHERE claimed_by = ? AND used_at IS NULL",
            (telegram_id,),
        )


async def claimed_invite(db: Database, telegram_id: int, now: datetime) -> InviteCheck | None:
    """The unfinished invite this user claimed, if it is still usable."""
    row = await db.fetch_one(
        f"SELECT i.id AS invite_id, {_PERSON_COLUMNS} FROM invites i"
        " JOIN people p ON p.id = i.person_id"
        " WHERE i.claimed_by = ? AND i.used_at IS NULL AND i.revoked_at IS NULL"
        " AND i.expires_at > ? ORDER BY i.id DESC LIMIT 1",
        (telegram_id, to_db(now)),
    )
    if row is None:
        return None
    return InviteCheck(InviteStatus.VALID, row["invite_id"], _person(row))


async def register(
    db: Database,
    *,
    invite_id: int,
    telegram_id: int,
    chat_id: int,
    timezone: str,
    now: datetime,
    consented: bool,
    language: str | None = None,
) -> Person | None:
    """Use the invite and bind its person to this Telegram user; None if it was used meanwhile."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE invites SET used_at = ?, claimed_by = ? WHERE id = ? AND used_at IS NULL"
            " AND revoked_at IS NULL AND (claimed_by IS NULL OR claimed_by = ?)",
            (to_db(now), telegram_id, invite_id, telegram_id),
        )
        if cursor.rowcount != 1:
            return None
        async with conn.execute(
            "SELECT person_id FROM invites WHERE id = ?", (invite_id,)
        ) as invite_cursor:
            (person_id,) = await invite_cursor.fetchone()
        await conn.execute(
            "UPDATE people SET telegram_id = ?, chat_id = ?, timezone = ?, registered_at = ?,"
            " consented_at = CASE WHEN ? THEN ? ELSE consented_at END,"
            " language = coalesce(language, ?) WHERE id = ?",
            (
                telegram_id,
                chat_id,
                timezone,
                to_db(now),
                consented,
                to_db(now),
                language,
                person_id,
            ),
        )
        async with conn.execute(
            f"SELECT {_PERSON_COLUMNS} FROM people p WHERE p.id = ?", (person_id,)
        ) as cursor:
            return _person(await cursor.fetchone())


async def mark_reachable(db: Database, person_id: int) -> None:
    """They wrote to the bot again, so they unblocked it: reminders may resume."""
    async with db.transaction() as conn:
        await conn.execute("UPDATE people SET unreachable_at = NULL WHERE id = ?", (person_id,))


async def caseload(db: Database, therapist_id: int) -> list[Person]:
    """Patients whose therapist this is, or who attend sessions this therapist leads (as
    members, or as guests who booked a make-up there)."""
    rows = await db.fetch_all(
        f"SELECT {_PERSON_COLUMNS} FROM people p WHERE p.role = 'patient' AND"
        " (p.therapist_id = ?1 OR p.id IN (SELECT patient_id FROM series WHERE therapist_id = ?1)"
        " OR p.id IN (SELECT m.patient_id FROM memberships m JOIN series s"
        " ON s.group_id = m.group_id WHERE s.therapist_id = ?1 AND m.left_at IS NULL)"
        " OR p.id IN (SELECT b.patient_id FROM bookings b JOIN occurrences o"
        " ON o.id = b.occurrence_id JOIN series s ON s.id = o.series_id"
        " WHERE s.therapist_id = ?1 AND b.status = 'booked'))"
        " ORDER BY p.name, p.id",
        (therapist_id,),
    )
    return [_person(row) for row in rows]


async def set_preferred_name(db: Database, person_id: int, name: str) -> None:
    async with db.transaction() as conn:
        await conn.execute("UPDATE people SET preferred_name = ? WHERE id = ?", (name, person_id))


async def set_discreet(db: Database, person_id: int, discreet: bool) -> None:
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE people SET discreet = ? WHERE id = ?", (int(discreet), person_id)
        )


async def set_quiet(db: Database, person_id: int, quiet: bool) -> None:
    async with db.transaction() as conn:
        await conn.execute("UPDATE people SET quiet = ? WHERE id = ?", (int(quiet), person_id))


async def set_language(db: Database, person_id: int, language: str) -> None:
    async with db.transaction() as conn:
        await conn.execute("UPDATE people SET language = ? WHERE id = ?", (language, person_id))
