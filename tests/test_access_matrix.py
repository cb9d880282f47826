"""README's access matrix against the running bot: every command and button, every role.

The matrix is read from README (between the access-matrix markers). The first test compares
it with the handlers the application registers (and the roles their ``for_roles`` allows);
the second sends every command as seven people and checks who is refused.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, ConversationHandler

from bot import texts
from bot.fake_telegram import ChatUser
from bot.i18n import LANGUAGES, texts_for
from bot.kinds import Role
from bot.usecases.privacy import forget
from tests.helpers.clinic import BotHarness, onboard_patient

README = Path(__file__).resolve().parent.parent / "README.md"
COLUMNS = (Role.PATIENT, Role.THERAPIST, Role.BUDDY, Role.UNKNOWN)
EVERYONE = frozenset(COLUMNS)


def matrix() -> dict[str, frozenset[Role]]:
    """README's rows: entry ('/schedule' or a button's handler name) -> roles allowed."""
    text = README.read_text(encoding="utf-8")
    table = text.split("<!-- access-matrix: start -->")[1].split("<!-- access-matrix: end -->")[0]
    rows = {}
    for line in table.strip().splitlines()[2:]:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        entry = re.search(r"`([^`]+)`", cells[0]).group(1)
        rows[entry] = frozenset(
            role for role, cell in zip(COLUMNS, cells[1:5], strict=True) if cell == "✅"
        )
    return rows


def _walk(handlers: list[BaseHandler], dialog: bool, found: list[tuple[str, object, bool]]):
    for handler in handlers:
        if isinstance(handler, ConversationHandler):
            _walk(handler.entry_points, dialog, found)
            for state_handlers in handler.states.values():
                _walk(state_handlers, True, found)
            _walk(handler.fallbacks, True, found)
        elif isinstance(handler, CommandHandler):
            found += [(f"/{command}", handler.callback, dialog) for command in handler.commands]
        elif isinstance(handler, CallbackQueryHandler) and handler.pattern is not None:
            found.append((handler.callback.__name__, handler.callback, dialog))


def registered(bot: BotHarness) -> dict[str, tuple[frozenset[Role], bool]]:
    """Entry -> (roles its handlers let through, whether it only exists inside a dialog)."""
    found: list[tuple[str, object, bool]] = []
    for _, handlers in sorted(bot.application.handlers.items()):
        _walk(handlers, False, found)
    entries: dict[str, tuple[frozenset[Role], bool]] = {}
    for entry, callback, dialog in found:
        roles = getattr(callback, "roles", EVERYONE)
        before, only_dialog = entries.get(entry, (frozenset(), True))
        entries[entry] = (before | roles, only_dialog and dialog)
    return entries


async def test_every_command_and_button_has_a_row_that_matches_the_code(bot: BotHarness) -> None:
    documented = matrix()
    code = {entry: roles for entry, (roles, _) in registered(bot).items()}

    assert set(code) - set(documented) == set(), "commands or buttons missing from README"
    assert set(documented) - set(code) == set(), "README rows for things the bot lacks"
    assert {e: r for e, r in documented.items() if code[e] != r} == {}
    assert len(documented) >= 40


async def people_of_every_kind(bot: BotHarness) -> dict[str, tuple[ChatUser, Role]]:
    therapist, patient = await bot.joined_clinic()
    kim = await bot.invite(Role.THERAPIST, "kim", name="Dr. Kim")
    other_therapist = bot.user(502, "Dr. Kim")
    await other_therapist.send(f"/start {kim.code}")
    sam = await bot.invite(Role.PATIENT, "sam", name="Sam T.", therapist="kim")
    other_patient = bot.user(778, "Sam")
    await onboard_patient(bot, other_patient, sam.code, "✅ Eastern time")
    await patient.send("/buddy")
    link = (await patient.press("Invite a buddy"))[-1].text
    buddy = bot.user(900, "Pat")
    await buddy.send("/start " + re.search(r"start=(b-[A-Za-z0-9_-]+)", link).group(1))
    await buddy.press("Yes, I'll help")
    gone = await bot.invite(Role.PATIENT, "jo", name="Jo K.", therapist="lee")
    forgotten = bot.user(779, "Jo")
    await onboard_patient(bot, forgotten, gone.code, "✅ Eastern time")
    await forget(bot.db, "jo", datetime.now(UTC))
    return {
        "patient": (patient, Role.PATIENT),
        "another patient": (other_patient, Role.PATIENT),
        "therapist": (therapist, Role.THERAPIST),
        "another therapist": (other_therapist, Role.THERAPIST),
        "buddy": (buddy, Role.BUDDY),
        "stranger": (bot.user(901, "Someone"), Role.UNKNOWN),
        "forgotten patient": (forgotten, Role.UNKNOWN),
    }


async def test_every_command_is_refused_exactly_where_the_matrix_says(bot: BotHarness) -> None:
    people = await people_of_every_kind(bot)
    entries = registered(bot)
    commands = {e: r for e, r in matrix().items() if e.startswith("/") and not entries[e][1]}
    # /language switches whoever may use it to Spanish: refusals count in either language.
    not_for_role = {texts_for(language).NOT_FOR_YOUR_ROLE for language in LANGUAGES}
    unknown_user = {texts_for(language).UNKNOWN_USER for language in LANGUAGES}

    wrong = []
    for command, allowed in sorted(commands.items()):
        for who, (user, role) in people.items():
            replies = await user.send(command)
            await user.send("/cancel")  # leave any dialog the command opened
            answer = replies[-1].text if replies else None
            if role in allowed:
                # A stranger's greeting is also what /help and /start show them.
                ok = answer not in not_for_role and (
                    answer not in unknown_user or role is Role.UNKNOWN
                )
            else:
                ok = answer in not_for_role | unknown_user
            if not ok:
                wrong.append((command, who, answer))

    assert wrong == []
    assert len(commands) >= 15


# One well-formed press of each role-checked button (ids point at someone else's things).
PRESSES = {
    "cant_make_it": "r:a:1",
    "clarified": "cl:1:u",
    "receive_confirmation": "ab:yes",
    "receive_pick": "ab:o:1",
    "receive_reason_button": "ab:r:health",
    "coming_or_late": "r:c:1",
    "how_late": "r:m:1:15",
    "forward_note": "fwd:1",
    "followup_choice": "fu:t:1",
    "caught_up": "cu:1",
    "change_setting": "st:quiet",
    "patient_presses": "bd:end:1",
    "receive_safety_answer": "sf:h:1",
    "pick_patient": "pt:1",
    "lift_the_pause": "pl:1",
    "send_report": "rp:7",
    "press": "at:open:1",
    "take_alert": "sa:1",
    "pick": "mt:o:1",
    "choose_scope": "mt:one",
    "pass_worry_on": "bw:1",
    "send_calendar": "cal:send",
    "receive_recipient": "lt:w:1:court",
    "receive_period_button": "lt:p:1:30",
    "review_letter": "lr:a:1",
    "receive_new_period_button": "lr:p:1:30",
    "decline_without_note": "lr:n:1",
    "choose_makeup": "mk:s:1:2",
    "review_request": "mr:a:1",
    "decline_request_without_note": "mr:n:1",
    "ask_slot_time": "sl:add",
    "remove_slot": "sl:r:1",
    "show_patient_fees": "fs:1",
    "waive_charge": "fv:1",
}


async def test_every_role_checked_button_refuses_the_roles_the_matrix_refuses(
    bot: BotHarness,
) -> None:
    people = await people_of_every_kind(bot)
    checked = {e: r for e, r in matrix().items() if not e.startswith("/") and r != EVERYONE}
    # A dialog's buttons outside their dialog expire: refused as surely, nothing changes.
    refusals = (texts.NOT_FOR_YOUR_ROLE, texts.UNKNOWN_USER, texts.BUTTON_EXPIRED)

    wrong = []
    for entry, allowed in sorted(checked.items()):
        for who, (user, role) in people.items():
            if role in allowed:
                continue
            before = len(bot.api.messages)
            await user.press_data(PRESSES[entry])
            others = [m for m in bot.api.messages[before:] if m.chat_id != user.user_id]
            if bot.api.callback_answers[-1] not in refusals or others:
                wrong.append((entry, who, bot.api.callback_answers[-1]))

    assert set(PRESSES) == set(checked)
    assert wrong == []
