"""The one door to the outbox for handlers, jobs and the CLI.

Handlers never send alerts themselves: they enqueue rows here, and the dispatcher sends
them (merged, rate-limited, retried, recorded). After every change the single wake-up job
is moved to the next due row.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.config import RemindersConfig
from bot.outbox.dispatcher import PLAN_HORIZON, Dispatcher, DispatchReport, OutboxWakeup, replan
from bot.outbox.notices import change_notices
from bot.outbox.planning import NotificationKind, Planned, person_event
from bot.prompts import attendance_prompts
from storage import outbox as outbox_store
from storage import people, roster
from storage.db import Database

log = logging.getLogger(__name__)


def staff_alert(
    *, therapist_id: int, chat_id: int, patient_id: int | None, tag: str, text: str, now: datetime
) -> Planned:
    """An alert for one therapist; ``tag`` makes it unique (the same event alerts once)."""
    return person_event(
        NotificationKind.STAFF_ALERT,
        person_id=therapist_id,
        chat_id=chat_id,
        variant=tag,
        payload={"text": text},
        due_at=now,
        patient_id=patient_id,
    )


class Notifier:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        reminders: RemindersConfig,
        program_zone: ZoneInfo,
        dispatcher: Dispatcher,
        wakeup: OutboxWakeup,
    ) -> None:
        self._db, self._clock, self._reminders = db, clock, reminders
        self._program_zone = program_zone
        self.dispatcher = dispatcher
        self._wakeup = wakeup

    async def start(self) -> None:
        """After a restart: put in-flight rows back, re-plan everyone, wake at the next row."""
        await self.dispatcher.start()
        await self.replan()

    async def replan(self, patient_ids: Iterable[int] | None = None) -> None:
        """Re-derive reminders, check-ins and nudges (everyone, or just these patients).

        A full re-plan also queues the therapists' end-of-session attendance prompts.
        """
        now = self._clock.now()
        ids = frozenset(patient_ids) if patient_ids is not None else None
        await replan(self._db, self._reminders, now, ids)
        if ids is None:
            ending = await roster.sessions_ending(self._db, now, now + PLAN_HORIZON)
            rows = attendance_prompts(ending, self._program_zone)
            rows += await change_notices(self._db, now)
            await outbox_store.enqueue(self._db, rows, now)
        await self._wakeup.refresh(self._db)

    async def alert(
        self,
        therapist_ids: Iterable[int],
        render: Callable[[ZoneInfo], str],
        *,
        patient_id: int | None,
        tag: str,
    ) -> int:
        """Queue an alert for each therapist who has joined, in their own time zone.

        ``tag`` names the event (``absence:42``): one alert per event and therapist, even if
        what caused it is processed again after a crash. Returns how many were queued.
        """
        now = self._clock.now()
        rows = []
        for therapist_id in sorted(set(therapist_ids)):
            therapist = await people.get_person(self._db, therapist_id)
            if therapist.chat_id is None:
                log.warning("therapist %s has not joined; alert not delivered", therapist_id)
                continue
            zone = ZoneInfo(therapist.timezone) if therapist.timezone else self._program_zone
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
        await self.enqueue(rows)
        return len(rows)

    async def enqueue(self, rows: Sequence[Planned]) -> None:
        if rows:
            await outbox_store.enqueue(self._db, rows, self._clock.now())
            await self._wakeup.refresh(self._db)

    async def run_due(self) -> DispatchReport:
        return await self.dispatcher.run_due()
