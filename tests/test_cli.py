"""The admin's path through the command line, in a temporary folder."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import stat
from pathlib import Path

import pytest
import time_machine

from bot.cli import main

DEMO_SCHEDULE = Path(__file__).parents[1] / "bot" / "demo_schedule.toml"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@time_machine.travel("2026-11-28 12:00:00-05:00", tick=False)
def test_init_import_list_and_invite(clinic_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "init")
    assert code == 0 and "Created config.toml" in out
    assert (clinic_dir / "data" / "iop-bot.sqlite3").exists()
    assert run(capsys, "init")[1].startswith("config.toml already exists")
    shutil.copy(DEMO_SCHEDULE, clinic_dir / "schedule.toml")

    code, out, _ = run(capsys, "schedule", "import", "schedule.toml")
    assert code == 0
    assert "1 groups, 4 series and sessions, 1 cancellations" in out
    assert "Not invited yet: therapist lee, patient alex" in out
    again = run(capsys, "schedule", "import", "schedule.toml")[1]
    assert "0 added, 0 moved or restored, 0 cancelled" in again

    code, out, _ = run(capsys, "schedule", "list", "--from", "2026-11-30", "--to", "2026-12-06")
    lines = [line.strip() for line in out.splitlines()[1:]]
    assert code == 0
    assert lines[0].startswith("Mon 2026-11-30 18:00–21:00 EST  Group Therapy")
    assert lines[1].startswith("Tue 2026-12-01 17:30–18:30 EST  Coping Skills Class")
    assert lines[4].startswith("Fri 2026-12-04 16:00–16:50 EST  Individual Session")
    assert len(lines) == 5

    code, out, _ = run(
        capsys, "invite", "--role", "therapist", "--handle", "lee", "--name", "Dr. Lee"
    )
    assert code == 0
    link = re.search(r"https://t\.me/my_iop_bot\?start=([A-Za-z0-9_-]{22})", out)
    assert link and f"code: {link.group(1)}" in out
    code, out, _ = run(
        capsys, "invite", "--role", "patient", "--handle", "alex", "--name", "Alex R.",
        "--therapist", "lee", "--group", "evening-a",
    )  # fmt: skip
    assert code == 0 and "Invite for patient alex (Alex R.)" in out


@time_machine.travel("2026-11-28 12:00:00-05:00", tick=False)
def test_list_shows_cancelled_holidays(
    clinic_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "init")
    run(capsys, "schedule", "import", str(DEMO_SCHEDULE))

    out = run(capsys, "schedule", "list", "--from", "2026-12-24", "--to", "2026-12-24")[1]

    assert "Thu 2026-12-24 18:00–21:00 EST  Group Therapy" in out and "CANCELLED" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("invite", "--role", "patient", "--handle", "alex"), "a patient needs --therapist"),
        (("invite", "--role", "patient", "--handle", "alex", "--therapist", "nobody"),
         "no therapist with handle 'nobody'"),
        (("invite", "--role", "therapist", "--handle", "Bad Handle!"), "handle 'bad handle!'"),
        (("invite", "--role", "therapist"), "give --handle or --name"),
        (("schedule", "import", "missing.toml"), "missing.toml: not found"),
        (("schedule", "list", "--from", "2026-12-10", "--to", "2026-12-01"), "is before --from"),
    ],
)  # fmt: skip
def test_errors_are_one_line_without_traceback(
    clinic_dir: Path, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], message: str
) -> None:
    run(capsys, "init")

    code, _, err = run(capsys, *args)

    assert code == 1
    assert err.count("\n") == 1 and message in err and "Traceback" not in err


def test_usage_errors_exit_2(clinic_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["schedule", "list", "--from", "tomorrow"])
    assert caught.value.code == 2
    assert "'tomorrow' is not a date like 2026-11-30" in capsys.readouterr().err


def test_run_without_a_token_says_so(clinic_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "init")
    code, _, err = run(capsys, "run")
    assert code == 2 and "[telegram] token is empty" in err


def test_demo_prints_a_transcript(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "demo")

    assert code == 0
    assert "bot → Dr. Lee: Welcome, Dr. Lee!" in out
    assert "bot → Alex: You're all set, Al!" in out
    assert "bot → group chat: Hi! I only talk in private chats." in out


def test_backup_copies_a_private_snapshot(
    clinic_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "init")
    run(capsys, "invite", "--role", "therapist", "--handle", "lee")

    code, out, _ = run(capsys, "backup", "copy.sqlite3")
    again, _, err = run(capsys, "backup", "copy.sqlite3")

    assert code == 0 and "Backed up" in out
    assert stat.S_IMODE((clinic_dir / "copy.sqlite3").stat().st_mode) == 0o600
    with sqlite3.connect(clinic_dir / "copy.sqlite3") as copy:
        assert copy.execute("SELECT handle FROM people").fetchall() == [("lee",)]
    copy.close()
    assert again == 1 and "already exists" in err


def test_parse_prints_one_json_object(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "parse", "cant make it thurs, double shift at work",
        "--now", "2026-11-30T09:00:00-05:00", "--tz", "America/New_York",
    )  # fmt: skip

    assert code == 0
    reading = json.loads(out)
    assert {k: reading[k] for k in ("intent", "date", "session_kind", "reason")} == {
        "intent": "absence_upcoming",
        "date": "2026-12-03",
        "session_kind": None,
        "reason": "work",
    }
    assert reading["crisis_level"] is None and reading["clarify"] is False
    assert 0.65 <= reading["confidence"] <= 1


def test_parse_jsonl_keeps_order_and_reports_bad_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = [
        {"text": "sorry I missed yesterday's group", "now": "2026-12-01T10:00:00-05:00",
         "tz": "America/New_York"},
        "this is not json",
        {"text": "running 15 min late tonight", "now": "2026-12-01T23:30:00",
         "tz": "America/Los_Angeles"},
        {"text": "hola", "tz": "Mars/Base"},
    ]  # fmt: skip
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines))

    code, out, _ = run(capsys, "parse", "--jsonl", str(source))

    results = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(results) == 4
    assert results[0]["date"] == "2026-11-30" and results[0]["intent"] == "absence_missed"
    assert "error" in results[1] and "error" in results[3]
    assert results[2]["intent"] == "late" and results[2]["date"] == "2026-12-01"


def test_parse_with_a_bad_zone_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "parse", "hello", "--tz", "Mars/Base")
    assert code == 1 and "--tz 'Mars/Base' is not a time zone" in err


def test_a_file_that_is_not_a_database_is_one_line(
    clinic_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "init")
    (clinic_dir / "data" / "iop-bot.sqlite3").write_text("not a database")

    code, _, err = run(capsys, "schedule", "list")

    assert code == 1
    assert err == "iop-bot: the database cannot be used (file is not a database)\n"


def test_a_deeply_nested_file_is_one_line(
    clinic_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (clinic_dir / "config.toml").write_text("x = " + "[" * 5000 + "]" * 5000 + "\n")
    (clinic_dir / "deep.toml").write_text("x = " + "[" * 5000 + "]" * 5000 + "\n")

    code, _, err = run(capsys, "schedule", "list")
    assert code == 2 and err.count("\n") == 1 and "nested too deeply" in err
    run(capsys, "init")


@pytest.mark.parametrize("name", ["x" * 5000, "Alex\nReported: fake line", "", "Bell\x07"])
def test_invite_names_are_bounded(
    clinic_dir: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    run(capsys, "init")

    code, _, err = run(capsys, "invite", "--role", "therapist", "--handle", "lee", "--name", name)

    assert code == 1 and err.count("\n") == 1 and "--name must be 1 to 80 characters" in err


def test_a_full_disk_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot import cli

    full = sqlite3.OperationalError("disk I/O error")
    assert "disk is probably full" in cli._database_problem(full)


@time_machine.travel("2026-11-28 12:00:00-05:00", tick=False)
def test_memberships_have_dates_from_the_command_line(
    clinic_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "init")
    shutil.copy(DEMO_SCHEDULE, clinic_dir / "schedule.toml")
    run(capsys, "schedule", "import", "schedule.toml")
    run(capsys, "invite", "--role", "therapist", "--handle", "lee", "--name", "Dr. Lee")
    code, _, _ = run(
        capsys, "invite", "--role", "patient", "--handle", "sam", "--name", "Sam",
        "--therapist", "lee", "--group", "evening-a", "--since", "2026-11-02",
    )  # fmt: skip
    assert code == 0

    def sam(action: str, *more: str) -> tuple[int, str, str]:
        return run(capsys, "member", action, "--patient", "sam", "--group", "evening-a", *more)

    code, out, _ = sam("remove", "--last-day", "2026-11-20")
    assert code == 0
    # New York midnights in UTC: 05:00 (EST); 2 Nov is after the clocks went back.
    assert out.splitlines()[1].split() == [
        "sam", "evening-a", "2026-11-02", "05:00", "2026-11-21", "05:00",
    ]  # fmt: skip
    code, out, _ = sam("add")  # back, from now
    assert code == 0 and out.splitlines()[2].split()[2:] == ["2026-11-28", "17:00", "-"]
    with time_machine.travel("2026-12-03 12:00:00-05:00", tick=False):
        _, again, _ = sam("add")  # already a member: the start stays
    assert again == out
    assert sam("remove", "--last-day", "2026-11-27")[2] == (
        "iop-bot: sam: joined 'evening-a' on 2026-11-28 (UTC), so they can't have left by then\n"
    )
    assert sam("add", "--since", "2026-11-10")[2] == (
        "iop-bot: sam: an earlier membership of 'evening-a' ended on 2026-11-21 (UTC); the new"
        " start can't be before that\n"
    )
    assert run(capsys, "member", "add", "--patient", "lee", "--group", "evening-a")[2] == (
        "iop-bot: no patient 'lee'\n"
    )
    assert run(capsys, "member", "list", "--group", "nope")[0] == 1
    with pytest.raises(SystemExit) as usage:
        main(
            ["member", "add", "--patient", "sam", "--group", "evening-a", "--since", "0999-01-01"]
        )
    assert usage.value.code == 2 and "is not between 1970 and 2999" in capsys.readouterr().err
