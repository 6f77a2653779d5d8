"""Whether the passage the ranker chose answers what is asked, or only shares its words.

The ranker finds the closest passage; closeness is not an answer. "GPT vs Llama, which one
should my startup pick?" is close to section 1 (it names GPT) but asks for a choice the
guide never makes; "what is attention in neural networks?" is close in meaning to the
guide and asks how the models work inside, which it never says. Rules for each such kind
were written and fit the people who wrote their examples, not strangers.

So the doubt is a model: logistic regression over what the question is (its meaning
vector, and the vector of its first words, which carry its form: "write me", "which is
better", "how does ... work", "do you ...") and how the ranker found its passage
(coverage, similarities, the lead of the best, the question's length, and whether the
hand-made gate calls the passage far), and what became of the questions nearest it among
those it was fitted on (neighbours.py: round ten). It is fitted by
``python -m site_app.assistant.fit`` on questions written by many hands, the engine's
answers as they stand, and chosen by leaving one writer's part out at a time. An answer
it doubts is handed to the team with the closest sections beside "Ask our team". Two
thresholds: one for a passage the gate finds close, and a lower one for a passage it
finds far, which is answered only when the model is surer of it (round nine: the gate
alone handed off two in three of the answerable questions lost).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from site_app.assistant.meaning import Embeddings
from site_app.assistant.neighbours import MEMORY, Asked
from site_app.assistant.words import content_words

MODEL = Path(__file__).with_name("doubt.json")
HEAD_WORDS = 4  # the question's first words: its form ("which one is better", "write me a")
# Of each vector's 128 dimensions (WordLlama's first ones stand alone): 64 generalise to
# writers left out better than 128 (too many weights for some 1,800 answered questions) or 32
DIMENSIONS = 64


@dataclass(frozen=True)
class Found:
    """How the ranker found the passage it puts first."""

    coverage: float  # share of the question's content words the passage holds
    meaning: list[float]  # the question's similarity to each passage
    best: int  # the passage's row
    # Not close by the hand-made gate (coverage, meaning, topic: answer.py): such a passage
    # answers only when the doubt is surer of it (``Doubt.threshold_far``)
    far: bool = False


def features(embeddings: Embeddings, question: str, found: Found) -> list[float]:
    """What the model reads, in the order of its weights (fit.py writes them), but for the
    nearest questions' two shares, which come last (``Doubt._recalled``)."""
    words = question.casefold().split()
    ordered = sorted(found.meaning, reverse=True) + [0.0, 0.0]
    return [
        *embeddings.vector(" ".join(words))[:DIMENSIONS],
        *embeddings.vector(" ".join(words[:HEAD_WORDS]))[:DIMENSIONS],
        found.coverage,
        ordered[0],
        ordered[0] - ordered[1],
        found.meaning[found.best],
        len(content_words(question)) / 10,
        min(len(words), 60) / 30,
        float(found.far),
    ]


class Doubt:
    """The fitted model: standardised features, one weight each, a bias and two thresholds.
    The nearest questions' shares (the last two features) cost most of a millisecond to
    find, so ``doubts`` looks them up only when they could change its verdict."""

    def __init__(self, embeddings: Embeddings, path: Path = MODEL, memory: Path = MEMORY) -> None:
        fitted = json.loads(path.read_text(encoding="utf-8"))
        self._embeddings = embeddings
        self._asked = Asked.load(memory)
        self._terms: list[tuple[float, float, float]] = list(
            zip(fitted["weights"], fitted["mean"], fitted["scale"], strict=True)
        )
        self._bias: float = fitted["bias"]
        self.threshold: float = fitted["threshold"]
        self.threshold_far: float = fitted["threshold_far"]  # for a far passage: lower
        # What the two shares, each from 0 to 1, can add to the log odds: least and most
        ends = [sorted((w * (0 - m) / s, w * (1 - m) / s)) for w, m, s in self._terms[-2:]]
        self._least: float = sum(e[0] for e in ends)
        self._most: float = sum(e[1] for e in ends)

    def _log_odds(self, x: list[float]) -> float:
        """Of the features but the nearest questions' shares."""
        terms = zip(self._terms, x, strict=False)  # the shares' two terms are left over
        return self._bias + sum(w * (v - m) / s for (w, m, s), v in terms)

    def _recalled(self, x: list[float], found: Found) -> float:
        """What the nearest questions' shares add to the log odds (the question's vector
        leads ``x``)."""
        shares = self._asked.shares(x, found.best)
        return sum(w * (v - m) / s for (w, m, s), v in zip(self._terms[-2:], shares, strict=True))

    def of(self, question: str, found: Found) -> float:
        """The probability that the guide does not answer ``question`` at all."""
        x = features(self._embeddings, question, found)
        z = self._log_odds(x) + self._recalled(x, found)
        return 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))

    def doubts(self, question: str, found: Found) -> bool:
        """``of(...) > threshold``, with the shares looked up only when they matter."""
        threshold = self.threshold_far if found.far else self.threshold
        if not 0 < threshold < 1:  # 0: every far passage is handed off
            return threshold <= 0
        limit = math.log(threshold / (1 - threshold))
        x = features(self._embeddings, question, found)
        known = self._log_odds(x)
        if known + self._least > limit or known + self._most <= limit:
            return known + self._least > limit
        return known + self._recalled(x, found) > limit
