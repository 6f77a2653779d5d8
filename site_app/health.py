"""Readiness for load balancers: this instance can serve, meaning the process
answers and its database could store an inquiry now.

The check never writes data and never waits long. On SQLite it takes the write
lock with a busy timeout of its own, sets ``user_version`` to the value it has (a
write SQLite refuses on a read-only file, a ``mode=ro`` or ``query_only``
connection, or a read-only disk) and rolls back, so nothing reaches the disk; it
also looks for what would fill up: no pages left under ``max_page_count``, too
little disk beside the file. On PostgreSQL a read-only server
(``default_transaction_read_only``, or a standby in recovery) answers
``transaction_read_only = on``.

Delayed mail is not a reason to stop serving pages and taking inquiries (they
are stored safely before the visitor is answered): it is an alert
(``GlissandoMailBacklog`` in ``config/prometheus/alerts.yml``), and the relay's
errors stay on ops surfaces (``flask outbox status``, metrics, logs).
"""

from __future__ import annotations

import logging
import shutil
import sqlite3
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import select, text

from site_app.extensions import db
from site_app.outbox.models import Inquiry

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)

# Longer than a healthy writer holds the lock, well inside a probe's own timeout.
PROBE_BUSY_MS = 500
# Room an inquiry, the WAL and a checkpoint need, in the file and on its disk.
ROOM_BYTES = 16 * 1024 * 1024
LOCK_ERRORS = {"SQLITE_BUSY": "database locked", "SQLITE_READONLY": "database read-only"}


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


@bp.get("/readyz")
def readyz() -> ResponseReturnValue:
    problem = _database_problem()
    if problem is None:
        report: dict[str, object] = {"status": "ok", "database": db.engine.dialect.name}
    else:
        report = {"status": "unavailable", "problems": [problem]}
    response = jsonify(report)
    response.status_code = 200 if problem is None else 503
    response.headers["Cache-Control"] = "no-store"
    return response


def _database_problem() -> str | None:
    try:
        db.session.execute(select(Inquiry.id).limit(1))  # the database and the outbox table
        if db.engine.dialect.name == "sqlite":
            problem = _sqlite_problem()
        else:
            read_only = db.session.scalar(text("SELECT current_setting('transaction_read_only')"))
            problem = "database read-only" if read_only == "on" else None
    except Exception as error:  # noqa: BLE001 - any failure means not ready
        db.session.rollback()
        first_line = next(iter(str(error).splitlines()), "")
        log.warning("readyz: database unreachable: %s: %s", type(error).__name__, first_line)
        return "database unreachable"
    if problem is not None:
        log.warning("readyz: %s", problem)
    return problem


def _sqlite_problem() -> str | None:
    # A connection of the app's own pool, so it has every pragma the app's have.
    connection = db.engine.raw_connection()
    try:
        cursor = connection.cursor()

        def pragma(name: str) -> Any:
            return cursor.execute(f"PRAGMA {name}").fetchone()[0]

        path = cursor.execute("PRAGMA database_list").fetchone()[2]  # "" when in memory
        pages_left = pragma("max_page_count") - pragma("page_count") + pragma("freelist_count")
        if pages_left * pragma("page_size") < ROOM_BYTES or (
            path and shutil.disk_usage(Path(path).parent).free < ROOM_BYTES
        ):
            return "database full"
        return _sqlite_write(cursor, pragma("busy_timeout"), pragma("user_version"))
    finally:
        connection.close()


def _sqlite_write(cursor: Any, busy_ms: int, user_version: int) -> str | None:
    cursor.execute(f"PRAGMA busy_timeout = {PROBE_BUSY_MS}")
    try:
        cursor.execute("BEGIN IMMEDIATE")
        try:
            cursor.execute(f"PRAGMA user_version = {int(user_version)}")
        finally:
            cursor.execute("ROLLBACK")
    except sqlite3.Error as error:
        for code, problem in LOCK_ERRORS.items():
            if error.sqlite_errorname.startswith(code):  # SQLITE_BUSY_SNAPSHOT too
                return problem
        raise
    finally:
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_ms)}")
    return None
