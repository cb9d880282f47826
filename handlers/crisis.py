"""Crisis language wins over every intent and every dialog state, for anyone.

Registered in its own early handler group (see ``bot.app``), so it runs before any dialog.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot import texts
from bot.context import BotContext
from bot.kinds import Role
from bot.understanding.engine import Intent
from bot.usecases.crisis import report_crisis
from handlers.common import understand


async def check_crisis(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None or not message.text or message.text.startswith("/"):
        return
    if understand(update, context).intent is not Intent.CRISIS:
        return
    patient = context.actor.person if context.actor.role is Role.PATIENT else None
    # The urgent alert is queued first: it must not depend on the reply getting through.
    therapist = await report_crisis(
        context.services, patient, message.text, event=str(update.update_id)
    )
    if therapist is not None:
        line = texts.CRISIS_THERAPIST_TOLD.format(therapist=therapist)
    else:
        line = texts.CRISIS_NO_THERAPIST
    await message.reply_text(
        texts.CRISIS_REPLY.format(
            crisis_text=context.config.safety.crisis_text, therapist_line=line
        )
    )
    raise ApplicationHandlerStop
