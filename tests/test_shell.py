"""`iop-bot shell`: a clinic tries every flow in a terminal, driven here through a real
pseudo-terminal (what a person types, what they see), plus its clock and --db in-process."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import shutil
import sqlite3
import stat
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.cli import main
from bot.shell import ShellChoice, clock_target, run_shell
from storage.db import run_lock

DEMO_SCHEDULE = Path(__file__).parents[1] / "bot" / "demo_schedule.toml"
WAIT = 60.0  # seconds for one expected text: generous for a busy machine, never slept


class Terminal:
    """``iop-bot shell`` on a pseudo-terminal: type lines, read until a text appears."""

    def __init__(self, folder: Path, *args: str, prompt: str = "") -> None:
        self.prompt = prompt
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))
        environment = {key: value for key, value in os.environ.items() if key != "TERM"}
        environment.update(TERM="dumb", TMPDIR=str(folder), IOP_BOT_CONFIG=str(folder / "none"))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "shell", *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            cwd=folder,
            env=environment,
            start_new_session=True,
            # Its own session with this terminal as the controlling one, as a login has:
            # then Ctrl+C is a SIGINT for the shell.
            preexec_fn=_take_the_terminal,
        )
        os.close(slave)
        self.screen = ""
        self._read_to = 0

    def type(self, line: str) -> None:
        os.write(self.master, line.encode() + b"\n")

    def say(self, line: str) -> str:
        """Type a line and read what the shell shows until it asks for the next one."""
        self.type(line)
        return self.expect(self.prompt)

    def expect(self, text: str, wait: float = WAIT) -> str:
        """Read until ``text`` shows up after what was expected last; return what came."""
        deadline = time.monotonic() + wait
        while (found := self.screen.find(text, self._read_to)) < 0:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self.master], [], [], max(left, 0))
            if not ready:
                raise AssertionError(f"{text!r} did not show; the screen:\n{self.screen}")
            try:
                chunk = os.read(self.master, 65536)
            except OSError:  # the shell has ended and closed the terminal
                chunk = b""
            if not chunk:
                raise AssertionError(f"{text!r} never came; the screen:\n{self.screen}")
            self.screen += chunk.decode("utf-8", "replace").replace("\r\n", "\n")
        came = self.screen[self._read_to : found + len(text)]
        self._read_to = found + len(text)
        return came

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=WAIT)
        os.close(self.master)


def _take_the_terminal() -> None:
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


@pytest.fixture
def terminals(tmp_path: Path) -> Iterator[list[Terminal]]:
    opened: list[Terminal] = []
    yield opened
    for terminal in opened:
        terminal.close()


def open_shell(terminals: list[Terminal], folder: Path, *args: str, prompt: str = "") -> Terminal:
    terminal = Terminal(folder, *args, prompt=prompt)
    terminals.append(terminal)
    return terminal


def test_an_absence_in_free_text_a_reminder_after_clock_and_a_button_by_number(
    tmp_path: Path, terminals: list[Terminal]
) -> None:
    alex = open_shell(terminals, tmp_path, "--as", "alex", prompt="\nalex> ")
    alex.expect("It's Mon 30 Nov, 9:00 AM (America/New_York).")
    alex.expect("\nalex> ")

    asked = alex.say("cant make it thurs, double shift at work")
    assert "bot: Just to check: you can't make it to Group Therapy, Thu 3 Dec, 6:00 pm?" in asked
    assert "[1] Yes, that's the one  [2] No, a different one" in asked
    told = alex.say("1")
    assert "(you press [Yes, that's the one])" in told
    assert "I've told Dr. Lee you can't make it to Group Therapy, Thu 3 Dec" in told
    assert "(to Dr. Lee: 🔔 New absence report)" in told  # the therapist's alert, in short

    reminded = alex.say("/clock +8h")
    reminder = "── Mon 30 Nov, 5:00 PM\nbot: ⏰ Reminder: your appointment today at 6:00 pm"
    assert reminder in reminded
    assert "[1] I'll be there  [2] Can't make it  [3] Running late" in reminded
    assert "It's now Mon 30 Nov, 5:00 PM." in reminded

    pressed = alex.say("1")
    assert "(you press [I'll be there])" in pressed
    assert "bot: Great, see you at Group Therapy, Mon 30 Nov, 6:00 pm!" in pressed

    alex.type("/quit")
    alex.expect("Bye!")
    assert alex.process.wait(timeout=WAIT) == 0


def test_a_therapist_s_report_is_saved_privately_and_ctrl_d_leaves(
    tmp_path: Path, terminals: list[Terminal]
) -> None:
    lee = open_shell(terminals, tmp_path, "--therapist", prompt="\nlee> ")
    lee.expect("You are Dr. Lee (therapist).")
    lee.expect(lee.prompt)
    assert "[1] Last 7 days" in lee.say("/report")
    saved = lee.say("/press 1")
    csv_path = Path(re.findall(r"saved to (\S+\.csv)", saved)[0])

    assert csv_path.parent.parent == tmp_path  # in the private temp dir, not the cwd
    assert stat.S_IMODE(csv_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(csv_path.parent.stat().st_mode) == 0o700
    assert csv_path.read_text().startswith("date,start,session_id,")
    os.write(lee.master, b"\x04")  # Ctrl+D at the prompt
    farewell = lee.expect("Bye!")
    assert f"The files the bot sent are in {csv_path.parent}" in farewell
    assert lee.process.wait(timeout=WAIT) == 0


def test_a_new_patient_goes_through_consent_and_time_zone(
    tmp_path: Path, terminals: list[Terminal]
) -> None:
    jamie = open_shell(terminals, tmp_path, "--new-patient")
    jamie.expect("You are Jamie, a new patient of Dr. Lee, opening your invite link:")
    jamie.expect("[1] Yes, that's okay  [2] No, thanks")
    jamie.type("1")
    jamie.expect("[1] ✅ Eastern time")
    jamie.type("1")
    jamie.expect("What would you like me to call you?")
    jamie.type("Jay")
    jamie.expect("You're all set, Jay!")
    jamie.expect("\njamie> ")
    # Ctrl+C at the prompt leaves too. A SIGINT that lands after the prompt is drawn but
    # before readline waits for a key is only seen at the next key (CPython's readline):
    # no person is that quick, a test is, so it presses again.
    for _ in range(2):
        os.write(jamie.master, b"\x03")
        try:
            jamie.expect("Bye!", wait=5.0)
            break
        except AssertionError:
            pass
    else:
        os.write(jamie.master, b"\x03")
        jamie.expect("Bye!")
    assert jamie.process.wait(timeout=WAIT) == 0


def test_a_spanish_telegram_app_gets_the_bot_in_spanish(
    tmp_path: Path, terminals: list[Terminal]
) -> None:
    jamie = open_shell(terminals, tmp_path, "--new-patient", "--lang", "es")
    jamie.expect("¿Te parece bien?")
    jamie.expect("[1] Sí, me parece bien  [2] No, gracias")
    jamie.type("1")
    jamie.expect("[1] ✅ Hora del Este")
    jamie.type("/quit")
    assert jamie.process.wait(timeout=WAIT) == 0


NOW = datetime(2026, 11, 30, 9, 0, tzinfo=ZoneInfo("America/New_York"))  # a Monday


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("+2h", "2026-11-30 11:00"),
        ("+1d30m", "2026-12-01 09:30"),
        ("18:00", "2026-11-30 18:00"),
        ("8:30", "2026-12-01 08:30"),  # already past today: tomorrow
        ("9:00", "2026-12-01 09:00"),  # now is not later
        ("thu 17:00", "2026-12-03 17:00"),
        ("Monday 08:00", "2026-12-07 08:00"),
        ("2026-12-24 18:00", "2026-12-24 18:00"),
    ],
)
def test_clock_targets(text: str, target: str) -> None:
    moved = clock_target(text, NOW)
    assert moved.tzinfo == NOW.tzinfo and f"{moved:%Y-%m-%d %H:%M}" == target


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("soon", "is not a time"),
        ("25:00", "is not a time of day"),
        ("+2x", "is not a duration"),
        ("2026-11-01 10:00", "only moves forward"),
        ("9999-12-31 23:59", "more than a year away"),  # was an OverflowError that ended it
    ],
)
def test_clock_refuses_what_it_cannot_do(text: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        clock_target(text, NOW)


def test_db_plays_in_that_database_with_people_who_have_joined(
    clinic_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copy(DEMO_SCHEDULE, clinic_dir / "schedule.toml")
    for command in (
        ["init"],
        ["invite", "--role", "therapist", "--handle", "lee", "--name", "Dr. Lee"],
        ["schedule", "import", "schedule.toml"],
        ["invite", "--role", "patient", "--handle", "alex", "--name", "Alex R.",
         "--therapist", "lee", "--group", "evening-a"],
    ):  # fmt: skip
        assert main(command) == 0
    database = clinic_dir / "data" / "iop-bot.sqlite3"
    capsys.readouterr()

    # Alex has not joined: signing them in here would use up their real invite.
    assert main(["shell", "--as", "alex", "--db", str(database)]) == 1
    assert "alex has not joined yet" in capsys.readouterr().err
    with sqlite3.connect(database) as db:
        revoked = db.execute("SELECT count(*) FROM invites WHERE revoked_at IS NOT NULL")
        assert revoked.fetchone() == (0,)
        db.execute(  # both join, as they would through Telegram
            "UPDATE people SET telegram_id = id + 5000, chat_id = id + 5000,"
            " registered_at = created_at, timezone = 'America/New_York'"
        )
    db.close()
    monkeypatch.setattr("sys.stdin", _Lines("/help\n/as lee\n/today\n"))

    code = main(["shell", "--as", "alex", "--db", str(database)])

    out = capsys.readouterr().out
    assert code == 0
    assert f"iop-bot shell · Evening IOP · {database}" in out
    assert "/absent – Tell your care team you'll miss a session" in out  # the bot's /help
    assert "Shell commands (everything else goes to the bot as a message):" in out
    assert "bot: Today's sessions" in out
    assert out.endswith("Bye!\n")


class _Lines:
    """Standard input that is not a terminal: ``input()`` reads it line by line."""

    def __init__(self, text: str) -> None:
        self._lines = text.splitlines(keepends=True)

    def readline(self) -> str:
        return self._lines.pop(0) if self._lines else ""

    def fileno(self) -> int:
        raise OSError("not a terminal")

    def isatty(self) -> bool:
        return False


def test_db_must_exist_and_not_be_in_use(
    clinic_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["shell", "--as", "alex", "--db", "missing.sqlite3"]) == 1
    assert "no database at missing.sqlite3" in capsys.readouterr().err
    main(["init"])
    database = clinic_dir / "data" / "iop-bot.sqlite3"
    capsys.readouterr()
    with run_lock(database):
        assert main(["shell", "--as", "alex", "--db", str(database)]) == 1
    err = capsys.readouterr().err
    assert "the bot is running on" in err and err.count("\n") == 1


def test_an_unknown_handle_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["shell", "--as", "nobody"]) == 1
    assert "no one has the handle 'nobody' (try: alex, lee)" in capsys.readouterr().err


def test_shell_commands_and_what_others_get(capsys: pytest.CaptureFixture[str]) -> None:
    typed = iter(
        ["/clock", "/clock yesterday", ":nope", "7", "/as lee", "/clock 21:00", "1", ":quit"]
    )

    def read_line(prompt: str) -> str:
        line = next(typed)
        print(prompt + line)
        return line

    code = run_shell(ShellChoice(handle="alex"), None, sys.stdout, read_line)

    out = capsys.readouterr().out
    assert code == 0 and next(typed, None) is None
    assert "alex> /clock\nIt's Mon 30 Nov, 9:00 AM (America/New_York).\n" in out
    assert "'yesterday' is not a time: try /clock +2h" in out
    assert "There's no shell command :nope.\nShell commands" in out
    # No button 7 anywhere: the number is a message, and the bot asks what it means.
    assert "alex> 7\nbot: " in out and "(you press" not in out.split("lee> ")[0]
    assert "You are Dr. Lee (therapist)." in out
    # Alex's reminder, while speaking as Dr. Lee, is one short line under its time.
    assert "── Mon 30 Nov, 5:00 PM\n  (to Alex R.: ⏰ Reminder: your appointment today" in out
    assert "bot: 📝 Time to mark attendance" in out
    assert "lee> 1\n(you press [Mark attendance])" in out
    assert out.endswith("Bye!\n")


def test_bytes_that_are_not_utf8_are_read_kindly(capsys: pytest.CaptureFixture[str]) -> None:
    # What input() gives for b"hello \xff\xfe" from a terminal that is not UTF-8.
    typed = iter(["hello \udcff\udcfe there", ":quit"])

    code = run_shell(ShellChoice(handle="alex"), None, sys.stdout, lambda prompt: next(typed))

    captured = capsys.readouterr()
    assert code == 0
    assert "Traceback" not in captured.err and "went wrong" not in captured.out
    assert captured.out.endswith("Bye!\n")
