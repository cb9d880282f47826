"""Telling a patient's care team: every staff alert goes through the outbox from here."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from zoneinfo import ZoneInfo

from bot.context import BotContext
from bot.notifier import staff_alert
from storage import people
from storage.records import Person

log = logging.getLogger(__name__)

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
    """Queue the alert for each registered therapist, rendered in their own time zone.

    ``tag`` names the event (e.g. ``absence:42``): the outbox sends one alert per event and
    therapist, even if the update that caused it is processed again after a crash.
    """
    now = context.clock.now()
    fallback = context.config.program.timezone
    rows = []
    for therapist_id in sorted(set(therapist_ids)):
        therapist = await people.get_person(context.db, therapist_id)
        if therapist.chat_id is None:
            log.warning("therapist %s has not joined; alert not delivered", therapist_id)
            continue
        zone = ZoneInfo(therapist.timezone) if therapist.timezone else fallback
        rows.append(
            staff_alert(
                therapist_id=therapist_id,
                chat_id=therapist.chat_id,
                patient_id=patient_id,
                tag=tag,
                text=render(zone),
                now=now,
            )
        )
    await context.notifier.enqueue(rows)
    return len(rows)
