"""Benchmark message understanding against a naive dateparser.search.search_dates.

Run: .venv/bin/python bench/parse.py
The last line is machine-readable:
per_message_ms_p50=F per_message_ms_p95=F naive_ms_p50=F speedup=F peak_mb=F warmup_s=F
frozen_intent=F frozen_date=F frozen_crisis_caught=F frozen_urgent_false=F frozen_check_rate=F
frozen_clarify=F

Speed is measured on the training corpus; accuracy on the frozen test set
(``tests/data/frozen``), scored in aggregate by ``bot.understanding.evaluate``.
"""

import datetime as dt
import json
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.understanding.engine import MessageReader  # noqa: E402
from bot.understanding.evaluate import frozen_set, score  # noqa: E402

CORPUS = ROOT / "tests" / "data" / "corpus"
PASSES = 3
NAIVE_SUBSET = 60  # search_dates costs tens of milliseconds a message


def load() -> list[tuple[str, dt.datetime, ZoneInfo, str | None]]:
    rows = []
    for path in sorted(CORPUS.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            tz = ZoneInfo(row["tz"])
            now = dt.datetime.fromisoformat(row["now"])
            if now.tzinfo is None:
                now = now.replace(tzinfo=tz)
            rows.append((row["text"], now, tz, row["expected"]["date"]))
    return rows


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def bench_ours(rows: list) -> tuple[list[float], float, float]:
    """Return per-message latencies (ms), date accuracy and construction time (s)."""
    start = time.perf_counter()
    reader = MessageReader()
    build_s = time.perf_counter() - start
    correct = sum(
        (u.date.isoformat() if (u := reader.read(t, n, z)).date else None) == want
        for t, n, z, want in rows
    )
    timings: list[float] = []
    for _ in range(PASSES):
        for text, now, tz, _want in rows:
            t0 = time.perf_counter()
            reader.read(text, now, tz)
            timings.append((time.perf_counter() - t0) * 1000)
    return timings, correct / len(rows), build_s


def bench_naive(rows: list) -> tuple[list[float], float, float]:
    """Time search_dates as a naive user would call it: whole sentence, default settings."""
    from dateparser.search import search_dates

    timings: list[float] = []
    correct = 0
    first_ms = 0.0
    for i, (text, now, tz, want) in enumerate(rows):
        t0 = time.perf_counter()
        found = search_dates(text)
        elapsed = (time.perf_counter() - t0) * 1000
        if i == 0:
            first_ms = elapsed  # loads every locale; reported apart, not in the median
        else:
            timings.append(elapsed)
        got = found[0][1].date().isoformat() if found else None
        correct += got == want
        del now, tz  # the naive call cannot use the patient's clock or zone
    return timings, correct / len(rows), first_ms


def peak_memory_mb(rows: list) -> tuple[float, float]:
    """Return the peak allocation (MB) of building a cold reader and reading every message once,
    and the cold build time (s)."""
    tracemalloc.start()
    start = time.perf_counter()
    reader = MessageReader()
    cold_build_s = time.perf_counter() - start
    for text, now, tz, _want in rows:
        reader.read(text, now, tz)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1e6, cold_build_s


def cold_start_s() -> float:
    """Build a reader in a fresh process (the bot's start-up): import, model, dateparser."""
    code = (
        "import time; t = time.perf_counter();"
        "from bot.understanding.engine import MessageReader; MessageReader();"
        "print(time.perf_counter() - t)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return float(done.stdout.strip())


def main() -> None:
    rows = load()
    # Memory first, while dateparser's locale data is still unloaded; then timings without
    # tracemalloc, which slows every allocation.
    peak_mb, cold_build_s = peak_memory_mb(rows)
    ours, our_accuracy, build_s = bench_ours(rows)

    ours_p50 = statistics.median(ours)
    ours_p95 = percentile(ours, 0.95)
    total_s = sum(ours) / 1000
    print(f"corpus: {len(rows)} messages x {PASSES} passes")
    print(f"ours:  build cold {cold_build_s * 1000:.0f} ms (under tracemalloc),")
    print(
        f"       build warm {build_s * 1000:.0f} ms, p50 {ours_p50:.3f} ms, p95 {ours_p95:.3f} ms,"
    )
    print(f"       {len(ours) / total_s:,.0f} messages/s, date accuracy {our_accuracy:.3f}")

    naive_rows = rows[:NAIVE_SUBSET]
    naive, naive_accuracy, first_ms = bench_naive(naive_rows)
    naive_p50 = statistics.median(naive)
    print(f"naive search_dates on {len(naive_rows)} messages: first call {first_ms:.0f} ms,")
    print(f"       p50 {naive_p50:.2f} ms, p95 {percentile(naive, 0.95):.2f} ms,")
    print(f"       date accuracy {naive_accuracy:.3f} (no patient clock or zone)")

    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"memory: reader peak {peak_mb:.2f} MB (tracemalloc), process max RSS {rss_mb:.0f} MB")
    speedup = naive_p50 / ours_p50
    frozen = score(MessageReader(), frozen_set())
    print(f"frozen set: {frozen.messages} messages, never tuned against")
    warmup = cold_start_s()
    print(f"start-up: a reader built in a fresh process in {warmup:.2f} s")
    print(
        f"per_message_ms_p50={ours_p50:.4f} per_message_ms_p95={ours_p95:.4f} "
        f"naive_ms_p50={naive_p50:.3f} speedup={speedup:.1f} peak_mb={peak_mb:.2f} "
        f"warmup_s={warmup:.3f} {frozen.line('frozen')}"
    )


if __name__ == "__main__":
    main()
