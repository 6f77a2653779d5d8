"""A database written as an earlier release wrote it: inquiries in every state, for the
migration tests on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import text

from site_app import create_app
from site_app.config import ROOT
from site_app.database import register_migrations
from site_app.extensions import db
from tests.conftest import test_config
from tests.pg import PostgresCluster
from tests.smtp import SMTPServer

MIGRATIONS = str(ROOT / "migrations")
# The columns every release since 0001 has written.
COLUMNS = (
    "token, message_id, name, email, service, message, client_hash, status, spam_reason, "
    "created_at, attempts, next_attempt_at, delivered_at"
)
# Every state, one pending inquiry retried.
OLD_ROWS = [
    ("t-pending", "pending", 0, None),
    ("t-retried", "pending", 2, None),
    ("t-delivered", "delivered", 1, "2026-11-27 10:00:01"),
    ("t-failed", "failed", 9, None),
    ("t-spam", "spam", 0, None),
]


def database_url(request: pytest.FixtureRequest, tmp_path: Path, name: str) -> str:
    """A SQLite file or a PostgreSQL database named ``name``, by the fixture's param."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'old.db'}"
    cluster: PostgresCluster = request.getfixturevalue("postgres")
    return cluster.create_database(name)


def at_release(
    revision: str, tmp_path: Path, smtp: SMTPServer, url: str, note: str, **extra: Any
) -> Flask:
    """An app on a database migrated to ``revision`` holding OLD_ROWS, each message saying
    ``note`` and carrying the ``extra`` columns that release had."""
    app = create_app(test_config(tmp_path, smtp.port, DATABASE_URL=url))
    register_migrations(app)
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision=revision)
        for token, status, attempts, delivered_at in OLD_ROWS:
            values: dict[str, Any] = {
                "token": token,
                "message_id": f"<inquiry.{token}@glissando.ai>",
                "name": f"Visitor {token}",
                "email": f"{token}@example.com",
                "service": "Chatbot",
                "message": f"Sent {note} ({token}).",
                "client_hash": "0" * 64,
                "status": status,
                "spam_reason": "honeypot" if status == "spam" else None,
                "created_at": "2026-11-27 10:00:00",
                "attempts": attempts,
                "next_attempt_at": "2026-11-27 10:00:00",
                "delivered_at": delivered_at,
                **extra,
            }
            names = ", ".join(f":{name}" for name in values)
            columns = ", ".join(values)
            db.session.execute(text(f"INSERT INTO inquiries ({columns}) VALUES ({names})"), values)
        db.session.commit()
    return app


def snapshot(app: Flask) -> list[tuple[Any, ...]]:
    """Every inquiry's id and the columns every release wrote, in id order."""
    with app.app_context():
        found = db.session.execute(text(f"SELECT id, {COLUMNS} FROM inquiries ORDER BY id"))
        return [tuple(row) for row in found]
