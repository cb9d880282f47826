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

import functools
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot import callbacks
from bot.i18n import texts, worded
from bot.outbox.rows import Priority
from bot.services import Services
from bot.usecases.care_team import alert_care_team, care_team, quote, therapist_name
from storage import buddies as buddy_store
from storage import people
from storage import safety as safety_store
from storage.records import Person
from storage.safety import SafetyEvent, SafetyLevel

log = logging.getLogger(__name__)

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


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]


class Told(StrEnum):
    """Who an alert reached, so the patient is told the truth."""

    CARE_TEAM = "care_team"
    ON_CALL = "on_call"  # nobody on the care team can be reached
    NOBODY = "nobody"


async def _alert_team_or_on_call(
    s: Services,
    event: SafetyEvent,
    patient: Person,
    render: Callable[[], str],
    *,
    tag: str,
    **options: Any,
) -> Told:
    """Alert the care team, or the on-call therapists when nobody on it can be reached.
    Nobody at all is an error someone must see in the log. ``render`` runs in each
    therapist's language."""
    options.setdefault("buttons", functools.partial(_take_button, event.id))
    if await alert_care_team(
        s, patient, lambda _: render(), tag=tag, priority=Priority.SAFETY, **options
    ):
        return Told.CARE_TEAM
    if await s.notifier.alert(
        await on_call_ids(s), lambda _: render(), patient_id=patient.id, tag=tag,
        priority=Priority.SAFETY, **options,
    ):  # fmt: skip
        return Told.ON_CALL
    log.error("safety event %s: no therapist can be reached (care team or on call)", event.id)
    return Told.NOBODY


async def _plan_alerts(
    s: Services, event: SafetyEvent, patient: Person, text: str, alert_at: datetime
) -> Told:
    """The urgent alert at ``alert_at``, then the escalation rounds; returns who the first
    alert is for."""
    words = quote(text)
    template = "ALERT_CRISIS" if event.level is SafetyLevel.URGENT else "ALERT_SAFETY_URGENT"
    told = await _alert_team_or_on_call(
        s, event, patient, worded(template, patient=patient.name, text=words),
        tag=f"safety:{event.id}:alert", due_at=alert_at, safety_event_id=event.id,
    )  # fmt: skip
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
            buttons=functools.partial(_take_button, event.id),
            safety_event_id=event.id,
            priority=Priority.SAFETY,
        )
    return told


@dataclass(frozen=True)
class Raised:
    event: SafetyEvent
    asked: bool  # a safety check is open: the patient is asked "Are you safe right now?"
    told: Told  # who is alerted now (NOBODY for a check: its alert waits for the answer)


async def respond_to_crisis(s: Services, patient: Person, text: str, *, urgent: bool) -> Raised:
    """Crisis words from a patient.

    A new worrying message while an earlier event is still unsettled (no "I'm safe", nobody
    on it) belongs to that event: it becomes urgent now and the new words go to the team at
    once. Otherwise urgent words open an urgent event (alert now, rounds after), and possible
    ones a safety check (the alert waits ``check_timeout`` for the patient's answer).
    """
    now = s.clock.now()
    every = s.config.safety.escalate_after
    live = await safety_store.live_event(s.db, patient.id, now - every * ESCALATION_ROUNDS)
    if live is not None:
        await safety_store.make_urgent(
            s.db, live.id, now, every, "another worrying message", patient.id
        )
        told = await _alert_team_or_on_call(
            s, live, patient,
            lambda: texts.ALERT_CRISIS.format(patient=patient.name, text=quote(text)),
            tag=f"safety:{live.id}:more:{_digest(text)}",
        )  # fmt: skip
        await s.notifier.wake()
        return Raised(live, asked=False, told=told)
    level = SafetyLevel.URGENT if urgent else SafetyLevel.CHECK
    event = await safety_store.open_event(
        s.db, patient.id, level, text, now, s.config.safety.pause_after_crisis
    )
    alert_at = now if urgent else now + s.config.safety.check_timeout
    told = await _plan_alerts(s, event, patient, text, alert_at)
    return Raised(event, asked=not urgent, told=told if urgent else Told.NOBODY)


class Answer:
    SAFE = "safe"
    HELP = "help"


async def answer_safety_check(
    s: Services, patient: Person, event_id: int, answer: str
) -> Told | None:
    """The patient's "I'm safe" (the care team gets a calm note, the waiting alert is
    withdrawn) or "I need help now" (an alert goes now, whatever happened before: a timed
    alert already sent, a therapist already on it). Returns who was told; None if the event
    is not theirs, or "I'm safe" comes when the check is no longer open."""
    event = await safety_store.get_event(s.db, event_id)
    if event is None or event.patient_id != patient.id:
        return None
    now = s.clock.now()
    if answer == Answer.SAFE:
        if not await safety_store.answer_safe(s.db, event_id, patient.id, now):
            return None
        told = await alert_care_team(
            s,
            patient,
            lambda _: texts.ALERT_SAFETY_SAFE.format(
                patient=patient.name, text=quote(event.message)
            ),
            tag=f"safety:{event_id}:safe",
        )
        return Told.CARE_TEAM if told else Told.NOBODY
    await safety_store.make_urgent(
        s.db, event_id, now, s.config.safety.escalate_after, "patient answered: help", patient.id
    )
    help_now = worded("ALERT_SAFETY_HELP", patient=patient.name, text=quote(event.message))
    told = await _alert_team_or_on_call(s, event, patient, help_now, tag=f"safety:{event_id}:help")
    await s.notifier.wake()
    return told


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


async def keep_worry(s: Services, buddy_telegram_id: int, text: str) -> list[tuple[int, Person]]:
    """Keep a buddy's worried words once per patient they support; returns (worry, patient)."""
    kept = []
    for link in await buddy_store.buddy_links_of(s.db, buddy_telegram_id):
        worry_id = await buddy_store.keep_worry(s.db, link.id, text, s.clock.now())
        kept.append((worry_id, await people.get_person(s.db, link.patient_id)))
    return kept


async def pass_on_worry(s: Services, buddy_telegram_id: int, worry_id: int) -> bool:
    """Pass a buddy's kept worry to that patient's care team, once; False if it is not this
    person's (as an active buddy) or was passed on already."""
    taken = await buddy_store.take_worry(s.db, worry_id, buddy_telegram_id, s.clock.now())
    if taken is None:
        return False
    text, link = taken
    patient = await people.get_person(s.db, link.patient_id)
    alert = worded("ALERT_BUDDY_WORRY", patient=patient.name, buddy=link.name or "?",
                           text=quote(text))  # fmt: skip
    await alert_care_team(
        s, patient, lambda _: alert(), tag=f"worry:{worry_id}", priority=Priority.SAFETY
    )
    return True


async def paused_until(s: Services, patient: Person) -> datetime | None:
    """Until when the patient gets no routine reminders or cheerful replies after a crisis."""
    return await safety_store.paused_until(s.db, patient.id, s.clock.now())


async def lift_pause(s: Services, therapist: Person, patient: Person) -> bool:
    """The patient's therapist (or one on call) lifts the pause; False if not theirs or none."""
    if therapist.id not in care_team(patient) | set(await on_call_ids(s)):
        return False
    lifted = await safety_store.lift_pause(s.db, patient.id, therapist.id, s.clock.now())
    if lifted:
        await s.notifier.replan([patient.id])
    return lifted
