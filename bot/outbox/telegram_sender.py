"""The dispatcher's ``Sender`` on python-telegram-bot: Telegram errors become ``SendResult``s.

Set ``PTB_TIMEDELTA=true`` in the environment: PTB 22 otherwise warns (deprecation) every
time it builds a ``RetryAfter``.
"""

from __future__ import annotations

from datetime import timedelta

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from bot.outbox.delivery import Buttons
from bot.outbox.dispatcher import SendResult


class TelegramSender:
    """Sends outbox messages with ``Bot.send_message``; never raises for a Telegram error."""

    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def send(
        self, chat_id: int, text: str, buttons: Buttons | None, silent: bool = False
    ) -> SendResult:
        markup = None
        if buttons:
            markup = InlineKeyboardMarkup(
                [
                    [InlineKeyboardButton(label, callback_data=data) for label, data in row]
                    for row in buttons
                ]
            )
        try:
            message = await self._bot.send_message(
                chat_id, text, reply_markup=markup, disable_notification=silent
            )
        except RetryAfter as error:
            return SendResult.wait(_seconds(error.retry_after), str(error))
        except Forbidden as error:
            # "bot was blocked by the user", "user is deactivated", ...
            return SendResult.blocked(str(error))
        except BadRequest as error:
            # Before NetworkError: PTB derives BadRequest from it, but retrying cannot help.
            return SendResult.bad_request(str(error))
        except TelegramError as error:
            # Timeouts, connection errors, every 5xx (NetworkError), and anything else.
            return SendResult.transient(f"{type(error).__name__}: {error}")
        return SendResult.ok(message.message_id)


def _seconds(retry_after: int | float | timedelta) -> float:
    if isinstance(retry_after, timedelta):
        return retry_after.total_seconds()
    return float(retry_after)
