"""Migration 0002 on a database full of inquiries, on SQLite and on PostgreSQL."""

from __future__ import annotations

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
    "created_at, attempts, next_attempt_at, delivered_at"
)
# Written as release 0001 wrote them: pending (one retried), delivered, failed and spam.
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
    return cluster.create_database("m")


def at_release_0001(tmp_path: Path, smtp: SMTPServer, url: str) -> Flask:
    app = create_app(test_config(tmp_path, smtp.port, DATABASE_URL=url))
    register_migrations(app)
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision="0001")
        for token, status, attempts, delivered_at in OLD_ROWS:
            values: dict[str, Any] = {
                "token": token,
                "message_id": f"<inquiry.{token}@glissando.ai>",
                "name": f"Visitor {token}",
                "email": f"{token}@example.com",
                "service": "Chatbot",
                "message": f"Sent before the upgrade ({token}).",
                "client_hash": "0" * 64,
                "status": status,
                "spam_reason": "honeypot" if status == "spam" else None,
                "created_at": "2026-11-27 10:00:00",
                "attempts": attempts,
                "next_attempt_at": "2026-11-27 10:00:00",
                "delivered_at": delivered_at,
            }
            names = ", ".join(f":{name}" for name in values)
            db.session.execute(text(f"INSERT INTO inquiries ({COLUMNS}) VALUES ({names})"), values)
        db.session.commit()
    return app


def snapshot(app: Flask) -> list[tuple[Any, ...]]:
    with app.app_context():
        found = db.session.execute(text(f"SELECT id, {COLUMNS} FROM inquiries ORDER BY id"))
        return [tuple(row) for row in found]


def test_upgrade_keeps_every_inquiry_and_mails_only_the_pending_ones_once(
    tmp_path: Path, smtp: SMTPServer, database_url: str, make_app: Callable[..., Flask]
) -> None:
    old = at_release_0001(tmp_path, smtp, database_url)
    before = snapshot(old)
    with old.app_context():
        upgrade(directory=MIGRATIONS)
    assert snapshot(old) == before  # nothing lost, no state changed
    app = make_app(
        DATABASE_URL=database_url,
        WEBHOOK_URL="http://127.0.0.1:9/hook",
        WEBHOOK_SECRET="whsec_" + "A" * 32,
    )
    with app.app_context():
        assert db.session.scalar(text("SELECT count(*) FROM deliveries")) == 0
        assert db.session.scalar(text("SELECT count(*) FROM inquiries WHERE context IS NULL")) == 5
    assert deliver(app) == 2
    assert deliver(app) == 0
    assert sorted(str(m["Message-ID"]) for m in smtp.messages()) == [
        "<inquiry.t-pending@glissando.ai>",
        "<inquiry.t-retried@glissando.ai>",
    ]
    # A new inquiry after the upgrade is numbered after the old ones and queued for both.
    assert submit(app.test_client()).status_code == 303
    assert deliver(app) == 1
    assert smtp.messages()[-1]["Subject"] == "New inquiry #6: Chatbot — Ada Lovelace"
    with app.app_context():
        assert db.session.scalar(text("SELECT inquiry_id FROM deliveries")) == 6


def test_downgrade_returns_to_release_0001_with_the_inquiries(
    tmp_path: Path, smtp: SMTPServer, database_url: str
) -> None:
    old = at_release_0001(tmp_path, smtp, database_url)
    before = snapshot(old)
    with old.app_context():
        upgrade(directory=MIGRATIONS)
        downgrade(directory=MIGRATIONS, revision="0001")
        assert db.session.scalar(text("SELECT version_num FROM alembic_version")) == "0001"
    assert snapshot(old) == before
