"""Telling a patient's care team: the one place staff alerts leave the bot."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from zoneinfo import ZoneInfo

from bot.context import BotContext
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
    context: BotContext, therapist_ids: Iterable[int], render: Callable[[ZoneInfo], str]
) -> int:
    """Send each registered therapist the alert rendered in their own time zone."""
    sent = 0
    fallback = context.config.program.timezone
    for therapist_id in sorted(set(therapist_ids)):
        therapist = await people.get_person(context.db, therapist_id)
        if therapist.chat_id is None:
            log.warning("therapist %s has not joined; alert not delivered", therapist_id)
            continue
        zone = ZoneInfo(therapist.timezone) if therapist.timezone else fallback
        await context.bot.send_message(therapist.chat_id, render(zone))
        sent += 1
    return sent
