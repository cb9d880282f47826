"""What the clinic's attendance policy means for one absence, in plain words."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from bot.config import PolicyConfig
from bot.i18n import texts

_SYMBOLS = {"USD": "$", "CAD": "CA$", "AUD": "A$", "EUR": "€", "GBP": "£"}


def format_money(amount: Decimal, currency: str) -> str:
    symbol = _SYMBOLS.get(currency.upper())
    return f"{symbol}{amount:.2f}" if symbol else f"{amount:.2f} {currency}"


def absence_policy_note(
    lead: timedelta, policy: PolicyConfig, *, deadline: str = "", chargeable: bool = True
) -> str | None:
    """The fee rule that applies to an absence reported ``lead`` before the session starts.

    ``lead`` is negative when the patient tells us after the start (a missed session);
    ``deadline`` is when a make-up must have happened by ("Thu 10 Dec, 6:00 pm").
    Nothing is said when the clinic charges no fee, the patient may not be charged (a
    Medicaid member: ``chargeable`` False) or the notice was early enough.
    """
    if policy.no_show_fee <= 0 or not chargeable:
        return None
    fee = format_money(policy.no_show_fee, policy.currency)
    if lead <= timedelta(0):
        return texts.POLICY_MISSED.format(fee=fee, deadline=deadline)
    if lead < timedelta(hours=policy.late_cancel_hours):
        return texts.POLICY_LATE_CANCEL.format(
            hours=policy.late_cancel_hours, fee=fee, deadline=deadline
        )
    return None


def describe_lead(lead: timedelta) -> str:
    """'2 days ahead', '5 hours ahead', '40 minutes after it started'."""
    minutes = abs(int(lead.total_seconds())) // 60
    if minutes >= 2 * 24 * 60:
        amount = f"{minutes // (24 * 60)} days"
    elif minutes >= 2 * 60:
        amount = f"{minutes // 60} hours"
    elif minutes >= 60:
        amount = "1 hour"
    else:
        amount = f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{amount} ahead" if lead >= timedelta(0) else f"{amount} after it started"
