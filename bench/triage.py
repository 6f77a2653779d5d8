"""Issue 16's benchmark: the triage engine on the corpus parts (tuned, blind, fresh,
training2, final), and what judge() and the wording model cost next to a POST /contact
through the app, measured in one run."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from bench import header, percentile
from site_app.contact import triaging
from site_app.triage import judge, learned
from site_app.triage.memory import LocalMemory
from tests import triage_corpus as corpus
from tests.conftest import GOOD, form_tokens, test_config

ROUNDS = 20  # judge() passes over the whole corpus
POSTS = 300
_REAL_DECIDE = triaging.decide


def run_quality() -> None:
    header(
        f"triage on tests/data/triage (goals: spam out >= {corpus.GOALS['spam_out']}, "
        f"genuine held <= {corpus.GOALS['genuine_held']}, genuine as spam == 0)"
    )
    for part in corpus.PARTS:
        results = corpus.run(corpus.load(part))
        got = corpus.figures(results)
        certain = sum(e.kind == "spam" and v.outcome == "spam" for e, v in results)
        note = "never tuned on" if part in corpus.HELD_OUT else "tuned on"
        print(
            f"  {part:<9} spam out {got.spam_out:.3f} of {got.spam} "
            f"({certain} of them certain spam), genuine held {got.genuine_held:.3f} of "
            f"{got.genuine} (and {got.autofill_held} autofilled honeypots, held by design), "
            f"genuine as spam {got.genuine_spam:.3f}  ({note})"
        )
        if part not in corpus.HELD_OUT:  # held-out misses are not read, so not printed
            for entry, verdict in corpus.misses(results):
                print(f"    {part} miss: {entry.kind} {entry.tag!r}: {verdict.outcome}")


def judge_p50() -> float:
    """Seconds, the median of judge() over every corpus submission, ROUNDS times."""
    submissions = [e.submission for part in corpus.PARTS for e in corpus.load(part)]
    memory = LocalMemory()
    samples = []
    for _ in range(ROUNDS):
        for submission in submissions:
            started = time.perf_counter()
            judge(submission, memory)
            samples.append(time.perf_counter() - started)
    return percentile(samples, 50)


def post_samples(app: Any, posts: int = POSTS, arms: int = 1) -> list[list[float]]:
    """Seconds of each POST /contact through the app's test client (each after the GET
    that gives it a fresh form), with the tuned part's genuine messages in turn: what
    judge() reads is as long as what people write. With ``arms``, request i is timed
    for arm i % arms, after ``before_post(arm)`` set it up."""
    client = app.test_client()
    messages = [e.submission.message for e in corpus.load("tuned") if e.kind == "genuine"]
    samples: list[list[float]] = [[] for _ in range(arms)]
    for i in range(-10, posts):  # the first ten warm up, uncounted
        page = client.get("/contact")
        message = messages[i % len(messages)]
        data = {**form_tokens(page.get_data(as_text=True)), **GOOD, "message": message}
        before_post(i % arms)
        started = time.perf_counter()
        answer = client.post("/contact", data=data)
        elapsed = time.perf_counter() - started
        if answer.status_code != 303:
            raise RuntimeError(f"POST /contact answered {answer.status_code}, not 303")
        if i >= 0:
            samples[i % arms].append(elapsed)
    return samples


def before_post(arm: int) -> None:
    """Arm 0 judges with triage; arm 1 files every submission as a lead unjudged."""
    from site_app.outbox.store import Triaged

    triaging.decide = _REAL_DECIDE if arm == 0 else (lambda submission: Triaged())


def bench_app(folder: Path) -> Any:
    from site_app import create_app
    from site_app.database import upgrade_schema

    settings = {"LOG_LEVEL": "ERROR", "OUTBOX_SENDER": "off"}
    settings["CONTACT_RATE_LIMIT"] = "1000000 per hour"
    app = create_app(test_config(folder, 9, **settings))  # the sender is off: no relay
    upgrade_schema(app)
    return app


def model_cost() -> tuple[int, float, float]:
    """Features, seconds to load, and the resident memory (MB) one more copy of the
    shipped wording model takes: what each worker pays for it."""
    page = 4096

    def resident() -> int:
        return int(Path("/proc/self/statm").read_text().split()[1]) * page

    before, started = resident(), time.perf_counter()
    model = learned.load_model()
    elapsed = time.perf_counter() - started
    return len(model.weights), elapsed, (resident() - before) / 1e6


def posts_side_by_side(app: Any, posts: int = 2 * POSTS) -> tuple[float, float]:
    """POST /contact p50 with triage and without it (the view's decide() replaced by one
    that files every submission as a lead unjudged), request by request in turn on one
    app: the machine's noise falls on both alike."""
    try:
        judged, unjudged = post_samples(app, posts, arms=2)
    finally:
        triaging.decide = _REAL_DECIDE
    return percentile(judged, 50), percentile(unjudged, 50)


def run_cost() -> None:
    header("cost: POST /contact with and without triage (test client, SQLite, one process)")
    with tempfile.TemporaryDirectory() as tmp:
        judged, unjudged = posts_side_by_side(bench_app(Path(tmp)))
    cost = judge_p50()
    print(f"  judge() p50 {cost * 1e6:.0f} µs over the corpus (in-memory Memory)")
    print(f"  POST /contact p50 {judged * 1e3:.2f} ms with triage, {unjudged * 1e3:.2f} ms without")
    print(f"  with / without: {judged / unjudged:.3f} x (goal <= 1.1)")
    features, load, rss = model_cost()
    print(f"  wording model: {features} features, loads in {load * 1e3:.0f} ms, {rss:.1f} MB RSS")


def run() -> None:
    run_quality()
    run_cost()


if __name__ == "__main__":
    run()
