"""Updates run concurrently across chats and in order within one (``bot.app.OnePerChat``)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from telegram import Chat, Message, Update, User

from bot.app import OnePerChat


def update_in(chat_id: int, update_id: int) -> Update:
    user = User(chat_id, "Someone", is_bot=False)
    message = Message(update_id, datetime.now(UTC), Chat(chat_id, "private"), from_user=user)
    return Update(update_id, message=message)


async def test_a_chat_s_updates_wait_for_each_other_and_other_chats_do_not() -> None:
    processor = OnePerChat(8)
    events: list[str] = []

    async def handle(name: str) -> None:
        events.append(f"{name} starts")
        await asyncio.sleep(0.05)
        events.append(f"{name} ends")

    await asyncio.gather(
        processor.process_update(update_in(5, 1), handle("first in chat 5")),
        processor.process_update(update_in(5, 2), handle("second in chat 5")),
        processor.process_update(update_in(6, 3), handle("chat 6")),
    )

    assert events.index("second in chat 5 starts") > events.index("first in chat 5 ends")
    assert events.index("chat 6 starts") < events.index("first in chat 5 ends")
    assert processor._locks == {}  # nothing kept once a chat is quiet
