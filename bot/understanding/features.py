"""The learned reader's features: the same function at training and at reading time.

A message (already normalised by ``text.normalize``) becomes a set of named features: its
words and word pairs, the letter sequences inside each word (so "cant", "can't" and "cannt"
share most of their features, and unseen spellings still land near known ones), and what the
hand-written rules make of it (their intent, and which crisis words they see). Each feature
counts once; the vector is scaled to unit length.
"""

from __future__ import annotations

import itertools
import math
import re

TOKEN = re.compile(r"[a-z0-9']+|[^\sa-z0-9']")
CHAR_SIZES = (3, 4, 5)


def features(norm: str, rule_intent: str, crisis_words: str) -> dict[str, float]:
    """Named features of one normalised message, each weighted 1/sqrt(count)."""
    tokens = TOKEN.findall(norm)
    names = {f"w:{t}" for t in tokens}
    names.update(f"b:{a} {b}" for a, b in itertools.pairwise(tokens))
    for token in tokens:
        if token[0].isalnum():
            padded = f" {token} "
            for size in CHAR_SIZES:
                names.update(f"c:{padded[i : i + size]}" for i in range(len(padded) - size + 1))
    names.add(f"r:{rule_intent}")
    if crisis_words:
        names.add(f"r:crisis_{crisis_words}")
    if not tokens:
        names.add("empty")
    weight = 1 / math.sqrt(len(names))
    return dict.fromkeys(names, weight)
