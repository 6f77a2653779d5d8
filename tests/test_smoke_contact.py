from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import deliver, submit
from tests.smtp import SMTPServer


def test_inquiry_is_stored_then_mailed_to_sales(
    app: Flask, client: FlaskClient, smtp: SMTPServer
) -> None:
    response = submit(client)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/contact/thanks")
    assert smtp.received == []  # nothing is sent inside the request
    assert deliver(app) == 1
    [mail] = smtp.messages()
    assert mail["To"] == "info@glissando.ai"
    assert mail["Reply-To"] == "Ada Lovelace <ada@example.com>"
    assert mail["Subject"] == "New inquiry: Chatbot — Ada Lovelace"
