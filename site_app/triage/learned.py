"""A naive Bayes model of wording, learned from labelled examples: pitches and scams
share a vocabulary (we, your, offer, free, clients) that hand-written phrases cover only
word for word. Trained offline, shipped as data (learned.json), read with the rules.

    python -m site_app.triage.learned tests/data/triage/tuned.toml site_app/triage/learned.json
"""

from __future__ import annotations

import json
import math
import re
import sys
import tomllib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from site_app.triage.text import fold

DEFAULT = Path(__file__).with_name("learned.json")
_WORD = re.compile(r"[^\W\d_]+")
MIN_COUNT = 2  # a word or word pair seen once teaches nothing but that one example


@dataclass(frozen=True)
class Model:
    prior: float  # log odds of spam before reading a word
    weights: dict[str, float]  # word or word pair -> log odds it adds when present

    def log_odds(self, message: str) -> float:
        return self.prior + sum(self.weights.get(f, 0.0) for f in features(message))


def features(message: str) -> set[str]:
    words = _WORD.findall(fold(message))
    return {*words, *(f"{a} {b}" for a, b in zip(words, words[1:], strict=False))}


def train(examples: Iterable[tuple[bool, str]]) -> Model:
    """Bernoulli naive Bayes over (is spam, message) pairs, add-half smoothing."""
    seen: dict[bool, Counter[str]] = {True: Counter(), False: Counter()}
    total = Counter[bool]()
    for spam, message in examples:
        total[spam] += 1
        seen[spam].update(features(message))
    weights = {}
    for feature in sorted(set(seen[True]) | set(seen[False])):
        if seen[True][feature] + seen[False][feature] < MIN_COUNT:
            continue
        in_spam = (seen[True][feature] + 0.5) / (total[True] + 1)
        in_genuine = (seen[False][feature] + 0.5) / (total[False] + 1)
        weights[feature] = round(math.log(in_spam / in_genuine), 4)
    return Model(round(math.log(total[True] / total[False]), 4), weights)


def load_model(path: Path | str = DEFAULT) -> Model:
    """Raises ValueError (or OSError) for a file that is not a model."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    prior, weights = data.get("prior"), data.get("weights")
    if not isinstance(prior, int | float) or not isinstance(weights, dict):
        raise ValueError('expected {"prior": number, "weights": {feature: number}}')
    if not all(isinstance(v, int | float) for v in weights.values()):
        raise ValueError("every weight must be a number")
    return Model(float(prior), {str(k): float(v) for k, v in weights.items()})


def from_corpus(path: Path | str) -> Model:
    """Train on a corpus file of [[genuine]] and [[spam]] entries (tests/data/triage)."""
    data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    pairs = [(kind == "spam", row["message"]) for kind in ("genuine", "spam") for row in data[kind]]
    return train(pairs)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m site_app.triage.learned CORPUS.toml OUT.json", file=sys.stderr)
        return 2
    model = from_corpus(argv[0])
    out = {"prior": model.prior, "weights": model.weights}
    Path(argv[1]).write_text(json.dumps(out, ensure_ascii=False, indent=0) + "\n", "utf-8")
    print(f"{len(model.weights)} features written to {argv[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
