"""Scoring a reader on a labelled set: aggregate figures only, never the messages it got wrong.

The frozen set (``tests/data/frozen``) is scored with this and nothing else: its errors are
never printed, so no rule or model is ever fixed against them.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.understanding.engine import Intent, MessageReader

DATA = Path(__file__).resolve().parents[2] / "tests" / "data"
FROZEN = DATA / "frozen"
CORPUS = DATA / "corpus"


@dataclass(frozen=True)
class Example:
    text: str
    now: dt.datetime
    zone: ZoneInfo
    intent: str
    date: str | None
    crisis: bool


def load(paths: Iterable[Path]) -> list[Example]:
    examples = []
    for path in sorted(paths):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            zone = ZoneInfo(row["tz"])
            now = dt.datetime.fromisoformat(row["now"])
            expected = row["expected"]
            examples.append(
                Example(
                    row["text"],
                    now if now.tzinfo else now.replace(tzinfo=zone),
                    zone,
                    expected["intent"],
                    expected["date"],
                    bool(expected.get("crisis", expected["intent"] == "crisis")),
                )
            )
    return examples


def frozen_set() -> list[Example]:
    return load(FROZEN.glob("*.jsonl"))


@dataclass(frozen=True)
class Scores:
    messages: int
    intent: float  # share read right: the intent, or for a crisis, urgent or a safety check
    date: float  # share whose session date is right (null included)
    crisis_caught: float  # share of crisis messages read as a crisis (urgent or check)
    urgent_false: float  # share of non-crisis messages read as urgent
    check_rate: float  # share of non-crisis messages given a safety check
    clarify: float  # share of messages the bot would ask about

    def line(self, prefix: str) -> str:
        return " ".join(
            f"{prefix}_{name}={getattr(self, name):.3f}"
            for name in (
                "intent",
                "date",
                "crisis_caught",
                "urgent_false",
                "check_rate",
                "clarify",
            )
        )


def score(reader: MessageReader, examples: list[Example]) -> Scores:
    intent_ok = date_ok = caught = urgent_false = checks = clarify = 0
    crises = sum(e.crisis for e in examples)
    calm = len(examples) - crises
    for e in examples:
        got = reader.read(e.text, e.now, e.zone)
        level = getattr(got, "crisis_level", None)
        urgent = got.intent is Intent.CRISIS
        flagged = urgent or level is not None
        intent_ok += flagged if e.crisis else got.intent.value == e.intent
        date_ok += (got.date.isoformat() if got.date else None) == e.date
        clarify += bool(getattr(got, "clarify", False))
        if e.crisis:
            caught += flagged
        else:
            urgent_false += urgent
            checks += flagged and not urgent
    n = len(examples)
    return Scores(
        n,
        intent_ok / n,
        date_ok / n,
        caught / max(crises, 1),
        urgent_false / max(calm, 1),
        checks / max(calm, 1),
        clarify / n,
    )


if __name__ == "__main__":
    print(score(MessageReader(), frozen_set()).line("frozen"))
