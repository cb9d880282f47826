"""/calendar and the "Update my calendar" button: the patient's sessions as an .ics file."""

from __future__ import annotations

from io import BytesIO

from telegram import InputFile, Update

from bot.context import BotContext
from bot.i18n import texts
from bot.kinds import Role
from bot.usecases.calendar import CALENDAR_FILENAME, calendar_file
from handlers.access import for_roles


@for_roles(Role.PATIENT)
async def send_calendar(update: Update, context: BotContext) -> None:
    """Send the next four weeks as a calendar file (also from a change notice's button)."""
    if update.callback_query:
        await update.callback_query.answer()
    data = await calendar_file(context.services, context.actor.person, context.clock.now())
    chat = update.effective_chat
    if data is None:
        await chat.send_message(texts.CALENDAR_EMPTY)
        return
    await chat.send_document(
        InputFile(BytesIO(data), filename=CALENDAR_FILENAME), caption=texts.CALENDAR_CAPTION
    )
