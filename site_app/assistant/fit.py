"""Fit the re-ranker (fit_rerank.py) and the doubt (verify.py) on visitors' questions and
write rerank.json, doubt.json and the doubt's memory of the questions (asked.bin).

    python -m site_app.assistant.fit QUESTIONS.toml [--leave-out PART ...]

QUESTIONS.toml holds parts (one writer each) of questions with the passage that should
answer each, or "handoff" (tests/data/assistant_questions.toml). The model learns from
the questions the engine answers without it: those the guide does not answer are the
doubted ones. Its thresholds are chosen by leaving one part out at a time
(thresholds.py), so they are the ones that do best on a writer the model never read;
parts left out (blind ones) are never read at all. numpy is needed here and there only
(the dev lock has it): a worker reads the weights with plain Python.
"""

from __future__ import annotations

import argparse
import json
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from site_app.assistant import fit_rerank, rerank, vocabulary
from site_app.assistant.answer import answer, clean, route
from site_app.assistant.asking import wants_us
from site_app.assistant.index import HANDOFF, GuideIndex
from site_app.assistant.meaning import TOKENIZER, package_folder, shared_embeddings
from site_app.assistant.neighbours import MEMORY, Asked
from site_app.assistant.rerank import Reranker
from site_app.assistant.thresholds import choose
from site_app.assistant.verify import MODEL, Found, features
from site_app.guide.content import load_guide

if TYPE_CHECKING:  # numpy is imported where a fit runs: the runtime install has none
    import numpy as np

    Fitted = tuple[np.ndarray, float, np.ndarray, np.ndarray]  # weights, bias, mean, scale

L2 = 30.0  # chosen by leaving one part out, and on the stranger parts 22-26 (no longer blind)
STEPS, RATE = 600, 0.5


def examples(index: GuideIndex, parts: dict[str, list[dict[str, str]]]) -> list[dict[str, Any]]:
    """Each question with its features and where the engine, undoubting, points it: each
    part ranked by a re-ranker fitted without it, as a stranger's question will be."""
    reranking = fit_rerank.collect(parts)
    keys = [p.key for p in index.passages]
    rows = []
    for part, questions in parts.items():
        left_out = fit_rerank.fit(reranking, leave_out=part)
        index.reranker = Reranker(shared_embeddings(), keys, left_out)
        for q in questions:
            asked = clean(q["q"])
            seen = route(index, asked)
            best = seen.hits[0]
            found = Found(best.coverage, seen.meaning, index.row(best.passage), seen.far)
            # A request to work with us, and a form, are answered before the doubt is asked
            fixed = wants_us(asked) or seen.formed
            got = answer(index, asked) if fixed else None
            rows.append(
                {
                    "part": part,
                    "x": features(shared_embeddings(), asked, found),
                    "expect": q["expect"],
                    "top": got.hits[0].passage.key if got and got.answered else best.passage.key,
                    "fixed": fixed,
                    "handed": seen.handed and not fixed,
                    "far": seen.far,
                }
            )
    return rows


def remembered(index: GuideIndex, rows: list[dict[str, Any]]) -> Asked:
    """Each row's nearest questions among the other parts' (neighbours.py), as a
    stranger's question meets those of every part, added to its features; and the memory
    of every part's questions that the site ships."""
    keys = [p.key for p in index.passages]

    def of(others: list[dict[str, Any]]) -> Asked:
        return Asked.of(keys, [(r["x"], index.row_of(r["expect"])) for r in others])

    for part in {r["part"] for r in rows}:
        asked = of([r for r in rows if r["part"] != part])
        for r in rows:
            if r["part"] == part:
                r["shares"] = asked.shares(r["x"], index.row_of(r["top"]))
    for r in rows:
        r["x"] = [*r["x"], *r.pop("shares")]
    return of(rows)


def _fit(x: np.ndarray, y: np.ndarray) -> Fitted:
    import numpy as np

    mean, scale = x.mean(0), x.std(0) + 1e-6
    z = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    w = np.zeros(z.shape[1])
    for _ in range(STEPS):
        p = 1 / (1 + np.exp(-z @ w))
        w -= RATE * (z.T @ (p - y) + L2 * np.r_[w[:-1], 0.0]) / len(y)
    return w[:-1], float(w[-1]), mean, scale


def _doubt(model: Fitted, x: np.ndarray) -> np.ndarray:
    import numpy as np

    w, b, mean, scale = model
    doubt: np.ndarray = 1 / (1 + np.exp(-(((x - mean) / scale) @ w + b)))
    return doubt


def _learned_from(rows: list[dict[str, Any]]) -> tuple[np.ndarray, np.ndarray]:
    import numpy as np

    asked = [r for r in rows if not r["fixed"] and not r["handed"]]  # what the doubt decides
    return np.array([r["x"] for r in asked]), np.array(
        [r["expect"] == HANDOFF for r in asked], float
    )


def fit(parts: dict[str, list[dict[str, str]]]) -> tuple[dict[str, Any], Asked]:
    """The model fitted on every part, with the thresholds that left-out parts prefer, and
    the memory of the questions it read."""
    import numpy as np

    index = GuideIndex(load_guide(), doubting=False)
    rows = examples(index, parts)
    memory = remembered(index, rows)
    doubt = np.zeros(len(rows))
    for part in parts:
        held = np.array([r["part"] == part for r in rows])
        model = _fit(*_learned_from([r for r, h in zip(rows, held, strict=True) if not h]))
        doubt[held] = _doubt(model, np.array([r["x"] for r in rows if r["part"] == part]))
    w, b, mean, scale = _fit(*_learned_from(rows))
    threshold, far, scored = choose(
        rows, doubt, _doubt((w, b, mean, scale), np.array([r["x"] for r in rows]))
    )
    fitted = {
        "threshold": threshold,
        "threshold_far": far,
        "left_one_part_out": {"first": scored[0], "handoff": scored[1]},
        "parts": sorted(parts),
        "bias": round(b, 6),
        "weights": [round(float(v), 6) for v in w],
        "mean": [round(float(v), 6) for v in mean],
        "scale": [round(float(v), 6) for v in scale],
    }
    return fitted, memory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("questions", type=Path)
    parser.add_argument("--leave-out", nargs="*", default=[], metavar="PART")
    args = parser.parse_args()
    parts = tomllib.loads(args.questions.read_text(encoding="utf-8"))
    parts = {k: v for k, v in parts.items() if k not in args.leave_out}
    # The vocabulary before anything reads a question; the re-ranker before the doubt,
    # which learns from the ranking it gives.
    vocabulary.write(package_folder() / TOKENIZER)
    reranker = fit_rerank.fit(fit_rerank.collect(parts))
    rerank.MODEL.write_text(json.dumps(reranker, indent=0) + "\n", encoding="utf-8")
    print(f"{rerank.MODEL}: {len(reranker['rows'])} passages")
    fitted, memory = fit(parts)
    MODEL.write_text(json.dumps(fitted, indent=0) + "\n", encoding="utf-8")
    MEMORY.write_bytes(memory.tobytes())
    print(
        f"{MODEL}: threshold {fitted['threshold']}, left one part out {fitted['left_one_part_out']}"
    )


if __name__ == "__main__":
    main()
