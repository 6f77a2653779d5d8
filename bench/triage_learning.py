"""Issue 24's benchmark: what triage learns from sales.

- Blind pairs: one blind part is judged and corrected as sales would (every held genuine
  delivered, every spam lead marked), then another blind part, written apart, is judged
  by a site that learned and by one nobody corrected, side by side.
- Trained pairs: the same with two sets of writers the shipped model is trained on, the
  model retrained without both first. Their misses may be read and the refit tuned on
  them, which the blind pairs' may not.
"""

from __future__ import annotations

from collections.abc import Sequence

from bench import header
from bench.triage_authors import Results, judging_with, line, part_path, pooled
from site_app.teaching import examples, refit
from site_app.triage import engine, learned, training
from site_app.triage.taught import Decided, Lessons, Neighbours
from tests import triage_corpus as corpus

# Which blind part sales correct before another is judged: each written apart.
PAIRS = (
    ("author_d", "author_e"),
    ("author_e", "author_d"),
    ("author_f", "author_g"),
    ("author_g", "author_f"),
    ("author_h", "author_i"),
    ("author_i", "author_h"),
    ("author_j", "author_k"),
    ("author_k", "author_j"),
    ("author_p", "author_q"),
    ("author_q", "author_p"),
    ("author_u", "author_v"),
    ("author_v", "author_u"),
    ("author_w", "author_x"),
    ("author_x", "author_w"),
    ("author_aa", "author_ab"),
    ("author_ab", "author_aa"),
    ("author_ac", "author_ad"),
    ("author_ad", "author_ac"),
    ("author_ag", "author_ah"),
    ("author_ah", "author_ag"),
    ("author_ai", "author_aj"),
    ("author_aj", "author_ai"),
    ("author_am", "author_an"),
    ("author_an", "author_am"),
    ("author_ao", "author_ap"),
    ("author_ap", "author_ao"),
    ("author_av", "author_ax"),
    ("author_ax", "author_av"),
    ("author_bb", "author_bc"),
    ("author_bc", "author_bb"),
)


def corrected(part: str) -> list[examples.Example]:
    """What sales decide on a part: each held genuine delivered, each spam lead marked."""
    decisions = [
        examples.Decision(e.kind == "spam", e.submission.message, e.submission.email, "sales")
        for e, v in corpus.run(corpus.load(part))
        if (e.kind == "spam") == (v.outcome == "lead")
    ]
    return examples.weigh(decisions)


def traffic(part: str, site: list[examples.Example] | None = None) -> list[str]:
    """A part's messages sales did not decide on (``site``, if already found): the site's
    ordinary traffic."""
    decided = {d.message for d in (corrected(part) if site is None else site)}
    return [e.submission.message for e in corpus.load(part) if e.submission.message not in decided]


def run_learning() -> None:
    header("learning from sales: a second blind part, after sales corrected the first")
    shipped = engine.active_rules().model
    before_all, after_all = [], []
    for taught, judged in PAIRS:
        site = corrected(taught)
        model, _ = refit.fit(site, traffic(taught, site), shipped)
        with judging_with(lessons=refit.lessons(1, model, site)):
            after_all.append(corpus.run(corpus.load(judged)))
        before_all.append(corpus.run(corpus.load(judged)))
        print(f"  {judged}, after sales corrected {taught} ({len(site)} decisions):")
        print(line("nobody corrected", corpus.figures(before_all[-1])))
        print(line("learned", corpus.figures(after_all[-1])))
    summary(before_all, after_all)


def summary(before: Results, after: Results) -> None:
    """Pooled, and the pairs meeting the goal (held <= 0.02, spam out >= 0.93)."""
    print(line("pooled, nobody corrected", pooled(before)))
    print(line("pooled, learned", pooled(after)))
    met = [corpus.figures(r) for r in after]
    count = sum(f.genuine_held <= 0.02 and f.spam_out >= 0.93 for f in met)
    print(f"  goal (held <= 0.02, spam out >= 0.93) met on {count} of {len(met)} pairs")


def trained_pairs() -> list[tuple[str, str]]:
    """Sets of writers trained on, two by two in the order they were written."""
    sets = [name for name in corpus.AUTHORS if name != "house"]
    return [(sets[i], sets[i + 1]) for i in range(0, len(sets) - 1, 2)]


def rows(names: Sequence[str]) -> list[tuple[bool, str]]:
    return training.examples([part_path(p) for name in names for p in corpus.AUTHORS[name]])


def learned_without(model: learned.Model, rest: list[tuple[bool, str]], taught: str) -> Lessons:
    """A site judging with ``model`` after sales corrected ``taught``: the refit (in this
    process, from ``model`` and the corpus it was trained on) and the decided texts."""
    site = corrected(taught)
    moved = training.refine(
        model,
        rest,
        [(e.spam, e.message) for e in site],
        [e.weight for e in site],
        traffic(taught, site),
    )
    genuine = sum(not e.spam for e in site)
    neighbours = Neighbours.of(Decided(not e.spam, e.message) for e in site)
    return Lessons(1, moved, neighbours, genuine, len(site) - genuine)


def run_trained_learning() -> None:
    header("learning on trained sets: two sets left out of training, one corrected")
    before_all, after_all = [], []
    for pair in trained_pairs():
        rest = rows([name for name in corpus.AUTHORS if name not in pair])
        model = training.train(rest)
        for taught, judged in (pair, pair[::-1]):
            part = corpus.AUTHORS[judged][0]
            with judging_with(model):
                lessons = learned_without(model, rest, corpus.AUTHORS[taught][0])
                before_all.append(corpus.run(corpus.load(part)))
            with judging_with(model, lessons):
                after_all.append(corpus.run(corpus.load(part)))
            print(
                f"  {judged}, after sales corrected {taught} ({len(lessons.neighbours)} decisions):"
            )
            print(line("nobody corrected", corpus.figures(before_all[-1])))
            print(line("learned", corpus.figures(after_all[-1])))
    summary(before_all, after_all)


def run() -> None:
    run_learning()
    run_trained_learning()


if __name__ == "__main__":
    run()
