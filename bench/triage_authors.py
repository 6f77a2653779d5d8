"""Issue 24's benchmark: triage on strangers' words.

- Cross-author figures: the wording model refitted without one set of writers, that
  set judged (GroupKFold's idea: a held-out author, not held-out rows).
- The blind parts, figures only (their misses are never printed).
- Learning from sales: one blind part is judged and corrected as sales would (every held
  genuine delivered, every spam lead marked), then another blind part, written apart, is
  judged by a site that learned and by one nobody corrected, side by side.
- What a refit costs, in time and memory, with a site's worth of decisions.
"""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

from bench import header
from site_app.teaching import examples, refit
from site_app.triage import engine, learned
from site_app.triage.taught import NONE, Lessons
from tests import triage_corpus as corpus

BLIND = ("author_d", "author_e", "author_f", "author_g")
# Which blind part sales correct before another is judged: each written apart.
PAIRS = (
    ("author_d", "author_e"),
    ("author_e", "author_d"),
    ("author_f", "author_g"),
    ("author_g", "author_f"),
)


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


def pooled(results: list[list[tuple[corpus.Entry, object]]]) -> corpus.Figures:
    return corpus.figures([pair for part in results for pair in part])  # type: ignore[misc]


def run_cross_author() -> None:
    header("cross-author: the model trained without one set of writers, that set judged")
    rows = {
        name: learned.examples([part_path(p) for p in parts])
        for name, parts in corpus.AUTHORS.items()
    }
    results = []
    for out, parts in corpus.AUTHORS.items():
        model = learned.train([pair for name, got in rows.items() if name != out for pair in got])
        with judging_with(model):
            found = [corpus.run(corpus.load(part)) for part in parts]
        results += found
        print(line(f"left out: {out}", pooled(found)))
    print(line("pooled", pooled(results)))


def part_path(part: str) -> object:
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


def corrected(part: str) -> list[examples.Example]:
    """What sales decide on a part: each held genuine delivered, each spam lead marked."""
    decisions = [
        examples.Decision(e.kind == "spam", e.submission.message, e.submission.email, "sales")
        for e, v in corpus.run(corpus.load(part))
        if (e.kind == "spam") == (v.outcome == "lead")
    ]
    return examples.weigh(decisions)


def traffic(part: str) -> list[str]:
    return [e.submission.message for e in corpus.load(part)]


def run_learning() -> None:
    header("learning from sales: a second blind part, after sales corrected the first")
    shipped = engine.active_rules().model
    for taught, judged in PAIRS:
        site = corrected(taught)
        model, _ = refit.fit(site, traffic(taught), shipped)
        with judging_with(lessons=refit.lessons(1, model, site)):
            after = corpus.figures(corpus.run(corpus.load(judged)))
        before = corpus.figures(corpus.run(corpus.load(judged)))
        print(f"  {judged}, after sales corrected {taught} ({len(site)} decisions):")
        print(line("nobody corrected", before))
        print(line("learned", after))


def run_refit_cost() -> None:
    header("refit cost: the shipped corpus and a site's decisions (off the request path)")
    shipped = engine.active_rules().model
    parts = [e for part in ("author_a", "author_b", "author_c") for e in corpus.load(part)]
    for count in (1, 50, 360):
        decisions = [
            examples.Decision(e.kind == "spam", e.submission.message, e.submission.email, "s")
            for e in parts[:count]
        ]
        tracemalloc.start()
        started = time.perf_counter()
        model, _ = refit.fit(examples.weigh(decisions), shipped)
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(
            f"  {count:>3} decisions: {seconds:.1f} s, peak {peak / 1e6:.0f} MB allocated while "
            f"fitting, {len(model.weights)} features"
        )


def run() -> None:
    run_cross_author()
    run_blind()
    run_learning()
    run_refit_cost()


if __name__ == "__main__":
    run()
