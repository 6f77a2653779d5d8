"""Which passage answers a question, learned from visitors' questions: a re-ranker.

The hand-made ranking (fusion.ranked: the guide's words, WordLlama's meaning, cues and
question forms, fused by rank) puts the right section first for about 0.89 of the
questions strangers wrote. It ranks by what the question shares with each passage; it
cannot learn that "is my data safe with these?" belongs to the concerns, or that "how
would I hire you" is for the contact details, unless someone writes that phrasing in.

The re-ranker is a softmax over the passages, fitted (``fit_rerank.py``) on some 1,700
answerable questions by many hands with the section each expects. For each passage it adds: a
weight per passage for each of the question's first meaning dimensions (what kind of
question goes to which passage), and shared weights for how the hand-made ranking found
the passage (its coverage, similarity, the ranks it got). The passage with the highest
score comes first, and so on. Weights are read with plain Python; the
arithmetic is some 700 multiplications a question.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from site_app.assistant.meaning import Embeddings

MODEL = Path(__file__).with_name("rerank.json")
DIMENSIONS = 64  # of the question's meaning vector, as for the doubt (verify.py)


@dataclass(frozen=True)
class Ranking:
    """How the hand-made ranking saw each passage (lists by row)."""

    coverage: list[float]  # share of the question's content words it holds
    meaning: list[float]  # similarity of meaning
    by_words: list[int]  # rows in the order of the words' ranking
    fused: list[int]  # rows in the hand-made ranking's order
    cued: list[bool]
    formed: list[bool]


def signals(ranking: Ranking, row: int) -> list[float]:
    """What the re-ranker reads of one passage besides the question's meaning."""
    meaning = ranking.meaning
    by_meaning = sorted(range(len(meaning)), key=lambda r: -meaning[r]).index(row)
    words = ranking.by_words.index(row) + 1 if row in ranking.by_words else 0
    fused = ranking.fused.index(row) + 1 if row in ranking.fused else 0
    return [
        ranking.coverage[row],
        meaning[row],
        meaning[row] - max(meaning),
        1 / words if words else 0.0,
        1 / (1 + by_meaning),
        1 / fused if fused else 0.0,
        float(ranking.cued[row]),
        float(ranking.formed[row]),
    ]


def question_vector(embeddings: Embeddings, question: str) -> list[float]:
    return list(embeddings.vector(" ".join(question.casefold().split()))[:DIMENSIONS])


class Reranker:
    """The fitted weights: per passage (by key) a bias and a weight per meaning dimension,
    and one weight per signal shared by all passages."""

    def __init__(
        self, embeddings: Embeddings, keys: list[str], fitted: dict[str, Any] | None = None
    ) -> None:
        fitted = fitted or json.loads(MODEL.read_text(encoding="utf-8"))
        missing = set(keys) - fitted["rows"].keys()
        if missing:
            raise RuntimeError(f"{MODEL.name} has no weights for {sorted(missing)}: run make fit")
        self._embeddings = embeddings
        self._rows = [fitted["rows"][key] for key in keys]
        self._signals: list[float] = fitted["signals"]

    def scores(self, question: str, ranking: Ranking) -> list[float]:
        vector = question_vector(self._embeddings, question)
        return [
            row["bias"]
            + sum(w * v for w, v in zip(row["vector"], vector, strict=True))
            + sum(w * s for w, s in zip(self._signals, signals(ranking, r), strict=True))
            for r, row in enumerate(self._rows)
        ]

    def order(self, question: str, ranking: Ranking) -> list[int]:
        """The hand-made ranking's rows, best first by the fitted scores."""
        scores = self.scores(question, ranking)
        return sorted(ranking.fused, key=lambda row: -scores[row])
