"""A reference test for billing-grade history (issue 12): a generated clinic, five weeks
across the US DST change, replayed through the bot's own use cases on a fake clock.

The billing CSV, ``/patient`` summaries, risk flags (held, stored, their history and the
therapists' alerts) and weekly digests are compared row by row with a plain model of the
same events (``tests.helpers.reference_clinic``), which never calls the report code.
"""

from __future__ import annotations

import difflib
import json
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.attendance.digest import weekly_digest
from bot.attendance.export import build_report, report_rows
from bot.attendance.risk import recheck_flags
from bot.attendance.summary import (
    AttendanceCounts,
    PatientSummary,
    RiskThresholds,
    holding_flags,
    patient_summary,
)
from bot.clock import FakeClock
from bot.config import Config, PolicyConfig, ProgramConfig, StorageConfig, TelegramConfig
from bot.kinds import Reason, Role
from bot.memberships import add_member, remove_member
from bot.services import Services
from bot.usecases.absences import confirm_attendance, report_absence, send_late_notice
from bot.usecases.attendance import SHEET_IDLE, settle_marks
from storage import people
from storage import reports as report_store
from storage import roster as roster_store
from storage import schedule as schedule_store
from storage.records import AbsenceDraft, AbsenceKind, AttendanceStatus, Person
from storage.timestamps import from_db
from tests.helpers.clinic import BotHarness, onboard_patient
from tests.helpers.reference_clinic import Clinic, Session, apply_import

SEED = 20261101
NEW_YORK = ZoneInfo("America/New_York")
CHICAGO = ZoneInfo("America/Chicago")
SET_UP = datetime(2026, 10, 12, 9, 0, tzinfo=NEW_YORK)  # a Monday, a week before the groups
FIRST_CHANGE = datetime(2026, 11, 4, 10, 0, tzinfo=NEW_YORK)  # re-import: moves, a cancel
SECOND_CHANGE = datetime(2026, 11, 13, 10, 0, tzinfo=NEW_YORK)  # re-import: titles, a zone
REPLAYED_TO = datetime(2026, 11, 23, 9, 0, tzinfo=NEW_YORK)  # a Monday
LATER = (
    datetime(2026, 12, 3, 12, 0, tzinfo=NEW_YORK),
    datetime(2026, 12, 28, 12, 0, tzinfo=NEW_YORK),
)
MODEL_UNTIL = date(2027, 1, 10)
RECHECK_EVERY = timedelta(hours=6)

POLICY = PolicyConfig(
    risk_consecutive_misses=2, insurance_alert_misses=3, insurance_window_days=21
)
THRESHOLDS = {
    "consecutive_misses": POLICY.risk_consecutive_misses,
    "insurance_window": POLICY.insurance_alert_misses,
}
WINDOW = POLICY.insurance_window_days
REASONS = [reason.value for reason in Reason] + [None]

THERAPISTS = (("lee", "Dr. Lee"), ("kim", "Dr. Kim"), ("ray", "Dr. Ray"))
# handle, name, therapist, groups; invited at SET_UP (everyone on Telegram but Kai).
PATIENTS = (
    ("alex", "Alex R.", "lee", ("evening-a", "chicago-d")),  # two groups
    ("blair", "Blair O'Neil", "kim", ("evening-a",)),
    ("casey", "Lopez, Casey", "kim", ("late-b",)),
    ("drew", "Drew", "lee", ("late-b",)),
    ("eve", "=Eve Plus", "ray", ("london-c",)),
    ("harper", "Harper", "lee", ("evening-a",)),  # leaves after Sun 8 Nov
    ("indy", "Indy", "kim", ("chicago-d",)),  # leaves "now", half an hour before a session
    ("jo", "Jo K.", "ray", ()),  # two one-off sessions, one of them moved
    ("kai", "Kai", "lee", ("evening-a",)),  # never on Telegram
    ("lane", "Lane", "ray", ("late-b", "london-c")),  # two groups
    ("morgan", "Morgan", "kim", ("chicago-d",)),
    ("sam", "Sam T.", "kim", ()),  # a weekly individual series
)
NOT_ON_TELEGRAM = {"kai"}
# Joiners mid-course: Frankie from a date before the invite, Gale "now", mid-session.
JOINERS = (
    (datetime(2026, 11, 6, 9, 0, tzinfo=NEW_YORK), "frankie", "Frankie", "ray", ("london-c",),
     date(2026, 11, 2)),
    (datetime(2026, 11, 9, 18, 30, tzinfo=NEW_YORK), "gale", "Gale M.", "lee", ("evening-a",),
     None),
)  # fmt: skip
# Sam also joins Late Group B, from a date before the command was given.
SAM_JOINS = (datetime(2026, 10, 29, 9, 0, tzinfo=NEW_YORK), "sam", "late-b", date(2026, 10, 27))
# Harper's last day is Sun 8 Nov; Indy leaves "now", half an hour before Friday's group.
LEAVES = (
    (datetime(2026, 11, 9, 9, 0, tzinfo=NEW_YORK), "harper", "evening-a", date(2026, 11, 8)),
    (datetime(2026, 11, 13, 12, 30, tzinfo=CHICAGO), "indy", "chicago-d", None),
)
GROUP_ZONES = {  # as they are when people join and leave (before the second re-import)
    "evening-a": NEW_YORK,
    "late-b": ZoneInfo("America/Los_Angeles"),
    "london-c": ZoneInfo("Europe/London"),
    "chicago-d": CHICAGO,
}


def joined_at(group: str, since: date | None, now: datetime) -> datetime:
    """Now, or midnight starting ``since`` in the group's zone."""
    if since is None:
        return now.astimezone(UTC)
    return datetime.combine(since, time(0), GROUP_ZONES[group]).astimezone(UTC)


def left_at(group: str, last_day: date | None, now: datetime) -> datetime:
    """Now, or the midnight after the last day in the group's zone."""
    return joined_at(group, None if last_day is None else last_day + timedelta(days=1), now)


def schedule(version: int) -> dict[str, Any]:
    """The clinic's schedule file; version 2 and 3 are the re-imports."""
    late_zone = "America/Los_Angeles" if version < 3 else "America/Denver"
    cancels = [{"series": "evening-a-group", "date": date(2026, 10, 28)}]
    if version >= 2:
        cancels.append({"series": "evening-a-group", "date": date(2026, 11, 16)})
    return {
        "timezone": "America/New_York",
        "group": [
            {"id": "evening-a", "name": "Evening Group A", "therapist": "lee"},
            {"id": "late-b", "name": "Late Group B", "therapist": "kim", "timezone": late_zone},
            {
                "id": "london-c",
                "name": "London Group C",
                "therapist": "ray",
                "timezone": "Europe/London",
            },
            {
                "id": "chicago-d",
                "name": "Chicago Group D",
                "therapist": "lee",
                "timezone": "America/Chicago",
            },
        ],
        "series": [
            {
                "id": "evening-a-group",
                "kind": "group",
                "title": "Group Therapy",
                "group": "evening-a",
                "weekdays": ["mon", "wed", "thu"],
                "start": "18:00",
                "duration": "3h",
                "from": date(2026, 10, 19),
            },
            {
                "id": "late-b-skills",
                "kind": "psychoeducation",
                "title": "Coping Skills, Part 2" if version < 3 else "-Skills Lab: Part 3",
                "group": "late-b",
                "timezone": late_zone,
                "weekdays": ["tue"],
                "start": "21:30",
                "duration": "1h30m",
                "from": date(2026, 10, 20),
            },
            {
                "id": "london-c-group",
                "kind": "group" if version < 3 else "support",
                "title": "Group Therapy" if version < 3 else "Peer Support (new room)",
                "group": "london-c",
                "timezone": "Europe/London",
                "weekdays": ["thu"],
                "start": "19:00",
                "duration": "2h",
                "from": date(2026, 10, 22),
            },
            {
                "id": "chicago-d-process",
                "kind": "group",
                "title": "Process Group",
                "group": "chicago-d",
                "timezone": "America/Chicago",
                "weekdays": ["tue", "fri"],
                "start": "12:00" if version < 2 else "13:00",  # future sessions only
                "duration": "1h30m",
                "from": date(2026, 10, 23),
            },
            {
                "id": "sam-weekly",
                "kind": "individual",
                "title": "Individual Session",
                "patient": "sam",
                "therapist": "kim",
                "weekdays": ["thu"],
                "start": "10:00",
                "duration": "1h",
                "from": date(2026, 10, 22),
            },
        ],
        "session": [
            {
                "id": "jo-family-1",
                "kind": "family",
                "title": "Family Session",
                "patient": "jo",
                "therapist": "ray",
                "start": datetime(2026, 10, 30, 15, 0),  # noqa: DTZ001 - a file's local time
                "duration": "1h",
            },
            {
                "id": "jo-individual-2",
                "kind": "individual",
                "title": "Individual Session",
                "patient": "jo",
                "therapist": "lee",
                # Moved by the first re-import from Tue 10 Nov 16:00 to Thu 12 Nov 17:30.
                "start": (
                    datetime(2026, 11, 10, 16, 0)  # noqa: DTZ001
                    if version < 2
                    else datetime(2026, 11, 12, 17, 30)  # noqa: DTZ001
                ),
                "duration": "1h",
            },
        ],
        "cancel": cancels,
    }


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return Config(
        source=tmp_path / "config.toml",
        telegram=TelegramConfig(bot_username="iop_test_bot"),
        storage=StorageConfig(path=tmp_path / "bot.sqlite3"),
        program=ProgramConfig(name="Test IOP", timezone=NEW_YORK),
        policy=POLICY,
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(SET_UP)


def planned_sessions() -> list[Session]:
    """The sessions as the three imports leave them (later imports change only the future)."""
    sessions: list[Session] = []
    for version, at in ((1, SET_UP), (2, FIRST_CHANGE), (3, SECOND_CHANGE)):
        apply_import(sessions, schedule(version), at.astimezone(UTC), MODEL_UNTIL)
    return sessions


@dataclass(order=True)
class Event:
    at: datetime
    order: int
    what: str
    args: tuple[Any, ...]


class Replay:
    """Drives the bot and the model with the same events, in time order."""

    def __init__(self, harness: BotHarness, model: Clinic) -> None:
        self.bot, self.model = harness, model
        self.services: Services = harness.application.bot_data["services"]
        self.ids: dict[str, int] = {}
        self.handles: dict[int, str] = {}
        # Compared at the end: when each was sent, what it said, what it should have said.
        self.digests: list[tuple[datetime, dict[str, str], dict[str, str]]] = []

    async def person(self, handle: str) -> Person:
        return await people.get_person(self.bot.db, self.ids[handle])

    # --- the events

    async def set_up(self) -> None:
        for n, (handle, name) in enumerate(THERAPISTS):
            invite = await self.bot.invite(Role.THERAPIST, handle, name=name)
            await self.bot.user(501 + n, name).send(f"/start {invite.code}")
        await self.import_schedule(1)
        for handle, name, therapist, groups in PATIENTS:
            await self.invite(handle, name, therapist, groups, None)

    async def import_schedule(self, version: int) -> None:
        await self.bot.import_schedule(schedule(version))
        rows = await self.bot.db.fetch_all("SELECT id, series_id, local_date FROM occurrences")
        stored = {(row[1], date.fromisoformat(row[2])): row[0] for row in rows}
        for session in self.model.sessions:
            if session.id == 0:
                session.id = stored[session.key]

    async def invite(
        self, handle: str, name: str, therapist: str, groups: tuple[str, ...], since: date | None
    ) -> None:
        issued = await self.bot.invite(
            Role.PATIENT, handle, name=name, therapist=therapist, groups=groups, since=since
        )
        self.ids[handle] = issued.person.id
        self.handles[issued.person.id] = handle
        self.model.names[handle] = name
        self.model.therapist_of[handle] = therapist
        for group in groups:
            self.model.join(handle, group, joined_at(group, since, self.bot.clock.now()))
        if handle not in NOT_ON_TELEGRAM:
            user = self.bot.user(1000 + len(self.ids), name.lstrip("="))
            await onboard_patient(self.bot, user, issued.code, "✅ Eastern time")

    async def leave(self, handle: str, group: str, last_day: date | None) -> None:
        now = self.bot.clock.now()
        await remove_member(self.bot.db, handle, group, last_day, now)
        self.model.leave(handle, group, left_at(group, last_day, now))

    async def add_member(self, handle: str, group: str, since: date | None) -> None:
        now = self.bot.clock.now()
        await add_member(self.bot.db, handle, group, since, now)
        self.model.join(handle, group, joined_at(group, since, now))

    async def report(self, session: Session, handle: str, reason: str | None) -> None:
        patient = await self.person(handle)
        occurrence = await schedule_store.occurrence(self.bot.db, session.id)
        draft = AbsenceDraft(
            patient.id, AbsenceKind.UPCOMING, "I can't make it", None, reason, session.id
        )
        await report_absence(self.services, patient, draft, occurrence, reason, None)
        now = self.bot.clock.now()
        self.model.report_absence(session, handle, reason, now)
        self.model.check_risk(handle, now, THRESHOLDS, WINDOW)

    async def coming(self, session: Session, handle: str) -> None:
        patient = await self.person(handle)
        occurrence = await schedule_store.occurrence(self.bot.db, session.id)
        await confirm_attendance(self.services, patient, occurrence)
        if (session.id, handle) in self.model.reports:
            self.model.withdraw(session, handle, self.bot.clock.now())
        else:
            self.model.patient_says(session, handle, "confirmed")

    async def late(self, session: Session, handle: str, minutes: int | None) -> None:
        patient = await self.person(handle)
        occurrence = await schedule_store.occurrence(self.bot.db, session.id)
        await send_late_notice(self.services, patient, occurrence, minutes)
        self.model.patient_says(session, handle, "late", minutes)

    async def marks(self, session: Session, marks: tuple[tuple[str, str], ...]) -> None:
        """A therapist marks a sheet and presses Done."""
        now = self.bot.clock.now()
        therapist = (await people.find_by_handle(self.bot.db, session.therapist)).id
        changed = []
        for handle, status in marks:
            await roster_store.mark(
                self.bot.db,
                occurrence_id=session.id,
                patient_id=self.ids[handle],
                status=AttendanceStatus(status),
                therapist_id=therapist,
                now=now,
                settle_at=now + SHEET_IDLE,
            )
            if self.model.therapist_marks(session, handle, status):
                changed.append(handle)
        await settle_marks(self.services, session.id)
        for handle in changed:
            self.model.check_risk(handle, now, THRESHOLDS, WINDOW)

    async def recheck(self) -> None:
        now = self.bot.clock.now()
        await recheck_flags(self.services)
        for handle in sorted(self.model.to_recheck(now, WINDOW)):
            self.model.check_risk(handle, now, THRESHOLDS, WINDOW)

    async def digest(self) -> None:
        now = self.bot.clock.now()
        await weekly_digest(self.bot.db, self.bot.notifier, self.bot.config, now)
        first = (now.astimezone(NEW_YORK).date() - timedelta(days=7)).isoformat()
        rows = await self.bot.db.fetch_all(
            "SELECT p.handle, o.payload FROM outbox o JOIN people p ON p.id = o.person_id"
            " WHERE o.kind = 'notice' AND o.variant = ?",
            (f"digest:{first}",),
        )
        got = {row[0]: json.loads(row[1])["text"] for row in rows}
        expected = {
            handle: self.model.digest(handle, now, NEW_YORK, THRESHOLDS, WINDOW)
            for handle, _ in THERAPISTS
        }
        self.digests.append((now, got, expected))

    async def run(self, events: list[Event]) -> None:
        actions: dict[str, Callable[..., Awaitable[None]]] = {
            "import": self.import_schedule,
            "invite": self.invite,
            "leave": self.leave,
            "add_member": self.add_member,
            "report": self.report,
            "coming": self.coming,
            "late": self.late,
            "marks": self.marks,
            "recheck": self.recheck,
            "digest": self.digest,
        }
        for event in sorted(events):
            self.bot.clock.set(event.at)
            await actions[event.what](*event.args)


def planned_memberships(model: Clinic) -> Clinic:
    """Who will belong where, to plan events (the replay records the memberships itself)."""
    planned = Clinic(sessions=model.sessions)
    for handle, _, _, groups in PATIENTS:
        for group in groups:
            planned.join(handle, group, SET_UP)
    for invited, handle, _, _, groups, since in JOINERS:
        for group in groups:
            planned.join(handle, group, joined_at(group, since, invited))
    planned.join(SAM_JOINS[1], SAM_JOINS[2], joined_at(*SAM_JOINS[2:], SAM_JOINS[0]))
    for when, handle, group, last_day in LEAVES:
        planned.leave(handle, group, left_at(group, last_day, when))
    return planned


def generate_events(model: Clinic, rng: random.Random) -> list[Event]:
    """Scripted turns of the story, then random marks and patients' words for every session."""
    sessions = {session.key: session for session in model.sessions}
    planned = planned_memberships(model)
    events: list[Event] = []

    def add(at: datetime, what: str, *args: Any) -> None:
        events.append(Event(at.astimezone(UTC), len(events), what, args))

    def at(series: str, day: date) -> Session:
        return sessions[(series, day)]

    add(FIRST_CHANGE, "import", 2)
    add(SECOND_CHANGE, "import", 3)
    for invited, *joiner in JOINERS:
        add(invited, "invite", *joiner)
    add(SAM_JOINS[0], "add_member", *SAM_JOINS[1:])
    for when, *leave in LEAVES:
        add(when, "leave", *leave)
    moment = SET_UP + RECHECK_EVERY
    while moment <= REPLAYED_TO:
        add(moment, "recheck")
        moment += RECHECK_EVERY
    for monday in (date(2026, 10, 26), *(date(2026, 11, d) for d in (2, 9, 16, 23))):
        add(datetime.combine(monday, time(8), NEW_YORK), "digest")

    # Reported before a re-import cancelled the session (it leaves the export) or moved it
    # (notice is measured to where it moved).
    blair_cancelled = at("evening-a-group", date(2026, 11, 16))
    add(datetime(2026, 11, 2, 12, 0, tzinfo=NEW_YORK), "report", blair_cancelled, "blair", "work")
    jo_moved = at("jo-individual-2", date(2026, 11, 10))
    add(datetime(2026, 11, 3, 12, 0, 30, tzinfo=NEW_YORK), "report", jo_moved, "jo", "family")
    morgan_moved = at("chicago-d-process", date(2026, 11, 13))
    add(datetime(2026, 11, 2, 9, 0, tzinfo=NEW_YORK), "report", morgan_moved, "morgan", "health")
    # Told 8½ minutes and 2 minutes after the start: -0.1 and 0.0 hours of notice.
    tuesday = at("late-b-skills", date(2026, 11, 3))
    add(tuesday.start + timedelta(minutes=8, seconds=30), "report", tuesday, "casey", None)
    add(tuesday.start + timedelta(minutes=2), "report", tuesday, "drew", "transport")
    # Exactly half a tenth either side of the start: 3 minutes ahead is 0.1, 15 minutes
    # after is -0.3 (halves away from zero, never to even).
    thursday = at("london-c-group", date(2026, 11, 12))
    add(thursday.start - timedelta(minutes=3), "report", thursday, "lane", "transport")
    add(thursday.start + timedelta(minutes=15), "report", thursday, "eve", "health")
    # Frankie's first session, before the invite that dated the membership back: marked the
    # day after. Indy, gone half an hour before the session, came anyway (a guest's row).
    frankie_first = at("london-c-group", date(2026, 11, 5))
    add(JOINERS[0][0] + timedelta(hours=1), "marks", frankie_first, (("frankie", "present"),))
    indy_guest = at("chicago-d-process", date(2026, 11, 13))
    assert LEAVES[1][0] < indy_guest.start
    add(indy_guest.end + timedelta(minutes=30), "marks", indy_guest, (("indy", "late"),))
    # A make-up guest from another group.
    guest = at("evening-a-group", date(2026, 11, 11))
    add(guest.end + timedelta(hours=2), "marks", guest, (("casey", "present"),))
    # The therapist's word over the patient's: "late" confirming "running late, 10 min", and
    # "absent" marked early, before the patient (who had reported it) said "running late".
    drew_late = at("late-b-skills", date(2026, 11, 10))
    add(drew_late.start + timedelta(minutes=5), "late", drew_late, "drew", 10)
    add(drew_late.end + timedelta(minutes=30), "marks", drew_late, (("drew", "late"),))
    alex_absent = at("evening-a-group", date(2026, 11, 18))
    add(alex_absent.start - timedelta(hours=22), "report", alex_absent, "alex", "work")
    add(alex_absent.start + timedelta(minutes=15), "marks", alex_absent, (("alex", "absent"),))
    add(alex_absent.start + timedelta(minutes=40), "late", alex_absent, "alex", 15)

    joined = {h: SET_UP for h, *_ in PATIENTS} | {j[1]: j[0] for j in JOINERS}
    scripted = {(blair_cancelled.id, "blair"), (tuesday.id, "casey"), (tuesday.id, "drew")}
    scripted |= {(thursday.id, "lane"), (thursday.id, "eve")}
    hands_off = {(drew_late.id, "drew"), (alex_absent.id, "alex")}  # no random words or marks
    for session in sorted(model.sessions, key=lambda s: s.start):
        if session.cancelled or session.end + timedelta(hours=4) > REPLAYED_TO:
            continue
        sheet = []
        for patient in sorted(planned.expected(session)):
            if joined[patient] > session.start - timedelta(days=2):
                continue  # invited after the session, or just before it
            if (session.id, patient) in hands_off:
                continue
            if (session.id, patient) in scripted:
                said: str | None = "absent"
            else:
                said = patient_words(add, rng, session, patient, joined[patient])
            if rng.random() < 0.85:
                weights = {
                    "absent": (0.1, 0.15, 0.75),
                    "late": (0.2, 0.6, 0.2),
                }.get(said or "", (0.62, 0.1, 0.28))
                status = rng.choices(("present", "late", "absent"), weights)[0]
                sheet.append((patient, status))
        if not sheet:
            continue
        early = rng.random() < 0.15  # marked during the session, before late words came
        when = session.start + timedelta(minutes=rng.randint(10, 40))
        if not early:
            when = session.end + timedelta(minutes=rng.randint(5, 240), seconds=rng.randint(0, 59))
        add(when, "marks", session, tuple(sheet))
        if rng.random() < 0.2:  # a correction the next day
            patient, status = rng.choice(sheet)
            other = rng.choice([s for s in ("present", "late", "absent") if s != status])
            add(when + timedelta(days=1), "marks", session, ((patient, other),))
    return events


def patient_words(
    add: Callable[..., None], rng: random.Random, session: Session, patient: str, joined: datetime
) -> str | None:
    """What a patient may say about one session; returns what it was about."""
    earliest = joined + timedelta(hours=1)
    roll = rng.random()
    if roll < 0.2:
        lead = rng.choice(
            [
                timedelta(seconds=-rng.randint(0, 45 * 60)),
                timedelta(seconds=rng.randint(60, 3 * 3600)),
                timedelta(seconds=rng.randint(3 * 3600, 72 * 3600)),
            ]
        )
        told = max(session.start - lead, earliest)
        add(told, "report", session, patient, rng.choice(REASONS))
        follow = rng.random()
        if follow < 0.3:  # can come after all (too late once the session has started)
            span = max(session.start + timedelta(minutes=20) - told, timedelta(minutes=1))
            coming = told + timedelta(seconds=1 + int(span.total_seconds() * rng.random()))
            add(coming, "coming", session, patient)
        elif follow < 0.45:  # says it again (a new reason, or none: the first one stays)
            add(told + timedelta(minutes=7), "report", session, patient, rng.choice(REASONS))
        return "absent"
    if roll < 0.3:
        told = session.start + timedelta(minutes=rng.randint(0, 50))
        add(told, "late", session, patient, rng.choice([5, 10, 15, None]))
        return "late"
    if roll < 0.36:
        add(session.start - timedelta(hours=rng.randint(1, 30)), "coming", session, patient)
    return None


def csv_mismatches(got: list[str], expected: list[str]) -> list[str]:
    """The lines that differ, as a diff (empty when the export is exactly as expected)."""
    return list(difflib.unified_diff(expected, got, "expected", "exported", n=0, lineterm=""))


@pytest.fixture
async def replayed(bot: BotHarness) -> Replay:
    model = Clinic(sessions=planned_sessions())
    replay = Replay(bot, model)
    await replay.set_up()
    events = generate_events(model, random.Random(SEED))
    await replay.run(events)
    bot.clock.set(REPLAYED_TO)
    await replay.recheck()
    return replay


async def test_the_generated_clinic_matches_its_reference(replayed: Replay) -> None:
    """Every exported row, summary, flag, alert and digest is what the plain model says."""
    bot, model = replayed.bot, replayed.model
    db = bot.db

    # A therapist's mark always wins, even when it repeats what the patient said: their
    # "late" is a late (not the patient's reported_late), and their "absent" does not give
    # way to the patient's later "running late" (found by this test; storage.roster.mark).
    for series, day, handle, want in (
        ("late-b-skills", date(2026, 11, 10), "drew", [("late", 10)]),
        ("evening-a-group", date(2026, 11, 18), "alex", [("absent", None)]),
    ):
        rows = await report_rows(db, day, day, REPLAYED_TO)
        got = [
            (r.mark.value, r.late_minutes)
            for r in rows
            if (r.session_id, r.patient) == (series, handle)
        ]
        model_rows = model.rows(REPLAYED_TO, day, day)
        assert [
            (r.status, r.late_minutes)
            for r in model_rows
            if (r.session.series, r.patient) == (series, handle)
        ] == want
        assert got == want, (series, day, handle)

    # 1. The billing export, row by row: the whole clinic, each therapist, narrow periods.
    periods = [
        (date(2026, 10, 19), date(2026, 11, 22), None),
        (date(2026, 10, 31), date(2026, 11, 3), None),  # DST; Tuesday evenings in LA
        (date(2026, 11, 3), date(2026, 11, 3), None),
    ] + [(date(2026, 10, 19), date(2026, 11, 22), handle) for handle, _ in THERAPISTS]
    for first, last, therapist in periods:
        therapist_id = None
        if therapist is not None:
            therapist_id = (await people.find_by_handle(db, therapist)).id
        report = await build_report(
            db, first, last, REPLAYED_TO, therapist_id=therapist_id, chart=False
        )
        assert report.csv.endswith("\r\n") and "\n" not in report.csv.replace("\r\n", "")
        got = report.csv.split("\r\n")[:-1]
        expected = model.csv_lines(model.rows(REPLAYED_TO, first, last, therapist))
        diff = csv_mismatches(got, expected)
        assert not diff, f"{first} to {last}, {therapist or 'clinic'}:\n" + "\n".join(diff[:40])
        assert report.rows == len(expected) - 1

    # 2. /patient at three moments; 3. the flags that hold then.
    policy_thresholds = RiskThresholds.from_policy(POLICY)
    for now in (REPLAYED_TO, *LATER):
        for handle, patient_id in replayed.ids.items():
            marks = await report_store.patient_marks(db, patient_id, now)
            summary = patient_summary(marks, now, insurance_window_days=WINDOW)
            want = model.summary(handle, now, WINDOW)
            assert summary == PatientSummary(
                last_30_days=AttendanceCounts(*want["last_30_days"]),
                last_90_days=AttendanceCounts(*want["last_90_days"]),
                consecutive_misses=want["consecutive_misses"],
                open_absences=want["open_absences"],
                insurance_window_misses=want["insurance_window_misses"],
            ), (handle, now)
            held = holding_flags(summary.risk_inputs, policy_thresholds)
            assert {flag.value for flag in held} == model.holding(
                handle, now, THRESHOLDS, WINDOW
            ), (handle, now)

    # Stored flags after the re-check, now and once old misses left the window.
    for now in (REPLAYED_TO, LATER[1]):
        bot.clock.set(now)
        await replayed.recheck()
        rows = await db.fetch_all("SELECT patient_id, kind FROM risk_flags")
        stored: dict[str, set[str]] = {}
        for row in rows:
            stored.setdefault(replayed.handles[row[0]], set()).add(row[1])
        assert stored == {h: set(f) for h, f in model.flags.items() if f}
        assert stored == {
            h: set(model.holding(h, now, THRESHOLDS, WINDOW))
            for h in replayed.ids
            if model.holding(h, now, THRESHOLDS, WINDOW)
        }

    # Every crossing, up and down, and one alert to the patient's therapist per way up.
    rows = await db.fetch_all(
        "SELECT patient_id, kind, direction, value, threshold, at FROM risk_crossings"
    )
    crossings = sorted(
        (replayed.handles[r[0]], r[1], r[2], r[3], r[4], from_db(r[5])) for r in rows
    )
    assert crossings == sorted(model.crossings)
    rows = await db.fetch_all(
        "SELECT t.handle, o.patient_id, o.variant, o.payload, o.due_at FROM outbox o"
        " JOIN people t ON t.id = o.person_id"
        " WHERE o.kind = 'staff_alert' AND o.variant LIKE 'risk:%'"
    )
    alerts = sorted(
        (
            r[0],
            replayed.handles[r[1]],
            r[2].split(":")[1],
            from_db(r[4]),
            json.loads(r[3])["text"],
        )
        for r in rows
    )
    assert alerts == sorted(model.alerts)

    # 4. The weekly digests were compared as they were sent; the export after the change
    # of zone and title (future sessions took them, held ones kept theirs).
    assert len(replayed.digests) == 5
    for now, got, expected in replayed.digests:
        assert got == expected, f"digest of {now:%Y-%m-%d}"
    later = await build_report(db, date(2026, 10, 19), date(2026, 12, 27), LATER[1], chart=False)
    expected = model.csv_lines(model.rows(LATER[1], date(2026, 10, 19), date(2026, 12, 27)))
    diff = csv_mismatches(later.csv.split("\r\n")[:-1], expected)
    assert not diff, "\n".join(diff[:40])

    # The story covers what it should: a guard against a seed that makes it trivial.
    all_rows = model.rows(LATER[1], date(2026, 10, 1), date(2026, 12, 31))
    assert {r.status for r in all_rows} == {
        "present",
        "late",
        "absent",
        "unmarked",
        "reported_late",
    }
    assert {r.session.zone for r in all_rows} >= {"America/Los_Angeles", "America/Denver"}
    assert any(r.patient not in model.expected(r.session) for r in all_rows)  # guests
    assert len(model.alerts) > len({(a[1], a[2]) for a in model.alerts})  # alerted again
    assert any(c[2] == "down" for c in model.crossings)
