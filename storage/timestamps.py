"""Timestamps are stored as UTC text that sorts and compares correctly: 2026-11-30T23:00:00Z."""

from datetime import UTC, datetime

_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def to_db(moment: datetime) -> str:
    """Format an aware datetime for storage; naive datetimes are a bug."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime given to storage")
    return moment.astimezone(UTC).strftime(_FORMAT)


def from_db(text: str) -> datetime:
    return datetime.strptime(text, _FORMAT).replace(tzinfo=UTC)


def from_db_optional(text: str | None) -> datetime | None:
    return None if text is None else from_db(text)
