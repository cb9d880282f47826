"""Outbox rows that help a patient after a missed session: the follow-up and the material."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot import callbacks
from bot.i18n import texts
from bot.outbox.rows import NotificationKind, Planned, person_event
from storage.materials import Material


def followup_row(
    *,
    patient_id: int,
    chat_id: int,
    occurrence_id: int,
    name: str,
    session: str,
    due_at: datetime,
    discreet: bool = True,
    quiet: dict[str, object] | None = None,  # rows.quiet_field: silent at night
) -> Planned:
    """'Checking in' after a missed session; sent only while they are still marked absent."""
    buttons = [
        [
            {
                "text": texts.FOLLOWUP_MATERIAL,
                "callback_data": f"{callbacks.FOLLOWUP}m:{occurrence_id}",
            }
        ],
        [
            {
                "text": texts.MAKEUP_OFFER_BUTTON,
                "callback_data": f"{callbacks.MAKEUP_OPTIONS}{occurrence_id}",
            }
        ],
        [{"text": texts.FOLLOWUP_TALK, "callback_data": f"{callbacks.FOLLOWUP}t:{occurrence_id}"}],
        [{"text": texts.FOLLOWUP_OKAY, "callback_data": f"{callbacks.FOLLOWUP}o:{occurrence_id}"}],
    ]
    text = (texts.FOLLOWUP_DISCREET if discreet else texts.FOLLOWUP).format(
        name=name, session=session
    )
    return person_event(
        NotificationKind.FOLLOWUP,
        person_id=patient_id,
        chat_id=chat_id,
        variant="followup",
        payload={"text": text, "buttons": buttons, **(quiet or {})},
        due_at=due_at,
        occurrence_id=occurrence_id,
        patient_id=patient_id,
    )


def material_text(session: str, materials: Sequence[Material], discreet: bool = False) -> str:
    header = texts.MATERIAL_HEADER_DISCREET if discreet else texts.MATERIAL_HEADER
    lines = [header.format(session=session)]
    for material in materials:
        if material.url:
            lines.append(texts.MATERIAL_LINK.format(title=material.title, url=material.url))
        else:
            lines.append(texts.MATERIAL_FILE.format(title=material.title))
    return "\n".join(lines)


def material_row(
    *,
    patient_id: int,
    chat_id: int,
    occurrence_id: int,
    session: str,
    materials: Sequence[Material],
    due_at: datetime,
    tag: str = "",
    discreet: bool = True,
    quiet: dict[str, object] | None = None,  # rows.quiet_field: silent at night
) -> Planned:
    """The material for one missed session; each material goes to each patient once."""
    button = [
        [{"text": texts.CAUGHT_UP, "callback_data": f"{callbacks.CAUGHT_UP}{occurrence_id}"}]
    ]
    variant = tag or "material:" + ",".join(str(m.id) for m in materials)
    payload = {
        "text": material_text(session, materials, discreet),
        "buttons": button,
        **(quiet or {}),
    }
    return person_event(
        NotificationKind.MATERIAL,
        person_id=patient_id,
        chat_id=chat_id,
        variant=variant,
        payload=payload,
        due_at=due_at,
        occurrence_id=occurrence_id,
        patient_id=patient_id,
    )
