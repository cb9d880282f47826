"""An urgent alert behind a burst: how long does it wait?

3,000 patients' reminders are due at once and Telegram allows about 30 messages a second,
so the burst takes 100 s to drain. A crisis alert for the therapist is queued (a) before the
dispatcher starts and (b) 5 s into the burst; the real dispatcher and TelegramSender send
over HTTP to a fake Bot API on 127.0.0.1 that enforces the rate (429 beyond it). Prints how
long the alert waited and how many reminders went before it.

Run: ``.venv/bin/python bench/priority.py`` (``--help`` for sizes). The last line is
``queued_first_s=F queued_mid_burst_s=F reminders_before_mid=N``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fanout import (  # bench/fanout.py: run as a script, bench/ is on the path
    LimitedBotApi,
    loopback_bot,
    seed,
)

from bot.clock import SystemClock
from bot.fake_telegram import serve_fake_api
from bot.outbox.dispatcher import Dispatcher
from bot.outbox.rows import NotificationKind, Priority, person_event
from storage import outbox as outbox_store
from storage.db import Database

ALERT = "🚨 Urgent: a patient may need help — open the chat"
THERAPIST_CHAT = 1  # seed() registers the therapist 'lee' with chat 1


async def queue_alert(db: Database, tag: str) -> float:
    now = datetime.now(UTC)
    row = person_event(
        NotificationKind.STAFF_ALERT,
        person_id=1,
        chat_id=THERAPIST_CHAT,
        variant=f"bench:{tag}",
        payload={"text": f"{ALERT} ({tag})"},
        due_at=now,
        priority=Priority.SAFETY,
    )
    await outbox_store.enqueue(db, [row], now)
    return time.monotonic()


async def run(db_path: Path, rate: float, delay: float | None) -> tuple[float, int]:
    """Seconds the alert waited, and how many messages reached Telegram before it."""
    from bot.outbox.telegram_sender import TelegramSender

    api = LimitedBotApi(rate, burst=max(5.0, rate / 10))
    server = serve_fake_api(api)
    db = await Database.open(db_path)
    bot = loopback_bot(server.server_address[1])
    tag = "first" if delay is None else "mid-burst"
    try:
        await bot.initialize()
        dispatcher = Dispatcher(db, TelegramSender(bot), SystemClock(), rate=rate)
        await dispatcher.start()
        queued = await queue_alert(db, tag) if delay is None else 0.0
        running = asyncio.create_task(dispatcher.run_due())
        if delay is not None:
            await asyncio.sleep(delay)
            queued = await queue_alert(db, tag)
        while not any(ALERT in m.text for m in api.messages):
            if running.done():
                raise SystemExit("the run ended without sending the alert")
            await asyncio.sleep(0.005)
        arrived = time.monotonic()
        before = next(i for i, m in enumerate(api.messages) if ALERT in m.text)
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
    finally:
        await bot.shutdown()
        await db.close()
        server.shutdown()
        server.server_close()
    return arrived - queued, before


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=3000)
    parser.add_argument("--rate", type=float, default=30.0, help="overall messages/s")
    parser.add_argument("--delay", type=float, default=5.0, help="seconds into the burst")
    args = parser.parse_args()
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, delay in (("queued_first", None), ("queued_mid_burst", args.delay)):
            db_path = Path(tmp) / f"{name}.sqlite3"
            asyncio.run(seed(db_path, args.patients, timedelta(minutes=30)))
            waited, before = asyncio.run(run(db_path, args.rate, delay))
            results[name] = (waited, before)
            print(f"  {name}: alert sent {waited:.2f}s after it was queued; {before} before it")
    print(
        f"queued_first_s={results['queued_first'][0]:.2f}"
        f" queued_mid_burst_s={results['queued_mid_burst'][0]:.2f}"
        f" reminders_before_mid={results['queued_mid_burst'][1]}"
    )


if __name__ == "__main__":
    main()
