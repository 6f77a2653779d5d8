"""`flask outbox purge` deletes in short batches, never pending or failed inquiries."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask
from sqlalchemy import event, select

from site_app.extensions import db
from site_app.outbox import store
from site_app.outbox.models import DELIVERED, FAILED, HELD, PENDING, SPAM, Inquiry, utcnow


def add(app: Flask, status: str, age: timedelta, count: int = 1) -> None:
    with app.app_context():
        created = utcnow() - age
        db.session.add_all(
            Inquiry(
                token=f"{status}-{age.days}-{i}",
                message_id=f"<{status}-{age.days}-{i}@example.com>",
                name="Ada",
                email="ada@example.com",
                service="Chatbot",
                message="Hello",
                client_hash="0" * 64,
                status=status,
                created_at=created,
                next_attempt_at=created,
            )
            for i in range(count)
        )
        db.session.commit()


def test_purge_deletes_old_delivered_held_and_spam_in_batches_and_keeps_the_rest(
    app: Flask,
) -> None:
    old, recent = timedelta(days=91), timedelta(days=10)
    add(app, DELIVERED, old, 25)
    add(app, SPAM, old, 2)
    add(app, HELD, old)
    add(app, DELIVERED, recent)
    add(app, PENDING, old)
    add(app, FAILED, old)
    deletes: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.startswith("DELETE"):
            deletes.append(statement)

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert store.purge(timedelta(days=90), batch=10, pause=0) == 28
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        left = sorted(db.session.scalars(select(Inquiry.status)))
    assert len(deletes) == 3  # 10 + 10 + 8: each its own short transaction
    assert left == sorted([DELIVERED, PENDING, FAILED])
    output = app.test_cli_runner().invoke(args=["outbox", "purge", "--older-than", "1d"]).output
    assert "purged 1 delivered, held or spam" in output
