"""Joining with an invite: a therapist at once, a patient after consent and a time zone."""

from __future__ import annotations

from bot.i18n import current_language
from bot.invites import CODE_PATTERN, hash_code, reasonable_name
from bot.services import Services
from storage import people
from storage.records import InviteCheck, InviteStatus, Person

NAME_LIMIT = 40  # what fits in a greeting


async def check_invite(s: Services, code: str, telegram_id: int) -> InviteCheck:
    """What an invite code is (unknown, used, expired, or whose it is)."""
    if not CODE_PATTERN.match(code):
        return InviteCheck(InviteStatus.UNKNOWN, None, None)
    return await people.check_invite(s.db, hash_code(code), telegram_id, s.clock.now())


async def enrol_therapist(
    s: Services, check: InviteCheck, telegram_id: int, chat_id: int
) -> Person | None:
    """Register a therapist (no consent step); None if the invite was taken meanwhile."""
    person = await people.register(
        s.db, invite_id=check.invite_id, telegram_id=telegram_id, chat_id=chat_id,
        timezone=s.config.program.timezone.key, now=s.clock.now(), consented=False,
        language=current_language(),
    )  # fmt: skip
    if person is not None:
        await s.notifier.replan()  # their end-of-session attendance prompts
    return person


async def hold_patient_invite(s: Services, check: InviteCheck, telegram_id: int) -> bool:
    """Hold the invite for this Telegram user while they answer consent and time zone; any
    other invite they held is let go, so one person holds one invite."""
    return await people.claim_invite(s.db, check.invite_id, telegram_id)


async def held_invite(s: Services, telegram_id: int) -> int | None:
    """The invite this user holds (the last link they opened), if it is still usable."""
    claim = await people.claimed_invite(s.db, telegram_id, s.clock.now())
    return claim.invite_id if claim is not None else None


async def let_go_of_invite(s: Services, telegram_id: int) -> None:
    """No consent, or /cancel: the invite is free for its owner again."""
    await people.release_invite(s.db, telegram_id)


async def enrol_patient(s: Services, telegram_id: int, chat_id: int, zone: str) -> Person | None:
    """Register the patient who consented, in their zone, and plan their reminders; None if
    the invite they held is gone."""
    now = s.clock.now()
    claim = await people.claimed_invite(s.db, telegram_id, now)
    if claim is None:
        return None
    person = await people.register(
        s.db, invite_id=claim.invite_id, telegram_id=telegram_id, chat_id=chat_id,
        timezone=zone, now=now, consented=True, language=current_language(),
    )  # fmt: skip
    if person is not None:
        if not s.config.reminders.discreet:
            await people.set_discreet(s.db, person.id, False)
            person = await people.get_person(s.db, person.id)
        await s.notifier.replan([person.id])
    return person


async def person_of(s: Services, telegram_id: int) -> Person | None:
    return await people.find_by_telegram_id(s.db, telegram_id)


async def choose_name(s: Services, person: Person, name: str) -> Person | None:
    """Use the name the patient chose; None if it is not a usable name (one short line)."""
    name = " ".join(name.split())
    if not reasonable_name(name, limit=NAME_LIMIT):
        return None
    await people.set_preferred_name(s.db, person.id, name)
    return await people.get_person(s.db, person.id)
