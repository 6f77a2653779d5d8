"""Database set-up: SQLite pragmas and bringing the schema up to date.

Flask-Migrate (and with it Alembic, ~10 MB) is loaded only where migrations
run: the ``flask`` command and :func:`upgrade_schema`. gunicorn's master
runs this module as a child process (``python -m site_app.database``), so
neither the master nor the workers forked from it carry Alembic.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any

import click
from flask import Flask
from sqlalchemy import event, inspect
from sqlalchemy.exc import DBAPIError

from site_app.config import ROOT
from site_app.extensions import db

log = logging.getLogger(__name__)
UPGRADE = "flask --app wsgi db upgrade"


def init_app(app: Flask) -> None:
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        with app.app_context():
            event.listen(db.engine, "connect", _sqlite_pragmas)
    if click.get_current_context(silent=True) is not None:
        register_migrations(app)  # the flask command: `flask db ...` is available
    app.teardown_appcontext(_end_session)  # runs before Flask-SQLAlchemy's own


def _end_session(error: BaseException | None) -> None:
    """Close the request's session without letting a dead connection fail the answer.

    When the database restarts after the view has answered (an inquiry stored, a 303
    made), rolling back what is left open fails; the answer stands, the connection is
    dropped from the pool.
    """
    try:
        db.session.remove()
    except DBAPIError as failure:
        log.warning("database connection lost while closing the session: %s", failure.orig)
        db.session().invalidate()
        db.session.remove()


def register_migrations(app: Flask) -> None:
    from flask_migrate import Migrate

    if "migrate" not in app.extensions:
        Migrate(app, db, directory=str(ROOT / "migrations"))


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
    from flask_migrate import upgrade

    register_migrations(app)
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
    log.info("database schema is up to date (%s)", _safe_url(app))


def _safe_url(app: Flask) -> str:
    with app.app_context():
        return db.engine.url.render_as_string(hide_password=True)


def main() -> int:
    """Check the configuration and, with DB_AUTO_UPGRADE, upgrade: gunicorn's start-up step."""
    from site_app import create_app
    from site_app.config import ConfigError

    try:
        app = create_app()
    except ConfigError as error:
        print(f"configuration error: {error}", file=sys.stderr, flush=True)
        return 1
    if app.config["DB_AUTO_UPGRADE"]:
        upgrade_schema(app)
    return 0


def needs_schema(command: Callable[..., None]) -> Callable[..., None]:
    """One line on stderr, not a traceback, when the database was never migrated."""

    @wraps(command)
    def checked(*args: Any, **kwargs: Any) -> None:
        missing = set(db.metadata.tables) - set(inspect(db.engine).get_table_names())
        if missing:
            what = (
                "outbox tables" if "inquiries" in missing else "table " + ", ".join(sorted(missing))
            )
            raise click.ClickException(f"the database has no {what}: run `{UPGRADE}`")
        command(*args, **kwargs)

    return checked


if __name__ == "__main__":
    sys.exit(main())
