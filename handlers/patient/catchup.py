"""After a missed session: the follow-up's buttons, "Done, I've caught up" and /catchup.

Every press is re-checked: the session must be one of the patient's own and they must be
marked absent for it.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot import callbacks
from bot.attendance.catchup import material_text
from bot.context import BotContext
from bot.i18n import current_language, texts
from bot.kinds import Role
from bot.labels import session_label, short_day
from bot.usecases.care_team import therapist_name
from bot.usecases.catchup import ask_to_talk, mark_caught_up
from handlers.access import for_roles
from handlers.common import button, when_read
from storage import materials as material_store
from storage import schedule as schedule_store
from storage.materials import Material
from storage.records import Occurrence


async def _missed(update: Update, context: BotContext, occurrence_id: int) -> Occurrence | None:
    patient_id = context.actor.person.id
    occurrence = await schedule_store.patient_occurrence(context.db, patient_id, occurrence_id)
    if occurrence is None or not await material_store.was_absent(
        context.db, patient_id, occurrence_id
    ):
        await update.callback_query.answer(texts.BUTTON_EXPIRED, show_alert=True)
        return None
    return occurrence


def _caught_up_button(occurrence_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    texts.CAUGHT_UP, callback_data=f"{callbacks.CAUGHT_UP}{occurrence_id}"
                )
            ]
        ]
    )


async def send_material(
    update: Update, context: BotContext, occurrence: Occurrence, materials: list[Material]
) -> None:
    """The links as one message with "Done, I've caught up"; files as documents."""
    chat_id = update.effective_chat.id
    label = session_label(occurrence, context.services.zone_of(context.actor.person))
    await context.bot.send_message(
        chat_id, material_text(label, materials), reply_markup=_caught_up_button(occurrence.id)
    )
    for material in materials:
        if material.file_id:
            await context.bot.send_document(chat_id, material.file_id, caption=material.title)


@for_roles(Role.PATIENT)
async def followup_choice(update: Update, context: BotContext) -> None:
    query = update.callback_query
    choice, occurrence_id = query.data.removeprefix(callbacks.FOLLOWUP).split(":")
    occurrence = await _missed(update, context, int(occurrence_id))
    if occurrence is None:
        return
    await query.answer()
    patient = context.actor.person
    label = session_label(occurrence, context.services.zone_of(patient))
    therapist = await therapist_name(context.services, patient)
    picked = {"m": texts.FOLLOWUP_MATERIAL, "t": texts.FOLLOWUP_TALK, "o": texts.FOLLOWUP_OKAY}
    await query.edit_message_text(f"{query.message.text}\n\n✔️ {picked[choice]}")
    if choice == "o":
        await query.message.reply_text(texts.FOLLOWUP_OKAY_REPLY)
    elif choice == "t":
        await ask_to_talk(context.services, patient, occurrence)
        await query.message.reply_text(
            texts.FOLLOWUP_TALK_REPLY.format(
                therapist=therapist,
                read=when_read(context),
                help_line=context.config.safety.help_line_in(current_language()),
            )
        )
    else:
        materials = await material_store.materials_for(context.db, occurrence.id)
        if materials:
            await send_material(update, context, occurrence, materials)
        else:
            await query.message.reply_text(
                texts.FOLLOWUP_NO_MATERIAL.format(session=label, therapist=therapist)
            )


@for_roles(Role.PATIENT)
async def caught_up(update: Update, context: BotContext) -> None:
    query = update.callback_query
    occurrence = await _missed(update, context, int(query.data.removeprefix(callbacks.CAUGHT_UP)))
    if occurrence is None:
        return
    if not await mark_caught_up(context.services, context.actor.person, occurrence):
        await query.answer(texts.CAUGHT_UP_ALREADY, show_alert=True)
        return
    await query.answer()
    await query.edit_message_reply_markup(None)
    label = session_label(occurrence, context.services.zone_of(context.actor.person))
    await query.message.reply_text(texts.CAUGHT_UP_REPLY.format(session=label))


@for_roles(Role.PATIENT)
async def list_catchup(update: Update, context: BotContext) -> None:
    """/catchup: recent missed sessions, their material, and what is done."""
    patient = context.actor.person
    missed = await material_store.missed_sessions(context.db, patient.id, context.clock.now())
    message = update.effective_message
    if not missed:
        await message.reply_text(texts.CATCHUP_NONE)
        return
    zone = context.services.zone_of(patient)
    lines, rows = [texts.CATCHUP_HEADER], []
    for item in missed:
        label = f"{item.title}, {short_day(item.starts_at.astimezone(zone))}"
        template = texts.CATCHUP_ITEM_DONE if item.caught_up else texts.CATCHUP_ITEM_OPEN
        lines.append(template.format(session=label))
        for material in item.materials:
            if material.url:
                lines.append(
                    "   " + texts.MATERIAL_LINK.format(title=material.title, url=material.url)
                )
            else:
                lines.append("   " + texts.MATERIAL_FILE.format(title=material.title))
        if not item.materials:
            lines.append(texts.CATCHUP_ITEM_NO_MATERIAL)
        elif not item.caught_up:
            rows.append([button(f"✔️ {label}", f"{callbacks.CAUGHT_UP}{item.occurrence_id}")])
    await message.reply_text(
        "\n".join(lines), reply_markup=InlineKeyboardMarkup(rows) if rows else None
    )
    for item in missed:
        for material in item.materials:
            if material.file_id and not item.caught_up:
                await context.bot.send_document(
                    message.chat_id, material.file_id, caption=material.title
                )
