"""/settings: which reminders a patient gets before each session (toggle buttons)."""

from __future__ import annotations

from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot import callbacks, texts
from bot.context import BotContext
from bot.durations import parse_duration
from bot.kinds import Role
from bot.labels import lead_label
from bot.usecases.enrolment import choose_name
from bot.usecases.settings import (
    lead_times,
    toggle_discreet,
    toggle_lead_time,
    use_default_lead_times,
)
from handlers.access import for_roles

_CHOICES = "|".join(texts.LEAD_LABELS)
PATTERN = (
    rf"^({callbacks.SETTINGS_TOGGLE}({_CHOICES})"
    rf"|{callbacks.SETTINGS_DEFAULT}|{callbacks.SETTINGS_DONE}|{callbacks.SETTINGS_DISCREET})$"
)


async def _current(context: BotContext) -> tuple[timedelta, ...]:
    return await lead_times(context.services, context.actor.person)


def _describe(leads: tuple[timedelta, ...]) -> str:
    if not leads:
        return texts.SETTINGS_NONE
    return ", ".join(texts.LEAD_LABELS.get(lead_label(lead), lead_label(lead)) for lead in leads)


def _keyboard(leads: tuple[timedelta, ...], discreet: bool) -> InlineKeyboardMarkup:
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
    rows.append(
        [
            InlineKeyboardButton(
                texts.SETTINGS_DISCREET[discreet], callback_data=callbacks.SETTINGS_DISCREET
            )
        ]
    )
    rows.append([InlineKeyboardButton(texts.SETTINGS_DONE, callback_data=callbacks.SETTINGS_DONE)])
    return InlineKeyboardMarkup(rows)


@for_roles(Role.PATIENT)
async def show_settings(update: Update, context: BotContext) -> None:
    leads = await _current(context)
    await update.effective_message.reply_text(
        texts.SETTINGS.format(current=_describe(leads)) + texts.SETTINGS_DISCREET_ABOUT,
        reply_markup=_keyboard(leads, context.actor.person.discreet),
    )


@for_roles(Role.PATIENT)
async def change_setting(update: Update, context: BotContext) -> None:
    query = update.callback_query
    await query.answer()
    if query.data == callbacks.SETTINGS_DONE:
        leads = await _current(context)
        saved = texts.SETTINGS_SAVED.format(current=_describe(leads))
        await query.edit_message_text(saved if leads else texts.SETTINGS_SAVED_NONE)
        return
    if query.data == callbacks.SETTINGS_DISCREET:
        discreet = await toggle_discreet(context.services, context.actor.person)
        leads = await _current(context)
        await query.edit_message_text(
            texts.SETTINGS.format(current=_describe(leads)) + texts.SETTINGS_DISCREET_ABOUT,
            reply_markup=_keyboard(leads, discreet),
        )
        return
    before = await _current(context)
    if query.data == callbacks.SETTINGS_DEFAULT:
        after = await use_default_lead_times(context.services, context.actor.person)
    else:
        lead = parse_duration(query.data.removeprefix(callbacks.SETTINGS_TOGGLE))
        after = await toggle_lead_time(context.services, context.actor.person, lead)
    if after != before:  # Telegram refuses an edit that changes nothing
        await query.edit_message_text(
            texts.SETTINGS.format(current=_describe(after)) + texts.SETTINGS_DISCREET_ABOUT,
            reply_markup=_keyboard(after, context.actor.person.discreet),
        )


@for_roles(Role.PATIENT)
async def change_name(update: Update, context: BotContext) -> None:
    """/name NEW NAME: what the bot calls the patient."""
    wanted = " ".join(context.args or [])
    if not wanted:
        await update.effective_message.reply_text(texts.NAME_USAGE)
        return
    person = await choose_name(context.services, context.actor.person, wanted)
    if person is None:
        await update.effective_message.reply_text(texts.NAME_NOT_USABLE)
        return
    await update.effective_message.reply_text(texts.NAME_SET.format(name=person.call_name))
