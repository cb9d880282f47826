"""The fee rules, without a database: when a missed session becomes a charge.

A charge for a patient's missed session is due when the session started (and was not
cancelled), they are marked absent, the clinic charges a fee, their payer may be charged,
the reschedule window has passed, and no make-up inside the window was attended. The window
ends ``reschedule_window_days`` later at the same wall-clock time in the session's zone, so a
DST change inside it neither shortens nor stretches it by an hour.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from bot.config import PolicyConfig
from bot.kinds import ChargeReason, Payer


def makeup_deadline(starts_at: datetime, zone: ZoneInfo, days: int) -> datetime:
    """The end of the reschedule window (UTC): same local time, ``days`` later."""
    local = starts_at.astimezone(zone)
    # Aware + timedelta is wall-clock arithmetic; converting back finds the right offset.
    return (local.replace(tzinfo=None) + timedelta(days=days)).replace(tzinfo=zone).astimezone(UTC)


def may_charge(payer: Payer | None, policy: PolicyConfig) -> bool:
    """Whether a fee can ever apply to this patient (and so whether to mention one).

    Medicaid members are never charged for a missed appointment (42 CFR 447.15); Medicare
    patients are, because the policy is the same for every patient; no payer set is charged.
    """
    return policy.no_show_fee > 0 and payer is not Payer.MEDICAID


def charge_reason(
    starts_at: datetime, reported_at: datetime | None, late_cancel_hours: int
) -> ChargeReason | None:
    """What kind of charge a missed session is, by the notice given; None: notice enough."""
    if reported_at is None or reported_at >= starts_at:
        return ChargeReason.NO_SHOW
    if starts_at - reported_at < timedelta(hours=late_cancel_hours):
        return ChargeReason.LATE_CANCEL
    return None


def due_charge(
    *,
    starts_at: datetime,
    zone: ZoneInfo,
    payer: Payer | None,
    reported_at: datetime | None,
    attended_makeups: tuple[datetime, ...],
    now: datetime,
    policy: PolicyConfig,
) -> ChargeReason | None:
    """The charge due now for one absence, or None (not yet, or never)."""
    if not may_charge(payer, policy):
        return None
    deadline = makeup_deadline(starts_at, zone, policy.reschedule_window_days)
    if now < deadline:
        return None
    # Any attended make-up booked for this miss counts, even one earlier the same day (a
    # late cancellation made up before the session it replaces).
    if any(makeup <= deadline for makeup in attended_makeups):
        return None
    return charge_reason(starts_at, reported_at, policy.late_cancel_hours)


def balance(amounts: list[tuple[Decimal, bool]]) -> Decimal:
    """The sum of the charges that are not waived (amount, waived)."""
    return sum((amount for amount, waived in amounts if not waived), Decimal("0"))
