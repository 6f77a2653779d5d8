"""The outbox's memory, asked by triage once per submission: one SQL statement, on SQLite
and on PostgreSQL, with the answers the two separate questions used to give."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Engine, event, update

from site_app.extensions import db
from site_app.outbox import store
from site_app.outbox.corrections import OutboxMemory
from site_app.outbox.models import Inquiry, SpamMark, utcnow
from site_app.triage import Recalled, Submission, judge, text_fingerprint
from tests.conftest import GOOD
from tests.pg import PostgresCluster

CAMPAIGN = "Hello, we build high quality backlinks for agencies like yours every single week."


@pytest.fixture(params=["sqlite", "postgresql"])
def app(request: pytest.FixtureRequest, make_app: Callable[..., Flask]) -> Flask:
    if request.param == "sqlite":
        return make_app()
    cluster: PostgresCluster = request.getfixturevalue("postgres")
    return make_app(DATABASE_URL=cluster.create_database("mem"))


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """Every SQL statement sent on ``engine`` meanwhile."""
    sent: list[str] = []

    def note(connection: Any, cursor: Any, statement: str, *rest: Any) -> None:
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", note)


def sent_by(client: str, message: str = CAMPAIGN, hours_ago: float = 0) -> None:
    """An earlier inquiry, stored as the contact view stores one."""
    triaged = store.Triaged(text_fingerprint=text_fingerprint(message))
    inquiry, _ = store.store(uuid.uuid4().hex, {**GOOD, "message": message}, client, triaged)
    when = utcnow() - timedelta(hours=hours_ago)
    db.session.execute(update(Inquiry).where(Inquiry.id == inquiry.id).values(created_at=when))
    db.session.commit()


def marked(fingerprint: str, days_ago: float = 0) -> None:
    created = utcnow() - timedelta(days=days_ago)
    db.session.add(SpamMark(fingerprint=fingerprint, created_at=created))
    db.session.commit()


def test_judging_a_submission_sends_one_statement(app: Flask) -> None:
    submission = Submission(
        name="Ryan",
        email="ryan@seo-boost.example",
        service="Other",
        message=CAMPAIGN,
        honeypot=False,
        fill_seconds=30.0,
        confirmed=False,
        client="client-z",
    )
    with app.app_context():
        for client in ("client-a", "client-b"):
            sent_by(client)
        marked("email:ryan@seo-boost.example")
        with statements(db.engine) as sent:
            verdict = judge(submission, OutboxMemory(submission.client))
    assert len(sent) == 1, sent
    assert {"marked_spam", "campaign"} <= set(verdict.signals)


def test_recall_remembers_marks_for_90_days_and_other_senders_for_a_day(app: Flask) -> None:
    same = text_fingerprint(CAMPAIGN)
    with app.app_context():
        marked("email:kept@example.com", days_ago=89)
        marked("link:forgotten.example", days_ago=91)
        sent_by("client-a")  # the one asking: not another sender
        sent_by("client-b")
        sent_by("client-b", hours_ago=2)  # one client, however often it sends
        sent_by("client-c", hours_ago=23)
        sent_by("client-d", hours_ago=25)  # outside the day
        sent_by("client-e", message="Something else entirely, nothing like the campaign.")
        memory = OutboxMemory("client-a")
        both = frozenset({"email:kept@example.com", "link:forgotten.example"})
        assert memory.recall(both, same) == Recalled(marked_spam=True, campaign_clients=2)
        old = frozenset({"link:forgotten.example"})
        assert memory.recall(old, same) == Recalled(marked_spam=False, campaign_clients=2)
        assert memory.recall(frozenset(), "text:none") == Recalled(False, 0)
        assert OutboxMemory("client-d").recall(both, same).campaign_clients == 3
