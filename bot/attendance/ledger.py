"""The fees ledger: the job that turns missed sessions into charges (and tells the patient
kindly, before and when it happens), and the CSV export for billing.

Every message is an outbox row keyed by the missed session, so a re-run never repeats one;
each waits for the end of a pause after a crisis.
"""

from __future__ import annotations

import asyncio
import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.attendance.fees import due_charge, makeup_deadline, may_charge
from bot.attendance.policy import format_money
from bot.attendance.reports import _text_cell
from bot.i18n import texts, writing_for
from bot.kinds import AuditAction, ChargeReason
from bot.labels import format_clock, local_day_bounds, session_label, short_day
from bot.outbox.rows import NotificationKind, Planned, person_event, quiet_field
from bot.services import Services
from storage import audit, people
from storage import fees as fee_store
from storage import safety as safety_store
from storage import schedule as schedule_store
from storage.db import Database
from storage.fees import Charge, FeeCandidate, FeeTerms, NewCharge
from storage.records import Person

# A bot that was down longer than this after a window ended does not charge that miss late
# (nor does a clinic that turns fees on charge the misses of the weeks before).
LATE_CHARGE_LIMIT = timedelta(days=7)


def deadline_label(deadline: datetime, zone: ZoneInfo) -> str:
    """'Thu 10 Dec, 6:00 pm' in the reader's zone."""
    local = deadline.astimezone(zone)
    return f"{short_day(local)}, {format_clock(local)}"


def reason_label(reason: ChargeReason, late_cancel_hours: int) -> str:
    return texts.FEE_REASONS[reason.value].format(hours=late_cancel_hours)


async def charge_due_fees(s: Services) -> int:
    """Create every charge that is due now and queue the patients' notes; returns how many
    charges were created. Also gives a no-show patient a heads-up while the window is open."""
    policy = s.config.policy
    now = s.clock.now()
    await note_fee_terms(s)
    if policy.no_show_fee <= 0:
        return 0
    terms = await fee_store.fee_terms(s.db)
    window = timedelta(days=policy.reschedule_window_days)
    slack = timedelta(days=1)  # a DST change moves the wall-clock deadline by an hour
    candidates = await fee_store.fee_candidates(
        s.db, now - window - LATE_CHARGE_LIMIT - slack, now
    )
    charges, heads_up = [], []
    for candidate in candidates:
        applied = terms_at(terms, candidate.starts_at)
        if applied is None or applied.amount <= 0:
            continue  # no fee was in force when it was missed
        zone = ZoneInfo(candidate.timezone)
        deadline = makeup_deadline(candidate.starts_at, zone, policy.reschedule_window_days)
        reason = due_charge(
            starts_at=candidate.starts_at,
            zone=zone,
            payer=candidate.payer,
            reported_at=candidate.reported_at,
            attended_makeups=candidate.makeups,
            now=now,
            policy=policy,
        )
        if reason is not None and now - deadline <= LATE_CHARGE_LIMIT:
            charges.append(
                NewCharge(
                    candidate.patient_id,
                    candidate.occurrence_id,
                    reason,
                    applied.amount,
                    applied.currency,
                    candidate.payer,
                )
            )
        elif (
            now < deadline
            and candidate.reported_at is None  # a report already had the policy note
            and not candidate.makeups
            and may_charge(candidate.payer, policy)
        ):
            heads_up.append((candidate, deadline, applied))
    added = await fee_store.add_charges(s.db, charges, now)
    rows = [row for c in added if (row := await _charged_row(s, c, now)) is not None]
    rows += [
        row for c, d, a in heads_up if (row := await _heads_up_row(s, c, d, a, now)) is not None
    ]
    await s.notifier.enqueue(rows)
    return len(added)


async def note_fee_terms(s: Services) -> None:
    """Keep the history of the fee in force (at start and on every run of the job)."""
    policy = s.config.policy
    await fee_store.note_terms(s.db, policy.no_show_fee, policy.currency, s.clock.now())


def terms_at(terms: list[FeeTerms], moment: datetime) -> FeeTerms | None:
    """The fee in force at ``moment`` (``terms`` oldest first), if any was."""
    applied = None
    for term in terms:
        if term.effective_at > moment:
            break
        applied = term
    return applied


async def _patient_row(
    s: Services,
    patient: Person,
    occurrence_id: int,
    variant: str,
    text: str,
    now: datetime,
    expires_at: datetime | None = None,
) -> Planned | None:
    """A routine note to the patient: silent at night, held back during a crisis pause."""
    if patient.chat_id is None:
        return None
    paused = await safety_store.paused_until(s.db, patient.id, now)
    hours = s.config.reminders.patient_quiet_hours if patient.quiet else None
    return person_event(
        NotificationKind.NOTICE,
        person_id=patient.id,
        chat_id=patient.chat_id,
        variant=variant,
        payload={"text": text, **quiet_field(s.zone_of(patient).key, hours)},
        due_at=max(now, paused or now),
        occurrence_id=occurrence_id,
        patient_id=patient.id,
        expires_at=expires_at,
    )


async def _therapist(s: Services, patient: Person) -> str:
    from bot.usecases.care_team import therapist_name  # the use-case layer sits above

    return await therapist_name(s, patient)


async def _charged_row(s: Services, charge: NewCharge, now: datetime) -> Planned | None:
    patient = await people.get_person(s.db, charge.patient_id)
    occurrence = await schedule_store.occurrence(s.db, charge.occurrence_id)
    if occurrence is None:
        return None
    zone = s.zone_of(patient)
    policy = s.config.policy
    deadline = makeup_deadline(
        occurrence.starts_at, ZoneInfo(occurrence.timezone), policy.reschedule_window_days
    )
    with writing_for(patient.language):
        template = texts.FEE_CHARGED_DISCREET if patient.discreet else texts.FEE_CHARGED
        text = template.format(
            session=session_label(occurrence, zone),
            what=reason_label(charge.reason, policy.late_cancel_hours),
            fee=format_money(charge.amount, charge.currency),
            deadline=deadline_label(deadline, zone),
            therapist=await _therapist(s, patient),
        )
    return await _patient_row(s, patient, occurrence.id, "fee:charged", text, now)


async def _heads_up_row(
    s: Services, candidate: FeeCandidate, deadline: datetime, terms: FeeTerms, now: datetime
) -> Planned | None:
    patient = await people.get_person(s.db, candidate.patient_id)
    occurrence = await schedule_store.occurrence(s.db, candidate.occurrence_id)
    if occurrence is None:
        return None
    zone = s.zone_of(patient)
    with writing_for(patient.language):
        template = texts.FEE_HEADS_UP_DISCREET if patient.discreet else texts.FEE_HEADS_UP
        text = template.format(
            session=session_label(occurrence, zone),
            fee=format_money(terms.amount, terms.currency),
            deadline=deadline_label(deadline, zone),
            therapist=await _therapist(s, patient),
        )
    return await _patient_row(
        s, patient, occurrence.id, "fee:heads-up", text, now, expires_at=deadline
    )


async def waived_row(s: Services, charge: Charge, therapist: Person) -> Planned | None:
    """The kind note that a fee was waived."""
    patient = await people.get_person(s.db, charge.patient_id)
    occurrence = await schedule_store.occurrence(s.db, charge.occurrence_id)
    if occurrence is None:
        return None
    with writing_for(patient.language):
        discreet = texts.FEE_WAIVED_PATIENT_DISCREET
        template = discreet if patient.discreet else texts.FEE_WAIVED_PATIENT
        text = template.format(
            therapist=therapist.name,
            fee=format_money(charge.amount, charge.currency),
            session=session_label(occurrence, s.zone_of(patient)),
        )
    now = s.clock.now()
    return await _patient_row(s, patient, occurrence.id, f"fee:waived:{charge.id}", text, now)


# --- the CSV for billing

FEES_HEADER = (
    "created_at",
    "session_date",
    "session_id",
    "patient",
    "patient_name",
    "payer",
    "reason",
    "amount",
    "currency",
    "waived_at",
    "waived_by",
    "waive_reason",
)


def _utc(moment: datetime | None) -> str:
    return "" if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _session_date(charge: Charge) -> date:
    return charge.session_starts_at.astimezone(ZoneInfo(charge.session_timezone)).date()


def render_fees_csv(charges: list[Charge]) -> str:
    """One row per charge (RFC 4180, CRLF); free text never reads as a formula."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(FEES_HEADER)
    writer.writerows(
        (
            _utc(c.created_at),
            _session_date(c).isoformat(),
            str(c.occurrence_id),
            c.patient_handle,
            _text_cell(c.patient_name),
            c.payer.value if c.payer else "",
            c.reason.value,
            f"{c.amount:.2f}",
            c.currency,
            _utc(c.waived_at),
            _text_cell(c.waived_by or ""),
            _text_cell(c.waive_reason or ""),
        )
        for c in charges
    )
    return buffer.getvalue()


@dataclass(frozen=True)
class FeesReport:
    first: date
    last: date
    rows: int
    csv: str


async def fees_report(db: Database, first: date, last: date, now: datetime) -> FeesReport:
    """Charges for sessions whose own local date is in ``[first, last]``; audited."""
    # Every zone is within 26 hours of every other: two days either side hold them all.
    start, end = local_day_bounds(first - timedelta(days=2), last + timedelta(days=2), UTC)
    charges = [
        c for c in await fee_store.ledger(db, start, end) if first <= _session_date(c) <= last
    ]
    await audit.record(
        db,
        at=now,
        actor_id=None,
        action=AuditAction.EXPORTED_FEES,
        detail=f"{first} to {last}, {len(charges)} charges",
    )
    text = await asyncio.to_thread(render_fees_csv, charges)
    return FeesReport(first, last, len(charges), text)
