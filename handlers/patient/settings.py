"""/settings: which reminders a patient gets before each session (toggle buttons)."""

from __future__ import annotations

from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot import callbacks
from bot.context import BotContext
from bot.durations import parse_duration
from bot.i18n import set_language, texts
from bot.kinds import Role
from bot.labels import format_clock, lead_label
from bot.usecases.enrolment import choose_name
from bot.usecases.settings import (
    lead_times,
    switch_language,
    toggle_discreet,
    toggle_lead_time,
    toggle_quiet,
    use_default_lead_times,
)
from handlers.access import for_roles
from handlers.common import set_commands_for
from storage.records import Person

_CHOICES = "|".join(texts.LEAD_LABELS)
PATTERN = (
    rf"^({callbacks.SETTINGS_TOGGLE}({_CHOICES})"
    rf"|{callbacks.SETTINGS_DEFAULT}|{callbacks.SETTINGS_DONE}|{callbacks.SETTINGS_DISCREET}"
    rf"|{callbacks.SETTINGS_QUIET}|{callbacks.SETTINGS_LANGUAGE})\Z"
)


async def _current(context: BotContext) -> tuple[timedelta, ...]:
    return await lead_times(context.services, context.actor.person)


def _describe(leads: tuple[timedelta, ...]) -> str:
    if not leads:
        return texts.SETTINGS_NONE
    return ", ".join(texts.LEAD_LABELS.get(lead_label(lead), lead_label(lead)) for lead in leads)


def _screen(
    context: BotContext, leads: tuple[timedelta, ...], person: Person
) -> tuple[str, InlineKeyboardMarkup]:
    """The settings message and its toggle buttons, as they stand for ``person``."""
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
    rows += [
        [InlineKeyboardButton(texts.SETTINGS_DEFAULT, callback_data=callbacks.SETTINGS_DEFAULT)],
        [
            InlineKeyboardButton(
                texts.SETTINGS_DISCREET[person.discreet], callback_data=callbacks.SETTINGS_DISCREET
            )
        ],
        [
            InlineKeyboardButton(
                texts.SETTINGS_QUIET[person.quiet], callback_data=callbacks.SETTINGS_QUIET
            )
        ],
        [InlineKeyboardButton(texts.LANGUAGE_BUTTON, callback_data=callbacks.SETTINGS_LANGUAGE)],
        [InlineKeyboardButton(texts.SETTINGS_DONE, callback_data=callbacks.SETTINGS_DONE)],
    ]
    start, end = context.services.config.reminders.patient_quiet_hours
    text = (
        texts.SETTINGS.format(current=_describe(leads))
        + texts.SETTINGS_DISCREET_ABOUT
        + texts.SETTINGS_QUIET_ABOUT.format(start=format_clock(start), end=format_clock(end))
    )
    return text, InlineKeyboardMarkup(rows)


@for_roles(Role.PATIENT)
async def show_settings(update: Update, context: BotContext) -> None:
    text, markup = _screen(context, await _current(context), context.actor.person)
    await update.effective_message.reply_text(text, reply_markup=markup)


@for_roles(Role.PATIENT)
async def change_setting(update: Update, context: BotContext) -> None:
    query = update.callback_query
    await query.answer()
    person = context.actor.person
    if query.data == callbacks.SETTINGS_DONE:
        leads = await _current(context)
        saved = texts.SETTINGS_SAVED.format(current=_describe(leads))
        await query.edit_message_text(saved if leads else texts.SETTINGS_SAVED_NONE)
        return
    if query.data in (callbacks.SETTINGS_DISCREET, callbacks.SETTINGS_QUIET):
        toggle = toggle_discreet if query.data == callbacks.SETTINGS_DISCREET else toggle_quiet
        person = await toggle(context.services, person)
        text, markup = _screen(context, await _current(context), person)
        await query.edit_message_text(text, reply_markup=markup)
        return
    if query.data == callbacks.SETTINGS_LANGUAGE:
        person = await _switch_language(update, context)
        text, markup = _screen(context, await _current(context), person)
        await query.edit_message_text(text, reply_markup=markup)
        return
    before = await _current(context)
    if query.data == callbacks.SETTINGS_DEFAULT:
        after = await use_default_lead_times(context.services, person)
    else:
        lead = parse_duration(query.data.removeprefix(callbacks.SETTINGS_TOGGLE))
        after = await toggle_lead_time(context.services, person, lead)
    if after != before:  # Telegram refuses an edit that changes nothing
        text, markup = _screen(context, after, person)
        await query.edit_message_text(text, reply_markup=markup)


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


async def _switch_language(update: Update, context: BotContext) -> Person:
    """English <-> Spanish: from this reply on, and the chat's command menu too."""
    person = await switch_language(context.services, context.actor.person)
    set_language(person.language)
    await set_commands_for(context, update.effective_chat.id, person.role)
    return person


@for_roles(Role.PATIENT, Role.THERAPIST)
async def change_language(update: Update, context: BotContext) -> None:
    """/language: switch between English and Spanish."""
    await _switch_language(update, context)
    await update.effective_message.reply_text(texts.LANGUAGE_SET)
