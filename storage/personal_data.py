"""Patients' rights: everything stored about one patient (/mydata), and forgetting them.

Forgetting removes what identifies a person (names, Telegram ids, buddies) and every free
text they wrote, and keeps what counts need: attendance marks, absence kinds and reasons as
categories, safety events' levels and times. Codes, hashes and other people's Telegram ids
are never exported.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.db import Database
from storage.timestamps import to_db

FORGOTTEN_NAME = "Former patient "


def forgotten_name(person_id: int) -> str:
    """What a forgotten patient is called in reports and rosters from then on."""
    return f"{FORGOTTEN_NAME}{person_id}"


# (section, query): each query takes the patient's id as its one parameter. Columns are
# chosen, not "*", so a new column never leaks a secret (a code hash, a buddy's Telegram id)
# into an export.
_SECTIONS: tuple[tuple[str, str], ...] = (
    (
        "you",
        "SELECT p.handle, p.name, p.preferred_name, p.timezone, p.consented_at,"
        " p.registered_at, p.discreet AS discreet_first_lines, p.quiet AS quiet_nights,"
        " t.name AS therapist FROM people p LEFT JOIN people t ON t.id = p.therapist_id"
        " WHERE p.id = ?",
    ),
    (
        "groups",
        "SELECT g.name, m.joined_at, m.left_at FROM memberships m"
        " JOIN groups g ON g.id = m.group_id WHERE m.patient_id = ? ORDER BY m.joined_at, g.name",
    ),
    (
        "reminder_settings",
        "SELECT lead_times, updated_at FROM reminder_preferences WHERE patient_id = ?",
    ),
    (
        "absences",
        "SELECT o.title AS session, o.starts_at AS session_starts_at, a.kind, a.reason,"
        " a.reason_text, a.original_text AS your_message, a.reported_at, a.status,"
        " a.withdrawn_at FROM absences a JOIN occurrences o ON o.id = a.occurrence_id"
        " WHERE a.patient_id = ? ORDER BY a.reported_at",
    ),
    (
        "attendance",
        "SELECT o.title AS session, o.starts_at AS session_starts_at, t.status,"
        " t.late_minutes, t.source, t.updated_at FROM attendance t JOIN occurrences o"
        " ON o.id = t.occurrence_id WHERE t.patient_id = ? ORDER BY o.starts_at",
    ),
    (
        "attendance_changes",
        "SELECT o.starts_at AS session_starts_at, c.old_status, c.new_status, c.changed_at"
        " FROM attendance_audit c JOIN occurrences o ON o.id = c.occurrence_id"
        " WHERE c.patient_id = ? ORDER BY c.changed_at",
    ),
    (
        "messages_for_your_therapist",
        "SELECT text, created_at, forwarded_at FROM patient_notes WHERE patient_id = ?"
        " ORDER BY created_at",
    ),
    (
        "catch_up_done",
        "SELECT o.starts_at AS session_starts_at, c.completed_at FROM catchups c"
        " JOIN occurrences o ON o.id = c.occurrence_id WHERE c.patient_id = ?",
    ),
    (
        "flags_for_your_care_team",
        "SELECT kind, raised_at FROM risk_flags WHERE patient_id = ? ORDER BY raised_at",
    ),
    (
        "flag_history",
        "SELECT kind, direction, value, threshold, at FROM risk_crossings WHERE patient_id = ?"
        " ORDER BY at, id",
    ),
    (
        "safety",
        "SELECT level, status, message AS your_message, created_at, answered_at,"
        " acknowledged_at, paused_until FROM safety_events WHERE patient_id = ?"
        " ORDER BY created_at",
    ),
    (
        "attendance_letters",
        "SELECT recipient, first_day, last_day, status, requested_at, decided_at,"
        " note AS your_therapists_note FROM letters WHERE patient_id = ? AND status <> 'draft'"
        " ORDER BY created_at",
    ),
    (
        "make_ups_booked",
        "SELECT mo.title AS session, mo.starts_at AS session_starts_at, o.starts_at AS makes_up,"
        " b.kind, b.status, b.booked_at FROM bookings b"
        " JOIN occurrences mo ON mo.id = b.occurrence_id"
        " JOIN occurrences o ON o.id = b.missed_occurrence_id WHERE b.patient_id = ?"
        " ORDER BY b.booked_at",
    ),
    (
        "requests_for_another_time",
        "SELECT o.starts_at AS session_starts_at, r.asked_text AS your_message, r.status,"
        " r.proposed_starts_at, r.note AS your_therapists_note, r.created_at"
        " FROM reschedule_requests r JOIN occurrences o ON o.id = r.missed_occurrence_id"
        " WHERE r.patient_id = ? AND r.status <> 'draft' ORDER BY r.created_at",
    ),
    (
        "buddies",
        "SELECT name, status, created_at, accepted_at, ended_at, ended_by FROM buddies"
        " WHERE patient_id = ? ORDER BY created_at",
    ),
    ("payer", "SELECT payer FROM people WHERE id = ? AND payer IS NOT NULL"),
    (
        "fees",
        "SELECT o.starts_at AS session_starts_at, c.reason, c.amount, c.currency, c.created_at,"
        " c.waived_at, c.waive_reason FROM charges c JOIN occurrences o ON o.id = c.occurrence_id"
        " WHERE c.patient_id = ? ORDER BY o.starts_at, c.id",
    ),
    (
        "messages_sent_to_you",
        "SELECT kind, due_at, status, sent_at, json_extract(payload, '$.text') AS text"
        " FROM outbox WHERE person_id = ? ORDER BY due_at, id",
    ),
)


async def patient_record(db: Database, patient_id: int) -> dict[str, list[dict[str, Any]]]:
    """Everything stored about one patient, section by section (rows as plain dicts)."""
    record = {}
    for section, sql in _SECTIONS:
        rows = await db.fetch_all(sql, (patient_id,))
        record[section] = [dict(row) for row in rows]
    return record


@dataclass(frozen=True)
class Forgotten:
    """What ``forget_patient`` removed and what it kept (de-identified)."""

    removed: dict[str, int]
    kept: dict[str, int]


async def forget_patient(db: Database, patient_id: int, now: datetime) -> Forgotten:
    """Remove identifying data and free text in one transaction; keep de-identified counts."""
    removed: dict[str, int] = {}
    args = {"id": patient_id, "now": to_db(now)}
    async with db.transaction() as conn:

        async def run(label: str, sql: str) -> None:
            cursor = await conn.execute(sql, args)
            removed[label] = removed.get(label, 0) + max(cursor.rowcount, 0)

        buddies = "(SELECT id FROM buddies WHERE patient_id = :id)"
        await run("messages", f"DELETE FROM outbox WHERE buddy_id IN {buddies}")
        await run("buddy messages", f"DELETE FROM buddy_worries WHERE buddy_id IN {buddies}")
        await run("buddies", "DELETE FROM buddies WHERE patient_id = :id")
        await run("messages", "DELETE FROM outbox WHERE person_id = :id OR patient_id = :id")
        await run("messages for the therapist", "DELETE FROM patient_notes WHERE patient_id = :id")
        await run("unfinished reports", "DELETE FROM absence_drafts WHERE patient_id = :id")
        await run("reminder settings", "DELETE FROM reminder_preferences WHERE patient_id = :id")
        await run("group memberships", "DELETE FROM memberships WHERE patient_id = :id")
        await run("unsaved marks", "DELETE FROM unsettled_marks WHERE patient_id = :id")
        await run(
            "words in absence reports",
            "UPDATE absences SET reason_text = NULL, original_text = NULL, parsed = NULL"
            " WHERE patient_id = :id AND (reason_text IS NOT NULL OR original_text IS NOT NULL"
            " OR parsed IS NOT NULL)",
        )
        await run(
            "words in requests for another time",
            "UPDATE reschedule_requests SET asked_text = NULL, note = NULL WHERE patient_id = :id"
            " AND (asked_text IS NOT NULL OR note IS NOT NULL)",
        )
        await run(
            "unsent requests",
            "DELETE FROM reschedule_requests WHERE patient_id = :id AND status = 'draft'",
        )
        # Seats and catch-up slots to come go back to others (past bookings stay as history).
        await run(
            "catch-up slots to come",
            "UPDATE slots SET occurrence_id = NULL WHERE occurrence_id IN (SELECT b.occurrence_id"
            " FROM bookings b JOIN occurrences o ON o.id = b.occurrence_id"
            " WHERE b.patient_id = :id AND b.status = 'booked' AND b.kind = 'catchup'"
            " AND o.starts_at > :now)",
        )
        await run(
            "sessions booked to come",
            "UPDATE occurrences SET status = 'cancelled' WHERE id IN (SELECT b.occurrence_id"
            " FROM bookings b JOIN occurrences o ON o.id = b.occurrence_id"
            " WHERE b.patient_id = :id AND b.status = 'booked' AND b.kind = 'catchup'"
            " AND o.starts_at > :now)",
        )
        await run(
            "make-ups booked to come",
            "UPDATE bookings SET status = 'cancelled', cancelled_at = :now WHERE patient_id = :id"
            " AND status = 'booked' AND occurrence_id IN (SELECT id FROM occurrences"
            " WHERE starts_at > :now)",
        )
        await run(
            "notes on letter requests",
            "UPDATE letters SET note = NULL WHERE patient_id = :id AND note IS NOT NULL",
        )
        await run(
            "words in safety events",
            "UPDATE safety_events SET message = NULL WHERE patient_id = :id"
            " AND message IS NOT NULL",
        )
        # Charges stay (a billing record); a therapist's words about why one was waived go.
        await run(
            "reasons fees were waived",
            "UPDATE charges SET waive_reason = NULL WHERE patient_id = :id"
            " AND waive_reason IS NOT NULL",
        )
        await run(
            "unused invites",
            "UPDATE invites SET revoked_at = :now WHERE person_id = :id AND used_at IS NULL"
            " AND revoked_at IS NULL",
        )
        await run(
            "name and Telegram account",
            f"UPDATE people SET name = '{FORGOTTEN_NAME}' || id, handle = 'forgotten-' || id,"
            " preferred_name = NULL, telegram_id = NULL, chat_id = NULL, timezone = NULL"
            " WHERE id = :id",
        )
        kept = {}
        for label, table in (
            ("attendance marks", "attendance"),
            ("absences (kind and reason category)", "absences"),
            ("safety events (level and times)", "safety_events"),
            ("catch-ups done", "catchups"),
            ("attendance changes", "attendance_audit"),
            ("fees charged (billing record)", "charges"),
        ):
            cursor = await conn.execute(
                f"SELECT count(*) FROM {table} WHERE patient_id = :id", args
            )
            (kept[label],) = await cursor.fetchone()
    return Forgotten({k: v for k, v in removed.items() if v}, kept)
