"""The labelled corpus: its format, and a validator that recomputes every gold date.

Each line of ``tests/data/corpus/*.jsonl`` (training) and ``tests/data/frozen/*.jsonl``
(the frozen test set) is one message with its gold labels and a ``date_basis`` saying how
the date follows from the words; the validator recomputes the date from it and ``now``.
The writers' brief is ``tests/data/corpus/WRITERS_BRIEF.md``.

    python -m bot.understanding.corpus tests/data/corpus/*.jsonl

prints one line per problem and a summary, and exits 1 if any line is wrong.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from collections import Counter
from zoneinfo import ZoneInfo

INTENTS = {
    "absence_upcoming",
    "absence_missed",
    "late",
    "reschedule",
    "attend_confirm",
    "crisis",
    "other",
}
KINDS = {None, "group", "individual", "family", "psychoeducation", "support"}
REASONS = {
    None,
    "work",
    "school",
    "health",
    "family",
    "transport",
    "technology",
    "childcare",
    "motivation",
    "legal",
    "other",
}
FAMILIES = {
    None,
    "crisis_self",
    "crisis_violence",
    "crisis_farewell",
    "crisis_plan_means",
    "crisis_inside_report",
    "hard_negative",
}
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
MONTH_FIRST_ZONES = ("America/", "US/", "Pacific/Honolulu", "Canada/")
DAY_FIRST_AMERICAS = {
    "America/Mexico_City",
    "America/Bogota",
    "America/Lima",
    "America/Argentina/Buenos_Aires",
    "America/Santiago",
    "America/Caracas",
    "America/Guatemala",
    "America/Monterrey",
    "America/Tijuana",
    "America/Santo_Domingo",
    "America/El_Salvador",
    "America/Havana",
    "America/Panama",
    "America/Costa_Rica",
    "America/Guayaquil",
    "America/La_Paz",
    "America/Montevideo",
    "America/Asuncion",
    "America/Managua",
    "America/Tegucigalpa",
    "America/Cancun",
    "America/Hermosillo",
    "America/Merida",
    "America/Sao_Paulo",
}


def day_first(tz: str, lang: str) -> bool:
    """Spanish writers and writers outside the US/Canada write day/month."""
    if lang == "es":
        return True
    if tz in DAY_FIRST_AMERICAS:
        return True
    return not tz.startswith(MONTH_FIRST_ZONES)


def resolve(basis: str, now: dt.datetime) -> dt.date | None:
    today = now.date()
    parts = basis.split(":")
    head = parts[0]
    if head == "none":
        return None
    if head == "today":
        return today
    if head == "tomorrow":
        return today + dt.timedelta(days=1)
    if head == "day_after_tomorrow":
        return today + dt.timedelta(days=2)
    if head == "yesterday":
        return today - dt.timedelta(days=1)
    if head == "day_before_yesterday":
        return today - dt.timedelta(days=2)
    if head == "relative":
        return today + dt.timedelta(days=int(parts[1]))
    if head == "date":
        return dt.date.fromisoformat(parts[1])
    if head == "weekday":
        wd = WEEKDAYS.index(parts[1])
        mode = parts[2]
        ahead = (wd - today.weekday()) % 7
        back = (today.weekday() - wd) % 7
        if mode == "future":
            return today + dt.timedelta(days=ahead)
        if mode == "this_coming":
            return today + dt.timedelta(days=ahead or 7)
        if mode == "next":
            next_monday = today + dt.timedelta(days=7 - today.weekday())
            return next_monday + dt.timedelta(days=wd)
        if mode == "week_after":
            return today + dt.timedelta(days=ahead + 7)
        if mode == "last":
            return today - dt.timedelta(days=back or 7)
        if mode == "past":
            if back == 0 and now.hour < 12:
                back = 7
            return today - dt.timedelta(days=back)
        if mode == "last_week":
            this_monday = today - dt.timedelta(days=today.weekday())
            return this_monday - dt.timedelta(days=7) + dt.timedelta(days=wd)
    raise ValueError(f"unknown date_basis {basis!r}")


NUMERIC = re.compile(r"(?<![\d/.:-])(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{2,4}))?(?![\d/.:-])")


def check(line: str, where: str) -> tuple[list[str], dict]:
    errs: list[str] = []
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        return [f"{where}: not JSON ({exc})"], {}
    for key in ("text", "now", "tz", "lang", "writer", "expected", "date_basis"):
        if key not in row:
            errs.append(f"{where}: missing {key!r}")
    if errs:
        return errs, {}
    exp = row["expected"]
    for key in ("intent", "date", "session_kind", "reason", "crisis", "also_intent", "family"):
        if key not in exp:
            errs.append(f"{where}: expected lacks {key!r}")
    if errs:
        return errs, {}
    if not isinstance(row["text"], str) or not row["text"].strip():
        errs.append(f"{where}: empty text")
    if row["lang"] not in ("en", "es"):
        errs.append(f"{where}: lang must be en or es")
    if exp["intent"] not in INTENTS:
        errs.append(f"{where}: bad intent {exp['intent']!r}")
    if exp["session_kind"] not in KINDS:
        errs.append(f"{where}: bad session_kind {exp['session_kind']!r}")
    if exp["reason"] not in REASONS:
        errs.append(f"{where}: bad reason {exp['reason']!r}")
    if exp["family"] not in FAMILIES:
        errs.append(f"{where}: bad family {exp['family']!r}")
    if exp["crisis"] is not (exp["intent"] == "crisis"):
        errs.append(f"{where}: crisis must be true exactly when intent is crisis")
    if exp["also_intent"] is not None and (
        exp["intent"] != "crisis" or exp["also_intent"] not in INTENTS - {"crisis", "other"}
    ):
        errs.append(f"{where}: also_intent only on crisis rows, naming a non-crisis intent")
    if exp["family"] and exp["family"].startswith("crisis") and not exp["crisis"]:
        errs.append(f"{where}: a crisis family on a non-crisis row")
    if exp["crisis"] and not (exp["family"] or "").startswith("crisis"):
        errs.append(f"{where}: a crisis row needs a crisis_* family")
    if exp["family"] == "crisis_inside_report" and exp["also_intent"] is None:
        errs.append(f"{where}: crisis_inside_report needs also_intent")
    try:
        zone = ZoneInfo(row["tz"])
    except Exception:
        return [*errs, f"{where}: unknown tz {row['tz']!r}"], {}
    try:
        now = dt.datetime.fromisoformat(row["now"])
    except ValueError:
        return [*errs, f"{where}: bad now {row['now']!r}"], {}
    if now.tzinfo is None:
        errs.append(f"{where}: now needs a UTC offset")
    else:
        local = now.replace(tzinfo=None).replace(tzinfo=zone)
        if local.utcoffset() != now.utcoffset():
            errs.append(
                f"{where}: now offset {now.utcoffset()} is wrong for {row['tz']} on that date "
                f"(should be {local.utcoffset()}, e.g. {local.isoformat()})"
            )
    try:
        gold = resolve(row["date_basis"], now)
    except (ValueError, IndexError) as exc:
        return [*errs, f"{where}: {exc}"], {}
    stated = exp["date"]
    if (gold.isoformat() if gold else None) != stated:
        errs.append(
            f"{where}: date {stated!r} but date_basis {row['date_basis']!r} gives "
            f"{gold.isoformat() if gold else None!r} (now {row['now']})"
        )
    if row["date_basis"].startswith("date:") and gold is not None:
        for m in NUMERIC.finditer(row["text"]):
            a, b = int(m.group(1)), int(m.group(2))
            d, mth = (a, b) if day_first(row["tz"], row["lang"]) else (b, a)
            if (
                (d, mth) != (gold.day, gold.month)
                and (a, b) != (gold.day, gold.month)
                and (
                    b,
                    a,
                )
                == (gold.day, gold.month)
            ):
                order = "day/month" if day_first(row["tz"], row["lang"]) else "month/day"
                errs.append(f"{where}: numeric date {m.group(0)!r} reads {order} here")
    stats = {
        "intent": exp["intent"],
        "crisis": exp["crisis"],
        "hard": exp["family"] == "hard_negative",
        "es": row["lang"] == "es",
        "dayfirst": day_first(row["tz"], "en"),
        "writer": row["writer"],
        "text": row["text"].strip().lower(),
    }
    return errs, stats


def main(paths: list[str]) -> int:
    errors = 0
    counts: Counter[str] = Counter()
    texts: Counter[str] = Counter()
    total = 0
    for path in paths:
        with open(path, encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                errs, st = check(line, f"{path}:{n}")
                for e in errs:
                    print(e)
                errors += len(errs)
                if st:
                    total += 1
                    counts["intent=" + st["intent"]] += 1
                    counts["crisis"] += st["crisis"]
                    counts["hard_negative"] += st["hard"]
                    counts["spanish"] += st["es"]
                    counts["day_first_zone"] += st["dayfirst"]
                    texts[st["text"]] += 1
    dupes = sum(c - 1 for c in texts.values() if c > 1)
    print(f"rows={total} problems={errors} duplicate_texts={dupes}")
    for key in sorted(counts):
        print(f"  {key}: {counts[key]} ({counts[key] / max(total, 1):.0%})")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
