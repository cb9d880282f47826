"""Reminder buddies: invitations, acceptance, ending a link, and who is a buddy of whom."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import aiosqlite

from storage.db import Database
from storage.timestamps import from_db, from_db_optional, to_db


class BuddyStatus(StrEnum):
    INVITED = "invited"
    ACTIVE = "active"
    DECLINED = "declined"
    ENDED = "ended"


class BuddyEndedBy(StrEnum):
    PATIENT = "patient"
    BUDDY = "buddy"
    SYSTEM = "system"


@dataclass(frozen=True)
class Buddy:
    id: int
    patient_id: int
    status: BuddyStatus
    telegram_id: int | None
    chat_id: int | None
    name: str | None
    timezone: str | None
    created_at: datetime
    expires_at: datetime
    accepted_at: datetime | None
    ended_at: datetime | None
    ended_by: BuddyEndedBy | None
    language: str | None = None  # 'en' or 'es', from their Telegram when they said yes


_BUDDY_COLUMNS = (
    "id, patient_id, status, telegram_id, chat_id, name, timezone, created_at, expires_at,"
    " accepted_at, ended_at, ended_by, language"
)
_BUDDY_COLUMNS_B = ", ".join(f"b.{column.strip()}" for column in _BUDDY_COLUMNS.split(","))


def _buddy(row: sqlite3.Row) -> Buddy:
    return Buddy(
        id=row["id"],
        patient_id=row["patient_id"],
        status=BuddyStatus(row["status"]),
        telegram_id=row["telegram_id"],
        chat_id=row["chat_id"],
        name=row["name"],
        timezone=row["timezone"],
        created_at=from_db(row["created_at"]),
        expires_at=from_db(row["expires_at"]),
        accepted_at=from_db_optional(row["accepted_at"]),
        ended_at=from_db_optional(row["ended_at"]),
        ended_by=BuddyEndedBy(row["ended_by"]) if row["ended_by"] else None,
        language=row["language"],
    )


async def create_buddy_invite(
    db: Database, *, patient_id: int, code_hash: str, now: datetime, expires_at: datetime
) -> Buddy:
    """A one-time buddy link for ``patient_id``; the code itself is never stored."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "INSERT INTO buddies (patient_id, code_hash, created_at, expires_at)"
            " VALUES (?, ?, ?, ?)",
            (patient_id, code_hash, to_db(now), to_db(expires_at)),
        )
        async with conn.execute(
            f"SELECT {_BUDDY_COLUMNS} FROM buddies WHERE id = ?", (cursor.lastrowid,)
        ) as select:
            return _buddy(await select.fetchone())


async def find_buddy_invite(db: Database, code_hash: str) -> Buddy | None:
    """The link behind a code, whatever its status (the caller explains used or expired)."""
    row = await db.fetch_one(
        f"SELECT {_BUDDY_COLUMNS} FROM buddies WHERE code_hash = ?", (code_hash,)
    )
    return _buddy(row) if row else None


async def get_buddy(db: Database, buddy_id: int) -> Buddy | None:
    row = await db.fetch_one(f"SELECT {_BUDDY_COLUMNS} FROM buddies WHERE id = ?", (buddy_id,))
    return _buddy(row) if row else None


async def accept_buddy(
    db: Database,
    buddy_id: int,
    *,
    telegram_id: int,
    chat_id: int,
    name: str,
    timezone: str,
    now: datetime,
    language: str | None = None,
) -> Buddy | None:
    """Activate an unexpired invited link; None if it was used, expired or ended meanwhile,
    or if this friend already has a live link with the same patient. Re-plan afterwards."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE buddies SET status = 'active', telegram_id = ?, chat_id = ?, name = ?,"
            " timezone = ?, accepted_at = ?, language = ? WHERE id = ? AND status = 'invited'"
            " AND expires_at > ? AND NOT EXISTS (SELECT 1 FROM buddies other"
            " WHERE other.patient_id = buddies.patient_id AND other.telegram_id = ?"
            " AND other.status = 'active')",
            (
                telegram_id,
                chat_id,
                name,
                timezone,
                to_db(now),
                language,
                buddy_id,
                to_db(now),
                telegram_id,
            ),
        )
        if cursor.rowcount != 1:
            return None
        async with conn.execute(
            f"SELECT {_BUDDY_COLUMNS} FROM buddies WHERE id = ?", (buddy_id,)
        ) as select:
            return _buddy(await select.fetchone())


async def decline_buddy(db: Database, buddy_id: int, now: datetime) -> bool:
    """The friend said no; False if the link was not waiting for an answer."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE buddies SET status = 'declined', ended_at = ?, ended_by = 'buddy'"
            " WHERE id = ? AND status = 'invited'",
            (to_db(now), buddy_id),
        )
        return cursor.rowcount == 1


async def end_buddy(db: Database, buddy_id: int, by: BuddyEndedBy, now: datetime) -> bool:
    """End an invited or active link and cancel its pending nudges at once (one transaction).
    False if it had already ended."""
    async with db.transaction() as conn:
        return await end_buddy_in(conn, buddy_id, by, now)


async def end_buddy_in(
    conn: aiosqlite.Connection, buddy_id: int, by: BuddyEndedBy, now: datetime
) -> bool:
    """End a buddy link inside a transaction the caller holds (a blocked buddy, an /end)."""
    cursor = await conn.execute(
        "UPDATE buddies SET status = 'ended', ended_at = ?, ended_by = ?"
        " WHERE id = ? AND status IN ('invited', 'active')",
        (to_db(now), by.value, buddy_id),
    )
    await conn.execute(
        "UPDATE outbox SET status = 'cancelled', last_error = 'buddy link ended',"
        " updated_at = ? WHERE buddy_id = ? AND status = 'pending'",
        (to_db(now), buddy_id),
    )
    return cursor.rowcount == 1


async def buddies_of_patient(db: Database, patient_id: int) -> list[Buddy]:
    """A patient's live links (invited or active), oldest first."""
    rows = await db.fetch_all(
        f"SELECT {_BUDDY_COLUMNS} FROM buddies WHERE patient_id = ?"
        " AND status IN ('invited', 'active') ORDER BY id",
        (patient_id,),
    )
    return [_buddy(row) for row in rows]


async def buddy_links_of(db: Database, telegram_id: int) -> list[Buddy]:
    """The active links in which this Telegram user is the buddy (for /stop and roles)."""
    rows = await db.fetch_all(
        f"SELECT {_BUDDY_COLUMNS} FROM buddies WHERE telegram_id = ? AND status = 'active'"
        " ORDER BY id",
        (telegram_id,),
    )
    return [_buddy(row) for row in rows]


async def active_buddies(db: Database) -> list[Buddy]:
    rows = await db.fetch_all(
        f"SELECT {_BUDDY_COLUMNS} FROM buddies WHERE status = 'active' ORDER BY id"
    )
    return [_buddy(row) for row in rows]


async def buddy_code_hash(db: Database, buddy_id: int) -> str | None:
    """The stored hash of a buddy link's code (to check the secret in a button)."""
    row = await db.fetch_one("SELECT code_hash FROM buddies WHERE id = ?", (buddy_id,))
    return row[0] if row else None


async def keep_worry(db: Database, buddy_id: int, text: str, now: datetime) -> int:
    """Keep a buddy's worried words for one of their links; returns its id."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "INSERT INTO buddy_worries (buddy_id, text, created_at) VALUES (?, ?, ?)",
            (buddy_id, text, to_db(now)),
        )
        return cursor.lastrowid


async def take_worry(
    db: Database, worry_id: int, telegram_id: int, now: datetime
) -> tuple[str, Buddy] | None:
    """The worry's words and link, once, if this Telegram user is that link's active buddy."""
    async with db.transaction() as conn:
        async with conn.execute(
            f"SELECT w.text AS worry, {_BUDDY_COLUMNS_B} FROM buddy_worries w"
            " JOIN buddies b ON b.id = w.buddy_id WHERE w.id = ? AND w.passed_at IS NULL"
            " AND b.telegram_id = ? AND b.status = 'active'",
            (worry_id, telegram_id),
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return None
        await conn.execute(
            "UPDATE buddy_worries SET passed_at = ? WHERE id = ?", (to_db(now), worry_id)
        )
        return row["worry"], _buddy(row)
