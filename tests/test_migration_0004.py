"""Migration 0004 (triage) on a database with inquiries in every state, SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from site_app.extensions import db
from tests import migrating
from tests.conftest import deliver, judge, submit
from tests.migrating import MIGRATIONS, at_release, snapshot
from tests.smtp import SMTPServer


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return migrating.database_url(request, tmp_path, "m4")


def at_release_0003(tmp_path: Path, smtp: SMTPServer, url: str) -> Flask:
    return at_release("0003", tmp_path, smtp, url, "before triage", context='{"page": "/"}')


def test_upgrade_keeps_every_state_and_triage_works_after_it(
    tmp_path: Path, smtp: SMTPServer, database_url: str, make_app: Callable[..., Flask]
) -> None:
    old = at_release_0003(tmp_path, smtp, database_url)
    before = snapshot(old)
    with old.app_context():
        upgrade(directory=MIGRATIONS)
    assert snapshot(old) == before  # nothing lost, no state changed
    # The weekly report would also go out: the old rows are dated within last week
    app = make_app(DATABASE_URL=database_url, REPORT_EVERY=None)
    with app.app_context():
        reasons = db.session.execute(text("SELECT status, reasons FROM inquiries ORDER BY id"))
        found = {status: value for status, value in reasons}
    assert found["pending"] is None
    spam = found["spam"] if isinstance(found["spam"], list) else json.loads(found["spam"])
    assert spam == ["The hidden website field was filled in"]
    assert deliver(app) == 2 and deliver(app) == 0  # the pending ones, once
    client = app.test_client()
    assert submit(client, website="https://autofill.example.com").status_code == 303
    assert judge(app) == 1
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
