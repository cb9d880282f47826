"""Attendance letters end to end: a patient asks (buttons or typed dates), their own therapist
approves, changes the period or declines; the PDF is read back and holds attendance only."""

from __future__ import annotations

import asyncio
import copy
import hashlib
import io
import os
import re
import stat
from datetime import date, datetime
from pathlib import Path

import pytest
import time_machine
from pypdf import PdfReader

from bot import texts
from bot.attendance.letter import PeriodProblem, preset_period, typed_period, whole_percent
from bot.cli import main
from bot.clock import FakeClock
from bot.config import Config
from bot.fake_telegram import ChatUser, FakeBotApi, Sent
from bot.kinds import AuditAction, Role
from bot.schedule.sync import HORIZON, extend_occurrences
from bot.understanding.engine import MessageReader
from storage import audit, people
from storage.records import AttendanceStatus
from storage.roster import mark
from storage.timestamps import to_db
from tests.helpers.clinic import NEW_YORK, SCHEDULE, BotHarness, onboard_patient, start_bot

OCTOBER = datetime(2026, 10, 1, tzinfo=NEW_YORK)
CLINICAL_TITLE = "Opioid Recovery Check-in"
ABSENCE_WORDS = "custody hearing at family court"
# Alex's November: present or late on these days (the 10th is an individual session) ...
ATTENDED = {
    date(2026, 11, 2): AttendanceStatus.PRESENT,
    date(2026, 11, 4): AttendanceStatus.LATE,
    date(2026, 11, 9): AttendanceStatus.PRESENT,
    date(2026, 11, 12): AttendanceStatus.PRESENT,
    date(2026, 11, 16): AttendanceStatus.PRESENT,
}
# ... absent on these (the 5th with a reported reason in their own words); others unmarked.
ABSENT = (date(2026, 11, 5), date(2026, 11, 11), date(2026, 11, 18))


def _day(day: date) -> str:
    return f"{day:%a} {day.day} {day:%B %Y}"


def pdf_text(content: bytes, title: str = texts.LETTER_PDF_TITLE, lang: str = "en") -> str:
    reader = PdfReader(io.BytesIO(content))
    assert reader.metadata.title == title
    # Nothing in the properties names the software ("iop-bot": an intensive outpatient program).
    assert "iop" not in " ".join(str(v) for v in reader.metadata.values()).replace("Test IOP", "")
    assert reader.trailer["/Root"]["/Lang"] == lang  # for screen readers
    return "\n".join(page.extract_text() for page in reader.pages)


async def _occurrence(bot: BotHarness, series: str, day: date) -> int:
    row = await bot.db.fetch_one(
        "SELECT id FROM occurrences WHERE series_id = ? AND local_date = ?",
        (series, day.isoformat()),
    )
    return row["id"]


async def november(bot: BotHarness) -> tuple[ChatUser, ChatUser]:
    """Dr. Lee and Alex, with Alex's November marked (and a one-off individual session)."""
    schedule = copy.deepcopy(SCHEDULE)
    schedule["session"] = [
        {
            "id": "alex-individual-1",
            "kind": "individual",
            "title": CLINICAL_TITLE,
            "patient": "alex",
            "therapist": "lee",
            "start": datetime(2026, 11, 10, 10, 0, tzinfo=NEW_YORK).replace(tzinfo=None),
            "duration": "1h30m",
        }
    ]
    therapist, patient = await bot.joined_clinic()
    await bot.import_schedule(schedule)
    # An import makes only future sessions: make November's as if imported in October.
    await extend_occurrences(bot.db, OCTOBER, bot.clock.now() + HORIZON)
    lee = await people.find_by_handle(bot.db, "lee")
    alex = await people.find_by_handle(bot.db, "alex")
    marks = {**ATTENDED, **dict.fromkeys(ABSENT, AttendanceStatus.ABSENT)}
    for day, status in marks.items():
        occurrence = await _occurrence(bot, "evening-a-group", day)
        await mark(
            bot.db, occurrence_id=occurrence, patient_id=alex.id, status=status,
            therapist_id=lee.id, now=bot.clock.now(), settle_at=bot.clock.now(),
        )  # fmt: skip
    individual = await _occurrence(bot, "alex-individual-1", date(2026, 11, 10))
    await mark(
        bot.db, occurrence_id=individual, patient_id=alex.id, status=AttendanceStatus.PRESENT,
        therapist_id=lee.id, now=bot.clock.now(), settle_at=bot.clock.now(),
    )  # fmt: skip
    reported = await _occurrence(bot, "evening-a-group", ABSENT[0])
    async with bot.db.transaction() as conn:
        await conn.execute(
            "INSERT INTO absences (patient_id, occurrence_id, kind, reason, reason_text,"
            " reported_at, lead_minutes, status) VALUES (?, ?, 'upcoming', 'legal', ?, ?, 600,"
            " 'reported')",
            (alex.id, reported, ABSENCE_WORDS, to_db(bot.clock.now())),
        )
    return therapist, patient


async def letters_audited(bot: BotHarness) -> list[audit.AuditEntry]:
    alex = await people.find_by_handle(bot.db, "alex")
    entries = await audit.trail(bot.db, patient_id=alex.id)
    return [e for e in entries if e.action == AuditAction.LETTER_ISSUED.value]


def documents(user: ChatUser) -> list[Sent]:
    return [m for m in user.inbox if m.kind == "document"]


def assert_attendance_only(text: str) -> None:
    """Every attended session by date and kind, no absent one, nothing clinical."""
    flat = " ".join(text.split())
    for day in ATTENDED:
        assert _day(day) in flat
    assert f"{_day(date(2026, 11, 10))} Individual session 10:00 am 1 hour 30 minutes" in flat
    assert f"{_day(date(2026, 11, 2))} Group session 6:00 pm 3 hours" in flat
    for day in ABSENT:
        assert _day(day) not in flat
    for clinical in (CLINICAL_TITLE, "Group Therapy", "Evening Group", ABSENCE_WORDS, "legal"):
        assert clinical.lower() not in flat.lower()
    assert "Alex R." in flat and "Dr. Lee" in flat and "Test IOP" in flat
    assert "Signature: ___" in flat


async def test_request_by_buttons_then_approval_sends_an_attendance_only_pdf(
    bot: BotHarness,
) -> None:
    therapist, patient = await november(bot)

    asked = await patient.send("/letter")
    assert asked[-1].text == texts.LETTER_ASK_RECIPIENT
    await patient.press("A court or probation officer")
    sent = await patient.press("Last 30 days")
    assert "Dr. Lee" in sent[-1].text and "2026-11-01 to 2026-11-30" in sent[-1].text

    request = therapist.inbox[-1]
    assert request.text.startswith("📄 New letter request\nAlex R. asks")
    # 6 attended (5 group + 1 individual), 3 missed; unmarked sessions are left out.
    assert "6 attended, 3 missed" in request.text
    assert request.labels == [texts.LETTER_APPROVE, texts.LETTER_CHANGE, texts.LETTER_DECLINE]
    approve = request.buttons[0][0]["callback_data"]
    await therapist.press(texts.LETTER_APPROVE)
    assert request.buttons == []  # the decision is made: no buttons left to press

    [letter] = documents(patient)
    assert letter.text.startswith("📄 Here is your attendance letter (2026-11-01 to 2026-11-30)")
    text = pdf_text(letter.content)
    assert_attendance_only(text)
    flat = " ".join(text.split())
    assert "For: Court or probation officer" in flat
    assert "Attendance rate: 67% (6 of 9 sessions with recorded attendance)." in flat
    assert "Sessions attended: 6, in total 16 hours 30 minutes." in flat

    # Audited: who approved, about whom, the period, the PDF's hash.
    [entry] = await letters_audited(bot)
    assert (entry.actor, entry.action, entry.patient) == (
        "Dr. Lee", AuditAction.LETTER_ISSUED.value, "Alex R.",
    )  # fmt: skip
    assert "asked by Alex R." in entry.detail and "2026-11-01 to 2026-11-30" in entry.detail
    assert entry.detail.endswith("sha256 " + hashlib.sha256(letter.content).hexdigest())

    # A second press on the same request (an old copy of the button) changes nothing.
    await therapist.press_data(approve)
    assert bot.api.callback_answers[-1] == texts.LETTER_ALREADY_HANDLED
    assert len(documents(patient)) == 1
    assert len(await letters_audited(bot)) == 1


async def test_typed_dates_and_the_therapist_changing_the_period(bot: BotHarness) -> None:
    therapist, patient = await november(bot)

    await patient.send("/letter")
    await patient.press("An employer")
    wrong = await patient.send("2026-11-30 2026-11-01")
    assert wrong[-1].text == texts.LETTER_REVERSED
    future = await patient.send("2026-11-01 2026-12-31")
    assert future[-1].text == texts.LETTER_FUTURE.format(today="2026-11-30")
    sent = await patient.send("2026-11-01 2026-11-30")
    assert "2026-11-01 to 2026-11-30" in sent[-1].text

    await therapist.press(texts.LETTER_CHANGE)
    assert therapist.inbox[-1].labels == list(texts.LETTER_PERIODS.values())
    await therapist.send("2026-11-01 2026-11-10")

    [letter] = documents(patient)
    assert "changed the period to 2026-11-01 to 2026-11-10" in letter.text
    assert "you asked for 2026-11-01 to 2026-11-30" in letter.text
    flat = " ".join(pdf_text(letter.content).split())
    for day in (date(2026, 11, 2), date(2026, 11, 4), date(2026, 11, 9), date(2026, 11, 10)):
        assert _day(day) in flat
    assert _day(date(2026, 11, 12)) not in flat and _day(date(2026, 11, 5)) not in flat
    assert "For: Employer" in flat
    assert "Attendance rate: 80% (4 of 5 sessions" in flat
    assert "from 1 November 2026 to 10 November 2026" in flat


async def test_decline_with_a_note_tells_the_patient_kindly(bot: BotHarness) -> None:
    therapist, patient = await november(bot)
    await patient.send("/letter")
    await patient.press("A school")
    await patient.press("This month")

    await therapist.press(texts.LETTER_DECLINE)
    assert therapist.inbox[-1].labels == [texts.LETTER_NO_NOTE]
    done = await therapist.send("Let's talk it over on Thursday")
    assert done[-1].text == texts.LETTER_DECLINED_STAFF.format(patient="Alex R.")

    assert patient.inbox[-1].text == texts.LETTER_DECLINED_NOTE.format(
        therapist="Dr. Lee", note="Let's talk it over on Thursday"
    )
    assert documents(patient) == []
    # Approving afterwards does nothing.
    request = next(m for m in therapist.inbox if m.text.startswith("📄 New letter request"))
    await therapist.press_data(request.buttons[0][0]["callback_data"])
    assert bot.api.callback_answers[-1] == texts.LETTER_ALREADY_HANDLED
    assert documents(patient) == []


async def test_decline_without_a_note(bot: BotHarness) -> None:
    therapist, patient = await november(bot)
    await patient.send("/letter")
    await patient.press("Someone else")
    await patient.press("Last month")
    await therapist.press(texts.LETTER_DECLINE)
    await therapist.press(texts.LETTER_NO_NOTE)
    assert patient.inbox[-1].text == texts.LETTER_DECLINED.format(therapist="Dr. Lee")


async def test_another_therapist_a_patient_and_forged_buttons_are_refused(
    bot: BotHarness,
) -> None:
    therapist, patient = await november(bot)
    kim_invite = await bot.invite(Role.THERAPIST, "kim", name="Dr. Kim")
    kim = bot.user(502, "Dr. Kim")
    await kim.send(f"/start {kim_invite.code}")
    sam_invite = await bot.invite(Role.PATIENT, "sam", name="Sam T.", therapist="kim")
    sam = bot.user(778, "Sam")
    await onboard_patient(bot, sam, sam_invite.code, "✅ Eastern time")

    await patient.send("/letter")
    await patient.press("An employer")
    await patient.press("Last 30 days")
    letter_id = int(therapist.inbox[-1].buttons[0][0]["callback_data"].rsplit(":", 1)[1])
    before = len(bot.api.messages)

    for data in (f"lr:a:{letter_id}", f"lr:c:{letter_id}", f"lr:d:{letter_id}"):
        await kim.press_data(data)
        assert bot.api.callback_answers[-1] == texts.LETTER_ALREADY_HANDLED
    await patient.press_data(f"lr:a:{letter_id}")
    assert bot.api.callback_answers[-1] == texts.NOT_FOR_YOUR_ROLE
    await therapist.press_data("lr:a:999999")
    assert bot.api.callback_answers[-1] == texts.LETTER_ALREADY_HANDLED
    # Sam, in his own request, presses Alex's period button: not his draft.
    await sam.send("/letter")
    await sam.press("A school")
    await sam.press_data(f"lt:p:{letter_id}:30")
    assert bot.api.callback_answers[-1] == texts.BUTTON_EXPIRED
    await sam.press_data(f"lt:w:{letter_id}:court")
    assert bot.api.callback_answers[-1] == texts.BUTTON_EXPIRED

    leaked = [m for m in bot.api.messages[before:] if m.chat_id in (patient.chat_id, 501)]
    assert leaked == []
    assert documents(patient) == []
    # The request is still there for Dr. Lee.
    await therapist.press(texts.LETTER_APPROVE)
    assert len(documents(patient)) == 1


async def test_the_command_line_letter_is_private_audited_and_states_the_same_facts(
    bot: BotHarness, tmp_path: Path
) -> None:
    therapist, patient = await november(bot)
    await patient.send("/letter")
    await patient.press("An employer")
    await patient.press("Last 30 days")
    await therapist.press(texts.LETTER_APPROVE)
    [chat_letter] = documents(patient)

    cli_config = tmp_path / "cli.toml"
    cli_config.write_text(
        f'[storage]\npath = "{bot.config.storage.path}"\n'
        '[program]\nname = "Test IOP"\ntimezone = "America/New_York"\n'
    )
    out = tmp_path / "letter.pdf"
    arguments = ["--config", str(cli_config), "letter", "--patient", "alex"]
    arguments += [
        "--from",
        "2026-11-01",
        "--to",
        "2026-11-30",
        "--out",
        str(out),
        "--for",
        "employer",
    ]
    with time_machine.travel(bot.clock.now(), tick=False):
        code = await asyncio.to_thread(main, arguments)

    assert code == 0
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    content = out.read_bytes()
    cli_text = pdf_text(content)
    assert_attendance_only(cli_text)
    assert cli_text == pdf_text(chat_letter.content)
    entries = await letters_audited(bot)
    assert [(e.actor, e.action) for e in entries] == [
        ("Dr. Lee", AuditAction.LETTER_ISSUED.value),
        (None, AuditAction.LETTER_ISSUED.value),
    ]
    assert entries[1].detail.endswith("sha256 " + hashlib.sha256(content).hexdigest())

    with time_machine.travel(bot.clock.now(), tick=False):
        unknown = await asyncio.to_thread(main, [*arguments[:4], "nobody", *arguments[5:]])
    assert unknown == 1


def test_periods_and_the_rate() -> None:
    today = date(2026, 11, 30)
    assert preset_period("30", today) == (date(2026, 11, 1), today)
    assert preset_period("tm", today) == (date(2026, 11, 1), today)
    assert preset_period("lm", date(2026, 1, 15)) == (date(2025, 12, 1), date(2025, 12, 31))
    assert typed_period(" 2026-11-01 to 2026-11-30 ", today) == (date(2026, 11, 1), today)
    for bad in ("2026-11-01", "2026-02-30 2026-03-01", "yesterday", "2025-01-01 2026-11-30"):
        with pytest.raises(PeriodProblem):
            typed_period(bad, today)
    assert [whole_percent(*pair) for pair in ((5, 8), (1, 8), (2, 3), (0, 4), (1, 0))] == [
        63, 13, 67, 0, None,
    ]  # fmt: skip


def test_nothing_before_a_letter_is_made_imports_the_pdf_library() -> None:
    import subprocess
    import sys

    code = "import bot.app, sys; print('fpdf' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


async def test_a_request_and_a_half_made_decision_survive_a_restart(
    config: Config, clock: FakeClock, reader: MessageReader
) -> None:
    api = FakeBotApi(username="iop_test_bot", now=clock.now)  # Telegram outlives the bot
    async with start_bot(config, clock, reader, api) as bot:
        _, patient = await november(bot)
        await patient.send("/letter")
        await patient.press("An employer")
    async with start_bot(config, clock, reader, api) as bot:
        patient = bot.user(777, "Alex")
        await patient.send("2026-11-01 2026-11-30")  # the dialog goes on where it was
        await bot.user(501, "Dr. Lee").press(texts.LETTER_CHANGE)
    async with start_bot(config, clock, reader, api) as bot:
        await bot.user(501, "Dr. Lee").send("2026-11-09 2026-11-12")
        [letter] = documents(bot.user(777, "Alex"))

    flat = " ".join(pdf_text(letter.content).split())
    assert "from 9 November 2026 to 12 November 2026" in flat
    assert _day(date(2026, 11, 12)) in flat and _day(date(2026, 11, 2)) not in flat


async def test_a_spanish_speaking_patient_gets_the_letter_in_spanish(bot: BotHarness) -> None:
    therapist, patient = await november(bot)
    alex = await people.find_by_handle(bot.db, "alex")
    await people.set_language(bot.db, alex.id, "es")

    await patient.send("/letter")
    await patient.press(patient.last.labels[1])  # a court or probation officer
    await patient.press(patient.last.labels[0])  # the last 30 days
    await therapist.press(texts.LETTER_APPROVE)

    [letter] = documents(patient)
    flat = " ".join(pdf_text(letter.content, "Carta de asistencia", "es").split())
    assert "Carta de asistencia" in flat
    assert "1 de noviembre de 2026" in flat and "30 de noviembre de 2026" in flat
    assert "16 horas 30 minutos" in flat
    assert "lun 2 de noviembre de 2026" in flat  # the first attended session
    assert CLINICAL_TITLE not in flat and ABSENCE_WORDS not in flat


async def test_a_make_up_across_the_periods_edge_keeps_the_table_and_counts_together(
    bot: BotHarness,
) -> None:
    therapist, patient = await november(bot)
    lee = await people.find_by_handle(bot.db, "lee")
    alex = await people.find_by_handle(bot.db, "alex")
    missed = await _occurrence(bot, "evening-a-group", date(2026, 11, 18))
    makeup = await _occurrence(bot, "evening-a-group", date(2026, 11, 19))
    async with bot.db.transaction() as conn:
        await conn.execute(
            "INSERT INTO bookings (patient_id, occurrence_id, missed_occurrence_id, kind,"
            " booked_at) VALUES (?, ?, ?, 'makeup', ?)",
            (alex.id, makeup, missed, to_db(bot.clock.now())),
        )
    await mark(
        bot.db, occurrence_id=makeup, patient_id=alex.id, status=AttendanceStatus.PRESENT,
        therapist_id=lee.id, now=bot.clock.now(), settle_at=bot.clock.now(),
    )  # fmt: skip

    await patient.send("/letter")
    await patient.press("An employer")
    await patient.send("2026-11-01 2026-11-18")  # the miss is in, its make-up is not
    await therapist.press(texts.LETTER_APPROVE)

    flat = " ".join(pdf_text(documents(patient)[-1].content).split())
    rows = re.findall(r"\d{4} (?:Group|Individual) session", flat)
    listed = re.search(r"Sessions attended: (\d+)", flat)
    assert listed is not None and int(listed[1]) == len(rows)


async def test_a_letter_names_the_kind_a_session_had_when_it_happened(bot: BotHarness) -> None:
    therapist, patient = await november(bot)
    changed = {
        **SCHEDULE,
        "session": [{
            "id": "alex-individual-1", "kind": "family", "title": CLINICAL_TITLE,
            "patient": "alex", "therapist": "lee", "duration": "1h30m",
            "start": datetime(2026, 12, 10, 10, 0, tzinfo=NEW_YORK).replace(tzinfo=None),
        }],
    }  # fmt: skip
    await bot.import_schedule(changed)  # the one-off moves to December as a family session

    await patient.send("/letter")
    await patient.press("An employer")
    await patient.press("Last 30 days")
    await therapist.press(texts.LETTER_APPROVE)

    flat = " ".join(pdf_text(documents(patient)[-1].content).split())
    assert "Tue 10 November 2026 Individual session" in flat
