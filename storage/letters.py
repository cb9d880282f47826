"""Attendance letter requests: the patient's draft, the therapist's decision, the hash issued.

Every decision is a compare-and-set on the row's status, so a second press, a stale button
or another therapist cannot act on a request that was already handled.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from bot.kinds import SessionKind
from storage.db import Database
from storage.timestamps import from_db, to_db


class LetterStatus(StrEnum):
    DRAFT = "draft"  # the patient is still choosing who it is for and the period
    PENDING = "pending"  # waiting for the therapist
    ISSUED = "issued"
    DECLINED = "declined"
    DROPPED = "dropped"  # the patient cancelled, or started another request


@dataclass(frozen=True)
class Letter:
    id: int
    patient_id: int
    therapist_id: int | None
    recipient: str | None
    first_day: date | None
    last_day: date | None
    requested_first_day: date | None
    requested_last_day: date | None
    status: LetterStatus
    awaiting: str | None
    note: str | None
    sha256: str | None

    @property
    def period_changed(self) -> bool:
        return (self.first_day, self.last_day) != (
            self.requested_first_day,
            self.requested_last_day,
        )


@dataclass(frozen=True)
class SessionTimes:
    """What a letter may say about a session: its kind and when it ran (never its title)."""

    occurrence_id: int
    kind: SessionKind
    starts_at: datetime
    ends_at: datetime


_COLUMNS = (
    "id, patient_id, therapist_id, recipient, first_day, last_day, requested_first_day,"
    " requested_last_day, status, awaiting, note, sha256"
)


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _letter(row: sqlite3.Row) -> Letter:
    return Letter(
        id=row["id"],
        patient_id=row["patient_id"],
        therapist_id=row["therapist_id"],
        recipient=row["recipient"],
        first_day=_day(row["first_day"]),
        last_day=_day(row["last_day"]),
        requested_first_day=_day(row["requested_first_day"]),
        requested_last_day=_day(row["requested_last_day"]),
        status=LetterStatus(row["status"]),
        awaiting=row["awaiting"],
        note=row["note"],
        sha256=row["sha256"],
    )


async def get_letter(db: Database, letter_id: int) -> Letter | None:
    row = await db.fetch_one(f"SELECT {_COLUMNS} FROM letters WHERE id = ?", (letter_id,))
    return _letter(row) if row else None


async def start_draft(
    db: Database, patient_id: int, therapist_id: int | None, now: datetime
) -> int:
    """A new draft for the patient; an older unfinished draft of theirs is dropped."""
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE letters SET status = 'dropped' WHERE patient_id = ? AND status = 'draft'",
            (patient_id,),
        )
        cursor = await conn.execute(
            "INSERT INTO letters (patient_id, therapist_id, created_at) VALUES (?, ?, ?)",
            (patient_id, therapist_id, to_db(now)),
        )
        return int(cursor.lastrowid)


async def open_draft(db: Database, patient_id: int) -> Letter | None:
    """The patient's unfinished request, if any (the newest)."""
    row = await db.fetch_one(
        f"SELECT {_COLUMNS} FROM letters WHERE patient_id = ? AND status = 'draft'"
        " ORDER BY id DESC LIMIT 1",
        (patient_id,),
    )
    return _letter(row) if row else None


async def set_recipient(db: Database, letter_id: int, patient_id: int, recipient: str) -> bool:
    """Record who the letter is for; False unless it is the patient's own draft."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE letters SET recipient = ?"
            " WHERE id = ? AND patient_id = ? AND status = 'draft'",
            (recipient, letter_id, patient_id),
        )
        return cursor.rowcount == 1


async def drop_drafts(db: Database, patient_id: int) -> None:
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE letters SET status = 'dropped' WHERE patient_id = ? AND status = 'draft'",
            (patient_id,),
        )


async def submit(
    db: Database, letter_id: int, patient_id: int, first: date, last: date, now: datetime
) -> bool:
    """The draft becomes a request for the therapist; False unless it was the patient's draft
    with a recipient chosen."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE letters SET status = 'pending', first_day = ?, last_day = ?,"
            " requested_first_day = ?, requested_last_day = ?, requested_at = ?"
            " WHERE id = ? AND patient_id = ? AND status = 'draft' AND recipient IS NOT NULL",
            (first.isoformat(), last.isoformat(), first.isoformat(), last.isoformat(),
             to_db(now), letter_id, patient_id),
        )  # fmt: skip
        return cursor.rowcount == 1


async def await_text(db: Database, letter_id: int, therapist_id: int, what: str | None) -> bool:
    """Mark what the therapist's next typed message is for (``period``, ``note`` or None).

    Only one request waits for a text at a time: the therapist's others stop waiting.
    """
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE letters SET awaiting = NULL WHERE therapist_id = ? AND awaiting IS NOT NULL",
            (therapist_id,),
        )
        cursor = await conn.execute(
            "UPDATE letters SET awaiting = ?"
            " WHERE id = ? AND therapist_id = ? AND status = 'pending'",
            (what, letter_id, therapist_id),
        )
        return cursor.rowcount == 1


async def awaiting_text(db: Database, therapist_id: int, what: str) -> Letter | None:
    """The pending request the therapist's typed message is for, if one is waiting."""
    row = await db.fetch_one(
        f"SELECT {_COLUMNS} FROM letters WHERE therapist_id = ? AND status = 'pending'"
        " AND awaiting = ? ORDER BY id DESC LIMIT 1",
        (therapist_id, what),
    )
    return _letter(row) if row else None


async def issue(
    db: Database,
    letter_id: int,
    therapist_id: int,
    first: date,
    last: date,
    sha256: str,
    now: datetime,
    audit_action: str,
    audit_detail: str,
) -> bool:
    """Record the letter as issued (the period it covers, its hash) and its audit entry, in
    one transaction; False when it was not this therapist's pending request any more."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE letters SET status = 'issued', first_day = ?, last_day = ?, sha256 = ?,"
            " awaiting = NULL, decided_at = ?, decided_by = ?"
            " WHERE id = ? AND therapist_id = ? AND status = 'pending'",
            (first.isoformat(), last.isoformat(), sha256, to_db(now), therapist_id, letter_id,
             therapist_id),
        )  # fmt: skip
        if cursor.rowcount != 1:
            return False
        await conn.execute(
            "INSERT INTO audit_log (at, actor_id, action, patient_id, detail)"
            " SELECT ?, ?, ?, patient_id, ? FROM letters WHERE id = ?",
            (to_db(now), therapist_id, audit_action, audit_detail, letter_id),
        )
        return True


async def decline(
    db: Database, letter_id: int, therapist_id: int, note: str | None, now: datetime
) -> bool:
    """Decline a pending request (with the therapist's note, if any)."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE letters SET status = 'declined', note = ?, awaiting = NULL,"
            " decided_at = ?, decided_by = ?"
            " WHERE id = ? AND therapist_id = ? AND status = 'pending'",
            (note, to_db(now), therapist_id, letter_id, therapist_id),
        )
        return cursor.rowcount == 1


async def session_times(db: Database, occurrence_ids: Sequence[int]) -> dict[int, SessionTimes]:
    """Kind, start and end of the given sessions (nothing else: letters name no titles)."""
    if not occurrence_ids:
        return {}
    marks = ",".join("?" * len(occurrence_ids))
    rows = await db.fetch_all(
        # The kind the session had when it happened (a later import changes only the future).
        f"SELECT o.id, o.kind, o.starts_at, o.ends_at FROM occurrences o WHERE o.id IN ({marks})",
        tuple(occurrence_ids),
    )
    return {
        row["id"]: SessionTimes(
            row["id"], SessionKind(row["kind"]), from_db(row["starts_at"]), from_db(row["ends_at"])
        )
        for row in rows
    }
