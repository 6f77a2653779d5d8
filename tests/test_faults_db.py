"""The database going away under the contact form and the sender: PostgreSQL stopped,
SQLite locked, read-only or full. The visitor gets an honest 503 that keeps every word,
nothing is half-stored, and once the database is back everything carries on unrestarted."""

from __future__ import annotations

import html
import logging
import shutil
import sqlite3
import subprocess
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from prometheus_client import REGISTRY
from sqlalchemy import event, func, select, text

from site_app import create_app, health
from site_app.extensions import db
from site_app.outbox import worker
from site_app.outbox.models import DELIVERED, Inquiry, RateHit
from tests.conftest import GOOD, form_tokens, test_config, wait_for
from tests.outage import start_server, stop_server
from tests.pg import PostgresCluster
from tests.smtp import SMTPServer
from tests.test_html_valid import VNU
from tests.test_outbox import rows

COUNT = "glissando_contact_inquiries_total"

WORDS = {
    **GOOD,
    "name": "Zoë O’Brien",
    # Long enough to need pages of its own, so a full database cannot take it.
    "message": "Line one: naïve café, 50% off & <b>bold</b>?\nLine two —\n"
    + "\n".join(["la la la la la la la la la la"] * 140),
}


def load_form(client: FlaskClient) -> dict[str, str]:
    page = client.get("/contact")
    return {**form_tokens(page.get_data(as_text=True)), **WORDS}


def assert_unavailable_page(response: Any) -> None:
    """The 503 a visitor sees: every word back in the form, nothing sent said once,
    phone, e-mail and a mailto: link carrying the message."""
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert page.count("Nothing was sent") == 1
    for value in (WORDS["name"], WORDS["email"]):
        assert f'value="{html.escape(value)}"' in page
    assert f"{html.escape(WORDS['message'])}</textarea>" in page
    assert '<option selected value="Chatbot">' in page
    assert 'href="tel:' in page and 'href="mailto:info@glissando.ai"' in page
    assert quote(WORDS["message"], safe="") in page  # the pre-filled mailto: link
    assert response.headers["Cache-Control"] == "private, no-store"


def assert_not_ready(client: FlaskClient, problem: str) -> None:
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json == {"status": "unavailable", "problems": [problem]}


def stored(app: Flask) -> tuple[int, int]:
    """Inquiries and rate-limit hits: a Send either keeps both or neither."""
    with app.app_context():
        return (
            db.session.scalar(select(func.count()).select_from(Inquiry)) or 0,
            db.session.scalar(select(func.count()).select_from(RateHit)) or 0,
        )


def test_sqlite_locked_past_the_busy_timeout_is_a_503_that_keeps_every_word(
    app: Flask, client: FlaskClient, tmp_path: Path
) -> None:
    data = load_form(client)
    blocker = sqlite3.connect(tmp_path / "site.db", isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")  # another process holding the write lock
    try:
        assert_unavailable_page(client.post("/contact", data=data))
        assert client.get("/").status_code == 200  # the guide is still served
        assert_not_ready(client, "database locked")
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert client.get("/readyz").status_code == 200
    assert stored(app) == (0, 0)  # nothing half-stored
    assert client.post("/contact", data=data).status_code == 303  # Send again: accepted
    assert client.post("/contact", data=data).status_code == 303
    assert stored(app) == (1, 1)


@contextmanager
def pragma(app: Flask, statement: str) -> Iterator[None]:
    """Every new connection of the app runs ``statement``: how a read-only or full
    database looks to SQLite (SQLITE_READONLY, SQLITE_FULL) without root-proof chmod."""

    def apply(connection: Any, record: Any) -> None:
        connection.execute(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "connect", apply)
    engine.dispose()
    try:
        yield
    finally:
        event.remove(engine, "connect", apply)
        engine.dispose()


def test_readyz_does_not_wait_out_the_apps_busy_timeout_on_a_locked_sqlite(
    app: Flask, client: FlaskClient, tmp_path: Path
) -> None:
    """The app waits an hour for the lock, which is let go after a minute: a probe that
    waited like the app would answer 200 a minute late, not 503."""
    blocker = sqlite3.connect(tmp_path / "site.db", isolation_level=None, check_same_thread=False)
    blocker.execute("BEGIN EXCLUSIVE")
    release = threading.Timer(60, blocker.execute, ["ROLLBACK"])
    with pragma(app, "PRAGMA busy_timeout = 3600000"):
        release.start()
        try:
            assert_not_ready(client, "database locked")
            assert_not_ready(client, "database locked")  # the pooled connection again
        finally:
            release.cancel()
            if blocker.in_transaction:
                blocker.execute("ROLLBACK")
            blocker.close()
        assert client.get("/readyz").status_code == 200
        with app.app_context(), db.engine.connect() as connection:
            # The probe's own short timeout was not left on the app's connection.
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 3600000


@pytest.mark.parametrize(
    ("fault", "statement"),
    [
        ("read-only", "PRAGMA query_only = ON"),
        ("full", "PRAGMA max_page_count = 1"),  # no more pages than it has now
    ],
)
def test_sqlite_read_only_or_full_is_a_503_and_then_accepts_again(
    app: Flask, client: FlaskClient, fault: str, statement: str
) -> None:
    data = load_form(client)
    unavailable = REGISTRY.get_sample_value(COUNT, {"outcome": "unavailable"}) or 0
    with pragma(app, statement):
        assert_unavailable_page(client.post("/contact", data=data))
        assert client.get("/").status_code == 200
        assert_not_ready(client, f"database {fault}")
    assert client.get("/readyz").status_code == 200
    assert stored(app) == (0, 0)
    assert REGISTRY.get_sample_value(COUNT, {"outcome": "unavailable"}) == unavailable + 1
    assert client.post("/contact", data=data).status_code == 303
    assert stored(app) == (1, 1)


@pytest.fixture(scope="module")
def own_postgres() -> Iterator[PostgresCluster]:
    """A server of this module's own: stopping the session's would fail other tests."""
    with PostgresCluster() as cluster:
        yield cluster


def test_postgresql_stopped_is_a_503_then_the_form_and_the_sender_resume_unrestarted(
    make_app: Callable[..., Flask],
    smtp: SMTPServer,
    own_postgres: PostgresCluster,
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = make_app(DATABASE_URL=own_postgres.create_database(), OUTBOX_POLL_SECONDS=0.1)
    client = app.test_client()
    worker.start_thread(app)
    sender, _ = worker._threads[-1]
    try:
        before = load_form(client)
        assert client.post("/contact", data={**before, "message": "Before"}).status_code == 303
        wait_for(lambda: len(smtp.received) == 1, what="the first inquiry delivered")
        data = load_form(client)
        with caplog.at_level(logging.INFO):
            options = stop_server(own_postgres)
            try:
                assert_unavailable_page(client.post("/contact", data=data))
                assert client.get("/").status_code == 200
                assert client.get("/contact").status_code == 200
                ready = client.get("/readyz")
                assert ready.status_code == 503
                assert "database unreachable" in ready.json["problems"][0]
                wait_for(lambda: "outbox sender" in caplog.text, what="the sender failing")
            finally:
                start_server(own_postgres, options)
            # Back: the same form is accepted at once, and the same thread mails it.
            assert client.post("/contact", data=data).status_code == 303
            wait_for(lambda: len(smtp.received) == 2, what="the second inquiry delivered")
            # The sender says so after the pass that mailed it returns, not before.
            wait_for(lambda: "working again" in caplog.text, what="the sender saying so")
        assert sender.is_alive()
    finally:
        worker.stop_threads(timeout=10)
    assert client.get("/readyz").status_code == 200
    assert [r.status for r in rows(app)] == [DELIVERED, DELIVERED]
    bodies = [m.get_body(("plain",)).get_content().replace("\r\n", "\n") for m in smtp.messages()]
    assert "Before" in bodies[0] and WORDS["message"] in bodies[1]


def test_postgresql_read_only_is_a_503(
    make_app: Callable[..., Flask], postgres: PostgresCluster
) -> None:
    url = postgres.create_database()
    app = make_app(DATABASE_URL=url)
    client = app.test_client()
    data = load_form(client)
    name = url.rsplit("/", 1)[1]
    with postgres.admin() as admin:  # as a hot standby or a full disk's read-only mode
        admin.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
    with app.app_context():
        db.engine.dispose()
    assert_unavailable_page(client.post("/contact", data=data))
    assert_not_ready(client, "database read-only")
    with postgres.admin() as admin:
        admin.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = off')
    with app.app_context():
        db.engine.dispose()
    assert client.get("/readyz").status_code == 200
    assert client.post("/contact", data=data).status_code == 303
    assert stored(app) == (1, 1)


def test_postgresql_dropping_the_connection_after_the_answer_keeps_the_303(
    make_app: Callable[..., Flask], postgres: PostgresCluster
) -> None:
    """A restart between the view's answer and the session's clean-up: the inquiry is
    stored, so the visitor must see the thank-you redirect, not an error."""
    app = make_app(DATABASE_URL=postgres.create_database())

    @app.after_request
    def restart_now(response: Any) -> Any:
        pid = db.session.scalar(text("SELECT pg_backend_pid()"))  # a transaction left open
        with postgres.admin() as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        return response

    client = app.test_client()
    data = load_form(client)
    assert client.post("/contact", data=data).status_code == 303
    assert stored(app) == (1, 1)


def test_sqlite_opened_read_only_is_not_ready(app: Flask, tmp_path: Path, smtp: SMTPServer) -> None:
    """SQLite opens a file it may only read (its permissions, a read-only mount, or here
    ``mode=ro``) read-only without a word: only a write finds out."""
    url = f"sqlite:///file:{tmp_path / 'site.db'}?mode=ro&uri=true"
    assert_not_ready(
        create_app(test_config(tmp_path, smtp.port, DATABASE_URL=url)).test_client(),
        "database read-only",
    )
    assert app.test_client().get("/readyz").status_code == 200


def test_too_little_disk_beside_sqlite_is_not_ready(
    client: FlaskClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real free space of the disk under the file, against a room it cannot have."""
    assert client.get("/readyz").status_code == 200
    monkeypatch.setattr(health, "ROOM_BYTES", shutil.disk_usage(tmp_path).total + 1)
    assert_not_ready(client, "database full")
    monkeypatch.undo()
    assert client.get("/readyz").status_code == 200


def test_the_503_page_is_valid_html(app: Flask, client: FlaskClient, tmp_path: Path) -> None:
    data = load_form(client)
    with pragma(app, "PRAGMA query_only = ON"):
        page = client.post("/contact", data=data)
    assert page.status_code == 503
    saved = tmp_path / "unavailable.html"
    saved.write_bytes(page.data)
    assert VNU.exists(), "vnu.jar is missing: run scripts/ensure-tools.sh"
    checked = subprocess.run(
        ["java", "-jar", str(VNU), "--errors-only", str(saved)], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stderr
