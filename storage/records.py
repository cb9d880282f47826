"""Frozen dataclasses that the repository functions return (never rows or dicts)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from bot.kinds import Role, SessionKind


@dataclass(frozen=True)
class Person:
    id: int
    handle: str
    role: Role
    name: str
    therapist_id: int | None
    telegram_id: int | None
    chat_id: int | None
    timezone: str | None
    registered_at: datetime | None
    # Set when Telegram said they blocked the bot; cleared when they write again.
    unreachable_at: datetime | None = None
    preferred_name: str | None = None  # what the patient asked to be called
    discreet: bool = True  # first lines on a locked phone say only "your appointment"
    quiet: bool = True  # routine messages inside the quiet hours arrive silently
    language: str | None = None  # 'en' or 'es'; None: not chosen, their Telegram's is used

    @property
    def call_name(self) -> str:
        """How the bot addresses them: their chosen name, else their first name."""
        if self.preferred_name:
            return self.preferred_name
        words = self.name.split()
        return words[0] if words else self.name

    @property
    def is_registered(self) -> bool:
        return self.telegram_id is not None


class InviteStatus(StrEnum):
    VALID = "valid"
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"
    CLAIMED_BY_OTHER = "claimed_by_other"


@dataclass(frozen=True)
class InviteCheck:
    """What a code turned out to be; ``person`` is set for every status but UNKNOWN."""

    status: InviteStatus
    invite_id: int | None
    person: Person | None


@dataclass(frozen=True)
class Occurrence:
    id: int
    series_id: str
    kind: SessionKind
    title: str
    local_date: date
    starts_at: datetime
    ends_at: datetime
    timezone: str
    cancelled: bool
    link: str | None
    group_id: str | None
    group_name: str | None
    patient_handle: str | None
    patient_name: str | None
    therapist_id: int
    therapist_name: str
    # Bumped on every change of time or status; when that last happened (None: not known).
    revision: int = 0
    updated_at: datetime | None = None


@dataclass(frozen=True)
class ImportSummary:
    groups: int
    series: int
    cancels: int
    occurrences_added: int
    occurrences_changed: int
    occurrences_cancelled: int
    people_added: tuple[str, ...]


class AbsenceKind(StrEnum):
    UPCOMING = "upcoming"
    MISSED = "missed"


class AttendanceStatus(StrEnum):
    CONFIRMED = "confirmed"
    LATE = "late"
    ABSENT = "absent"
    PRESENT = "present"


@dataclass(frozen=True)
class AbsenceDraft:
    """A report being confirmed: which session (once known), the words, the reason if said."""

    patient_id: int
    kind: AbsenceKind
    original_text: str | None
    parsed: str | None
    reason: str | None
    occurrence_id: int | None
    created_at: datetime | None = None


@dataclass(frozen=True)
class Absence:
    id: int
    patient_id: int
    occurrence_id: int
    kind: AbsenceKind
    reason: str | None
    reason_text: str | None
    reported_at: datetime
    lead_minutes: int
