"""Which due rows go out now, and how they become messages (merged per chat, rendered late).

Texts are rendered at send time where they depend on "now" (``today``, ``in 1 hour``), so a
message that goes out after downtime still tells the truth. Pure: no database, no Telegram.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from bot.i18n import tidy, writing_for
from bot.labels import describe_until, describe_when
from bot.outbox.rows import MAX_TEXT, OutboxRow, Priority
from bot.timezones import cached_zone, in_quiet_hours


@dataclass(frozen=True)
class DueSelection:
    send: list[OutboxRow]
    # (row, reason): rows to mark skipped, never to send
    skip: list[tuple[OutboxRow, str]]


STALE = "stale"


def due_notifications(rows: Iterable[OutboxRow], now: datetime) -> DueSelection:
    """Split pending rows into those to send now and those to skip; later ones are left out.

    A row is stale once ``expires_at`` has passed, whatever else is true: never sent late.
    """
    send, skip = [], []
    for row in rows:
        if row.due_at > now:
            continue
        if row.expires_at is not None and row.expires_at <= now:
            skip.append((row, STALE))
        elif row.withdrawn:
            skip.append((row, row.withdrawn))
        else:
            send.append(row)
    return DueSelection(send, skip)


Buttons = list[list[tuple[str, str]]]


@dataclass(frozen=True)
class OutgoingMessage:
    """What goes to one chat in one send: one or more rows merged."""

    chat_id: int
    text: str
    buttons: Buttons | None
    row_ids: tuple[int, ...]
    silent: bool = False  # sent without a sound: the patient's quiet hours


def merge_messages(rows: Sequence[OutboxRow], now: datetime) -> list[OutgoingMessage]:
    """One message per chat: texts joined by a blank line, button rows concatenated.

    Telegram allows about one message per second per chat, so a reminder and a material link
    due together go as one. When several merged parts have buttons, each button names its
    session, so "I'll be there" is never ambiguous. A chat's parts that would exceed
    Telegram's text limit are split into more messages. A crisis or safety alert is never
    merged: it goes first, as a message of its own.
    """
    by_chat: dict[int, list[OutboxRow]] = {}
    for row in sorted(rows, key=lambda r: (r.priority, r.due_at, r.id)):
        by_chat.setdefault(row.chat_id, []).append(row)
    messages = []
    for chat_id, chat_rows in by_chat.items():
        merged = [row for row in chat_rows if row.priority != Priority.SAFETY]
        messages.extend(
            _message(chat_id, [(row.id, *_part(json.loads(row.payload), False, now))], False)
            for row in chat_rows
            if row.priority == Priority.SAFETY
        )
        parts = [(row.id, json.loads(row.payload)) for row in merged]
        silent = any(is_silent(payload, now) for _, payload in parts)
        tagged = sum(1 for _, payload in parts if payload.get("buttons")) > 1
        chunk: list[tuple[int, str, Buttons]] = []
        for row_id, payload in parts:
            text, buttons = _part(payload, tagged, now)
            if chunk and len("\n\n".join([*(c[1] for c in chunk), text])) > MAX_TEXT:
                messages.append(_message(chat_id, chunk, silent))
                chunk = []
            chunk.append((row_id, text, buttons))
        if chunk:
            messages.append(_message(chat_id, chunk, silent))
    return messages


def _part(payload: dict[str, Any], tagged: bool, now: datetime) -> tuple[str, Buttons]:
    return render_text(payload, now), _buttons(payload, tagged)


def _message(chat_id: int, chunk: list[tuple[int, str, Buttons]], silent: bool) -> OutgoingMessage:
    buttons: Buttons = []
    for _, _, rows in chunk:
        # Two merged change notices both offer "Update my calendar": show it once.
        buttons += [row for row in rows if row not in buttons]
    return OutgoingMessage(
        chat_id,
        "\n\n".join(text for _, text, _ in chunk)[:MAX_TEXT],
        buttons or None,
        tuple(row_id for row_id, _, _ in chunk),
        silent,
    )


def _buttons(payload: dict[str, Any], tagged: bool) -> Buttons:
    tag = payload.get("tag")
    return [
        [
            (f"{b['text']} · {tag}" if tagged and tag else b["text"], b["callback_data"])
            for b in row
        ]
        for row in payload.get("buttons") or []
    ]


def render_text(payload: dict[str, Any], now: datetime) -> str:
    """The payload's text with ``{when}`` / ``{until}`` filled in as of ``now``."""
    text: str = payload["text"]
    when = payload.get("when")
    if when is None:
        return text
    start = datetime.fromisoformat(when["at"])
    zone = cached_zone(when["tz"])
    with writing_for(when.get("lang")):
        return tidy(
            text.replace("{when}", describe_when(start, now, zone)).replace(
                "{until}", describe_until(start, now)
            )
        )


def is_silent(payload: dict[str, Any], now: datetime) -> bool:
    """Whether it is now the recipient's quiet hours (see ``rows.quiet_field``)."""
    quiet = payload.get("quiet")
    if not quiet:
        return False
    local = now.astimezone(cached_zone(quiet["tz"])).time()
    return in_quiet_hours(
        local, time.fromisoformat(quiet["from"]), time.fromisoformat(quiet["to"])
    )
