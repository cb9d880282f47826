"""A therapist waives a fee: /patient NAME → Fees → Waive → a typed reason.

```mermaid
stateDiagram-v2
    [*] --> REASON: Waive (a charge they may waive, not yet waived)
    REASON --> [*]: a reason on one line, up to 200 characters (waived, audited, patient told)
    REASON --> [*]: /cancel (nothing waived)
```

Only the patient's own therapist or the one who led the missed session may waive; every
press and the typed reason are re-checked against the stored charge, and which charge the
reason is for is stored with the charge, so a restart loses nothing.
"""

from __future__ import annotations

import logging
import warnings
from enum import IntEnum

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot import callbacks
from bot.attendance.policy import format_money
from bot.context import BotContext
from bot.i18n import texts
from bot.kinds import Role
from bot.usecases.fees import (
    ask_waive_reason,
    charge_day,
    reasonable_reason,
    staff_fees,
    waive_awaited,
)
from handlers.access import for_roles
from handlers.common import button, refuse_answer, stop_answering
from storage import people

log = logging.getLogger(__name__)

NAME = "fee_waiver"


class Waiver(IntEnum):
    REASON = 1


@for_roles(Role.THERAPIST)
async def show_patient_fees(update: Update, context: BotContext) -> None:
    """The Fees button under /patient: the charges, with Waive on each one they may waive."""
    query = update.callback_query
    patient_id = callbacks.trailing_id(query.data)
    therapist = context.actor.person
    caseload = {p.id: p for p in await people.caseload(context.db, therapist.id)}
    patient = caseload.get(patient_id)
    if patient is None:
        log.info("refused a fees button outside the caller's caseload")
        await query.answer(texts.BUTTON_EXPIRED, show_alert=True)
        return
    await query.answer()
    fees = await staff_fees(context.services, therapist, patient)
    rows = [
        [
            button(
                texts.FEE_WAIVE_BUTTON.format(
                    day=charge_day(context.services, therapist, charge),
                    fee=format_money(charge.amount, charge.currency),
                ),
                f"{callbacks.FEE_WAIVE}{charge.id}",
            )
        ]
        for charge in fees.waivable[:20]
    ]
    await query.message.reply_text(
        fees.text, reply_markup=InlineKeyboardMarkup(rows) if rows else None
    )


async def _refuse(update: Update) -> int:
    log.info("refused a fee waiver that is not the caller's to make")
    return await refuse_answer(update, texts.FEE_ALREADY_HANDLED)


@for_roles(Role.THERAPIST)
async def waive_charge(update: Update, context: BotContext) -> int | None:
    query = update.callback_query
    therapist = context.actor.person
    charge = await ask_waive_reason(context.services, therapist, callbacks.trailing_id(query.data))
    if charge is None:
        await _refuse(update)
        return None  # whatever the therapist was in the middle of stays as it was
    await query.answer()
    await query.message.reply_text(
        texts.FEE_ASK_REASON.format(
            fee=format_money(charge.amount, charge.currency),
            name=charge.patient_name,
            day=charge_day(context.services, therapist, charge),
        )
    )
    return Waiver.REASON


@for_roles(Role.THERAPIST)
async def receive_waive_reason(update: Update, context: BotContext) -> int:
    reason = reasonable_reason(update.effective_message.text or "")
    if reason is None:
        await update.effective_message.reply_text(texts.FEE_REASON_PROBLEM)
        return Waiver.REASON
    therapist = context.actor.person
    waived = await waive_awaited(context.services, therapist, reason)
    if waived is None:
        return await _refuse(update)
    charge, patient = waived
    await update.effective_message.reply_text(
        texts.FEE_WAIVED_STAFF.format(
            fee=format_money(charge.amount, charge.currency),
            name=patient.name,
            day=charge_day(context.services, therapist, charge),
        )
    )
    return ConversationHandler.END


async def cancel(update: Update, context: BotContext) -> int:
    return await stop_answering(update, context, texts.FEE_WAIVE_LATER)


def build_handler() -> ConversationHandler:
    message = filters.UpdateType.MESSAGE
    text = message & filters.TEXT & ~filters.COMMAND
    # per_message=False on purpose: one waiver at a time per therapist's chat.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*per_message.*", category=PTBUserWarning)
        return ConversationHandler(
            entry_points=[CallbackQueryHandler(waive_charge, pattern=callbacks.FEE_WAIVE_PATTERN)],
            states={Waiver.REASON: [MessageHandler(text, receive_waive_reason)]},
            fallbacks=[CommandHandler("cancel", cancel, message)],
            allow_reentry=True,
            name=NAME,
            persistent=True,
        )
