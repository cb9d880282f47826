"""The learned reader at reading time: feature weights from ``model.npz``, no scikit-learn.

The artefact holds plain arrays (feature names, a weight per feature and intent, a bias per
intent) and is loaded with ``allow_pickle=False``, so it cannot carry code.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

ARTEFACT = Path(__file__).with_name("model.npz")


class IntentModel:
    """A probability for each intent of a message's features."""

    def __init__(self, names: Any, weights: Any, bias: Any, classes: Sequence[str]) -> None:
        import numpy as np  # loaded with the reader, not with every CLI command

        self._np = np
        self._index = {str(name): i for i, name in enumerate(names)}
        self._weights = np.asarray(weights, dtype=np.float64)
        self._bias = np.asarray(bias, dtype=np.float64)
        self.classes = tuple(str(c) for c in classes)

    @classmethod
    def load(cls, path: Path = ARTEFACT) -> IntentModel:
        import numpy as np

        with np.load(path, allow_pickle=False) as data:
            return cls(data["features"], data["weights"], data["bias"], data["classes"])

    @classmethod
    def from_arrays(cls, names: Any, weights: Any, bias: Any, classes: Sequence[str]):
        return cls(names, weights, bias, classes)

    def probabilities(self, features: dict[str, float]) -> dict[str, float]:
        rows, values = [], []
        for name, value in features.items():
            row = self._index.get(name)
            if row is not None:
                rows.append(row)
                values.append(value)
        scores = self._bias + self._np.asarray(values) @ self._weights[rows]
        exps = self._np.exp(scores - scores.max())
        return dict(zip(self.classes, (exps / exps.sum()).tolist(), strict=True))
