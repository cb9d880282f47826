"""Fan-out benchmark for the notification outbox.

(a) Thousands of patients whose sessions start at the same minute: their reminders all fall
    due at once. A fake Bot API on 127.0.0.1 enforces an overall rate (token bucket) and
    answers 429 + retry_after beyond it; the real dispatcher and TelegramSender run in a
    subprocess against it over HTTP. Prints delivered, lost, duplicates, the achieved rate
    as a fraction of the limit, and wall time.
(b) The same, with the dispatcher process killed (SIGKILL) mid-burst and restarted on the
    same SQLite file; prints the duplicates each kill caused.
(c) Planner time and peak memory (max RSS of a fresh process) for 10,000 patients x 4 weeks.

Run: ``.venv/bin/python bench/fanout.py`` (``--help`` for sizes). The last line is
``delivered=N lost=N duplicates=N rate_fraction=F kill_duplicates=N plan_s=F plan_peak_mb=F``:
delivered, duplicates and rate_fraction from (a); lost over (a) and (b); kill_duplicates the
total over the kills of (b).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import logging
import os
import resource
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.clock import SystemClock
from bot.config import RemindersConfig
from bot.fake_telegram import FakeBotApi, serve_fake_api
from bot.outbox.dispatcher import Dispatcher
from bot.outbox.planning import PlanBuddy, PlanPatient, PlanSession, plan_notifications
from bot.outbox.replan import sync_reminders
from bot.schedule.file import parse_schedule
from bot.schedule.sync import import_schedule
from storage.db import Database

NEW_YORK = ZoneInfo("America/New_York")
GROUP_SIZE = 10
ZONES = ("America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles")


class LimitedBotApi(FakeBotApi):
    """The fake Bot API with Telegram's overall flood limit: a token bucket of ``rate`` per
    second holding ``burst`` tokens; a sendMessage without a token gets 429 + retry_after."""

    def __init__(self, rate: float, burst: float) -> None:
        super().__init__(username="bench_bot")
        self.rate, self.burst = rate, burst
        self._tokens = burst
        self._refilled = time.monotonic()
        self._bucket = threading.Lock()
        self.too_many = 0
        self.sent_at: list[float] = []

    def handle(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if method != "sendMessage":
            return super().handle(method, params)
        with self._bucket:
            now = time.monotonic()
            self._tokens = min(self.burst, self._tokens + (now - self._refilled) * self.rate)
            self._refilled = now
            if self._tokens < 1:
                self.too_many += 1
                return 429, {
                    "ok": False,
                    "error_code": 429,
                    "description": "Too Many Requests: retry after 1",
                    "parameters": {"retry_after": 1},
                }
            self._tokens -= 1
            self.sent_at.append(now)
        return super().handle(method, params)

    def deliveries(self) -> collections.Counter[int]:
        return collections.Counter(message.chat_id for message in self.messages)


# --- (a) and (b): the burst


async def seed(path: Path, patients: int, starts_in: timedelta) -> datetime:
    """A clinic whose every group meets at the same minute; all reminders planned."""
    now = datetime.now(UTC)
    start = (now + starts_in).astimezone(NEW_YORK).replace(second=0, microsecond=0)
    groups = (patients + GROUP_SIZE - 1) // GROUP_SIZE
    raw = {
        "timezone": "America/New_York",
        "group": [
            {"id": f"g{g}", "name": f"Group {g}", "therapist": "lee"} for g in range(groups)
        ],
        "session": [
            {
                "id": f"s{g}",
                "kind": "group",
                "title": "Evening Group",
                "group": f"g{g}",
                "start": start.replace(tzinfo=None),
                "duration": "3h",
            }
            for g in range(groups)
        ],
    }
    db = await Database.open(path)
    try:
        await import_schedule(db, parse_schedule(raw, Path("bench.toml"), NEW_YORK), now)
    finally:
        await db.close()
    # They joined a week ago: the reminder due now is owed to them.
    stamp = (now - timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%SZ")
    with sqlite3.connect(path) as conn:
        conn.execute(
            "UPDATE people SET telegram_id = 1, chat_id = 1, timezone = ?, registered_at = ?"
            " WHERE handle = 'lee'",
            ("America/New_York", stamp),
        )
        (lee,) = conn.execute("SELECT id FROM people WHERE handle = 'lee'").fetchone()
        conn.executemany(
            "INSERT INTO people (handle, role, name, therapist_id, telegram_id, chat_id,"
            " timezone, registered_at, created_at) VALUES (?, 'patient', ?, ?, ?, ?, ?, ?, ?)",
            [
                (f"p{i}", f"Patient {i}", lee, 10_000 + i, 10_000 + i, ZONES[i % 4], stamp, stamp)
                for i in range(patients)
            ],
        )
        conn.execute(
            "INSERT INTO memberships (group_id, patient_id, joined_at) SELECT 'g' ||"
            f" ((telegram_id - 10000) / {GROUP_SIZE}), id, created_at FROM people"
            " WHERE role = 'patient'"
        )
    conn.close()
    db = await Database.open(path)
    try:
        began = time.perf_counter()
        summary = await sync_reminders(db, RemindersConfig(), now, None)
        seconds = time.perf_counter() - began
        again = time.perf_counter()
        await sync_reminders(db, RemindersConfig(), now, None)  # nothing changed: a no-op
        seconds_again = time.perf_counter() - again
    finally:
        await db.close()
    print(
        f"  seeded {patients} patients, {groups} groups at {start:%H:%M %Z}; {summary}"
        f" in {seconds:.2f}s (re-plan {seconds_again:.2f}s)"
    )
    return start


def loopback_bot(port: int) -> Any:
    """A PTB ``Bot`` for the fake Bot API on 127.0.0.1:``port``, with room for a burst."""
    from telegram import Bot
    from telegram.request import HTTPXRequest

    return Bot(
        "123:abc",
        base_url=f"http://127.0.0.1:{port}/bot",
        request=HTTPXRequest(connection_pool_size=64, pool_timeout=5.0),
        get_updates_request=HTTPXRequest(connection_pool_size=1),
    )


async def worker(db_path: Path, port: int, rate: float) -> None:
    """The dispatcher process: send everything due, then exit."""
    logging.basicConfig(stream=sys.stdout, level=logging.WARNING, format="  worker: %(message)s")
    from bot.outbox.telegram_sender import TelegramSender

    db = await Database.open(db_path)
    bot = loopback_bot(port)
    try:
        await bot.initialize()
        dispatcher = Dispatcher(db, TelegramSender(bot), SystemClock(), rate=rate)
        released = await dispatcher.start()
        report = await dispatcher.run_due()
        print(f"  worker: released {released} in-flight row(s); {report}", flush=True)
    finally:
        await bot.shutdown()
        await db.close()


@dataclass
class BurstResult:
    delivered: int
    lost: int
    duplicates: int
    rate_fraction: float
    wall_s: float
    too_many: int
    kill_duplicates: list[int]


def spawn(db_path: Path, port: int, rate: float) -> subprocess.Popen[bytes]:
    command = [sys.executable, __file__, "--worker", str(db_path), str(port), str(rate)]
    return subprocess.Popen(command)


def run_burst(
    workdir: Path, name: str, patients: int, limit: float, kills: int, client_rate: float
) -> BurstResult:
    db_path = workdir / f"{name}.sqlite3"
    asyncio.run(seed(db_path, patients, timedelta(minutes=30)))
    api = LimitedBotApi(limit, burst=max(5.0, limit / 10))
    server = serve_fake_api(api)
    port = server.server_address[1]
    kill_points = [patients * (k + 1) // (kills + 1) for k in range(kills)]
    duplicates_before: list[int] = []
    began = time.monotonic()
    try:
        process = spawn(db_path, port, client_rate)
        for point in kill_points:
            while len(api.messages) < point and process.poll() is None:
                time.sleep(0.002)
            process.send_signal(signal.SIGKILL)
            process.wait()
            duplicates_before.append(_duplicates(api))
            print(f"  SIGKILL after {len(api.messages)} messages; restarting", flush=True)
            process = spawn(db_path, port, client_rate)
        if process.wait() != 0:
            raise SystemExit("the dispatcher worker failed")
    finally:
        server.shutdown()
        server.server_close()
    wall = time.monotonic() - began
    counts = api.deliveries()
    expected = set(range(10_000, 10_000 + patients))
    with sqlite3.connect(db_path) as conn:
        not_sent = conn.execute(
            "SELECT count(*) FROM outbox WHERE kind = 'reminder' AND status <> 'sent'"
            " AND due_at <= ?",
            (datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),),
        ).fetchone()[0]
    conn.close()
    delivered = len(expected & set(counts))
    total_dups = _duplicates(api)
    # Duplicates caused by kill k surface after restart k, before kill k + 1.
    marks = [*duplicates_before, total_dups]
    per_kill = [marks[k + 1] - marks[k] for k in range(kills)]
    stamps = sorted(api.sent_at)
    span = stamps[-1] - stamps[0] if len(stamps) > 1 else 0.0
    fraction = (len(stamps) - 1) / span / limit if span else 0.0
    return BurstResult(
        delivered=delivered,
        lost=len(expected - set(counts)) + not_sent,
        duplicates=total_dups,
        rate_fraction=fraction,
        wall_s=wall,
        too_many=api.too_many,
        kill_duplicates=per_kill,
    )


def _duplicates(api: FakeBotApi) -> int:
    return sum(count - 1 for count in api.deliveries().values() if count > 1)


# --- (c): the planner


def plan_worker(patients: int, weeks: int) -> None:
    """Plan ``patients`` x ``weeks`` in this fresh process; print seconds and max RSS."""
    now = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    people = {i: PlanPatient(i, f"Patient {i}", 10_000 + i, ZONES[i % 4]) for i in range(patients)}
    buddies = {
        i: [PlanBuddy(i, i, 900_000 + i, ZONES[(i + 1) % 4])] for i in range(0, patients, 5)
    }
    sessions = []
    first = date(2026, 11, 30)
    for g in range(0, patients, GROUP_SIZE):
        members = tuple(range(g, min(g + GROUP_SIZE, patients)))
        hour = 17 + (g // GROUP_SIZE) % 4
        for day in range(weeks * 7):
            local = first + timedelta(days=day)
            if local.weekday() not in (0, 2, 3):
                continue
            start = datetime(local.year, local.month, local.day, hour, tzinfo=NEW_YORK)
            sessions.append(
                PlanSession(
                    len(sessions) + 1,
                    "Group Therapy",
                    start.astimezone(UTC),
                    "America/New_York",
                    "https://video.example/g",
                    members,
                )
            )
    began = time.perf_counter()
    planned = plan_notifications(sessions, people, buddies, {}, RemindersConfig(), now)
    seconds = time.perf_counter() - began
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"rows": len(planned), "sessions": len(sessions), "s": seconds,
                      "peak_mb": peak_mb}))  # fmt: skip


def run_planner(patients: int, weeks: int) -> dict[str, float]:
    command = [sys.executable, __file__, "--plan-worker", str(patients), str(weeks)]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


# --- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=3000)
    parser.add_argument("--limit", type=float, default=300.0, help="overall messages/s")
    parser.add_argument(
        "--client-rate",
        type=float,
        help="the dispatcher's own rate (default: the limit);"
        " set it above the limit to see 429s retried",
    )
    parser.add_argument("--kills", type=int, default=2)
    parser.add_argument("--plan-patients", type=int, default=10_000)
    parser.add_argument("--plan-weeks", type=int, default=4)
    parser.add_argument("--worker", nargs=3, metavar=("DB", "PORT", "RATE"))
    parser.add_argument("--plan-worker", nargs=2, type=int, metavar=("PATIENTS", "WEEKS"))
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    # PTB 22 warns on every RetryAfter unless it may hand out timedeltas (workers inherit it).
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    if args.worker:
        db_path, port, rate = args.worker
        asyncio.run(worker(Path(db_path), int(port), float(rate)))
        return
    if args.plan_worker:
        plan_worker(*args.plan_worker)
        return

    print(
        f"limit: {args.limit:g} messages/s overall (Telegram's is about 30/s; scaled up to keep"
        f" the run short), 1/s per chat, bucket burst {max(5.0, args.limit / 10):g}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        print(f"(a) {args.patients} patients, sessions at the same minute")
        client_rate = args.client_rate or args.limit
        burst = run_burst(workdir, "burst", args.patients, args.limit, 0, client_rate)
        print(
            f"  delivered={burst.delivered} lost={burst.lost} duplicates={burst.duplicates}"
            f" rate_fraction={burst.rate_fraction:.3f} 429s={burst.too_many}"
            f" wall={burst.wall_s:.1f}s"
        )
        print(f"(b) the same, SIGKILL x{args.kills} mid-burst")
        killed = run_burst(workdir, "killed", args.patients, args.limit, args.kills, client_rate)
        print(
            f"  delivered={killed.delivered} lost={killed.lost} duplicates per kill="
            f"{killed.kill_duplicates} 429s={killed.too_many} wall={killed.wall_s:.1f}s"
        )
    print(f"(c) planner: {args.plan_patients} patients x {args.plan_weeks} weeks")
    plan = run_planner(args.plan_patients, args.plan_weeks)
    print(
        f"  {plan['rows']} rows from {plan['sessions']} sessions in {plan['s']:.2f}s,"
        f" peak RSS {plan['peak_mb']:.0f} MB"
    )
    print(
        f"delivered={burst.delivered} lost={burst.lost + killed.lost}"
        f" duplicates={burst.duplicates} rate_fraction={burst.rate_fraction:.3f}"
        f" kill_duplicates={sum(killed.kill_duplicates)} plan_s={plan['s']:.2f}"
        f" plan_peak_mb={plan['peak_mb']:.1f}"
    )


if __name__ == "__main__":
    main()
