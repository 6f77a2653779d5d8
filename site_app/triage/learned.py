"""A logistic-regression model of wording, learned from labelled examples: pitches and
scams share a vocabulary (we, your, offer, free, clients) that hand-written phrases
cover only word for word. Trained offline, shipped as data (learned.json), read with the
rules; judging a message is one sum of weights.

    python -m site_app.triage.learned    # the TRAINED_ON parts, in order: learned.json
    python -m site_app.triage.learned A.toml B.toml OUT.json

The training parts ship with the site (``corpus/``): a site refits the model from them
together with its own sales' decisions (``site_app.teaching``).
"""

from __future__ import annotations

import json
import math
import re
import sys
import tomllib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from site_app.triage.packed import Packed
from site_app.triage.text import fold

DEFAULT = Path(__file__).with_name("learned.json")
CORPUS = Path(__file__).with_name("corpus")
# The corpus parts the shipped model is trained on (never a held-out part of tests/data).
TRAINED_ON = (
    "tuned.toml",
    "training2.toml",
    "author_a.toml",
    "author_b.toml",
    "author_c.toml",
    "author_l.toml",
    "author_m.toml",
    "author_n.toml",
    "author_o.toml",
    "author_r.toml",
    "author_s.toml",
    "author_t.toml",
    "author_y.toml",
    "author_z.toml",
    "author_ae.toml",
    "author_af.toml",
    "author_ak.toml",
    "author_al.toml",
    "author_aq.toml",
    "author_ar.toml",
    "author_as.toml",
    "author_at.toml",
)
# Letters and digits together; a run holding a digit is a code (an order number, a ticket
# id, a hash), not a word: read as words, "3fa9bdec" gave "fa" and "bdec" whatever it was.
_TOKEN = re.compile(r"[^\W_]+")
_DIGIT = re.compile(r"\d")
# Chinese, Japanese and Korean are written without spaces: their words are read as
# pairs of characters instead.
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]+")
GRAM = 4  # letters in a word-part feature: "optimisation", "optimización" share "timi"
_GRAMS = re.compile(f"(?=([^ ]{{{GRAM}}}))")  # every GRAM characters in a row, overlapping
# Logistic regression by stochastic gradient descent, in a fixed order (reproducible).
# Chosen with 5- and 10-fold cross-validation on the training parts (see
# docs/design.md, "The wording model"): naive Bayes' log odds ran to 15 on genuine
# partnership questions, these stay below 2.
EPOCHS, RATE, L2 = 60, 0.3, 0.01
# A feature must be in at least MIN_DOCS training messages to weigh anything: chosen by
# leaving each author out in turn (docs/design.md, "The wording model"), where features
# seen once made the model sure of itself on one writer's words.
MIN_DOCS = 2
REFINE_EPOCHS = 10  # passes of a refit over the shipped corpus and the site's decisions
COMMON = 0.05  # a feature in more than this share of the corpus is not moved by a refit
MOST_MOVED = 1000  # the features a refit moved most are kept: a worker's memory is bounded


@dataclass(frozen=True)
class Model:
    prior: float  # log odds of spam before reading a feature (the bias)
    weights: dict[str, float] | Packed  # feature -> log odds it adds when present

    def log_odds(self, message: str) -> float:
        return self.evidence(message)[0]

    def evidence(self, message: str) -> tuple[float, int]:
        """The log odds, and how many of the message's features the model knows."""
        return self.weigh(features(message))

    def weigh(self, found: set[str]) -> tuple[float, int]:
        """``evidence`` for features already found (two models read one message's)."""
        weights = self.weights
        if isinstance(weights, Packed):
            total, count = weights.weigh(found)
            return self.prior + total, count
        known = found & weights.keys()  # the intersection runs in C
        return self.prior + sum(map(weights.__getitem__, known)), len(known)


def features(message: str) -> set[str]:
    """Words, word pairs, four-letter parts of words ("#<opt"), and for CJK text pairs
    of characters: word parts carry across spellings and languages that whole words
    do not."""
    folded = fold(message)
    words = [w for w in _TOKEN.findall(folded) if w.isalpha() or not _DIGIT.search(w)]
    found = {*words, *map(" ".join, zip(words, words[1:], strict=False))}
    # Each word marked "<opt>", all in one string, and every GRAM letters without a space
    # taken in one pass of re; "#" keeps a word part from being taken for a word.
    marked = "<" + "> <".join(w for w in set(words) if not _CJK.search(w)) + ">"
    found.update(map("#".__add__, _GRAMS.findall(marked)))
    for run in _CJK.findall(folded):
        found.update(run[i : i + 2] for i in range(len(run) - 1))
    return found


def train(
    examples: Sequence[tuple[bool, str]],
    weights: Sequence[float] | None = None,
    l2: float = L2,
    min_docs: int = MIN_DOCS,
) -> Model:
    """Logistic regression over (is spam, message) pairs, with L2 shrinkage, so that a
    feature seen in a few examples of both kinds weighs little. A feature found in fewer
    than ``min_docs`` messages gets no weight at all: the model says nothing about words
    it has hardly seen. ``weights`` counts an example as that many (a site's own
    decisions count for more than the shipped corpus)."""
    found_in = [features(message) for _, message in examples]
    docs: defaultdict[str, int] = defaultdict(int)
    for its in found_in:
        for f in its:
            docs[f] += 1
    data = [
        (1.0 if spam else 0.0, sorted(f for f in its if docs[f] >= min_docs), weight)
        for (spam, _), its, weight in zip(
            examples, found_in, weights or [1.0] * len(examples), strict=True
        )
    ]
    learned: defaultdict[str, float] = defaultdict(float)
    bias = 0.0
    for _ in range(EPOCHS):
        for target, present, weight in data:
            z = max(-30.0, min(30.0, bias + sum(learned[f] for f in present)))
            error = (1 / (1 + math.exp(-z)) - target) * weight
            bias -= RATE * error
            for f in present:
                learned[f] -= RATE * (error + l2 * learned[f])
    kept = {f: round(w, 3) for f, w in sorted(learned.items()) if abs(w) >= 0.0005}
    return Model(round(bias, 3), kept)


def refine(
    base: Model,
    corpus: Sequence[tuple[bool, str]],
    added: Sequence[tuple[bool, str]],
    weights: Sequence[float],
    traffic: Sequence[str] = (),
) -> Model:
    """What refitting ``base`` with ``added`` examples (at ``weights``) beside the
    ``corpus`` it was trained on changes, as a model of its own (prior 0, a weight per
    feature moved) whose log odds add to ``base``'s: the same regression, started from
    ``base``, moving only the weights of features the added examples contain, while the
    corpus's examples hold them where ``base`` was right. One example changes the log odds
    of another text only through the features the two share. A feature common in the
    corpus or in the site's own ``traffic`` ("the", "#<you", the site's own name) is never
    moved: it says nothing of one text more than of the others."""
    found = [features(message) for _, message in [*corpus, *added]]
    docs: defaultdict[str, int] = defaultdict(int)
    for its in [*found[: len(corpus)], *(features(message) for message in traffic)]:
        for f in its:
            docs[f] += 1
    common = COMMON * (len(corpus) + len(traffic))
    decided: defaultdict[str, int] = defaultdict(int)
    for its in found[len(corpus) :]:
        for f in its:
            decided[f] += 1
    # What recurs in the decisions (MIN_DOCS of them), as the corpus's features must.
    movable = {f for f, n in decided.items() if n >= MIN_DOCS and docs[f] <= common}
    data = [
        (1.0 if spam else 0.0, sorted(its), weight)
        for (spam, _), its, weight in zip(
            [*corpus, *added], found, [1.0] * len(corpus) + list(weights), strict=True
        )
    ]
    data = [(t, present, w) for t, present, w in data if movable.intersection(present)]
    # The base's weights read once per feature present (a worker's model is packed:
    # a lookup there is a digest and a bisection)
    start = {f: base.weights.get(f, 0.0) for _, present, _ in data for f in present}
    moved = dict.fromkeys(movable, 0.0)
    for _ in range(REFINE_EPOCHS):
        for target, present, weight in data:
            z = base.prior + sum(start.get(f, 0.0) + moved.get(f, 0.0) for f in present)
            error = (1 / (1 + math.exp(-max(-30.0, min(30.0, z)))) - target) * weight
            for f in movable.intersection(present):
                moved[f] -= RATE * (error + L2 * (start.get(f, 0.0) + moved[f]))
    kept = sorted((f for f, c in moved.items() if abs(c) >= 0.0005), key=lambda f: -abs(moved[f]))
    return Model(0.0, {f: round(moved[f], 3) for f in sorted(kept[:MOST_MOVED])})


def load_model(path: Path | str = DEFAULT) -> Model:
    """Raises ValueError (or OSError) for a file that is not a model."""
    # The weights are rounded to three places, so under a thousand values serve 30,000
    # features: each is made once as the file is read (0.7 MB of every worker).
    shared: dict[str, float] = {}
    data = json.loads(
        Path(path).read_text(encoding="utf-8"),
        parse_float=lambda text: shared.setdefault(text, float(text)),
    )
    prior, weights = data.get("prior"), data.get("weights")
    if not isinstance(prior, int | float) or not isinstance(weights, dict):
        raise ValueError('expected {"prior": number, "weights": {feature: number}}')
    if not all(isinstance(v, float) for v in weights.values()):  # a hand-edited file
        if not all(isinstance(v, int | float) for v in weights.values()):
            raise ValueError("every weight must be a number")
        weights = {feature: float(v) for feature, v in weights.items()}
    return Model(float(prior), weights)


def packed(model: Model) -> Model:
    """The model as a worker keeps it (packed.py): 0.6 MB, not 4.6."""
    weights = model.weights
    return model if isinstance(weights, Packed) else Model(model.prior, Packed(weights))


def examples(paths: Sequence[Path | str]) -> list[tuple[bool, str]]:
    """The [[genuine]] and [[spam]] entries of corpus files (``corpus/``, tests/data/triage)."""
    pairs = []
    for path in paths:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        for kind in ("genuine", "spam"):
            pairs += [(kind == "spam", row["message"].strip()) for row in data[kind]]
    return pairs


def from_corpus(*paths: Path | str) -> Model:
    return train(examples(paths))


def shipped_examples() -> list[tuple[bool, str]]:
    return examples([CORPUS / name for name in TRAINED_ON])


def main(argv: list[str]) -> int:
    """No arguments: retrain the shipped model from ``TRAINED_ON``, in its order."""
    if not argv:
        argv = [*(str(CORPUS / name) for name in TRAINED_ON), str(DEFAULT)]
    if len(argv) < 2:
        print("usage: python -m site_app.triage.learned [CORPUS.toml... OUT.json]", file=sys.stderr)
        return 2
    model = from_corpus(*argv[:-1])
    out = {"prior": model.prior, "weights": model.weights}
    Path(argv[-1]).write_text(json.dumps(out, ensure_ascii=False, indent=0) + "\n", "utf-8")
    print(f"{len(model.weights)} features written to {argv[-1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
