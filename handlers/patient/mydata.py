"""/mydata: a patient gets a JSON file of everything stored about them."""

from __future__ import annotations

from io import BytesIO

from telegram import InputFile, Update

from bot.context import BotContext
from bot.i18n import texts
from bot.kinds import Role
from bot.usecases.privacy import my_data
from handlers.access import for_roles


@for_roles(Role.PATIENT)
async def send_my_data(update: Update, context: BotContext) -> None:
    patient = context.actor.person
    now = context.clock.now()
    data = await my_data(context.db, patient, now)
    await update.effective_message.reply_document(
        InputFile(BytesIO(data), filename=f"my-data-{now:%Y-%m-%d}.json"),
        caption=texts.MY_DATA_CAPTION,
    )
