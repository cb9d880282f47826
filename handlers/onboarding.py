"""/start with an invite code: therapists register at once; patients read a consent notice,
accept it and confirm their time zone.

```mermaid
stateDiagram-v2
    [*] --> CONSENT: /start CODE (patient invite)
    [*] --> [*]: /start CODE (therapist invite, or a bad code)
    CONSENT --> TIMEZONE: Yes, that's okay
    CONSENT --> [*]: No, thanks / cancel
    TIMEZONE --> [*]: a time zone button (registered)
```

The invite is claimed by this Telegram user while the dialog is open, and only used when
the patient finishes, so declining or cancelling leaves the link usable.
"""

from __future__ import annotations

import warnings
from enum import IntEnum

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot import callbacks, timezones
from bot.context import BotContext
from bot.i18n import current_language, set_language, texts
from bot.invites import CODE_PATTERN
from bot.kinds import Role
from bot.labels import format_clock
from bot.schedule.agenda import week_agenda
from bot.usecases.enrolment import (
    check_invite,
    choose_name,
    enrol_patient,
    enrol_therapist,
    held_invite,
    hold_patient_invite,
    let_go_of_invite,
    person_of,
)
from handlers import buddies
from handlers.common import button, set_commands_for
from storage import people
from storage.records import InviteCheck, InviteStatus, Person

NAME = "onboarding"


class Onboarding(IntEnum):
    CONSENT = 1
    TIMEZONE = 2
    NAME = 3


async def start(update: Update, context: BotContext) -> int:
    """Entry point: /start, with or without an invite code."""
    message = update.effective_message
    actor = context.actor
    if not context.args:
        if actor.role is Role.BUDDY:
            await message.reply_text(
                texts.BUDDY_ONLY_REMINDERS.format(
                    help_line=context.config.safety.help_line_in(current_language())
                )
            )
        elif actor.person is None:
            await message.reply_text(texts.START_WITHOUT_CODE)
        else:
            await message.reply_text(
                texts.WELCOME_BACK.format(
                    name=actor.person.call_name
                    if actor.role is Role.PATIENT
                    else actor.person.name,
                    commands=texts.command_list(actor.role),
                )
            )
        return ConversationHandler.END
    code = context.args[0]
    if (
        code.startswith(callbacks.BUDDY_LINK)
        and CODE_PATTERN.match(code)
        and await buddies.open_link(update, context, code)
    ):
        return ConversationHandler.END
    user = update.effective_user
    check = await check_invite(context.services, code, user.id)
    if actor.person is None and check.person is not None and check.person.language:
        set_language(check.person.language)  # the clinic chose it at invite (--lang)
    if actor.person is not None:
        await message.reply_text(_already_registered_text(actor.person.name, actor.role, check))
        return ConversationHandler.END
    refusal = {
        InviteStatus.UNKNOWN: texts.INVITE_UNKNOWN,
        InviteStatus.USED: texts.INVITE_USED,
        InviteStatus.CLAIMED_BY_OTHER: texts.INVITE_USED,
        InviteStatus.EXPIRED: texts.INVITE_EXPIRED,
    }.get(check.status)
    if refusal:
        await message.reply_text(refusal)
        return ConversationHandler.END
    if check.person.role is Role.THERAPIST:
        return await _register_therapist(update, context, check)
    if not await hold_patient_invite(context.services, check, user.id):
        await message.reply_text(texts.INVITE_USED)
        return ConversationHandler.END
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    texts.CONSENT_YES, callback_data=f"{callbacks.CONSENT}y:{check.invite_id}"
                )
            ],
            [
                InlineKeyboardButton(
                    texts.CONSENT_NO, callback_data=f"{callbacks.CONSENT}n:{check.invite_id}"
                )
            ],
        ]
    )
    await message.reply_text(texts.CONSENT.format(privacy=texts.PRIVACY), reply_markup=keyboard)
    return Onboarding.CONSENT


def _already_registered_text(name: str, role: Role, check: InviteCheck) -> str:
    if check.person is not None and check.person.role.value != role.value:
        return texts.INVITE_WRONG_ROLE.format(
            invite_role=texts.ROLE_NAMES[check.person.role.value],
            your_role=texts.ROLE_NAMES[role.value],
        )
    return texts.INVITE_ALREADY_SET_UP.format(name=name)


async def _register_therapist(update: Update, context: BotContext, check: InviteCheck) -> int:
    chat = update.effective_chat
    person = await enrol_therapist(context.services, check, update.effective_user.id, chat.id)
    if person is None:
        await update.effective_message.reply_text(texts.INVITE_USED)
        return ConversationHandler.END
    await set_commands_for(context, chat.id, Role.THERAPIST)
    await update.effective_message.reply_text(
        texts.THERAPIST_WELCOME.format(
            name=person.name,
            program=context.config.program.name,
            commands=texts.command_list(Role.THERAPIST),
        )
    )
    return ConversationHandler.END


async def receive_consent(update: Update, context: BotContext) -> int:
    query = update.callback_query
    await query.answer()
    user_id = update.effective_user.id
    # The button names the invite it was shown for: a newer link opened since wins.
    held = await held_invite(context.services, user_id)
    if held != callbacks.trailing_id(query.data):
        await query.edit_message_text(
            texts.INVITE_TAKEN_MEANWHILE if held is None else texts.INVITE_REPLACED
        )
        return ConversationHandler.END if held is None else Onboarding.CONSENT
    if query.data.startswith(f"{callbacks.CONSENT}n:"):
        await let_go_of_invite(context.services, user_id)
        await query.edit_message_text(texts.CONSENT_DECLINED)
        return ConversationHandler.END
    await query.edit_message_reply_markup(None)
    program_zone = context.config.program.timezone
    buttons = []
    for zone in timezones.choices_for(program_zone):
        label = timezones.button_label(zone)
        if zone == program_zone.key:
            label = texts.TIMEZONE_PROGRAM_MARK.format(label=label)
        buttons.append([InlineKeyboardButton(label, callback_data=callbacks.TIMEZONE + zone)])
    local_now = context.clock.now().astimezone(program_zone)
    await query.message.reply_text(
        texts.TIMEZONE_QUESTION.format(
            local_time=format_clock(local_now),
            zone_label=timezones.label(program_zone.key),
        ),
        reply_markup=InlineKeyboardMarkup(buttons),
    )
    return Onboarding.TIMEZONE


async def receive_timezone(update: Update, context: BotContext) -> int | None:
    query = update.callback_query
    zone = query.data.removeprefix(callbacks.TIMEZONE)
    if zone not in timezones.choices_for(context.config.program.timezone):
        await query.answer(texts.BUTTON_EXPIRED, show_alert=True)
        return None
    await query.answer()
    person = await enrol_patient(
        context.services, update.effective_user.id, update.effective_chat.id, zone
    )
    if person is None:
        await query.edit_message_text(texts.INVITE_TAKEN_MEANWHILE)
        return ConversationHandler.END
    await query.edit_message_text(f"🕒 {timezones.label(zone)}")
    keep = button(person.call_name, callbacks.NAME_KEEP)
    await query.message.reply_text(
        texts.ASK_NAME.format(name=person.call_name), reply_markup=InlineKeyboardMarkup([[keep]])
    )
    return Onboarding.NAME


async def receive_name(update: Update, context: BotContext) -> int | None:
    """The name to use: the suggested one (a button) or their own words."""
    person = context.actor.person or await person_of(context.services, update.effective_user.id)
    if person is None:
        await update.effective_message.reply_text(texts.INVITE_TAKEN_MEANWHILE)
        return ConversationHandler.END
    query = update.callback_query
    if query is not None:
        await query.answer()
        await query.edit_message_reply_markup(None)
    else:
        chosen = await choose_name(context.services, person, update.effective_message.text)
        if chosen is None:
            await update.effective_message.reply_text(texts.NAME_NOT_USABLE)
            return None
        person = chosen
    await _welcome(update, context, person)
    return ConversationHandler.END


async def _welcome(update: Update, context: BotContext, person: Person) -> None:
    therapist = await people.get_person(context.db, person.therapist_id)
    agenda = await week_agenda(
        context.db, person, context.clock.now(), context.config.program.timezone
    )
    await set_commands_for(context, update.effective_chat.id, Role.PATIENT)
    await update.effective_message.reply_text(
        texts.PATIENT_WELCOME.format(
            name=person.call_name,
            therapist=therapist.name,
            next_sessions=agenda,
            commands=texts.command_list(Role.PATIENT),
        )
    )


async def cancel(update: Update, context: BotContext) -> int:
    await let_go_of_invite(context.services, update.effective_user.id)
    await update.effective_message.reply_text(texts.ONBOARDING_CANCELLED)
    return ConversationHandler.END


async def ask_for_a_button(update: Update, context: BotContext) -> None:
    await update.effective_message.reply_text(texts.PRESS_A_BUTTON)


def build_handler() -> ConversationHandler:
    # The buttons belong to the person's dialog, not to one message, so per-chat tracking
    # (per_message=False) is what we want; PTB warns about that combination regardless.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*per_message.*", category=PTBUserWarning)
        return ConversationHandler(
            entry_points=[CommandHandler("start", start, filters.UpdateType.MESSAGE)],
            states={
                Onboarding.CONSENT: [
                    CallbackQueryHandler(receive_consent, pattern=callbacks.CONSENT_PATTERN)
                ],
                Onboarding.TIMEZONE: [
                    CallbackQueryHandler(receive_timezone, pattern=f"^{callbacks.TIMEZONE}")
                ],
                Onboarding.NAME: [
                    CallbackQueryHandler(receive_name, pattern=callbacks.NAME_KEEP_PATTERN),
                    MessageHandler(
                        filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND, receive_name
                    ),
                ],
            },
            fallbacks=[
                CommandHandler("cancel", cancel, filters.UpdateType.MESSAGE),
                MessageHandler(filters.UpdateType.MESSAGE & ~filters.COMMAND, ask_for_a_button),
            ],
            allow_reentry=True,
            name=NAME,
            persistent=True,
        )
