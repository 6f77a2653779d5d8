"""Issue 3's benchmarks: the form's latency while the relay is slow, and how fast
the outbox drains compared with plain smtplib sending the same messages."""

from __future__ import annotations

import os
import smtplib
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any, TypeVar

import requests

from bench import header, percentile, site_env
from tests.conftest import GOOD, form_tokens
from tests.servers import Gunicorn
from tests.smtp import Recorder, SMTPServer

SUBMISSIONS = 50
RELAY_DELAY = 3.0
DRAIN = 1_000
T = TypeVar("T")


def run_form_latency() -> None:
    header(
        f"contact form with a relay taking {RELAY_DELAY:.0f} s per message "
        f"(gunicorn -w 2, production config, sender threads on; {SUBMISSIONS} visitors in turn)"
    )
    with tempfile.TemporaryDirectory() as tmp, SMTPServer(Recorder(delay=RELAY_DELAY)) as relay:
        env = site_env(
            Path(tmp),
            relay.port,
            CONTACT_MIN_FILL_SECONDS="0",
            CONTACT_RATE_LIMIT="100000 per hour",
        )
        with Gunicorn(env, workers=2) as site:
            loads: list[float] = []
            posts: list[float] = []
            sends: list[float] = []  # the POST and the thank-you page it leads to
            for i in range(-5, SUBMISSIONS):  # the first five warm up, uncounted
                visitor = requests.Session()
                started = time.perf_counter()
                page = visitor.get(site.url + "/contact", timeout=30)
                loaded = time.perf_counter()
                page.raise_for_status()
                data = {**form_tokens(page.text), **GOOD, "message": f"Inquiry {i} of the bench."}
                sent = visitor.post(
                    site.url + "/contact", data=data, allow_redirects=False, timeout=30
                )
                posted = time.perf_counter()
                if sent.status_code != 303:
                    raise RuntimeError(f"the form answered {sent.status_code}, not 303")
                visitor.get(site.url + sent.headers["Location"], timeout=30).raise_for_status()
                thanked = time.perf_counter()
                if i >= 0:
                    loads.append(loaded - started)
                    posts.append(posted - loaded)
                    sends.append(thanked - loaded)
            started_at_relay, accepted = relay.handler.attempts, len(relay.received)
    load_p50 = percentile(loads, 50)
    for label, samples in (("POST", posts), ("POST + thank-you page", sends)):
        p50, p95 = percentile(samples, 50), percentile(samples, 95)
        print(f"  send ({label}): p50 {p50 * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms")
    load_p95 = percentile(loads, 95)
    print(f"  load /contact: p50 {load_p50 * 1000:.1f} ms, p95 {load_p95 * 1000:.1f} ms")
    print(f"  ratio p95(POST) / p50(load) = {percentile(posts, 95) / load_p50:.2f} (goal <= 3)")
    print(f"  (with the thank-you page: {percentile(sends, 95) / load_p50:.2f})")
    print(
        f"  meanwhile the senders had started {started_at_relay} messages at the relay "
        f"and it had accepted {accepted}: no visitor waited for them"
    )


def _quietly(folder: str) -> None:
    """A child's log lines (one per delivery) go to a file, not the bench's output."""
    sys.stdout = open(os.path.join(folder, f"child-{os.getpid()}.log"), "a")  # noqa: SIM115


def _app(folder: str, relay_port: int) -> Any:
    from site_app import create_app

    _quietly(folder)
    os.environ.update(site_env(Path(folder), relay_port))  # a fresh child: parsed as in production
    return create_app()


def seed(folder: str, relay_port: int) -> int:
    from site_app.database import upgrade_schema
    from site_app.outbox import store

    app = _app(folder, relay_port)
    upgrade_schema(app)
    with app.app_context():
        for i in range(DRAIN):
            fields = {**GOOD, "name": f"Visitor {i}", "message": f"Inquiry number {i}.\n" * 5}
            store.store(f"bench-{i:05d}", fields, "0" * 64, None)
    return DRAIN


def drain(folder: str, relay_port: int) -> tuple[int, float]:
    """The sender's own loop, in one process: deliver batches until none is due."""
    from site_app.outbox.sender import deliver_due

    app = _app(folder, relay_port)
    config = app.config
    delivered = 0
    with app.app_context():
        started = time.perf_counter()
        while sent := deliver_due(
            "bench", config["OUTBOX_BATCH_SIZE"], config["OUTBOX_LEASE_SECONDS"]
        ):
            delivered += sent
        return delivered, time.perf_counter() - started


def _smtplib(folder: str, relay_port: int, prebuilt: bool) -> tuple[int, float]:
    """The same messages over one smtplib connection; ``prebuilt``: their bytes made
    beforehand (the transport alone), else built from the rows inside the timing."""
    from flask_mail import sanitize_address, sanitize_addresses
    from sqlalchemy import select

    from site_app.extensions import db
    from site_app.outbox.message import build
    from site_app.outbox.models import Inquiry

    app = _app(folder, relay_port)
    with app.app_context():
        rows = list(db.session.scalars(select(Inquiry).order_by(Inquiry.id)))
        db.session.expunge_all()
        ready = [build(row).as_bytes() for row in rows] if prebuilt else []
        envelope = build(rows[0])  # the envelope Flask-Mail's Connection.send gives each
        sender = sanitize_address(envelope.sender)
        recipients = list(sanitize_addresses(envelope.send_to))
        started = time.perf_counter()
        with smtplib.SMTP("127.0.0.1", relay_port, timeout=10) as smtp:
            for i, row in enumerate(rows):
                smtp.sendmail(sender, recipients, ready[i] if prebuilt else build(row).as_bytes())
        return len(rows), time.perf_counter() - started


def smtplib_prebuilt(folder: str, relay_port: int) -> tuple[int, float]:
    return _smtplib(folder, relay_port, prebuilt=True)


def smtplib_building(folder: str, relay_port: int) -> tuple[int, float]:
    return _smtplib(folder, relay_port, prebuilt=False)


def _in_child(function: Callable[[str, int], T], folder: str, port: int) -> T:
    """Run in a fresh process, so the relay's thread here does not share its GIL."""
    with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
        return pool.submit(function, folder, port).result()


def run_drain() -> None:
    header(f"drain: {DRAIN:,} pending inquiries to a loopback aiosmtpd relay (SQLite outbox)")
    sender, building, prebuilt = (
        "outbox sender (deliver_due loop)",
        "smtplib, building each message",
        "smtplib, bytes built beforehand",
    )
    # The baselines run before and after the sender, which runs once (it empties the outbox).
    runs = (
        (building, smtplib_building),
        (prebuilt, smtplib_prebuilt),
        (sender, drain),
        (prebuilt, smtplib_prebuilt),
        (building, smtplib_building),
    )
    seconds: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp, SMTPServer() as relay:
        started = time.perf_counter()
        _in_child(seed, tmp, relay.port)
        stored = time.perf_counter() - started
        print(f"  stored {DRAIN:,} inquiries through store.store in {stored:.1f} s")
        for name, function in runs:
            relay.received.clear()
            count, took = _in_child(function, tmp, relay.port)
            if count != DRAIN or len(relay.received) != DRAIN:
                raise RuntimeError(f"{name}: sent {count}, relay got {len(relay.received)}")
            seconds[name] = min(seconds.get(name, took), took)
            print(f"  {name:<34} {took:6.2f} s  {DRAIN / took:6.0f} messages/s")
    build_ms = (seconds[building] - seconds[prebuilt]) / DRAIN * 1000
    print(
        f"  ratio sender / smtplib building each message = "
        f"{seconds[building] / seconds[sender]:.2f} (goal >= 0.5; best baseline run)"
    )
    print(
        f"  ratio sender / smtplib with the bytes built beforehand = "
        f"{seconds[prebuilt] / seconds[sender]:.2f} (the transport alone: building one "
        f"message takes {build_ms:.1f} ms, more than its SMTP exchange)"
    )


def run() -> None:
    run_form_latency()
    run_drain()
