"""A logistic-regression model of wording, learned from labelled examples: pitches and
scams share a vocabulary (we, your, offer, free, clients) that hand-written phrases
cover only word for word. Trained offline, shipped as data (learned.json), read with the
rules; judging a message is one sum of weights.

    python -m site_app.triage.learned tests/data/triage/tuned.toml \\
        tests/data/triage/training2.toml site_app/triage/learned.json
"""

from __future__ import annotations

import json
import math
import re
import sys
import tomllib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from site_app.triage.text import fold

DEFAULT = Path(__file__).with_name("learned.json")
# The corpus parts the shipped model is trained on (never blind, fresh or final).
TRAINED_ON = ("tuned.toml", "training2.toml")
_WORD = re.compile(r"[^\W\d_]+")
# Chinese, Japanese and Korean are written without spaces: their words are read as
# pairs of characters instead.
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]+")
GRAM = 4  # letters in a word-part feature: "optimisation", "optimización" share "timi"
# Logistic regression by stochastic gradient descent, in a fixed order (reproducible).
# Chosen with 5- and 10-fold cross-validation on the training parts (see
# docs/design.md, "The wording model"): naive Bayes' log odds ran to 15 on genuine
# partnership questions, these stay below 2.
EPOCHS, RATE, L2 = 60, 0.3, 0.01


@dataclass(frozen=True)
class Model:
    prior: float  # log odds of spam before reading a feature (the bias)
    weights: dict[str, float]  # feature -> log odds it adds when present

    def log_odds(self, message: str) -> float:
        weights = self.weights  # the intersection runs in C: a third of judge() otherwise
        return self.prior + sum(map(weights.__getitem__, features(message) & weights.keys()))


def features(message: str) -> set[str]:
    """Words, word pairs, four-letter parts of words ("#<opt"), and for CJK text pairs
    of characters: word parts carry across spellings and languages that whole words
    do not."""
    folded = fold(message)
    words = _WORD.findall(folded)
    found = {*words, *(f"{a} {b}" for a, b in zip(words, words[1:], strict=False))}
    for word in set(words):
        if _CJK.search(word):
            continue
        marked = f"<{word}>"  # word parts are "#<opt", so never taken for a word
        found.update(["#" + marked[i : i + GRAM] for i in range(len(marked) - GRAM + 1)])
    for run in _CJK.findall(folded):
        found.update(run[i : i + 2] for i in range(len(run) - 1))
    return found


def train(examples: Iterable[tuple[bool, str]]) -> Model:
    """Logistic regression over (is spam, message) pairs, with L2 shrinkage, so that a
    feature seen in a few examples of both kinds weighs little."""
    data = [(1.0 if spam else 0.0, sorted(features(message))) for spam, message in examples]
    weights: defaultdict[str, float] = defaultdict(float)
    bias = 0.0
    for _ in range(EPOCHS):
        for target, found in data:
            z = max(-30.0, min(30.0, bias + sum(weights[f] for f in found)))
            error = 1 / (1 + math.exp(-z)) - target
            bias -= RATE * error
            for f in found:
                weights[f] -= RATE * (error + L2 * weights[f])
    kept = {f: round(w, 3) for f, w in sorted(weights.items()) if abs(w) >= 0.0005}
    return Model(round(bias, 3), kept)


def load_model(path: Path | str = DEFAULT) -> Model:
    """Raises ValueError (or OSError) for a file that is not a model."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    prior, weights = data.get("prior"), data.get("weights")
    if not isinstance(prior, int | float) or not isinstance(weights, dict):
        raise ValueError('expected {"prior": number, "weights": {feature: number}}')
    if not all(isinstance(v, int | float) for v in weights.values()):
        raise ValueError("every weight must be a number")
    return Model(float(prior), {str(k): float(v) for k, v in weights.items()})


def examples(paths: Sequence[Path | str]) -> list[tuple[bool, str]]:
    """The [[genuine]] and [[spam]] entries of corpus files (tests/data/triage)."""
    pairs = []
    for path in paths:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        for kind in ("genuine", "spam"):
            pairs += [(kind == "spam", row["message"].strip()) for row in data[kind]]
    return pairs


def from_corpus(*paths: Path | str) -> Model:
    return train(examples(paths))


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print("usage: python -m site_app.triage.learned CORPUS.toml... OUT.json", file=sys.stderr)
        return 2
    model = from_corpus(*argv[:-1])
    out = {"prior": model.prior, "weights": model.weights}
    Path(argv[-1]).write_text(json.dumps(out, ensure_ascii=False, indent=0) + "\n", "utf-8")
    print(f"{len(model.weights)} features written to {argv[-1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
