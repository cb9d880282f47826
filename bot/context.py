"""The typed context every handler receives: services plus the actor of this update."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from telegram.ext import Application, CallbackContext, ExtBot

from bot.clock import Clock
from bot.config import Config
from bot.outbox.notifier import Notifier
from bot.roles import UNKNOWN, Actor
from bot.services import Services
from bot.understanding.engine import Understanding
from storage.db import Database

SERVICES = "services"


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """One per update; ``actor`` is set by the first handler group and read by the rest."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)
        self.actor: Actor = UNKNOWN
        self.understanding: Understanding | None = None

    @property
    def services(self) -> Services:
        return self.application.bot_data[SERVICES]

    @property
    def db(self) -> Database:
        return self.services.db

    @property
    def clock(self) -> Clock:
        return self.services.clock

    @property
    def config(self) -> Config:
        return self.services.config

    @property
    def zone(self) -> ZoneInfo:
        """The time zone of whoever this update is from."""
        return self.services.zone_of(self.actor.person)

    @property
    def notifier(self) -> Notifier:
        return self.services.notifier
