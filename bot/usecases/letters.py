"""Attendance letters: a patient asks, their own therapist approves (perhaps for another
period) or declines, and every letter issued is audited with its SHA-256.

The request lives in ``letters`` (``storage.letters``), so a restart loses nothing; every
decision is a compare-and-set on it, so a second press or another therapist changes nothing.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from datetime import date, datetime

from bot import callbacks
from bot.attendance.letter import LetterFacts, letter_facts, render_pdf
from bot.attendance.summary import count_marks
from bot.config import Config
from bot.i18n import texts, writing_for
from bot.kinds import AuditAction, Role
from bot.labels import local_day_bounds
from bot.outbox.rows import NotificationKind, person_event
from bot.services import Services
from bot.timezones import zone_or
from storage import audit, conversations, people
from storage import letters as letter_store
from storage import reports as report_store
from storage.db import Database
from storage.letters import Letter, LetterStatus
from storage.records import Person

# Who asked, when the command line makes a letter.
ADMIN = "the clinic's administrator (command line)"


@dataclass(frozen=True)
class MadeLetter:
    facts: LetterFacts
    pdf: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.pdf).hexdigest()


@dataclass(frozen=True)
class Issued:
    letter: Letter
    patient: Person
    made: MadeLetter


async def make_letter(
    db: Database,
    config: Config,
    patient: Person,
    *,
    therapist_name: str,
    recipient: str,
    first: date,
    last: date,
    now: datetime,
) -> MadeLetter:
    """Read one patient's attendance for the local days ``first``..``last`` and draw the PDF
    in the patient's language."""
    with writing_for(patient.language):
        zone = zone_or(patient.timezone, config.program.timezone)
        start, end = local_day_bounds(first, last, zone)
        marks = [
            m
            for m in await report_store.patient_marks(db, patient.id, now)
            if start <= m.starts_at < end
        ]
        times = await letter_store.session_times(db, [m.occurrence_id for m in marks])
        program = config.program
        facts = letter_facts(
            marks,
            times,
            first=first,
            last=last,
            zone=zone,
            now=now,
            clinic_name=program.clinic_name or program.name,
            clinic_contact=program.clinic_contact,
            patient_name=patient.name,
            therapist_name=therapist_name,
            recipient=recipient,
        )
        # Drawing takes about 0.2 s (1 s with fpdf2's first import): off the event loop.
        return MadeLetter(facts, await asyncio.to_thread(render_pdf, facts, now))


def audit_detail(
    letter_id: int | None, asked_by: str, recipient: str, first: date, last: date, sha256: str
) -> str:
    """The audit line's detail: who asked, for whom, the period and the PDF's hash."""
    which = f"letter {letter_id}" if letter_id is not None else "letter"
    return (
        f"{which} asked by {asked_by}, for {recipient}, {first.isoformat()} to "
        f"{last.isoformat()}, sha256 {sha256}"
    )


async def record_cli_letter(
    db: Database, patient: Person, made: MadeLetter, now: datetime
) -> None:
    """A letter the command line made: audited with no actor (the command line)."""
    facts = made.facts
    await audit.record(
        db,
        at=now,
        actor_id=None,
        action=AuditAction.LETTER_ISSUED,
        patient_id=patient.id,
        detail=audit_detail(None, ADMIN, facts.recipient, facts.first, facts.last, made.sha256),
    )


async def therapist_of(s: Services, patient: Person) -> Person | None:
    if patient.therapist_id is None:
        return None
    therapist = await people.get_person(s.db, patient.therapist_id)
    return therapist if therapist.role is Role.THERAPIST else None


async def start_request(s: Services, patient: Person) -> int | None:
    """A new draft; None when the patient has no therapist to approve it."""
    therapist = await therapist_of(s, patient)
    if therapist is None:
        return None
    return await letter_store.start_draft(s.db, patient.id, therapist.id, s.clock.now())


async def choose_recipient(s: Services, patient: Person, letter_id: int, recipient: str) -> bool:
    return await letter_store.set_recipient(s.db, letter_id, patient.id, recipient)


async def open_draft(s: Services, patient: Person) -> Letter | None:
    return await letter_store.open_draft(s.db, patient.id)


async def drop_drafts(s: Services, patient: Person) -> None:
    await letter_store.drop_drafts(s.db, patient.id)


async def awaiting_text(s: Services, therapist: Person, what: str) -> Letter | None:
    return await letter_store.awaiting_text(s.db, therapist.id, what)


async def submit_request(
    s: Services, patient: Person, letter_id: int, first: date, last: date
) -> Person | None:
    """Send the patient's draft to their therapist; returns the therapist, None if stale."""
    therapist = await therapist_of(s, patient)
    if therapist is None:
        return None
    draft = await letter_store.get_letter(s.db, letter_id)
    if draft is None or draft.therapist_id != therapist.id:
        return None
    if not await letter_store.submit(s.db, letter_id, patient.id, first, last, s.clock.now()):
        return None
    zone = zone_or(patient.timezone, s.config.program.timezone)
    start, end = local_day_bounds(first, last, zone)
    now = s.clock.now()
    counts = count_marks(
        await report_store.patient_marks(s.db, patient.id, now), start, min(end, now)
    )

    def text(_: object) -> str:  # in the therapist's language
        return texts.ALERT_LETTER_REQUEST.format(
            patient=patient.name,
            recipient=texts.LETTER_RECIPIENTS[draft.recipient or "other"].lower(),
            first=first.isoformat(),
            last=last.isoformat(),
            attended=counts.attended,
            missed=counts.missed,
            unmarked=counts.unmarked,
        )

    def buttons() -> list[list[dict[str, str]]]:
        return [
            [{"text": label, "callback_data": f"{prefix}{letter_id}"}]
            for label, prefix in review_buttons()
        ]

    await s.notifier.alert(
        [therapist.id], text, patient_id=patient.id, tag=f"letter:{letter_id}",
        buttons=buttons,
    )  # fmt: skip
    return therapist


def review_buttons() -> tuple[tuple[str, str], ...]:
    return (
        (texts.LETTER_APPROVE, callbacks.LETTER_APPROVE),
        (texts.LETTER_CHANGE, callbacks.LETTER_CHANGE),
        (texts.LETTER_DECLINE, callbacks.LETTER_DECLINE),
    )


async def pending_for(s: Services, therapist: Person, letter_id: int) -> Letter | None:
    """The request if it is pending and this therapist's to decide, else None."""
    letter = await letter_store.get_letter(s.db, letter_id)
    if letter is None or letter.status is not LetterStatus.PENDING:
        return None
    if letter.therapist_id != therapist.id:
        return None
    patient = await people.get_person(s.db, letter.patient_id)
    if patient.therapist_id != therapist.id or patient.role is not Role.PATIENT:
        return None
    return letter


async def approve(
    s: Services,
    therapist: Person,
    letter_id: int,
    period: tuple[date, date] | None = None,
) -> Issued | None:
    """Make the letter (for ``period`` when the therapist changed it), record it as issued
    and audit it; None when the request is not this therapist's pending one any more."""
    letter = await pending_for(s, therapist, letter_id)
    if letter is None or letter.first_day is None or letter.last_day is None:
        return None
    first, last = period or (letter.first_day, letter.last_day)
    patient = await people.get_person(s.db, letter.patient_id)
    now = s.clock.now()
    recipient = letter.recipient or "other"
    made = await make_letter(
        s.db, s.config, patient, therapist_name=therapist.name, recipient=recipient,
        first=first, last=last, now=now,
    )  # fmt: skip
    detail = audit_detail(letter.id, patient.name, recipient, first, last, made.sha256)
    if not await letter_store.issue(
        s.db, letter.id, therapist.id, first, last, made.sha256, now,
        AuditAction.LETTER_ISSUED, detail,
    ):  # fmt: skip
        return None
    issued = await letter_store.get_letter(s.db, letter.id)
    return Issued(issued or letter, patient, made)


async def wait_for_text(
    s: Services, therapist: Person, letter_id: int, what: str
) -> Letter | None:
    """The therapist pressed "Change the period" or "Decline": their next text is for it."""
    letter = await pending_for(s, therapist, letter_id)
    if letter is None:
        return None
    await conversations.forget_typed_answers(s.db, therapist.id)
    if not await letter_store.await_text(s.db, letter_id, therapist.id, what):
        return None
    return letter


async def decline(
    s: Services, therapist: Person, letter_id: int, note: str | None
) -> Person | None:
    """Decline the request and queue a kind message to the patient; returns the patient."""
    letter = await pending_for(s, therapist, letter_id)
    if letter is None:
        return None
    note = " ".join(note.split())[:500] if note else None
    now = s.clock.now()
    if not await letter_store.decline(s.db, letter_id, therapist.id, note, now):
        return None
    patient = await people.get_person(s.db, letter.patient_id)
    if patient.chat_id is not None:
        with writing_for(patient.language):
            template = texts.LETTER_DECLINED_NOTE if note else texts.LETTER_DECLINED
        row = person_event(
            NotificationKind.NOTICE,
            person_id=patient.id,
            chat_id=patient.chat_id,
            variant=f"letter:{letter_id}:declined",
            payload={"text": template.format(therapist=therapist.name, note=note)},
            due_at=now,
            patient_id=patient.id,
        )
        await s.notifier.enqueue([row])
    return patient
