"""Joining and leaving groups, with dates, for the command line and invites.

A date given by an admin is a day in the group's own zone: joining "since 2026-11-02" starts
at midnight that day; "last day 2026-12-18" ends at midnight after it.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.errors import MembershipError
from bot.kinds import Role
from storage import memberships, people
from storage.db import Database
from storage.memberships import Membership
from storage.records import Person


def day_start(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)


def joined_at(since: date | None, zone: ZoneInfo, now: datetime) -> datetime:
    """When a membership starts: now, or the start of ``since`` in the group's zone."""
    return now if since is None else day_start(since, zone)


async def add_member(
    db: Database, handle: str, group_id: str, since: date | None, now: datetime
) -> Person:
    """Make a patient a member of a group from now or ``since``; with ``since``, an open
    membership's start is corrected, without it an existing member stays as they are."""
    patient, zone = await _patient_and_zone(db, handle, group_id)
    try:
        await memberships.add(
            db, group_id, patient.id, joined_at(since, zone, now), correct_date=since is not None
        )
    except MembershipError as error:
        raise MembershipError(f"{handle}: {error}") from None
    return patient


async def remove_member(
    db: Database, handle: str, group_id: str, last_day: date | None, now: datetime
) -> Person:
    """End a patient's membership now, or after ``last_day`` (their last day in the group)."""
    patient, zone = await _patient_and_zone(db, handle, group_id)
    left_at = now if last_day is None else day_start(last_day + timedelta(days=1), zone)
    try:
        await memberships.leave(db, group_id, patient.id, left_at)
    except MembershipError as error:
        raise MembershipError(f"{handle}: {error}") from None
    return patient


async def list_members(db: Database, handle: str | None, group_id: str | None) -> list[Membership]:
    patient_id = None
    if handle is not None:
        patient_id = (await _patient(db, handle)).id
    if group_id is not None and not await people.group_zones(db, [group_id]):
        raise MembershipError(f"no group {group_id!r}")
    return await memberships.memberships(db, patient_id=patient_id, group_id=group_id)


async def _patient(db: Database, handle: str) -> Person:
    person = await people.find_by_handle(db, handle)
    if person is None or person.role != Role.PATIENT:
        raise MembershipError(f"no patient {handle!r}")
    return person


async def _patient_and_zone(db: Database, handle: str, group_id: str) -> tuple[Person, ZoneInfo]:
    patient = await _patient(db, handle)
    zones = await people.group_zones(db, [group_id])
    if group_id not in zones:
        raise MembershipError(f"no group {group_id!r}: import the schedule that defines it first")
    return patient, ZoneInfo(zones[group_id])
