"""The durable outbox and its sender against a real relay that fails in the usual ways."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from site_app.extensions import db
from site_app.outbox import leases, store
from site_app.outbox.models import DELIVERED, FAILED, HELD, PENDING, Inquiry, RateHit, utcnow
from site_app.outbox.sender import deliver_due
from tests.conftest import deliver, judge, submit, test_config
from tests.smtp import SMTPServer


def rows(app: Flask) -> list[Inquiry]:
    with app.app_context():
        found = list(db.session.scalars(select(Inquiry).order_by(Inquiry.id)))
        db.session.expunge_all()
        return found


def make_due(app: Flask) -> None:
    """Skip the backoff wait, as time passing would."""
    with app.app_context():
        db.session.execute(update(Inquiry).values(next_attempt_at=utcnow()))
        db.session.commit()


def test_relay_down_then_up_every_inquiry_arrives_once(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    with SMTPServer() as relay:
        port = relay.port
    app = make_app(MAIL_PORT=port)  # nothing listens there now
    client = app.test_client()
    for i in range(3):
        submit(client, message=f"Inquiry {i}")
    assert deliver(app) == 0
    assert [r.status for r in rows(app)] == [PENDING] * 3
    assert all("refused" in (r.last_error or "").lower() for r in rows(app))
    assert all(r.next_attempt_at <= utcnow() + timedelta(seconds=10) for r in rows(app))
    with SMTPServer(port=port) as relay:
        make_due(app)
        assert deliver(app) == 3
        make_due(app)
        assert deliver(app) == 0
        bodies = sorted(m.get_body(("plain",)).get_content() for m in relay.messages())
    assert [f"Inquiry {i}" in b for i, b in enumerate(bodies)] == [True] * 3
    assert len({m["Message-ID"] for m in relay.messages()}) == 3
    assert {r.status for r in rows(app)} == {DELIVERED}


def test_a_4xx_answer_is_retried_with_backoff(
    app: Flask, client: FlaskClient, smtp: SMTPServer, caplog: pytest.LogCaptureFixture
) -> None:
    smtp.handler.mode = "tempfail"
    submit(client)
    with caplog.at_level(logging.INFO):
        assert deliver(app) == 0
    [row] = rows(app)
    assert row.status == PENDING and row.attempts == 1
    assert "451" in (row.last_error or "")
    assert timedelta(0) < row.next_attempt_at - utcnow() <= timedelta(seconds=10)
    assert deliver(app) == 0 and smtp.handler.attempts == 1  # not due yet
    assert f"inquiry {row.id} attempt 1 failed, will retry" in caplog.text
    smtp.handler.mode = "accept"
    make_due(app)
    assert deliver(app) == 1
    assert rows(app)[0].status == DELIVERED and rows(app)[0].attempts == 2


def test_a_5xx_answer_fails_for_good_visible_in_status(
    app: Flask, client: FlaskClient, smtp: SMTPServer, caplog: pytest.LogCaptureFixture
) -> None:
    smtp.handler.mode = "permfail"
    submit(client)
    with caplog.at_level(logging.ERROR):
        deliver(app)
    [row] = rows(app)
    assert row.status == FAILED and "554" in (row.last_error or "")
    assert any(
        r.levelno == logging.ERROR and f"inquiry {row.id}" in r.getMessage() for r in caplog.records
    )
    status = app.test_cli_runner().invoke(args=["outbox", "status"])
    assert status.exit_code == 0
    assert "failed     1" in status.output and "554" in status.output
    failed = app.test_cli_runner().invoke(args=["outbox", "list", "--state", "failed"]).output
    assert failed.split()[:2] == [str(row.id), FAILED]
    make_due(app)
    assert deliver(app) == 0  # failed stays failed until ops retry it
    smtp.handler.mode = "accept"
    retried = app.test_cli_runner().invoke(args=["outbox", "retry", "--failed"])
    assert "queued 1" in retried.output
    assert deliver(app) == 1
    assert rows(app)[0].status == DELIVERED


def test_a_relay_that_hangs_times_out_and_the_inquiry_waits(
    make_app: Callable[..., Flask], smtp: SMTPServer
) -> None:
    app = make_app(MAIL_TIMEOUT=1.0)
    smtp.handler.mode = "hang"
    submit(app.test_client())
    started = time.monotonic()
    assert deliver(app) == 0
    assert time.monotonic() - started < 30  # bounded by MAIL_TIMEOUT, not forever
    [row] = rows(app)
    assert row.status == PENDING and "timed out" in (row.last_error or "")


def test_backoff_grows_is_capped_and_gives_up_after_the_limit(app: Flask) -> None:
    with app.app_context():
        first = [leases.backoff(1) for _ in range(50)]
        assert max(first) <= 10 and min(first) > 0
        assert all(leases.backoff(4) > 5 for _ in range(20))
        late = [leases.backoff(30) for _ in range(50)]
        assert max(late) <= 900 and min(late) >= 450
        assert len(set(first)) > 1  # jitter


def test_an_inquiry_older_than_three_days_is_marked_failed_not_deleted(
    app: Flask, client: FlaskClient, smtp: SMTPServer
) -> None:
    submit(client)
    with app.app_context():
        db.session.execute(update(Inquiry).values(created_at=utcnow() - timedelta(days=3)))
        db.session.commit()
    smtp.handler.mode = "tempfail"
    deliver(app)
    [row] = rows(app)
    assert row.status == FAILED


def test_a_sender_that_dies_mid_send_leaves_its_claim_to_expire(
    app: Flask, client: FlaskClient, smtp: SMTPServer
) -> None:
    submit(client)
    judge(app)
    with app.app_context():
        [claimed] = store.claim("dead-sender", 10, lease_seconds=60)  # and then it dies
        assert store.claim("other", 10, lease_seconds=60) == []
        assert deliver_due("other", 10, 60) == 0
        db.session.execute(update(Inquiry).values(lease_until=utcnow() - timedelta(seconds=1)))
        db.session.commit()
        assert deliver_due("other", 10, 60) == 1
        # The dead sender's late report cannot overwrite the new state.
        assert leases.mark_delivered(claimed) is False
    [mail] = smtp.messages()
    assert mail["Message-ID"] == claimed.message_id


def test_ops_commands_list_retry_and_purge(
    app: Flask, client: FlaskClient, smtp: SMTPServer
) -> None:
    submit(client, message="to deliver")
    submit(client, message="spam", website="http://bot.example.com")
    smtp.handler.mode = "permfail"
    deliver(app)
    submit(client, message="pending")
    runner = app.test_cli_runner()
    listing = runner.invoke(args=["outbox", "list"]).output.splitlines()
    assert [line.split()[1] for line in listing] == [PENDING, HELD, FAILED]
    assert "ada@example.com" in listing[0]
    assert runner.invoke(args=["outbox", "list", "--state", "held"]).output.count("\n") == 1
    assert runner.invoke(args=["outbox", "retry"]).exit_code != 0
    smtp.handler.mode = "accept"
    assert "queued 1" in runner.invoke(args=["outbox", "retry", "1"]).output
    deliver(app)
    statuses = {r.id: r.status for r in rows(app)}
    assert statuses == {1: DELIVERED, 2: HELD, 3: DELIVERED}
    assert "purged 0" in runner.invoke(args=["outbox", "purge", "--older-than", "90d"]).output
    with app.app_context():
        db.session.execute(update(Inquiry).values(created_at=utcnow() - timedelta(days=91)))
        db.session.execute(update(Inquiry).where(Inquiry.id == 3).values(status=FAILED))
        db.session.commit()
    assert "purged 2" in runner.invoke(args=["outbox", "purge", "--older-than", "90d"]).output
    assert [r.id for r in rows(app)] == [3]  # failed inquiries are never deleted
    with app.app_context():
        db.session.execute(update(RateHit).values(hit_at=utcnow() - timedelta(days=2)))
        db.session.commit()
    forgot = runner.invoke(args=["outbox", "purge", "--older-than", "90d"]).output
    assert "forgot 3 expired rate-limit hits" in forgot
    bad = runner.invoke(args=["outbox", "purge", "--older-than", "soon"])
    assert bad.exit_code != 0


def test_status_reports_counts_and_oldest_pending_age(app: Flask, client: FlaskClient) -> None:
    submit(client)
    output = app.test_cli_runner().invoke(args=["outbox", "status"]).output
    assert "pending    1" in output and "delivered  0" in output
    assert "oldest pending: " in output and "oldest pending: -" not in output


def test_readyz_stays_ready_while_mail_waits_and_shows_no_relay_error(
    app: Flask, client: FlaskClient, smtp: SMTPServer
) -> None:
    smtp.handler.mode = "tempfail"
    submit(client)
    with app.app_context():
        db.session.execute(update(Inquiry).values(created_at=utcnow() - timedelta(hours=5)))
        db.session.commit()
    deliver(app)
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json == {"status": "ok", "database": "sqlite"}
    status = app.test_cli_runner().invoke(args=["outbox", "status"]).output
    assert "last error: relay answered 4" in status  # the details are for ops


def test_readyz_503_when_the_database_is_unreachable(tmp_path: Path, smtp: SMTPServer) -> None:
    from site_app import create_app
    from site_app.database import upgrade_schema

    folder = tmp_path / "db"
    folder.mkdir()
    config = test_config(tmp_path, smtp.port, DATABASE_URL=f"sqlite:///{folder / 'site.db'}")
    app = create_app(config)
    upgrade_schema(app)
    client = app.test_client()
    assert client.get("/readyz").status_code == 200
    folder.rename(tmp_path / "gone")
    with app.app_context():
        db.engine.dispose()
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert "database unreachable" in ready.json["problems"][0]
    assert client.get("/healthz").status_code == 200  # the process itself is alive
