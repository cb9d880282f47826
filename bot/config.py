"""Typed configuration loaded from ``config.toml``.

Every key is checked: an unknown key, a wrong type or a bad value raises ``ConfigError``
naming the file, the key and the problem, so an admin can fix it from one line.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot import tomlvalues
from bot.errors import ConfigError
from bot.tomlfile import read_toml

TOKEN_ENV = "IOP_BOT_TOKEN"
CONFIG_ENV = "IOP_BOT_CONFIG"
DEFAULT_CONFIG_PATH = Path("config.toml")
EXAMPLE_CONFIG = Path(__file__).with_name("config.example.toml")
LETTERHEAD_LIMIT = 200


@dataclass(frozen=True)
class TelegramConfig:
    token: str = ""
    base_url: str = ""
    bot_username: str = ""


@dataclass(frozen=True)
class StorageConfig:
    path: Path = Path("data/iop-bot.sqlite3")


@dataclass(frozen=True)
class ProgramConfig:
    name: str = "Evening IOP"
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("America/New_York"))
    # When staff read messages (weekday 0 = Monday -> opens, closes; a missing day is
    # closed). It changes only what the bot tells people, never when alerts go out.
    office_hours: Mapping[int, tuple[time, time]] = field(
        default_factory=lambda: dict.fromkeys(range(5), (time(9), time(17)))
    )
    # Printed at the top of attendance letters (/letter); an empty name means ``name``.
    clinic_name: str = ""
    clinic_contact: str = ""


@dataclass(frozen=True)
class RemindersConfig:
    lead_times: tuple[timedelta, ...] = (timedelta(hours=24), timedelta(hours=1))
    followup_after: timedelta = timedelta(hours=2)
    buddy_lead_time: timedelta = timedelta(hours=2)
    buddy_quiet_hours: tuple[time, time] = (time(21, 0), time(8, 0))
    # Routine messages to a patient inside these hours (their zone) arrive without a sound.
    patient_quiet_hours: tuple[time, time] = (time(21, 0), time(8, 0))
    # New patients get discreet first lines ("your appointment") unless this is false.
    discreet: bool = True


@dataclass(frozen=True)
class PolicyConfig:
    late_cancel_hours: int = 24
    no_show_fee: Decimal = Decimal("0")
    currency: str = "USD"
    reschedule_window_days: int = 7
    insurance_alert_misses: int = 3
    insurance_window_days: int = 30
    risk_consecutive_misses: int = 2


@dataclass(frozen=True)
class SafetyConfig:
    crisis_text: str = (
        "If you are in danger or thinking about hurting yourself, call or text 988 "
        "(Suicide & Crisis Lifeline, 24/7) or call 911."
    )
    # The one line every fallback answer ends with.
    help_line: str = "Need help now? Call or text 988."
    # Possible crisis wording (the reader's crisis probability at or above this) gets a
    # safety check; at or above ``urgent_above`` it is urgent at once.
    check_above: float = 0.2
    urgent_above: float = 0.7
    # A safety check left unanswered this long becomes an urgent alert.
    check_timeout: timedelta = timedelta(minutes=10)
    # An urgent alert nobody has taken after this long goes to the on-call therapists, and
    # again each time this long passes, until someone presses "I'm on it".
    escalate_after: timedelta = timedelta(minutes=15)
    on_call: tuple[str, ...] = ()
    # After crisis words, no routine reminders, check-ins or cheerful confirmations for this
    # long (the patient's therapist sees the pause in /patient and can lift it).
    pause_after_crisis: timedelta = timedelta(hours=24)
    # The same two texts for people who read Spanish (988: press 2, or text AYUDA).
    crisis_text_es: str = (
        "Si estás en peligro o piensas en hacerte daño, llama o envía un mensaje de texto al "
        "988 (Línea de Prevención del Suicidio y Crisis, 24/7; en español, marca 2 o envía "
        "AYUDA al 988) o llama al 911."
    )
    help_line_es: str = "¿Necesitas ayuda ya? Llama al 988 y marca 2, o envía AYUDA al 988."

    def crisis_text_in(self, language: str) -> str:
        return self.crisis_text_es if language == "es" else self.crisis_text

    def help_line_in(self, language: str) -> str:
        return self.help_line_es if language == "es" else self.help_line


@dataclass(frozen=True)
class UnderstandingConfig:
    # Below this confidence the bot asks what a message means instead of acting on it.
    clarify_below: float = 0.65


@dataclass(frozen=True)
class ReportsConfig:
    # The weekly digest for therapists: weekday (0 = Monday) and local time; None = off.
    digest_day: int | None = 0
    digest_time: time = time(8, 0)


@dataclass(frozen=True)
class InvitesConfig:
    expire_after: timedelta = timedelta(days=14)


@dataclass(frozen=True)
class Config:
    source: Path
    telegram: TelegramConfig = TelegramConfig()
    storage: StorageConfig = StorageConfig()
    program: ProgramConfig = ProgramConfig()
    reminders: RemindersConfig = RemindersConfig()
    policy: PolicyConfig = PolicyConfig()
    safety: SafetyConfig = SafetyConfig()
    understanding: UnderstandingConfig = UnderstandingConfig()
    invites: InvitesConfig = InvitesConfig()
    reports: ReportsConfig = ReportsConfig()


# --- value converters (shared ones in ``bot.tomlvalues``); each raises ValueError


def _count(value: Any) -> int:
    return tomlvalues.whole_number(value)


def _positive_count(value: Any) -> int:
    return tomlvalues.whole_number(value, low=1)


def _url(value: Any) -> str:
    return tomlvalues.http_url(value, allow_empty=True)


def _durations(value: Any) -> tuple[timedelta, ...]:
    if not isinstance(value, list):
        raise ValueError(f'must be a list like ["24h", "1h"], not {tomlvalues.toml_type(value)}')
    durations = tuple(sorted({tomlvalues.duration(item) for item in value}, reverse=True))
    if any(lead > timedelta(days=7) for lead in durations):
        raise ValueError("reminders can be at most 7d before a session")
    return durations


def _quiet_hours(value: Any) -> tuple[time, time]:
    if not isinstance(value, list) or len(value) != 2:
        raise ValueError('must be a pair of times like ["21:00", "08:00"]')
    return tomlvalues.clock_time(value[0]), tomlvalues.clock_time(value[1])


def _office_hours(value: Any) -> dict[int, tuple[time, time]]:
    if not isinstance(value, dict):
        raise ValueError('must be a table like { mon = ["09:00", "17:00"] }')
    hours = {}
    for day, span in value.items():
        opens, closes = _quiet_hours(span)
        if opens >= closes:
            raise ValueError(
                f"{tomlvalues.key_name(day)}: {opens:%H:%M} must be before {closes:%H:%M}"
            )
        hours[tomlvalues.weekday(day)] = (opens, closes)
    return hours


def _weekday_or_off(value: Any) -> int | None:
    if tomlvalues.string(value).strip().lower() in ("", "off", "none"):
        return None
    return tomlvalues.weekday(value)


def _handles(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise ValueError(
            f'must be a list of handles like ["lee"], not {tomlvalues.toml_type(value)}'
        )
    return tuple(tomlvalues.text(item).lower() for item in value)


def _letterhead(value: Any) -> str:
    """A line or two for the top of a letter: trimmed, no control characters, not too long."""
    text = tomlvalues.string(value).strip()
    if len(text) > LETTERHEAD_LIMIT:
        raise ValueError(f"must be at most {LETTERHEAD_LIMIT} characters")
    if any(ord(ch) < 32 and ch != "\n" for ch in text):
        raise ValueError("must be plain text (line breaks are fine)")
    return text


def _path(value: Any) -> Path:
    return Path(tomlvalues.text(value)).expanduser()


_SECTIONS: dict[str, tuple[type, dict[str, Callable[[Any], Any]]]] = {
    "telegram": (
        TelegramConfig,
        {"token": tomlvalues.string, "base_url": _url, "bot_username": tomlvalues.string},
    ),
    "storage": (StorageConfig, {"path": _path}),
    "program": (
        ProgramConfig,
        {
            "name": tomlvalues.text,
            "timezone": tomlvalues.zone,
            "office_hours": _office_hours,
            "clinic_name": _letterhead,
            "clinic_contact": _letterhead,
        },
    ),
    "reminders": (
        RemindersConfig,
        {
            "lead_times": _durations,
            "followup_after": tomlvalues.duration,
            "buddy_lead_time": tomlvalues.duration,
            "buddy_quiet_hours": _quiet_hours,
            "patient_quiet_hours": _quiet_hours,
            "discreet": tomlvalues.flag,
        },
    ),
    "policy": (
        PolicyConfig,
        {
            "late_cancel_hours": _count,
            "no_show_fee": tomlvalues.money,
            "currency": tomlvalues.text,
            "reschedule_window_days": _count,
            "insurance_alert_misses": _positive_count,
            "insurance_window_days": _positive_count,
            "risk_consecutive_misses": _positive_count,
        },
    ),
    "safety": (
        SafetyConfig,
        {
            "crisis_text": tomlvalues.text,
            "help_line": tomlvalues.text,
            "check_above": tomlvalues.share,
            "urgent_above": tomlvalues.share,
            "check_timeout": tomlvalues.duration,
            "escalate_after": tomlvalues.duration,
            "on_call": _handles,
            "pause_after_crisis": tomlvalues.duration,
            "crisis_text_es": tomlvalues.text,
            "help_line_es": tomlvalues.text,
        },
    ),
    "understanding": (UnderstandingConfig, {"clarify_below": tomlvalues.share}),
    "invites": (InvitesConfig, {"expire_after": tomlvalues.duration}),
    "reports": (
        ReportsConfig,
        {"digest_day": _weekday_or_off, "digest_time": tomlvalues.clock_time},
    ),
}


def config_path(explicit: str | None) -> Path:
    """The config file to use: ``--config``, then ``$IOP_BOT_CONFIG``, then ``./config.toml``."""
    return Path(explicit or os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG_PATH)


def load_config(path: Path, environ: dict[str, str] | None = None) -> Config:
    """Read and check ``path``; ``IOP_BOT_TOKEN`` in ``environ`` overrides the token."""
    environ = os.environ if environ is None else environ
    raw = read_toml(path, ConfigError, " (run `iop-bot init` to create it)")
    return parse_config(raw, path, environ)


def parse_config(raw: dict[str, Any], path: Path, environ: dict[str, str]) -> Config:
    """Check a parsed TOML document and build the typed ``Config``."""
    sections: dict[str, Any] = {}
    for section_name, table in raw.items():
        if section_name not in _SECTIONS:
            known = ", ".join(f"[{name}]" for name in _SECTIONS)
            raise ConfigError(
                f"{path}: [{tomlvalues.key_name(section_name)}] is not a known section ({known})"
            )
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: {section_name} must be a [section] table")
        cls, converters = _SECTIONS[section_name]
        values = {}
        for key, value in table.items():
            if key not in converters:
                known = ", ".join(converters)
                raise ConfigError(
                    f"{path}: [{section_name}] {tomlvalues.key_name(key)} is not a known key"
                    f" (known: {known})"
                )
            try:
                values[key] = converters[key](value)
            except ValueError as error:
                raise ConfigError(f"{path}: [{section_name}] {key} {error}") from None
        sections[section_name] = cls(**values)
    config = Config(source=path, **sections)
    token = environ.get(TOKEN_ENV, "").strip()
    if token:
        config = replace(config, telegram=replace(config.telegram, token=token))
    if not config.storage.path.is_absolute():
        # A relative database path is relative to the config file, not to the caller's cwd.
        config = replace(config, storage=StorageConfig(path=path.parent / config.storage.path))
    return config
