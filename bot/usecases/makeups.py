"""The ways back from a missed session: a make-up seat, a catch-up half hour with the
therapist, or asking the therapist for another time.

Every booking is checked again when it is made (the session is still the patient's to
make up, the seat or slot is still free, the time is inside the reschedule window and
clashes with none of the patient's sessions); nothing is ever half-booked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot import callbacks
from bot.attendance.fees import makeup_deadline
from bot.i18n import ENGLISH, texts, texts_for, writing_for
from bot.labels import format_clock, session_label, short_day, staff_session_label
from bot.outbox.rows import NotificationKind, person_event
from bot.services import Services
from bot.understanding.engine import NewTime
from bot.usecases.care_team import alert_care_team, quote, therapist_name
from storage import absences, conversations, people
from storage import makeups as store
from storage import schedule as schedule_store
from storage.makeups import Booked, CatchupSlot, RequestStatus, RescheduleRequest
from storage.records import AttendanceStatus, Occurrence, Person

SEATS_OFFERED = 3
SLOTS_OFFERED = 2
# A session the therapist agrees on is at most this long (a missed 3-hour group is made up
# in an hour with the therapist, not three).
AGREED_SESSION_LENGTH = timedelta(hours=1)
NOTE_LIMIT = 300  # a therapist's note on a declined request: a line or two

# A session's title is stored once for everyone (like the schedule file's titles): English.
STORED_TITLES = texts_for(ENGLISH)


@dataclass(frozen=True)
class Offer:
    """What a patient can choose for one missed session."""

    missed: Occurrence
    seats: tuple[Occurrence, ...]
    slots: tuple[CatchupSlot, ...]
    booked: Occurrence | None  # already made up by this booked session


class Outcome(StrEnum):
    BOOKED = "booked"
    FULL = "full"  # the seat or slot went meanwhile
    ALREADY = "already"  # this missed session already has a booking
    GONE = "gone"  # no longer bookable (started, cancelled, removed)
    OUT_OF_WINDOW = "out_of_window"
    CLASH = "clash"  # overlaps another of the patient's sessions
    PAST = "past"
    NOT_MISSED = "not_missed"  # not a session this patient missed or will miss


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    occurrence: Occurrence | None = None  # the booked session


async def missed_session(s: Services, patient: Person, occurrence_id: int) -> Occurrence | None:
    """A session of this patient that they missed or said they will miss."""
    booking = await store.booking_for_session(s.db, patient.id, occurrence_id)
    if booking is not None:  # a make-up they miss too: it is still the first one to make up
        occurrence_id = booking.missed_occurrence_id
    occurrence = await schedule_store.patient_occurrence(s.db, patient.id, occurrence_id)
    if occurrence is None or occurrence.cancelled:
        return None
    status = await absences.attendance_status(s.db, patient.id, occurrence.id)
    return occurrence if status is AttendanceStatus.ABSENT else None


async def is_made_up(s: Services, patient: Person, occurrence: Occurrence) -> bool:
    """Whether a make-up is already booked for this session (or it is itself one)."""
    missed = await missed_session(s, patient, occurrence.id)
    if missed is None:
        return False
    await store.release_dead_bookings(s.db, patient.id, missed.id, s.clock.now())
    return await store.live_booking(s.db, patient.id, missed.id) is not None


def window_end(s: Services, missed: Occurrence) -> datetime:
    """The end of the reschedule window, the same as the fee rules' (wall-clock days in the
    session's zone): a make-up that starts then still counts."""
    days = s.config.policy.reschedule_window_days
    return makeup_deadline(missed.starts_at, ZoneInfo(missed.timezone), days)


async def offer(s: Services, patient: Person, missed: Occurrence) -> Offer:
    """Make-up seats and the therapist's free catch-up slots inside the reschedule window,
    none clashing with the patient's own sessions."""
    now, until = s.clock.now(), window_end(s, missed)
    await store.release_dead_bookings(s.db, patient.id, missed.id, now)
    booking = await store.live_booking(s.db, patient.id, missed.id)
    if booking is not None:
        booked = await schedule_store.occurrence(s.db, booking.occurrence_id)
        return Offer(missed, (), (), booked)
    if until <= now:
        return Offer(missed, (), (), None)
    # A day past the window's end: a session starting right at the end can still clash.
    busy = await schedule_store.patient_occurrences(
        s.db, patient.id, now, until + timedelta(days=1)
    )
    seats = []
    for seat in await store.makeup_seats(s.db, patient.id, missed.kind, now, until):
        if not _clashes(seat.starts_at, seat.ends_at, busy) and len(seats) < SEATS_OFFERED:
            seats.append(await schedule_store.occurrence(s.db, seat.occurrence_id))
    slots = []
    if patient.therapist_id is not None:
        for slot in await store.free_slots(s.db, patient.therapist_id, now, until):
            if not _clashes(slot.starts_at, slot.ends_at, busy) and len(slots) < SLOTS_OFFERED:
                slots.append(slot)
    return Offer(missed, tuple(seats), tuple(slots), None)


async def offer_message(
    s: Services, patient: Person, missed: Occurrence
) -> tuple[str, list[list[dict[str, str]]]]:
    """What is open to make up ``missed``: a line of text and its buttons."""
    found = await offer(s, patient, missed)
    zone = s.zone_of(patient)
    therapist = await therapist_name(s, patient)
    if found.booked is not None:
        label = moment_label(found.booked.starts_at, zone)
        return texts.MAKEUP_ALREADY.format(session=label), []
    until = moment_label(window_end(s, missed), zone)
    template = texts.MAKEUP_OFFER if found.seats or found.slots else texts.MAKEUP_OFFER_NONE
    return template.format(until=until, therapist=therapist), offer_buttons(found, zone, therapist)


def offer_buttons(offer: Offer, zone: tzinfo, therapist: str) -> list[list[dict[str, str]]]:
    """One button per seat and slot, then "Ask my therapist"; none once it is booked."""
    if offer.booked is not None:
        return []
    missed = offer.missed.id
    rows = [
        _button(
            f"{moment_label(seat.starts_at, zone)} · {seat.title}",
            f"{callbacks.MAKEUP_SEAT}{missed}:{seat.id}",
        )
        for seat in offer.seats
    ]
    rows += [
        _button(
            texts.MAKEUP_SLOT_BUTTON.format(
                therapist=therapist, when=moment_label(slot.starts_at, zone)
            ),
            f"{callbacks.MAKEUP_SLOT}{missed}:{slot.id}",
        )
        for slot in offer.slots
    ]
    rows.append(_button(texts.MAKEUP_ASK_BUTTON, f"{callbacks.MAKEUP_ASK}{missed}"))
    return rows


def _clashes(start: datetime, end: datetime, busy: list[Occurrence]) -> bool:
    return any(o.starts_at < end and start < o.ends_at for o in busy)


async def _check_time(
    s: Services, patient: Person, missed: Occurrence, start: datetime, end: datetime
) -> Outcome | None:
    """Why a session at ``start``-``end`` cannot make up ``missed``, or None if it can."""
    now = s.clock.now()
    if start <= now:
        return Outcome.PAST
    if start > window_end(s, missed):
        return Outcome.OUT_OF_WINDOW
    busy = await schedule_store.patient_occurrences(s.db, patient.id, start, end)
    if _clashes(start, end, [o for o in busy if o.id != missed.id]):
        return Outcome.CLASH
    return None


async def book_seat(
    s: Services, patient: Person, missed_id: int, occurrence_id: int, *, override: bool = False
) -> Result:
    """Take a make-up seat (``override``: the therapist approved a session outside the
    make-up rules)."""
    missed = await missed_session(s, patient, missed_id)
    seat = await schedule_store.occurrence(s.db, occurrence_id)
    if missed is None:
        return Result(Outcome.NOT_MISSED)
    if seat is None or seat.cancelled or (not override and seat.kind is not missed.kind):
        return Result(Outcome.GONE)
    problem = await _check_time(s, patient, missed, seat.starts_at, seat.ends_at)
    if problem is not None:
        return Result(problem)
    booked, _ = await store.book_seat(
        s.db, patient_id=patient.id, occurrence_id=seat.id, missed_occurrence_id=missed.id,
        now=s.clock.now(), override=override,
    )  # fmt: skip
    return await _after_booking(s, patient, missed, booked, seat)


async def book_slot(s: Services, patient: Person, missed_id: int, slot_id: int) -> Result:
    """Book one of the patient's therapist's catch-up slots."""
    missed = await missed_session(s, patient, missed_id)
    if missed is None:
        return Result(Outcome.NOT_MISSED)
    if patient.therapist_id is None:
        return Result(Outcome.GONE)
    slot = next(
        (x for x in await store.therapist_slots(s.db, patient.therapist_id, s.clock.now())
         if x.id == slot_id),
        None,
    )  # fmt: skip
    if slot is None or slot.booked:
        return Result(Outcome.GONE if slot is None else Outcome.FULL)
    problem = await _check_time(s, patient, missed, slot.starts_at, slot.ends_at)
    if problem is not None:
        return Result(problem)
    booked, booking = await store.book_slot(
        s.db, slot_id=slot.id, therapist_id=patient.therapist_id, patient_id=patient.id,
        missed_occurrence_id=missed.id, title=STORED_TITLES.CATCHUP_SESSION_TITLE,
        now=s.clock.now(),
    )  # fmt: skip
    if booked is Booked.GONE:  # taken between the list and the booking
        return Result(Outcome.FULL)
    session = await schedule_store.occurrence(s.db, booking.occurrence_id) if booking else None
    return await _after_booking(s, patient, missed, booked, session)


async def _after_booking(
    s: Services, patient: Person, missed: Occurrence, booked: Booked, session: Occurrence | None
) -> Result:
    if booked is not Booked.BOOKED:
        outcome = {Booked.FULL: Outcome.FULL, Booked.ALREADY: Outcome.ALREADY}.get(
            booked, Outcome.GONE
        )
        return Result(outcome)
    booking = await store.live_booking(s.db, patient.id, missed.id)
    await store.close_requests(s.db, patient.id, missed.id, booking.id, s.clock.now())
    await s.notifier.replan([patient.id])  # reminders and buddy nudges for the new session
    await alert_care_team(
        s,
        patient,
        lambda zone: texts.ALERT_MAKEUP_BOOKED.format(
            patient=patient.name,
            missed=staff_session_label(missed, zone),
            session=staff_session_label(session, zone),
        ),
        tag=f"makeup:{patient.id}:{missed.id}:{session.id}",
        session_therapist_id=session.therapist_id,
    )
    return Result(Outcome.BOOKED, session)


# --- asking the therapist


class Asked(StrEnum):
    SENT = "sent"
    ALREADY = "already"  # a request for this session is waiting for an answer
    NO_THERAPIST = "no_therapist"
    NOT_MISSED = "not_missed"
    BOOKED = "booked"  # already made up by a booked session


async def remember_words(
    s: Services, patient: Person, missed: Occurrence, text: str, asked: NewTime
) -> None:
    """Keep what the patient wrote while they look at the options (for "Ask my therapist")."""
    if patient.therapist_id is None:
        return
    starts_at = await _asked_start(s, patient, missed, asked)
    await store.draft_request(
        s.db, patient_id=patient.id, therapist_id=patient.therapist_id,
        missed_occurrence_id=missed.id, asked_text=text, asked_starts_at=starts_at,
        now=s.clock.now(),
    )  # fmt: skip


async def _asked_start(
    s: Services, patient: Person, missed: Occurrence, asked: NewTime
) -> datetime | None:
    """The moment the patient's words ask for: a day and a time, or the session of the
    missed one's kind on the day they named."""
    if asked.day is None:
        return None
    zone = s.zone_of(patient)
    if asked.time is not None:
        return datetime.combine(asked.day, asked.time, tzinfo=zone)
    start = datetime.combine(asked.day, datetime.min.time(), tzinfo=zone)
    sessions = await schedule_store.occurrences_between(
        s.db, start, start + timedelta(days=1), include_cancelled=False
    )
    return next((o.starts_at for o in sessions if _joinable(o, missed)), None)


def _joinable(session: Occurrence, missed: Occurrence) -> bool:
    """A session a patient may be approved into instead of ``missed``: a group's session of
    the same kind (never another patient's own session)."""
    return session.group_id is not None and session.kind is missed.kind and session.id != missed.id


async def ask_therapist(
    s: Services, patient: Person, missed_id: int
) -> tuple[Asked, RescheduleRequest | None]:
    """Send the request (with the patient's words, if they wrote some) to their therapist."""
    missed = await missed_session(s, patient, missed_id)
    if missed is None:
        return Asked.NOT_MISSED, None
    if patient.therapist_id is None:
        return Asked.NO_THERAPIST, None
    if await store.live_booking(s.db, patient.id, missed.id) is not None:
        return Asked.BOOKED, None
    waiting = await store.patient_request(
        s.db, patient.id, missed.id, RequestStatus.OPEN, RequestStatus.PROPOSED
    )
    if waiting is not None:
        return Asked.ALREADY, waiting
    request = await store.patient_request(s.db, patient.id, missed.id, RequestStatus.DRAFT)
    if request is None:  # no words of theirs: "Ask my therapist" from the buttons alone
        request = await store.draft_request(
            s.db, patient_id=patient.id, therapist_id=patient.therapist_id,
            missed_occurrence_id=missed.id, asked_text=None, asked_starts_at=None,
            now=s.clock.now(),
        )  # fmt: skip
    now = s.clock.now()
    if not await store.update_request(
        s.db, request.id, expect=(RequestStatus.DRAFT,), now=now, status=RequestStatus.OPEN
    ):
        return Asked.ALREADY, None
    await _alert_request(
        s, patient, missed, request, "ALERT_MAKEUP_REQUEST", f"makeup-request:{request.id}"
    )
    return Asked.SENT, request


def _button(text: str, data: str) -> list[dict[str, str]]:
    return [{"text": text, "callback_data": data}]


def moment_label(moment: datetime, zone: tzinfo) -> str:
    local = moment.astimezone(zone)
    return f"{short_day(local)}, {format_clock(local)}"


async def _alert_request(
    s: Services,
    patient: Person,
    missed: Occurrence,
    request: RescheduleRequest,
    template: str,
    tag: str,
) -> None:
    """The request (or the patient's answer to a proposal) with the therapist's buttons;
    ``template`` names the text, worded in the therapist's language."""

    def buttons() -> list[list[dict[str, str]]]:
        rows = []
        if request.asked_starts_at is not None:
            rows.append(_button(texts.REQUEST_APPROVE, f"{callbacks.REQUEST_APPROVE}{request.id}"))
        rows.append(_button(texts.REQUEST_PROPOSE, f"{callbacks.REQUEST_PROPOSE}{request.id}"))
        rows.append(_button(texts.REQUEST_DECLINE, f"{callbacks.REQUEST_DECLINE}{request.id}"))
        return rows

    def render(zone: tzinfo) -> str:
        asked = request.asked_starts_at
        return getattr(texts, template).format(
            patient=patient.name,
            session=staff_session_label(missed, zone),
            asked=texts.REQUEST_ASKED_FOR.format(when=moment_label(asked, zone)) if asked else "",
            words=f"\n“{quote(request.asked_text)}”" if request.asked_text else "",
        )

    await s.notifier.alert(
        [request.therapist_id], render, patient_id=patient.id, tag=tag, buttons=buttons
    )


async def _tell_patient(
    s: Services, patient: Person, text: str, tag: str, buttons: list | None = None
) -> None:
    if patient.chat_id is None:
        return
    payload: dict[str, object] = {"text": text}
    if buttons:
        payload["buttons"] = buttons
    await s.notifier.enqueue(
        [
            person_event(
                NotificationKind.NOTICE, person_id=patient.id, chat_id=patient.chat_id,
                variant=tag, payload=payload, due_at=s.clock.now(),
            )
        ]
    )  # fmt: skip


# --- the therapist's answer


@dataclass(frozen=True)
class Decision:
    """What became of a therapist's answer: ``outcome`` None means it was not theirs to
    give (another therapist's request, or one already answered or withdrawn)."""

    outcome: Outcome | None
    patient: Person | None = None
    occurrence: Occurrence | None = None
    when: datetime | None = None


async def _own_request(
    s: Services, therapist: Person, request_id: int, *states: RequestStatus
) -> RescheduleRequest | None:
    request = await store.get_request(s.db, request_id)
    if request is None or request.therapist_id != therapist.id or request.status not in states:
        return None
    return request


async def approve_as_asked(s: Services, therapist: Person, request_id: int) -> Decision:
    """Book what the patient asked for: a seat at the session of that kind at that time,
    or else a session with the therapist then."""
    request = await _own_request(s, therapist, request_id, RequestStatus.OPEN)
    if request is None or request.asked_starts_at is None:
        return Decision(None)
    patient = await patient_of(s, request)
    at = request.asked_starts_at
    sessions = await schedule_store.occurrences_between(
        s.db, at, at + timedelta(minutes=1), include_cancelled=False
    )
    missed = await schedule_store.occurrence(s.db, request.missed_occurrence_id)
    if await store.live_booking(s.db, patient.id, request.missed_occurrence_id) is not None:
        return Decision(Outcome.ALREADY, patient)
    seat = next((o for o in sessions if missed and _joinable(o, missed)), None)
    if seat is not None:
        result = await book_seat(s, patient, request.missed_occurrence_id, seat.id, override=True)
    else:
        result = await _book_agreed(s, patient, request, at)
    return await _settle(s, patient, request, result, RequestStatus.OPEN)


async def _book_agreed(
    s: Services, patient: Person, request: RescheduleRequest, at: datetime
) -> Result:
    missed = await missed_session(s, patient, request.missed_occurrence_id)
    if missed is None:
        return Result(Outcome.NOT_MISSED)
    end = at + min(AGREED_SESSION_LENGTH, missed.ends_at - missed.starts_at)
    problem = await _check_time(s, patient, missed, at, end)
    if problem is not None:
        return Result(problem)
    booked, booking = await store.book_new_session(
        s.db, request_id=request.id, therapist_id=request.therapist_id, patient_id=patient.id,
        missed_occurrence_id=missed.id, title=STORED_TITLES.MAKEUP_SESSION_TITLE,
        starts_at=at,
        ends_at=end, zone=s.zone_of(patient).key, now=s.clock.now(),
    )  # fmt: skip
    session = await schedule_store.occurrence(s.db, booking.occurrence_id) if booking else None
    return await _after_booking(s, patient, missed, booked, session)


async def _settle(
    s: Services,
    patient: Person,
    request: RescheduleRequest,
    result: Result,
    expect: RequestStatus,
) -> Decision:
    """Close the request once its session is booked, and tell the patient."""
    if result.outcome is not Outcome.BOOKED:
        return Decision(result.outcome, patient)
    booking = await store.live_booking(s.db, patient.id, request.missed_occurrence_id)
    await store.update_request(
        s.db, request.id, expect=(expect,), now=s.clock.now(), status=RequestStatus.BOOKED,
        booking_id=booking.id if booking else None,
    )  # fmt: skip
    zone = s.zone_of(patient)
    with writing_for(patient.language):  # the therapist approved: the patient reads it
        await _tell_patient(
            s, patient,
            texts.REQUEST_BOOKED_PATIENT.format(
                name=patient.call_name, session=moment_label(result.occurrence.starts_at, zone)
            ),
            f"makeup-booked:{request.id}",
            [_button(texts.CALENDAR_UPDATE_BUTTON, callbacks.CALENDAR_SEND)],
        )  # fmt: skip
    return Decision(Outcome.BOOKED, patient, result.occurrence)


async def wait_for_time(s: Services, therapist: Person, request_id: int) -> Person | None:
    """The therapist will type a time for the patient; returns the patient, or None."""
    return await _wait(s, therapist, request_id, "time")


async def wait_for_note(s: Services, therapist: Person, request_id: int) -> Person | None:
    return await _wait(s, therapist, request_id, "note")


async def _wait(s: Services, therapist: Person, request_id: int, what: str) -> Person | None:
    request = await _own_request(s, therapist, request_id, RequestStatus.OPEN)
    if request is None:
        return None
    await conversations.forget_typed_answers(s.db, therapist.id)
    if not await store.update_request(
        s.db, request.id, expect=(RequestStatus.OPEN,), now=s.clock.now(), awaiting=what
    ):
        return None
    return await patient_of(s, request)


async def awaiting(s: Services, therapist: Person, what: str) -> RescheduleRequest | None:
    request = await store.awaiting_request(s.db, therapist.id)
    return request if request is not None and request.awaiting == what else None


async def propose(s: Services, therapist: Person, request_id: int, words: str) -> Decision:
    """Offer the patient the time the therapist typed ("tue 4pm"), read by the same reader
    as the patients' messages, in the therapist's zone."""
    request = await _own_request(s, therapist, request_id, RequestStatus.OPEN)
    if request is None:
        return Decision(None)
    patient = await patient_of(s, request)
    missed = await missed_session(s, patient, request.missed_occurrence_id)
    if missed is None:
        return Decision(Outcome.NOT_MISSED, patient)
    if await store.live_booking(s.db, patient.id, missed.id) is not None:
        return Decision(Outcome.ALREADY, patient)
    zone = s.zone_of(therapist)
    asked = s.reader.read_new_time(words, s.clock.now(), zone)
    if asked.day is None or asked.time is None:
        return Decision(Outcome.GONE, patient)  # not a time: the therapist is asked again
    at = datetime.combine(asked.day, asked.time, tzinfo=zone)
    end = at + min(AGREED_SESSION_LENGTH, missed.ends_at - missed.starts_at)
    problem = await _check_time(s, patient, missed, at, end)
    if problem is not None:
        return Decision(problem, patient, when=at)
    if not await store.update_request(
        s.db, request.id, expect=(RequestStatus.OPEN,), now=s.clock.now(),
        status=RequestStatus.PROPOSED, proposed_starts_at=at,
    ):  # fmt: skip
        return Decision(None)
    with writing_for(patient.language):
        await _tell_patient(
            s, patient,
            texts.REQUEST_PROPOSED_PATIENT.format(
                therapist=therapist.name,
                when=moment_label(at, s.zone_of(patient)),
                session=session_label(missed, s.zone_of(patient)),
            ),
            f"makeup-proposal:{request.id}:{at:%Y%m%dT%H%M}",
            [
                _button(texts.PROPOSAL_ACCEPT, f"{callbacks.PROPOSAL_ACCEPT}{request.id}"),
                _button(texts.PROPOSAL_DECLINE, f"{callbacks.PROPOSAL_DECLINE}{request.id}"),
            ],
        )  # fmt: skip
    return Decision(Outcome.BOOKED, patient, when=at)


async def decline(s: Services, therapist: Person, request_id: int, note: str | None) -> Decision:
    request = await _own_request(s, therapist, request_id, RequestStatus.OPEN)
    if request is None or not await store.update_request(
        s.db, request.id, expect=(RequestStatus.OPEN,), now=s.clock.now(),
        status=RequestStatus.DECLINED, note=note,
    ):  # fmt: skip
        return Decision(None)
    patient = await patient_of(s, request)
    missed = await schedule_store.occurrence(s.db, request.missed_occurrence_id)
    with writing_for(patient.language):
        text = texts.REQUEST_DECLINED_PATIENT.format(
            therapist=therapist.name, session=session_label(missed, s.zone_of(patient))
        )
        if note:
            text += "\n\n" + texts.REQUEST_NOTE.format(therapist=therapist.name, note=quote(note))
    await _tell_patient(s, patient, text, f"makeup-declined:{request.id}")
    return Decision(Outcome.GONE, patient)


# --- the patient's answer to a proposal


async def answer_proposal(s: Services, patient: Person, request_id: int, accept: bool) -> Decision:
    """Book the proposed time, or hand the request back to the therapist."""
    request = await store.get_request(s.db, request_id)
    if (
        request is None
        or request.patient_id != patient.id
        or request.status is not RequestStatus.PROPOSED
    ):
        return Decision(None)
    missed = await schedule_store.occurrence(s.db, request.missed_occurrence_id)
    if accept:
        result = await _book_agreed(s, patient, request, request.proposed_starts_at)
        if result.outcome is Outcome.BOOKED:
            return await _settle(s, patient, request, result, RequestStatus.PROPOSED)
        if result.outcome is Outcome.ALREADY:  # booked meanwhile: nothing to hand back
            return Decision(Outcome.ALREADY, patient)
    # Declined, or no longer possible (passed, or it clashes now): back to the therapist.
    if not await store.update_request(
        s.db, request.id, expect=(RequestStatus.PROPOSED,), now=s.clock.now(),
        status=RequestStatus.OPEN,
    ):  # fmt: skip
        return Decision(None)
    # One alert per proposal turned down (the therapist may suggest several times).
    proposed = f"{request.proposed_starts_at:%Y%m%dT%H%M}"
    await _alert_request(
        s, patient, missed, request, "ALERT_PROPOSAL_DECLINED",
        f"makeup-proposal-declined:{request.id}:{proposed}",
    )  # fmt: skip
    return Decision(Outcome.GONE, patient)


async def withdraw(s: Services, patient: Person, request_id: int) -> bool:
    """The patient no longer needs another time: the therapist is told, and their buttons
    stop working."""
    request = await store.get_request(s.db, request_id)
    if request is None or request.patient_id != patient.id:
        return False
    if not await store.update_request(
        s.db, request.id, expect=(RequestStatus.OPEN, RequestStatus.PROPOSED),
        now=s.clock.now(), status=RequestStatus.WITHDRAWN,
    ):  # fmt: skip
        return False
    missed = await schedule_store.occurrence(s.db, request.missed_occurrence_id)
    await s.notifier.alert(
        [request.therapist_id],
        lambda zone: texts.ALERT_REQUEST_WITHDRAWN.format(
            patient=patient.name, session=staff_session_label(missed, zone)
        ),
        patient_id=patient.id,
        tag=f"makeup-withdrawn:{request.id}",
    )
    return True


async def patient_of(s: Services, request: RescheduleRequest) -> Person:
    return await people.get_person(s.db, request.patient_id)
