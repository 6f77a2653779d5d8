"""Migration 0004 (triage) on a database with inquiries in every state, SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from site_app import create_app
from site_app.config import ROOT
from site_app.database import register_migrations
from site_app.extensions import db
from tests.conftest import deliver, submit, test_config
from tests.pg import PostgresCluster
from tests.smtp import SMTPServer

MIGRATIONS = str(ROOT / "migrations")
COLUMNS = (
    "token, message_id, name, email, service, message, client_hash, status, spam_reason, "
    "created_at, attempts, next_attempt_at, delivered_at, context"
)
# Written as release 0003 wrote them: every state, one pending retried, one with a webhook.
OLD_ROWS = [
    ("t-pending", "pending", 0, None),
    ("t-retried", "pending", 2, None),
    ("t-delivered", "delivered", 1, "2026-11-27 10:00:01"),
    ("t-failed", "failed", 9, None),
    ("t-spam", "spam", 0, None),
]


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'old.db'}"
    cluster: PostgresCluster = request.getfixturevalue("postgres")
    return cluster.create_database("m4")


def at_release_0003(tmp_path: Path, smtp: SMTPServer, url: str) -> Flask:
    app = create_app(test_config(tmp_path, smtp.port, DATABASE_URL=url))
    register_migrations(app)
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision="0003")
        for token, status, attempts, delivered_at in OLD_ROWS:
            values: dict[str, Any] = {
                "token": token,
                "message_id": f"<inquiry.{token}@glissando.ai>",
                "name": f"Visitor {token}",
                "email": f"{token}@example.com",
                "service": "Chatbot",
                "message": f"Sent before triage ({token}).",
                "client_hash": "0" * 64,
                "status": status,
                "spam_reason": "honeypot" if status == "spam" else None,
                "created_at": "2026-11-27 10:00:00",
                "attempts": attempts,
                "next_attempt_at": "2026-11-27 10:00:00",
                "delivered_at": delivered_at,
                "context": '{"page": "/"}',
            }
            names = ", ".join(f":{name}" for name in values)
            db.session.execute(text(f"INSERT INTO inquiries ({COLUMNS}) VALUES ({names})"), values)
        db.session.commit()
    return app


def snapshot(app: Flask) -> list[tuple[Any, ...]]:
    with app.app_context():
        found = db.session.execute(
            text(f"SELECT id, {COLUMNS.replace(', context', '')} FROM inquiries ORDER BY id")
        )
        return [tuple(row) for row in found]


def test_upgrade_keeps_every_state_and_triage_works_after_it(
    tmp_path: Path, smtp: SMTPServer, database_url: str, make_app: Callable[..., Flask]
) -> None:
    old = at_release_0003(tmp_path, smtp, database_url)
    before = snapshot(old)
    with old.app_context():
        upgrade(directory=MIGRATIONS)
    assert snapshot(old) == before  # nothing lost, no state changed
    app = make_app(DATABASE_URL=database_url)
    with app.app_context():
        reasons = db.session.execute(text("SELECT status, reasons FROM inquiries ORDER BY id"))
        found = {status: value for status, value in reasons}
    assert found["pending"] is None
    spam = found["spam"] if isinstance(found["spam"], list) else json.loads(found["spam"])
    assert spam == ["The hidden website field was filled in"]
    assert deliver(app) == 2 and deliver(app) == 0  # the pending ones, once
    client = app.test_client()
    assert submit(client, website="https://autofill.example.com").status_code == 303
    assert "held       1" in app.test_cli_runner().invoke(args=["outbox", "status"]).output
    assert "released 1" in app.test_cli_runner().invoke(args=["outbox", "release", "6"]).output
    assert deliver(app) == 1
    assert smtp.messages()[-1]["Message-ID"] == f"<inquiry.{rows_token(app, 6)}@glissando.ai>"


def rows_token(app: Flask, inquiry_id: int) -> str:
    with app.app_context():
        token: str = db.session.scalar(
            text("SELECT token FROM inquiries WHERE id = :id"), {"id": inquiry_id}
        )
        return token


def test_downgrade_returns_held_inquiries_to_the_queue(
    tmp_path: Path, smtp: SMTPServer, database_url: str
) -> None:
    old = at_release_0003(tmp_path, smtp, database_url)
    before = snapshot(old)
    with old.app_context():
        upgrade(directory=MIGRATIONS)
        downgrade(directory=MIGRATIONS, revision="0003")
        assert db.session.scalar(text("SELECT version_num FROM alembic_version")) == "0003"
    assert snapshot(old) == before
