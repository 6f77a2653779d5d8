"""Issue 24's benchmark: triage on strangers' words.

- Cross-author figures: the wording model refitted without one set of writers, that
  set judged (GroupKFold's idea: a held-out author, not held-out rows).
- The blind parts, figures only (their misses are never printed).

What learning from sales gives is in ``triage_learning``, what it costs in
``triage_learning_cost``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from bench import header
from site_app.triage import Verdict, engine, learned, training
from site_app.triage.taught import NONE, Lessons
from tests import triage_corpus as corpus

BLIND = tuple(part for part in corpus.HELD_OUT if part.startswith("author_"))


@contextmanager
def judging_with(model: learned.Model | None = None, lessons: Lessons = NONE) -> Iterator[None]:
    rules = engine.active_rules()
    try:
        engine._active = rules if model is None else replace(rules, model=model)
        engine.teach(lessons)
        yield
    finally:
        engine._active = rules
        engine.teach(NONE)


def line(name: str, got: corpus.Figures, note: str = "") -> str:
    return (
        f"  {name:<22} genuine held {got.genuine_held:.3f} of {got.genuine}, spam out "
        f"{got.spam_out:.3f} of {got.spam}, genuine as spam {got.genuine_spam:.3f}{note}"
    )


Results = list[list[tuple[corpus.Entry, Verdict]]]


def pooled(results: Results) -> corpus.Figures:
    return corpus.figures([pair for part in results for pair in part])


def run_cross_author() -> None:
    header("cross-author: the model trained without one set of writers, that set judged")
    rows = {
        name: training.examples([part_path(p) for p in parts])
        for name, parts in corpus.AUTHORS.items()
    }
    results = []
    for out, parts in corpus.AUTHORS.items():
        model = training.train([pair for name, got in rows.items() if name != out for pair in got])
        with judging_with(model):
            found = [corpus.run(corpus.load(part)) for part in parts]
        results += found
        print(line(f"left out: {out}", pooled(found)))
    print(line("pooled", pooled(results)))


def part_path(part: str) -> Path:
    path = corpus.CORPUS / f"{part}.toml"
    return path if path.exists() else corpus.TRAINED / f"{part}.toml"


def run_blind() -> None:
    header("blind parts by other hands, never tuned on (figures only)")
    results = []
    for part in BLIND:
        found = corpus.run(corpus.load(part))
        results.append(found)
        print(line(part, corpus.figures(found)))
    print(line("pooled", pooled(results)))


def run() -> None:
    run_cross_author()
    run_blind()


if __name__ == "__main__":
    run()
