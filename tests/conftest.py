from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from site_app import create_app
from site_app.database import upgrade_schema
from site_app.outbox.screening import judge_due
from site_app.outbox.sender import deliver_due
from site_app.teaching import loop as teaching_loop
from tests.smtp import SMTPServer

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
pytest_plugins = ["tests.pg"]  # the session's PostgreSQL cluster, started on first use


@pytest.fixture
def smtp() -> Iterator[SMTPServer]:
    """A real SMTP server on loopback that records every message it accepts."""
    with SMTPServer() as server:
        yield server


def test_config(tmp_path: Path, smtp_port: int, **extra: Any) -> dict[str, Any]:
    return {
        "APP_ENV": "testing",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'site.db'}",
        "SITE_URL": "http://localhost",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp_port,
        "MAIL_TIMEOUT": 5.0,
        "CONTACT_MIN_FILL_SECONDS": 0.0,
        "CONTACT_RATE_LIMIT": "1000 per hour",
        **extra,
    }


test_config.__test__ = False  # type: ignore[attr-defined]


@pytest.fixture
def make_app(tmp_path: Path, smtp: SMTPServer) -> Callable[..., Flask]:
    def make(**overrides: Any) -> Flask:
        app = create_app(test_config(tmp_path, smtp.port, **overrides))
        upgrade_schema(app)
        return app

    return make


@pytest.fixture(autouse=True)
def _untaught() -> Iterator[None]:
    """What one test taught triage (a process-wide swap) never reaches the next."""
    yield
    teaching_loop.forget()


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def deliver(app: Flask, owner: str = "test") -> int:
    """Run one pass of the outbox sender, as the sender thread would."""
    with app.app_context():
        return deliver_due(owner, 100, 60)


def judge(app: Flask, owner: str = "test") -> int:
    """Run the pass every sender loop starts with: triage judges the stored inquiries."""
    with app.app_context():
        return judge_due(owner, 100, 60)


_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
_STAMP = re.compile(r'name="stamp" type="hidden" value="([^"]+)"')


def form_tokens(html: str) -> dict[str, str]:
    csrf, stamp = _CSRF.search(html), _STAMP.search(html)
    assert csrf and stamp, "the contact form carries a CSRF token and a stamp"
    return {"csrf_token": csrf[1], "stamp": stamp[1]}


GOOD = {
    "name": "Ada Lovelace",
    "email": "ada@example.com",
    "service": "Chatbot",
    "message": "We would like a chatbot for our support desk.",
}


def submit(client: FlaskClient, **fields: str) -> Any:
    """Load /contact like a visitor, then send the form with ``fields``."""
    page = client.get("/contact")
    data = {**form_tokens(page.get_data(as_text=True)), **GOOD, **fields}
    return client.post("/contact", data=data)


def wait_for(predicate: Callable[[], bool], timeout: float = 15, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")
