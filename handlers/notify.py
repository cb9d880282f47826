"""Telling a patient's care team: every staff alert goes through the outbox from here."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from zoneinfo import ZoneInfo

from bot.context import BotContext
from storage.records import Person

QUOTE_LIMIT = 1000  # keep alerts well under Telegram's 4,096 characters


def quote(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= QUOTE_LIMIT else text[: QUOTE_LIMIT - 1] + "…"


def care_team(patient: Person, *extra_therapist_ids: int | None) -> set[int]:
    """The patient's own therapist and, where different, whoever leads the session."""
    return {i for i in (patient.therapist_id, *extra_therapist_ids) if i is not None}


async def alert_staff(
    context: BotContext,
    therapist_ids: Iterable[int],
    render: Callable[[ZoneInfo], str],
    *,
    patient_id: int | None,
    tag: str,
) -> int:
    """Queue the alert for the care team (see ``Notifier.alert``)."""
    return await context.notifier.alert(therapist_ids, render, patient_id=patient_id, tag=tag)
