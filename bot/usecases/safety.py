"""The safety net: a crisis gets an urgent alert someone must take; a possible crisis gets
"Are you safe right now?", and no answer, "I need help now" or another worrying message turn
it urgent.

Every step is an outbox row tied to a safety event, planned when the event opens: the urgent
alert (due now, or when the safety check times out) and the escalation rounds to the on-call
therapists (every ``escalate_after``). Rows still waiting when the event is settled (the patient
said they are safe, or a therapist pressed "I'm on it") are withdrawn at send time, so a
restart or a crash never loses an escalation and never sends a settled one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot import callbacks, texts
from bot.outbox.rows import Priority
from bot.services import Services
from bot.usecases.absences import keep_unplaced_message
from bot.usecases.care_team import alert_care_team, care_team, quote, therapist_name
from storage import absences, people
from storage import buddies as buddy_store
from storage import safety as safety_store
from storage.records import Person
from storage.safety import SafetyEvent, SafetyLevel, SafetyStatus

# Escalation goes round this many times (every ``escalate_after``), then stops: with the
# default 15 minutes, on-call therapists are asked again for three hours.
ESCALATION_ROUNDS = 12


def _take_button(event_id: int) -> list[list[dict[str, str]]]:
    return [
        [{"text": texts.SAFETY_TAKE_BUTTON, "callback_data": f"{callbacks.SAFETY_TAKE}{event_id}"}]
    ]


async def on_call_ids(s: Services) -> list[int]:
    """The on-call therapists named in the config who exist (joined or not)."""
    found = []
    for handle in s.config.safety.on_call:
        person = await people.find_by_handle(s.db, handle)
        if person is not None and person.role.value == "therapist":
            found.append(person.id)
    return found


async def _plan_alerts(
    s: Services, event: SafetyEvent, patient: Person, text: str, alert_at: datetime
) -> None:
    """The urgent alert to the care team at ``alert_at``, then the escalation rounds."""
    words = quote(text)
    await alert_care_team(
        s,
        patient,
        lambda _: (
            texts.ALERT_CRISIS.format(patient=patient.name, text=words)
            if event.level is SafetyLevel.URGENT
            else texts.ALERT_SAFETY_URGENT.format(patient=patient.name, text=words)
        ),
        tag=f"safety:{event.id}:alert",
        due_at=alert_at,
        buttons=_take_button(event.id),
        safety_event_id=event.id,
        priority=Priority.SAFETY,
    )
    every = s.config.safety.escalate_after
    # Nobody on call: the care team is asked again, so the alert is never left to one message.
    targets = await on_call_ids(s) or sorted(care_team(patient))
    therapist = await therapist_name(s, patient)
    for round_ in range(1, ESCALATION_ROUNDS + 1):
        minutes = int(every.total_seconds() // 60) * round_
        await s.notifier.alert(
            targets,
            lambda _, minutes=minutes: texts.ALERT_SAFETY_ESCALATION.format(
                minutes=minutes, patient=patient.name, therapist=therapist, text=words
            ),
            patient_id=patient.id,
            tag=f"safety:{event.id}:round:{round_}",
            due_at=alert_at + every * round_,
            buttons=_take_button(event.id),
            safety_event_id=event.id,
            priority=Priority.SAFETY,
        )


async def _escalate_open_check(s: Services, patient: Person) -> SafetyEvent | None:
    """Another worrying message while a safety check waits: that check is urgent now."""
    now = s.clock.now()
    check = await safety_store.open_check(s.db, patient.id, now - s.config.safety.check_timeout)
    if check is not None:
        await safety_store.escalate_check(
            s.db, check.id, now, s.config.safety.escalate_after, "another worrying message"
        )
    return check


async def raise_urgent(s: Services, patient: Person, text: str) -> SafetyEvent:
    """Crisis wording: the care team is alerted now, on-call after ``escalate_after``."""
    check = await _escalate_open_check(s, patient)
    if check is not None:
        return check
    now = s.clock.now()
    event = await safety_store.open_event(s.db, patient.id, SafetyLevel.URGENT, text, now)
    await _plan_alerts(s, event, patient, text, now)
    return event


async def ask_if_safe(s: Services, patient: Person, text: str) -> tuple[SafetyEvent, bool]:
    """Possible crisis wording: the patient is asked, and the urgent alert waits for their
    answer (due at ``check_timeout``). Returns the event and whether it is already urgent
    (a second worrying message while a check was open)."""
    check = await _escalate_open_check(s, patient)
    if check is not None:
        return check, True
    now = s.clock.now()
    event = await safety_store.open_event(s.db, patient.id, SafetyLevel.CHECK, text, now)
    await _plan_alerts(s, event, patient, text, now + s.config.safety.check_timeout)
    return event, False


class Answer:
    SAFE = "safe"
    HELP = "help"


async def answer_safety_check(s: Services, patient: Person, event_id: int, answer: str) -> bool:
    """The patient's "I'm safe" (the care team gets a calm note, the alert is withdrawn) or
    "I need help now" (the alert goes now). False if the check is not theirs or is settled."""
    now = s.clock.now()
    status = SafetyStatus.SAFE if answer == Answer.SAFE else SafetyStatus.URGENT
    answered = await safety_store.answer_check(
        s.db, event_id, patient.id, status, now, s.config.safety.escalate_after
    )
    if answered and status is SafetyStatus.SAFE:
        event = await safety_store.get_event(s.db, event_id)
        note = texts.ALERT_SAFETY_SAFE.format(patient=patient.name, text=quote(event.message))
        await alert_care_team(s, patient, lambda _: note, tag=f"safety:{event_id}:safe")
    return answered


@dataclass(frozen=True)
class Taken:
    event: SafetyEvent | None
    by_me: bool  # False: someone else had taken it (``taker`` says who) or it is not mine
    taker: str | None = None
    allowed: bool = True


async def take_event(s: Services, therapist: Person, event_id: int) -> Taken:
    """A therapist presses "I'm on it": the first one is recorded and the others told."""
    event = await safety_store.get_event(s.db, event_id)
    if event is None:
        return Taken(None, False, allowed=False)
    patient = await people.get_person(s.db, event.patient_id)
    allowed = care_team(patient) | set(await on_call_ids(s))
    if therapist.id not in allowed:
        return Taken(event, False, allowed=False)
    if not await safety_store.acknowledge(s.db, event_id, therapist.id, s.clock.now()):
        event = await safety_store.get_event(s.db, event_id)
        taker = await people.get_person(s.db, event.acknowledged_by)
        return Taken(event, False, taker.name)
    others = allowed - {therapist.id}
    await s.notifier.alert(
        others,
        lambda _: texts.SAFETY_TAKEN_NOTICE.format(therapist=therapist.name, patient=patient.name),
        patient_id=patient.id,
        tag=f"safety:{event_id}:taken",
        priority=Priority.SAFETY,
    )
    return Taken(event, True, therapist.name)


async def pass_on_worry(s: Services, buddy_telegram_id: int, note_id: int) -> bool:
    """A buddy's worried message goes to the care team of the patient the note names, if
    this person is that patient's active buddy. False if not (or already passed on)."""
    links = await buddy_store.buddy_links_of(s.db, buddy_telegram_id)
    for link in links:
        text = await _take_note(s, note_id, link.patient_id)
        if text is None:
            continue
        patient = await people.get_person(s.db, link.patient_id)
        alert = texts.ALERT_BUDDY_WORRY.format(
            patient=patient.name, buddy=link.name or "?", text=quote(text)
        )
        await alert_care_team(
            s,
            patient,
            lambda _, alert=alert: alert,
            tag=f"worry:{note_id}",
            priority=Priority.SAFETY,
        )
        return True
    return False


async def keep_worry(s: Services, buddy_telegram_id: int, text: str) -> list[tuple[int, Person]]:
    """Keep a buddy's worried words once per patient they support; returns (note, patient)."""
    kept = []
    for link in await buddy_store.buddy_links_of(s.db, buddy_telegram_id):
        patient = await people.get_person(s.db, link.patient_id)
        kept.append((await keep_unplaced_message(s, patient, text), patient))
    return kept


async def _take_note(s: Services, note_id: int, patient_id: int) -> str | None:
    return await absences.take_note_to_forward(s.db, note_id, patient_id, s.clock.now())
