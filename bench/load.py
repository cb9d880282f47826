"""Load benchmark: many patients writing to the real bot at once.

200 registered patients (and their therapist) write to the bot at a target rate (default
100 messages a second, Poisson arrivals) for a bounded time: absences, late notices,
confirmations, questions, /schedule and /help in English and Spanish, presses of the buttons
the bot sent them ("Yes, that's the one", a reason, "Send this to my therapist"), a few
4,096-character texts and stickers. A simulated person waits for the bot's answer (and a
short think time) before writing again, as people do; an arrival that finds nobody free is
counted as not offered.

The bot is the real ``iop-bot run`` (long polling, handlers, SQLite, the outbox) in its own
process, talking over HTTP to a fake Bot API on 127.0.0.1 (``bot.fake_telegram``) that hands
out updates with a real long poll and keeps connections alive, as Telegram does. Its send
limiter (PTB's ``AIORateLimiter``, Telegram's 30 messages/s) is raised above the offered load
(``--send-limit``), because this measures the bot's own capacity; with the real cap the
limiter, correctly, sets the pace. No config key or environment variable sets that limit, so
the bot process is this script (``--bot``) patching the limiter ``bot.app`` builds and then
running the ``iop-bot run`` command. ``--api-latency`` adds a network round trip to every
call, since Telegram is not on localhost.

Latency is the time from an update being queued at the fake API to the bot's first answer in
that chat (sendMessage, editMessageText/ReplyMarkup, or answerCallbackQuery), both stamped
in this process. Updates queued during the warm-up are checked but not timed. Errors count
updates with no answer within ``--reply-timeout``, apologies ("Sorry, something went wrong"
with a reference; with the error handler's log line, one failure), every other
ERROR/CRITICAL record or stray traceback on the bot's stderr, and a bot that does not stop
cleanly. peak_mb is the bot process's VmHWM (peak resident memory) just before it stops.

Run: ``.venv/bin/python bench/load.py`` (``--help`` for rate, users and duration). The last
line is ``msgs_per_s=F p50_ms=F p95_ms=F p99_ms=F errors=N peak_mb=F``: msgs_per_s is the
first answers the bot sent during the timed window, per second; the percentiles are over
the updates queued in it.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import itertools
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot import texts
from bot.fake_telegram import STICKER, FakeBotApi, Sent, serve_fake_api
from bot.invites import hash_code, issue_invite
from bot.kinds import Role
from bot.schedule.file import parse_schedule
from bot.schedule.sync import import_schedule
from storage import people
from storage.db import Database

TOKEN = "123456789:load-bench-token"
THERAPIST_ID = 1  # the therapist's Telegram id and chat
FIRST_PATIENT = 10_000  # patient i has Telegram id and chat FIRST_PATIENT + i
GROUP_SIZE = 10
LOCAL_HOUR = 14  # the clinic's zone is picked so that it is about 2 pm there now
SESSION_START = "19:00"  # so "tonight" names one session, and no reminder falls due meanwhile
THINK_S = 0.3  # a person reads the answer before writing again
PRESS_SHARE = 0.7  # how often someone with unpressed buttons presses one
LONG_LIMIT = 4096  # Telegram's longest text message
REPLIES = {
    "sendMessage",
    "sendDocument",
    "sendPhoto",
    "editMessageText",
    "editMessageReplyMarkup",
    "answerCallbackQuery",
}
APOLOGY = texts.ERROR_APOLOGY.split("{", 1)[0]
PREFERRED_LABELS = (texts.CONFIRM_YES, texts.SEND_TO_THERAPIST, texts.SAFETY_SAFE_BUTTON)

# (what a person writes, weight); "[sticker]" and "[long]" stand for a sticker and a
# 4,096-character text.
MESSAGES = (
    ("can't make it tonight", 12),
    ("sorry, my kid is sick, I can't come tonight", 5),
    ("no puedo ir esta noche", 5),
    ("running 10 min late", 10),
    ("stuck in traffic, 15 minutes late", 5),
    ("llego 10 minutos tarde", 4),
    ("I'll be there", 10),
    ("see you tonight", 5),
    ("ahí estaré", 4),
    ("what's the wifi", 6),
    ("¿cuál es la contraseña del wifi?", 3),
    ("can we move tomorrow's group to friday?", 3),
    ("/schedule", 8),
    ("/help", 6),
    ("[sticker]", 2),
    ("[long]", 1),
)
LONG_TEXT = (
    "Today was long and I keep thinking about what we talked about in group last week, about"
    " routines and sleep. I tried the breathing exercise before work and it helped a little."
    " My sister came over and we cooked dinner together, which was nice. "
)
LONG_TEXT = (LONG_TEXT * (LONG_LIMIT // len(LONG_TEXT) + 1))[:LONG_LIMIT]
LOG_RECORD = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ (\w+) ")
REFERENCE = re.compile(r"ref=(\w+)")


# --- the clinic


def clinic_zone(now: datetime) -> ZoneInfo:
    """A fixed-offset zone where it is about LOCAL_HOUR now, so every run reads the same."""
    offset = (LOCAL_HOUR - now.hour) % 24
    if offset > 14:
        offset -= 24
    # Etc/GMT-3 is UTC+3 (the POSIX sign).
    return ZoneInfo(f"Etc/GMT{-offset:+d}" if offset else "Etc/GMT")


async def seed(path: Path, patients: int, zone: ZoneInfo, now: datetime) -> None:
    """A therapist and ``patients`` patients in groups of ten, all joined, meeting nightly."""
    groups = (patients + GROUP_SIZE - 1) // GROUP_SIZE
    raw = {
        "timezone": zone.key,
        "group": [
            {"id": f"g{g}", "name": f"Group {g}", "therapist": "lee"} for g in range(groups)
        ],
        "series": [
            {
                "id": f"g{g}-nightly",
                "kind": "group",
                "title": "Group Therapy",
                "group": f"g{g}",
                "weekdays": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                "start": SESSION_START,
                "duration": "3h",
                "from": now.astimezone(zone).date() - timedelta(days=7),
                "link": f"https://video.example/g{g}",
            }
            for g in range(groups)
        ],
    }
    db = await Database.open(path)
    try:
        lee = await issue_invite(
            db, role=Role.THERAPIST, now=now, valid_for=timedelta(days=1), handle="lee",
            name="Dr. Lee",
        )  # fmt: skip
        await _join(db, lee.code, THERAPIST_ID, zone, now)
        await import_schedule(db, parse_schedule(raw, Path("load.toml"), zone), now)
        for i in range(patients):
            invite = await issue_invite(
                db,
                role=Role.PATIENT,
                now=now,
                valid_for=timedelta(days=1),
                handle=f"p{i}",
                name=f"Patient {i}",
                therapist="lee",
                groups=(f"g{i // GROUP_SIZE}",),
            )
            await _join(db, invite.code, FIRST_PATIENT + i, zone, now)
    finally:
        await db.close()


async def _join(db: Database, code: str, telegram_id: int, zone: ZoneInfo, now: datetime) -> None:
    """Store what onboarding stores once someone has accepted their invite."""
    check = await people.check_invite(db, hash_code(code), telegram_id, now)
    joined = await people.register(
        db,
        invite_id=check.invite_id,
        telegram_id=telegram_id,
        chat_id=telegram_id,
        timezone=zone.key,
        now=now,
        consented=True,
    )
    if joined is None:
        raise SystemExit(f"could not register {telegram_id}")


def write_config(workdir: Path, port: int, zone: ZoneInfo) -> Path:
    path = workdir / "config.toml"
    path.write_text(
        f'[telegram]\nbase_url = "http://127.0.0.1:{port}/bot"\n\n'
        '[storage]\npath = "clinic.sqlite3"\n\n'
        f'[program]\nname = "Load Test IOP"\ntimezone = "{zone.key}"\n\n'
        '[reports]\ndigest_day = "off"\n'
    )
    return path


def outbox_counts(path: Path, now: datetime) -> str:
    """The outbox at the end: sent, due but not sent, planned for later (reminders)."""
    stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    with sqlite3.connect(path) as conn:
        counts = conn.execute(
            "SELECT count(*) FILTER (WHERE status = 'sent'),"
            " count(*) FILTER (WHERE status IN ('pending', 'sending') AND due_at <= ?),"
            " count(*) FILTER (WHERE status = 'pending' AND due_at > ?),"
            " count(*) FILTER (WHERE status NOT IN ('sent', 'pending', 'sending'))"
            " FROM outbox",
            (stamp, stamp),
        ).fetchone()
    conn.close()
    return "{} sent, {} due and not sent, {} planned for later, {} skipped or failed".format(
        *counts
    )


# --- the people and the fake Bot API


@dataclass
class Pending:
    """One update a person sent, and when the bot first answered it."""

    update_id: int
    kind: str
    queued_at: float
    timed: bool
    handed_at: float | None = None
    answered_at: float | None = None

    @property
    def latency(self) -> float | None:
        return None if self.answered_at is None else self.answered_at - self.queued_at


@dataclass
class Person:
    user_id: int
    name: str
    language: str
    pending: Pending | None = None
    last_activity: float = 0.0
    with_buttons: list[Sent] = field(default_factory=list)
    pressed: set[tuple[int, str]] = field(default_factory=set)

    def free(self, now: float) -> bool:
        """Answered (or never wrote) and had a moment to read the answer."""
        if self.pending is not None and self.pending.answered_at is None:
            return False
        return now - self.last_activity >= THINK_S

    def unpressed(self) -> Sent | None:
        """The newest of the bot's messages in this chat with buttons not yet pressed."""
        for sent in reversed(self.with_buttons):
            if sent.buttons and (sent.message_id, sent.text) not in self.pressed:
                return sent
        return None


class LoadBotApi(FakeBotApi):
    """The fake Bot API with a real long poll, timing each person's update to its answer."""

    def __init__(self, latency: float) -> None:
        super().__init__(username="load_bench_bot")
        self.latency = latency
        self.closing = False
        self._news = threading.Condition()
        self._query_ids = itertools.count(1)
        self.people: dict[int, Person] = {}
        self.by_update: dict[int, Pending] = {}
        self.query_chats: dict[str, int] = {}
        self.polls = 0
        self.statuses: collections.Counter[tuple[str, int]] = collections.Counter()
        self.to_staff = 0
        self.unprompted = 0
        self.expired = 0
        self.apology_refs: set[str] = set()

    # --- the people's side

    def offer(self, person: Person, kind: str, content: dict[str, Any], timed: bool) -> None:
        """Queue one update from ``person``: a press if ``content`` has data, else a message."""
        update_id = self.next_update_id()
        update: dict[str, Any] = {"update_id": update_id}
        query_id = ""
        if "data" in content:
            query_id = f"q{next(self._query_ids)}"
            update["callback_query"] = {
                "id": query_id,
                "from": self._user(person),
                "chat_instance": str(person.user_id),
                **content,
            }
        else:
            update["message"] = {
                "message_id": self.next_message_id(),
                "date": self.timestamp(),
                "chat": {"id": person.user_id, "type": "private", "first_name": person.name},
                "from": self._user(person),
                **content,
            }
        with self._lock:
            if query_id:
                self.query_chats[query_id] = person.user_id
            pending = Pending(update_id, kind, time.monotonic(), timed)
            self.by_update[update_id] = pending
            person.pending = pending
            self.pending_updates.append(update)
        with self._news:
            self._news.notify_all()

    def close(self) -> None:
        """Answer long polls at once from now on, so the bot stops without waiting."""
        self.closing = True
        with self._news:
            self._news.notify_all()

    @staticmethod
    def _user(person: Person) -> dict[str, Any]:
        return {
            "id": person.user_id,
            "is_bot": False,
            "first_name": person.name,
            "language_code": person.language,
        }

    # --- the bot's side

    def handle(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if method == "getUpdates":
            self._long_poll(int(params.get("offset") or 0), float(params.get("timeout") or 0))
        elif self.latency:
            time.sleep(self.latency)
        status, body = super().handle(method, params)
        now = time.monotonic()
        with self._lock:
            self.statuses[method, status] += 1
            if method == "getUpdates":
                self.polls += 1
                for update in body.get("result") or ():
                    pending = self.by_update.get(update["update_id"])
                    if pending is not None and pending.handed_at is None:
                        pending.handed_at = now
            elif status == 200 and method in REPLIES:
                self._answered(method, params, now)
        return status, body

    def _long_poll(self, offset: int, timeout: float) -> None:
        """Wait, like Telegram, until an update is there (at most 2 s, for a quick stop)."""
        deadline = time.monotonic() + min(timeout, 2.0)
        with self._news:
            while not self.closing and not (
                self.pending_updates and self.pending_updates[-1]["update_id"] >= offset
            ):
                left = deadline - time.monotonic()
                if left <= 0:
                    return
                self._news.wait(left)

    def _answered(self, method: str, params: dict[str, Any], now: float) -> None:
        if method == "answerCallbackQuery":
            chat_id = self.query_chats.get(str(params.get("callback_query_id")))
        else:
            chat_id = int(params["chat_id"])
        text = str(params.get("text") or params.get("caption") or "")
        if APOLOGY in text:
            self.apology_refs.add(text.rsplit(" ", 1)[-1])
        self.expired += texts.BUTTON_EXPIRED in text
        person = self.people.get(chat_id) if chat_id is not None else None
        if person is None:
            self.to_staff += chat_id == THERAPIST_ID
            return
        person.last_activity = now
        if person.pending is None:
            self.unprompted += 1
        elif person.pending.answered_at is None:
            person.pending.answered_at = now

    def _sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        result = super()._sendMessage(params)
        sent = self.messages[-1]  # handle() holds the lock: this is the one just sent
        person = self.people.get(sent.chat_id)
        if person is not None and sent.buttons:
            person.with_buttons = [*person.with_buttons[-4:], sent]
        return result

    def _find(self, params: dict[str, Any]) -> Sent:
        # An edit is of a message with buttons someone just pressed: look there first.
        person = self.people.get(int(params["chat_id"]))
        for sent in person.with_buttons if person else ():
            if sent.message_id == int(params["message_id"]):
                return sent
        return super()._find(params)


def serve(api: LoadBotApi) -> ThreadingHTTPServer:
    """Serve ``api`` on 127.0.0.1 with connections kept alive, as Telegram keeps them.

    A new connection for every call (HTTP/1.0, the fake's default) made the bot use about
    30% more CPU at 60 messages/s; with keep-alive, Nagle's algorithm must be off or each
    answer (headers, then body) waits for a delayed ACK.
    """
    server = serve_fake_api(api)
    server.RequestHandlerClass.protocol_version = "HTTP/1.1"
    server.RequestHandlerClass.disable_nagle_algorithm = True
    default = server.handle_error

    def handle_error(request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # the bot hung up: fine
            default(request, client_address)

    server.handle_error = handle_error  # type: ignore[method-assign]
    return server


def next_action(person: Person, rng: random.Random) -> tuple[str, dict[str, Any]]:
    """What ``person`` does now: press a button the bot offered, or write something."""
    offered = person.unpressed()
    if offered is not None and rng.random() < PRESS_SHARE:
        person.pressed.add((offered.message_id, offered.text))
        buttons = [b for row in offered.buttons for b in row if "callback_data" in b]
        reasons = [b for b in buttons if b["text"] in texts.REASON_LABELS.values()]
        preferred = [b for b in buttons if b["text"] in PREFERRED_LABELS]
        choice = rng.choice(reasons) if reasons else (preferred or buttons)[0]
        message = {
            "message_id": offered.message_id,
            "date": 0,
            "chat": {"id": person.user_id, "type": "private"},
            "text": offered.text,
            "reply_markup": {"inline_keyboard": offered.buttons},
        }
        return "press", {"data": choice["callback_data"], "message": message}
    words = rng.choices([m for m, _ in MESSAGES], [w for _, w in MESSAGES])[0]
    if words == "[sticker]":
        return "sticker", {"sticker": STICKER}
    if words == "[long]":
        return "long text", {"text": LONG_TEXT}
    if words.startswith("/"):
        entity = {"type": "bot_command", "offset": 0, "length": len(words.split()[0])}
        return "command", {"text": words, "entities": [entity]}
    return "text", {"text": words}


@dataclass
class Window:
    """The timed part of the run (monotonic seconds) and arrivals that found nobody free."""

    start: float
    end: float
    not_offered: int


def drive(
    api: LoadBotApi, rate: float, warmup: float, duration: float, rng: random.Random
) -> Window:
    """Offer updates at ``rate`` a second (Poisson) for the warm-up and the timed window."""
    everyone = list(api.people.values())
    began = time.monotonic()
    window = Window(began + warmup, began + warmup + duration, 0)
    arrival = began
    while arrival < window.end:
        delay = arrival - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        now = time.monotonic()
        with api._lock:
            free = [person for person in everyone if person.free(now)]
            if free:
                person = rng.choice(free)
                kind, content = next_action(person, rng)
        if free:
            api.offer(person, kind, content, timed=arrival >= window.start)
        else:
            window.not_offered += 1
        arrival += rng.expovariate(rate)
    return window


# --- the bot process


def run_bot(config: str, send_limit: float) -> int:
    """``iop-bot run`` with PTB's overall send limit raised to ``send_limit`` a second."""
    from telegram.ext import AIORateLimiter

    import bot.app
    from bot.cli import main as cli_main

    def raised_limiter(**kwargs: Any) -> AIORateLimiter:
        return AIORateLimiter(overall_max_rate=send_limit, overall_time_period=1, **kwargs)

    bot.app.AIORateLimiter = raised_limiter  # type: ignore[misc,assignment]
    return cli_main(["--config", config, "run"])


def cpu_seconds(pid: int) -> float:
    """User and system CPU time the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_mb(pid: int) -> float:
    """The process's peak resident memory (VmHWM), in MB."""
    status = Path(f"/proc/{pid}/status").read_text()
    found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
    return int(found.group(1)) / 1024 if found else float("nan")


@dataclass
class LogSummary:
    warnings: collections.Counter[str]
    errors: collections.Counter[str]
    error_refs: set[str]  # references of errors the error handler logged (and apologised for)
    other_errors: int
    stopped_cleanly: bool


def read_log(text: str) -> LogSummary:
    """Sort the bot's stderr into warnings and errors (a record with its traceback is one)."""
    warnings: collections.Counter[str] = collections.Counter()
    errors: collections.Counter[str] = collections.Counter()
    refs: set[str] = set()
    other = 0
    level = None
    for line in text.splitlines():
        record = LOG_RECORD.match(line)
        if record:
            level, message = record.group(1), line[record.end() :]
            # One line per kind of message: numbers and times vary.
            kind = re.sub(r"\d+", "N", REFERENCE.sub("ref=…", message))[:200]
            if level == "WARNING":
                warnings[kind] += 1
            elif level in ("ERROR", "CRITICAL"):
                errors[kind] += 1
                reference = REFERENCE.search(message)
                if reference and "unhandled error" in message:
                    refs.add(reference.group(1))
                else:
                    other += 1
        elif line.startswith(("Traceback", "Exception ignored")) and level not in (
            "ERROR",
            "CRITICAL",
        ):
            errors[line[:200]] += 1  # a traceback outside an error record
            other += 1
    return LogSummary(warnings, errors, refs, other, "stopped cleanly" in text)


# --- the run


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def ms(values: list[float], share: float) -> float:
    return percentile(values, share) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--rate", type=float, default=100.0, help="offered messages/s")
    parser.add_argument("--duration", type=float, default=20.0, help="timed seconds")
    parser.add_argument("--warmup", type=float, default=2.0, help="untimed seconds first")
    parser.add_argument(
        "--send-limit",
        type=float,
        help="the bot's overall send limit a second (default: 10 x rate, at least 1000;"
        " 30 is Telegram's real cap)",
    )
    parser.add_argument(
        "--api-latency",
        type=float,
        default=0.0,
        help="ms added to every Bot API call but getUpdates (Telegram is not on localhost)",
    )
    parser.add_argument("--reply-timeout", type=float, default=5.0, help="seconds")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="an empty folder to keep the database and log")
    parser.add_argument("--bot", nargs=2, metavar=("CONFIG", "SEND_LIMIT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bot:
        raise SystemExit(run_bot(args.bot[0], float(args.bot[1])))
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    send_limit = args.send_limit or max(1000.0, 10 * args.rate)
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        if any(args.keep.iterdir()):
            parser.error(f"{args.keep} is not empty")
        run(args, send_limit, args.keep)
        print(f"  database and bot log kept in {args.keep}")
    else:
        with tempfile.TemporaryDirectory() as tmp:
            run(args, send_limit, Path(tmp))


def run(args: argparse.Namespace, send_limit: float, workdir: Path) -> None:
    now = datetime.now(UTC)
    zone = clinic_zone(now)
    database = workdir / "clinic.sqlite3"
    began = time.perf_counter()
    asyncio.run(seed(database, args.users, zone, now))
    print(
        f"clinic: {args.users} patients and their therapist in {zone.key} (local"
        f" {now.astimezone(zone):%H:%M}), groups of {GROUP_SIZE} meeting nightly at"
        f" {SESSION_START}; seeded in {time.perf_counter() - began:.1f}s"
    )
    api = LoadBotApi(args.api_latency / 1000)
    for i in range(args.users):
        user_id = FIRST_PATIENT + i
        api.people[user_id] = Person(user_id, f"Patient {i}", "es" if i % 5 == 0 else "en")
    server = serve(api)
    config = write_config(workdir, server.server_address[1], zone)
    log_path = workdir / "bot.log"
    environ = {**os.environ, "IOP_BOT_TOKEN": TOKEN, "PTB_TIMEDELTA": "true"}
    command = [sys.executable, __file__, "--bot", str(config), str(send_limit)]
    with log_path.open("wb") as log:
        bot = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=environ)
        try:
            started = time.monotonic()
            while api.polls == 0:
                if bot.poll() is not None or time.monotonic() - started > 60:
                    raise SystemExit(f"the bot did not start:\n{log_path.read_text()[-3000:]}")
                time.sleep(0.05)
            print(
                f"bot: pid {bot.pid}, polling after {time.monotonic() - started:.1f}s; send"
                f" limit raised to {send_limit:g}/s (Telegram's is about 30/s); API round trip"
                f" {args.api_latency:g} ms + localhost"
            )
            print(
                f"load: {args.rate:g} messages/s offered (Poisson) by {args.users} people,"
                f" {args.warmup:g}s warm-up + {args.duration:g}s timed"
            )
            cpu_before, driver_before = cpu_seconds(bot.pid), time.process_time()
            load_began = time.monotonic()
            window = drive(api, args.rate, args.warmup, args.duration, random.Random(args.seed))
            deadline = time.monotonic() + args.reply_timeout
            while time.monotonic() < deadline and any(
                p.answered_at is None for p in list(api.by_update.values())
            ):
                time.sleep(0.05)
            busy = time.monotonic() - load_began
            bot_cpu = (cpu_seconds(bot.pid) - cpu_before) / busy
            driver_cpu = (time.process_time() - driver_before) / busy
            peak = peak_mb(bot.pid)
        finally:
            api.close()
            bot.send_signal(signal.SIGTERM)
            try:
                exit_code = bot.wait(timeout=30)
            except subprocess.TimeoutExpired:
                bot.kill()
                exit_code = bot.wait()
            server.shutdown()
            server.server_close()
    print(
        f"  CPU while loaded ({busy:.0f}s): the bot {100 * bot_cpu:.0f}%, this driver with the"
        f" fake API {100 * driver_cpu:.0f}% (of one core; {os.cpu_count()} here)"
    )
    log = read_log(log_path.read_text(errors="replace"))
    report(api, args, window, exit_code, log)
    print(f"  outbox at the stop: {outbox_counts(database, datetime.now(UTC))}")
    print(f"  peak RSS of the bot {peak:.0f} MB")
    errors = (
        sum(1 for p in api.by_update.values() if not _in_time(p, args.reply_timeout))
        + len(api.apology_refs | log.error_refs)
        + log.other_errors
        + (exit_code != 0 or not log.stopped_cleanly)
    )
    timed = [p for p in api.by_update.values() if p.timed and p.latency is not None]
    latencies = [p.latency for p in timed]
    answered_in_window = sum(
        1
        for p in api.by_update.values()
        if p.answered_at is not None and window.start <= p.answered_at < window.end
    )
    print(
        f"msgs_per_s={answered_in_window / (window.end - window.start):.1f}"
        f" p50_ms={ms(latencies, 0.5):.1f} p95_ms={ms(latencies, 0.95):.1f}"
        f" p99_ms={ms(latencies, 0.99):.1f} errors={errors} peak_mb={peak:.1f}"
    )


def _in_time(pending: Pending, timeout: float) -> bool:
    return pending.latency is not None and pending.latency <= timeout


def report(
    api: LoadBotApi, args: argparse.Namespace, window: Window, exit_code: int, log: LogSummary
) -> None:
    pendings = list(api.by_update.values())
    timed = [p for p in pendings if p.timed]
    late = [p for p in pendings if not _in_time(p, args.reply_timeout)]
    latencies = [p.latency for p in timed if p.latency is not None]
    fetched = [p.handed_at - p.queued_at for p in timed if p.handed_at is not None]
    kinds = collections.Counter(p.kind for p in pendings)
    print(
        f"  offered {len(pendings)} updates ({len(timed)} timed:"
        f" {', '.join(f'{n} {k}' for k, n in kinds.most_common())});"
        f" {window.not_offered} arrivals found nobody free"
    )
    print(
        f"  answered {len(pendings) - len(late)} within {args.reply_timeout:g}s, {len(late)}"
        f" not; apologies {len(api.apology_refs)}, 'button has expired' {api.expired},"
        f" messages to the therapist {api.to_staff}, unprompted to patients {api.unprompted}"
    )
    print(
        f"  queued -> first answer: p50 {ms(latencies, 0.5):.0f} ms, p90"
        f" {ms(latencies, 0.9):.0f}, p95 {ms(latencies, 0.95):.0f}, p99"
        f" {ms(latencies, 0.99):.0f}, max {ms(latencies, 1.0):.0f};"
        f" of it queued -> fetched by getUpdates p95 {ms(fetched, 0.95):.0f} ms"
    )
    for kind in sorted({p.kind for p in timed}):
        of_kind = [p.latency for p in timed if p.kind == kind and p.latency is not None]
        print(
            f"    {kind:10} n={len(of_kind):5}  p50 {ms(of_kind, 0.5):6.0f} ms"
            f"  p95 {ms(of_kind, 0.95):6.0f} ms  max {ms(of_kind, 1.0):6.0f} ms"
        )
    calls: collections.Counter[str] = collections.Counter()
    for (method, status), count in api.statuses.items():
        calls[method if status == 200 else f"{method} -> {status}"] += count
    print(f"  Bot API calls: {', '.join(f'{m} {n}' for m, n in calls.most_common())}")
    print(
        f"  bot stderr: {sum(log.warnings.values())} warning(s),"
        f" {sum(log.errors.values())} error record(s); exit code {exit_code},"
        f" {'stopped cleanly' if log.stopped_cleanly else 'did NOT log a clean stop'}"
    )
    for line, count in [*log.errors.most_common(8), *log.warnings.most_common(5)]:
        print(f"    {count} x {line}")


if __name__ == "__main__":
    main()
