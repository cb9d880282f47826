"""`iop-bot shell`: chat with the real bot in a terminal, offline (no token, no network).

The same machinery as `iop-bot demo` (the real Application, the in-process fake Bot API, a
simulated clock that only moves when told, the outbox run as the scheduler would), but a
person types: lines are sent as messages from the chosen person, the bot's messages are
printed as they arrive, buttons are numbered choices, and ``/clock +2h`` lets time pass so
reminders and follow-ups arrive. By default it plays in a throw-away copy of the demo clinic;
``--db PATH`` plays in that database instead (best a copy: ``iop-bot backup``).
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
import tempfile
import threading
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, TextIO
from zoneinfo import ZoneInfo

from bot.app import running
from bot.clock import FakeClock
from bot.config import Config, StorageConfig
from bot.context import SERVICES
from bot.demo import START, demo_config, let_time_pass, seed_demo_clinic
from bot.durations import parse_duration
from bot.errors import IopBotError
from bot.fake_telegram import ChatUser, FakeBotApi, FakeRequest, Sent
from bot.i18n import texts
from bot.invites import issue_invite
from bot.kinds import Role
from bot.services import Services
from storage import people as people_store
from storage.db import AlreadyRunning, run_lock
from storage.records import Person

if TYPE_CHECKING:
    from telegram.ext import Application

SHELL_HELP = """\
Shell commands (everything else goes to the bot as a message):
  1, 2, ...        press that button on the newest message with buttons (/press 1 too)
  /clock           what time it is here
  /clock +2h       let time pass (90m, 1h30m, 2d); reminders arrive on the way
  /clock 18:00     let time pass until 18:00 (also: /clock thu 17:00, /clock 2026-12-03 17:00)
  /as HANDLE       speak as someone else (e.g. /as lee, /as alex)
  /quit            leave (Ctrl+D or Ctrl+C too)
The same commands work with ':' instead of '/' (:help shows only this list).
"""
# Telegram ids for people the shell signs in itself, far above the demo's few.
SHELL_TELEGRAM_IDS = 7_700_000_000
NEW_PATIENT_NAME = "Jamie"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
PRESS = re.compile(r"^\d{1,2}$")
INDENT = " " * 5


@dataclass(frozen=True)
class ShellChoice:
    """Who speaks and where: one of ``handle``, ``new_patient`` or ``therapist``."""

    handle: str | None = None
    new_patient: bool = False
    therapist: bool = False
    database: Path | None = None
    # Their Telegram app's language: who has not chosen one reads the bot in it.
    language: str = "en"


def run_shell(
    choice: ShellChoice,
    config: Config | None,
    out: TextIO,
    read_line: Callable[[str], str] = input,
) -> int:
    """Play until /quit or end of input; ``config`` is used only with a database."""
    if choice.database is None:
        with tempfile.TemporaryDirectory(prefix="iop-bot-shell-") as folder:
            return asyncio.run(_play(choice, demo_config(Path(folder)), START, out, read_line))
    database = choice.database
    if not database.is_file():
        raise IopBotError(
            f"no database at {database} (make a copy of yours with `iop-bot backup FILE`)"
        )
    base = config or demo_config(database.parent)
    config = replace(base, storage=StorageConfig(path=database))
    start = datetime.now(config.program.timezone)
    try:
        with run_lock(database):
            return asyncio.run(_play(choice, config, start, out, read_line))
    except AlreadyRunning as holder:
        raise IopBotError(
            f"the bot is running on {database} ({holder}); try the shell on a copy "
            "(`iop-bot backup FILE`)"
        ) from None


MAX_CLOCK_STEP = timedelta(days=366)  # as far as +366d (and a clock that stays in range)


def clock_target(text: str, now: datetime) -> datetime:
    """Where ``/clock TEXT`` moves a clock that reads ``now`` (aware, local); never back."""
    words = text.lower().split()
    if len(words) == 1 and words[0].startswith("+"):
        return (now.astimezone(UTC) + parse_duration(words[0][1:])).astimezone(now.tzinfo)
    if len(words) == 2 and words[0][:3] in WEEKDAYS:
        wall = _wall_time(words[1])
        target = now.replace(hour=wall[0], minute=wall[1], second=0, microsecond=0)
        days = (WEEKDAYS.index(words[0][:3]) - now.weekday()) % 7
        target += timedelta(days=days)
        return target if target > now else target + timedelta(days=7)
    if len(words) == 1 and ":" in words[0] and "-" not in words[0]:
        hour, minute = _wall_time(words[0])
        target = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
        return target if target > now else target + timedelta(days=1)
    try:
        target = datetime.fromisoformat(" ".join(words)).replace(tzinfo=now.tzinfo)
    except ValueError:
        raise ValueError(
            f"{text!r} is not a time: try /clock +2h, /clock 18:00 or /clock thu 17:00"
        ) from None
    if target <= now:
        raise ValueError("time only moves forward here")
    if target - now > MAX_CLOCK_STEP:
        raise ValueError("that is more than a year away: move the clock a year at most")
    return target


def _wall_time(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", text)
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise ValueError(f"{text!r} is not a time of day like 18:00")
    return int(match[1]), int(match[2])


class Screen:
    """Prints what the bot did since the last look: the speaker's chat in full, others short."""

    def __init__(self, api: FakeBotApi, out: TextIO) -> None:
        self.api, self.out = api, out
        self.chat_id = 0
        self.choices: Sent | None = None  # the newest message shown with buttons
        self._files: Path | None = None
        self._shown: set[tuple[int, int]] = set()
        self.skip()

    def skip(self) -> None:
        """Forget what happened so far (set-up the person need not see)."""
        self._activity = len(self.api.activity)
        self._answers = len(self.api.callback_answers)

    def pending(self) -> bool:
        return len(self.api.activity) > self._activity or any(
            self.api.callback_answers[self._answers :]
        )

    def say(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def show(self) -> None:
        for answer in self.api.callback_answers[self._answers :]:
            if answer:
                self.say(f"bot (pop-up): {answer}")
        batch = self.api.activity[self._activity :]
        self.skip()
        # A message sent and then edited in one go is shown once, as it ends up.
        keys = [(sent.chat_id, sent.message_id) for sent in batch]
        for index, sent in enumerate(batch):
            if keys[index] in keys[index + 1 :]:
                continue
            if sent.chat_id == self.chat_id:
                self._show_mine(sent)
            else:
                who = self.api.names.get(sent.chat_id, f"chat {sent.chat_id}")
                first = _words(sent).split("\n", 1)[0]
                self.say(f"  (to {who}: {first})")
            self._shown.add(keys[index])

    def _show_mine(self, sent: Sent) -> None:
        notes = []
        if (sent.chat_id, sent.message_id) in self._shown:
            notes.append("edited")
        if sent.silent:
            notes.append("silent")
        label = "bot" + (f" ({', '.join(notes)})" if notes else "")
        self.say(f"{label}: " + _words(sent).replace("\n", "\n" + INDENT))
        if sent.content:
            self.say(f"{INDENT}saved to {self._save(sent)}")
        if sent.buttons:
            self.choices = sent
            numbered = [f"[{n}] {label}" for n, label in enumerate(self.labels(sent), 1)]
            self.say(INDENT + "  ".join(numbered))

    @staticmethod
    def labels(sent: Sent) -> list[str]:
        return [b["text"] for row in sent.buttons for b in row if "callback_data" in b]

    @staticmethod
    def data(sent: Sent) -> list[str]:
        return [b["callback_data"] for row in sent.buttons for b in row if "callback_data" in b]

    def _save(self, sent: Sent) -> Path:
        """Keep a file the bot sent where only this user can read it (it may hold names)."""
        if self._files is None:
            self._files = Path(tempfile.mkdtemp(prefix="iop-bot-shell-files-"))  # mode 0700
        name = Path(sent.filename).name or f"file-{sent.message_id}"
        path = self._files / name
        if path.exists():
            path = self._files / f"{sent.message_id}-{name}"
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(sent.content)
        return path

    @property
    def files(self) -> Path | None:
        return self._files


class Shell:
    """One terminal session: the speaker, the screen and the clock."""

    def __init__(
        self,
        application: Application,
        api: FakeBotApi,
        clock: FakeClock,
        out: TextIO,
        language: str = "en",
        *,
        demo: bool = True,
    ) -> None:
        self.application, self.api, self.clock = application, api, clock
        self.language = language
        self.demo = demo  # the throw-away demo clinic, not a clinic's own database
        self.services: Services = application.bot_data[SERVICES]
        self.zone: ZoneInfo = self.services.config.program.timezone
        self.screen = Screen(api, out)
        self.speaker: ChatUser | None = None
        self.handle = ""

    # --- people

    def chat_user(self, person: Person) -> ChatUser:
        assert person.telegram_id is not None
        first = (person.preferred_name or person.name).split()[0]
        return ChatUser(
            self.api,
            self.application,
            person.telegram_id,
            first,
            chat_id=person.chat_id,
            after_update=self.services.notifier.run_due,
            language_code=self.language,
        )

    async def joined(self, person: Person) -> Person:
        """Sign ``person`` in through their invite, out of sight, if they have not joined.
        Only in the throw-away demo clinic: in a clinic's database that would revoke their
        real invite and record a consent they never gave."""
        if person.is_registered:
            return person
        if not self.demo:
            raise IopBotError(
                f"{person.handle} has not joined yet, and signing them in here would use up "
                "their real invite; speak as someone who has joined, or use --new-patient"
            )
        db = self.services.db
        invite = await issue_invite(
            db,
            role=person.role,
            now=self.clock.now(),
            valid_for=self.services.config.invites.expire_after,
            handle=person.handle,
        )
        telegram_id = SHELL_TELEGRAM_IDS + person.id
        while await people_store.find_by_telegram_id(db, telegram_id) is not None:
            telegram_id += 1
        user = self.chat_user(replace(person, telegram_id=telegram_id, chat_id=telegram_id))
        await user.send(f"/start {invite.code}")
        if person.role is Role.PATIENT:
            await user.press(texts.CONSENT_YES)
            for _ in range(2):  # the program's time zone, then the suggested name
                if user.inbox and user.last.labels:
                    await user.press(user.last.labels[0])
        joined = await people_store.find_by_handle(db, person.handle)
        if joined is None or not joined.is_registered:
            raise IopBotError(f"could not sign {person.handle} in with an invite")
        return joined

    async def speak_as(self, handle: str) -> None:
        person = await people_store.find_by_handle(self.services.db, handle.lower())
        if person is None or person.role not in (Role.PATIENT, Role.THERAPIST):
            known = [p.handle for p in await people_store.list_people(self.services.db)]
            raise IopBotError(f"no one has the handle {handle!r} (try: {', '.join(known)})")
        person = await self.joined(person)
        self.speaker = self.chat_user(person)
        for someone in await people_store.list_people(self.services.db):
            if someone.chat_id is not None:  # whole names for the "(to Dr. Lee: ...)" lines
                self.api.names[someone.chat_id] = someone.name
        self.handle = person.handle
        self.screen.chat_id = self.speaker.chat_id
        self.screen.choices = None
        self.screen.skip()
        self.screen.say(f"You are {person.name} ({person.role}).")

    async def first_therapist(self) -> Person:
        everyone = await people_store.list_people(self.services.db)
        therapists = [p for p in everyone if p.role is Role.THERAPIST]
        if not therapists:
            raise IopBotError("no therapist in this database: invite one first")
        return next((p for p in therapists if p.handle == "lee"), therapists[0])

    async def new_patient(self, demo: bool) -> None:
        """Invite a new patient of the first therapist and open their link, in sight."""
        db, therapist = self.services.db, await self.first_therapist()
        handle, number = NEW_PATIENT_NAME.lower(), 1
        while await people_store.find_by_handle(db, handle) is not None:
            number += 1
            handle = f"{NEW_PATIENT_NAME.lower()}-{number}"
        invite = await issue_invite(
            db,
            role=Role.PATIENT,
            now=self.clock.now(),
            valid_for=self.services.config.invites.expire_after,
            handle=handle,
            name=NEW_PATIENT_NAME,
            therapist=therapist.handle,
            groups=("evening-a",) if demo else (),
        )
        telegram_id = SHELL_TELEGRAM_IDS + invite.person.id
        self.speaker = self.chat_user(
            replace(invite.person, telegram_id=telegram_id, chat_id=telegram_id)
        )
        self.handle = handle
        self.screen.chat_id = telegram_id
        self.screen.skip()
        self.screen.say(
            f"You are {NEW_PATIENT_NAME}, a new patient of {therapist.name}, "
            "opening your invite link:"
        )
        self.screen.say(f"{handle}> /start {invite.code}")
        await self.speaker.send(f"/start {invite.code}")
        self.screen.show()

    # --- what a line does

    async def handle_line(self, line: str) -> bool:
        """Act on one typed line; False when the person wants to leave."""
        line = line.strip()
        if not line:
            return True
        if PRESS.match(line) and self._button(int(line)) is not None:
            await self.press(int(line))
            return True
        if line[0] in "/:":
            word, _, rest = line[1:].partition(" ")
            word, rest = word.lower(), rest.strip()
            if word in ("quit", "exit"):
                return False
            if word == "clock":
                await self.move_clock(rest)
                return True
            if word == "press":
                await self.press(int(rest) if rest.isdigit() else 0)
                return True
            if word == "as" and rest:
                try:
                    await self.speak_as(rest)
                except IopBotError as error:
                    self.screen.say(str(error))
                return True
            if line[0] == ":":
                if word != "help":
                    self.screen.say(f"There's no shell command :{word}.")
                self.screen.say(SHELL_HELP.rstrip())
                return True
        assert self.speaker is not None
        await self.speaker.send(line)
        self.screen.show()
        if line.split()[0].lower() == "/help":
            self.screen.say(SHELL_HELP.rstrip())
        return True

    def _button(self, number: int) -> tuple[Sent, str, str] | None:
        sent = self.screen.choices
        if sent is None or not 1 <= number <= len(self.screen.data(sent)):
            return None
        return sent, self.screen.labels(sent)[number - 1], self.screen.data(sent)[number - 1]

    async def press(self, number: int) -> None:
        button = self._button(number)
        if button is None:
            self.screen.say("There's no button with that number on the newest message.")
            return
        sent, label, data = button
        assert self.speaker is not None
        self.screen.say(f"(you press [{label}])")
        await self.speaker.press_data(data, sent, label)
        self.screen.show()

    async def move_clock(self, text: str) -> None:
        now = self.clock.now().astimezone(self.zone)
        if not text:
            self.screen.say(f"It's {_when(now)} ({self.zone.key}).")
            return
        try:
            target = clock_target(text, now)
        except ValueError as error:
            self.screen.say(str(error))
            return
        notifier = self.services.notifier

        async def wake() -> None:
            await notifier.run_due()
            if self.screen.pending():
                self.screen.say(f"── {_when(self.clock.now().astimezone(self.zone))}")
                self.screen.show()

        await let_time_pass(self.clock, notifier, target, wake)
        await wake()
        self.screen.say(f"It's now {_when(target.astimezone(self.zone))}.")


def _words(sent: Sent) -> str:
    """A message's text, or a file's kind and caption."""
    return sent.text if sent.kind == "text" else f"[{sent.kind}] {sent.text}".rstrip()


def _when(moment: datetime) -> str:
    return f"{moment:%a %-d %b, %-I:%M %p}"


async def _play(
    choice: ShellChoice,
    config: Config,
    start: datetime,
    out: TextIO,
    read_line: Callable[[str], str],
) -> int:
    clock = FakeClock(start)
    api = FakeBotApi(username=config.telegram.bot_username or "iop_shell_bot", now=clock.now)
    demo = choice.database is None
    async with running(config, clock, FakeRequest(api), simulated_time=True) as application:
        shell = Shell(application, api, clock, out, choice.language, demo=demo)
        if demo:
            await seed_demo_clinic(shell.services.db, config, clock.now())
            for handle in ("lee", "alex"):  # both have joined: alerts reach Dr. Lee
                person = await people_store.find_by_handle(shell.services.db, handle)
                assert person is not None
                await shell.joined(person)
        where = "a throw-away demo clinic" if demo else str(config.storage.path)
        shell.screen.say(
            f"iop-bot shell · {config.program.name} · {where} · nothing leaves this computer."
        )
        shell.screen.say(
            f"It's {_when(clock.now().astimezone(shell.zone))} ({shell.zone.key}). Type a "
            "message, a number to press a button, /clock +2h to let time pass, /help, /quit."
        )
        if choice.new_patient:
            await shell.new_patient(demo)
        else:
            therapist = await shell.first_therapist() if choice.therapist else None
            await shell.speak_as(therapist.handle if therapist else choice.handle or "")
        _turn_on_line_editing(read_line)
        if threading.current_thread() is threading.main_thread():
            # asyncio.run's own handler only cancels the task, which a blocking input()
            # never notices: Ctrl+C must interrupt the prompt itself.
            signal.signal(signal.SIGINT, signal.default_int_handler)
        while True:
            try:
                line = read_line(f"{shell.handle}> ")
            except (EOFError, KeyboardInterrupt):
                shell.screen.say("")
                break
            if not await shell.handle_line(line):
                break
    files = shell.screen.files
    if files is not None:
        out.write(f"The files the bot sent are in {files} (only you can read them).\n")
    out.write("Bye!\n")
    return 0


def _turn_on_line_editing(read_line: Callable[[str], str]) -> None:
    """Arrow keys and history for ``input`` at a terminal (readline is there on Unix)."""
    if read_line is input and sys.stdin.isatty():
        with suppress(ImportError):
            import readline  # noqa: F401  (importing it is what turns it on)
