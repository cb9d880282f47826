"""Read a patient's free-text message: intent, session date, session kind, reason.

Hand-written rules over a normalised text (see `text.normalize`), because the vocabulary is
small, the answers must be explainable to a clinician, and a message must be read in about a
millisecond. Date words are resolved against the patient's local "now"; see `dates`.

Choices made where the wording is ambiguous:

- Crisis language wins over every other intent, indirect wording included. It is read by
  meaning components combined by rules (see `crisis`): ending/death words with a wish frame,
  hopelessness, a means with a quantity or at hand, self-harm, substance use with danger,
  "not safe", farewells (one strong sign or two weak ones). Scary words about someone else
  ("my brother relapsed", "my friend wants to kill herself": `other`, forwardable), idioms
  ("traffic is killing me", "dying to know", "rather die than"), the group's topic ("relapse
  prevention worksheet", "talked about overdose"), a breakup, negation ("I'm not suicidal") and
  meds as prescribed are not a crisis; a parent writing about their own child is. Recall wins:
  a false alarm only shows the crisis line. "right now" in a crisis names no session date.
- "that monday" points back to a date named earlier, so it is not a second session date.
- A weekday alone follows the tense of its clause: future -> the next one (today included),
  past -> the last one. In the past tense, today's weekday means today from noon on (the
  session may be over) and a week ago before noon. "last X" is strictly before today; "next X"
  is X in the week starting next Monday; "this coming X" / "el X que viene" is the next X,
  a week ahead when X is today. Spanish d/m and English m/d for "3/12". A whole week or
  weekend ("next week", "this weekend", "la semana que viene") names no single date: when it is
  the session's, `date` is None; "monday's group last week" is the monday of last week.
- `date` is the session the message is about. In a reschedule it is the session being moved
  ("instead of X", "from X" are old; "to X", "for X" after a move verb, anything after "move
  ... to" in the same clause, "X instead", "X works", and a later sentence proposing times
  ("wednesday or thursday maybe") are new); when only the new time is named, `date` is None.
  A date that only dates the reason ("court on the 15th so I'll miss monday") is dropped when
  another date (or a week) is named.
- An absence or confirmation takes only a date on its side of today ("my brother overdosed last
  night, can't make group" names no session date). With several dates, the one in the clause
  holding the intent's own words wins ("clocks change tonight. see everyone sunday" -> sunday),
  and a date in a clause with the opposite intent's words is another session's ("I'll miss
  thursday. wednesday I'll be there" -> thursday). "the bus didn't come" is not the patient's
  miss. Crisis and `other` take the first real date ("relapsed over the weekend, scared to come
  tonight" -> today).
- `session_kind` is the first kind named outright; "my therapist/counselor" means `individual`
  only when no kind is named ("my counselor said I could switch to support group" -> support).
  "monday's class" / "the class" is the session (kind None), not school. "I'll try to make it",
  "I will be present", "so I can make group" are confirmations; "idk if I can come" is an
  absence; "went to X instead of group" and "I apologise for not attending" admit a miss;
  "my hearing got moved to friday" moves something else, not the session.
- No date named: `late` means today (lateness is about now), "on my way"/"logging on" means
  today, anything else is None.
- `reason` is read only for absences, lateness and reschedules. Keywords decide it; a relative
  who is ill is `family` (a child is `childcare`); an explicit "because ..." that matches no
  category is `other`. A message with no absence verb but the patient's own illness or low
  motivation ("flu 🤒") is read as an absence; a question sentence does not count. "on zoom" /
  "in person" is where the session is, not a technology problem; a shift at a hospital is work.
  A clock change ("clocks go back", "DST", "cambio de hora") is `other`.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import json
import re
from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.config import Config
from bot.kinds import Reason, SessionKind
from bot.understanding import crisis, rules
from bot.understanding.dates import (
    Mention,
    MonthDayReader,
    Tense,
    day_first,
    find_mentions,
    resolve,
)
from bot.understanding.features import features
from bot.understanding.model import IntentModel
from bot.understanding.text import normalize

__all__ = [
    "CrisisLevel",
    "Intent",
    "MessageReader",
    "Thresholds",
    "Understanding",
    "parse_jsonl_line",
]


class Intent(StrEnum):
    ABSENCE_UPCOMING = "absence_upcoming"
    ABSENCE_MISSED = "absence_missed"
    LATE = "late"
    RESCHEDULE = "reschedule"
    ATTEND_CONFIRM = "attend_confirm"
    CRISIS = "crisis"
    OTHER = "other"


class CrisisLevel(StrEnum):
    URGENT = "urgent"  # clear crisis wording: the crisis reply and an urgent alert
    CHECK = "check"  # possibly a crisis: the crisis line and "Are you safe right now?"


@dataclass(frozen=True)
class Thresholds:
    """Where the learned probabilities turn into actions; chosen by leave-one-writer-out
    cross-validation on the training corpus (``python -m bot.understanding.train --cv``)."""

    # Figures from that cross-validation (4,560 messages, eleven writers, each read by a
    # model that never saw its writer), with all four thresholds: 85% of crises urgent and
    # 0.8% of other messages; 98.5% of crises reach a check, which 7% of the others get;
    # clarify_below 0.65 asks about 10% of messages and is right on 95% of the rest.
    urgent_above: float = 0.7  # crisis probability that means urgent
    # A direct first-person statement the rules know ("me quiero morir") is urgent from this
    # probability, and earns a safety check whatever the model says.
    explicit_above: float = 0.4
    check_above: float = 0.2  # crisis probability that earns a safety check
    clarify_below: float = 0.65  # below this confidence the bot asks instead of acting

    @classmethod
    def from_config(cls, config: Config) -> Thresholds:
        """The clinic's choices (``[safety]`` and ``[understanding]``)."""
        return cls(
            urgent_above=config.safety.urgent_above,
            check_above=config.safety.check_above,
            clarify_below=config.understanding.clarify_below,
        )


@dataclass(frozen=True)
class Understanding:
    """How the bot reads one message.

    With ``crisis_level`` "check", ``intent`` is the best other reading (the message may also
    report an absence); ``alternatives`` are the likeliest readings other than crisis, best
    first, for the question the bot asks when ``clarify`` is set.
    """

    intent: Intent
    date: dt.date | None
    session_kind: SessionKind | None
    reason: Reason | None
    late_minutes: int | None = None
    confidence: float = 1.0
    clarify: bool = False
    crisis_level: CrisisLevel | None = None
    alternatives: tuple[Intent, ...] = ()
    # Beside a crisis: an absence the message also reports, when the model and the rules
    # both read it ("the pills are on my nightstand ... won't make it to group tomorrow").
    also_intent: Intent | None = None
    also_date: dt.date | None = None  # the absence's session, read as an absence's date

    def to_json(self) -> dict[str, str | float | bool | None]:
        """Return the `iop-bot parse` output."""
        return {
            "intent": str(self.intent),
            "date": self.date.isoformat() if self.date else None,
            "session_kind": str(self.session_kind) if self.session_kind else None,
            "reason": str(self.reason) if self.reason else None,
            "confidence": round(self.confidence, 3),
            "clarify": self.clarify,
            "crisis_level": str(self.crisis_level) if self.crisis_level else None,
        }


_ABSENCES = frozenset({Intent.ABSENCE_UPCOMING, Intent.ABSENCE_MISSED})
_REASON_INTENTS = frozenset(
    {Intent.ABSENCE_UPCOMING, Intent.ABSENCE_MISSED, Intent.LATE, Intent.RESCHEDULE}
)
_SPANISH_WORDS = re.compile(
    r"\b(?:no|voy|que|el|la|de|tengo|puedo|hoy|pero|estoy|mi|con|por|para|ir|es|una|un|los|las|"
    r"se|me|manana|ayer|sesion|grupo|llegar|porque|lo|hola|gracias|anoche|esta|muy|estare)\b"
)
_ENGLISH_WORDS = re.compile(
    r"\b(?:i|the|to|my|and|can't|is|be|it|you|tonight|tomorrow|group|session|will|i'm|for|on|"
    r"at|late|sorry|make|have|won't|today|this|going|just|so|of|with|but|missed|hey|hi)\b"
)
_SESSION_WORDS = re.compile(
    r"\b(?:group|session|individual|therapy|class|grupo|sesion|terapia|iop|miss|missed|"
    r"make it|come|be there|late|skip\w*)\b"
)


# A session named, or one implied by the words for missing, joining or thanking for it.
_ABOUT_A_SESSION = re.compile(
    r"\b(?:group|session|individual|family session|therapy|class|psychoed|support|meeting|"
    r"appointment|appt|grupo|sesion|terapia|clase|cita|reunion|iop)\b"
    r"|\b(?:thanks?|thx|ty|thank you|gracias) (?:for|por) (?:today|tonight|hoy)\b"
    r"|\bfrom (?:today|tonight)\b|\bmiss(?:ed|ing)?\b|\bfalt(?:e|ar|o)\b"
    rf"|{rules.UPCOMING.pattern}|{rules.MISSED.pattern}|{rules.LATE.pattern}"
)


# Words that, in a date's own clause, tie that date to another intent than the message's.
_ABSENCE_WORDS = re.compile(f"{rules.UPCOMING.pattern}|{rules.MISSED.pattern}")
_CONTRARY: dict[Intent, re.Pattern[str]] = {
    Intent.ABSENCE_UPCOMING: rules.CONFIRM,
    Intent.ABSENCE_MISSED: rules.CONFIRM,
    Intent.ATTEND_CONFIRM: _ABSENCE_WORDS,
}


class MessageReader:
    """Read messages; build once and reuse (the date parser and the model load at construction)."""

    def __init__(self, thresholds: Thresholds = Thresholds()) -> None:
        self.thresholds = thresholds
        self._model = IntentModel.load()
        self._month_day = MonthDayReader()
        # Warm every rule path once so the first real message is as fast as the rest.
        self.read(
            "can't make it thurs, running 15 min late, dec 3, el 15, 3/12",
            dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC),
            ZoneInfo("UTC"),
        )

    def read(self, text: str, now: dt.datetime, tz: ZoneInfo) -> Understanding:
        """Read `text` sent at the aware instant `now` by a patient living in `tz`."""
        local_now = now.astimezone(tz)
        norm = normalize(text)
        spanish = len(_SPANISH_WORDS.findall(norm)) > len(_ENGLISH_WORDS.findall(norm))
        rule_intent, trigger, crisis_words = rule_reading(norm, text)
        probabilities = self._model.probabilities(features(norm, rule_intent.value, crisis_words))
        crisis_p = probabilities.pop(Intent.CRISIS.value)
        # Negation is read exactly by the rules: "I won't be late" is never a late notice.
        for intent in _negated(norm):
            probabilities.pop(intent.value, None)
        ranked = sorted(probabilities, key=probabilities.__getitem__, reverse=True)
        best = Intent(ranked[0])
        limits = self.thresholds
        explicit = crisis_words == "explicit"
        if crisis_p >= limits.urgent_above or (explicit and crisis_p >= limits.explicit_above):
            level: CrisisLevel | None = CrisisLevel.URGENT
        elif crisis_p >= limits.check_above or explicit:
            level = CrisisLevel.CHECK
        else:
            level = None
        intent = Intent.CRISIS if level is CrisisLevel.URGENT else best
        if level is CrisisLevel.URGENT:
            confidence = crisis_p
        else:
            confidence = probabilities[best.value] / sum(probabilities.values())
        # The rules' deciding words place the date only when the rules read the same intent.
        mentions = find_mentions(norm, day_first(tz.key, spanish), self._month_day.month_day)
        date_trigger = trigger if rule_intent is intent else None
        date = _session_date(norm, intent, date_trigger, mentions, local_now)
        also = best if level is not None and rule_intent is best and best in _ABSENCES else None
        also_date = (
            _session_date(norm, also, trigger, mentions, local_now) if also is not None else None
        )
        kind, kind_spans = _session_kind(norm)
        reason_intent = also or intent
        reason = _reason(_blank(norm, kind_spans)) if reason_intent in _REASON_INTENTS else None
        minutes = _late_minutes(norm) if intent is Intent.LATE else None
        return Understanding(
            intent,
            date,
            kind,
            reason,
            minutes,
            confidence=confidence,
            clarify=level is None and confidence < limits.clarify_below,
            crisis_level=level,
            alternatives=tuple(Intent(name) for name in ranked[:2]),
            also_intent=also,
            also_date=also_date,
        )

    def read_reason(self, text: str) -> Reason | None:
        """Read a bare reason ("my car broke down"), as answered to "why?"."""
        return _reason(normalize(text))

    def read_new_time(self, text: str, now: dt.datetime, tz: ZoneInfo) -> NewTime:
        """The day and clock time a message asks for or offers ("tue 4pm", "could I do
        thursday's group on friday instead?" -> friday): for a move, the new time, not the
        session being moved. Days ahead of ``now`` (today counts); either part may be None."""
        local_now = now.astimezone(tz)
        norm = normalize(text)
        spanish = len(_SPANISH_WORDS.findall(norm)) > len(_ENGLISH_WORDS.findall(norm))
        mentions = find_mentions(norm, day_first(tz.key, spanish), self._month_day.month_day)
        days = [(m, resolve(m, local_now.date(), Tense.FUTURE, local_now.hour)) for m in mentions]
        days = [(m, d) for m, d in days if d is not None]
        new = [
            d for m, d in days if _is_new_time(norm[: m.start], norm[m.end :]) or len(days) == 1
        ]
        return NewTime(new[-1] if new else None, _clock_time(norm))


@dataclass(frozen=True)
class NewTime:
    day: dt.date | None
    time: dt.time | None


# "4pm", "4:30 pm", "4:00 p. m.", "16:00", "16h30", "noon"; a bare "4" is not a time.
_CLOCK = re.compile(
    r"\b(?P<h>\d{1,2})(?:[:.h](?P<m>\d{2}))?\s*(?P<ampm>[ap]\.?\s?m\b\.?)"
    r"|\b(?P<h24>[01]?\d|2[0-3])(?::|h)(?P<m24>[0-5]\d)\b"
    r"|\b(?P<noon>noon|midday|mediod[ií]a)\b"
)


def _clock_time(norm: str) -> dt.time | None:
    found = _CLOCK.search(norm)
    if found is None:
        return None
    if found["noon"]:
        return dt.time(12, 0)
    if found["h24"]:
        return dt.time(int(found["h24"]), int(found["m24"]))
    hour, minute = int(found["h"]), int(found["m"] or 0)
    if not 1 <= hour <= 12 or minute > 59:
        return None
    afternoon = found["ampm"].startswith("p")
    return dt.time(hour % 12 + (12 if afternoon else 0), minute)


# --- intent ------------------------------------------------------------------------------------


def rule_reading(norm: str, raw: str) -> tuple[Intent, int | None, str]:
    """What the hand-written rules make of a message: their intent apart from crisis, where
    its deciding words start (None when nothing marks it), and which crisis words are in it
    ("explicit" first-person statements, "indirect" signs, or ""). The learned model reads
    these as features; dates use the position."""
    intent, trigger = _classify(norm, raw)
    if crisis.is_explicit_crisis(norm, rules.CRISIS_FIRST_PERSON):
        words = "explicit"
    elif _is_crisis(norm):
        words = "indirect"
    else:
        words = ""
    return intent, trigger, words


def _negated(norm: str) -> tuple[Intent, ...]:
    """The intents the message denies ("won't be late", "not missing friday", "can't make
    it on time")."""
    if rules.NOT_LATE.search(norm):
        return (Intent.LATE,)
    if rules.NEGATED_ABSENCE.search(norm) or rules.NOT_ABSENT_JUST_LATE.search(norm):
        return (Intent.ABSENCE_UPCOMING, Intent.ABSENCE_MISSED)
    return ()


def _classify(norm: str, raw: str) -> tuple[Intent, int | None]:
    """Return the intent other than crisis and where its deciding words start."""
    # Order matters: an admitted miss before a plea to reschedule it; clear absences before
    # the weaker signs of lateness ("can't come, ... picking up late").
    # Blank rather than delete, so positions still index `norm`.
    unnegated = _blank_matches(rules.NEGATED_ABSENCE, norm)
    not_late = _blank_matches(rules.NOT_LATE, norm)
    if (m := _first_person_match(rules.MISSED, unnegated)) is not None:
        return Intent.ABSENCE_MISSED, m
    steps: tuple[tuple[Intent, re.Pattern[str], str], ...] = (
        (Intent.RESCHEDULE, rules.RESCHEDULE, norm),
        (Intent.LATE, rules.LATE, not_late),
        (Intent.ABSENCE_UPCOMING, rules.UPCOMING, unnegated),
        (Intent.LATE, rules.LATE_WEAK, not_late),
        (Intent.ATTEND_CONFIRM, rules.CONFIRM, norm),
    )
    for intent, pattern, text in steps:
        if (match := pattern.search(text)) is not None:
            return intent, match.start()
    if rules.CONFIRM_EMOJI.search(raw) or rules.CONFIRM_SHORT.match(norm):
        return Intent.ATTEND_CONFIRM, None
    # "will i get charged if i miss tomorrow?" asks; it does not report an absence.
    if "?" not in norm and (match := rules.UPCOMING_WEAK.search(unnegated)):
        return Intent.ABSENCE_UPCOMING, match.start()
    if _reason_implies_absence(norm):
        past = _text_tense(norm) is Tense.PAST
        return (Intent.ABSENCE_MISSED if past else Intent.ABSENCE_UPCOMING), None
    return Intent.OTHER, None


def _blank_matches(pattern: re.Pattern[str], text: str) -> str:
    return pattern.sub(lambda m: " " * len(m.group()), text)


def _first_person_match(pattern: re.Pattern[str], text: str) -> int | None:
    """Return where `pattern` first matches about the patient ("the bus didn't come" is not)."""
    for match in pattern.finditer(text):
        if not rules.OTHER_SUBJECT_BEFORE.search(text, max(0, match.start() - 30), match.start()):
            return match.start()
    return None


def _reason_implies_absence(norm: str) -> bool:
    """Return True for "flu, staying in bed" style messages: a reason with no absence verb."""
    if rules.LEAVE_EARLY.search(norm):
        return False
    kind, spans = _session_kind(norm)
    # The reason must be stated, not asked ("will i be charged if i'm sick?"); the session it
    # keeps the patient from may be named in a question ("notes from monday's group? had to work").
    statements = rules.QUESTION_SENTENCE.sub(lambda m: " " * len(m.group()), norm)
    reason = _reason(_blank(statements, spans))
    if reason in (Reason.HEALTH, Reason.MOTIVATION):
        return True  # the patient's own state is reason enough to expect an absence
    if reason in (None, Reason.OTHER, Reason.TECHNOLOGY, Reason.TRANSPORT):
        return False
    # A relative, a job, a class: only when the message is about a session.
    return kind is not None or bool(rules.ABOUT_A_SESSION.search(norm))


def _is_crisis(norm: str) -> bool:
    """Return True for crisis language about the patient themself (see `crisis`)."""
    return crisis.is_crisis(norm, rules.CRISIS_FIRST_PERSON)


def _text_tense(norm: str) -> Tense:
    if rules.PAST.search(norm) and not rules.STRONG_FUTURE.search(norm):
        return Tense.PAST
    return Tense.FUTURE


# --- date --------------------------------------------------------------------------------------


def _session_date(
    norm: str,
    intent: Intent,
    trigger: int | None,
    mentions: list[Mention],
    local_now: dt.datetime,
) -> dt.date | None:
    today = local_now.date()
    if intent is Intent.CRISIS:
        # "I can't keep myself safe right now" is about the moment, not a session's day.
        mentions = [m for m in mentions if norm[m.start : m.end] != "right now"]
    if intent in (Intent.CRISIS, Intent.OTHER):
        # Here a date names a session only next to one ("is group on monday?"), not the day
        # something else happened ("gave my guitar away today").
        mentions = [m for m in mentions if _found(_ABOUT_A_SESSION, _clause(norm, m))]
    if not mentions:
        return None  # no day named: the session is found later (the next one, for "late")
    default = _default_tense(norm, intent)
    # A period ("next week") keeps its place with no date: it names the session, not a day.
    resolved = [
        (m, resolve(m, today, _mention_tense(norm, m, default), local_now.hour)) for m in mentions
    ]
    resolved = [(m, d) for m, d in resolved if d is not None or m.kind == "period"]
    # "last week I missed wednesday": the day is more precise than the week around it.
    dated_clauses = {_clause_bounds(norm, m.start) for m, d in resolved if d is not None}
    resolved = [
        (m, d)
        for m, d in resolved
        if m.kind != "period" or _clause_bounds(norm, m.start) not in dated_clauses
    ]
    if not resolved:
        return None
    if intent is Intent.RESCHEDULE:
        return _moved_session_date(norm, [(m, d) for m, d in resolved if d is not None])
    resolved = _narrow(norm, intent, trigger, resolved)
    # An absence or confirmation is about a session on the side of today its tense says;
    # "my brother overdosed last night, can't make group" names no date for the session.
    if intent is Intent.ABSENCE_MISSED:
        return next((d for _, d in resolved if d is None or d <= today), None)
    if intent in (Intent.ABSENCE_UPCOMING, Intent.ATTEND_CONFIRM):
        return next((d for _, d in resolved if d is None or d >= today), None)
    # Elsewhere a period is background ("relapsed over the weekend, scared to come tonight").
    return next((d for _, d in resolved if d is not None), None)


def _narrow(
    norm: str,
    intent: Intent,
    trigger: int | None,
    resolved: list[tuple[Mention, dt.date | None]],
) -> list[tuple[Mention, dt.date | None]]:
    """Keep the dates about the session this message is about, when several are named."""
    if len(resolved) > 1:
        # "court on the 14th so I'll miss group that monday": "that" points back to a date.
        named = [(m, d) for m, d in resolved if not norm[: m.start].endswith("that ")]
        resolved = named or resolved
    if len(resolved) > 1 and intent in _CONTRARY:
        # "i'll miss thursday. wednesday i'll be there": a date with the opposite intent's words
        # is about another session.
        own = [(m, d) for m, d in resolved if not _found(_CONTRARY[intent], _clause(norm, m))]
        resolved = own or resolved
    if len(resolved) > 1:
        # "court on the 15th so i'll miss monday": the 15th only dates the reason.
        about_session = [(m, d) for m, d in resolved if not _dates_reason_only(norm, m)]
        resolved = about_session or resolved
    if len(resolved) > 1 and trigger is not None:
        # "clocks change tonight. see everyone sunday": the date next to the intent's words.
        start, end = _clause_bounds(norm, trigger)
        near = [(m, d) for m, d in resolved if start <= m.start < end]
        resolved = near or resolved
    return resolved


def _default_tense(norm: str, intent: Intent) -> Tense:
    if intent is Intent.ABSENCE_MISSED:
        return Tense.PAST
    if intent in (Intent.CRISIS, Intent.OTHER, Intent.LATE):
        return _text_tense(norm)
    return Tense.FUTURE


def _clause(norm: str, mention: Mention) -> str:
    start, end = _clause_bounds(norm, mention.start)
    return norm[start:end]


def _clause_bounds(norm: str, pos: int) -> tuple[int, int]:
    """The clause around ``pos``: between the last split ending at or before it and the next
    split starting at or after it (bisected: a long message with many dates stays linear)."""
    starts, ends = _splits(norm)
    i = bisect.bisect_right(ends, pos)
    j = bisect.bisect_left(starts, pos, lo=i)
    return (ends[i - 1] if i else 0), (starts[j] if j < len(starts) else len(norm))


@functools.lru_cache(maxsize=256)
def _found(pattern: re.Pattern[str], clause: str) -> bool:
    """``pattern`` occurs in ``clause``; cached, since every date in one long clause asks the
    same questions of it (without this, a 4,096-character message of dates took seconds)."""
    return pattern.search(clause) is not None


@functools.lru_cache(maxsize=64)
def _clause_names_no_kind(clause: str) -> bool:
    return _session_kind(clause)[0] is None


@functools.lru_cache(maxsize=16)
def _splits(norm: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    found = list(rules.CLAUSE_SPLIT.finditer(norm))
    return tuple(m.start() for m in found), tuple(m.end() for m in found)


def _mention_tense(norm: str, mention: Mention, default: Tense) -> Tense:
    if mention.inherent_tense is not None:
        return mention.inherent_tense
    start, end = _clause_bounds(norm, mention.start)
    clause = norm[start:end]
    if _found(rules.STRONG_FUTURE, clause):
        return Tense.FUTURE
    if _found(rules.PAST, clause):
        return Tense.PAST
    return default


def _dates_reason_only(norm: str, mention: Mention) -> bool:
    start, end = _clause_bounds(norm, mention.start)
    clause = norm[start:end]
    if not _found(rules.REASON_NOUN_NEAR, clause):
        return False
    # "skipped the support meeting yesterday": a session named makes the date the session's.
    return not _found(_SESSION_WORDS, clause) and _clause_names_no_kind(clause)


def _moved_session_date(norm: str, resolved: list[tuple[Mention, dt.date]]) -> dt.date | None:
    """Return the date of the session being moved, not the new time asked for."""
    old: list[dt.date] = []
    unmarked: list[dt.date] = []
    for mention, date in resolved:
        before, after = norm[: mention.start], norm[mention.end :]
        if rules.OLD_TIME_BEFORE.search(before):
            old.append(date)
        elif _is_new_time(before, after):
            continue
        else:
            unmarked.append(date)
    if old:
        return old[0]
    return unmarked[0] if unmarked else None


def _is_new_time(before: str, after: str) -> bool:
    """Return True when a date is the time asked for ("move it to friday", "thursday works")."""
    if rules.NEW_TIME_AFTER.match(after):
        return True
    if rules.NEW_TIME_BEFORE.search(before) and _move_verb_in_sentence(before):
        return True
    sentence = re.split(r"[.!?\n]", before)[-1]
    # "push my 1:1 to later in the week, wednesday maybe": every date after "to" is new.
    if rules.MOVE_DESTINATION.search(sentence):
        return True
    # "can we reschedule? thursday works better": a later sentence proposing a time.
    after_sentence = re.split(r"[.!?\n]", after)[0]
    return (
        rules.MOVE_VERB.search(before) is not None
        and rules.MOVE_VERB.search(sentence) is None
        and rules.PROPOSAL.search(sentence + " " + after_sentence) is not None
    )


def _move_verb_in_sentence(before: str) -> bool:
    sentence = re.split(r"[.!?\n]", before)[-1]
    return bool(rules.MOVE_VERB.search(sentence) or "instead" in sentence)


# --- kind, reason, minutes ---------------------------------------------------------------------


def _session_kind(norm: str) -> tuple[SessionKind | None, list[tuple[int, int]]]:
    """Return the first session kind named and the spans naming a session (blanked for reason).

    A kind named outright ("support group") wins over one only implied by a person ("my
    counselor said ..."), wherever each stands in the message.
    """
    kind, spans = _first_kind(norm, rules.KINDS, [])
    fallback, spans = _first_kind(norm, rules.KIND_FALLBACK, spans)
    # "monday's class", "on zoom" name the session or its venue, never a reason.
    spans += [m.span() for p in (rules.SESSION_CLASS, rules.VENUE) for m in p.finditer(norm)]
    return kind or fallback, spans


def _first_kind(
    norm: str,
    kinds: tuple[tuple[SessionKind, re.Pattern[str]], ...],
    spans: list[tuple[int, int]],
) -> tuple[SessionKind | None, list[tuple[int, int]]]:
    best: tuple[int, int, SessionKind] | None = None
    spans = list(spans)
    for order, (kind, pattern) in enumerate(kinds):
        for m in pattern.finditer(norm):
            if any(s <= m.start() < e for s, e in spans):
                continue  # "support group" already named; its "group" is not another kind
            spans.append((m.start(), m.end()))
            if best is None or (m.start(), order) < (best[0], best[1]):
                best = (m.start(), order, kind)
    return (best[2] if best else None), spans


def _blank(text: str, spans: list[tuple[int, int]]) -> str:
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def _reason(norm: str) -> Reason | None:
    text = rules.WORKPLACE.sub(" work ", rules.NOT_A_JOB.sub(" ", norm))
    for reason, pattern in rules.REASONS:
        if not pattern.search(text):
            continue
        # A relative who is ill: the reason is the family, not the patient's health.
        if reason is Reason.HEALTH and rules.FAMILY_PERSON.search(text):
            return Reason.FAMILY
        return reason
    match = rules.EXPLICIT_BECAUSE.search(text)
    if match and len(text[match.end() :].split()) >= 3:
        return Reason.OTHER
    return None


def _late_minutes(norm: str) -> int | None:
    m = rules.LATE_MINUTES.search(norm)
    if m is None:
        return None
    if m["n"]:
        return int(m["n"])
    if m["half"]:
        return 30
    if m["hour"]:
        return 60
    return 15


# --- JSON lines for the CLI --------------------------------------------------------------------


def parse_jsonl_line(reader: MessageReader, line: str, default_tz: ZoneInfo | str) -> dict:
    """Read one `{"text", "now", "tz"}` line; return the output dict or `{"error": ...}`.

    Never raises on bad input. A naive `now` is local time in the line's zone; a missing `now`
    means the current time; a missing `tz` means `default_tz`.
    """
    try:
        data = json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        return {"error": f"invalid JSON: {exc.msg if hasattr(exc, 'msg') else exc}"}
    if not isinstance(data, dict):
        return {"error": "expected a JSON object"}
    text = data.get("text")
    if not isinstance(text, str) or not text.strip():
        return {"error": "missing or empty 'text'"}
    tz_name = data.get("tz")
    try:
        tz = default_tz if isinstance(default_tz, ZoneInfo) else ZoneInfo(default_tz)
        if tz_name is not None:
            if not isinstance(tz_name, str) or not tz_name:
                return {"error": "'tz' must be a time zone name"}
            tz = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        return {"error": f"unknown time zone: {tz_name if tz_name is not None else default_tz}"}
    raw_now = data.get("now")
    if raw_now is None:
        now = dt.datetime.now(tz)
    else:
        if not isinstance(raw_now, str):
            return {"error": "'now' must be an ISO 8601 string"}
        try:
            now = dt.datetime.fromisoformat(raw_now)
        except ValueError:
            return {"error": f"invalid 'now': {raw_now}"}
        if now.tzinfo is None:
            now = now.replace(tzinfo=tz)
    try:
        return reader.read(text, now, tz).to_json()
    except Exception as exc:  # a bug in the rules must not stop a whole batch
        return {"error": f"could not read message: {exc}"}
