"""Patients' rights end to end: /mydata sends everything kept; `forget` removes who they are."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.cli import main
from bot.usecases.privacy import NotAPatient, forget
from tests.helpers.clinic import BotHarness


async def patient_with_history(bot: BotHarness) -> None:
    _, patient = await bot.joined_clinic()
    await patient.send("can't make it tonight")
    await patient.press("Yes, that's the one")
    await patient.send("my car broke down again")
    await patient.send("what's the wifi password at the clinic")
    await patient.press("Send this to my therapist")
    alex = (await bot.db.fetch_one("SELECT id FROM people WHERE handle = 'alex'"))[0]
    async with bot.db.transaction() as conn:  # a letter Dr. Lee declined with a note
        await conn.execute(
            "INSERT INTO letters (patient_id, recipient, status, created_at, requested_at, note)"
            " VALUES (?, 'court', 'declined', '2026-11-30T14:00:00Z', '2026-11-30T14:00:00Z',"
            " 'ask me again after the hearing date')",
            (alex,),
        )


def everything_in(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        return "\n".join(conn.iterdump())


async def test_mydata_sends_the_patient_everything_kept_about_them(bot: BotHarness) -> None:
    await patient_with_history(bot)
    patient = bot.user(777, "Alex")

    sent = await patient.send("/mydata")

    document = sent[-1]
    assert document.kind == "document" and "everything I keep about you" in document.text
    data = json.loads(document.content)
    assert data["you"][0]["name"] == "Alex R." and data["you"][0]["therapist"] == "Dr. Lee"
    assert data["absences"][0]["reason_text"] == "my car broke down again"
    assert data["absences"][0]["session"] == "Group Therapy"
    assert data["messages_for_your_therapist"][0]["text"] == (
        "what's the wifi password at the clinic"
    )
    assert data["attendance_letters"][0]["your_therapists_note"] == (
        "ask me again after the hearing date"
    )
    assert "code_hash" not in document.content.decode()
    therapist_view = await bot.user(501, "Dr. Lee").send("/mydata")
    assert therapist_view[-1].kind == "text"  # a therapist has no /mydata of their own


async def test_forget_removes_names_and_words_and_keeps_counts(bot: BotHarness) -> None:
    await patient_with_history(bot)
    assert "my car broke down again" in everything_in(bot.config.storage.path)

    person, forgotten = await forget(bot.db, "alex", datetime.now(UTC))

    dump = everything_in(bot.config.storage.path)
    for identifying in ("Alex R.", "car broke down", "wifi password", "'alex'", "hearing date"):
        assert identifying not in dump, identifying
    assert forgotten.kept["absences (kind and reason category)"] == 1
    assert forgotten.removed["messages for the therapist"] == 1
    after = await bot.user(777, "Alex").send("/mydata")
    assert after[-1].kind == "text"  # no longer known: nothing of theirs is sent
    with pytest.raises(NotAPatient):
        await forget(bot.db, "lee", datetime.now(UTC))
    assert person.handle == "alex"


def test_forget_on_the_command_line_asks_for_yes_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("IOP_BOT_CONFIG", raising=False)
    assert main(["init"]) == 0
    assert main(["invite", "--role", "therapist", "--name", "Dr. Lee", "--handle", "lee"]) == 0
    invite = ["invite", "--role", "patient", "--name", "Alex R.", "--handle", "alex"]
    assert main([*invite, "--therapist", "lee"]) == 0
    capsys.readouterr()

    unconfirmed = main(["forget", "--patient", "alex"])
    refused = capsys.readouterr().err
    unknown = main(["forget", "--patient", "nobody", "--yes"])
    not_found = capsys.readouterr().err
    done = main(["forget", "--patient", "alex", "--yes"])
    out = capsys.readouterr().out

    assert unconfirmed == 2 and "cannot be undone" in refused and "--yes" in refused
    assert unknown == 1 and "no patient has the handle 'nobody'" in not_found
    assert done == 0 and "Forgot alex: they are now 'Former patient" in out
    assert "Kept, without their name or words:" in out
    assert main(["audit", "--patient", "forgotten-2"]) == 0
    trail = capsys.readouterr().out
    assert main(["audit", "--patient", "alex"]) == 1
    assert "command line: forgot a patient about Former patient 2" in trail
