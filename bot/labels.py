"""How times, days and sessions are written in chat, in one place.

Pure: these take plain values (anything with a ``title`` and a ``starts_at``), never storage
or Telegram objects, so the outbox planner and the handlers word a session the same way.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Protocol

from bot.i18n import ENGLISH, current_language, texts, texts_for

BUTTON_TEXT_LIMIT = 60  # keep button labels short enough to read on a phone


class Session(Protocol):
    @property
    def title(self) -> str: ...

    @property
    def starts_at(self) -> datetime: ...


def format_clock(moment: datetime | time) -> str:
    """6:00 pm, the way people write times in a chat ('6:00 p. m.' in Spanish)."""
    if current_language() != ENGLISH:
        return _babel_time(moment, "h:mm a")
    hour = moment.hour % 12 or 12
    return f"{hour}:{moment.minute:02d} {'am' if moment.hour < 12 else 'pm'}"


def short_day(day: date | datetime) -> str:
    """'Thu 3 Dec' ('jue 3 dic' in Spanish)."""
    if current_language() != ENGLISH:
        return _babel_date(day, "EEE d MMM")
    return f"{day:%a %-d %b}"


def long_day(day: date | datetime) -> str:
    """'Thursday 3 December' ('jueves 3 de diciembre' in Spanish)."""
    if current_language() != ENGLISH:
        return _babel_date(day, "EEEE d 'de' MMMM")
    return f"{day:%A %-d %B}"


def display_title(title: str) -> str:
    """A session's title as the reader reads it: the titles the bot gives the sessions it
    books (stored in English, like the schedule file's) in the reader's language."""
    stored = texts_for(ENGLISH)
    own = {
        stored.CATCHUP_SESSION_TITLE: texts.CATCHUP_SESSION_TITLE,
        stored.MAKEUP_SESSION_TITLE: texts.MAKEUP_SESSION_TITLE,
    }
    return own.get(title, title)


def full_date(day: date | datetime) -> str:
    """'30 November 2026' ('30 de noviembre de 2026'): unambiguous for any reader."""
    if current_language() != ENGLISH:
        return _babel_date(day, "d 'de' MMMM 'de' y")
    return f"{day.day} {day:%B %Y}"


def day_month(day: date | datetime) -> str:
    """'07 Dec' ('7 dic'), for a chart's axis."""
    if current_language() != ENGLISH:
        return _babel_date(day, "d MMM").rstrip(".")
    return f"{day:%d %b}"


def weekday_short(day: date | datetime) -> str:
    """'Mon' ('lun')."""
    if current_language() != ENGLISH:
        return _babel_date(day, "EEE").rstrip(".")
    return f"{day:%a}"


def _babel_date(day: date | datetime, pattern: str) -> str:
    from babel.dates import format_date  # only when someone reads in another language

    return _plain_spaces(format_date(day, pattern, locale=current_language()))


def _babel_time(moment: datetime | time, pattern: str) -> str:
    from babel.dates import format_time

    # The wall-clock time as given: no zone conversion (``moment`` is already local).
    plain = time(moment.hour, moment.minute)
    return _plain_spaces(format_time(plain, pattern, locale=current_language()))


def _plain_spaces(text: str) -> str:
    """CLDR puts narrow no-break spaces in '6:00 p. m.': plain spaces read the same in chat."""
    return text.replace("\u202f", " ").replace("\xa0", " ")


def session_label(session: Session, zone: tzinfo) -> str:
    """'Group Therapy, Thu 3 Dec, 6:00 pm' in the reader's zone."""
    start = session.starts_at.astimezone(zone)
    return f"{display_title(session.title)}, {short_day(start)}, {format_clock(start)}"


class GroupSession(Session, Protocol):
    @property
    def group_name(self) -> str | None: ...


def staff_session_label(session: GroupSession, zone: tzinfo) -> str:
    """The session label with its group, for the therapist who reads about it."""
    label = session_label(session, zone)
    return f"{label} ({session.group_name})" if session.group_name else label


def button_label(session: Session, zone: tzinfo) -> str:
    """'Thu 3 Dec 6:00 pm · Group Therapy', cut to fit a button."""
    start = session.starts_at.astimezone(zone)
    return f"{short_day(start)} {format_clock(start)} · {display_title(session.title)}"[
        :BUTTON_TEXT_LIMIT
    ]


def session_line(
    title: str, starts_at: datetime, ends_at: datetime, zone: tzinfo, whom: str | None = None
) -> str:
    """'Mon 30 Nov, 6:00 pm – 9:00 pm · Group Therapy (Evening Group A)' in ``zone``."""
    start, end = starts_at.astimezone(zone), ends_at.astimezone(zone)
    line = f"{short_day(start)}, {format_clock(start)} – {format_clock(end)} · {title}"
    return f"{line} ({whom})" if whom else line


def first_name(name: str) -> str:
    return name.split()[0] if name.split() else name


def describe_when(start: datetime, now: datetime, zone: tzinfo) -> str:
    """'today at 6:00 pm', 'tomorrow at 6:00 pm' or 'on Thu 3 Dec at 6:00 pm', in ``zone``."""
    local, today = start.astimezone(zone), now.astimezone(zone).date()
    if local.date() == today:
        day = texts.WHEN_TODAY
    elif local.date() == today + timedelta(days=1):
        day = texts.WHEN_TOMORROW
    else:
        day = texts.WHEN_ON_DAY.format(day=short_day(local))
    return texts.WHEN_AT.format(day=day, time=format_clock(local))


def describe_until(start: datetime, now: datetime) -> str:
    """' (in 1 hour)' when the session is less than 12 hours away, else ''."""
    minutes = round((start - now).total_seconds() / 60)
    if minutes <= 0 or minutes >= 12 * 60:
        return ""
    if minutes >= 60:
        minutes = round(minutes / 15) * 15
    hours, rest = divmod(minutes, 60)
    words = [plural(hours, "hour")] if hours else []
    if rest or not hours:
        words.append(plural(rest, "minute"))
    return texts.UNTIL.format(amount=" ".join(words))


def describe_lead(lead: timedelta) -> str:
    """'2 days ahead', '5 hours ahead', '40 minutes after it started'."""
    minutes = abs(int(lead.total_seconds())) // 60
    if minutes >= 2 * 24 * 60:
        amount = plural(minutes // (24 * 60), "day")
    elif minutes >= 60:
        amount = plural(minutes // 60, "hour")
    else:
        amount = plural(minutes, "minute")
    template = texts.LEAD_AHEAD if lead >= timedelta(0) else texts.LEAD_AFTER_START
    return template.format(amount=amount)


def lead_label(lead: timedelta) -> str:
    """'24h', '1h30m', '45m': a lead time in hours and minutes (a day is '24h' to people)."""
    hours, minutes = divmod(int(lead.total_seconds() // 60), 60)
    return (f"{hours}h" if hours else "") + (f"{minutes}m" if minutes or not hours else "")


def plural(count: int, unit: str) -> str:
    """'1 hour', '2 hours' in the reader's language (``unit``: day, hour or minute)."""
    one, many = texts.UNITS[unit]
    return (one if count == 1 else many).format(n=count)


def utc_stamp(moment: datetime) -> str:
    """'20261203T2300': a compact UTC instant for idempotency keys."""
    return f"{moment.astimezone(UTC):%Y%m%dT%H%M}"


def local_day_bounds(first: date, last: date, zone: tzinfo) -> tuple[datetime, datetime]:
    """UTC instants from the start of ``first`` to the end of ``last`` in ``zone``."""
    start = datetime.combine(first, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    return start, end
