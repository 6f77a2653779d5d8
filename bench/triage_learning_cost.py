"""Issue 24's benchmark: what learning from sales costs, in time and memory, with a
site's worth of decisions; and POST /contact with triage and without."""

from __future__ import annotations

import resource
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

from bench import header, site_env
from bench.assistant import _get
from bench.site import PAGES, _memory, _worker_pid
from bench.triage_authors import judging_with
from bench.triage_learning import traffic
from site_app.teaching import examples, refit
from site_app.triage import engine
from tests import triage_corpus as corpus
from tests.servers import Gunicorn


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
    run_refit_cost()
    run_post_cost()
    run_worker_memory()


if __name__ == "__main__":
    run()
