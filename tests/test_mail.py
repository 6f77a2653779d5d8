"""The sales inbox's side: the message that arrives and every header on it."""

from __future__ import annotations

from email.utils import getaddresses, parseaddr, parsedate_to_datetime

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from site_app.extensions import db
from site_app.outbox.models import Inquiry
from tests.conftest import deliver, submit
from tests.smtp import SMTPServer


def test_the_message_sales_receive(app: Flask, client: FlaskClient, smtp: SMTPServer) -> None:
    submit(client, message="Line one.\nLine two.")
    deliver(app)
    [received] = smtp.received
    assert received.rcpt_tos == ["info@glissando.ai"]  # one recipient, ours
    assert received.mail_from == "website@glissando.ai"
    mail = received.message
    assert getaddresses([mail["To"]]) == [("", "info@glissando.ai")]
    assert parseaddr(mail["From"]) == ("Glissando website", "website@glissando.ai")
    assert parseaddr(mail["Reply-To"]) == ("Ada Lovelace", "ada@example.com")
    assert mail["Subject"] == "New inquiry #1: Chatbot — Ada Lovelace"
    assert parsedate_to_datetime(mail["Date"]).tzinfo is not None
    with app.app_context():
        stored = db.session.scalars(select(Inquiry)).one()
    assert mail["Message-ID"] == stored.message_id
    assert mail["Message-ID"].endswith("@glissando.ai>")
    assert mail["X-Inquiry-ID"] == str(stored.id)
    plain = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    for text in (plain, html):
        for value in ("Ada Lovelace", "ada@example.com", "Chatbot", "Line one.", f"#{stored.id}"):
            assert value in text
        assert stored.created_at.strftime("%Y-%m-%d %H:%M") in text
    assert "Line one.\r\nLine two." in plain  # CRLF on the wire


def test_non_ascii_names_are_encoded_and_decode_back(
    app: Flask, client: FlaskClient, smtp: SMTPServer
) -> None:
    submit(client, name="Zoë Ōtsuka-Łukasz 李雷")
    deliver(app)
    [received] = smtp.received
    assert b"Zo\xc3\xab" not in received.raw.split(b"\r\n\r\n", 1)[0]  # headers stay 7-bit
    mail = received.message
    assert parseaddr(mail["Reply-To"]) == ("Zoë Ōtsuka-Łukasz 李雷", "ada@example.com")
    assert mail["Subject"] == "New inquiry #1: Chatbot — Zoë Ōtsuka-Łukasz 李雷"


def test_retries_reuse_the_same_message_id(
    app: Flask, client: FlaskClient, smtp: SMTPServer
) -> None:
    submit(client)
    smtp.handler.mode = "tempfail"
    deliver(app)
    with app.app_context():
        db.session.execute(update(Inquiry).values(next_attempt_at=Inquiry.created_at))
        db.session.commit()
    smtp.handler.mode = "accept"
    deliver(app)
    [mail] = smtp.messages()
    with app.app_context():
        assert mail["Message-ID"] == db.session.scalars(select(Inquiry)).one().message_id
    assert smtp.handler.attempts == 2
