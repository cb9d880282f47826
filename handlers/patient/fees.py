"""/fees: a patient's balance and what each charge is for (nothing about fees for a patient
who may not be charged)."""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.kinds import Role
from bot.usecases.fees import patient_fees_text
from handlers.access import for_roles


@for_roles(Role.PATIENT)
async def show_fees(update: Update, context: BotContext) -> None:
    text = await patient_fees_text(context.services, context.actor.person)
    await update.effective_message.reply_text(text)
