"""An in-memory Telegram Bot API for the demo and the tests.

``FakeBotApi`` answers the Bot API methods the bot uses and records every message it is
asked to send. ``FakeRequest`` plugs it into python-telegram-bot in-process (no sockets);
``serve_fake_api`` serves the same on 127.0.0.1 for a bot running in another process.
``ChatUser`` plays a person: it builds real updates, feeds them through the real
``Application`` and returns what the bot answered.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time as wall_time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

from telegram import Update
from telegram.ext import Application
from telegram.request import BaseRequest, RequestData

BOT_ID = 7000001


# A regular sticker as the Bot API describes one (what a person sends instead of words).
STICKER = {
    "file_id": "sticker-1",
    "file_unique_id": "s1",
    "type": "regular",
    "width": 512,
    "height": 512,
    "is_animated": False,
    "is_video": False,
}


@dataclass
class Sent:
    """One message as the bot left it (edits update it in place)."""

    chat_id: int
    message_id: int
    text: str
    buttons: list[list[dict[str, Any]]] = field(default_factory=list)
    kind: str = "text"
    silent: bool = False  # sent with disable_notification
    content: bytes = b""  # an uploaded file's bytes (documents and photos)
    filename: str = ""  # an uploaded file's name

    @property
    def labels(self) -> list[str]:
        return [button["text"] for row in self.buttons for button in row]


@dataclass(frozen=True)
class InjectedError:
    status: int
    description: str
    retry_after: int | None = None


class FakeBotApi:
    """The Bot API as far as this bot uses it; thread-safe so an HTTP server can share it."""

    def __init__(self, username: str = "iop_demo_bot", now: Callable[[], datetime] | None = None):
        self.username = username
        self._now = now
        self._lock = threading.Lock()
        self._message_ids = itertools.count(1)
        self._update_ids = itertools.count(1)
        self.pending_updates: list[dict[str, Any]] = []
        self.messages: list[Sent] = []
        # Every send and every edit, in order: what one update made the bot do.
        self.activity: list[Sent] = []
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.commands: dict[str, list[str]] = {}
        self.callback_answers: list[str] = []
        self.transcript: list[str] = []
        self.names: dict[int, str] = {}
        self._errors: dict[str, list[InjectedError]] = {}

    # --- used by tests

    def inject_error(self, method: str, error: InjectedError) -> None:
        """Make the next call of ``method`` fail once with ``error``."""
        with self._lock:
            self._errors.setdefault(method, []).append(error)

    def next_update_id(self) -> int:
        return next(self._update_ids)

    def next_message_id(self) -> int:
        return next(self._message_ids)

    def timestamp(self) -> int:
        return int((self._now() if self._now else datetime.now().astimezone()).timestamp())

    def messages_to(self, chat_id: int) -> list[Sent]:
        return [message for message in self.messages if message.chat_id == chat_id]

    def note(self, line: str) -> None:
        self.transcript.append(line)

    # --- the API

    def handle(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.calls.append((method, params))
            errors = self._errors.get(method)
            if errors:
                error = errors.pop(0)
                body: dict[str, Any] = {
                    "ok": False,
                    "error_code": error.status,
                    "description": error.description,
                }
                if error.retry_after is not None:
                    body["parameters"] = {"retry_after": error.retry_after}
                return error.status, body
            handler = getattr(self, "_" + method, None)
            if handler is None:
                return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
            return 200, {"ok": True, "result": handler(params)}

    def _getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "IOP Assistant",
            "username": self.username,
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        self.pending_updates = [u for u in self.pending_updates if u["update_id"] >= offset]
        return list(self.pending_updates[:100])

    def _deleteWebhook(self, params: dict[str, Any]) -> bool:
        return True

    def _setMyCommands(self, params: dict[str, Any]) -> bool:
        scope = params.get("scope") or {"type": "default"}
        key = f"chat:{scope['chat_id']}" if "chat_id" in scope else scope["type"]
        self.commands[key] = [command["command"] for command in params["commands"]]
        return True

    def _answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        text = params.get("text") or ""
        self.callback_answers.append(text)
        if text:
            self.transcript.append(f"  bot (pop-up): {text}")
        return True

    def _sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        markup = params.get("reply_markup") or {}
        sent = Sent(
            chat_id=int(params["chat_id"]),
            message_id=self.next_message_id(),
            text=params["text"],
            buttons=markup.get("inline_keyboard", []),
            silent=bool(params.get("disable_notification")),
        )
        self.messages.append(sent)
        self.activity.append(sent)
        self._log_bot(sent, sent.text)
        return self._message_json(sent)

    def _sendDocument(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._send_file(params, "document")

    def _sendPhoto(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._send_file(params, "photo")

    def _send_file(self, params: dict[str, Any], kind: str) -> dict[str, Any]:
        caption = params.get("caption") or ""
        uploaded = params.get("_files") or {}
        sent = Sent(
            int(params["chat_id"]),
            self.next_message_id(),
            caption,
            [],
            kind,
            content=next(iter(uploaded.values()), b""),
            filename=next(iter((params.get("_filenames") or {}).values()), ""),
        )
        self.messages.append(sent)
        self.activity.append(sent)
        self._log_bot(sent, f"[{kind}] {sent.text}")
        return self._message_json(sent)

    def _editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        sent = self._find(params)
        sent.text = params["text"]
        sent.buttons = (params.get("reply_markup") or {}).get("inline_keyboard", [])
        self.activity.append(sent)
        self._log_bot(sent, f"(edited) {sent.text}")
        return self._message_json(sent)

    def _editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        sent = self._find(params)
        sent.buttons = (params.get("reply_markup") or {}).get("inline_keyboard", [])
        return self._message_json(sent)

    def _find(self, params: dict[str, Any]) -> Sent:
        chat_id, message_id = int(params["chat_id"]), int(params["message_id"])
        for sent in self.messages:
            if (sent.chat_id, sent.message_id) == (chat_id, message_id):
                return sent
        raise KeyError((chat_id, message_id))

    def _message_json(self, sent: Sent) -> dict[str, Any]:
        body: dict[str, Any] = {
            "message_id": sent.message_id,
            "date": self.timestamp(),
            "chat": {"id": sent.chat_id, "type": "private" if sent.chat_id > 0 else "group"},
            "from": self._getMe({}),
            "text": sent.text,
        }
        if sent.buttons:
            body["reply_markup"] = {"inline_keyboard": sent.buttons}
        return body

    def _log_bot(self, sent: Sent, text: str) -> None:
        who = self.names.get(sent.chat_id, str(sent.chat_id))
        lines = [f"  bot → {who}: " + text.replace("\n", "\n" + " " * 10)]
        if sent.buttons:
            lines.append(" " * 10 + "  ".join(f"[{label}]" for label in sent.labels))
        self.transcript.extend(lines)


class FakeRequest(BaseRequest):
    """Hands python-telegram-bot's requests to a ``FakeBotApi`` in the same process."""

    def __init__(self, api: FakeBotApi) -> None:
        self.api = api

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        api_method = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        if request_data and request_data.contains_files:
            # What an uploaded file held: {field: bytes}, for tests to read back.
            params["_files"] = {
                name: part[1] for name, part in (request_data.multipart_data or {}).items()
            }
            params["_filenames"] = {
                name: part[0] for name, part in (request_data.multipart_data or {}).items()
            }
        status, body = self.api.handle(api_method, params)
        if api_method == "getUpdates" and not body.get("result"):
            await asyncio.sleep(0.05)  # a long poll that found nothing; don't spin
        return status, json.dumps(body).encode()


def serve_fake_api(api: FakeBotApi, port: int = 0) -> ThreadingHTTPServer:
    """Serve ``api`` on 127.0.0.1 (for a bot in another process); caller shuts it down."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode()
            if self.headers.get("Content-Type", "").startswith("application/json"):
                params = json.loads(raw or "{}")
            else:
                params = {key: _json_or_text(value) for key, value in parse_qsl(raw)}
            method = self.path.rsplit("/", 1)[-1]
            status, body = api.handle(method, params)
            if method == "getUpdates" and not body.get("result"):
                wall_time.sleep(0.05)
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _json_or_text(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        return value


class ChatUser:
    """A person talking to the bot in a private chat (or, with ``chat_type``, in a group)."""

    def __init__(
        self,
        api: FakeBotApi,
        application: Application,
        user_id: int,
        first_name: str,
        *,
        chat_id: int | None = None,
        chat_type: str = "private",
        language_code: str = "en",
        after_update: Callable[[], Awaitable[object]] | None = None,
    ) -> None:
        self.api, self.application = api, application
        # What runs after each update, e.g. the outbox's wake-up when time is simulated.
        self.after_update = after_update
        self.user_id, self.first_name = user_id, first_name
        self.chat_id = chat_id if chat_id is not None else user_id
        self.chat_type = chat_type
        self.language_code = language_code
        api.names.setdefault(self.chat_id, first_name if chat_type == "private" else "group chat")
        self.label = first_name if chat_type == "private" else f"{first_name} (in a group chat)"

    @property
    def inbox(self) -> list[Sent]:
        return self.api.messages_to(self.chat_id)

    @property
    def last(self) -> Sent:
        return self.inbox[-1]

    def _user_json(self) -> dict[str, Any]:
        return {
            "id": self.user_id,
            "is_bot": False,
            "first_name": self.first_name,
            "language_code": self.language_code,
        }

    def _message_json(self, **content: Any) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": self.chat_id, "type": self.chat_type}
        if self.chat_type == "private":
            chat["first_name"] = self.first_name
        else:
            chat["title"] = "Some group"
        return {
            "message_id": self.api.next_message_id(),
            "date": self.api.timestamp(),
            "chat": chat,
            "from": self._user_json(),
            **content,
        }

    async def feed(self, update: dict[str, Any]) -> list[Sent]:
        """Run one raw update through the application; return the replies it sent or edited.

        Messages the ``after_update`` hook sends (the outbox) land in the inbox, not here.
        """
        before = len(self.api.activity)
        update = {"update_id": self.api.next_update_id(), **update}
        await self.application.process_update(Update.de_json(update, self.application.bot))
        replies = [m for m in self.api.activity[before:] if m.chat_id == self.chat_id]
        if self.after_update is not None:
            await self.after_update()
        return replies

    async def send(self, text: str) -> list[Sent]:
        self.api.note(f"{self.label}: {text}")
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            length = len(text.split()[0])
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return await self.feed({"message": self._message_json(**content)})

    async def edit(self, text: str) -> list[Sent]:
        self.api.note(f"{self.label} (edits a message): {text}")
        message = self._message_json(text=text, edit_date=self.api.timestamp())
        return await self.feed({"edited_message": message})

    async def send_sticker(self) -> list[Sent]:
        self.api.note(f"{self.label}: [sticker]")
        return await self.feed({"message": self._message_json(sticker=STICKER)})

    async def send_photo(self, caption: str | None = None) -> list[Sent]:
        self.api.note(f"{self.label}: [photo]" + (f" {caption}" if caption else ""))
        photo = [{"file_id": "photo-1", "file_unique_id": "p1", "width": 90, "height": 90}]
        content: dict[str, Any] = {"photo": photo}
        if caption:
            content["caption"] = caption
        return await self.feed({"message": self._message_json(**content)})

    async def send_voice(self) -> list[Sent]:
        self.api.note(f"{self.label}: [voice note]")
        voice = {"file_id": "voice-1", "file_unique_id": "v1", "duration": 3}
        return await self.feed({"message": self._message_json(voice=voice)})

    async def press(self, label: str) -> list[Sent]:
        """Press the button called ``label`` on the newest message that has it."""
        for sent in reversed(self.inbox):
            for row in sent.buttons:
                for button in row:
                    if button["text"] == label and "callback_data" in button:
                        return await self.press_data(button["callback_data"], sent, label)
        raise LookupError(f"no button {label!r} in {self.first_name}'s chat")

    async def press_data(self, data: str, on: Sent | None = None, label: str = "") -> list[Sent]:
        """Send a callback query with ``data`` (also for forged or stale data)."""
        self.api.note(f"{self.label} presses [{label or data}]")
        on = on or (self.inbox[-1] if self.inbox else None)
        query: dict[str, Any] = {
            "id": str(self.api.next_update_id()),
            "from": self._user_json(),
            "chat_instance": str(self.chat_id),
            "data": data,
        }
        # A button always sits on a message in this chat; a forged press gets a blank one.
        message = self.api._message_json(on) if on else {"message_id": 0, "date": 0, "text": ""}
        query["message"] = {**message, "chat": {"id": self.chat_id, "type": self.chat_type}}
        return await self.feed({"callback_query": query})
