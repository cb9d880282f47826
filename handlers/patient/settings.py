"""/settings: which reminders a patient gets before each session (toggle buttons)."""

from __future__ import annotations

from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot import callbacks, texts
from bot.context import BotContext
from bot.durations import parse_duration
from bot.kinds import Role
from bot.labels import lead_label
from handlers.access import for_roles
from storage import preferences as preference_store

_CHOICES = "|".join(texts.LEAD_LABELS)
PATTERN = (
    rf"^({callbacks.SETTINGS_TOGGLE}({_CHOICES})"
    rf"|{callbacks.SETTINGS_DEFAULT}|{callbacks.SETTINGS_DONE})$"
)


async def _current(context: BotContext) -> tuple[timedelta, ...]:
    own = await preference_store.reminder_lead_times(context.db, context.actor.person.id)
    return own if own is not None else context.config.reminders.lead_times


def _describe(leads: tuple[timedelta, ...]) -> str:
    if not leads:
        return texts.SETTINGS_NONE
    return ", ".join(texts.LEAD_LABELS.get(lead_label(lead), lead_label(lead)) for lead in leads)


def _keyboard(leads: tuple[timedelta, ...]) -> InlineKeyboardMarkup:
    chosen = {lead_label(lead) for lead in leads}
    rows = [
        [
            InlineKeyboardButton(
                f"{'✅' if key in chosen else '▫️'} {label}",
                callback_data=f"{callbacks.SETTINGS_TOGGLE}{key}",
            )
        ]
        for key, label in texts.LEAD_LABELS.items()
    ]
    rows.append(
        [InlineKeyboardButton(texts.SETTINGS_DEFAULT, callback_data=callbacks.SETTINGS_DEFAULT)]
    )
    rows.append([InlineKeyboardButton(texts.SETTINGS_DONE, callback_data=callbacks.SETTINGS_DONE)])
    return InlineKeyboardMarkup(rows)


@for_roles(Role.PATIENT)
async def show_settings(update: Update, context: BotContext) -> None:
    leads = await _current(context)
    await update.effective_message.reply_text(
        texts.SETTINGS.format(current=_describe(leads)), reply_markup=_keyboard(leads)
    )


@for_roles(Role.PATIENT)
async def change_setting(update: Update, context: BotContext) -> None:
    query = update.callback_query
    await query.answer()
    patient_id = context.actor.person.id
    now = context.clock.now()
    if query.data == callbacks.SETTINGS_DONE:
        leads = await _current(context)
        saved = texts.SETTINGS_SAVED.format(current=_describe(leads))
        await query.edit_message_text(saved if leads else texts.SETTINGS_SAVED_NONE)
        return
    before = await _current(context)
    if query.data == callbacks.SETTINGS_DEFAULT:
        await preference_store.clear_reminder_lead_times(context.db, patient_id)
    else:
        lead = parse_duration(query.data.removeprefix(callbacks.SETTINGS_TOGGLE))
        leads = set(await _current(context)) ^ {lead}
        await preference_store.set_reminder_lead_times(context.db, patient_id, sorted(leads), now)
    await context.notifier.replan([patient_id])
    after = await _current(context)
    if after != before:  # Telegram refuses an edit that changes nothing
        await query.edit_message_text(
            texts.SETTINGS.format(current=_describe(after)), reply_markup=_keyboard(after)
        )
