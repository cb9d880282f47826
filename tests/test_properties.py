"""Property tests: any text to the reader, any button data to the patterns, any file to a loader.

Each property says what must hold for every input, not for chosen ones: the message reader
answers with valid labels, a callback pattern accepts only the short ASCII shapes its handler
decodes, and a config or schedule file is either read or refused in one line. Examples are
few (the reader is the slow part) and the database is off, so a run leaves no files behind.
The inputs that once broke a loader (a 4,301-digit integer, a zone folder, a key with a
line break, a date at the calendar's edge) are kept as explicit examples.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import tempfile
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot import callbacks
from bot.config import EXAMPLE_CONFIG, load_config
from bot.errors import ConfigError, IopBotError, ScheduleError
from bot.kinds import Reason, SessionKind
from bot.schedule.file import load_schedule_file
from bot.understanding.engine import CrisisLevel, Intent, MessageReader, Understanding

FAST = settings(
    max_examples=100,
    deadline=None,
    database=None,  # no .hypothesis/ folder in the repository
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
NOW = dt.datetime(2026, 12, 3, 19, 40, tzinfo=ZoneInfo("America/New_York"))

# --- 1. the message reader: any text up to Telegram's 4,096 characters --------------------------

TELEGRAM_TEXT_LIMIT = 4096
FRAGMENTS = (
    # what patients write
    "can't make it", "cant make it 2nite", "I'll be there", "running 15 min late", "omw",
    "tomorrow", "tmrw", "yesterday", "next tuesday", "this coming thurs", "monday's group",
    "dec 3", "3/12", "12/31/2099", "el 15", "the 31st", "in 3 days", "2 days ago", "kal",
    "christmas eve", "next week", "can we reschedule to friday?", "missed group last night",
    "no voy a poder ir mañana", "llego tarde 10 minutos", "half an hour late", "1:1 moved",
    # crisis wording, idioms and negation
    "I want to die", "me quiero morir", "I have the pills here", "I'm not suicidal",
    "traffic is killing me", "goodbye everyone", "my friend wants to kill herself",
    # numbers that are not small
    "99999999999999999999 minutes", "in 99 days", "3/12/0000", "feb 29", "el ٣١", "１２/３",
    # emoji, right-to-left text, invisible and combining characters, odd whitespace
    "😢", "🤒", "👍", "🙏🏽", "\U0001f468\u200d\U0001f469\u200d\U0001f467", "שלום", "مرحبا غدا",
    "\u202eevil\u202c", "\u200b", "\u200d",
    "\ufeff", "\u00ad", "e\u0301", "\u0301\u0301\u0301", "ﬁ", "Ⅻ", "\u2028", "\x00", "\t",
    "’", "“quoted”", "ALL CAPS SORRY",
)  # fmt: skip
SEPARATORS = ("", " ", "  ", "\n", "\r\n", ", ", ". ", "!!! ", "?", " - ", "\u200b")

random_text = st.text(max_size=TELEGRAM_TEXT_LIMIT)
# Fragments joined at random. At most 60 keep each read fast: a date-dense message is read in
# time quadratic in its dates (4,096 characters of "3/12 " take about 3.5 s).
fragment_text = st.lists(
    st.tuples(st.sampled_from(FRAGMENTS), st.sampled_from(SEPARATORS)), max_size=60
).map(lambda parts: "".join(f + s for f, s in parts)[:TELEGRAM_TEXT_LIMIT])
messages = st.one_of(
    random_text, fragment_text, st.lists(st.sampled_from(FRAGMENTS)).map(" ".join)
)
instants = st.datetimes(
    min_value=dt.datetime(1990, 1, 1),  # noqa: DTZ001 - bounds of an aware strategy
    max_value=dt.datetime(2100, 12, 31),  # noqa: DTZ001
    timezones=st.timezones(),
)
REAL_ZONES = sorted(available_timezones())
zones = st.sampled_from(REAL_ZONES)


def _assert_valid_reading(understanding: Understanding) -> None:
    u = understanding
    assert isinstance(u.intent, Intent)
    assert u.crisis_level is None or isinstance(u.crisis_level, CrisisLevel)
    assert isinstance(u.confidence, float) and 0.0 <= u.confidence <= 1.0
    for date in (u.date, u.also_date):
        assert date is None or type(date) is dt.date  # a calendar day, not a datetime
    assert u.session_kind is None or isinstance(u.session_kind, SessionKind)
    assert u.reason is None or isinstance(u.reason, Reason)
    assert u.late_minutes is None or (u.intent is Intent.LATE and 0 <= u.late_minutes <= 999)
    assert 1 <= len(u.alternatives) <= 2
    assert all(isinstance(i, Intent) and i is not Intent.CRISIS for i in u.alternatives)
    assert (u.intent is Intent.CRISIS) == (u.crisis_level is CrisisLevel.URGENT)
    assert not (u.clarify and u.crisis_level is not None)  # a crisis is never asked about
    assert u.also_intent in (None, Intent.ABSENCE_UPCOMING, Intent.ABSENCE_MISSED)
    assert u.also_date is None or u.also_intent is not None
    # The `iop-bot parse` output is plain JSON.
    assert json.loads(json.dumps(u.to_json()))["intent"] == u.intent.value


@settings(FAST, max_examples=200)
@given(text=messages, now=instants, tz=zones)
@example(text="", now=NOW, tz="UTC")
@example(text="\n\u200b\u200b\ufeff  \r\n", now=NOW, tz="Asia/Kolkata")
@example(
    text=("can't make it tomorrow 😢 \u200bשלום\nI want to die, dec 31 3/12 el 15 " * 80)[
        :TELEGRAM_TEXT_LIMIT
    ],
    now=NOW,
    tz="Pacific/Kiritimati",
)
def test_the_reader_gives_valid_labels_for_any_text(
    reader: MessageReader, text: str, now: dt.datetime, tz: str
) -> None:
    understanding = reader.read(text, now, ZoneInfo(tz))

    _assert_valid_reading(understanding)


# --- 2. callback data: every pattern accepts only what its handler decodes ----------------------

CALLBACK_DATA_LIMIT = 64  # bytes, Telegram's limit for callback_data
SQLITE_MAX_INTEGER = 2**63 - 1
PATTERNS = {
    name: value
    for name, value in vars(callbacks).items()
    if name.endswith("_PATTERN") and isinstance(value, str)
}
COMPILED = {name: re.compile(value) for name, value in PATTERNS.items()}
# Prefixes and whole button data (every other string constant, except the deep-link prefix).
PREFIXES = tuple(
    value
    for name, value in vars(callbacks).items()
    if name.isupper()
    and isinstance(value, str)
    and name not in PATTERNS
    and name not in ("ID", "END", "BUDDY_LINK")
)
# Patterns that check only a prefix; their handlers check the rest of the data themselves
# (``handlers.patient.absence.receive_reason_button`` looks the reason up in texts).
OPEN_PATTERNS = {"ABSENCE_REASON_PATTERN"}
CLOSED_PATTERNS = sorted(set(PATTERNS) - OPEN_PATTERNS)


def _matching(name: str) -> st.SearchStrategy[str]:
    return st.from_regex(COMPILED[name], fullmatch=True)


def _mutations(data: str) -> st.SearchStrategy[str]:
    """Near misses of valid data: what a forged or corrupted button would send."""
    digits = [i for i, ch in enumerate(data) if ch.isdigit()]
    variants = [
        data + "\n",
        data + " ",
        " " + data,
        data + "0",
        data.upper(),
        data[:-1],
        data.replace(":", "::", 1),
        data + ":" + data,
    ]
    for i in digits[:3]:
        for lookalike in ("١", "１", "𝟙", "²", "_", "-", "+", " "):
            variants.append(data[:i] + lookalike + data[i + 1 :])
    if digits:  # a 19-digit id no longer fits SQLite's integers
        last = digits[-1]
        variants.append(data[: last + 1] + "9" * 19 + data[last + 1 :])
    return st.sampled_from(variants)


any_callback_data = st.one_of(
    st.text(max_size=80),
    st.binary(max_size=80).map(lambda b: b.decode("utf-8", "replace")),
    st.binary(max_size=80).map(lambda b: b.decode("latin-1")),
    st.binary(max_size=80).map(lambda b: b.decode("utf-8", "surrogateescape")),
    st.tuples(st.sampled_from(PREFIXES), st.text(max_size=70)).map("".join),
    st.tuples(st.sampled_from(PREFIXES), st.integers(min_value=-(10**25), max_value=10**25)).map(
        lambda p: f"{p[0]}{p[1]}"
    ),
    st.sampled_from(CLOSED_PATTERNS).flatmap(_matching).flatmap(_mutations),
)


def _assert_decodable(name: str, data: str) -> None:
    """What every handler relies on once its pattern matched ``data``."""
    assert data.startswith(PREFIXES), (name, data)
    if name in OPEN_PATTERNS:
        return
    assert data.isascii(), (name, data)
    assert len(data.encode()) <= CALLBACK_DATA_LIMIT, (name, data)
    assert "\n" not in data and data == data.strip(), (name, data)
    for field in data.split(":"):
        if field.isdigit():  # every number a handler passes on fits an SQLite integer
            assert len(field) <= 18 and int(field) <= SQLITE_MAX_INTEGER, (name, data)
    last = data.rsplit(":", 1)[-1]
    if ":" in data and last.isdigit():
        assert callbacks.trailing_id(data) == int(last)


@settings(FAST, max_examples=300)
@given(
    data=st.sampled_from(sorted(PATTERNS)).flatmap(lambda n: st.tuples(st.just(n), _matching(n)))
)
def test_data_a_pattern_accepts_is_short_ascii_and_reaches_one_handler(data: tuple) -> None:
    name, callback_data = data

    _assert_decodable(name, callback_data)
    claimed_by = [other for other, pattern in COMPILED.items() if pattern.match(callback_data)]
    assert claimed_by == [name]


@settings(FAST, max_examples=500)
@given(data=any_callback_data)
def test_every_pattern_rejects_malformed_data(data: str) -> None:
    for name, pattern in COMPILED.items():
        if pattern.match(data):
            _assert_decodable(name, data)


@FAST
@given(data=any_callback_data)
@example(data="r:c:" + "9" * 5000)  # past Python's int-from-string digit limit
@example(data="r:c:１２")
@example(data="no colon")
def test_trailing_id_returns_an_int_or_raises_value_error(data: str) -> None:
    try:
        number = callbacks.trailing_id(data)
    except (ValueError, IndexError):
        return  # nothing after a colon, or not a number there: a pattern never lets these by
    assert isinstance(number, int)


def test_the_properties_see_every_pattern() -> None:
    # Guards for the properties above: they see every pattern, and only one is open.
    assert len(PATTERNS) >= 20 and set(PATTERNS) >= OPEN_PATTERNS
    assert not COMPILED["REMINDER_ABSENT_PATTERN"].match("r:a:1\n")
    assert not COMPILED["REMINDER_ABSENT_PATTERN"].match("r:a:" + "1" * 19)
    assert COMPILED["ABSENCE_REASON_PATTERN"].match("ab:r:" + "x" * 100)


# --- 3. config and schedule files: read, or refused in one line ---------------------------------


@contextmanager
def _file_with(content: bytes) -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "file.toml"
        path.write_bytes(content)
        yield path


def _load_config(path: Path) -> object:
    return load_config(path, environ={})


def _load_schedule(path: Path) -> object:
    return load_schedule_file(path, ZoneInfo("UTC"))


Loader = Callable[[Path], object]
LOADERS = [
    pytest.param(_load_config, ConfigError, id="config"),
    pytest.param(_load_schedule, ScheduleError, id="schedule"),
]


def _assert_read_or_one_line(load: Loader, error: type[IopBotError], content: bytes) -> None:
    with _file_with(content) as path:
        try:
            load(path)
        except error as refusal:  # anything else is a bug and fails the test with its traceback
            message = str(refusal)
            assert message.strip(), "an empty error message"
            assert "\n" not in message and "\r" not in message, message
            assert str(path) in message, message  # the admin is told which file


def _toml_string(text: str) -> str:
    escaped = "".join(
        f"\\u{ord(ch):04x}" if ord(ch) < 0x20 or ch in '\x7f"\\' else ch for ch in text
    )
    return f'"{escaped}"'


def _toml_value(value: Any) -> str:
    """Write ``value`` as TOML (strings escaped, so any text stays one valid string)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, float):
        return {"nan": "nan", "inf": "inf", "-inf": "-inf"}.get(repr(value), repr(value))
    if isinstance(value, int | dt.date | dt.time):  # datetimes are dates too
        return value.isoformat() if not isinstance(value, int) else str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + "}"


EXAMPLE = tomllib.loads(EXAMPLE_CONFIG.read_text(encoding="utf-8"))
SCHEDULE_KEYS = {
    "group": ("id", "name", "therapist", "timezone"),
    "series": ("id", "kind", "title", "group", "patient", "therapist", "timezone", "duration",
               "link", "capacity", "makeup", "weekdays", "start", "from", "until"),
    "session": ("id", "kind", "title", "group", "patient", "therapist", "timezone", "duration",
                "link", "capacity", "makeup", "start"),
    "cancel": ("series", "date"),
}  # fmt: skip
# Time-zone directories (``"America"``) are not zones; a test below tries them.
ZONE_DIRECTORIES = {key.rsplit("/", 1)[0] for key in REAL_ZONES if "/" in key}
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Dates far from the calendar's ends (the ends have their own test below).
years = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2200, 12, 31))

bare_keys = st.from_regex(r"[A-Za-z0-9_-]{1,12}", fullmatch=True)
# Short strings: a zone name over 255 bytes is a known bug (see below), not what this explores.
short_text = st.text(max_size=40).filter(lambda s: s.strip() not in ZONE_DIRECTORIES)
plausible_strings = st.one_of(
    short_text,
    zones,
    st.sampled_from(["", " ", "18:00", "24:00", "9:5", "18:00:30", "18:00+01:00", "90m", "1h30m",
                     "0m", "2d", "367d", "99999999999999999999d", "mon", "tues", "m", "off",
                     "group", "GROUP", "individual", "https://x.example", "ftp://x", "a-b_c",
                     "Lee", "-1", "49.99", "1e999", "NaN", "~/db.sqlite3", "/", "."]),
)  # fmt: skip
scalars = st.one_of(
    plausible_strings,
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(),
    years,
    st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2200, 12, 31)),  # noqa: DTZ001
    st.times(),
)
toml_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(bare_keys, inner, max_size=3),
    max_leaves=8,
)


def _key_lines(keys: tuple[str, ...]) -> st.SearchStrategy[list[str]]:
    key = st.one_of(st.sampled_from(keys), bare_keys) if keys else bare_keys
    pairs = st.dictionaries(key, toml_values, max_size=len(keys) + 1)
    return pairs.map(lambda d: [f"{k} = {_toml_value(v)}" for k, v in d.items()])


config_section = st.sampled_from([*EXAMPLE, *EXAMPLE, "bogus"]).flatmap(
    lambda name: _key_lines(tuple(EXAMPLE.get(name, {}))).map(
        lambda lines: "\n".join([f"[{name}]", *lines])
    )
)
config_documents = st.lists(config_section, max_size=4, unique_by=lambda s: s.split("\n")[0]).map(
    "\n".join
)
schedule_entry = st.sampled_from([*SCHEDULE_KEYS, "bogus"]).flatmap(
    lambda table: _key_lines(SCHEDULE_KEYS.get(table, ())).map(
        lambda lines: "\n".join([f"[[{table}]]", *lines])
    )
)
schedule_documents = st.tuples(
    st.one_of(st.just(""), toml_values.map(lambda v: f"timezone = {_toml_value(v)}")),
    st.lists(schedule_entry, max_size=5),
).map(lambda p: "\n".join([p[0], *p[1]]))


@st.composite
def complete_schedules(draw: st.DrawFn) -> str:
    """A well-formed group series (the demo's shape) with its values drawn at random, so the
    checks deep in the loader (dates, references, cancelled days) run too."""
    first = draw(years)
    lines = [
        f"timezone = {_toml_value(draw(zones))}",
        '[[group]]\nid = "g"\nname = "G"\ntherapist = "lee"',
        '[[series]]\nid = "s"\ntitle = "T"\ngroup = "g"',
        f"kind = {_toml_value(draw(st.sampled_from([*SessionKind, 'party'])))}",
        f"weekdays = {_toml_value(draw(st.lists(st.sampled_from(WEEKDAYS), max_size=3)))}",
        f"start = {_toml_value(draw(st.times()).strftime('%H:%M'))}",
        f"duration = {_toml_value(draw(st.sampled_from(['50m', '3h', '1h30m', '25h', '0m'])))}",
        f"from = {_toml_value(first)}",
    ]
    if draw(st.booleans()):
        lines.append(
            f"until = {_toml_value(first + dt.timedelta(days=draw(st.integers(-3, 60))))}"
        )
    cancel = first + dt.timedelta(days=draw(st.integers(-3, 14)))
    lines.append(f'[[cancel]]\nseries = "s"\ndate = {_toml_value(cancel)}')
    return "\n".join(lines)


def _with_fragment(lead: str) -> st.SearchStrategy[bytes]:
    """``lead`` followed by raw random text, as a half-typed file would have it."""
    return st.text(max_size=64).map(lambda tail: (lead + tail).encode())


any_bytes = st.one_of(
    st.binary(max_size=512),
    st.text(max_size=512).map(str.encode),
    st.text(max_size=256).map(lambda s: s.encode("utf-16")),
    st.text(max_size=256).map(lambda s: "\ufeff".encode() + s.encode()),
    st.text(max_size=256).flatmap(
        lambda s: st.sampled_from(["latin-1", "cp1252"]).map(
            lambda codec: s.encode(codec, "replace")
        )
    ),
)
config_fragments = st.one_of(
    _with_fragment("[program]\ntimezone = "),
    _with_fragment("[reminders]\nlead_times = "),
    _with_fragment("[policy]\nno_show_fee = "),
    _with_fragment("[safety]\ncheck_above = "),
    _with_fragment("[program]\noffice_hours = "),
    _with_fragment("[reports]\ndigest_day = "),
    _with_fragment("[storage]\npath = "),
    _with_fragment("["),
)
schedule_fragments = st.one_of(
    _with_fragment("timezone = "),
    _with_fragment("[[series]]\nid = "),
    _with_fragment('[[series]]\nid = "s"\nkind = "group"\nstart = '),
    _with_fragment("[[session]]\nstart = "),
    _with_fragment("[[cancel]]\ndate = "),
    _with_fragment("[["),
)


@settings(FAST, max_examples=200)
@given(content=any_bytes)
@pytest.mark.parametrize(("load", "error"), LOADERS)
def test_any_bytes_are_read_or_refused_in_one_line(
    load: Loader, error: type[IopBotError], content: bytes
) -> None:
    _assert_read_or_one_line(load, error, content)


@settings(FAST, max_examples=200)
@given(content=st.one_of(config_fragments, config_documents.map(str.encode)))
@example(content=EXAMPLE_CONFIG.read_bytes())
def test_any_config_is_read_or_refused_in_one_line(content: bytes) -> None:
    _assert_read_or_one_line(_load_config, ConfigError, content)


@settings(FAST, max_examples=200)
@given(
    content=st.one_of(
        schedule_fragments,
        schedule_documents.map(str.encode),
        complete_schedules().map(str.encode),
    )
)
@example(content=(Path(__file__).parents[1] / "bot" / "demo_schedule.toml").read_bytes())
def test_any_schedule_is_read_or_refused_in_one_line(content: bytes) -> None:
    _assert_read_or_one_line(_load_schedule, ScheduleError, content)


# --- known bugs: each fails on its explicit example until fixed ---------------------------------


@settings(FAST, max_examples=5)
@given(digits=st.integers(min_value=4301, max_value=6000))
@example(digits=4301)
@pytest.mark.parametrize(("load", "error"), LOADERS)
def test_a_huge_integer_is_refused_in_one_line(
    load: Loader, error: type[IopBotError], digits: int
) -> None:
    _assert_read_or_one_line(load, error, f"timezone = {'1' * digits}\n".encode())


@settings(FAST, max_examples=20)
@given(zone=st.one_of(st.sampled_from(sorted(ZONE_DIRECTORIES)), st.text(min_size=64)))
@example(zone="America")
@example(zone="a" * 256)
@pytest.mark.parametrize(
    ("load", "error", "lead"),
    [
        pytest.param(_load_config, ConfigError, "[program]\ntimezone = ", id="config"),
        pytest.param(_load_schedule, ScheduleError, "timezone = ", id="schedule"),
    ],
)
def test_any_zone_name_is_refused_in_one_line(
    load: Loader, error: type[IopBotError], lead: str, zone: str
) -> None:
    _assert_read_or_one_line(load, error, f"{lead}{_toml_string(zone)}\n".encode())


@settings(FAST, max_examples=30)
@given(name=st.text(min_size=1, max_size=12))
@example(name="a\nb")
@pytest.mark.parametrize(
    ("load", "error", "template"),
    [
        pytest.param(_load_config, ConfigError, "[{key}]\n", id="config-section"),
        pytest.param(_load_config, ConfigError, "[program]\n{key} = 1\n", id="config-key"),
        pytest.param(
            _load_config,
            ConfigError,
            '[program]\noffice_hours = {{ {key} = ["10:00", "09:00"] }}\n',
            id="config-office-hours-day",
        ),
        pytest.param(_load_schedule, ScheduleError, "{key} = 1\n", id="schedule-key"),
        pytest.param(
            _load_schedule, ScheduleError, "[[group]]\n{key} = 1\n", id="schedule-entry-key"
        ),
    ],
)
def test_any_key_name_is_refused_in_one_line(
    load: Loader, error: type[IopBotError], template: str, name: str
) -> None:
    content = template.format(key=_toml_string(name))
    _assert_read_or_one_line(load, error, content.encode())


@settings(FAST, max_examples=20)
@given(
    zone=zones,
    start=st.times().map(lambda t: t.strftime("%H:%M")),
    day=st.sampled_from([dt.date(1, 1, 1), dt.date(9999, 12, 31)]),
)
@example(zone="Asia/Tokyo", start="00:00", day=dt.date(1, 1, 1))
@example(zone="America/New_York", start="23:00", day=dt.date(9999, 12, 31))
def test_a_cancel_on_the_calendars_edge_is_refused_in_one_line(
    zone: str, start: str, day: dt.date
) -> None:
    content = "\n".join(
        [
            '[[group]]\nid = "g"\nname = "G"\ntherapist = "lee"',
            '[[series]]\nid = "s"\nkind = "group"\ntitle = "T"\ngroup = "g"\nduration = "1h"',
            f'timezone = "{zone}"',
            f'weekdays = ["{WEEKDAYS[day.weekday()]}"]',
            f'start = "{start}"\nfrom = {day.isoformat()}',
            f'[[cancel]]\nseries = "s"\ndate = {day.isoformat()}',
        ]
    )
    _assert_read_or_one_line(_load_schedule, ScheduleError, content.encode())
