"""One-time invite codes: 128 random bits, shown once, stored only as a hash."""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot import callbacks
from bot.errors import InviteError
from bot.kinds import Payer, Role
from bot.memberships import joined_at
from bot.schedule.file import HANDLE_PATTERN
from storage import fees, people
from storage.records import Person

if TYPE_CHECKING:
    from storage.db import Database

CODE_BYTES = 16  # 128 bits
# Telegram deep-link payloads allow A-Z, a-z, 0-9, _ and - (up to 64 characters).
CODE_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


@dataclass(frozen=True)
class IssuedInvite:
    person: Person
    code: str
    expires_at: datetime

    def link(self, bot_username: str) -> str:
        return f"https://t.me/{bot_username}?start={self.code}"


MAX_NAME = 80  # what a greeting, an alert and a button label can carry


def reasonable_name(name: str, limit: int = MAX_NAME) -> bool:
    """A name that fits a greeting: one line, printable, 1 to ``limit`` characters."""
    stripped = name.strip()
    printable = all(unicodedata.category(ch)[0] != "C" for ch in stripped)
    return 0 < len(stripped) <= limit and printable


def new_code() -> str:
    """A fresh one-time code; never one that reads as a buddy link (``b-…``)."""
    while True:
        code = secrets.token_urlsafe(CODE_BYTES)
        if not code.startswith(callbacks.BUDDY_LINK):
            return code


def hash_code(code: str) -> str:
    """SHA-256 is enough: the codes have 128 bits of entropy, so nothing can be guessed."""
    return hashlib.sha256(code.encode("ascii", "replace")).hexdigest()


def slugify(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40].strip("-")
    return slug or "person"


async def issue_invite(
    db: Database,
    *,
    role: Role,
    now: datetime,
    valid_for: timedelta,
    handle: str | None = None,
    name: str | None = None,
    therapist: str | None = None,
    groups: tuple[str, ...] = (),
    since: date | None = None,
    payer: Payer | None = None,
    language: str | None = None,
) -> IssuedInvite:
    """Create (or refresh) the person and a one-time code for them.

    A patient joins ``groups`` now, or from the start of ``since`` in each group's zone (a
    clinic importing a patient who has been coming for a while)."""
    if not handle and not name:
        raise InviteError("give --handle or --name (or both)")
    if name is not None and not reasonable_name(name):
        raise InviteError(
            f"--name must be 1 to {MAX_NAME} characters on one line (no control characters)"
        )
    handle = (handle or slugify(name or "")).lower()
    if not HANDLE_PATTERN.match(handle):
        raise InviteError(f"handle {handle!r} must be lowercase letters, digits, '-' or '_'")
    existing = await people.find_by_handle(db, handle)
    if existing and existing.role != role:
        raise InviteError(f"{handle!r} is already a {existing.role}, not a {role}")
    if existing and existing.is_registered:
        raise InviteError(f"{handle!r} has already joined; no new invite is needed")
    therapist_id, joins = None, {}
    if role is Role.PATIENT:
        therapist_id = await _therapist_id(db, therapist, existing)
        zones = await people.group_zones(db, groups)
        missing = sorted(set(groups) - set(zones))
        if missing:
            raise InviteError(
                f"no group {missing[0]!r}: import the schedule that defines it first"
            )
        joins = {group: joined_at(since, ZoneInfo(zones[group]), now) for group in groups}
    elif therapist or groups or since or payer:
        raise InviteError("--therapist, --group, --since and --payer are only for patients")
    code = new_code()
    expires_at = now + valid_for
    person = await people.save_invite(
        db,
        handle=handle,
        role=role,
        name=name or (existing.name if existing else handle),
        therapist_id=therapist_id,
        joins=joins,
        dated=since is not None,
        code_hash=hash_code(code),
        now=now,
        expires_at=expires_at,
        language=language,
    )
    if payer is not None:
        await fees.set_payer(db, person.id, payer, now)
    return IssuedInvite(person, code, expires_at)


async def _therapist_id(db: Database, handle: str | None, existing: Person | None) -> int:
    if handle is None:
        if existing and existing.therapist_id:
            return existing.therapist_id
        raise InviteError("a patient needs --therapist HANDLE")
    therapist = await people.find_by_handle(db, handle)
    if therapist is None or therapist.role is not Role.THERAPIST:
        raise InviteError(f"no therapist with handle {handle!r}: invite them first")
    return therapist.id
