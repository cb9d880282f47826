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
from bot.i18n import ENGLISH, writing_for
from bot.outbox.dispatcher import Dispatcher, DispatchReport, OutboxWakeup
from bot.outbox.notices import staff_alert
from bot.outbox.replan import replan
from bot.outbox.rows import Planned
from bot.timezones import zone_or
from storage import outbox as outbox_store
from storage import people
from storage.db import Database

log = logging.getLogger(__name__)


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
        """Re-plan (see ``bot.outbox.replan``) and move the wake-up to the next due row."""
        with writing_for(ENGLISH):  # each row is worded for its recipient, never the caller
            await replan(
                self._db, self._reminders, self._program_zone, self._clock.now(), patient_ids
            )
        await self._wakeup.refresh(self._db)

    async def alert(
        self,
        therapist_ids: Iterable[int],
        render: Callable[[ZoneInfo], str],
        *,
        patient_id: int | None,
        tag: str,
        due_at: datetime | None = None,
        buttons: list[list[dict[str, str]]]
        | Callable[[], list[list[dict[str, str]]]]
        | None = None,
        safety_event_id: int | None = None,
        priority: int | None = None,
    ) -> int:
        """Queue an alert for each therapist who has joined, in their own zone and language.

        ``render`` (and ``buttons``, when a callable) run in each therapist's language.
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
            zone = zone_or(therapist.timezone, self._program_zone)
            with writing_for(therapist.language):  # in their language, not the patient's
                text = render(zone)
                labelled = buttons() if callable(buttons) else buttons
            rows.append(
                staff_alert(
                    therapist_id=therapist_id,
                    chat_id=therapist.chat_id,
                    patient_id=patient_id,
                    tag=tag,
                    text=text,
                    due_at=due_at or now,
                    buttons=labelled,
                    safety_event_id=safety_event_id,
                    priority=priority,
                )
            )
        await self.enqueue(rows)
        return len(rows)

    async def wake(self) -> None:
        """Due times changed in the database: move the wake-up to the next due row."""
        await self._wakeup.refresh(self._db)

    async def enqueue(self, rows: Sequence[Planned]) -> None:
        if rows:
            await outbox_store.enqueue(self._db, rows, self._clock.now())
            await self._wakeup.refresh(self._db)

    async def run_due(self) -> DispatchReport:
        with writing_for(ENGLISH):  # as in a scheduler job, whoever calls it
            return await self.dispatcher.run_due()
