"""The time zones patients pick from, with the names people use for them."""

from __future__ import annotations

from datetime import time
from zoneinfo import ZoneInfo

from bot.i18n import ENGLISH, texts, texts_for

# The zones patients pick from, in this order; their names are texts (ZONE_NAMES).
CHOICES: tuple[str, ...] = tuple(texts_for(ENGLISH).ZONE_NAMES)


def label(zone: str) -> str:
    """The zone's name in the reader's language ('Eastern time', 'hora del Este')."""
    return texts.ZONE_NAMES.get(zone) or zone.replace("_", " ")


def button_label(zone: str) -> str:
    """The zone's name as a button starts it: 'Hora del Este'."""
    name = label(zone)
    return name[:1].upper() + name[1:]


def choices_for(program_zone: ZoneInfo) -> list[str]:
    """The program's zone first, then the others."""
    return [program_zone.key, *(zone for zone in CHOICES if zone != program_zone.key)]


_ZONES: dict[str, ZoneInfo] = {}


def cached_zone(name: str) -> ZoneInfo:
    """``ZoneInfo(name)``, remembered: planning a large clinic asks for a few zones often."""
    zone = _ZONES.get(name)
    if zone is None:
        zone = _ZONES[name] = ZoneInfo(name)
    return zone


def zone_or(name: str | None, fallback: ZoneInfo) -> ZoneInfo:
    """A person's own zone, or the program's when they never chose one."""
    return cached_zone(name) if name else fallback


def in_quiet_hours(moment: time, quiet_start: time, quiet_end: time) -> bool:
    """Whether a local clock time falls in quiet hours that may run past midnight.

    Equal start and end mean no quiet hours at all.
    """
    if quiet_start == quiet_end:
        return False
    if quiet_start < quiet_end:
        return quiet_start <= moment < quiet_end
    return moment >= quiet_start or moment < quiet_end
