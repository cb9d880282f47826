"""Who is talking to the bot, decided once per update."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from storage.records import Person, PersonRole


class Role(StrEnum):
    THERAPIST = "therapist"
    PATIENT = "patient"
    BUDDY = "buddy"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Actor:
    role: Role
    person: Person | None = None

    @classmethod
    def of(cls, person: Person | None) -> Actor:
        if person is None:
            return cls(Role.UNKNOWN)
        role = Role.THERAPIST if person.role is PersonRole.THERAPIST else Role.PATIENT
        return cls(role, person)


UNKNOWN = Actor(Role.UNKNOWN)
