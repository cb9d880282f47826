"""Group memberships with dates: who belonged to which group, from when until when.

A patient is expected at a group's session when they joined at or before its start and had
not left by then (``expected_patients`` in the schema). Leaving closes the open row; coming
back opens a new one, so earlier periods stay exactly as they were.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from bot.errors import MembershipError
from storage.db import Database
from storage.timestamps import from_db, from_db_optional, to_db


@dataclass(frozen=True)
class Membership:
    group_id: str
    group_name: str
    patient_handle: str
    joined_at: datetime
    left_at: datetime | None


async def join(
    conn: aiosqlite.Connection,
    group_id: str,
    patient_id: int,
    joined_at: datetime,
    *,
    correct_date: bool,
) -> None:
    """Open a membership (inside the caller's transaction).

    Already a member: nothing changes, unless ``correct_date`` (a date given on purpose)
    moves the start. A new period may not begin before the last one ended.
    """
    async with conn.execute(
        "SELECT id, left_at FROM memberships WHERE group_id = ? AND patient_id = ?"
        " ORDER BY joined_at DESC, id DESC LIMIT 1",
        (group_id, patient_id),
    ) as cursor:
        latest = await cursor.fetchone()
    if latest is not None and latest["left_at"] is None:
        if correct_date:
            await _check_after_earlier_period(conn, group_id, patient_id, joined_at, latest["id"])
            await conn.execute(
                "UPDATE memberships SET joined_at = ? WHERE id = ?",
                (to_db(joined_at), latest["id"]),
            )
        return
    if latest is not None and from_db(latest["left_at"]) > joined_at:
        raise MembershipError(
            f"left {group_id!r} on {latest['left_at'][:10]} (UTC); a new membership can't start"
            " before that"
        )
    await conn.execute(
        "INSERT INTO memberships (group_id, patient_id, joined_at) VALUES (?, ?, ?)",
        (group_id, patient_id, to_db(joined_at)),
    )


async def _check_after_earlier_period(
    conn: aiosqlite.Connection, group_id: str, patient_id: int, joined_at: datetime, open_id: int
) -> None:
    async with conn.execute(
        "SELECT max(left_at) FROM memberships WHERE group_id = ? AND patient_id = ? AND id <> ?",
        (group_id, patient_id, open_id),
    ) as cursor:
        (ended,) = await cursor.fetchone()
    if ended is not None and from_db(ended) > joined_at:
        raise MembershipError(
            f"an earlier membership of {group_id!r} ended on {ended[:10]} (UTC); the new"
            " start can't be before that"
        )


async def add(
    db: Database, group_id: str, patient_id: int, joined_at: datetime, *, correct_date: bool
) -> None:
    """Make the patient a member from ``joined_at`` (see ``join`` for one already open)."""
    async with db.transaction() as conn:
        await join(conn, group_id, patient_id, joined_at, correct_date=correct_date)


async def leave(db: Database, group_id: str, patient_id: int, left_at: datetime) -> None:
    """Close the patient's open membership at ``left_at``."""
    async with db.transaction() as conn:
        async with conn.execute(
            "SELECT id, joined_at FROM memberships WHERE group_id = ? AND patient_id = ?"
            " AND left_at IS NULL",
            (group_id, patient_id),
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            raise MembershipError(f"not a member of {group_id!r}")
        if from_db(row["joined_at"]) >= left_at:
            raise MembershipError(
                f"joined {group_id!r} on {row['joined_at'][:10]} (UTC), so they can't have left"
                " by then"
            )
        await conn.execute(
            "UPDATE memberships SET left_at = ? WHERE id = ?", (to_db(left_at), row["id"])
        )


async def memberships(
    db: Database, *, patient_id: int | None = None, group_id: str | None = None
) -> list[Membership]:
    """Every membership period, by group then start; optionally one patient's or one group's."""
    rows = await db.fetch_all(
        "SELECT m.group_id, g.name, p.handle, m.joined_at, m.left_at FROM memberships m"
        " JOIN groups g ON g.id = m.group_id JOIN people p ON p.id = m.patient_id"
        " WHERE (?1 IS NULL OR m.patient_id = ?1) AND (?2 IS NULL OR m.group_id = ?2)"
        " ORDER BY m.group_id, m.joined_at, p.handle",
        (patient_id, group_id),
    )
    return [
        Membership(row[0], row[1], row[2], from_db(row[3]), from_db_optional(row[4]))
        for row in rows
    ]
