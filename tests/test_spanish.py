"""The bot answers in each person's language: the catalogue, then Spanish end to end."""

from __future__ import annotations

import re
import sqlite3
import string
import unicodedata
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from babel.messages.pofile import read_po

from bot import i18n
from bot.cli import main
from bot.fake_telegram import ChatUser
from bot.i18n import (
    ENGLISH,
    LOCALE_DIR,
    SPANISH,
    english_messages,
    language_of,
    texts_for,
    writing_for,
)
from bot.kinds import Role
from bot.labels import (
    day_month,
    describe_when,
    display_title,
    format_clock,
    long_day,
    plural,
    short_day,
)
from bot.understanding.engine import Intent, MessageReader
from storage import people
from tests.helpers.clinic import NEW_YORK, BotHarness

MONDAY_5PM = datetime(2026, 11, 30, 17, 0, tzinfo=NEW_YORK)
THURSDAY_6PM = datetime(2026, 12, 3, 18, 0, tzinfo=NEW_YORK)
ENGLISH_TEXTS = texts_for(ENGLISH)


# --- the catalogue


def _fields(text: str) -> list[str]:
    """What a translation must keep: {fields}, {{fields}} filled in later, and emoji."""
    fields = sorted(name for _, name, _, _ in string.Formatter().parse(text) if name)
    later = sorted(re.findall(r"\{\{(\w+)\}\}", text))
    emoji = sorted(ch for ch in text if unicodedata.category(ch) == "So")
    return [*fields, "|", *later, "|", *emoji]


def catalogue_problems(english: dict[str, str], entries: dict[str, tuple[str, str, bool]]) -> list:
    """Why a catalogue (context -> (msgid, msgstr, fuzzy)) is not ready for ``english``."""
    problems = []
    for context, text in english.items():
        msgid, msgstr, fuzzy = entries.get(context, ("", "", False))
        if not msgstr:
            problems.append((context, "not translated"))
        elif msgid != text:
            problems.append((context, "translated from an older English text"))
        elif fuzzy:
            problems.append((context, "fuzzy: a translator should check it"))
        elif _fields(msgstr) != _fields(text):
            problems.append((context, f"placeholders or emoji differ: {_fields(msgstr)}"))
    return problems


def _entries(path: Path) -> dict[str, tuple[str, str, bool]]:
    with path.open("rb") as file:
        catalogue = read_po(file)
    return {m.context: (m.id, m.string, m.fuzzy) for m in catalogue if m.id and m.context}


def test_every_text_has_a_spanish_translation_with_the_same_placeholders() -> None:
    path = LOCALE_DIR / SPANISH / "LC_MESSAGES" / "messages.po"
    entries = _entries(path)

    assert catalogue_problems(english_messages(), entries) == []
    assert set(entries) == set(english_messages())  # nothing stale left behind
    assert len(entries) > 400


def test_the_catalogue_check_catches_what_a_translator_could_miss() -> None:
    english = {
        "A": "Hi {name} 💙",
        "B": "Tell {{therapist}} if cost is a worry.",
        "C": "Done",
        "D": "New",
        "E": "Changed",
    }
    entries = {
        "A": ("Hi {name} 💙", "Hola {nombre} 💙", False),  # a renamed placeholder
        "B": ("Tell {{therapist}} if cost is a worry.", "Díselo a {therapist}.", False),
        "C": ("Done", "Listo", True),
        "E": ("Changed before", "Cambiado", False),
    }

    problems = dict(catalogue_problems(english, entries))

    assert set(problems) == {"A", "B", "C", "D", "E"}
    assert (
        catalogue_problems({"A": "Hi {name} 💙"}, {"A": ("Hi {name} 💙", "Hola {name} 💙", False)})
        == []
    )
    assert problems["D"] == "not translated"


def test_spanish_texts_have_the_same_names_and_shapes_as_english() -> None:
    spanish = texts_for(SPANISH)

    for name, value in vars(ENGLISH_TEXTS).items():
        if not name.isupper():
            continue
        translated = getattr(spanish, name)
        assert isinstance(translated, type(value)), name
        if isinstance(value, dict):
            assert list(translated) == list(value), name
        if isinstance(value, tuple):
            assert len(translated) == len(value), name
    assert spanish.REASON_LABELS["motivation"] == "No me siento con ánimo"
    assert spanish.COMMANDS[Role.PATIENT][0] == ("schedule", "Tus sesiones de los próximos 7 días")
    assert "/language – Cambiar entre español e inglés" in spanish.command_list(Role.PATIENT)
    assert spanish.MARK_ICONS == ENGLISH_TEXTS.MARK_ICONS  # nothing to translate: kept


def test_an_unknown_language_is_english() -> None:
    assert texts_for("fr") is ENGLISH_TEXTS and texts_for(None) is ENGLISH_TEXTS
    assert [language_of(c) for c in ("es", "es-MX", "ES_us", "en-US", "pt", None, "")] == [
        "es", "es", "es", "en", "en", "en", "en",
    ]  # fmt: skip


def test_dates_and_times_are_written_for_the_locale() -> None:
    thursday = datetime(2026, 12, 3, 18, 0, tzinfo=NEW_YORK)
    monday_9am = datetime(2026, 11, 30, 9, 0, tzinfo=NEW_YORK)

    with writing_for(SPANISH):
        assert f"{short_day(thursday)}, {format_clock(thursday)}" == "jue 3 dic, 6:00 p. m."
        assert long_day(thursday) == "jueves 3 de diciembre"
        assert describe_when(thursday, monday_9am, NEW_YORK) == "el jue 3 dic a las 6:00 p. m."
        assert plural(2, "hour") == "2 horas" and plural(1, "minute") == "1 minuto"
    assert f"{short_day(thursday)}, {format_clock(thursday)}" == "Thu 3 Dec, 6:00 pm"
    assert plural(2, "hour") == "2 hours"
    assert i18n.current_language() == ENGLISH  # the block is over


# --- end to end, through the fake Bot API


def spanish_user(bot: BotHarness, user_id: int, name: str) -> ChatUser:
    return bot.user(user_id, name, language_code="es")


async def spanish_patient(bot: BotHarness) -> tuple[ChatUser, ChatUser]:
    """Dr. Lee (English) and Alex, whose Telegram is in Spanish, both joined."""
    lee, alex = await bot.clinic()
    therapist = bot.user(501, "Dr. Lee")
    await therapist.send(f"/start {lee.code}")
    patient = spanish_user(bot, 777, "Alex")
    await patient.send(f"/start {alex.code}")
    await patient.press("Sí, me parece bien")
    asked = await patient.press("✅ Hora del Este")
    await patient.press(asked[-1].labels[0])
    return therapist, patient


async def test_a_patient_whose_telegram_is_in_spanish_joins_in_spanish(bot: BotHarness) -> None:
    _, alex = await bot.clinic()
    patient = spanish_user(bot, 777, "Alex")

    consent = await patient.send(f"/start {alex.code}")
    assert consent[-1].labels == ["Sí, me parece bien", "No, gracias"]
    zone = await patient.press("Sí, me parece bien")
    assert "Hora del Pacífico" in zone[-1].labels
    assert "¿en qué zona horaria estás?" in zone[-1].text
    assert "(Ahora son las 9:00 a. m. en hora del Este.)" in zone[-1].text
    name = await patient.press("✅ Hora del Este")
    welcome = await patient.press(name[-1].labels[0])

    assert consent[-1].text.startswith("¡Hola! Te han invitado a un servicio de recordatorios.")
    assert "Esto es lo que guardo y quién lo ve" in consent[-1].text
    assert zone[-1].text == "🕒 hora del Este"  # the question, once answered
    assert (
        name[-1].text
        == "¿Cómo quieres que te llame? Toca Alex, o envíame el nombre que prefieras."
    )
    assert welcome[-1].text.startswith("¡Todo listo, Alex! 🎉")
    assert "lun 30 nov, 6:00 p. m. – 9:00 p. m. · Group Therapy" in welcome[-1].text
    assert "/absent – Avisa a tu equipo de que faltarás a una sesión" in welcome[-1].text
    assert (await people.find_by_telegram_id(bot.db, 777)).language == SPANISH
    assert "language" in bot.api.commands["chat:777"]


async def test_an_absence_in_spanish_is_answered_in_spanish_and_alerted_in_english(
    bot: BotHarness,
) -> None:
    therapist, patient = await spanish_patient(bot)

    asked = await patient.send("no puedo ir el jueves, tengo turno doble en el trabajo")
    assert asked[-1].labels == ["Sí, esa", "No, otra"]
    done = await patient.press("Sí, esa")

    assert (
        asked[-1].text
        == "Solo para confirmar: ¿no puedes ir a Group Therapy, jue 3 dic, 6:00 p. m.?"
    )
    assert done[-1].text.startswith(
        "Gracias por avisarme, Alex 💙 Le he dicho a Dr. Lee que no puedes ir a "
        "Group Therapy, jue 3 dic, 6:00 p. m."
    )
    alert = therapist.last.text
    assert alert.startswith(
        "🔔 New absence report\nAlex R. can't make it to Group Therapy, Thu 3 Dec, 6:00 pm"
    )
    assert "Reason: work" in alert and "Reported 3 days ahead." in alert


async def test_reminders_are_planned_in_the_patients_language(bot: BotHarness) -> None:
    _, patient = await spanish_patient(bot)

    bot.clock.set(MONDAY_5PM)
    await bot.notifier.run_due()

    assert patient.last.text == (
        "⏰ Recordatorio: tu cita hoy a las 6:00 p. m. (en 1 hora).\nGroup Therapy"
    )
    assert patient.last.labels == ["Allí estaré", "No puedo ir", "Llego tarde"]
    answered = await patient.press("Allí estaré")
    assert answered[-1].text == "¡Genial, nos vemos en Group Therapy, lun 30 nov, 6:00 p. m.! 😊"


async def test_a_buddy_reads_their_own_language_not_the_patients(bot: BotHarness) -> None:
    _, patient = await spanish_patient(bot)
    buddy = bot.user(888, "Sam")  # Telegram in English

    await patient.send("/buddy")
    invitation = (await patient.press("Invitar a alguien"))[-1].text
    offer = (await buddy.send("/start " + invitation.rsplit("start=", 1)[1]))[-1].text
    accepted = await buddy.press("Yes, I'll help")
    bot.clock.set(datetime(2026, 11, 30, 16, 0, tzinfo=NEW_YORK))
    await bot.notifier.run_due()

    assert invitation.startswith("¡Hola! A Alex le gustaría que fueras su compañero/a")
    assert offer.startswith("Hi! 👋 Alex invited you to be their reminder buddy.")
    assert accepted[-1].text.startswith("Thank you! 💙 You'll get a short reminder")
    assert patient.last.text.startswith("Sam dijo que sí")
    assert buddy.last.text.startswith("👋 Reminder: Alex has an appointment today at 6:00 pm.")


async def test_settings_switch_the_language_and_the_plans_follow(bot: BotHarness) -> None:
    therapist, patient = await bot.joined_clinic()

    screen = await patient.send("/settings")
    assert "🌐 Español" in screen[-1].labels
    switched = await patient.press("🌐 Español")
    assert "🌐 English" in switched[-1].labels
    back = await patient.press("Listo")
    helped = await patient.send("/help")
    bot.clock.set(MONDAY_5PM)
    await bot.notifier.run_due()
    reminded = patient.last.text
    staff = await therapist.send("/language")

    assert back[-1].text.startswith("Guardado. Te recordaré:")
    assert helped[-1].text.startswith("Esto es lo que puedo hacer:")
    assert reminded.startswith("⏰ Recordatorio: tu cita hoy a las 6:00 p. m.")
    assert "language" in bot.api.commands["chat:777"]
    assert staff[-1].text == "De acuerdo, a partir de ahora te escribo en español. 🙂"
    assert (await people.find_by_telegram_id(bot.db, 501)).language == SPANISH
    again = await patient.send("/language")
    assert again[-1].text == "Okay, I'll write to you in English from now on. 🙂"


async def test_the_clinic_can_choose_spanish_at_invite(bot: BotHarness) -> None:
    await bot.invite(Role.THERAPIST, "lee", name="Dr. Lee")
    await bot.import_schedule()
    invite = await bot.invite(
        Role.PATIENT, "alex", name="Alex R.", therapist="lee", groups=("evening-a",),
        language=SPANISH,
    )  # fmt: skip
    patient = bot.user(777, "Alex")  # Telegram in English

    consent = await patient.send(f"/start {invite.code}")
    zone = await patient.press("Sí, me parece bien")

    assert consent[-1].text.startswith("¡Hola! Te han invitado")
    assert "¿en qué zona horaria estás?" in zone[-1].text
    await patient.press("✅ Hora del Este")
    assert (await people.find_by_telegram_id(bot.db, 777)).language == SPANISH


async def test_crisis_words_get_the_spanish_crisis_line(bot: BotHarness) -> None:
    therapist, patient = await spanish_patient(bot)

    replies = await patient.send("quiero morirme, no aguanto más")

    reply = "\n".join(r.text for r in replies)
    assert "No tienes que pasar por esto a solas" in reply
    assert "marca 2" in reply and "AYUDA" in reply and "911" in reply
    assert "Urgent" in therapist.last.text or "check-in" in therapist.last.text


async def test_a_therapists_answer_reaches_the_patient_in_the_patients_language(
    bot: BotHarness,
) -> None:
    therapist, patient = await spanish_patient(bot)
    bot.clock.set(datetime(2026, 11, 30, 21, 0, tzinfo=NEW_YORK))
    await bot.notifier.run_due()

    await therapist.press("Mark attendance")
    await therapist.press("▫️ Alex R.")
    await therapist.press("✅ Alex R.")
    await therapist.press("⏰ Alex R.")
    saved = await therapist.press("Done")
    bot.clock.advance(timedelta(hours=3))
    await bot.notifier.run_due()

    assert saved[-1].text.startswith("📝 Attendance saved")
    assert patient.last.text.startswith("Hola, Alex, solo quería saber cómo estás")
    assert "Envíame el material de repaso" in patient.last.labels


@pytest.mark.parametrize("code", ["es", "es-419"])
async def test_a_stranger_is_greeted_in_their_language(bot: BotHarness, code: str) -> None:
    stranger = bot.user(901, "Someone", language_code=code)

    replies = await stranger.send("hola")

    assert replies[-1].text.startswith("¡Hola! Creo que aún no nos conocemos. 👋")


# --- the command line


def test_the_demo_plays_in_spanish(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--lang", "es"]) == 0
    out = capsys.readouterr().out

    assert "bot → Alex: ¡Todo listo, Al! 🎉" in out
    assert "Solo para confirmar: ¿no puedes ir a Group Therapy, jue 3 dic, 6:00 p. m.?" in out
    assert "bot → Sam: 👋 Recordatorio: Alex tiene una cita hoy a las 6:00 p. m.\n" in out
    assert "bot → Dr. Lee: 🔔 New absence report" in out  # the therapist reads English
    assert "En español: llama al 988 y marca 2" in out
    assert "p. m.." not in out


@time_machine.travel("2026-11-28 12:00:00-05:00", tick=False)
def test_an_admin_invites_in_spanish(clinic_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["init"])
    assert main(["invite", "--role", "therapist", "--handle", "ana", "--lang", "es"]) == 0
    assert main(["invite", "--role", "therapist", "--handle", "lee"]) == 0
    capsys.readouterr()

    with sqlite3.connect(clinic_dir / "data" / "iop-bot.sqlite3") as db:
        languages = db.execute("SELECT handle, language FROM people ORDER BY handle").fetchall()
    db.close()

    assert languages == [("ana", "es"), ("lee", None)]  # lee: their Telegram's, on joining
    with pytest.raises(SystemExit):
        main(["invite", "--role", "therapist", "--handle", "jo", "--lang", "fr"])


# --- found in review


async def test_a_therapist_who_switches_gets_the_end_of_session_prompt_in_spanish(
    bot: BotHarness,
) -> None:
    therapist, _ = await spanish_patient(bot)

    await therapist.send("/language")
    bot.clock.set(datetime(2026, 11, 30, 21, 0, tzinfo=NEW_YORK))
    await bot.notifier.run_due()

    assert therapist.last.text.startswith("📝 ")
    assert "Time to mark attendance" not in therapist.last.text
    assert therapist.last.labels == [texts_for(SPANISH).ATTENDANCE_PROMPT_BUTTON]


async def test_someone_who_joined_before_languages_were_kept_gets_their_app_language(
    bot: BotHarness,
) -> None:
    _, patient = await spanish_patient(bot)
    alex = await people.find_by_handle(bot.db, "alex")
    async with bot.db.transaction() as conn:  # as migration 0015 left everyone
        await conn.execute("UPDATE people SET language = NULL WHERE id = ?", (alex.id,))

    await patient.send("/help")

    assert (await people.find_by_handle(bot.db, "alex")).language == SPANISH
    bot.clock.set(MONDAY_5PM)
    await bot.notifier.run_due()
    assert patient.last.text.startswith("⏰ Recordatorio")


def test_titles_the_bot_gives_sessions_read_in_the_readers_language() -> None:
    english = texts_for(ENGLISH)
    with writing_for(SPANISH):
        assert (
            display_title(english.CATCHUP_SESSION_TITLE)
            == texts_for(SPANISH).CATCHUP_SESSION_TITLE
        )
        assert display_title("Group Therapy") == "Group Therapy"  # the clinic's own titles


def test_i_can_make_it_after_all_is_never_a_confident_absence() -> None:
    """'al final puedo ir el jueves' (I can make it Thursday after all) was read as a sure
    absence with the reason 'school' ('final'): now the bot asks which one is meant."""
    reader = MessageReader()
    now = datetime(2026, 11, 30, 10, 0, tzinfo=NEW_YORK)
    for words in ("al final puedo ir el jueves", "puedo ir el jueves"):
        understood = reader.read(words, now, NEW_YORK)
        assert understood.intent is not Intent.ABSENCE_UPCOMING or understood.clarify, words
        assert understood.reason is None, words
    absent = reader.read("al final no puedo ir el jueves", now, NEW_YORK)
    assert (absent.intent, absent.clarify) == (Intent.ABSENCE_UPCOMING, False)


def test_the_charts_days_are_in_the_readers_language() -> None:
    monday = datetime(2026, 12, 7, tzinfo=NEW_YORK)
    assert day_month(monday) == "07 Dec"
    with writing_for(SPANISH):
        assert day_month(monday) == "7 dic"
