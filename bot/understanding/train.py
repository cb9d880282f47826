"""Train the learned reader: ``python -m bot.understanding.train``.

Reads the training sets (``tests/data/corpus/*.jsonl`` and the older hand-written sets in
``tests/data/*.jsonl``; never ``tests/data/frozen``), fits a multinomial logistic regression
on ``features.features`` and writes ``model.npz`` beside this file: feature names, weights
and biases as plain arrays (no pickle: the artefact cannot run code). The fit is
deterministic, so the same corpus always gives the same artefact; a test checks that the
committed one is what this command makes.

``--cv`` also prints figures from leave-one-writer-out cross-validation (each writer's
messages read by a model trained on the other writers), which is how the thresholds in
``engine.Thresholds`` were chosen; the frozen set plays no part in it.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.understanding.engine import Intent, rule_reading
from bot.understanding.features import features
from bot.understanding.text import normalize

DATA = Path(__file__).resolve().parents[2] / "tests" / "data"
ARTEFACT = Path(__file__).with_name("model.npz")
CLASSES = tuple(intent.value for intent in Intent)
MIN_COUNT = 2  # a feature seen in one message only teaches nothing general
C = 16.0  # inverse regularisation: of 1, 4 and 16, 16 ranked crises best in cross-validation


@dataclass(frozen=True)
class Labelled:
    text: str
    intent: str
    writer: str


def training_set() -> list[Labelled]:
    """Every training message, in a fixed order (file name, then line)."""
    rows = []
    paths = sorted(DATA.glob("*.jsonl")) + sorted((DATA / "corpus").glob("*.jsonl"))
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                writer = row.get("writer", f"legacy:{path.stem}")
                rows.append(Labelled(row["text"], row["expected"]["intent"], writer))
    return rows


def message_features(text: str) -> dict[str, float]:
    norm = normalize(text)
    intent, _, crisis_words = rule_reading(norm, text)
    return features(norm, intent.value, crisis_words)


def fit(rows: Sequence[Labelled]):  # -> (names, weights, bias)
    """Fit the model; returns feature names, a (features x classes) weight array, biases."""
    import numpy as np
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    samples = [message_features(row.text) for row in rows]
    counts: dict[str, int] = {}
    for sample in samples:
        for name in sample:
            counts[name] = counts.get(name, 0) + 1
    kept = sorted(name for name, count in counts.items() if count >= MIN_COUNT)
    vectorizer = DictVectorizer(dtype=np.float64, sort=True)
    vectorizer.fit([dict.fromkeys(kept, 1.0)])
    matrix = vectorizer.transform(samples)
    labels = np.array([CLASSES.index(row.intent) for row in rows])
    model = LogisticRegression(C=C, max_iter=5000, class_weight="balanced", tol=1e-6)
    model.fit(matrix, labels)
    names = np.array(vectorizer.get_feature_names_out(), dtype=str)
    return names, model.coef_.T.astype(np.float32), model.intercept_.astype(np.float32)


def write_artefact(path: Path = ARTEFACT) -> None:
    import numpy as np

    names, weights, bias = fit(training_set())
    np.savez_compressed(
        path, features=names, weights=weights, bias=bias, classes=np.array(CLASSES, dtype=str)
    )


def cross_validate() -> None:
    """Leave one writer out; print how each threshold choice would do on unseen writers."""
    from bot.understanding.model import IntentModel

    rows = training_set()
    writers = sorted({row.writer for row in rows if not row.writer.startswith("legacy")})
    predictions: list[tuple[Labelled, dict[str, float], bool]] = []
    for writer in writers:
        train = [row for row in rows if row.writer != writer]
        test = [row for row in rows if row.writer == writer]
        model = IntentModel.from_arrays(*fit(train), CLASSES)
        for row in test:
            norm = normalize(row.text)
            _, _, crisis_words = rule_reading(norm, row.text)
            predictions.append(
                (row, model.probabilities(message_features(row.text)), crisis_words)
            )
    print(json.dumps(_figures(predictions), indent=1))


def _figures(predictions) -> dict[str, object]:
    crisis = [p for p in predictions if p[0].intent == "crisis"]
    calm = [p for p in predictions if p[0].intent != "crisis"]
    out: dict[str, object] = {"messages": len(predictions), "crisis": len(crisis)}
    for threshold in (0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 0.7, 0.8, 0.9):
        caught = sum(probs["crisis"] >= threshold for _, probs, _ in crisis) / len(crisis)
        false = sum(probs["crisis"] >= threshold for _, probs, _ in calm) / len(calm)
        with_words = sum(
            probs["crisis"] >= threshold or words for _, probs, words in crisis
        ) / len(crisis)
        false_words = sum(probs["crisis"] >= threshold or words for _, probs, words in calm) / len(
            calm
        )
        out[f"crisis>={threshold}"] = (
            f"caught {caught:.3f} flagged_calm {false:.3f} | with rule words: caught "
            f"{with_words:.3f} flagged_calm {false_words:.3f}"
        )
    for clarify_below in (0.0, 0.4, 0.5, 0.6, 0.7, 0.8):
        sure = right = 0
        for row, probs, _ in calm:
            others = {k: v for k, v in probs.items() if k != "crisis"}
            best = max(others, key=others.get)
            confidence = others[best] / sum(others.values())
            if confidence >= clarify_below:
                sure += 1
                right += best == row.intent
        total_right = sum(
            max((k for k in probs if k != "crisis"), key=probs.get) == row.intent
            for row, probs, _ in calm
        )
        out[f"clarify<{clarify_below}"] = (
            f"asked {1 - sure / len(calm):.3f} right_when_sure {right / max(sure, 1):.3f} "
            f"right_overall {total_right / len(calm):.3f}"
        )
    return out


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bot.understanding.train")
    parser.add_argument("--cv", action="store_true", help="print cross-validation figures")
    args = parser.parse_args(argv)
    if args.cv:
        cross_validate()
        return
    write_artefact()
    print(f"wrote {ARTEFACT}")


if __name__ == "__main__":
    main()
