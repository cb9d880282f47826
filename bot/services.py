"""What every use case needs, passed in (not module globals): config, database, clock,
the message reader and the notifier (the one door to the outbox)."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.config import Config
from bot.outbox.notifier import Notifier
from bot.timezones import zone_or
from bot.understanding.engine import MessageReader
from storage.db import Database
from storage.records import Person


@dataclass(frozen=True)
class Services:
    config: Config
    db: Database
    clock: Clock
    reader: MessageReader
    notifier: Notifier

    def zone_of(self, person: Person | None) -> ZoneInfo:
        """A person's own time zone, else the program's."""
        fallback = self.config.program.timezone
        return zone_or(person.timezone, fallback) if person else fallback
