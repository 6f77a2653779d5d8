"""Issue 16's benchmark: the triage engine on the corpus parts (tuned, blind, fresh,
training2, final), and what judge() and the wording model cost next to a POST /contact
through the app, measured in one run."""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import update

from bench import header, percentile
from site_app.extensions import db
from site_app.outbox import screening, store
from site_app.outbox.models import DELIVERED, PENDING, Inquiry
from site_app.triage import judge, learned
from site_app.triage.memory import LocalMemory
from tests import triage_corpus as corpus
from tests.conftest import GOOD, form_tokens, test_config

ROUNDS = 20  # judge() passes over the whole corpus
POSTS = 300
_REAL_FACTS = screening.facts


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


def post_samples(
    app: Any, posts: int = POSTS, arms: int = 1
) -> list[list[tuple[float, float, float]]]:
    """Seconds of each POST /contact through the app's test client (each after the GET
    that gives it a fresh form), with the tuned part's genuine messages in turn (what
    triage reads is as long as what people write), and of the sender's judging pass that
    follows it. With ``arms``, request i is timed for arm i % arms, after
    ``before_post(arm)`` set it up."""
    client = app.test_client()
    messages = [e.submission.message for e in corpus.load("tuned") if e.kind == "genuine"]
    samples: list[list[tuple[float, float, float]]] = [[] for _ in range(arms)]
    for i in range(-10, posts):  # the first ten warm up, uncounted
        page = client.get("/contact")
        message = messages[i % len(messages)]
        data = {**form_tokens(page.get_data(as_text=True)), **GOOD, "message": message}
        before_post(i % arms)
        started = time.perf_counter()
        answer = client.post("/contact", data=data)
        posted = time.perf_counter()
        with app.app_context():
            judging, cpu = mail_loop_judges(store.claim("bench", 10, 60))
        if answer.status_code != 303:
            raise RuntimeError(f"POST /contact answered {answer.status_code}, not 303")
        if i >= 0:
            samples[i % arms].append((posted - started, judging, cpu))
    return samples


def mail_loop_judges(batch: list[Inquiry]) -> tuple[float, float]:
    """Seconds and CPU seconds the mail loop's ``screen`` takes on the batch it claimed (the
    claim it makes to mail anyway is not counted); then the batch is marked delivered,
    untimed, so the next claim finds only the next inquiry."""
    started, cpu = time.perf_counter(), time.process_time()
    screening.screen(batch)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    db.session.execute(update(Inquiry).where(Inquiry.status == PENDING).values(status=DELIVERED))
    db.session.commit()
    return elapsed, cpu


def before_post(arm: int) -> None:
    """Arm 0 stores each submission for the sender to judge, as the site does; arm 1
    stores it as a lead, unjudged, as a site without triage would."""
    screening.facts = _REAL_FACTS if arm == 0 else (lambda *request: None)  # type: ignore


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


@dataclass(frozen=True)
class PostCost:
    """p50 seconds, side by side: POST /contact with triage and without, and the sender's
    judging of one inquiry (the work triage moved off the request)."""

    judged: float
    unjudged: float
    judging: float
    judging_cpu: float  # of it, this process's CPU (the rest waits on the disk's commits)
    in_all: float  # POST and its judging, with triage

    def report(self) -> None:
        post, bare = self.judged * 1e3, self.unjudged * 1e3
        print(f"  POST /contact p50 {post:.2f} ms with triage, {bare:.2f} ms without")
        print(f"  with / without: {self.judged / self.unjudged:.3f} x (goal <= 1.1)")
        print(
            f"  the mail loop judges it after the answer: p50 {self.judging * 1e6:.0f} µs"
            f" ({self.judging_cpu * 1e6:.0f} µs of CPU); POST and judging together"
            f" {self.in_all / self.unjudged:.3f} x a POST without triage"
        )


def posts_side_by_side(app: Any, posts: int = 2 * POSTS) -> PostCost:
    """POST /contact p50 with triage and without it, request by request in turn on one
    app (the machine's noise falls on both alike), and the sender's judging pass."""
    try:
        judged, unjudged = post_samples(app, posts, arms=2)
    finally:
        screening.facts = _REAL_FACTS
    return PostCost(
        percentile([post for post, _, _ in judged], 50),
        percentile([post for post, _, _ in unjudged], 50),
        percentile([judging for _, judging, _ in judged], 50),
        percentile([cpu for _, _, cpu in judged], 50),
        percentile([post + judging for post, judging, _ in judged], 50),
    )


def run_cost() -> None:
    header(
        "cost: POST /contact with and without triage, and the sender's judging "
        "(test client, SQLite, one process)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        cost = posts_side_by_side(bench_app(Path(tmp)))
    print(f"  judge() p50 {judge_p50() * 1e6:.0f} µs over the corpus (in-memory Memory)")
    cost.report()
    features, load, rss = model_cost()
    print(f"  wording model: {features} features, loads in {load * 1e3:.0f} ms, {rss:.1f} MB RSS")


def run() -> None:
    run_quality()
    run_cost()


if __name__ == "__main__":
    run()
