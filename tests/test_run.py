"""`iop-bot run` for real: long polling against a fake Bot API on 127.0.0.1, then SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.fake_telegram import FakeBotApi, serve_fake_api


def wait_for(condition, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_run_polls_answers_and_stops_cleanly(tmp_path: Path, signum: int) -> None:
    api = FakeBotApi(username="iop_test_bot")
    server = serve_fake_api(api)
    port = server.server_address[1]
    config = tmp_path / "config.toml"
    config.write_text(
        f'[telegram]\nbase_url = "http://127.0.0.1:{port}/bot"\nbot_username = "iop_test_bot"\n'
        '[storage]\npath = "bot.sqlite3"\n'
    )
    api.pending_updates.append(
        {
            "update_id": 1,
            "message": {
                "message_id": 1,
                "date": 1764500000,
                "chat": {"id": 42, "type": "private", "first_name": "Sam"},
                "from": {"id": 42, "is_bot": False, "first_name": "Sam"},
                "text": "/start",
                "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
            },
        }
    )
    environment = {**os.environ, "IOP_BOT_TOKEN": "123456:TEST-token"}
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "--config", str(config), "run"],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        answered = wait_for(lambda: bool(api.messages_to(42)))
        process.send_signal(signum)
        _, stderr = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        server.shutdown()
        server.server_close()

    assert answered, stderr
    assert "open the personal invite link" in api.messages_to(42)[0].text
    assert process.returncode == 0, stderr
    assert "stopped cleanly" in stderr, stderr
    assert "123456:TEST-token" not in stderr  # the token never reaches the log
    assert "Traceback" not in stderr, stderr
    assert "apscheduler" not in stderr, stderr  # job runs are not an operator's business


def test_a_second_run_on_the_same_database_is_refused(tmp_path: Path) -> None:
    """One bot sends from a database; invites, imports and reports still work beside it."""
    api = FakeBotApi(username="iop_test_bot")
    server = serve_fake_api(api)
    config = tmp_path / "config.toml"
    config.write_text(
        f'[telegram]\nbase_url = "http://127.0.0.1:{server.server_address[1]}/bot"\n'
        'bot_username = "iop_test_bot"\n[storage]\npath = "bot.sqlite3"\n'
    )
    environment = {**os.environ, "IOP_BOT_TOKEN": "123456:TEST-token"}
    command = [sys.executable, "-m", "bot", "--config", str(config)]
    first = subprocess.Popen([*command, "run"], env=environment, stderr=subprocess.PIPE, text=True)
    try:
        assert wait_for(lambda: any(method == "getUpdates" for method, _ in api.calls))
        second = subprocess.run(
            [*command, "run"], env=environment, capture_output=True, text=True, timeout=30
        )
        invite = subprocess.run(
            [*command, "invite", "--role", "therapist", "--name", "Dr. Lee"],
            env=environment, capture_output=True, text=True, timeout=30,
        )  # fmt: skip
    finally:
        first.send_signal(signal.SIGTERM)
        first.communicate(timeout=20)
        server.shutdown()
        server.server_close()

    assert second.returncode == 1
    assert second.stderr.startswith("iop-bot: the bot is already running on")
    assert len(second.stderr.splitlines()) == 1
    assert invite.returncode == 0 and "t.me/iop_test_bot?start=" in invite.stdout
    assert first.returncode == 0
