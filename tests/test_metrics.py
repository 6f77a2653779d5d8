"""What ops scrape: every request counted by its URL rule, the outbox read from the
database at scrape time, and the counts of recycled workers kept."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from prometheus_client import REGISTRY, CollectorRegistry
from prometheus_client.mmap_dict import MmapedDict, mmap_key
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import update

from site_app.devmail import free_port
from site_app.extensions import db
from site_app.metrics.outbox import OutboxCollector
from site_app.metrics.server import compact
from site_app.outbox.models import Inquiry, utcnow
from tests.conftest import deliver, judge, submit, wait_for
from tests.http import send_inquiry
from tests.servers import ROOT, Gunicorn
from tests.smtp import SMTPServer

SECTION = "/guide/why-do-they-matter"


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def requests_total(route: str, status: str = "200", method: str = "GET") -> float:
    labels = {"method": method, "route": route, "status": status}
    return sample("glissando_http_requests_total", **labels)


def test_every_request_counts_by_its_url_rule_page_cache_hits_included(
    make_app: Callable[..., Flask],
) -> None:
    client = make_app(METRICS_BIND="127.0.0.1:9").test_client()
    before = requests_total("/guide/<slug>"), requests_total("(unmatched)", "404")
    timed = sample("glissando_http_request_duration_seconds_count", method="GET", route="/")
    for _ in range(3):  # the first through Flask, the next two from the page cache
        assert client.get(SECTION).status_code == 200
    assert client.get("/no/such/page").status_code == 404
    assert client.get("/").status_code == 200
    assert requests_total("/guide/<slug>") == before[0] + 3
    assert requests_total("(unmatched)", "404") == before[1] + 1
    assert requests_total(SECTION) == 0  # never the raw path
    assert sample("glissando_http_request_duration_seconds_count", method="GET", route="/") == (
        timed + 1
    )


def test_without_metrics_bind_requests_are_not_timed(make_app: Callable[..., Flask]) -> None:
    client = make_app().test_client()
    before = requests_total("/contact")
    assert client.get("/contact").status_code == 200
    assert requests_total("/contact") == before


def test_inquiries_and_deliveries_are_counted_by_outcome(
    make_app: Callable[..., Flask], smtp: SMTPServer
) -> None:
    app = make_app(CONTACT_RATE_LIMIT="2 per hour")
    client = app.test_client()

    def inquiries(outcome: str) -> float:
        return sample("glissando_contact_inquiries_total", outcome=outcome)

    def attempts(outcome: str) -> float:
        return sample("glissando_outbox_delivery_attempts_total", outcome=outcome)

    def verdicts(outcome: str) -> float:
        return sample("glissando_triage_verdicts_total", outcome=outcome)

    before = {o: inquiries(o) for o in ("accepted", "held", "invalid", "rate_limited")}
    judged = {o: verdicts(o) for o in ("lead", "held", "spam", "error")}
    honeypots = sample("glissando_triage_signals_total", signal="honeypot")
    tried = {o: attempts(o) for o in ("delivered", "retry")}
    relayed = sample("glissando_outbox_relay_seconds_count")
    assert submit(client, email="not an address").status_code == 422
    assert submit(client, website="http://spam.example.com").status_code == 303
    smtp.handler.mode = "tempfail"
    assert submit(client).status_code == 303
    assert submit(client).status_code == 429
    assert deliver(app) == 0
    smtp.handler.mode = "accept"
    with app.app_context():
        db.session.execute(update(Inquiry).values(next_attempt_at=utcnow()))
        db.session.commit()
    assert deliver(app) == 1
    assert {o: inquiries(o) - n for o, n in before.items()} == {
        "accepted": 2,  # stored: the sender judges them
        "held": 0,
        "invalid": 1,
        "rate_limited": 1,
    }
    assert {o: verdicts(o) - n for o, n in judged.items()} == {
        "lead": 1,
        "held": 1,
        "spam": 0,
        "error": 0,
    }
    assert {o: attempts(o) - n for o, n in tried.items()} == {"delivered": 1, "retry": 1}
    assert sample("glissando_triage_signals_total", signal="honeypot") == honeypots + 1
    assert sample("glissando_outbox_relay_seconds_count") == relayed + 2


def test_the_assistants_questions_are_counted_answered_or_handed_off(client: FlaskClient) -> None:
    def questions(outcome: str) -> float:
        return sample("glissando_assistant_questions_total", outcome=outcome)

    answered, handed_off = questions("answered"), questions("handed_off")
    assert client.get("/ask?q=What is CLIP?").status_code == 200
    assert client.get("/ask?q=How much does a chatbot cost?").status_code == 200
    assert client.get("/ask?q=qwxz plorf").status_code == 200
    assert client.get("/ask").status_code == 200  # no question asked: nothing counted
    assert questions("answered") == answered + 1
    assert questions("handed_off") == handed_off + 2


def scrape(collector: OutboxCollector) -> dict[str, float]:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(collector)
    return {
        f"{s.name}{{{','.join(s.labels.values())}}}" if s.labels else s.name: s.value
        for family in registry.collect()
        for s in family.samples
    }


def test_outbox_figures_are_read_from_the_database_at_scrape_time(
    make_app: Callable[..., Flask], smtp: SMTPServer
) -> None:
    # The digest's period starts an hour from now, so the held inquiry (backdated 20 minutes
    # below) is never due for one: at 08:10 UTC, with the default 08:00, it was.
    starts = utcnow() + timedelta(hours=1)
    app = make_app(DIGEST_AT=(starts.hour, starts.minute), DIGEST_EVERY=timedelta(days=1))
    collector = OutboxCollector(app)
    client = app.test_client()
    first = scrape(collector)
    assert first["glissando_database_up"] == 1
    assert first["glissando_outbox_inquiries{pending}"] == 0
    assert first["glissando_outbox_oldest_pending_age_seconds"] == 0
    assert first["glissando_outbox_last_delivery_timestamp_seconds"] == 0
    smtp.handler.mode = "tempfail"
    submit(client)
    submit(client, website="http://spam.example.com")
    judge(app)
    with app.app_context():
        db.session.execute(update(Inquiry).values(created_at=utcnow() - timedelta(minutes=20)))
        db.session.commit()
    stuck = scrape(collector)
    assert stuck["glissando_outbox_inquiries{pending}"] == 1
    assert stuck["glissando_outbox_inquiries{held}"] == 1
    assert 1190 < stuck["glissando_outbox_oldest_pending_age_seconds"] < 1300
    smtp.handler.mode = "accept"
    assert deliver(app) == 1
    moving = scrape(collector)
    assert moving["glissando_outbox_inquiries{pending}"] == 0
    assert moving["glissando_outbox_inquiries{delivered}"] == 1
    assert moving["glissando_outbox_oldest_pending_age_seconds"] == 0
    assert moving["glissando_outbox_last_delivery_timestamp_seconds"] > 1.7e9


def test_a_database_that_does_not_answer_is_a_figure_not_a_failed_scrape(
    tmp_path: Path, make_app: Callable[..., Flask]
) -> None:
    folder = tmp_path / "db"
    folder.mkdir()
    app = make_app(DATABASE_URL=f"sqlite:///{folder / 'site.db'}")
    collector = OutboxCollector(app)
    assert scrape(collector)["glissando_database_up"] == 1
    shutil.rmtree(folder)
    with app.app_context():
        db.engine.dispose()
    assert scrape(collector) == {"glissando_database_up": 0}


def write_counter(folder: Path, pid: str, value: float) -> None:
    values = MmapedDict(str(folder / f"counter_{pid}.db"))
    key = mmap_key("hits", "hits_total", ["route"], ["/"], "Hits.")
    values.write_value(key, value, 0.0)
    values.close()


def total(folder: Path) -> float:
    [family] = MultiProcessCollector(None, str(folder)).collect()
    return sum(s.value for s in family.samples)


def test_dead_workers_files_fold_into_an_archive_and_totals_never_drop(tmp_path: Path) -> None:
    for pid, value in (("101", 5), ("102", 7), ("103", 11)):
        write_counter(tmp_path, pid, value)
    (tmp_path / "dead_101").touch()
    assert compact(tmp_path) == 1
    assert total(tmp_path) == 23
    (tmp_path / "dead_102").touch()
    (tmp_path / "dead_103").touch()
    assert compact(tmp_path) == 2
    assert total(tmp_path) == 23
    assert sorted(p.name for p in tmp_path.iterdir()) == ["counter_archive.db"]


@pytest.mark.slow
def test_gunicorn_serves_all_workers_counts_on_its_own_port_as_workers_recycle(
    tmp_path: Path,
) -> None:
    metrics_port = free_port()
    folder = tmp_path / "metrics"
    folder.mkdir()
    (folder / "counter_999.db").write_bytes(b"left from an earlier run")
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'site.db'}",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(free_port()),  # no relay: mail waits
        "CONTACT_MIN_FILL_SECONDS": "0",
        "METRICS_BIND": f"127.0.0.1:{metrics_port}",
        "PROMETHEUS_MULTIPROC_DIR": str(folder),
        "GUNICORN_MAX_REQUESTS": "10",  # every worker recycled several times
    }
    with Gunicorn(env, workers=2, log_path=tmp_path / "gunicorn.log") as site:
        with requests.Session() as session:
            for _ in range(60):
                assert session.get(site.url + SECTION, timeout=10).status_code == 200
        assert send_inquiry(site.url) == 303
        assert requests.get(site.url + "/metrics", timeout=10).status_code == 404  # not public

        def figures() -> dict[str, float]:
            text = requests.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10).text
            return {
                f"{s.name}{sorted(s.labels.items())}": s.value
                for family in text_string_to_metric_families(text)
                for s in family.samples
            }

        wait_for(lambda: bool(figures()), what="the metrics endpoint")
        found = figures()
        key = "glissando_http_requests_total[('method', 'GET'), ('route', '/guide/<slug>'), "
        assert found[key + "('status', '200')]"] == 60
        assert found["glissando_outbox_inquiries[('state', 'pending')]"] == 1
        assert found["glissando_contact_inquiries_total[('outcome', 'accepted')]"] == 1

        # 60+ requests at 10 a worker: six or more workers have come and gone, yet after
        # a scrape the folder holds the archives and the two live workers' files, no more.
        def pids() -> set[str]:
            figures()
            return {p.stem.split("_")[1] for p in folder.glob("*.db")} - {"archive"}

        wait_for(lambda: len(pids()) <= 2, what=f"dead workers' files folded: {pids()}")
        assert (folder / "counter_archive.db").exists()
    assert "counter_999.db" not in {p.name for p in folder.iterdir()}  # fresh at start


@pytest.mark.slow
def test_a_sender_run_on_its_own_serves_its_counts_too(
    app: Flask, tmp_path: Path, smtp: SMTPServer
) -> None:
    assert submit(app.test_client()).status_code == 303
    bind = f"127.0.0.1:{free_port()}"
    env = {
        **os.environ,
        "DATABASE_URL": app.config["DATABASE_URL"],
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp.port),
        "METRICS_BIND": bind,
    }
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "outbox", "worker"]
    sender = subprocess.Popen(command, cwd=ROOT, env=env, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: len(smtp.received) == 1, timeout=60, what="the delivery")

        def scraped() -> dict[tuple[str, tuple[str, ...]], float]:
            try:
                text = requests.get(f"http://{bind}/metrics", timeout=5).text
            except requests.ConnectionError:
                return {}
            return {
                (s.name, tuple(s.labels.values())): s.value
                for family in text_string_to_metric_families(text)
                for s in family.samples
            }

        attempts = ("glissando_outbox_delivery_attempts_total", ("delivered",))
        pending = ("glissando_outbox_inquiries", ("pending",))
        wait_for(
            lambda: scraped().get(attempts) == 1 and scraped().get(pending) == 0,
            what="the worker's metrics",
        )
    finally:
        sender.terminate()
        sender.wait(timeout=30)
