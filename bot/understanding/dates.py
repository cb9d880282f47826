"""Find the date expressions in a normalised message and resolve them to local dates.

Relative words ("tomorrow", "thursday", "next tuesday", "the 15th") are resolved with plain date
arithmetic: it is exact, needs no locale data and costs microseconds. Only month-and-day spans
("dec 3", "3 de diciembre") go through dateparser, and only to read the month and day; the
year is chosen here from the tense.
"""

import calendar
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache

from dateparser.date import DateDataParser


class Tense(Enum):
    PAST = "past"
    FUTURE = "future"


@dataclass(frozen=True)
class Mention:
    """A date expression found in the text, not yet resolved."""

    start: int
    end: int
    # "offset" | "tensed" (a day away, direction by tense) | "weekday" | "day" | "monthday" |
    # "period" (a week: no one date)
    kind: str
    offset: int = 0  # days from today, for kind "offset"
    weekday: int = 0  # 0 = Monday
    # weekdays: "next" | "last" | "last_week" | "week_after" | "coming" | "past" | ""
    modifier: str = ""
    month: int = 0
    day: int = 0
    year: int = 0

    @property
    def inherent_tense(self) -> Tense | None:
        """Return the tense the words themselves carry ("yesterday" is past whatever the verb)."""
        if self.kind == "offset":
            if self.offset < 0:
                return Tense.PAST
            return Tense.FUTURE if self.offset > 0 else None
        if self.modifier in ("last", "past", "last_week"):
            return Tense.PAST
        if self.modifier in ("next", "week_after"):
            return Tense.FUTURE
        return None


_EN_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_ES_WEEKDAYS = ("lunes", "martes", "miercoles", "jueves", "viernes", "sabado", "domingo")
WEEKDAY_NUMBER = {
    name: i for names in (_EN_WEEKDAYS, _ES_WEEKDAYS) for i, name in enumerate(names)
}

_MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        "jan january enero ene",
        "feb february febrero",
        "mar march marzo",
        "apr april abril abr",
        "may mayo",
        "jun june junio",
        "jul july julio",
        "aug august agosto ago",
        "sep sept september septiembre setiembre",
        "oct october octubre",
        "nov november noviembre",
        "dec december diciembre dic",
    ),
    start=1,
):
    for _name in _names.split():
        _MONTHS[_name] = _number
_MONTH_ALT = "|".join(sorted(_MONTHS, key=len, reverse=True))
_WEEKDAY_ALT = "|".join(WEEKDAY_NUMBER)

_OFFSET_WORDS: tuple[tuple[str, int], ...] = (
    (r"(?:the )?day after tomorrow|pasado_manana", 2),
    (r"(?:the )?day before yesterday|antier|anteayer|antes de ayer", -2),
    (r"tomorrow|manana", 1),
    (r"yesterday|last night|last evening|ayer|anoche", -1),
    (
        r"today|tonight|tonights|this evening|this afternoon|this morning|earlier today|"
        r"right now|hoy|esta noche|esta tarde|this morning",
        0,
    ),
)
_OFFSET_RE = tuple(
    (re.compile(rf"\b(?:{words})(?:'s)?\b"), offset) for words, offset in _OFFSET_WORDS
)

# Fixed-date holidays patients name instead of a date.
_HOLIDAYS: tuple[tuple[str, int, int], ...] = (
    (r"christmas eve|xmas eve|nochebuena", 12, 24),
    (r"christmas(?: day)?|xmas(?: day)?|navidad", 12, 25),
    (r"new year'?s eve|nye|nochevieja|fin de ano", 12, 31),
    (r"new year'?s day|ano nuevo|dia de ano nuevo", 1, 1),
    (r"halloween", 10, 31),
    (r"valentine'?s(?: day)?", 2, 14),
    (r"(?:the )?(?:4th|fourth) of july|independence day", 7, 4),
)
_HOLIDAY_RE = tuple((re.compile(rf"\b(?:{words})\b"), m, d) for words, m, d in _HOLIDAYS)

_WEEKDAY_RE = re.compile(
    r"\b(?:(?P<pre>this coming|the coming|this past|next week|this|next|last|upcoming|past|"
    r"el proximo|proximo|este|el)\s+)?"
    rf"(?P<wd>{_WEEKDAY_ALT})(?:'s|s)?\b"
    # "monday's group last week": a session noun may sit between the day and its week.
    r"(?P<post>(?:\s+(?:group|session|class|meeting|appointment|individual|psychoed))?"
    r"\s+(?:que viene|pasado|proximo|next week|of next week|last week|of last week|"
    r"de la semana pasada|de la semana que viene|de la (?:proxima|otra) semana|week))?"
    # "not this monday but the one after": the day after the coming one.
    r"(?P<after>(?:\s+(?:but|pero))?\s+(?:the one after|el (?:otro|siguiente)))?"
)
# "a week on monday" (British): the monday after the coming one.
_WEEK_ON_RE = re.compile(rf"\ba week (?:on|from) (?P<wd>{_WEEKDAY_ALT})\b")
# "in 3 days", "2 days ago", "en 3 dias", "hace 2 dias"; Hindi "kal" (a day away) and
# "parso" (two days away) take their direction from the tense.
_RELATIVE_RE = re.compile(
    r"\b(?:in|en) (?P<ahead>\d{1,2}|two|three|four|five|dos|tres|cuatro|cinco) (?:days?|dias?)\b"
    r"(?: time)?"
    r"|\b(?P<back>\d{1,2}|two|three|four|five) days? ago\b"
    r"|\bhace (?P<hace>\d{1,2}|dos|tres|cuatro|cinco) dias?\b"
)
_TENSED_RE = re.compile(r"\b(?P<word>kal|parso|parson)\b")
_NUMBER_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "dos": 2, "tres": 3, "cuatro": 4,
                 "cinco": 5}  # fmt: skip
# Zones where English writers put the month first ("3/11" is 11 March there); everyone
# else, and Spanish writers everywhere, put the day first.
_DAY_FIRST_AMERICAS = frozenset(
    f"America/{name}"
    for names in (
        ("Mexico_City", "Monterrey", "Tijuana", "Cancun", "Merida", "Hermosillo", "Chihuahua"),
        ("Bogota", "Lima", "Caracas", "Santiago", "Argentina/Buenos_Aires", "Montevideo"),
        ("Asuncion", "La_Paz", "Guayaquil", "Guatemala", "El_Salvador", "Tegucigalpa"),
        ("Managua", "Costa_Rica", "Panama", "Havana", "Santo_Domingo", "Sao_Paulo"),
    )
    for name in names
)


def day_first(zone_key: str, spanish: bool) -> bool:
    """Whether "3/11" means 3 November for this writer."""
    if spanish or zone_key in _DAY_FIRST_AMERICAS:
        return True
    return not zone_key.startswith(("America/", "US/", "Canada/", "Pacific/Honolulu"))


# A week or weekend named as a whole: it places the session but names no single date.
_PERIOD_RE = re.compile(
    r"\b(?:(?:this|next|last|that) (?:week|weekend)|the weekend|la semana (?:que viene|"
    r"pasada|proxima)|esta semana|la proxima semana|(?:este|el|el proximo) (?:fin de semana|"
    r"finde))\b"
)
_MONTHDAY_RE = re.compile(
    rf"\b(?P<m1>{_MONTH_ALT})\.?\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\b(?!:)"
    r"(?:,?\s+(?P<y1>20\d\d))?"
    rf"|\b(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+|de\s+)?(?P<m2>{_MONTH_ALT})\b"
    r"(?:,?\s+(?:de\s+)?(?P<y2>20\d\d))?"
)
_ORDINAL_RE = re.compile(
    r"\b(?:the\s+)?(?P<d1>\d{1,2})(?:st|nd|rd|th)\b"
    r"|\bel (?:dia )?(?P<d2>\d{1,2})\b(?!\s*(?::|am|pm|minutes|hours|de la))"
)
_JUST_SEPARATOR = re.compile(r"[\s,]*(?:the\s+)?")
_ES_WEEKDAY_ALT = "|".join(_ES_WEEKDAYS)
_WEEKDAY_DAY_RE = re.compile(
    rf"\b(?:{_WEEKDAY_ALT})(?:'s)?,? (?:the )?(?P<d1>\d{{1,2}})(?:st|nd|rd|th)\b"
    # Spanish writes "el jueves 10"; a bare number after an English weekday may be a time.
    rf"|\b(?:{_ES_WEEKDAY_ALT}) (?P<d2>\d{{1,2}})\b(?!\s*(?::|am|pm|de la|minutos|horas|hrs))"
)
_NUMERIC_RE = re.compile(
    r"(?<![\d/])(?P<a>\d{1,2})/(?P<b>\d{1,2})(?:/(?P<y>\d{2}|\d{4}))?(?![\d/])"
    r"(?!\s*(?:hour|of an|minutes|pm|am))"
)


def find_mentions(
    text: str, day_first_numbers: bool, month_day: Callable[[str], tuple[int, int] | None]
) -> list[Mention]:
    """Return the date expressions in `text`, in order, without overlaps.

    `month_day` reads month and day out of a span such as "dec 3rd" (see MonthDayReader);
    `day_first_numbers` says how to read "3/11" (see `day_first`).
    """
    taken: list[tuple[int, int]] = []
    found: list[Mention] = []

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in taken)

    def add(mention: Mention) -> None:
        if free(mention.start, mention.end):
            taken.append((mention.start, mention.end))
            found.append(mention)

    # Month-day and numeric forms first, so "dec 3" is not also read as "the 3rd".
    for m in _MONTHDAY_RE.finditer(text):
        span = f"{m['m1']} {m['d1']}" if m["m1"] else f"{m['d2']} de {m['m2']}"
        month, day = month_day(span) or (_MONTHS[m["m1"] or m["m2"]], int(m["d1"] or m["d2"]))
        year = int(m["y1"] or m["y2"] or 0)
        if _valid(month, day):
            add(Mention(m.start(), m.end(), "monthday", month=month, day=day, year=year))
    # "saturday the 12th": the day number is the more precise of the two.
    for m in _WEEKDAY_DAY_RE.finditer(text):
        day = int(m["d1"] or m["d2"])
        if 1 <= day <= 31:
            add(Mention(m.start(), m.end(), "day", day=day))
    for m in _NUMERIC_RE.finditer(text):
        a, b = int(m["a"]), int(m["b"])
        # The writer's order (see `day_first`); swap when only the other order is valid.
        month, day = (b, a) if day_first_numbers else (a, b)
        if not _valid(month, day) and _valid(day, month):
            month, day = day, month
        year = int(m["y"]) if m["y"] else 0
        if year and year < 100:
            year += 2000
        if _valid(month, day):
            add(Mention(m.start(), m.end(), "monthday", month=month, day=day, year=year))
    for pattern, month, day in _HOLIDAY_RE:
        for m in pattern.finditer(text):
            add(Mention(m.start(), m.end(), "monthday", month=month, day=day))
    for m in _RELATIVE_RE.finditer(text):
        ahead, back = m["ahead"], m["back"] or m["hace"]
        count = ahead or back
        days = int(count) if count.isdigit() else _NUMBER_WORDS[count]
        add(Mention(m.start(), m.end(), "offset", offset=days if ahead else -days))
    for pattern, offset in _OFFSET_RE:
        for m in pattern.finditer(text):
            add(Mention(m.start(), m.end(), "offset", offset=offset))
    for m in _TENSED_RE.finditer(text):
        add(Mention(m.start(), m.end(), "tensed", offset=1 if m["word"] == "kal" else 2))
    for m in _WEEK_ON_RE.finditer(text):
        add(Mention(m.start(), m.end(), "weekday", weekday=WEEKDAY_NUMBER[m["wd"]],
                    modifier="week_after"))  # fmt: skip
    for m in _WEEKDAY_RE.finditer(text):
        add(
            Mention(
                m.start(),
                m.end(),
                "weekday",
                weekday=WEEKDAY_NUMBER[m["wd"]],
                modifier="week_after" if m["after"] else _weekday_modifier(m["pre"], m["post"]),
            )
        )
    # After weekdays, so "tuesday of next week" stays one mention.
    for m in _PERIOD_RE.finditer(text):
        add(Mention(m.start(), m.end(), "period"))
    for m in _ORDINAL_RE.finditer(text):
        day = int(m["d1"] or m["d2"])
        if 1 <= day <= 31:
            add(Mention(m.start(), m.end(), "day", day=day))
    found.sort(key=lambda mention: mention.start)
    # "monday, jan 4" / "el lunes 4 de enero": the weekday only restates the date after it.
    return [
        mention
        for mention, following in zip(found, [*found[1:], None], strict=False)
        if not (
            mention.kind == "weekday"
            and following is not None
            and following.kind in ("day", "monthday")
            and _JUST_SEPARATOR.fullmatch(text[mention.end : following.start])
        )
    ]


def _valid(month: int, day: int) -> bool:
    # A leap year, so "feb 29" is accepted here and rejected later if the year lacks it.
    return 1 <= month <= 12 and 1 <= day <= calendar.monthrange(2028, month)[1]


def _weekday_modifier(pre: str | None, post: str | None) -> str:
    pre = (pre or "").strip()
    post = (post or "").strip()
    if post in ("of last week", "de la semana pasada"):
        return "last_week"
    if post == "week":
        return "week_after"  # "monday week"
    if pre in ("next", "next week", "el proximo", "proximo") or post in (
        "proximo",
        "next week",
        "of next week",
        "de la semana que viene",
        "de la proxima semana",
        "de la otra semana",
    ):
        return "next"
    if pre == "last" or post in ("pasado", "last week"):
        return "last"
    if pre in ("this past", "past"):
        return "past"
    if pre in ("this coming", "the coming", "upcoming") or post == "que viene":
        return "coming"
    return ""


def resolve(mention: Mention, today: dt.date, tense: Tense, hour: int) -> dt.date | None:
    """Turn a mention into a local date; `hour` is the local hour of "now"."""
    if mention.kind == "period":
        return None
    if mention.kind == "offset":
        return today + dt.timedelta(days=mention.offset)
    if mention.kind == "tensed":
        sign = -1 if tense is Tense.PAST else 1
        return today + dt.timedelta(days=sign * mention.offset)
    if mention.kind == "weekday":
        return _resolve_weekday(mention, today, tense, hour)
    if mention.kind == "day":
        return _resolve_day_of_month(mention.day, today, tense)
    return _resolve_month_day(mention, today, tense)


def _resolve_weekday(mention: Mention, today: dt.date, tense: Tense, hour: int) -> dt.date:
    ahead = (mention.weekday - today.weekday()) % 7
    if mention.modifier == "next":
        # "next tuesday" is the tuesday of next week, the week starting the coming monday.
        next_monday = today + dt.timedelta(days=7 - today.weekday())
        return next_monday + dt.timedelta(days=mention.weekday)
    if mention.modifier == "week_after":
        return today + dt.timedelta(days=ahead + 7)
    if mention.modifier == "last_week":
        this_monday = today - dt.timedelta(days=today.weekday())
        return this_monday - dt.timedelta(days=7 - mention.weekday)
    if mention.modifier == "coming":
        # Nobody says "this coming thursday" on a thursday to mean today.
        return today + dt.timedelta(days=ahead or 7)
    if mention.modifier == "last":
        # "last thursday" is the most recent thursday strictly before today.
        back = (today.weekday() - mention.weekday) % 7 or 7
        return today - dt.timedelta(days=back)
    if mention.modifier == "past" or tense is Tense.PAST:
        back = (today.weekday() - mention.weekday) % 7
        # "missed thursday" said on a thursday: today's session if it could already be over
        # (afternoon or later), otherwise last week's.
        if back == 0 and hour < 12:
            back = 7
        return today - dt.timedelta(days=back)
    return today + dt.timedelta(days=ahead)


def _resolve_day_of_month(day: int, today: dt.date, tense: Tense) -> dt.date | None:
    """Return the next (or most recent) date with this day number, skipping short months."""
    if not 1 <= day <= 31:
        return None
    year, month = today.year, today.month
    step = -1 if tense is Tense.PAST else 1
    for _ in range(13):
        if day <= calendar.monthrange(year, month)[1]:
            candidate = dt.date(year, month, day)
            if (step > 0 and candidate >= today) or (step < 0 and candidate <= today):
                return candidate
        month += step
        if month == 0:
            year, month = year - 1, 12
        elif month == 13:
            year, month = year + 1, 1
    return None


def _resolve_month_day(mention: Mention, today: dt.date, tense: Tense) -> dt.date | None:
    if mention.year:
        return _safe_date(mention.year, mention.month, mention.day)
    this_year = _safe_date(today.year, mention.month, mention.day)
    if tense is Tense.PAST:
        if this_year is not None and this_year <= today:
            return this_year
        return _safe_date(today.year - 1, mention.month, mention.day)
    if this_year is not None and this_year >= today:
        return this_year
    return _safe_date(today.year + 1, mention.month, mention.day)


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


class MonthDayReader:
    """Read month and day out of short spans like "dec 3rd" or "3 de diciembre" with dateparser.

    One DateDataParser restricted to English and Spanish, built once and warmed, because its
    first call loads locale data (tens of milliseconds). The span carries no year, so the
    parser's RELATIVE_BASE is a fixed leap year: only month and day are kept, and the year is
    chosen by the caller from the tense and the patient's local "now".
    """

    def __init__(self) -> None:
        self._parser = DateDataParser(
            languages=["en", "es"],
            settings={
                "RELATIVE_BASE": dt.datetime(2028, 1, 1),  # noqa: DTZ001 - year only, see above
                "PREFER_DAY_OF_MONTH": "first",
                "DATE_ORDER": "MDY",
                "REQUIRE_PARTS": ["day", "month"],
                "PARSERS": ["absolute-time"],
            },
        )
        self._read = lru_cache(maxsize=512)(self._read_uncached)
        for span in ("dec 3", "3 de diciembre", "december 3rd", "dic 3"):
            self._read(span)

    def _read_uncached(self, span: str) -> tuple[int, int] | None:
        data = self._parser.get_date_data(span)
        if data.date_obj is None:
            return None
        return data.date_obj.month, data.date_obj.day

    def month_day(self, span: str) -> tuple[int, int] | None:
        """Return (month, day) for a span, or None when dateparser cannot read it."""
        return self._read(span)
