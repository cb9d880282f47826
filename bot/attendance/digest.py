"""The weekly digest: each therapist's caseload attendance, reasons and risk, once a week."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

from bot.attendance.export import report_rows
from bot.attendance.reports import Mark, whole_percent
from bot.attendance.summary import RiskThresholds, holding_flags, patient_summary
from bot.config import Config
from bot.i18n import texts, writing_for
from bot.labels import short_day
from bot.outbox.notifier import Notifier
from bot.outbox.rows import NotificationKind, Planned, person_event
from storage import people
from storage import reports as report_store
from storage.db import Database
from storage.records import Person


async def weekly_digest(db: Database, notifier: Notifier, config: Config, now: datetime) -> int:
    """Queue the past seven days' digest for every therapist who has joined."""
    zone = config.program.timezone
    last = now.astimezone(zone).date() - timedelta(days=1)
    first = last - timedelta(days=6)
    rows = []
    for therapist in await people.list_people(db):
        if therapist.role != "therapist" or therapist.chat_id is None:
            continue
        report = await report_rows(db, first, last, now, therapist_id=therapist.id)
        with writing_for(therapist.language):
            rows.append(await _digest(db, config, now, therapist, report, first, last))
    await notifier.enqueue(rows)
    return len(rows)


async def _digest(
    db: Database,
    config: Config,
    now: datetime,
    therapist: Person,
    report: list,
    first: date,
    last: date,
) -> Planned:
    """One therapist's digest, in their language."""
    marks = Counter(row.counted for row in report)
    attended = marks[Mark.PRESENT] + marks[Mark.LATE] + marks[Mark.MADE_UP]
    marked = attended + marks[Mark.ABSENT]
    reasons = Counter(
        texts.REASON_LABELS.get(row.reason or "", texts.REASON_NOT_GIVEN).lower()
        for row in report
        if row.mark is Mark.ABSENT
    )
    at_risk = [
        patient.name
        for patient in await people.caseload(db, therapist.id)
        if await _at_risk(db, patient.id, config, now)
    ]
    text = texts.DIGEST.format(
        first=short_day(first),
        last=short_day(last),
        sessions=len({(row.session_id, row.local_date) for row in report}),
        attended=attended,
        missed=marks[Mark.ABSENT],
        unmarked=marks[Mark.UNMARKED] + marks[Mark.REPORTED_LATE],
        rate=f" ({whole_percent(attended, marked)}%)" if marked else "",
        reasons=", ".join(f"{r} {n}" for r, n in reasons.most_common()) or texts.DIGEST_NONE,
        # One name a line: "Lopez, Maria" is one person, not two.
        risk="".join(f"\n• {name}" for name in at_risk) or f" {texts.DIGEST_NONE}",
    )
    return person_event(
        NotificationKind.NOTICE,
        person_id=therapist.id,
        chat_id=therapist.chat_id,
        variant=f"digest:{first}",
        payload={"text": text},
        due_at=now,
    )


async def _at_risk(db: Database, patient_id: int, config: Config, now: datetime) -> bool:
    """Whether a risk flag holds now (computed afresh, never a stale stored flag)."""
    policy = config.policy
    marks = await report_store.patient_marks(db, patient_id, now)
    summary = patient_summary(marks, now, insurance_window_days=policy.insurance_window_days)
    return bool(holding_flags(summary.risk_inputs, RiskThresholds.from_policy(policy)))
