"""/report: the caseload's attendance for a period, as a CSV file and a chart."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update

from bot import callbacks
from bot.attendance.export import build_report
from bot.context import BotContext
from bot.i18n import texts
from bot.kinds import Role
from handlers.access import for_roles

PERIOD_PATTERN = rf"^rp:({'|'.join(texts.REPORT_PERIODS)})\Z"


@for_roles(Role.THERAPIST)
async def ask_period(update: Update, context: BotContext) -> None:
    rows = [
        [InlineKeyboardButton(label, callback_data=f"{callbacks.REPORT_PERIOD}{days}")]
        for days, label in texts.REPORT_PERIODS.items()
    ]
    await update.effective_message.reply_text(
        texts.REPORT_PICK, reply_markup=InlineKeyboardMarkup(rows)
    )


@for_roles(Role.THERAPIST)
async def send_report(update: Update, context: BotContext) -> None:
    query = update.callback_query
    await query.answer()
    days = int(query.data.removeprefix(callbacks.REPORT_PERIOD))
    zone = context.config.program.timezone
    now = context.clock.now()
    last = now.astimezone(zone).date()
    first = last - timedelta(days=days - 1)
    report = await build_report(context.db, first, last, now, therapist_id=context.actor.person.id)
    await query.edit_message_reply_markup(None)
    chat_id = update.effective_chat.id
    if report.rows == 0:
        await context.bot.send_message(chat_id, texts.REPORT_EMPTY.format(first=first, last=last))
        return
    await context.bot.send_document(
        chat_id,
        InputFile(BytesIO(report.csv.encode("utf-8")), filename=f"{report.filename}.csv"),
        caption=texts.REPORT_CAPTION_CSV.format(
            first=first, last=last, rows=texts.REPORT_ROWS[report.rows != 1].format(n=report.rows)
        ),
    )
    await context.bot.send_photo(
        chat_id,
        InputFile(BytesIO(report.png), filename=f"{report.filename}.png"),
        caption=texts.REPORT_CAPTION_PNG.format(first=first, last=last),
    )
