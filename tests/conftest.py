"""Fixtures: a config on a temporary database, a fake clock, the reader and a running bot.

``bot`` runs the real Application against the in-process fake Bot API; ``bot.user(...)``
plays a person who sends texts and presses buttons by their label (see ``tests.helpers``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.clock import FakeClock
from bot.config import Config, ProgramConfig, StorageConfig, TelegramConfig
from bot.understanding.engine import MessageReader
from tests.helpers.clinic import MONDAY_9AM, NEW_YORK, BotHarness, start_bot


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return Config(
        source=tmp_path / "config.toml",
        telegram=TelegramConfig(bot_username="iop_test_bot"),
        storage=StorageConfig(path=tmp_path / "bot.sqlite3"),
        program=ProgramConfig(name="Test IOP", timezone=NEW_YORK),
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(MONDAY_9AM)


@pytest.fixture(scope="session")
def reader() -> MessageReader:
    return MessageReader()


@pytest.fixture
async def bot(
    config: Config, clock: FakeClock, reader: MessageReader
) -> AsyncIterator[BotHarness]:
    async with start_bot(config, clock, reader) as harness:
        yield harness


@pytest.fixture
def clinic_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An admin's folder: the current directory, with no config or token in the environment."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("IOP_BOT_CONFIG", raising=False)
    monkeypatch.delenv("IOP_BOT_TOKEN", raising=False)
    return tmp_path
