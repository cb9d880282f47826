"""/patient NAME: one patient's attendance summary, for patients in the caller's caseload.

A name outside the caseload gets the same answer as a name that does not exist, so the
command cannot be used to learn who else is in treatment; refusals are logged (no names).
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot import callbacks
from bot.attendance.reports import whole_percent
from bot.attendance.summary import AttendanceCounts, RiskThresholds, holding_flags, patient_summary
from bot.context import BotContext
from bot.i18n import texts
from bot.kinds import AuditAction, Role
from bot.labels import format_clock, short_day
from bot.usecases.fees import has_charges
from bot.usecases.safety import lift_pause, paused_until
from handlers.access import for_roles
from handlers.common import button
from storage import audit, people
from storage import reports as report_store
from storage import risk as risk_store
from storage.records import Person

log = logging.getLogger(__name__)


def _rate(counts: AttendanceCounts) -> str:
    rate = whole_percent(counts.attended, counts.attended + counts.missed)
    return "" if rate is None else f" ({rate}%)"


async def _summary(
    context: BotContext, patient: Person
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The summary, a button to lift a pause after a crisis when one is on, and one for the
    patient's fees when they have some."""
    now = context.clock.now()
    policy = context.config.policy
    marks = await report_store.patient_marks(context.db, patient.id, now)
    summary = patient_summary(marks, now, insurance_window_days=policy.insurance_window_days)
    await audit.record(
        context.db,
        at=now,
        actor_id=context.actor.person.id,
        action=AuditAction.VIEWED_SUMMARY,
        patient_id=patient.id,
    )
    flags = holding_flags(summary.risk_inputs, RiskThresholds.from_policy(policy))
    labels = [
        texts.FLAG_LABELS[flag].format(days=policy.insurance_window_days) for flag in sorted(flags)
    ]
    d30, d90 = summary.last_30_days, summary.last_90_days
    flag_line = texts.PATIENT_FLAGS.format(flags=", ".join(labels)) if labels else None
    text = texts.PATIENT_SUMMARY.format(
        name=patient.name,
        handle=patient.handle,
        a30=d30.attended, m30=d30.missed, u30=d30.unmarked, r30=_rate(d30),
        a90=d90.attended, m90=d90.missed, u90=d90.unmarked, r90=_rate(d90),
        streak=summary.consecutive_misses,
        open=await risk_store.uncaught_misses(context.db, patient.id, now),
        flags=flag_line or texts.PATIENT_NO_FLAGS,
    )  # fmt: skip
    rows = await _fee_rows(context, patient)
    until = await paused_until(context.services, patient)
    if until is None:
        return text, InlineKeyboardMarkup(rows) if rows else None
    when = (
        short_day(until.astimezone(context.zone))
        + " "
        + format_clock(until.astimezone(context.zone))
    )
    lift = button(texts.PAUSE_LIFT_BUTTON, f"{callbacks.PAUSE_LIFT}{patient.id}")
    return text + texts.PATIENT_PAUSED.format(until=when), InlineKeyboardMarkup([[lift], *rows])


async def _fee_rows(context: BotContext, patient: Person) -> list[list[InlineKeyboardButton]]:
    if not await has_charges(context.services, patient):
        return []
    return [[button(texts.FEES_BUTTON, f"{callbacks.FEES_SHOW}{patient.id}")]]


@for_roles(Role.THERAPIST)
async def show_patient(update: Update, context: BotContext) -> None:
    message = update.effective_message
    query = " ".join(context.args or []).strip()
    if not query:
        await message.reply_text(texts.PATIENT_USAGE)
        return
    wanted = query.casefold()
    matches = [
        p
        for p in await people.caseload(context.db, context.actor.person.id)
        if wanted in p.name.casefold() or wanted == p.handle
    ]
    if not matches:
        log.info("/patient found no match in the caller's caseload")
        await message.reply_text(texts.PATIENT_NOT_FOUND.format(query=query[:60]))
        return
    if len(matches) == 1:
        text, markup = await _summary(context, matches[0])
        await message.reply_text(text, reply_markup=markup)
        return
    rows = [
        [button(f"{p.name} ({p.handle})", f"{callbacks.PATIENT_PICK}{p.id}")] for p in matches[:10]
    ]
    await message.reply_text(texts.PATIENT_WHICH, reply_markup=InlineKeyboardMarkup(rows))


@for_roles(Role.THERAPIST)
async def pick_patient(update: Update, context: BotContext) -> None:
    query = update.callback_query
    patient_id = int(query.data.removeprefix(callbacks.PATIENT_PICK))
    caseload = {p.id: p for p in await people.caseload(context.db, context.actor.person.id)}
    if patient_id not in caseload:
        log.info("refused a /patient button outside the caller's caseload")
        await query.answer(texts.BUTTON_EXPIRED, show_alert=True)
        return
    await query.answer()
    text, markup = await _summary(context, caseload[patient_id])
    await query.edit_message_text(text, reply_markup=markup)


@for_roles(Role.THERAPIST)
async def lift_the_pause(update: Update, context: BotContext) -> None:
    """ "Lift the pause" under /patient: routine reminders resume."""
    query = update.callback_query
    patient_id = callbacks.trailing_id(query.data)
    caseload = {p.id: p for p in await people.caseload(context.db, context.actor.person.id)}
    patient = caseload.get(patient_id)
    if patient is None or not await lift_pause(context.services, context.actor.person, patient):
        await query.answer(texts.BUTTON_EXPIRED, show_alert=True)
        return
    await query.answer(texts.PAUSE_LIFTED.format(name=patient.name))
    rows = await _fee_rows(context, patient)  # the Fees button stays
    await query.edit_message_reply_markup(InlineKeyboardMarkup(rows) if rows else None)
