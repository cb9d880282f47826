"""The bot's words in the reader's language: English from ``bot.texts``, Spanish from a catalogue.

``bot/texts.py`` stays the single English source. Every string in it (and every string inside
its dicts and tuples) is a message in the gettext catalogue
``bot/locale/<lang>/LC_MESSAGES/messages.po``, with the constant's name as its context
(``REASON_LABELS[work]``), so two equal English strings may read differently elsewhere. The
catalogue is read with Babel when first needed (no compiled ``.mo`` to keep in sync).

Whose language: handlers write for the person of the update. ``handlers.access.resolve_actor``
sets it once per update (each update runs in its own task, so it never leaks into another),
and ``texts`` below then reads in that language. Anything written for someone else (a
therapist's alert, a buddy's nudge, a reminder planned ahead) is written inside
``writing_for(their_language)``, which also sets the locale of dates and times
(``bot.labels``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from bot import texts as english
from bot.kinds import Role

ENGLISH = "en"
SPANISH = "es"
LANGUAGES = (ENGLISH, SPANISH)
LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"

_language: ContextVar[str] = ContextVar("language", default=ENGLISH)


def language_of(code: str | None) -> str:
    """Telegram's ``language_code`` ('es', 'es-MX', 'en-US', None) as one of ``LANGUAGES``."""
    return SPANISH if code and code.lower().replace("_", "-").split("-")[0] == SPANISH else ENGLISH


def supported(language: str | None) -> str:
    """``language`` if the bot speaks it, else English."""
    return language if language in LANGUAGES else ENGLISH


def current_language() -> str:
    return _language.get()


def set_language(language: str | None) -> None:
    """The language of the person this update is from (``resolve_actor``)."""
    _language.set(supported(language))


@contextmanager
def writing_for(language: str | None) -> Iterator[Any]:
    """Write (texts, dates, times) for someone in ``language`` inside the block."""
    token = _language.set(supported(language))
    try:
        yield texts_for(language)
    finally:
        _language.reset(token)


def worded(name: str, **fields: object) -> Callable[[], str]:
    """The text called ``name`` filled with ``fields``, worded when called: an alert built
    once for several readers reads in each one's language (``Notifier.alert``)."""
    return lambda: getattr(texts, name).format(**fields)


# --- the catalogue: every English string with its context


def message_paths(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """(context, English) for every translatable string in ``value`` (a texts.py constant)."""
    if isinstance(value, str):
        if any(ch.isalpha() for ch in _outside_placeholders(value)):  # not emoji or "{name}"
            yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            if path == "COMMANDS":
                for command, description in item:
                    yield f"COMMANDS[{key.value}][{command}]", description
                continue
            yield from message_paths(item, f"{path}[{_key(key)}]")
    elif isinstance(value, tuple):
        for index, item in enumerate(value):
            yield from message_paths(item, f"{path}[{index}]")


def _outside_placeholders(text: str) -> str:
    out, depth = [], 0
    for ch in text:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth = max(depth - 1, 0)
        elif depth == 0:
            out.append(ch)
    return "".join(out)


def _key(key: Any) -> str:
    return key.value if isinstance(key, Role) else str(key)


def english_messages() -> dict[str, str]:
    """Context -> English, in the order of ``bot/texts.py``."""
    messages: dict[str, str] = {}
    for name, value in vars(english).items():
        if name.isupper():
            messages.update(message_paths(value, name))
    return messages


@functools.cache
def catalogue(language: str) -> dict[str, str]:
    """Context -> translation for the messages translated in ``language``'s catalogue."""
    from babel.messages.pofile import read_po  # imported only when a catalogue is first read

    path = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    with path.open("rb") as file:
        read = read_po(file, locale=language)
    return {
        message.context: message.string
        for message in read
        if message.id and message.context and message.string and not message.fuzzy
    }


# --- Texts: the same names as bot.texts, in one language

# A Spanish time ends in an abbreviation ("6:00 p. m."), whose period also ends a sentence:
# "a las 6:00 p. m." never "a las 6:00 p. m..".
_DOUBLE_STOP = re.compile(r"(\b[ap]\. m\.)\.")


def tidy(text: str) -> str:
    """``text`` with the punctuation the current language needs after filling it in."""
    return text if _language.get() == ENGLISH else _DOUBLE_STOP.sub(r"\1", text)


class Phrase(str):
    """A translated text whose ``format`` tidies what the filled-in values leave behind."""

    __slots__ = ()

    def format(self, *args: object, **kwargs: object) -> str:
        return _DOUBLE_STOP.sub(r"\1", super().format(*args, **kwargs))


class Texts:
    """``bot.texts`` in another language: same names, same structure, translated strings."""

    def __init__(self, language: str) -> None:
        self.language = language
        translated = catalogue(language)
        for name, value in vars(english).items():
            if name.isupper():
                setattr(self, name, _translate(value, name, translated))

    def command_list(self, role: Role) -> str:
        commands = self.COMMANDS[role]  # type: ignore[attr-defined]
        return "\n".join(f"/{command} – {description}" for command, description in commands)


def _translate(value: Any, path: str, translated: dict[str, str]) -> Any:
    if isinstance(value, str):
        return Phrase(translated.get(path, value))
    if isinstance(value, dict):
        if path == "COMMANDS":
            return {
                role: tuple(
                    (command, translated.get(f"COMMANDS[{role.value}][{command}]", description))
                    for command, description in pairs
                )
                for role, pairs in value.items()
            }
        return {k: _translate(v, f"{path}[{_key(k)}]", translated) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(_translate(v, f"{path}[{i}]", translated) for i, v in enumerate(value))
    return value


@functools.cache
def texts_for(language: str | None) -> Any:
    """The texts for ``language``: ``bot.texts`` itself for English (or an unknown language)."""
    language = supported(language)
    return english if language == ENGLISH else Texts(language)


class _ReaderTexts:
    """``bot.texts`` in the language being written in now (see ``writing_for``)."""

    def __getattr__(self, name: str) -> Any:
        return getattr(texts_for(_language.get()), name)


# Handlers and use cases: ``from bot.i18n import texts`` reads in the current reader's language.
texts: Any = _ReaderTexts()
