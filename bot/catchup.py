"""Outbox rows that help a patient after a missed session: the follow-up and the material."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from bot import texts
from bot.outbox import NotificationKind, Planned, person_key
from storage.materials import Material

FOLLOWUP_PREFIX = "fu:"  # fu:<m|t|o>:<occurrence>: material, talk, okay
CAUGHT_UP_PREFIX = "cu:"  # cu:<occurrence>
FOLLOWUP_PATTERN = r"^fu:[mto]:\d+$"
CAUGHT_UP_PATTERN = r"^cu:\d+$"


def followup_row(
    *, patient_id: int, chat_id: int, occurrence_id: int, name: str, session: str,
    due_at: datetime,
) -> Planned:  # fmt: skip
    """'We missed you' after a missed session; sent only while they are still marked absent."""
    buttons = [
        [
            {
                "text": texts.FOLLOWUP_MATERIAL,
                "callback_data": f"{FOLLOWUP_PREFIX}m:{occurrence_id}",
            }
        ],
        [{"text": texts.FOLLOWUP_TALK, "callback_data": f"{FOLLOWUP_PREFIX}t:{occurrence_id}"}],
        [{"text": texts.FOLLOWUP_OKAY, "callback_data": f"{FOLLOWUP_PREFIX}o:{occurrence_id}"}],
    ]
    text = texts.FOLLOWUP.format(name=name, session=session)
    return _row(NotificationKind.FOLLOWUP, patient_id, chat_id, occurrence_id, "followup",
                due_at, {"text": text, "buttons": buttons})  # fmt: skip


def material_text(session: str, materials: Sequence[Material]) -> str:
    lines = [texts.MATERIAL_HEADER.format(session=session)]
    for material in materials:
        if material.url:
            lines.append(texts.MATERIAL_LINK.format(title=material.title, url=material.url))
        else:
            lines.append(texts.MATERIAL_FILE.format(title=material.title))
    return "\n".join(lines)


def material_row(
    *, patient_id: int, chat_id: int, occurrence_id: int, session: str,
    materials: Sequence[Material], due_at: datetime, tag: str = "",
) -> Planned:  # fmt: skip
    """The material for one missed session; each material goes to each patient once."""
    button = [[{"text": texts.CAUGHT_UP, "callback_data": f"{CAUGHT_UP_PREFIX}{occurrence_id}"}]]
    variant = tag or "material:" + ",".join(str(m.id) for m in materials)
    payload = {"text": material_text(session, materials), "buttons": button}
    return _row(NotificationKind.MATERIAL, patient_id, chat_id, occurrence_id, variant, due_at,
                payload)  # fmt: skip


def _row(
    kind: NotificationKind, patient_id: int, chat_id: int, occurrence_id: int, variant: str,
    due_at: datetime, payload: dict,
) -> Planned:  # fmt: skip
    return Planned(
        kind=kind,
        occurrence_id=occurrence_id,
        recipient_key=person_key(patient_id),
        variant=variant,
        chat_id=chat_id,
        person_id=patient_id,
        buddy_id=None,
        patient_id=patient_id,
        session_starts_at=None,
        due_at=due_at,
        expires_at=None,
        payload=json.dumps(payload, ensure_ascii=False),
    )
