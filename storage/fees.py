"""Payer rules and the fees ledger: one charge per patient and missed session, ever."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import aiosqlite

from bot.kinds import AuditAction, ChargeReason, Payer
from storage.db import Database
from storage.timestamps import from_db, from_db_optional, to_db

# Medicaid members may not be charged for missed appointments (42 CFR 447.15): a payer set
# to Medicaid later also waives what was charged before, in the same transaction, audited.
MEDICAID_WAIVER = "payer is Medicaid: no charge for missed appointments"


async def set_payer(db: Database, patient_id: int, payer: Payer | None, now: datetime) -> None:
    async with db.transaction() as conn:
        await store_payer(conn, patient_id, payer, now)


async def store_payer(
    conn: aiosqlite.Connection, patient_id: int, payer: Payer | None, now: datetime
) -> None:
    """Set the payer (inside the caller's transaction); Medicaid waives open charges."""
    await conn.execute(
        "UPDATE people SET payer = ? WHERE id = ?", (payer.value if payer else None, patient_id)
    )
    if payer is not Payer.MEDICAID:
        return
    async with conn.execute(
        "UPDATE charges SET waived_at = ?, waive_reason = ?, waiving_by = NULL"
        " WHERE patient_id = ? AND waived_at IS NULL RETURNING id",
        (to_db(now), MEDICAID_WAIVER, patient_id),
    ) as cursor:
        waived = [row[0] for row in await cursor.fetchall()]
    await conn.executemany(
        "INSERT INTO audit_log (at, actor_id, action, patient_id, detail)"
        " VALUES (?, NULL, ?, ?, ?)",
        [(to_db(now), AuditAction.WAIVED_FEE.value, patient_id,
          f"charge {charge_id}: {MEDICAID_WAIVER}") for charge_id in waived],
    )  # fmt: skip


async def payer_of(db: Database, patient_id: int) -> Payer | None:
    row = await db.fetch_one("SELECT payer FROM people WHERE id = ?", (patient_id,))
    return Payer(row["payer"]) if row and row["payer"] else None


@dataclass(frozen=True)
class FeeCandidate:
    """A patient marked absent at a session that started, with no charge yet."""

    patient_id: int
    occurrence_id: int
    starts_at: datetime
    timezone: str
    payer: Payer | None
    reported_at: datetime | None  # the live absence report, if any
    makeups: tuple[datetime, ...]  # starts of booked make-ups the therapist marked attended


# A booked make-up nobody has marked yet holds its missed session's charge back until this
# long after it ended: a therapist who marks the evening's sheet the next day is in time.
MARKING_GRACE = timedelta(days=1)


async def fee_candidates(db: Database, first: datetime, last: datetime) -> list[FeeCandidate]:
    """Absences at sessions that started in ``[first, last]`` (``last`` is now), not
    cancelled, not charged, not of a Medicaid member, and not waiting for the mark of a
    booked make-up."""
    rows = await db.fetch_all(
        "SELECT t.patient_id, o.id AS occurrence_id, o.starts_at,"
        " coalesce(o.timezone, s.timezone) AS timezone, p.payer,"
        " (SELECT a.reported_at FROM absences a WHERE a.patient_id = t.patient_id"
        "  AND a.occurrence_id = o.id AND a.status = 'reported') AS reported_at,"
        " (SELECT group_concat(mo.starts_at) FROM bookings b"
        "  JOIN occurrences mo ON mo.id = b.occurrence_id"
        "  JOIN attendance m ON m.patient_id = b.patient_id AND m.occurrence_id = b.occurrence_id"
        "  WHERE b.patient_id = t.patient_id AND b.missed_occurrence_id = o.id"
        "  AND b.status = 'booked' AND m.status IN ('present', 'late')"
        "  AND m.source = 'therapist') AS makeups"
        " FROM attendance t JOIN occurrences o ON o.id = t.occurrence_id"
        " JOIN series s ON s.id = o.series_id JOIN people p ON p.id = t.patient_id"
        " WHERE t.status = 'absent' AND o.status = 'scheduled'"
        " AND o.starts_at >= ? AND o.starts_at <= ? AND p.role = 'patient'"
        " AND (p.payer IS NULL OR p.payer IS NOT 'medicaid')"
        " AND NOT EXISTS (SELECT 1 FROM charges c WHERE c.patient_id = t.patient_id"
        "  AND c.occurrence_id = o.id)"
        # Still theirs (not a group they left), not forgotten, and the mark is settled.
        " AND EXISTS (SELECT 1 FROM expected_patients e WHERE e.occurrence_id = o.id"
        "  AND e.patient_id = t.patient_id)"
        " AND p.handle NOT LIKE 'forgotten-%'"
        " AND NOT EXISTS (SELECT 1 FROM unsettled_marks u WHERE u.occurrence_id = o.id"
        "  AND u.patient_id = t.patient_id)"
        # A booked make-up not marked yet (it may start right at the deadline): wait for it.
        " AND NOT EXISTS (SELECT 1 FROM bookings b JOIN occurrences bo ON bo.id = b.occurrence_id"
        "  WHERE b.patient_id = t.patient_id AND b.missed_occurrence_id = o.id"
        "  AND b.status = 'booked' AND bo.status = 'scheduled' AND bo.ends_at > ?"
        "  AND NOT EXISTS (SELECT 1"
        "  FROM attendance m WHERE m.patient_id = b.patient_id"
        "  AND m.occurrence_id = b.occurrence_id AND m.source = 'therapist'))"
        " ORDER BY o.starts_at, t.patient_id",
        (to_db(first), to_db(last), to_db(last - MARKING_GRACE)),
    )
    return [
        FeeCandidate(
            patient_id=row["patient_id"],
            occurrence_id=row["occurrence_id"],
            starts_at=from_db(row["starts_at"]),
            timezone=row["timezone"],
            payer=Payer(row["payer"]) if row["payer"] else None,
            reported_at=from_db_optional(row["reported_at"]),
            makeups=tuple(from_db(x) for x in (row["makeups"] or "").split(",") if x),
        )
        for row in rows
    ]


@dataclass(frozen=True)
class NewCharge:
    patient_id: int
    occurrence_id: int
    reason: ChargeReason
    amount: Decimal
    currency: str
    payer: Payer | None


async def add_charges(
    db: Database, charges: Sequence[NewCharge], now: datetime
) -> list[NewCharge]:
    """Store charges in one transaction; returns those that were new (the rest existed)."""
    added = []
    async with db.transaction() as conn:
        for charge in charges:
            cursor = await conn.execute(
                "INSERT INTO charges (patient_id, occurrence_id, reason, amount, currency,"
                " payer, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (patient_id, occurrence_id) DO NOTHING",
                (
                    charge.patient_id,
                    charge.occurrence_id,
                    charge.reason.value,
                    str(charge.amount),
                    charge.currency,
                    charge.payer.value if charge.payer else None,
                    to_db(now),
                ),
            )
            if cursor.rowcount:
                added.append(charge)
    return added


@dataclass(frozen=True)
class Charge:
    id: int
    patient_id: int
    occurrence_id: int
    session_starts_at: datetime
    session_title: str
    session_timezone: str
    reason: ChargeReason
    amount: Decimal
    currency: str
    payer: Payer | None
    created_at: datetime
    waived_at: datetime | None
    waived_by: str | None  # the therapist's name
    waive_reason: str | None
    session_therapist_id: int
    patient_therapist_id: int | None
    patient_handle: str
    patient_name: str

    @property
    def waived(self) -> bool:
        return self.waived_at is not None


_CHARGE = (
    "SELECT c.id, c.patient_id, c.occurrence_id, o.starts_at, coalesce(o.title, s.title) AS title,"
    " coalesce(o.timezone, s.timezone) AS tz,"
    " c.reason, c.amount, c.currency, c.payer, c.created_at, c.waived_at, w.name AS waived_by,"
    " c.waive_reason, s.therapist_id AS session_therapist_id, p.therapist_id, p.handle, p.name"
    " FROM charges c JOIN occurrences o ON o.id = c.occurrence_id"
    " JOIN series s ON s.id = o.series_id JOIN people p ON p.id = c.patient_id"
    " LEFT JOIN people w ON w.id = c.waived_by"
)


def _charge(row: sqlite3.Row) -> Charge:
    return Charge(
        id=row["id"],
        patient_id=row["patient_id"],
        occurrence_id=row["occurrence_id"],
        session_starts_at=from_db(row["starts_at"]),
        session_title=row["title"],
        session_timezone=row["tz"],
        reason=ChargeReason(row["reason"]),
        amount=Decimal(row["amount"]),
        currency=row["currency"],
        payer=Payer(row["payer"]) if row["payer"] else None,
        created_at=from_db(row["created_at"]),
        waived_at=from_db_optional(row["waived_at"]),
        waived_by=row["waived_by"],
        waive_reason=row["waive_reason"],
        session_therapist_id=row["session_therapist_id"],
        patient_therapist_id=row["therapist_id"],
        patient_handle=row["handle"],
        patient_name=row["name"],
    )


async def patient_charges(db: Database, patient_id: int) -> list[Charge]:
    rows = await db.fetch_all(
        f"{_CHARGE} WHERE c.patient_id = ? ORDER BY o.starts_at, c.id", (patient_id,)
    )
    return [_charge(row) for row in rows]


async def get_charge(db: Database, charge_id: int) -> Charge | None:
    row = await db.fetch_one(f"{_CHARGE} WHERE c.id = ?", (charge_id,))
    return _charge(row) if row else None


async def ledger(db: Database, start: datetime, end: datetime) -> list[Charge]:
    """Charges for sessions that started in ``[start, end)``, oldest session first."""
    rows = await db.fetch_all(
        f"{_CHARGE} WHERE o.starts_at >= ? AND o.starts_at < ? ORDER BY o.starts_at, c.id",
        (to_db(start), to_db(end)),
    )
    return [_charge(row) for row in rows]


async def wait_for_reason(db: Database, charge_id: int, therapist_id: int) -> bool:
    """The therapist's next typed message is the reason to waive this (unwaived) charge."""
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE charges SET waiving_by = NULL WHERE waiving_by = ?", (therapist_id,)
        )
        cursor = await conn.execute(
            "UPDATE charges SET waiving_by = ? WHERE id = ? AND waived_at IS NULL",
            (therapist_id, charge_id),
        )
        return cursor.rowcount == 1


async def awaiting_reason(db: Database, therapist_id: int) -> int | None:
    """The charge this therapist was asked a reason for, if it is still unwaived."""
    row = await db.fetch_one(
        "SELECT id FROM charges WHERE waiving_by = ? AND waived_at IS NULL", (therapist_id,)
    )
    return row["id"] if row else None


async def waive(
    db: Database, charge: Charge, therapist_id: int, reason: str, detail: str, now: datetime
) -> bool:
    """Waive an unwaived charge and record it in the audit trail, in one transaction;
    False if it was already waived (nothing changes)."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE charges SET waived_at = ?, waived_by = ?, waive_reason = ?, waiving_by = NULL"
            " WHERE id = ? AND waived_at IS NULL",
            (to_db(now), therapist_id, reason, charge.id),
        )
        if cursor.rowcount != 1:
            return False
        await conn.execute(
            "INSERT INTO audit_log (at, actor_id, action, patient_id, detail)"
            " VALUES (?, ?, ?, ?, ?)",
            (to_db(now), therapist_id, AuditAction.WAIVED_FEE.value, charge.patient_id, detail),
        )
        return True


@dataclass(frozen=True)
class FeeTerms:
    effective_at: datetime
    amount: Decimal
    currency: str


async def note_terms(db: Database, amount: Decimal, currency: str, now: datetime) -> None:
    """Record the configured fee from ``now`` on, unless it is already the one in force."""
    async with db.transaction() as conn:
        async with conn.execute(
            "SELECT amount, currency FROM fee_terms ORDER BY effective_at DESC, id DESC LIMIT 1"
        ) as cursor:
            latest = await cursor.fetchone()
        if latest is not None and (Decimal(latest[0]), latest[1]) == (amount, currency):
            return
        await conn.execute(
            "INSERT INTO fee_terms (effective_at, amount, currency) VALUES (?, ?, ?)",
            (to_db(now), str(amount), currency),
        )


async def fee_terms(db: Database) -> list[FeeTerms]:
    """Every fee in force, oldest first."""
    rows = await db.fetch_all(
        "SELECT effective_at, amount, currency FROM fee_terms ORDER BY effective_at, id"
    )
    return [FeeTerms(from_db(row[0]), Decimal(row[1]), row[2]) for row in rows]
