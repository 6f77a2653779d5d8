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

import resource
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

from bench import header, site_env
from bench.assistant import _get
from bench.site import PAGES, _memory, _worker_pid
from site_app.teaching import examples, refit
from site_app.triage import engine, learned, training
from site_app.triage.taught import NONE, Lessons
from tests import triage_corpus as corpus
from tests.servers import Gunicorn

BLIND = tuple(part for part in corpus.HELD_OUT if part.startswith("author_"))
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
    """A part's messages sales did not decide on: the site's ordinary traffic."""
    decided = {d.message for d in corrected(part)}
    return [e.submission.message for e in corpus.load(part) if e.submission.message not in decided]


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
    header("refit cost: the shipped corpus and a site's decisions, in the refit's own process")
    shipped = engine.active_rules().model
    parts = [e for part in ("author_a", "author_b", "author_c") for e in corpus.load(part)]
    for count in (1, 50, 360):
        decisions = [
            examples.Decision(e.kind == "spam", e.submission.message, e.submission.email, "s")
            for e in parts[:count]
        ]
        started = time.perf_counter()
        model, _ = refit.fit(examples.weigh(decisions), traffic("author_a"), shipped)
        seconds = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(
            f"  {count:>3} decisions: {seconds:.1f} s; the refit process's peak RSS so far "
            f"{peak:.0f} MB (the worker holds none of it); {len(model.weights)} features"
        )


def labelled(database: str, count: int) -> None:
    """``count`` decisions from the authors' parts, stored as sales would leave them."""
    from site_app import create_app
    from site_app.extensions import db
    from site_app.outbox.models import GENUINE, SPAM, Inquiry, utcnow

    app = create_app({"DATABASE_URL": database, "LOG_LEVEL": "ERROR", "OUTBOX_SENDER": "off"})
    parts = [e for part in ("author_a", "author_b", "author_c") for e in corpus.load(part)]
    with app.app_context():
        for n, e in enumerate(parts[:count]):
            s = e.submission
            spam = e.kind == "spam"
            db.session.add(
                Inquiry(
                    token=f"bench-{n}",
                    message_id=f"<bench-{n}@example.com>",
                    name=s.name,
                    email=s.email,
                    service=s.service,
                    message=s.message,
                    client_hash=f"c{n}",
                    status=SPAM if spam else "delivered",
                    label=SPAM if spam else GENUINE,
                    labelled_at=utcnow(),
                    labelled_by="bench",
                )
            )
        db.session.commit()


def worker_memory(folder: Path, learning: bool) -> tuple[float, float]:
    """A worker's VmRSS after 2,000 requests, and the seconds the refit took to land."""
    env = site_env(folder, TRIAGE_LEARNING="true" if learning else "false")
    with Gunicorn(env, workers=1) as site:
        assert site.process is not None
        worker = _worker_pid(site.process.pid)
        started = time.monotonic()
        labelled(env["DATABASE_URL"], 360)
        refit_row = folder / "bench.db"
        waited = 0.0
        if learning:
            import sqlite3

            query = "SELECT count(*) FROM triage_refits WHERE finished_at IS NOT NULL"
            while not sqlite3.connect(refit_row).execute(query).fetchone()[0]:
                time.sleep(0.2)
            waited = time.monotonic() - started
            time.sleep(5)  # the worker loads it at its next poll
        url = urlsplit(site.url)
        for n in range(2_000):
            address = (url.hostname or "", url.port or 80)
            _get(address, url.netloc, PAGES[n % len(PAGES)], reader=n)
        return _memory(worker)[0], waited


def run_worker_memory() -> None:
    header("a worker's memory with 360 decisions learned, beside one that does not learn")
    for learning in (False, True):
        with tempfile.TemporaryDirectory() as tmp:
            rss, waited = worker_memory(Path(tmp), learning)
        what = (
            f"learning (refit landed {waited:.1f} s after the decisions)"
            if learning
            else ("not learning")
        )
        print(f"  {what}: VmRSS {rss:.1f} MB (goal <= 80)")


def run_post_cost() -> None:
    header("POST /contact with triage and without, the triage having learned 360 decisions")
    from bench.triage import bench_app, posts_side_by_side

    shipped = engine.active_rules().model
    parts = [e for part in ("author_a", "author_b", "author_c") for e in corpus.load(part)]
    decisions = [
        examples.Decision(e.kind == "spam", e.submission.message, e.submission.email, "s")
        for e in parts
    ]
    site = examples.weigh(decisions)
    model, _ = refit.fit(site, traffic("author_a"), shipped)
    with tempfile.TemporaryDirectory() as tmp, judging_with(lessons=refit.lessons(1, model, site)):
        posts_side_by_side(bench_app(Path(tmp))).report()


def run() -> None:
    run_cross_author()
    run_blind()
    run_learning()
    run_refit_cost()
    run_post_cost()
    run_worker_memory()


if __name__ == "__main__":
    run()
