"""The visitor's side of the contact form."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from html import unescape

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from site_app.extensions import db
from site_app.outbox.models import HELD, PENDING, Inquiry
from tests.conftest import GOOD, deliver, form_tokens, submit
from tests.smtp import SMTPServer


def inquiries(app: Flask) -> list[Inquiry]:
    with app.app_context():
        return list(db.session.scalars(select(Inquiry).order_by(Inquiry.id)))


def test_valid_inquiry_is_stored_before_the_answer_then_redirects_to_thanks(
    app: Flask, client: FlaskClient, smtp: SMTPServer
) -> None:
    response = submit(client)
    assert response.status_code == 303
    assert response.headers["Location"] == "/contact/thanks"
    [stored] = inquiries(app)
    assert (stored.name, stored.email, stored.service, stored.status) == (
        "Ada Lovelace",
        "ada@example.com",
        "Chatbot",
        PENDING,
    )
    assert smtp.received == []  # delivery never happens inside the request
    thanks = client.get("/contact/thanks").get_data(as_text=True)
    assert "What happens next" in thanks


def test_pressing_send_twice_or_reloading_creates_one_inquiry(
    app: Flask, client: FlaskClient, smtp: SMTPServer
) -> None:
    page = client.get("/contact").get_data(as_text=True)
    data = {**form_tokens(page), **GOOD}
    first = client.post("/contact", data=data)
    second = client.post("/contact", data=data)  # the same form sent again
    assert first.status_code == second.status_code == 303
    assert len(inquiries(app)) == 1
    assert deliver(app) == 1
    assert deliver(app) == 0
    assert len(smtp.received) == 1


def test_a_new_visit_of_the_form_is_a_new_inquiry(app: Flask, client: FlaskClient) -> None:
    submit(client)
    submit(client, message="And a second question.")
    assert len(inquiries(app)) == 2


def test_limits_are_stated_in_the_hints(client: FlaskClient) -> None:
    html = client.get("/contact").get_data(as_text=True)
    assert "Up to 100 characters." in html
    assert "Up to 5,000 characters." in html
    assert "All fields are required." in html
    assert "90 days" in html  # the privacy line says how long we keep it


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"name": ""}, "name", "Enter your name."),
        ({"name": "x" * 101}, "name", "Keep your name to 100 characters or fewer."),
        ({"email": ""}, "email", "Enter your email address"),
        ({"email": "not-an-address"}, "email", "Enter an email address like"),
        ({"email": "ada@example..com"}, "email", "Enter an email address like"),
        ({"service": ""}, "service", "Choose the service you need."),
        ({"service": "Free money"}, "service", "Not a valid choice"),
        ({"message": "   "}, "message", "Tell us a little about what you need."),
        ({"message": "x" * 5001}, "message", "Keep your message to 5,000 characters or fewer."),
    ],
)
def test_invalid_input_comes_back_with_every_word_kept_and_wired_errors(
    app: Flask, client: FlaskClient, fields: dict[str, str], field: str, message: str
) -> None:
    typed = {**GOOD, "message": "My carefully typed words.", **fields}
    response = submit(client, **typed)
    assert response.status_code == 422
    html = unescape(response.get_data(as_text=True))
    assert "There is a problem with your message" in html
    assert f'<a href="#{field}">' in html and message in html
    control = re.search(rf'<(input|select|textarea)[^>]*\bid="{field}"[^>]*>', html)
    assert control, field
    assert 'aria-invalid="true"' in control[0]
    assert f"{field}-error" in control[0]  # aria-describedby names the message
    for name, value in typed.items():
        if name != "service" and value.strip() and len(value) < 200:
            assert value in html, f"{name} kept"
    assert inquiries(app) == []


def test_selected_service_is_kept_on_error(client: FlaskClient) -> None:
    html = submit(client, name="", service="Chatbot").get_data(as_text=True)
    assert re.search(r'<option selected value="Chatbot">|<option value="Chatbot" selected>', html)


@pytest.mark.parametrize("csrf", ["", "forged-token", "IjEyMyI.abc.def"])
def test_missing_or_forged_csrf_keeps_the_message_and_gives_a_fresh_token(
    app: Flask, client: FlaskClient, csrf: str
) -> None:
    page = client.get("/contact").get_data(as_text=True)
    tokens = form_tokens(page)
    data = {**tokens, **GOOD, "csrf_token": csrf, "message": "Words I must not lose."}
    response = client.post("/contact", data=data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Words I must not lose." in html and "Ada Lovelace" in html
    assert "press Send again" in html
    assert form_tokens(html)["csrf_token"] != csrf
    assert inquiries(app) == []
    # The fresh token works: sending again is accepted.
    again = client.post("/contact", data={**data, **form_tokens(html)})
    assert again.status_code == 303
    assert len(inquiries(app)) == 1


def test_expired_session_keeps_the_message(make_app: Callable[..., Flask]) -> None:
    app = make_app(WTF_CSRF_TIME_LIMIT=1)
    client = app.test_client()
    page = client.get("/contact").get_data(as_text=True)
    time.sleep(2.2)  # itsdangerous counts whole seconds
    data = {**form_tokens(page), **GOOD, "message": "Typed slowly."}
    response = client.post("/contact", data=data)
    assert response.status_code == 400
    assert "Typed slowly." in response.get_data(as_text=True)
    fresh = client.post("/contact", data={**data, **form_tokens(response.get_data(as_text=True))})
    assert fresh.status_code == 303


def test_a_visitor_without_a_session_cookie_keeps_the_message(app: Flask) -> None:
    first = app.test_client()
    tokens = form_tokens(first.get("/contact").get_data(as_text=True))
    stranger = app.test_client()  # cookies cleared, as after a browser restart
    response = stranger.post("/contact", data={**tokens, **GOOD})
    assert response.status_code == 400
    assert GOOD["message"] in response.get_data(as_text=True)


def test_honeypot_is_answered_as_accepted_held_for_a_person_and_not_mailed(
    app: Flask, client: FlaskClient, smtp: SMTPServer
) -> None:
    html = client.get("/contact").get_data(as_text=True)
    honeypot = re.search(r'<div class="hp" aria-hidden="true">.*?</div>', html, re.S)
    assert honeypot and 'tabindex="-1"' in honeypot[0]
    response = submit(client, website="http://spam.example.com")
    assert response.status_code == 303
    [stored] = inquiries(app)
    assert stored.status == PENDING and stored.unjudged == {  # stored, judged by the sender
        "honeypot": True,
        "fill_seconds": stored.unjudged["fill_seconds"],
        "confirmed": False,
    }
    assert deliver(app) == 0  # its pass judges first, and mails no held inquiry
    [stored] = inquiries(app)
    assert stored.status == HELD and stored.reasons  # held with its reasons, never dropped
    assert stored.unjudged is None
    assert smtp.received == []


def test_a_send_faster_than_typing_is_confirmed_not_dropped(
    make_app: Callable[..., Flask], smtp: SMTPServer
) -> None:
    app = make_app(CONTACT_MIN_FILL_SECONDS=30.0)
    client = app.test_client()
    words = {"name": "Zoë Ōtsuka", "message": "Pasted in a hurry:\nline two, every word."}
    first = submit(client, **words)
    html = first.get_data(as_text=True)
    assert first.status_code == 200
    assert "press Send again" in html
    assert "Zoë Ōtsuka" in html and "line two, every word." in html  # nothing lost
    assert inquiries(app) == []  # nothing stored, nothing thanked yet
    confirm = re.search(r'name="confirm" type="hidden" value="([^"]+)"', html)
    assert confirm, "the form comes back carrying the confirmation"
    again = client.post(
        "/contact", data={**form_tokens(html), **GOOD, **words, "confirm": confirm[1]}
    )
    assert again.status_code == 303
    [stored] = inquiries(app)
    assert stored.status == PENDING and stored.message == words["message"]
    deliver(app)
    assert len(smtp.received) == 1


def test_a_forged_confirmation_does_not_skip_the_check(make_app: Callable[..., Flask]) -> None:
    app = make_app(CONTACT_MIN_FILL_SECONDS=30.0)
    client = app.test_client()
    response = submit(client, confirm="forged")
    assert response.status_code == 200 and "press Send again" in response.get_data(as_text=True)
    assert inquiries(app) == []


def test_a_tampered_stamp_is_not_trusted(app: Flask, client: FlaskClient) -> None:
    page = client.get("/contact").get_data(as_text=True)
    data = {**form_tokens(page), **GOOD, "stamp": "tampered"}
    response = client.post("/contact", data=data)
    assert response.status_code == 400
    assert GOOD["message"] in response.get_data(as_text=True)
    assert inquiries(app) == []


def test_rate_limit_per_client_shows_phone_and_email(
    make_app: Callable[..., Flask], smtp: SMTPServer
) -> None:
    app = make_app(CONTACT_RATE_LIMIT="5 per hour")
    client = app.test_client()
    for _ in range(5):
        assert submit(client).status_code == 303
    over = submit(client, message="Please call me back & soon.")
    assert over.status_code == 429
    html = over.get_data(as_text=True)
    assert "tel:+19169361544" in html and "mailto:info@glissando.ai" in html
    assert "Please call me back &amp; soon." in html  # the words come back
    assert "mailto:info@glissando.ai?subject=Inquiry%3A%20Chatbot&amp;body=Please%20call" in html
    assert int(over.headers["Retry-After"]) > 0
    # Another client address is counted on its own.
    other = app.test_client()
    page = other.get("/contact", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    data = {**form_tokens(page.get_data(as_text=True)), **GOOD}
    assert (
        other.post("/contact", data=data, environ_base={"REMOTE_ADDR": "192.0.2.7"}).status_code
        == 303
    )
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Inquiry)) == 6


def test_rate_limit_survives_a_restart(make_app: Callable[..., Flask]) -> None:
    app = make_app(CONTACT_RATE_LIMIT="2 per hour")
    for _ in range(2):
        assert submit(app.test_client()).status_code == 303
    restarted = make_app(CONTACT_RATE_LIMIT="2 per hour")  # same database file
    assert submit(restarted.test_client()).status_code == 429


def test_client_addresses_are_stored_only_as_a_keyed_hash(app: Flask, client: FlaskClient) -> None:
    submit(client)
    [stored] = inquiries(app)
    assert "127.0.0.1" not in stored.client_hash and len(stored.client_hash) == 64
    with app.app_context():
        raw = db.session.connection().exec_driver_sql("SELECT * FROM inquiries").fetchall()
        hits = db.session.connection().exec_driver_sql("SELECT * FROM rate_hits").fetchall()
    assert "127.0.0.1" not in repr(raw) + repr(hits)


def test_oversized_body_gets_a_friendly_413(app: Flask, client: FlaskClient) -> None:
    page = client.get("/contact").get_data(as_text=True)
    data = {**form_tokens(page), **GOOD, "message": "x" * 200_000}
    response = client.post("/contact", data=data)
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "Message too large" in html and "mailto:info@glissando.ai" in html
    assert inquiries(app) == []
