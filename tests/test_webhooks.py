"""The webhook destination against a real HTTP receiver, checked by an independent verifier."""

from __future__ import annotations

import base64
import json
import logging
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, update
from standardwebhooks import Webhook

from site_app import webhooks
from site_app.config import ConfigError
from site_app.extensions import db
from site_app.outbox import worker
from site_app.outbox.models import DELIVERED, PENDING, Delivery
from site_app.webhooks.sender import deliver_due
from tests.conftest import GOOD, deliver, form_tokens, judge, submit, wait_for
from tests.http import send_inquiry
from tests.servers import Gunicorn
from tests.smtp import SMTPServer
from tests.tlsrelay import Authority
from tests.webhook_receiver import Receiver

SECRET = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """Not started: a test starts it when the receiver should be up."""
    hook = Receiver()
    yield hook
    hook.stop()


@pytest.fixture
def hooked(make_app: Callable[..., Flask], receiver: Receiver) -> Callable[..., Flask]:
    def make(**overrides: Any) -> Flask:
        settings = {
            "WEBHOOK_URL": receiver.url,
            "WEBHOOK_SECRET": SECRET,
            "WEBHOOK_TIMEOUT": 5.0,
            "OUTBOX_POLL_SECONDS": 0.05,
            "OUTBOX_FIRST_RETRY_SECONDS": 0.0,
        }
        return make_app(**{**settings, **overrides})

    return make


def post_webhooks(app: Flask) -> int:
    with app.app_context():
        return deliver_due("test", 100, 60)


def webhook_rows(app: Flask) -> list[Delivery]:
    with app.app_context():
        found = list(db.session.scalars(select(Delivery).order_by(Delivery.id)))
        db.session.expunge_all()
        return found


def test_mail_goes_out_while_the_receiver_is_down_and_the_webhook_arrives_once_it_is_up(
    hooked: Callable[..., Flask], receiver: Receiver, smtp: SMTPServer
) -> None:
    app = hooked()
    stops = [worker.start_thread(app), webhooks.start_thread(app)]
    try:
        submit(app.test_client(), message="Please call me.")
        wait_for(lambda: len(smtp.received) == 1, what="the e-mail, receiver down")
        wait_for(lambda: webhook_rows(app)[0].attempts >= 1, what="a failed attempt at the webhook")
        [row] = webhook_rows(app)
        assert row.status == PENDING and "connection refused" in (row.last_error or "")
        receiver.start()
        wait_for(lambda: webhook_rows(app)[0].status == DELIVERED, what="the webhook")
    finally:
        for stop in stops:
            assert stop is not None
            stop.set()
        worker.wake_sender()
    assert post_webhooks(app) == 0  # delivered counts once: nothing left to post
    [request] = receiver.requests
    assert request.path == "/hooks/inquiry?team=sales"
    assert request.headers["webhook-id"] == row.event_id
    assert request.headers["content-type"] == "application/json"
    body = Webhook(SECRET).verify(request.body, request.headers)
    assert body["id"] == row.inquiry_id
    assert body["name"] == "Ada Lovelace" and body["email"] == "ada@example.com"
    assert body["service"] == "Chatbot" and body["message"] == "Please call me."
    assert body["created_at"].endswith("Z") and body["context"] == {}
    assert len(smtp.received) == 1


def test_a_retry_carries_the_same_webhook_id_and_a_fresh_valid_signature(
    hooked: Callable[..., Flask], receiver: Receiver
) -> None:
    app = hooked()
    receiver.answers = [(500, {})]
    receiver.start()
    submit(app.test_client())
    assert post_webhooks(app) == 0
    [row] = webhook_rows(app)
    assert row.status == PENDING and row.last_error == "receiver 127.0.0.1 answered 500"
    assert post_webhooks(app) == 1
    first, second = receiver.requests
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == row.event_id
    assert first.body == second.body
    for request in (first, second):
        Webhook(SECRET).verify(request.body, request.headers)
    with pytest.raises(Exception, match="(?i)signature"):
        Webhook(SECRET).verify(second.body.replace(b"Ada", b"Eve"), second.headers)


def test_the_mail_never_waits_for_a_receiver_that_hangs(
    hooked: Callable[..., Flask], receiver: Receiver, smtp: SMTPServer
) -> None:
    app = hooked(WEBHOOK_TIMEOUT=30.0)
    receiver.hang.set()
    receiver.start()
    stops = [worker.start_thread(app), webhooks.start_thread(app)]
    try:
        for name in ("Ada Lovelace", "Grace Hopper"):
            submit(app.test_client(), name=name)
            worker.wake_sender()
        wait_for(lambda: len(smtp.received) == 2, what="both e-mails, the receiver hanging")
        assert [row.attempts for row in webhook_rows(app)] == [0, 0]  # still in the first post
    finally:
        for stop in stops:
            assert stop is not None
            stop.set()
        receiver.release.set()


def test_slack_format_posts_an_escaped_incoming_webhook_message(
    hooked: Callable[..., Flask], receiver: Receiver
) -> None:
    app = hooked(WEBHOOK_FORMAT="slack", WEBHOOK_SECRET=None)
    receiver.start()
    client = app.test_client()
    page = client.get("/contact?utm_source=newsletter&utm_campaign=spring")
    assert page.status_code == 200
    data = {**form_tokens(page.get_data(as_text=True)), **GOOD}
    data["name"] = "Eve <!channel> & co"
    data["message"] = "Line one.\n<https://evil.example.com|click me>"
    assert client.post("/contact", data=data).status_code == 303
    # A bare foreign link sent at once looks like spam to triage: released, as sales would.
    judge(app)
    app.test_cli_runner().invoke(args=["outbox", "release", "1"])
    assert post_webhooks(app) == 1
    [request] = receiver.requests
    assert "webhook-signature" not in request.headers
    text = json.loads(request.body)["text"]
    assert text.startswith("*New inquiry #1: Chatbot — Eve &lt;!channel&gt; &amp; co*")
    assert "utm_source: newsletter" in text and "utm_campaign: spring" in text
    assert "> Line one.\n> &lt;https://evil.example.com|click me&gt;" in text
    assert "<!channel>" not in text and "<https://evil" not in text


def test_a_redirect_is_not_followed_to_another_host(
    hooked: Callable[..., Flask], receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    elsewhere = Receiver().start()
    try:
        app = hooked()
        receiver.answers = [(307, {"Location": elsewhere.url.replace("127.0.0.1", "localhost")})]
        receiver.start()
        submit(app.test_client())
        with caplog.at_level(logging.WARNING):
            assert post_webhooks(app) == 0
    finally:
        elsewhere.stop()
    assert len(receiver.requests) == 1 and elsewhere.requests == []
    [row] = webhook_rows(app)
    assert row.status == PENDING
    assert row.last_error == (
        "receiver answered 307, a redirect to localhost "
        "(not followed: set WEBHOOK_URL to the final address)"
    )
    assert SECRET not in caplog.text and "whsec_" not in caplog.text
    assert "redirect to localhost" in caplog.text


def test_spam_and_inquiries_before_a_webhook_was_set_get_no_webhook(
    make_app: Callable[..., Flask], hooked: Callable[..., Flask], receiver: Receiver
) -> None:
    before = make_app()  # no WEBHOOK_URL
    submit(before.test_client())
    deliver(before)
    app = hooked()
    receiver.start()
    submit(app.test_client(), website="https://spam.example.com")
    submit(app.test_client(), name="Grace Hopper")
    assert post_webhooks(app) == 1
    [request] = receiver.requests
    assert json.loads(request.body)["name"] == "Grace Hopper"


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"WEBHOOK_URL": "ftp://hooks.example.com/x"}, "http:// or https://"),
        ({"WEBHOOK_URL": "https://hooks.example.com/x"}, "WEBHOOK_SECRET must be whsec_"),
        (
            {"WEBHOOK_URL": "https://hooks.example.com/x", "WEBHOOK_SECRET": "whsec_c2hvcnQ="},
            "WEBHOOK_SECRET must be whsec_",
        ),
        ({"WEBHOOK_FORMAT": "teams"}, "WEBHOOK_FORMAT"),
    ],
)
def test_webhook_settings_are_checked_at_start_without_quoting_them(
    make_app: Callable[..., Flask],
    monkeypatch: pytest.MonkeyPatch,
    settings: dict[str, str],
    message: str,
) -> None:
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=message) as error:
        make_app()
    assert "hooks.example.com" not in str(error.value) and "c2hvcnQ" not in str(error.value)


@pytest.mark.slow
def test_under_gunicorn_each_inquiry_is_mailed_once_and_posted_once(
    tmp_path: Path, smtp: SMTPServer, receiver: Receiver
) -> None:
    receiver.start()
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'site.db'}",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp.port),
        "CONTACT_MIN_FILL_SECONDS": "0",
        "CONTACT_RATE_LIMIT": "1000 per hour",
        "OUTBOX_POLL_SECONDS": "0.2",
        "WEBHOOK_URL": receiver.url,
        "WEBHOOK_SECRET": SECRET,
    }
    with Gunicorn(env, workers=2, log_path=tmp_path / "gunicorn.log") as site:
        statuses = [send_inquiry(site.url, message=f"Inquiry {n}") for n in range(6)]
        wait_for(lambda: len(receiver.requests) >= 6, what="six webhooks")
        wait_for(lambda: len(smtp.received) >= 6, what="six e-mails")
    assert statuses == [303] * 6
    bodies = [Webhook(SECRET).verify(r.body, r.headers) for r in receiver.requests]
    assert sorted(body["id"] for body in bodies) == [1, 2, 3, 4, 5, 6]
    assert len({r.headers["webhook-id"] for r in receiver.requests}) == 6
    assert sorted(str(m["X-Inquiry-ID"]) for m in smtp.messages()) == list("123456")
    assert "whsec_" not in (tmp_path / "gunicorn.log").read_text()


def test_an_https_receiver_must_present_a_trusted_certificate(
    hooked: Callable[..., Flask], tmp_path: Path
) -> None:
    untrusted = Authority(tmp_path).issue("receiver")
    with Receiver(tls=untrusted.context()) as receiver:
        app = hooked(WEBHOOK_URL=receiver.url)
        submit(app.test_client())
        assert post_webhooks(app) == 0
    assert receiver.requests == []
    [row] = webhook_rows(app)
    assert row.status == PENDING
    assert (row.last_error or "").startswith("TLS certificate rejected")


def test_webhook_backlog_is_a_metric_read_at_scrape_time(
    hooked: Callable[..., Flask], receiver: Receiver
) -> None:
    from site_app.metrics.outbox import OutboxCollector
    from tests.test_metrics import scrape

    app = hooked()
    collector = OutboxCollector(app)
    assert scrape(collector)["glissando_webhook_deliveries{pending}"] == 0
    submit(app.test_client())
    assert post_webhooks(app) == 0  # the receiver is down
    down = scrape(collector)
    assert down["glissando_webhook_deliveries{pending}"] == 1
    assert down["glissando_webhook_oldest_pending_age_seconds"] >= 0
    receiver.start()
    with app.app_context():
        db.session.execute(update(Delivery).values(next_attempt_at=Delivery.last_attempt_at))
        db.session.commit()
    assert post_webhooks(app) == 1
    up = scrape(collector)
    assert up["glissando_webhook_deliveries{pending}"] == 0
    assert up["glissando_webhook_deliveries{delivered}"] == 1
