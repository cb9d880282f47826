"""Fees as people meet them: the policy note after an absence, /fees, and a therapist
waiving a charge with a reason (audited, the patient told kindly)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.attendance.fees import balance, makeup_deadline, may_charge
from bot.attendance.ledger import deadline_label, reason_label, waived_row
from bot.attendance.policy import absence_policy_note, format_money
from bot.i18n import texts
from bot.kinds import Payer
from bot.labels import short_day
from bot.services import Services
from bot.usecases.care_team import therapist_name
from storage import conversations, people
from storage import fees as fee_store
from storage.fees import Charge
from storage.records import Occurrence, Person

MAX_WAIVE_REASON = 200


async def fee_policy_note(
    s: Services, patient: Person, occurrence: Occurrence, lead: timedelta
) -> str | None:
    """What the policy means for this absence, with the date a make-up must be by; nothing
    for a patient who may not be charged."""
    policy = s.config.policy
    payer = await fee_store.payer_of(s.db, patient.id)
    deadline = makeup_deadline(
        occurrence.starts_at, ZoneInfo(occurrence.timezone), policy.reschedule_window_days
    )
    return absence_policy_note(
        lead,
        policy,
        deadline=deadline_label(deadline, s.zone_of(patient)),
        chargeable=may_charge(payer, policy),
    )


def _money(s: Services, charges: list[Charge]) -> str:
    """The open balance, one amount per currency ("$25.00 + €10.00")."""
    currencies = list(dict.fromkeys(c.currency for c in charges)) or [s.config.policy.currency]
    return " + ".join(
        format_money(balance([(c.amount, c.waived) for c in charges if c.currency == cur]), cur)
        for cur in currencies
    )


async def patient_fees_text(s: Services, patient: Person) -> str:
    """/fees: the balance and what each charge is for, in the patient's own zone."""
    charges = await fee_store.patient_charges(s.db, patient.id)
    payer = await fee_store.payer_of(s.db, patient.id)
    if payer is Payer.MEDICAID:  # never told a fee may apply (their old charges are waived)
        return texts.FEES_NOT_CHARGED
    if not charges:
        return texts.FEES_NONE if may_charge(payer, s.config.policy) else texts.FEES_NOT_CHARGED
    zone = s.zone_of(patient)
    hours = s.config.policy.late_cancel_hours
    lines = [texts.FEES_HEADER.format(balance=_money(s, charges))]
    for charge in charges:
        template = texts.FEES_LINE_WAIVED if charge.waived else texts.FEES_LINE
        lines.append(
            template.format(
                day=short_day(charge.session_starts_at.astimezone(zone)),
                what=reason_label(charge.reason, hours),
                fee=format_money(charge.amount, charge.currency),
            )
        )
    lines += ["", texts.FEES_FOOTER.format(therapist=await therapist_name(s, patient))]
    return "\n".join(lines)


def can_waive(therapist: Person, charge: Charge) -> bool:
    """The patient's own therapist, or the one who leads the missed session."""
    return therapist.id in (charge.patient_therapist_id, charge.session_therapist_id)


@dataclass(frozen=True)
class StaffFees:
    text: str
    waivable: list[Charge]


async def staff_fees(s: Services, therapist: Person, patient: Person) -> StaffFees:
    """A patient's charges as their therapist sees them, and those this therapist may waive."""
    charges = await fee_store.patient_charges(s.db, patient.id)
    if not charges:
        return StaffFees(texts.FEES_STAFF_NONE.format(name=patient.name), [])
    zone = s.zone_of(therapist)
    hours = s.config.policy.late_cancel_hours
    lines = [texts.FEES_STAFF_HEADER.format(name=patient.name, balance=_money(s, charges))]
    for charge in charges:
        day = short_day(charge.session_starts_at.astimezone(zone))
        what = reason_label(charge.reason, hours)
        fee = format_money(charge.amount, charge.currency)
        if charge.waived:
            lines.append(
                texts.FEES_STAFF_LINE_WAIVED.format(
                    day=day,
                    what=what,
                    fee=fee,
                    by=charge.waived_by or "",
                    reason=charge.waive_reason,
                )
            )
        else:
            lines.append(texts.FEES_STAFF_LINE.format(day=day, what=what, fee=fee))
    waivable = [c for c in charges if not c.waived and can_waive(therapist, c)]
    return StaffFees("\n".join(lines), waivable)


async def has_charges(s: Services, patient: Person) -> bool:
    return bool(await fee_store.patient_charges(s.db, patient.id))


def charge_day(s: Services, therapist: Person, charge: Charge) -> str:
    return short_day(charge.session_starts_at.astimezone(s.zone_of(therapist)))


async def ask_waive_reason(s: Services, therapist: Person, charge_id: int) -> Charge | None:
    """Remember that the therapist's next text is the reason; None if they may not waive it."""
    charge = await fee_store.get_charge(s.db, charge_id)
    if charge is None or charge.waived or not can_waive(therapist, charge):
        return None
    await conversations.forget_typed_answers(s.db, therapist.id)
    if not await fee_store.wait_for_reason(s.db, charge.id, therapist.id):
        return None
    return charge


def reasonable_reason(text: str) -> str | None:
    """A waive reason: one line, 1 to 200 characters once trimmed; None if not."""
    reason = text.strip()
    if not reason or "\n" in reason or "\r" in reason or len(reason) > MAX_WAIVE_REASON:
        return None
    return reason


async def waive_after_correction(
    s: Services, patient_id: int, occurrence_id: int, therapist_id: int, reason: str
) -> bool:
    """A charge made before the facts changed is taken back: the mark was corrected (no
    longer "absent"), or a make-up marked late turned out attended. Waived in the name of
    the therapist who marked it, with ``reason``, audited."""
    charge = next(
        (c for c in await fee_store.patient_charges(s.db, patient_id)
         if c.occurrence_id == occurrence_id and not c.waived),
        None,
    )  # fmt: skip
    if charge is None:
        return False
    therapist = await people.get_person(s.db, therapist_id)
    money = format_money(charge.amount, charge.currency)
    detail = f"charge {charge.id}: {money}, {reason} (session {charge.occurrence_id})"
    if not await fee_store.waive(s.db, charge, therapist.id, reason, detail, s.clock.now()):
        return False
    row = await waived_row(s, charge, therapist)
    if row is not None:
        await s.notifier.enqueue([row])
    return True


async def waive_awaited(
    s: Services, therapist: Person, reason: str
) -> tuple[Charge, Person] | None:
    """Waive the charge the therapist was asked a reason for; the patient is told kindly."""
    charge_id = await fee_store.awaiting_reason(s.db, therapist.id)
    charge = await fee_store.get_charge(s.db, charge_id) if charge_id is not None else None
    if charge is None or charge.waived or not can_waive(therapist, charge):
        return None
    # The reason stays with the charge (``iop-bot forget`` removes it); the trail says what.
    detail = (
        f"charge {charge.id}: {charge.reason.value}"
        f" {format_money(charge.amount, charge.currency)} for session {charge.occurrence_id}"
    )
    if not await fee_store.waive(s.db, charge, therapist.id, reason, detail, s.clock.now()):
        return None
    row = await waived_row(s, charge, therapist)
    if row is not None:
        await s.notifier.enqueue([row])
    return charge, await people.get_person(s.db, charge.patient_id)
