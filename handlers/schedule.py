"""/schedule: the next seven days, for a patient or for the therapist who leads them."""

from __future__ import annotations

from telegram import LinkPreviewOptions, Update

from bot.context import BotContext
from bot.kinds import Role
from bot.schedule.agenda import week_agenda
from handlers.access import for_roles


@for_roles(Role.PATIENT, Role.THERAPIST)
async def show_schedule(update: Update, context: BotContext) -> None:
    agenda = await week_agenda(
        context.db, context.actor.person, context.clock.now(), context.config.program.timezone
    )
    await update.effective_message.reply_text(
        agenda, link_preview_options=LinkPreviewOptions(is_disabled=True)
    )
