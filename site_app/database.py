"""Database set-up: SQLite pragmas and bringing the schema up to date."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import event

from site_app.extensions import db

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        with app.app_context():
            event.listen(db.engine, "connect", _sqlite_pragmas)


def _sqlite_pragmas(connection: Any, record: Any) -> None:
    # WAL lets readers and one writer work together across gunicorn workers;
    # FULL makes each committed inquiry survive a power cut, not just a crash.
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def upgrade_schema(app: Flask) -> None:
    """Apply pending migrations (idempotent); called once before workers start."""
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
    log.info("database schema is up to date (%s)", _safe_url(app))


def _safe_url(app: Flask) -> str:
    with app.app_context():
        return db.engine.url.render_as_string(hide_password=True)
