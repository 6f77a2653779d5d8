"""Held inquiries, the digest and the two signed links, told as sales live them."""

from __future__ import annotations

import base64
import json
import re
import secrets
import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from site_app import triage
from site_app.extensions import db
from site_app.outbox.message import excerpt
from site_app.outbox.models import DELIVERED, HELD, PENDING, SPAM, Delivery, Digest, Inquiry, utcnow
from site_app.webhooks.sender import deliver_due as post_webhooks_due
from tests.conftest import deliver, judge, submit
from tests.postfix import Postfix
from tests.smtp import SMTPServer
from tests.test_html_valid import VNU
from tests.webhook_receiver import Receiver
from tests.wire import assert_valid_on_wire, parse, text_of

SECRET = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
AUTOFILL = {
    "name": "Grace Hopper",
    "email": "grace@example.com",
    "website": "https://grace.example.com",
}
_LINK = re.compile(r"https?://[^/\s]+/triage/(deliver|spam)/[A-Za-z0-9._-]+")
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    hook = Receiver().start()
    yield hook
    hook.stop()


@pytest.fixture
def hooked(make_app: Callable[..., Flask], receiver: Receiver) -> Flask:
    return make_app(WEBHOOK_URL=receiver.url, WEBHOOK_SECRET=SECRET, WEBHOOK_TIMEOUT=5.0)


def rows(app: Flask) -> list[Inquiry]:
    with app.app_context():
        found = list(db.session.scalars(select(Inquiry).order_by(Inquiry.id)))
        db.session.expunge_all()
        return found


def post_webhooks(app: Flask) -> int:
    with app.app_context():
        return post_webhooks_due("test", 100, 60)


def links_in(text: str, action: str) -> list[str]:
    return [m[0] for m in _LINK.finditer(text) if m[1] == action]


def path(link: str) -> str:
    return "/triage/" + link.split("/triage/", 1)[1]


def press(client: FlaskClient, link: str, times: int = 1) -> list[Any]:
    """Open the link's page, then press its one button (again and again, as from a page
    left open)."""
    page = client.get(path(link))
    csrf = CSRF.search(page.get_data(as_text=True))
    assert csrf, page.get_data(as_text=True)
    return [client.post(path(link), data={"csrf_token": csrf[1]}) for _ in range(times)]


def digest_now(app: Flask) -> str:
    return app.test_cli_runner().invoke(args=["outbox", "digest"]).output


def test_autofill_is_held_listed_in_the_digest_and_delivered_once_from_its_link(
    hooked: Flask, smtp: SMTPServer, receiver: Receiver
) -> None:
    client = hooked.test_client()
    thanks = submit(client, **AUTOFILL)
    assert thanks.status_code == 303 and thanks.headers["Location"].endswith("/contact/thanks")
    assert judge(hooked) == 1  # what every sender pass starts with
    [held] = rows(hooked)
    assert held.status == HELD and held.reasons
    assert deliver(hooked) == 0 and post_webhooks(hooked) == 0  # no lead, no webhook
    assert "sent" in digest_now(hooked)
    [digest] = smtp.messages()
    assert not str(digest["Subject"]).startswith("New inquiry #")
    assert "held" in str(digest["Subject"]).lower()
    assert_valid_on_wire(smtp.received[0].raw)
    text, html = text_of(digest), text_of(digest, "html")
    for part in (text, html):
        assert "Grace Hopper" in part and "grace@example.com" in part and "Chatbot" in part
        assert held.reasons[0] in part
    [link] = links_in(text, "deliver")
    assert links_in(html.replace("&amp;", "&"), "deliver") == [link]
    assert re.findall(r'href="([^"]+)"', html) == [link]  # the one live link is ours

    page = client.get(path(link))
    assert page.status_code == 200 and "Grace Hopper" in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "noindex" in page.headers["X-Robots-Tag"]
    assert '<meta name="robots" content="noindex' in page.get_data(as_text=True)
    assert rows(hooked)[0].status == HELD  # a GET changes nothing

    done, again = press(client, link, times=2)
    assert done.status_code == 200 and "Delivered" in done.get_data(as_text=True)
    assert again.status_code == 200 and "Already delivered" in again.get_data(as_text=True)
    assert deliver(hooked) == 1 and deliver(hooked) == 0
    assert post_webhooks(hooked) == 1 and post_webhooks(hooked) == 0
    lead = smtp.messages()[-1]
    assert lead["Message-ID"] == held.message_id
    assert str(lead["Subject"]).startswith(f"New inquiry #{held.id}")
    assert len(smtp.messages()) == 2 and len(receiver.requests) == 1
    assert "Already delivered" in client.get(path(link)).get_data(as_text=True)
    assert "nothing held" in digest_now(hooked)  # listed once, never again


def test_links_refuse_tampering_expiry_and_the_other_action_with_4xx(
    make_app: Callable[..., Flask], smtp: SMTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(TRIAGE_LINK_DAYS=1)
    client = app.test_client()
    submit(client, **AUTOFILL)
    digest_now(app)
    [link] = links_in(text_of(smtp.messages()[0]), "deliver")
    token = link.rsplit("/", 1)[1]
    cases = {
        f"/triage/deliver/{token[:-2]}xx": 400,
        f"/triage/spam/{token}": 400,  # a deliver link is no spam link
        f"/triage/erase/{token}": 404,
        "/triage/deliver/": 404,
    }
    for url, status in cases.items():
        for method in (client.get, client.post):
            answer = method(url)
            assert answer.status_code == status, url
            assert "noindex" in answer.headers.get("X-Robots-Tag", "noindex")
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 2 * 86400)
    expired = client.get(path(link))
    assert expired.status_code == 410 and "expired" in expired.get_data(as_text=True)
    monkeypatch.setattr(time, "time", real_time)
    assert client.post(path(link)).status_code == 400  # no CSRF token: nothing done
    assert rows(app)[0].status == HELD


def test_this_is_spam_from_a_lead_email_files_it_and_its_webhook_never_goes(
    hooked: Flask, smtp: SMTPServer, receiver: Receiver
) -> None:
    client = hooked.test_client()
    submit(client)  # a lead, as triage saw it; sales know better
    assert deliver(hooked) == 1
    [lead] = smtp.messages()
    [link] = links_in(text_of(lead), "spam")
    assert links_in(text_of(lead, "html").replace("&amp;", "&"), "spam") == [link]
    done, again = press(hooked.test_client(), link, times=2)
    assert done.status_code == 200
    [stored] = rows(hooked)
    assert stored.status == SPAM
    assert post_webhooks(hooked) == 0 and receiver.requests == []  # its webhook was dropped
    assert "Already marked as spam" in again.get_data(as_text=True)
    assert (
        "spam" in hooked.test_cli_runner().invoke(args=["outbox", "list", "--state", "spam"]).output
    )


def test_the_digest_waits_for_its_hour_and_lists_nothing_twice(
    make_app: Callable[..., Flask], smtp: SMTPServer
) -> None:
    app = make_app(DIGEST_AT=(8, 0), DIGEST_EVERY=timedelta(days=1))
    client = app.test_client()
    assert deliver(app) == 0 and smtp.messages() == []  # nothing held: no digest
    submit(client, **AUTOFILL)
    submit(client, name="Spam Bot", website="https://bot.example.com")
    assert deliver(app) == 0  # held after this period began: the next digest's
    with app.app_context():
        db.session.execute(update(Inquiry).values(created_at=utcnow() - timedelta(days=2)))
        db.session.execute(update(Inquiry).where(Inquiry.id == 2).values(status=SPAM))
        db.session.commit()
    assert deliver(app) == 1
    [digest] = smtp.messages()
    body = text_of(digest)
    assert "Grace Hopper" in body and "Spam Bot" not in body
    assert "Certain spam since the last digest: 1" in body
    assert deliver(app) == 0  # one per period
    with app.app_context():
        db.session.execute(update(Digest).values(period_key="older"))
        db.session.commit()
    assert deliver(app) == 0  # a new period, but nothing new held: nothing listed twice
    assert len(smtp.messages()) == 1


def test_a_relay_outage_delays_the_digest_and_loses_nothing(
    make_app: Callable[..., Flask], smtp: SMTPServer
) -> None:
    app = make_app(OUTBOX_FIRST_RETRY_SECONDS=0.0)
    submit(app.test_client(), **AUTOFILL)
    smtp.handler.mode = "tempfail"
    assert "retries" in digest_now(app)
    with app.app_context():
        [row] = db.session.scalars(select(Digest))
        assert row.status == PENDING and row.attempts == 1 and row.last_error
    smtp.handler.mode = "accept"
    with app.app_context():
        db.session.execute(update(Digest).values(next_attempt_at=utcnow()))
        db.session.commit()
    assert deliver(app) == 1 and deliver(app) == 0
    [digest] = smtp.messages()
    assert "Grace Hopper" in text_of(digest)


def test_a_thousand_held_make_one_bounded_digest(app: Flask, smtp: SMTPServer) -> None:
    with app.app_context():
        now = utcnow()
        db.session.add_all(
            Inquiry(
                token=f"held-{i}",
                message_id=f"<held.{i}@example.com>",
                name=f"Visitor {i}",
                email=f"v{i}@example.com",
                service="Chatbot",
                message="word " * 1000,
                client_hash="0" * 64,
                status=HELD,
                reasons=["The hidden website field was filled in"],
                created_at=now,
                next_attempt_at=now,
            )
            for i in range(1000)
        )
        db.session.commit()
    assert "1000 held" in digest_now(app)
    [digest] = smtp.messages()
    raw = smtp.received[0].raw
    assert len(raw) < 400_000
    assert_valid_on_wire(raw)
    body = text_of(digest)
    assert len(links_in(body, "deliver")) == 100
    assert "Visitor 999" in body and "Visitor 899" not in body  # the newest in full
    assert "And 900 more held inquiries" in body
    assert "flask --app wsgi outbox list --state held" in body


def test_ops_release_and_mark_spam(hooked: Flask, smtp: SMTPServer, receiver: Receiver) -> None:
    client = hooked.test_client()
    submit(client, **AUTOFILL)
    submit(client, name="Bot", website="https://bot.example.com")
    judge(hooked)
    runner = hooked.test_cli_runner()
    assert "held       2" in runner.invoke(args=["outbox", "status"]).output
    listing = runner.invoke(args=["outbox", "list", "--state", "held"]).output.splitlines()
    assert len(listing) == 2 and all(rows(hooked)[0].reasons[0] in line for line in listing)
    assert "released 1 inquiry" in runner.invoke(args=["outbox", "release", "1"]).output
    assert "not held or spam" in runner.invoke(args=["outbox", "release", "1"]).output
    assert "marked 1 inquiry" in runner.invoke(args=["outbox", "mark-spam", "2"]).output
    assert deliver(hooked) == 1 and post_webhooks(hooked) == 1
    with hooked.app_context():
        kinds = {d.inquiry_id for d in db.session.scalars(select(Delivery))}
    assert kinds == {1}  # spam never reaches the webhook; the released lead does
    assert [r.status for r in rows(hooked)] == [DELIVERED, SPAM]
    assert len(receiver.requests) == 1


def test_the_digest_through_postfix_arrives_valid_and_once(
    make_app: Callable[..., Flask],
) -> None:
    with Postfix() as postfix:
        app = make_app(MAIL_PORT=postfix.port)
        submit(app.test_client(), **AUTOFILL)
        submit(app.test_client(), **{**AUTOFILL, "name": "Zoë Ōtsuka", "message": "Ünïcode " * 300})
        assert "sent" in digest_now(app)
        [raw] = postfix.delivered(1)
    raw = raw.replace(b"\n", b"\r\n")  # a Maildir keeps lines with LF
    assert_valid_on_wire(raw)
    mail = parse(raw)
    assert "Zoë Ōtsuka" in text_of(mail) and len(links_in(text_of(mail), "deliver")) == 2


def engine_landed() -> bool:
    try:
        triage.text_fingerprint("probe")
    except NotImplementedError:
        return False
    return True


needs_engine = pytest.mark.skipif(
    not engine_landed(), reason="needs the triage engine (branch triage-engine): run after merge"
)


@needs_engine
def test_marked_spam_from_a_lead_email_keeps_the_same_text_from_elsewhere_out(
    make_app: Callable[..., Flask], smtp: SMTPServer
) -> None:
    app = make_app()
    # Polite, no link: a lead the first time, as such pitches are.
    pitch = (
        "Hello, I run a small photography studio in Porto. I would love to talk about "
        "headshots of your people for the website. Could we have a short call next week?"
    )
    submit(app.test_client(), message=pitch)
    assert deliver(app) == 1
    [link] = links_in(text_of(smtp.messages()[0]), "spam")
    press(app.test_client(), link)
    # The same text from another address and another client (address).
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "192.0.2.77"
    submit(other, name="Other Sender", email="other@example.com", message=pitch)
    judge(app)
    assert rows(app)[-1].status in (HELD, SPAM)
    assert deliver(app) == 0 and len(smtp.messages()) == 1  # kept out of the inbox


@pytest.mark.slow
def test_the_link_pages_are_valid_html(app: Flask, smtp: SMTPServer, tmp_path: Path) -> None:
    assert VNU.exists(), "vnu.jar is missing: run scripts/ensure-tools.sh"
    client = app.test_client()
    submit(client, **AUTOFILL)
    digest_now(app)
    [link] = links_in(text_of(smtp.messages()[0]), "deliver")
    pages = {
        "button": client.get(path(link)),
        "done": press(client, link)[0],
        "already": client.get(path(link)),
        "tampered": client.get(path(link) + "x"),
    }
    files = [tmp_path / "canary.html"]
    files[0].write_text('<!doctype html><html lang="en"><title>x</title><p><li>stray</p>')
    for name, answer in pages.items():
        files.append(tmp_path / f"{name}.html")
        files[-1].write_bytes(answer.get_data())
    result = subprocess.run(
        ["java", "-jar", str(VNU), "--stdout", "--format", "json", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=180,
    )
    errors = [m for m in json.loads(result.stdout)["messages"] if m["type"] != "info"]
    assert any(m["url"].endswith("canary.html") for m in errors), "the checker did not run"
    assert [m for m in errors if not m["url"].endswith("canary.html")] == []


@pytest.mark.parametrize(
    ("message", "shown"),
    [
        (
            "Menu: https://grace.example.com/menu.pdf",
            "Menu: hxxps://grace[.]example[.]com/menu[.]pdf",
        ),
        ("see www.example.com now", "see www[.]example[.]com now"),
        ("Price?", "Price?"),
        ("line one\n\nline   two", "line one line two"),
        ("word " * 100, ("word " * 48).strip() + " …"),
    ],
)
def test_the_digest_shows_the_start_of_a_message_with_its_links_defanged(
    message: str, shown: str
) -> None:
    assert excerpt(message) == shown
