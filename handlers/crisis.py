"""The safety net in chat: crisis language wins over every intent and every dialog state.

Registered in its own early handler group (see ``bot.app``), so it runs before any dialog,
for texts and for captions.

```mermaid
stateDiagram-v2
    [*] --> URGENT: clear crisis wording
    [*] --> CHECK: possible crisis wording
    CHECK --> SAFE: "I'm safe" (the care team gets a calm note)
    CHECK --> URGENT: "I need help now", another worrying message, or no answer in time
    URGENT --> TAKEN: a therapist presses "I'm on it"
    URGENT --> URGENT: nobody took it: on-call therapists asked, every escalate_after
```

A patient's crisis inside an absence report is both: the crisis reply, and the absence
recorded when the session is clear. A buddy who writes worried words gets the crisis line
and can pass their message to the care team. A therapist's own texts (material titles,
notes) are never read as a patient's crisis; anyone else gets the crisis line.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ApplicationHandlerStop

from bot import callbacks
from bot.context import BotContext
from bot.i18n import current_language, texts
from bot.kinds import Role
from bot.labels import first_name, session_label
from bot.understanding.engine import CrisisLevel, Understanding
from bot.usecases.absences import record_absence_in_crisis, set_aside_report_in_progress
from bot.usecases.care_team import therapist_name
from bot.usecases.safety import (
    Answer,
    Told,
    answer_safety_check,
    keep_worry,
    pass_on_worry,
    respond_to_crisis,
    take_event,
)
from handlers.access import for_roles
from handlers.common import message_text, staff_back, understand


async def check_crisis(update: Update, context: BotContext) -> None:
    text = message_text(update)
    if not text or text.startswith("/") or context.actor.role is Role.THERAPIST:
        return
    understanding = understand(update, context)
    if understanding.crisis_level is None:
        return
    if context.actor.role is Role.PATIENT:
        await _patient_in_crisis(update, context, understanding, text)
    elif context.actor.role is Role.BUDDY:
        await _worried_buddy(update, context, text)
    else:
        await update.effective_message.reply_text(
            texts.CRISIS_REPLY.format(
                crisis_text=context.config.safety.crisis_text_in(current_language()),
                therapist_line=texts.CRISIS_NO_THERAPIST,
            )
        )
    raise ApplicationHandlerStop


async def _patient_in_crisis(
    update: Update, context: BotContext, understanding: Understanding, text: str
) -> None:
    s, patient = context.services, context.actor.person
    crisis_text = context.config.safety.crisis_text_in(current_language())
    # A report in progress ("why can't you make it?") is set aside: the next words are read
    # afresh, never taken as a reason.
    await set_aside_report_in_progress(s, patient)
    # The alert (or the check that turns into one) is queued before anything is said.
    raised = await respond_to_crisis(
        s, patient, text, urgent=understanding.crisis_level is CrisisLevel.URGENT
    )
    if raised.asked:
        parts = [texts.SAFETY_CHECK.format(crisis_text=crisis_text)]
    else:
        if raised.told is Told.CARE_TEAM:
            therapist = await therapist_name(s, patient)
            back = staff_back(context)
            line = (
                texts.CRISIS_THERAPIST_TOLD.format(therapist=therapist)
                if back is None
                else texts.CRISIS_THERAPIST_AWAY.format(therapist=therapist, when=back)
            )
            if context.config.safety.on_call:
                line += texts.CRISIS_ON_CALL_LATER
        elif raised.told is Told.ON_CALL:
            line = texts.CRISIS_ON_CALL_TOLD
        else:
            line = texts.CRISIS_NO_THERAPIST
        parts = [texts.CRISIS_REPLY.format(crisis_text=crisis_text, therapist_line=line)]
    occurrence = await record_absence_in_crisis(s, patient, understanding, text)
    if occurrence is not None:
        parts.append(
            texts.CRISIS_ALSO_ABSENCE.format(
                therapist=await therapist_name(s, patient),
                session=session_label(occurrence, s.zone_of(patient)),
            )
        )
    markup = None
    if raised.asked:
        parts.append(texts.SAFETY_QUESTION)
        answer = f"{callbacks.SAFETY_ANSWER}{{}}:{raised.event.id}"
        markup = InlineKeyboardMarkup(
            [
                [InlineKeyboardButton(texts.SAFETY_SAFE_BUTTON, callback_data=answer.format("s"))],
                [InlineKeyboardButton(texts.SAFETY_HELP_BUTTON, callback_data=answer.format("h"))],
            ]
        )
    await update.effective_message.reply_text("\n\n".join(parts), reply_markup=markup)


@for_roles(Role.PATIENT)
async def receive_safety_answer(update: Update, context: BotContext) -> None:
    """ "I'm safe" or "I need help now" under a safety check."""
    query = update.callback_query
    _, choice, event_id = query.data.split(":")
    s, patient = context.services, context.actor.person
    crisis_text = context.config.safety.crisis_text_in(current_language())
    answer = Answer.SAFE if choice == "s" else Answer.HELP
    told = await answer_safety_check(s, patient, int(event_id), answer)
    await query.answer()
    who = await therapist_name(s, patient) if told is Told.CARE_TEAM else None
    if told is None:
        reply = texts.SAFETY_CHECK_EXPIRED.format(crisis_text=crisis_text)
    elif answer == Answer.SAFE:
        reply = texts.SAFETY_SAFE_REPLY.format(
            told=texts.SAFETY_TOLD.format(therapist=who) if who else "", crisis_text=crisis_text
        )
    else:
        line = {
            Told.CARE_TEAM: texts.SAFETY_HELP_TOLD.format(therapist=who),
            Told.ON_CALL: texts.CRISIS_ON_CALL_TOLD,
        }.get(told, texts.CRISIS_NO_THERAPIST)
        reply = texts.SAFETY_HELP_REPLY.format(told=line, crisis_text=crisis_text)
    await query.edit_message_reply_markup(None)
    await query.message.reply_text(reply)


@for_roles(Role.THERAPIST)
async def take_alert(update: Update, context: BotContext) -> None:
    """A therapist's "I'm on it" under an urgent alert."""
    query = update.callback_query
    taken = await take_event(
        context.services, context.actor.person, callbacks.trailing_id(query.data)
    )
    if taken.event is None or not taken.allowed:
        await query.answer(texts.BUTTON_EXPIRED, show_alert=True)
        return
    if not taken.by_me:
        await query.answer(
            texts.SAFETY_TAKEN_ALREADY.format(therapist=taken.taker), show_alert=True
        )
        return
    await query.answer(texts.SAFETY_TAKEN)
    await query.edit_message_reply_markup(None)


async def _worried_buddy(update: Update, context: BotContext, text: str) -> None:
    kept = await keep_worry(context.services, update.effective_user.id, text)
    rows = [
        [
            InlineKeyboardButton(
                texts.BUDDY_WORRY_BUTTON.format(first=first_name(patient.name)),
                callback_data=f"{callbacks.BUDDY_WORRY}{note_id}",
            )
        ]
        for note_id, patient in kept
    ]
    await update.effective_message.reply_text(
        texts.BUDDY_WORRY_REPLY.format(
            crisis_text=context.config.safety.crisis_text_in(current_language())
        ),
        reply_markup=InlineKeyboardMarkup(rows) if rows else None,
    )


@for_roles(Role.BUDDY)
async def pass_worry_on(update: Update, context: BotContext) -> None:
    query = update.callback_query
    passed = await pass_on_worry(
        context.services, update.effective_user.id, callbacks.trailing_id(query.data)
    )
    if not passed:
        await query.answer(texts.ALREADY_FORWARDED, show_alert=True)
        return
    await query.answer()
    await query.edit_message_reply_markup(None)
    await query.message.reply_text(texts.BUDDY_WORRY_PASSED)
