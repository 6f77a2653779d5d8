"""Training the wording model (learned.py) from labelled examples, and refining it with a
site's own decisions (``site_app.teaching``). Runs offline or in a refit's own process,
never in a worker.

    python -m site_app.triage.training    # the TRAINED_ON parts, in order: learned.json
    python -m site_app.triage.training A.toml B.toml OUT.json

The training parts ship with the site (``corpus/``): a site refits the model from them
together with its own sales' decisions.
"""

from __future__ import annotations

import math
import sys
import tomllib
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from site_app.triage.learned import DEFAULT, Model, features, write

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
    "author_aw.toml",
    "author_ay.toml",
    "author_az.toml",
    "author_ba.toml",
    "author_bd.toml",
    "author_be.toml",
    "author_bf.toml",
    "author_bg.toml",
)
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
    kinds: defaultdict[str, set[bool]] = defaultdict(set)
    for (spam, _), its in zip(added, found[len(corpus) :], strict=True):
        for f in its:
            decided[f] += 1
            kinds[f].add(spam)
    # What recurs in the decisions (MIN_DOCS of them), as the corpus's features must, and
    # in decisions of one kind: a feature sales found in both says nothing of either
    movable = {
        f for f, n in decided.items() if n >= MIN_DOCS and docs[f] <= common and len(kinds[f]) == 1
    }
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
        print(
            "usage: python -m site_app.triage.training [CORPUS.toml... OUT.json]", file=sys.stderr
        )
        return 2
    model = from_corpus(*argv[:-1])
    write(model, argv[-1])
    print(f"{len(model.weights)} features written to {argv[-1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
