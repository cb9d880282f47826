"""The weekly digest: each therapist's caseload attendance, reasons and risk, once a week."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from bot import texts
from bot.attendance.reports import Mark, build_report_rows
from bot.config import Config
from bot.labels import local_day_bounds
from bot.outbox.notifier import Notifier
from bot.outbox.rows import NotificationKind, person_event
from storage import people
from storage import reports as report_store
from storage import risk as risk_store
from storage.db import Database


async def weekly_digest(db: Database, notifier: Notifier, config: Config, now: datetime) -> int:
    """Queue the past seven days' digest for every therapist who has joined."""
    zone = config.program.timezone
    last = now.astimezone(zone).date() - timedelta(days=1)
    first = last - timedelta(days=6)
    start, end = local_day_bounds(first, last, zone)
    rows = []
    for therapist in await people.list_people(db):
        if therapist.role != "therapist" or therapist.chat_id is None:
            continue
        records = await report_store.attendance_records(
            db, start, end, now, therapist_id=therapist.id
        )
        report = build_report_rows(records)
        marks = Counter(row.mark for row in report)
        attended = marks[Mark.PRESENT] + marks[Mark.LATE]
        rate = (
            f" ({attended / (attended + marks[Mark.ABSENT]):.0%})"
            if attended + marks[Mark.ABSENT]
            else ""
        )
        reasons = Counter(
            texts.REASON_LABELS.get(row.reason or "", texts.REASON_NOT_GIVEN).lower()
            for row in report
            if row.mark is Mark.ABSENT
        )
        at_risk = [
            patient.name
            for patient in await people.caseload(db, therapist.id)
            if await risk_store.get_flags(db, patient.id)
        ]
        text = texts.DIGEST.format(
            first=f"{first:%a %-d %b}",
            last=f"{last:%a %-d %b}",
            sessions=len({(row.session_id, row.local_date) for row in report}),
            attended=attended,
            missed=marks[Mark.ABSENT],
            unmarked=marks[Mark.UNMARKED],
            rate=rate,
            reasons=", ".join(f"{r} {n}" for r, n in reasons.most_common()) or texts.DIGEST_NONE,
            risk=", ".join(at_risk) or texts.DIGEST_NONE,
        )
        rows.append(
            person_event(
                NotificationKind.NOTICE,
                person_id=therapist.id,
                chat_id=therapist.chat_id,
                variant=f"digest:{first}",
                payload={"text": text},
                due_at=now,
            )
        )
    await notifier.enqueue(rows)
    return len(rows)
