"""Two app hosts on one PostgreSQL database (and several workers on SQLite): a link pressed on
both at once acts once, and each period has one digest, whoever reaches the hour first."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask
from sqlalchemy import func, select, text, update

from site_app.extensions import db
from site_app.outbox.models import Delivery, Digest, Inquiry, utcnow
from tests.conftest import deliver, submit, wait_for
from tests.http import send_inquiry
from tests.pg import PostgresCluster
from tests.smtp import SMTPServer
from tests.test_multihost import database, site_env, stored, two_hosts
from tests.test_triage_flow import AUTOFILL, CSRF, SECRET, digest_now, links_in, path, press
from tests.wire import text_of


def hosts(make_app: Callable[..., Flask], url: str, count: int = 2, **extra: Any) -> list[Flask]:
    hook = {"WEBHOOK_URL": "http://127.0.0.1:9/hook", "WEBHOOK_SECRET": SECRET}
    return [make_app(DATABASE_URL=url, **hook, **extra) for _ in range(count)]


def at_once(work: list[Callable[[], Any]]) -> list[Any]:
    start = threading.Barrier(len(work))

    def run(task: Callable[[], Any]) -> Any:
        start.wait()
        return task()

    with ThreadPoolExecutor(len(work)) as pool:
        return list(pool.map(run, work))


@pytest.fixture
def pg_url(postgres: PostgresCluster) -> str:
    return postgres.create_database("tri")


def test_one_release_and_one_email_when_two_hosts_take_the_same_link(
    make_app: Callable[..., Flask], smtp: SMTPServer, pg_url: str
) -> None:
    a, b = hosts(make_app, pg_url)
    submit(a.test_client(), **AUTOFILL)
    digest_now(a)
    [link] = links_in(text_of(smtp.messages()[0]), "deliver")
    clients = [a.test_client(), b.test_client()]
    tokens = [c.get(path(link)).get_data(as_text=True) for c in clients]
    assert all("Grace Hopper" in page for page in tokens)
    answers = at_once([lambda c=c: press(c, link)[0] for c in clients])
    said = sorted(r.get_data(as_text=True).count("Already delivered") for r in answers)
    assert said == [0, 1] and all(r.status_code == 200 for r in answers)
    sent = at_once([lambda: deliver(a, "host-a"), lambda: deliver(b, "host-b")])
    assert sum(sent) == 1
    assert [m["Message-ID"] for m in smtp.messages()[1:]] == [rows_message_id(a)]
    with a.app_context():
        assert db.session.scalar(select(func.count()).select_from(Delivery)) == 1


def rows_message_id(app: Flask) -> str:
    with app.app_context():
        found: str = db.session.scalar(select(Inquiry.message_id))
        return found


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_one_digest_per_period_whatever_the_workers_and_hosts(
    make_app: Callable[..., Flask], smtp: SMTPServer, backend: str, request: pytest.FixtureRequest
) -> None:
    url = request.getfixturevalue("pg_url") if backend == "postgresql" else None
    # No weekly report: from Monday 08:00 the same pass would also send last week's, whose
    # days hold these inquiries (created two days back), and count it as a second mail.
    apps = hosts(make_app, url, REPORT_EVERY=None) if url else [make_app(REPORT_EVERY=None)] * 2
    for name in ("One", "Two", "Three"):
        submit(apps[0].test_client(), **{**AUTOFILL, "name": name})
    with apps[0].app_context():
        db.session.execute(update(Inquiry).values(created_at=utcnow() - timedelta(days=2)))
        db.session.commit()
    workers = [lambda app=app, i=i: deliver(app, f"worker-{i}") for i in range(3) for app in apps]
    assert sum(at_once(workers)) == 1
    assert sum(at_once(workers)) == 0
    [digest] = smtp.messages()
    assert all(name in text_of(digest) for name in ("One", "Two", "Three"))
    with apps[0].app_context():
        assert db.session.scalar(select(func.count()).select_from(Digest)) == 1


@pytest.mark.slow
def test_two_gunicorn_hosts_send_one_digest_and_mail_a_released_lead_once(
    postgres: PostgresCluster, tmp_path: Path
) -> None:
    url = postgres.create_database("trigun")
    # No weekly report: last week's, holding these inquiries, would be a second mail on Mondays.
    with (
        SMTPServer() as relay,
        two_hosts(site_env(url, relay, REPORT_EVERY="off"), tmp_path) as (a, b),
    ):
        for n in range(3):
            status = send_inquiry(a.url, name=f"Autofill {n}", website="https://own.example.com")
            assert status == 303
        with database(url) as engine, engine.begin() as connection:
            connection.execute(
                text("UPDATE inquiries SET created_at = created_at - interval '2 days'")
            )
        # Four sender threads on two hosts reach an overdue period together.
        wait_for(lambda: len(relay.messages()) >= 1, timeout=60, what="the digest")
        time.sleep(3)  # six more polls by each of the four senders: room for a second digest
        [digest] = relay.messages()
        [link, *_] = links_in(text_of(digest), "deliver")
        sessions = [requests.Session(), requests.Session()]
        tokens = []
        for session, host in zip(sessions, (a, b), strict=True):
            page = session.get(host.url + path(link), timeout=30)
            tokens.append(CSRF.search(page.text)[1])  # type: ignore[index]
        answers = at_once(
            [
                lambda s=s, h=h, t=t: s.post(h.url + path(link), {"csrf_token": t}, timeout=30)
                for s, h, t in zip(sessions, (a, b), tokens, strict=True)
            ]
        )
        assert sorted("Already delivered" in r.text for r in answers) == [False, True]
        wait_for(lambda: len(relay.messages()) >= 2, timeout=60, what="the released lead")
        time.sleep(3)
        with database(url) as engine:
            rows = stored(engine)
    leads = relay.messages()[1:]
    assert len(leads) == 1 and str(leads[0]["Subject"]).startswith("New inquiry #")
    assert leads[0]["Message-ID"] in {message_id for _, message_id in rows.values()}
    assert sorted(status for status, _ in rows.values()) == ["delivered", "held", "held"]
