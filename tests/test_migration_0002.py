"""Migration 0002 on a database full of inquiries, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from site_app.extensions import db
from tests import migrating
from tests.conftest import deliver, submit
from tests.migrating import MIGRATIONS, at_release, snapshot
from tests.smtp import SMTPServer


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return migrating.database_url(request, tmp_path, "m")


def at_release_0001(tmp_path: Path, smtp: SMTPServer, url: str) -> Flask:
    return at_release("0001", tmp_path, smtp, url, "before the upgrade")


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
        REPORT_EVERY=None,  # the weekly report would also go out: the rows are last week's
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
