"""/today's roster and marking attendance with toggle buttons (/attendance reopens any).

Every press is re-checked: the session must be one the therapist leads and must have
started, and the patient must belong to it. Each change is written to the audit log; what
a mark sets off waits for Done (or an idle sheet, see ``bot.usecases.attendance``).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot import callbacks, timezones
from bot.context import BotContext
from bot.i18n import texts
from bot.kinds import Role
from bot.labels import local_day_bounds, staff_session_label
from bot.usecases.attendance import settle_marks, toggle_attendance
from handlers.access import for_roles
from handlers.common import button
from storage import roster as roster_store
from storage import schedule as schedule_store
from storage.records import Occurrence

log = logging.getLogger(__name__)

LOOK_BACK = timedelta(days=14)


@for_roles(Role.THERAPIST)
async def show_today(update: Update, context: BotContext) -> None:
    zone = context.zone
    today = context.clock.now().astimezone(zone).date()
    start, end = local_day_bounds(today, today, zone)
    sessions = await schedule_store.therapist_occurrences(
        context.db, context.actor.person.id, start, end
    )
    if not sessions:
        await update.effective_message.reply_text(texts.TODAY_NONE)
        return
    blocks = [texts.TODAY_HEADER.format(zone_label=timezones.label(zone.key))]
    for occurrence in sessions:
        lines = [f"\n{staff_session_label(occurrence, zone)}"]
        entries = await roster_store.roster(context.db, occurrence.id)
        for entry in entries:
            reason = f" ({entry.absence_reason})" if entry.absence_reason else ""
            minutes = f" ({entry.late_minutes} min)" if entry.late_minutes else ""
            status = entry.status.value if entry.status else None
            lines.append(
                "   "
                + texts.STATUS_WORDS[status].format(
                    name=entry.name, reason=reason, minutes=minutes
                )
            )
        lines += [] if entries else [texts.ROSTER_NOBODY]
        blocks.append("\n".join(lines))
    await update.effective_message.reply_text("\n".join(blocks))


@for_roles(Role.THERAPIST)
async def choose_session(update: Update, context: BotContext) -> None:
    """/attendance: the therapist's started sessions of the last two weeks, newest first."""
    now = context.clock.now()
    zone = context.zone
    sessions = await schedule_store.therapist_occurrences(
        context.db, context.actor.person.id, now - LOOK_BACK, now
    )
    started = sorted((o for o in sessions if o.starts_at <= now), key=lambda o: o.starts_at)
    if not started:
        await update.effective_message.reply_text(texts.ATTENDANCE_NONE)
        return
    rows = [
        [button(staff_session_label(o, zone), f"{callbacks.ATTENDANCE_OPEN}{o.id}")]
        for o in reversed(started[-8:])
    ]
    await update.effective_message.reply_text(
        texts.ATTENDANCE_PICK, reply_markup=InlineKeyboardMarkup(rows)
    )


async def _marking_keyboard(context: BotContext, occurrence: Occurrence) -> InlineKeyboardMarkup:
    entries = await roster_store.roster(context.db, occurrence.id)
    rows = [
        [
            button(
                f"{texts.MARK_ICONS[e.status.value if e.status else None]} {e.name}",
                f"{callbacks.ATTENDANCE_MARK}{occurrence.id}:{e.patient_id}",
            )
        ]
        for e in entries
    ]
    rows.append(
        [
            InlineKeyboardButton(
                texts.MARK_DONE, callback_data=f"{callbacks.ATTENDANCE_DONE}{occurrence.id}"
            )
        ]
    )
    return InlineKeyboardMarkup(rows)


async def _authorised(
    update: Update, context: BotContext, occurrence_id: int
) -> Occurrence | None:
    query = update.callback_query
    occurrence = await schedule_store.led_occurrence(
        context.db, context.actor.person.id, occurrence_id
    )
    if occurrence is None:
        log.info("refused an attendance button for a session the caller does not lead")
        await query.answer(texts.MARK_NOT_YOURS, show_alert=True)
        return None
    if occurrence.starts_at > context.clock.now():
        await query.answer(texts.MARK_NOT_STARTED, show_alert=True)
        return None
    return occurrence


@for_roles(Role.THERAPIST)
async def press(update: Update, context: BotContext) -> None:
    query = update.callback_query
    data = query.data
    if data.startswith(callbacks.ATTENDANCE_OPEN):
        occurrence = await _authorised(
            update, context, int(data.removeprefix(callbacks.ATTENDANCE_OPEN))
        )
        if occurrence:
            await query.answer()
            await query.message.reply_text(
                texts.MARK_HEADER.format(session=staff_session_label(occurrence, context.zone)),
                reply_markup=await _marking_keyboard(context, occurrence),
            )
        return
    if data.startswith(callbacks.ATTENDANCE_DONE):
        occurrence = await _authorised(
            update, context, int(data.removeprefix(callbacks.ATTENDANCE_DONE))
        )
        if occurrence:
            await query.answer()
            await settle_marks(context.services, occurrence.id)
            await query.edit_message_text(await _saved_text(context, occurrence))
        return
    occurrence_id, patient_id = (
        int(part) for part in data.removeprefix(callbacks.ATTENDANCE_MARK).split(":")
    )
    occurrence = await _authorised(update, context, occurrence_id)
    if occurrence is None:
        return
    marked = await toggle_attendance(
        context.services, context.actor.person, occurrence, patient_id
    )
    if marked is None:
        await query.answer(texts.BUTTON_EXPIRED, show_alert=True)
        return
    await query.answer(f"{marked.patient_name}: {marked.status.value}")
    await query.edit_message_reply_markup(await _marking_keyboard(context, occurrence))


async def _saved_text(context: BotContext, occurrence: Occurrence) -> str:
    entries = await roster_store.roster(context.db, occurrence.id)
    counted = {status: 0 for status in ("present", "late", "absent")}
    unmarked = 0
    for entry in entries:
        if entry.status and entry.status.value in counted:
            counted[entry.status.value] += 1
        else:
            unmarked += 1
    counts = texts.MARK_COUNTS.format(unmarked=unmarked, **counted)
    return texts.MARK_SAVED.format(
        session=staff_session_label(occurrence, context.zone), counts=counts
    )
