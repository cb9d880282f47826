"""Reminder buddies: a patient invites and ends links; a friend accepts, declines or stops.

Every change re-plans the patient's buddy nudges. What each side is told is the handler's
business; these return what happened.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.i18n import current_language
from bot.invites import hash_code, new_code
from bot.kinds import Role
from bot.services import Services
from storage import buddies as buddy_store
from storage import people
from storage.buddies import Buddy, BuddyEndedBy, BuddyStatus
from storage.records import Person

INVITATION_VALID_FOR = timedelta(days=14)


def link_secret(code_hash: str) -> str:
    """The part of an invitation's hash its yes/no buttons carry: a guessed id is not enough."""
    return code_hash[:16]


async def invite_buddy(s: Services, patient: Person) -> str:
    """Create an invitation; returns the one-time code for the friend's link."""
    now = s.clock.now()
    code = new_code()
    await buddy_store.create_buddy_invite(
        s.db, patient_id=patient.id, code_hash=hash_code(code), now=now,
        expires_at=now + INVITATION_VALID_FOR,
    )  # fmt: skip
    return code


async def end_buddy_as_patient(s: Services, patient: Person, buddy_id: int) -> Buddy | None:
    """End one of the patient's own links; None if it is not theirs. The buddy is returned
    (with ``ended`` meaning it was live until now) so the handler can tell them."""
    buddy = await buddy_store.get_buddy(s.db, buddy_id)
    if buddy is None or buddy.patient_id != patient.id:
        return None
    if await buddy_store.end_buddy(s.db, buddy.id, BuddyEndedBy.PATIENT, s.clock.now()):
        await s.notifier.replan([patient.id])
    return buddy


@dataclass(frozen=True)
class Invitation:
    buddy: Buddy
    patient: Person
    secret: str


async def open_invitation(s: Services, code: str, role: Role) -> Invitation | str:
    """The invitation behind a friend's link, or why it cannot be used
    ("unknown", "not_for_you", "used")."""
    code_hash = hash_code(code)
    buddy = await buddy_store.find_buddy_invite(s.db, code_hash)
    if buddy is None:
        return "unknown"
    if role in (Role.PATIENT, Role.THERAPIST):
        return "not_for_you"
    if buddy.status is not BuddyStatus.INVITED or buddy.expires_at <= s.clock.now():
        return "used"
    patient = await people.get_person(s.db, buddy.patient_id)
    return Invitation(buddy, patient, link_secret(code_hash))


async def answer_invitation(
    s: Services,
    buddy_id: int,
    secret: str,
    role: Role,
    *,
    accept: bool,
    telegram_id: int,
    chat_id: int,
    name: str,
) -> Person | None:
    """Accept or decline; returns the patient, or None if the invitation cannot be answered
    (used, expired, a wrong secret, or the one answering is a patient or therapist)."""
    buddy = await buddy_store.get_buddy(s.db, buddy_id)
    if buddy is None or role not in (Role.UNKNOWN, Role.BUDDY):
        return None
    code_hash = await buddy_store.buddy_code_hash(s.db, buddy.id)
    if buddy.status is not BuddyStatus.INVITED or code_hash is None:
        return None
    if link_secret(code_hash) != secret:
        return None
    patient = await people.get_person(s.db, buddy.patient_id)
    now = s.clock.now()
    if not accept:
        await buddy_store.decline_buddy(s.db, buddy.id, now)
        return patient
    accepted = await buddy_store.accept_buddy(
        s.db, buddy.id, telegram_id=telegram_id, chat_id=chat_id, name=name,
        timezone=patient.timezone or s.config.program.timezone.key, now=now,
        language=current_language(),  # the buddy's own, not the patient's
    )  # fmt: skip
    if accepted is None:
        return None
    await s.notifier.replan([patient.id])
    return patient


async def stop_being_a_buddy(s: Services, telegram_id: int) -> list[tuple[Buddy, Person]] | None:
    """End every link in which this person is the buddy; returns the (link, patient) pairs
    ended, or None if they are nobody's buddy."""
    links = await buddy_store.buddy_links_of(s.db, telegram_id)
    if not links:
        return None
    ended = []
    for link in links:
        if await buddy_store.end_buddy(s.db, link.id, BuddyEndedBy.BUDDY, s.clock.now()):
            await s.notifier.replan([link.patient_id])
            ended.append((link, await people.get_person(s.db, link.patient_id)))
    return ended
