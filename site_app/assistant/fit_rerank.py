"""Fit the re-ranker (rerank.py) on visitors' questions and write rerank.json; fit.py runs
it before the doubt, which is fitted on the ranking this gives.

Softmax regression over the passages: each answerable question is one example, its
passage (or the contact details) the class. Fitted on standardised features, written
back in the features' own units so a worker multiplies raw numbers. ``fit(examples,
leave_out=part)`` fits without one part: the doubt learns from how a re-ranker that never
read a question ranks it, as it will rank a stranger's. numpy is needed here only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from site_app.assistant.answer import clean
from site_app.assistant.fusion import handmade
from site_app.assistant.index import HANDOFF, GuideIndex
from site_app.assistant.meaning import shared_embeddings
from site_app.assistant.rerank import DIMENSIONS, question_vector, signals
from site_app.guide.content import load_guide

if TYPE_CHECKING:
    import numpy as np

# Chosen by leaving one part out at a time (0.961 right first at 3, 0.962 at 30, of 1,716
# answerable questions in 24 parts); the never-tuned parts never read.
L2 = 30.0
STEPS, RATE = 400, 0.5


@dataclass
class Examples:
    """The answerable questions of every part, as the re-ranker reads them."""

    keys: list[str]  # the passages, by row
    parts: list[str]  # each question's part
    vectors: list[list[float]]
    found: list[list[list[float]]]  # per question, per passage: its signals
    expect: list[int]  # the row that answers each


def collect(parts: dict[str, list[dict[str, str]]]) -> Examples:
    index = GuideIndex(load_guide(), doubting=False, reranking=False)
    got = Examples([p.key for p in index.passages], [], [], [], [])
    for part, questions in parts.items():
        for q in questions:
            if q["expect"] == HANDOFF:
                continue  # the doubt's to learn: the re-ranker only orders passages
            asked = clean(q["q"])
            ranking = handmade(index, asked)[0]
            got.parts.append(part)
            got.vectors.append(question_vector(shared_embeddings(), asked))
            got.found.append([signals(ranking, row) for row in range(len(got.keys))])
            got.expect.append(got.keys.index(q["expect"]))
    return got


def fit(examples: Examples, leave_out: str | None = None) -> dict[str, Any]:
    """The re-ranker fitted on every part but ``leave_out``, as rerank.json holds it."""
    import numpy as np

    kept = np.array([part != leave_out for part in examples.parts])
    x = design(np.array(examples.vectors)[kept], np.array(examples.found)[kept])
    w = _softmax(x, np.array(examples.expect)[kept])
    rows = len(examples.keys)
    return {
        "parts": sorted(set(examples.parts) - {leave_out}),
        "rows": {
            key: {
                "bias": round(float(w[DIMENSIONS * rows + r]), 6),
                "vector": [round(float(v), 6) for v in w[DIMENSIONS * r : DIMENSIONS * (r + 1)]],
            }
            for r, key in enumerate(examples.keys)
        },
        "signals": [round(float(v), 6) for v in w[(DIMENSIONS + 1) * rows :]],
    }


def design(vectors: np.ndarray, found: np.ndarray) -> np.ndarray:
    """Per question and passage: the question's vector in that passage's block of
    weights, the passage's one-hot bias, and its signals."""
    import numpy as np

    n, rows, _ = found.shape
    x = np.zeros((n, rows, (DIMENSIONS + 1) * rows + found.shape[2]))
    for row in range(rows):
        x[:, row, DIMENSIONS * row : DIMENSIONS * (row + 1)] = vectors
        x[:, row, DIMENSIONS * rows + row] = 1.0
    x[:, :, (DIMENSIONS + 1) * rows :] = found
    return x


def _softmax(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Weights in the features' own units (a constant shared by all passages dropped)."""
    import numpy as np

    n, rows, width = x.shape
    flat = x.reshape(-1, width)
    mean, scale = flat.mean(0), flat.std(0) + 1e-6
    z = (x - mean) / scale
    w, target = np.zeros(width), np.eye(rows)[y]
    for _ in range(STEPS):
        s = z @ w
        p = np.exp(s - s.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        w -= RATE * (np.einsum("nr,nrf->f", p - target, z) + L2 * w) / n
    weights: np.ndarray = w / scale
    return weights
