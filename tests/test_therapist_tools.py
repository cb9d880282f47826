"""/patient, risk alerts once per crossing, /report in the chat and `iop-bot report`."""

from __future__ import annotations

import csv
import io
import stat
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import time_machine

from bot.attendance.digest import weekly_digest
from bot.cli import main
from bot.fake_telegram import ChatUser
from bot.kinds import Role
from storage import audit, people
from tests.helpers.clinic import NEW_YORK, BotHarness

DEMO_SCHEDULE = Path(__file__).parents[1] / "bot" / "demo_schedule.toml"


async def clinic(bot: BotHarness) -> tuple[ChatUser, ChatUser]:
    return await bot.joined_clinic()


async def mark(bot: BotHarness, therapist: ChatUser, day: int, presses: int) -> None:
    """After the group on ``day`` (Nov/Dec 2026), tap Alex ``presses`` times (1 = present)."""
    bot.clock.set(datetime(2026, 11, 30, 21, 30, tzinfo=NEW_YORK) + timedelta(days=day))
    await bot.notifier.run_due()
    await therapist.send("/attendance")
    sheet = await therapist.press(therapist.last.labels[0])
    for _ in range(presses):
        label = next(lbl for lbl in sheet[-1].labels if "Alex" in lbl)
        await therapist.press(label)
    await therapist.press("Done")


def risk_alerts(therapist: ChatUser) -> list[str]:
    return [m.text for m in therapist.inbox if m.text.startswith("⚠️")]


async def test_consecutive_misses_alert_once_per_crossing(bot: BotHarness) -> None:
    therapist, _ = await clinic(bot)

    await mark(bot, therapist, 0, 3)  # Mon: absent
    assert risk_alerts(therapist) == []
    await mark(bot, therapist, 2, 3)  # Wed: absent -> 2 in a row
    assert risk_alerts(therapist) == [
        "⚠️ A patient may need a check-in\n"
        "Alex R. has missed 2 sessions in a row. It may be a good moment to reach out."
    ]
    await mark(bot, therapist, 3, 3)  # Thu: absent -> 3 in a row, 3 in 30 days
    assert len([a for a in risk_alerts(therapist) if "in a row" in a]) == 1
    assert risk_alerts(therapist)[-1] == (
        "⚠️ A patient may need a check-in\n"
        "Alex R. has missed 3 sessions in the last 30 days. Insurance coverage may be at risk."
    )
    await mark(bot, therapist, 7, 1)  # next Mon: present, the streak ends
    await mark(bot, therapist, 9, 3)  # Wed: absent
    await mark(bot, therapist, 10, 3)  # Thu: absent -> a new crossing
    assert len([a for a in risk_alerts(therapist) if "in a row" in a]) == 2


async def test_patient_summary_for_the_caseload_only(bot: BotHarness) -> None:
    therapist, patient = await clinic(bot)
    await mark(bot, therapist, 0, 1)  # present
    await mark(bot, therapist, 2, 3)  # absent
    kim = await bot.invite(Role.THERAPIST, "kim", name="Dr. Kim")
    other = bot.user(502, "Dr. Kim")
    await other.send(f"/start {kim.code}")

    text = (await therapist.send("/patient alex"))[-1].text
    refused = (await other.send("/patient Alex"))[-1].text
    patient_tries = (await patient.send("/patient Alex"))[-1].text

    assert text.startswith("📋 Alex R. (alex)")
    # The import stored the two weeks before the clinic started, before Alex joined: they
    # are not Alex's sessions, so nothing is "not marked".
    assert "Last 30 days: 1 attended, 1 missed, 0 not marked (50%)" in text
    assert "Missed in a row: 1" in text and "Missed and not caught up yet: 1" in text
    assert refused == "I couldn't find a patient called “Alex” in your caseload."
    assert "isn't something I can do for you" in patient_tries
    await other.press_data("pt:2")
    assert "expired" in bot.api.callback_answers[-1]


async def test_report_in_the_chat(bot: BotHarness) -> None:
    therapist, _ = await clinic(bot)
    await mark(bot, therapist, 0, 1)

    await therapist.send("/report")
    sent = await therapist.press("Last 7 days")

    document, chart = sent[-2], sent[-1]
    assert (document.kind, chart.kind) == ("document", "photo")
    # Only Mon 30 Nov: Wed 25 and Thu 26 Nov (stored by the import) were before Alex joined.
    assert document.text.startswith("Attendance 2026-11-24 to 2026-11-30: 1 row ")


@time_machine.travel("2026-11-28 12:00:00-05:00", tick=False)
def test_cli_report_attendance(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("IOP_BOT_CONFIG", raising=False)
    main(["init"])
    main(["schedule", "import", str(DEMO_SCHEDULE)])
    capsys.readouterr()

    assert main(["report", "attendance", "--from", "2026-11-01", "--to", "2026-11-30"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0][:4] == ["date", "start", "session_id", "title"]

    assert main(["report", "attendance", "--format", "png", "--out", "chart.png"]) == 0
    assert (tmp_path / "chart.png").read_bytes().startswith(b"\x89PNG")
    (tmp_path / "old.csv").write_text("left by someone")
    (tmp_path / "old.csv").chmod(0o644)
    assert main(["report", "attendance", "--out", "old.csv"]) == 0
    for name in ("chart.png", "old.csv"):  # names and reasons: readable by the owner only
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600
    assert (tmp_path / "old.csv").read_text().startswith("date,start,session_id")
    assert main(["report", "attendance", "--format", "png"]) == 1
    assert "--format png needs --out" in capsys.readouterr().err


async def test_weekly_digest(bot: BotHarness) -> None:
    therapist, patient = await clinic(bot)
    await patient.send("can't make it wednesday, work")
    await patient.press("Yes, that's the one")
    await mark(bot, therapist, 0, 1)  # Mon present
    await mark(bot, therapist, 3, 1)  # Thu present

    monday = datetime(2026, 12, 7, 8, 0, tzinfo=NEW_YORK)
    bot.clock.set(monday)
    await weekly_digest(bot.db, bot.notifier, bot.config, monday)
    await bot.notifier.run_due()
    await weekly_digest(bot.db, bot.notifier, bot.config, monday)  # once per week
    await bot.notifier.run_due()

    digests = [m.text for m in therapist.inbox if m.text.startswith("🗓️")]
    assert digests == [
        "🗓️ Your week, Mon 30 Nov to Sun 6 Dec\n"
        "Sessions: 3 · attended 2, missed 1, not marked 0 (67%)\n"
        "Absences by reason: work 1\n"
        "Patients at risk: none"
    ]


async def test_what_staff_see_and_change_is_in_the_audit_trail(bot: BotHarness) -> None:
    therapist, patient = await clinic(bot)
    await mark(bot, therapist, 0, 1)  # present
    bot.clock.advance(timedelta(minutes=1))
    await therapist.send("/patient alex")
    await therapist.send("/report")
    await therapist.press("Last 7 days")
    bot.clock.advance(timedelta(minutes=1))
    await patient.send("I want to end my life")
    await therapist.press("I'm on it")

    alex = await people.find_by_handle(bot.db, "alex")
    trail = await audit.trail(bot.db, patient_id=alex.id)
    everyone = await audit.trail(bot.db)

    assert [(e.actor, e.action, e.patient) for e in trail] == [
        ("Dr. Lee", "marked attendance", "Alex R."),
        ("Dr. Lee", "viewed a patient summary", "Alex R."),
        ("Dr. Lee", "took a crisis alert", "Alex R."),
    ]
    assert trail[0].detail == "2026-11-30: not marked -> present"
    report = next(e for e in everyone if e.action == "exported an attendance report")
    assert report.patient is None and "2026-11-24 to 2026-11-30" in report.detail
    later = await audit.trail(bot.db, since=trail[-1].at + timedelta(seconds=1))
    assert later == []
