"""`iop-bot run` killed with SIGKILL twenty times mid-burst: nothing lost, few duplicates.

The real ``iop-bot --config CONFIG run`` (long polling, the JobQueue wake-up, the outbox
dispatcher at its 30 messages/s) sends a burst of reminders, all due at once, through a fake
Bot API on 127.0.0.1 with a round trip of ``LATENCY``. It is killed with SIGKILL at seeded
random points (during start-up, or a random number of messages into its share of the burst)
and restarted on the same SQLite file, twenty times. Then: every reminder arrived, no due row
is left behind, no kill caused more duplicates than can have been in flight (see
``MOST_PER_KILL`` and ``IN_FLIGHT``), and the database passes ``PRAGMA integrity_check``.

A restart would spend a second importing before it opens the database, so each next bot
waits ready in a standby process that has done its imports and runs ``bot.cli.main`` (what
``python -m bot`` runs) the moment the previous one is dead.
"""

from __future__ import annotations

import asyncio
import inspect
import math
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.config import RemindersConfig
from bot.fake_telegram import FakeBotApi, serve_fake_api
from bot.outbox.dispatcher import Dispatcher
from bot.outbox.replan import sync_reminders
from bot.schedule.file import parse_schedule
from bot.schedule.sync import import_schedule
from storage.db import Database

NEW_YORK = ZoneInfo("America/New_York")
PATIENTS = 400
GROUP_SIZE = 10
FIRST_CHAT = 10_000
KILLS = 20
# A kill lands 1 to 45 messages (more than a batch) into a run's share of the burst.
MOST_MESSAGES_PER_RUN = 45
LATENCY = 0.04  # one sendMessage round trip; Telegram has the message halfway through
# `iop-bot run` paces its dispatcher at the default rate (30 messages/s) and so claims rows
# in batches of that many.
RATE = inspect.signature(Dispatcher).parameters["rate"].default
BATCH = max(1, int(RATE))
# What a kill may send twice is what was sent but not yet recorded (README, "Reminders,
# buddies and the outbox"): about RATE x (round trip + one group commit). A commit takes a
# millisecond or two; 100 ms leaves room for a busy machine. On average a kill must stay
# within that; recording once per batch or once per run would not.
COMMIT_ALLOWANCE = 0.1
IN_FLIGHT = math.ceil(RATE * (LATENCY + COMMIT_ALLOWANCE))  # 5
# A single kill may land just after a stall (another process had the CPU): the sends whose
# slots passed meanwhile then go out together, up to the rest of the claimed batch. So no
# kill may duplicate more than one batch plus what was in flight before it.
MOST_PER_KILL = BATCH + IN_FLIGHT  # 35
STANDBY_RUN = (
    "import sys\n"
    "import bot.app, bot.cli\n"
    "from bot.understanding.engine import MessageReader\n"
    "MessageReader()  # fills dateparser's caches; the run builds its own reader\n"
    "sys.stdin.readline()  # go\n"
    "raise SystemExit(bot.cli.main(sys.argv[1:]))\n"
)
RUN_IN_TOKEN = re.compile(r"/bot\d+:TEST-run(\d+)/")


class SlowBotApi(FakeBotApi):
    """The fake Bot API with a round trip: a sendMessage is received after half of
    ``latency`` and answered after the other half. It notes which run sent each message
    (the token in the URL says: every run gets its own)."""

    def __init__(self, latency: float) -> None:
        super().__init__(username="iop_test_bot")
        self.latency = latency
        self.deliveries: list[tuple[int, int]] = []  # (chat_id, run), in arrival order
        self.sender = threading.local()  # per request thread: the run in the URL

    def handle(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if method != "sendMessage":
            return super().handle(method, params)
        time.sleep(self.latency / 2)
        answer = super().handle(method, params)
        if answer[0] == 200:
            self.deliveries.append((int(params["chat_id"]), self.sender.run))
        time.sleep(self.latency / 2)
        return answer


def serve(api: SlowBotApi):
    """``serve_fake_api`` that tells ``api`` which run each request came from."""
    server = serve_fake_api(api)
    handler = server.RequestHandlerClass

    class NoteTheRun(handler):  # type: ignore[misc, valid-type]
        def do_POST(self) -> None:
            found = RUN_IN_TOKEN.search(self.path)
            api.sender.run = int(found.group(1)) if found else -1
            super().do_POST()

    server.RequestHandlerClass = NoteTheRun
    server.handle_error = lambda request, address: None  # a killed bot's broken pipe
    return server


async def seed(path: Path, patients: int) -> None:
    """Groups of ten patients who all meet in 30 minutes: one reminder each is due now."""
    now = datetime.now(UTC)
    start = (now + timedelta(minutes=30)).astimezone(NEW_YORK).replace(second=0, microsecond=0)
    groups = range((patients + GROUP_SIZE - 1) // GROUP_SIZE)
    raw = {
        "timezone": "America/New_York",
        "group": [{"id": f"g{g}", "name": f"Group {g}", "therapist": "lee"} for g in groups],
        "session": [
            {
                "id": f"s{g}",
                "kind": "group",
                "title": "Evening Group",
                "group": f"g{g}",
                "start": start.replace(tzinfo=None),
                "duration": "3h",
            }
            for g in groups
        ],
    }
    db = await Database.open(path)
    try:
        await import_schedule(db, parse_schedule(raw, Path("crash.toml"), NEW_YORK), now)
    finally:
        await db.close()
    joined = (now - timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%SZ")
    with closing(sqlite3.connect(path)) as conn, conn:
        (lee,) = conn.execute("SELECT id FROM people WHERE handle = 'lee'").fetchone()
        conn.executemany(
            "INSERT INTO people (handle, role, name, therapist_id, telegram_id, chat_id,"
            " timezone, registered_at, created_at)"
            " VALUES (?, 'patient', ?, ?, ?, ?, 'America/New_York', ?, ?)",
            [
                (f"p{i}", f"Patient {i}", lee, FIRST_CHAT + i, FIRST_CHAT + i, joined, joined)
                for i in range(patients)
            ],
        )
        conn.execute(
            "INSERT INTO memberships (group_id, patient_id, joined_at) SELECT 'g' ||"
            f" ((chat_id - {FIRST_CHAT}) / {GROUP_SIZE}), id, created_at FROM people"
            " WHERE role = 'patient'"
        )
    db = await Database.open(path)
    try:
        await sync_reminders(db, RemindersConfig(), now, None)
    finally:
        await db.close()


def kill_plan(rng: random.Random) -> list[tuple[int, float]]:
    """Per kill: after how many new messages (0: during start-up) and how long after."""
    plan = []
    for _ in range(KILLS):
        if rng.random() < 0.2:
            plan.append((0, rng.uniform(0.0, 0.4)))
        else:
            plan.append((rng.randint(1, MOST_MESSAGES_PER_RUN), rng.uniform(0.0, 2 * LATENCY)))
    return plan


def wait_until(condition: Callable[[], bool], timeout: float, every: float = 0.002) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return False


def outbox_counts(database: Path) -> dict[tuple[str, str], int]:
    """Rows by (kind, status); the due ones still waiting count as ``(kind, "due ...")``."""
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    with closing(sqlite3.connect(database)) as conn:
        rows = conn.execute(
            "SELECT kind, CASE WHEN status IN ('pending', 'sending') AND due_at <= ?"
            " THEN 'due ' || status ELSE status END, count(*) FROM outbox GROUP BY 1, 2",
            (now,),
        ).fetchall()
    return {(kind, status): count for kind, status, count in rows}


def due_rows_left(database: Path) -> int:
    counts = outbox_counts(database)
    return sum(count for (_, status), count in counts.items() if status.startswith("due "))


def test_twenty_sigkills_mid_burst_lose_nothing_and_duplicate_within_the_bound(
    tmp_path: Path,
) -> None:
    database = tmp_path / "bot.sqlite3"
    asyncio.run(seed(database, PATIENTS))
    assert outbox_counts(database)[("reminder", "due pending")] == PATIENTS
    plan = kill_plan(random.Random(7))
    # Every kill lands while the burst is still going.
    assert sum(messages for messages, _ in plan) < PATIENTS - 2 * BATCH
    api = SlowBotApi(LATENCY)
    server = serve(api)
    config = tmp_path / "config.toml"
    config.write_text(
        f'[telegram]\nbase_url = "http://127.0.0.1:{server.server_address[1]}/bot"\n'
        f'bot_username = "iop_test_bot"\n[storage]\npath = "{database.name}"\n'
    )
    logs = [tmp_path / f"run{run}.log" for run in range(KILLS + 1)]

    def standby(run: int) -> subprocess.Popen[bytes]:
        environment = {**os.environ, "IOP_BOT_TOKEN": f"123456:TEST-run{run}"}
        command = [sys.executable, "-c", STANDBY_RUN, "--config", str(config), "run"]
        with open(logs[run], "wb") as log:
            return subprocess.Popen(
                command, env=environment, stdin=subprocess.PIPE, stdout=log, stderr=log
            )

    def go(process: subprocess.Popen[bytes]) -> None:
        assert process.stdin is not None
        process.stdin.write(b"go\n")
        process.stdin.close()

    def stuck(run: int) -> str:
        return (
            f"run {run} stopped sending; outbox {outbox_counts(database)};"
            f" its log:\n{logs[run].read_text()}"
        )

    began = time.monotonic()
    process, ready = standby(0), standby(1)
    go(process)
    try:
        for run, (messages, pause) in enumerate(plan):
            target = len(api.deliveries) + messages
            assert wait_until(lambda t=target: len(api.deliveries) >= t, 15), stuck(run)
            time.sleep(pause)
            process.send_signal(signal.SIGKILL)
            assert process.wait() == -signal.SIGKILL, logs[run].read_text()
            process = ready
            go(process)
            if run + 2 <= KILLS:
                ready = standby(run + 2)
        drained = wait_until(
            lambda: (
                len({chat for chat, _ in api.deliveries}) == PATIENTS
                and due_rows_left(database) == 0
            ),
            20,
            every=0.05,
        )
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0, logs[KILLS].read_text()
    finally:
        for leftover in (process, ready):
            if leftover.poll() is None:
                leftover.kill()
                leftover.wait()
            if leftover.stdin and not leftover.stdin.closed:
                leftover.stdin.close()
        server.shutdown()
        server.server_close()
    wall = time.monotonic() - began

    first_sent_by: dict[int, int] = {}
    per_kill = [0] * KILLS
    resent_by_the_same_run = []
    for chat, run in api.deliveries:
        assert 0 <= run <= KILLS
        if chat not in first_sent_by:
            first_sent_by[chat] = run
        elif run == first_sent_by[chat]:
            resent_by_the_same_run.append((chat, run))
        else:
            # Run k sent it but had not recorded it when kill k came: a later run sent it again.
            per_kill[first_sent_by[chat]] += 1
    released = [
        int(found.group(1))
        for log in logs
        if (found := re.search(r"(\d+) outbox row\(s\) were claimed", log.read_text()))
    ]
    with closing(sqlite3.connect(database)) as conn:
        integrity = conn.execute("PRAGMA integrity_check").fetchall()
    print(
        f"\n{KILLS} SIGKILLs in a burst of {PATIENTS} reminders at {RATE:g}/s, round trip"
        f" {LATENCY * 1000:.0f} ms: {wall:.1f} s, {len(api.deliveries)} messages;"
        f" duplicates per kill {per_kill}, {sum(per_kill)} in all (bounds: {MOST_PER_KILL}"
        f" per kill, {IN_FLIGHT} per kill on average); rows put back at the restarts"
        f" {released}"
    )

    never_sent = set(range(FIRST_CHAT, FIRST_CHAT + PATIENTS)) - set(first_sent_by)
    assert drained and not never_sent, f"{len(never_sent)} lost; {outbox_counts(database)}"
    assert outbox_counts(database)[("reminder", "sent")] == PATIENTS
    assert due_rows_left(database) == 0
    assert not resent_by_the_same_run  # without a crash, nothing goes out twice
    assert max(per_kill) <= MOST_PER_KILL, per_kill
    assert sum(per_kill) <= KILLS * IN_FLIGHT, per_kill
    assert integrity == [("ok",)]
    for log in logs:
        assert "Traceback" not in log.read_text(), log.read_text()
