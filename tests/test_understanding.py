"""Tests for reading patients' messages: corpus accuracy, the hard rules, the JSON-lines helper."""

import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.kinds import Reason, SessionKind
from bot.understanding import corpus, evaluate, model, train
from bot.understanding.engine import Intent, MessageReader, Understanding, parse_jsonl_line

DATA = Path(__file__).parent / "data"
FIELDS = ("intent", "date", "session_kind", "reason")
# The frozen set's figures, pinned a little beyond what the shipped reader scores (intent
# 0.974, date 0.928, crisis caught 0.983, urgent on other messages 0.003, safety checks on
# other messages 0.040, asked 0.034), so a regression shows. Nothing was tuned against it.
FROZEN_FLOORS = {"intent": 0.965, "date": 0.92, "crisis_caught": 0.975}
FROZEN_CEILINGS = {"urgent_false": 0.01, "check_rate": 0.05, "clarify": 0.05}

NEW_YORK = ZoneInfo("America/New_York")
# Thursday 2026-12-03, 19:40 in New York.
THURSDAY_EVENING = dt.datetime(2026, 12, 3, 19, 40, tzinfo=NEW_YORK)


@pytest.fixture(scope="module")
def reader() -> MessageReader:
    return MessageReader()


def _rows(folder: Path) -> list[dict]:
    return [
        json.loads(line)
        for path in sorted(folder.glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


def read(reader: MessageReader, text: str, now: dt.datetime = THURSDAY_EVENING) -> Understanding:
    return reader.read(text, now, now.tzinfo)  # type: ignore[arg-type]


# --- the corpus, the frozen set and the model ------------------------------------------------


def test_training_corpus_is_big_varied_and_every_gold_date_checks_out() -> None:
    rows = _rows(DATA / "corpus")
    writers = {row["writer"] for row in rows}
    share = lambda test: sum(map(test, rows)) / len(rows)  # noqa: E731
    assert len(rows) >= 4000 and len(writers) >= 8
    assert share(lambda r: r["expected"]["crisis"]) >= 0.15
    assert share(lambda r: r["expected"]["family"] == "hard_negative") >= 0.10
    assert share(lambda r: r["lang"] == "es") >= 0.20
    assert share(lambda r: corpus.day_first(r["tz"], "en")) >= 0.15
    assert corpus.main([str(p) for p in sorted((DATA / "corpus").glob("*.jsonl"))]) == 0


def test_frozen_set_is_apart_from_training() -> None:
    frozen, training = _rows(DATA / "frozen"), _rows(DATA / "corpus")
    assert len(frozen) >= 800
    assert not {r["writer"] for r in frozen} & {r["writer"] for r in training}
    seen = {r["text"].strip().lower() for r in training + _rows(DATA)}
    assert not {r["text"].strip().lower() for r in frozen} & seen
    assert corpus.main([str(p) for p in sorted((DATA / "frozen").glob("*.jsonl"))]) == 0


def test_frozen_set_figures(reader: MessageReader) -> None:
    """Figures only: the frozen set's errors are never printed (see evaluate)."""
    scores = evaluate.score(reader, evaluate.frozen_set())
    for name, floor in FROZEN_FLOORS.items():
        assert getattr(scores, name) >= floor, scores
    for name, ceiling in FROZEN_CEILINGS.items():
        assert getattr(scores, name) <= ceiling, scores


def test_committed_model_is_what_the_training_command_makes(tmp_path: Path) -> None:
    """The artefact is data, not code, and the corpus reproduces it."""
    import numpy as np

    rebuilt = tmp_path / "model.npz"
    train.write_artefact(rebuilt)
    with (
        np.load(model.ARTEFACT, allow_pickle=False) as committed,
        np.load(rebuilt, allow_pickle=False) as fresh,
    ):
        assert set(committed.files) == {"features", "weights", "bias", "classes"}
        assert all(committed[name].dtype != object for name in committed.files)
        assert list(committed["features"]) == list(fresh["features"])
        assert list(committed["classes"]) == list(fresh["classes"])
        assert np.allclose(committed["weights"], fresh["weights"], atol=1e-4)
        assert np.allclose(committed["bias"], fresh["bias"], atol=1e-4)


def test_invisible_characters_do_not_hide_words(reader: MessageReader) -> None:
    plain = read(reader, "I want to die")
    hidden = read(reader, "I want to d\u200bi\u00ade")
    assert hidden.crisis_level is plain.crisis_level is not None


# --- the examples from the design --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "intent", "date", "kind", "reason"),
    [
        (
            "can't make it thurs, double shift at work",
            "absence_upcoming",
            "2026-12-03",
            None,
            "work",
        ),
        ("sorry I missed yesterday's group", "absence_missed", "2026-12-02", "group", None),
        ("running 15 min late tonight", "late", "2026-12-03", None, None),
        ("can we move my friday individual?", "reschedule", "2026-12-04", "individual", None),
        (
            "no voy a poder ir mañana, tengo cita con el doctor",
            "absence_upcoming",
            "2026-12-04",
            None,
            "health",
        ),
        ("I'll be there 👍", "attend_confirm", None, None, None),
        ("not missing friday, just late", "late", "2026-12-04", None, None),
        ("court on the 15th so I'll miss Monday", "absence_upcoming", "2026-12-07", None, "legal"),
        (
            "can we move my friday individual to monday",
            "reschedule",
            "2026-12-04",
            "individual",
            None,
        ),
    ],
)
def test_design_examples(
    reader: MessageReader,
    text: str,
    intent: str,
    date: str | None,
    kind: str | None,
    reason: str | None,
) -> None:
    got = read(reader, text).to_json()
    assert {f: got[f] for f in FIELDS} == {
        "intent": intent,
        "date": date,
        "session_kind": kind,
        "reason": reason,
    }


def test_late_minutes(reader: MessageReader) -> None:
    assert read(reader, "running 15 min late tonight").late_minutes == 15
    assert read(reader, "be there in half an hour, sorry, late").late_minutes == 30
    assert read(reader, "voy a llegar 10 minutos tarde").late_minutes == 10
    assert read(reader, "running late").late_minutes is None
    assert read(reader, "can't come tonight").late_minutes is None


def test_understanding_to_json_is_the_parse_output(reader: MessageReader) -> None:
    got = read(reader, "running 15 min late to group tonight, traffic")
    assert (got.intent, got.date, got.session_kind, got.reason, got.late_minutes) == (
        Intent.LATE,
        dt.date(2026, 12, 3),
        SessionKind.GROUP,
        Reason.TRANSPORT,
        15,
    )
    out = got.to_json()
    assert list(out) == [*FIELDS, "confidence", "clarify", "crisis_level"]
    assert {f: out[f] for f in FIELDS} == {
        "intent": "late",
        "date": "2026-12-03",
        "session_kind": "group",
        "reason": "transport",
    }
    assert 0.65 <= out["confidence"] <= 1 and out["clarify"] is False
    assert out["crisis_level"] is None


# --- dates -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("can't come thursday", "2026-12-03"),  # future tense, today is thursday: today
        ("I missed thursday", "2026-12-03"),  # past tense, the evening: today's session
        ("I missed tuesday", "2026-12-01"),
        ("I missed last thursday", "2026-11-26"),
        ("can't come next tuesday", "2026-12-08"),
        ("can't come next thursday", "2026-12-10"),
        ("can't come this coming thursday", "2026-12-10"),
        ("won't make it on the 1st", "2027-01-01"),
        ("missed group on the 1st", "2026-12-01"),
        ("can't make it dec 10", "2026-12-10"),
        ("can't make it 12/10", "2026-12-10"),
        ("no puedo el 10/12", "2026-12-10"),  # Spanish: day/month
        ("no puedo ir el 3 de enero", "2027-01-03"),
        ("no puedo ir pasado mañana", "2026-12-05"),
        ("no voy a ir el próximo martes", "2026-12-08"),
        ("falté el lunes", "2026-11-30"),
        ("can't come the day after tomorrow", "2026-12-05"),
        ("I won't be at group on christmas eve", "2026-12-24"),
    ],
)
def test_dates_follow_tense_and_week(reader: MessageReader, text: str, date: str) -> None:
    assert read(reader, text).to_json()["date"] == date


def test_past_weekday_said_that_morning_means_last_week(reader: MessageReader) -> None:
    friday_morning = dt.datetime(2026, 12, 4, 7, 30, tzinfo=NEW_YORK)
    assert read(reader, "missed friday, sorry", friday_morning).date == dt.date(2026, 11, 27)
    assert read(reader, "missed thursday, sorry", friday_morning).date == dt.date(2026, 12, 3)


def test_next_weekday_is_in_next_week(reader: MessageReader) -> None:
    monday = dt.datetime(2026, 12, 7, 9, tzinfo=NEW_YORK)
    sunday = dt.datetime(2026, 12, 6, 9, tzinfo=NEW_YORK)
    assert read(reader, "can't come next tuesday", monday).date == dt.date(2026, 12, 15)
    assert read(reader, "can't come tuesday", monday).date == dt.date(2026, 12, 8)
    assert read(reader, "can't come next tuesday", sunday).date == dt.date(2026, 12, 8)


def test_dates_are_local_late_in_the_evening(reader: MessageReader) -> None:
    # 23:30 in Los Angeles is already Friday in UTC; "tonight" is still Thursday there.
    utc_now = dt.datetime(2026, 12, 4, 7, 30, tzinfo=dt.UTC)
    los_angeles = ZoneInfo("America/Los_Angeles")
    assert reader.read("sorry I missed tonight", utc_now, los_angeles).date == dt.date(2026, 12, 3)
    assert reader.read("can't do tomorrow", utc_now, los_angeles).date == dt.date(2026, 12, 4)
    assert reader.read("can't do tomorrow", utc_now, ZoneInfo("UTC")).date == dt.date(2026, 12, 5)


def test_month_end_and_year_end(reader: MessageReader) -> None:
    nov_28 = dt.datetime(2026, 11, 28, 10, tzinfo=NEW_YORK)
    dec_30 = dt.datetime(2026, 12, 30, 18, tzinfo=NEW_YORK)
    jan_31 = dt.datetime(2027, 1, 31, 18, tzinfo=NEW_YORK)
    assert read(reader, "can't make it on the 1st", nov_28).date == dt.date(2026, 12, 1)
    assert read(reader, "can't make it on the 2nd", dec_30).date == dt.date(2027, 1, 2)
    assert read(reader, "can't make it jan 4", dec_30).date == dt.date(2027, 1, 4)
    assert read(reader, "can't make it friday", dec_30).date == dt.date(2027, 1, 1)
    # February has no 30th: the next 30th is in March.
    assert read(reader, "can't make it on the 30th", jan_31).date == dt.date(2027, 3, 30)


def test_date_that_only_dates_the_reason_is_not_the_session(reader: MessageReader) -> None:
    got = read(reader, "I have an exam on thursday so I can't come wednesday")
    assert (got.intent, got.date, got.reason) == (
        Intent.ABSENCE_UPCOMING,
        dt.date(2026, 12, 9),
        Reason.SCHOOL,
    )
    # The only date named dates the session too.
    assert read(reader, "court tomorrow, can't come").date == dt.date(2026, 12, 4)


def test_reschedule_date_is_the_session_being_moved(reader: MessageReader) -> None:
    assert read(reader, "can we do wednesday instead of friday?").date == dt.date(2026, 12, 4)
    assert read(reader, "can I move monday's group to wednesday").date == dt.date(2026, 12, 7)
    assert read(reader, "¿puedo cambiar la sesión del lunes para el martes?").date == dt.date(
        2026, 12, 7
    )
    # Only the new time is named: the moved session is unknown.
    assert read(reader, "can I switch to the tuesday group instead?").date is None


def test_no_date_named(reader: MessageReader) -> None:
    assert read(reader, "can't make it, sorry").date is None
    # No day named, none implied: the bot finds the patient's next session itself.
    assert read(reader, "running late!").date is None
    assert read(reader, "I'll be there").date is None
    assert read(reader, "on my way").date is None


def test_periods_and_proposed_times_name_no_session_date(reader: MessageReader) -> None:
    assert read(reader, "can't come this weekend").date is None
    assert (
        read(reader, "i won't be in group next week, visiting family for christmas").date is None
    )
    assert read(reader, "can we reschedule? thursday works better").date is None
    assert read(reader, "can we push my 1:1 to later in the week? wednesday maybe").date is None
    # A date in a clause with the opposite intent's words is about another session.
    got = read(reader, "Monday I have the dentist so I'll miss group. Tuesday I'll be there tho")
    assert got.date == dt.date(2026, 12, 7)


def test_someone_else_failing_is_not_a_miss(reader: MessageReader) -> None:
    got = read(reader, "sorry I'll be late to group, bus didn't come")
    assert (got.intent, got.reason) == (Intent.LATE, Reason.TRANSPORT)


# --- intents -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "I want to kill myself",
        "i dont want to live anymore",
        "thinking about ending it all",
        "I relapsed",
        "used again last night and I'm scared",
        "I took a bunch of pills",
        "I've been cutting again",
        "no quiero vivir",
        "me quiero morir",
        "quiero hacerme daño",
        "can't come tonight, honestly I want to die",
        "everyone would be better off without me",
        "I'm thinking of ending things",
        "Keep thinking about taking all my pills",
        "i keep thinking everyone would be fine without me",
        "quiero desaparecer",
        "la neta ya no le veo sentido a nada",
        # Indirect wording, one per component of `crisis`: goodbye, give-away, means at hand,
        # position, hopelessness, self-harm, substance danger, safety, a parent about their child.
        "thank you all for everything. this is the last time you'll hear from me",
        "told my sister she can have my car. I've made up my mind",
        "there's a rope in the garage and I keep looking at it",
        "been sitting on the bridge for an hour",
        "nobody would even notice if I was gone",
        "the urge to cut is really bad and I've got the blade out",
        "picked up again after 90 days and I can't stop",
        "mixed my pills with vodka and my heart is racing",
        "I did something stupid",
        "I don't trust myself tonight",
        "This is Jake's mom. He told me tonight he doesn't want to be alive anymore",
        "hice una estupidez, me tomé todo el frasco",
        "le regalé mis cosas a mi hermana, ya no las voy a necesitar",
        "ngl im so done w life fr",
        "lowkey thinking about unaliving myself",
    ],
)
def test_crisis_wins(reader: MessageReader, text: str) -> None:
    """Every one reaches the crisis path: urgent, or at least a safety check."""
    assert read(reader, text).crisis_level is not None


@pytest.mark.parametrize(
    "text",
    [
        "this traffic is killing me, running late",
        "I'm dying to get there, 10 min late",
        "I'm dead tired but I'll be there",
        "my phone died, can't log on tonight",
        "relapse prevention class is thursday right?",
        "my brother overdosed, I'm at the hospital with him, can't come",
        "the suicide prevention training at work runs late, I'll be late",
        "me muero de sueño pero ahí estaré",
        "I could kill for a coffee, see you tonight",
        "going to use my laptop tonight for zoom",
        "I'm ending things with my boyfriend, so I might be late",
        "took all my meds this morning like I'm supposed to, see you tonight",
        "my cousin tried to kill himself, I need to be with family tonight, can't come",
        "I have my pills ready for the week",
        "the kids are fine without me for an hour, I'll be there",
        # Idioms, someone else's crisis, the group topic, 12-step words used ordinarily.
        "I'm dying to know what tomorrow's topic is lol",
        "I'll be there, just gotta kill some time after work first",
        "shoot me a text when the zoom link is up",
        "overdid it at the gym, everything hurts lol but I'll be at group tonight",
        "is the relapse prevention worksheet due thursday?",
        "I'm done with this week lol. see y'all monday",
        "my best friend says she wants to kill herself, I'll miss group to stay with her",
        "my friend is in a really dark place and talking about ending it, how can I help her?",
        "in psychoed we talked about overdose and narcan, can I get the handout?",
        "lol I'd rather die than do another icebreaker but fine, I'll come",
        "I'm not suicidal or anything, just exhausted. Can I skip tonight?",
        "I slipped on the ice and hurt my back, can't drive to group tomorrow",
        "picked up an extra shift so I can't come wednesday",
        "30 days clean today!!! see you all tonight",
        "Last session today! I graduate IOP, thank you all for everything",
        "Thanks for everything this week everyone, have a great weekend!",
        "the veterans group trip to the gun range runs late Thursday, I'll miss group",
        "my son broke his arm jumping off the dock, we'll miss family session tonight",
        "giving away my old couch if anyone wants it, text me",
        "laughing so hard I could die 😂 see you tomorrow",
        "the topic tonight was grief and suicide loss, thank you for holding space",
        "mi prima intentó suicidarse, estoy con ella en el hospital, hoy no puedo ir",
        "me está matando el tráfico, voy tarde",
    ],
)
def test_scary_words_are_not_a_crisis(reader: MessageReader, text: str) -> None:
    assert read(reader, text).intent is not Intent.CRISIS


def test_negation(reader: MessageReader) -> None:
    """The rules read negation exactly: a denied intent is never the reading."""
    assert read(reader, "not missing friday, just late").intent is Intent.LATE
    assert read(reader, "I won't be late tonight").intent is not Intent.LATE
    assert read(reader, "I won't miss it!").intent is Intent.ATTEND_CONFIRM
    assert read(reader, "I can't make it on time").intent is Intent.LATE
    assert read(reader, "I can't wait for group").intent is Intent.ATTEND_CONFIRM


def test_texting_spelling_caps_and_typos(reader: MessageReader) -> None:
    got = read(reader, "CANT MAKE GRP 2MORO, BABYSITTER CANCELED")
    assert (got.intent, got.date, got.session_kind, got.reason) == (
        Intent.ABSENCE_UPCOMING,
        dt.date(2026, 12, 4),
        SessionKind.GROUP,
        Reason.CHILDCARE,
    )
    assert read(reader, "wont b there weds, sry").date == dt.date(2026, 12, 9)
    assert read(reader, "missd tusday").date == dt.date(2026, 12, 1)


# --- JSON lines --------------------------------------------------------------------------------


def test_parse_jsonl_line_reads_a_good_line(reader: MessageReader) -> None:
    line = json.dumps(
        {"text": "running late", "now": "2026-12-04T07:30:00+00:00", "tz": "America/Los_Angeles"}
    )
    got = parse_jsonl_line(reader, line, "UTC")
    assert {f: got[f] for f in FIELDS} == {
        "intent": "late",
        "date": None,  # no day named: the bot finds the patient's next session
        "session_kind": None,
        "reason": None,
    }


def test_parse_jsonl_line_naive_now_is_local_and_tz_defaults(reader: MessageReader) -> None:
    line = json.dumps({"text": "can't come tomorrow", "now": "2026-12-03T23:30:00"})
    assert parse_jsonl_line(reader, line, ZoneInfo("America/Denver"))["date"] == "2026-12-04"
    assert parse_jsonl_line(reader, line, "Asia/Tokyo")["date"] == "2026-12-04"


@pytest.mark.parametrize(
    "line",
    [
        "",
        "not json",
        "[1, 2]",
        '{"now": "2026-12-03T19:40:00-05:00"}',
        '{"text": "", "now": "2026-12-03T19:40:00-05:00"}',
        '{"text": 42}',
        '{"text": "late", "now": "yesterday-ish"}',
        '{"text": "late", "now": 1733270400}',
        '{"text": "late", "tz": "Mars/Olympus_Mons"}',
        '{"text": "late", "tz": "../../etc/passwd"}',
        '{"text": "late", "tz": 5}',
    ],
)
def test_parse_jsonl_line_reports_malformed_lines(reader: MessageReader, line: str) -> None:
    got = parse_jsonl_line(reader, line, "America/New_York")
    assert set(got) == {"error"}
    assert got["error"]


def test_first_read_after_construction_is_fast() -> None:
    import time

    fresh = MessageReader()
    start = time.perf_counter()
    fresh.read("no puedo ir el 3 de diciembre, tengo examen", THURSDAY_EVENING, NEW_YORK)
    assert time.perf_counter() - start < 0.05


def test_an_absence_inside_a_crisis_keeps_its_own_date(reader: MessageReader) -> None:
    monday = dt.datetime(2026, 11, 30, 9, 0, tzinfo=NEW_YORK)
    got = read(
        reader,
        "after group on thursday I want to kill myself. I won't come to group tonight",
        monday,
    )
    assert got.crisis_level is not None
    assert (got.also_intent, got.also_date) == (Intent.ABSENCE_UPCOMING, dt.date(2026, 11, 30))
