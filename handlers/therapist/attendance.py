"""/today's roster and marking attendance with toggle buttons (/attendance reopens any).

Every press is re-checked: the session must be one the therapist leads and must have
started, and the patient must belong to it. Each change is written to the audit log.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot import texts, timezones
from bot.attendance.aftercare import after_absence
from bot.attendance.matching import session_label
from bot.context import BotContext
from bot.roles import Role
from bot.schedule.agenda import person_zone
from bot.schedule.sync import local_day_bounds
from handlers.access import for_roles
from storage import people
from storage import roster as roster_store
from storage import schedule as schedule_store
from storage.records import AttendanceStatus, Occurrence

log = logging.getLogger(__name__)

MARK_PREFIX = "at:"  # at:<occurrence>:<patient> toggles one patient
OPEN_PREFIX = "at:open:"  # at:open:<occurrence> sends the marking message
DONE_PREFIX = "at:done:"
MARK_PATTERN = r"^at:(open:\d+|done:\d+|\d+:\d+)$"
LOOK_BACK = timedelta(days=14)

# present -> late -> absent -> present; a first tap (unmarked or "coming") means present.
_NEXT = {
    AttendanceStatus.PRESENT: AttendanceStatus.LATE,
    AttendanceStatus.LATE: AttendanceStatus.ABSENT,
    AttendanceStatus.ABSENT: AttendanceStatus.PRESENT,
}


def therapist_zone(context: BotContext) -> ZoneInfo:
    return person_zone(context.actor.person, context.config.program.timezone)


def titled(occurrence: Occurrence, zone: ZoneInfo) -> str:
    label = session_label(occurrence, zone)
    return f"{label} ({occurrence.group_name})" if occurrence.group_name else label


@for_roles(Role.THERAPIST)
async def show_today(update: Update, context: BotContext) -> None:
    zone = therapist_zone(context)
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
        lines = [f"\n{titled(occurrence, zone)}"]
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
    zone = therapist_zone(context)
    sessions = await schedule_store.therapist_occurrences(
        context.db, context.actor.person.id, now - LOOK_BACK, now
    )
    started = sorted((o for o in sessions if o.starts_at <= now), key=lambda o: o.starts_at)
    if not started:
        await update.effective_message.reply_text(texts.ATTENDANCE_NONE)
        return
    rows = [
        [InlineKeyboardButton(titled(o, zone)[:60], callback_data=f"{OPEN_PREFIX}{o.id}")]
        for o in reversed(started[-8:])
    ]
    await update.effective_message.reply_text(
        texts.ATTENDANCE_PICK, reply_markup=InlineKeyboardMarkup(rows)
    )


async def _marking_keyboard(context: BotContext, occurrence: Occurrence) -> InlineKeyboardMarkup:
    entries = await roster_store.roster(context.db, occurrence.id)
    rows = [
        [
            InlineKeyboardButton(
                f"{texts.MARK_ICONS[e.status.value if e.status else None]} {e.name}"[:60],
                callback_data=f"{MARK_PREFIX}{occurrence.id}:{e.patient_id}",
            )
        ]
        for e in entries
    ]
    rows.append(
        [InlineKeyboardButton(texts.MARK_DONE, callback_data=f"{DONE_PREFIX}{occurrence.id}")]
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
    if data.startswith(OPEN_PREFIX):
        occurrence = await _authorised(update, context, int(data.removeprefix(OPEN_PREFIX)))
        if occurrence:
            await query.answer()
            await query.message.reply_text(
                texts.MARK_HEADER.format(session=titled(occurrence, therapist_zone(context))),
                reply_markup=await _marking_keyboard(context, occurrence),
            )
        return
    if data.startswith(DONE_PREFIX):
        occurrence = await _authorised(update, context, int(data.removeprefix(DONE_PREFIX)))
        if occurrence:
            await query.answer()
            await query.edit_message_text(await _saved_text(context, occurrence))
        return
    occurrence_id, patient_id = (int(part) for part in data.removeprefix(MARK_PREFIX).split(":"))
    occurrence = await _authorised(update, context, occurrence_id)
    if occurrence is None:
        return
    if not await roster_store.is_member(context.db, occurrence.id, patient_id):
        await query.answer(texts.BUTTON_EXPIRED, show_alert=True)
        return
    entries = {e.patient_id: e for e in await roster_store.roster(context.db, occurrence.id)}
    current = entries[patient_id].status
    new = _NEXT.get(current, AttendanceStatus.PRESENT)
    now = context.clock.now()
    await roster_store.mark(
        context.db,
        occurrence_id=occurrence.id,
        patient_id=patient_id,
        status=new,
        therapist_id=context.actor.person.id,
        now=now,
    )
    if new is AttendanceStatus.ABSENT:
        patient = await people.get_person(context.db, patient_id)
        await after_absence(context.db, context.notifier, context.config, patient, occurrence, now)
    await query.answer(f"{entries[patient_id].name}: {new.value}")
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
        session=titled(occurrence, therapist_zone(context)), counts=counts
    )
