"""The relay misbehaving in ways beyond refusing and failing: hanging up after DATA,
trickling its answers, answering 4xx for ever."""

from __future__ import annotations

import email
import email.policy
import logging
from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import select

from site_app.extensions import db
from site_app.outbox.models import DELIVERED, FAILED, PENDING, Inquiry
from site_app.outbox.worker import start_thread, stop_threads
from tests.badrelay import BadRelay
from tests.conftest import deliver, submit, wait_for
from tests.smtp import SMTPServer
from tests.test_outbox import make_due, rows


def message_ids(relay: BadRelay) -> list[str]:
    return [
        str(email.message_from_bytes(raw, policy=email.policy.default)["Message-ID"])
        for raw in relay.received
    ]


def test_a_relay_that_hangs_up_after_data_gets_the_message_again_with_its_message_id(
    make_app: Callable[..., Flask],
) -> None:
    with BadRelay("drop", drops=1) as relay:
        app = make_app(MAIL_PORT=relay.port)
        submit(app.test_client())
        assert deliver(app) == 0
        [row] = rows(app)
        # The relay read the whole message but never said whether it took it.
        assert len(relay.received) == 1 and relay.answered == 0
        assert row.status == PENDING and "closed" in (row.last_error or "")
        make_due(app)
        assert deliver(app) == 1
    assert rows(app)[0].status == DELIVERED
    assert relay.answered == 1
    assert message_ids(relay) == [row.message_id, row.message_id]  # the inbox can tell


def test_a_relay_trickling_its_answers_is_bounded_by_mail_timeout_for_the_whole_attempt(
    make_app: Callable[..., Flask],
) -> None:
    # Each byte comes well within MAIL_TIMEOUT, so a per-read timeout would wait the
    # whole conversation out (several seconds) and deliver; the attempt as a whole cannot.
    with BadRelay("trickle", byte_delay=0.04) as relay:
        app = make_app(MAIL_PORT=relay.port, MAIL_TIMEOUT=0.5)
        submit(app.test_client())
        assert deliver(app) == 0
        [row] = rows(app)
        assert row.status == PENDING and "timed out" in (row.last_error or "")
        assert relay.received == []
        app.config["MAIL_TIMEOUT"] = 60.0  # the same relay, given time, takes it
        make_due(app)
        assert deliver(app) == 1
    assert len(relay.received) == 1


def test_a_relay_answering_4xx_for_ever_is_given_up_and_ops_see_it(
    make_app: Callable[..., Flask], smtp: SMTPServer, caplog: pytest.LogCaptureFixture
) -> None:
    smtp.handler.mode = "tempfail"
    app = make_app(
        OUTBOX_GIVE_UP_SECONDS=2.0,
        OUTBOX_FIRST_RETRY_SECONDS=0.2,
        OUTBOX_POLL_SECONDS=0.1,
    )
    submit(app.test_client())
    with caplog.at_level(logging.WARNING):
        start_thread(app)
        try:
            wait_for(lambda: rows(app)[0].status == FAILED, what="the inquiry given up")
        finally:
            stop_threads(timeout=10)
    [row] = rows(app)
    assert row.attempts >= 2 and smtp.handler.attempts == row.attempts
    gave_up = f"gave up after {row.attempts} attempts: relay answered 451"
    assert (row.last_error or "").startswith(gave_up)
    errors = [r.message for r in caplog.records if r.levelno == logging.ERROR]
    assert any("failed for good" in message for message in errors)
    status = app.test_cli_runner().invoke(args=["outbox", "status"]).output
    assert "failed     1" in status and "gave up after" in status
    listed = app.test_cli_runner().invoke(args=["outbox", "list", "--state", "failed"]).output
    assert f"{row.id:>6} failed" in listed
    with app.app_context():
        assert db.session.scalar(select(Inquiry.status)) == FAILED  # kept, not deleted
