"""Who is talking to the bot, decided once per update."""

from __future__ import annotations

from dataclasses import dataclass

from bot.kinds import Role
from storage.records import Person


@dataclass(frozen=True)
class Actor:
    role: Role
    person: Person | None = None

    @classmethod
    def of(cls, person: Person | None) -> Actor:
        if person is None:
            return cls(Role.UNKNOWN)
        return cls(person.role, person)


UNKNOWN = Actor(Role.UNKNOWN)
