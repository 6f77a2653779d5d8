"""The sender between the relay and the database: stopped mid-batch, or finding the
database gone just after the relay took a message."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import Flask
from sqlalchemy import event, update

from site_app.extensions import db
from site_app.outbox import store
from site_app.outbox.models import DELIVERED, PENDING, Inquiry, utcnow
from site_app.outbox.sender import deliver_due
from tests.conftest import deliver, submit
from tests.smtp import Recorder, SMTPServer
from tests.test_outbox import make_due, rows


def expire_leases(app: Flask) -> None:
    with app.app_context():
        past = utcnow() - timedelta(seconds=1)
        db.session.execute(update(Inquiry).values(next_attempt_at=past, lease_until=past))
        db.session.commit()


class OnArrival(Recorder):
    """Accepts each message and, before answering, does ``then`` (once)."""

    def __init__(self, then: Callable[[], None]) -> None:
        super().__init__()
        self.then: Callable[[], None] | None = then

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        answer = await super().handle_DATA(server, session, envelope)
        if self.then is not None:
            self.then, then = None, self.then
            then()
        return answer


def test_a_sender_stopped_mid_batch_hands_the_rest_back_at_once(
    make_app: Callable[..., Flask],
) -> None:
    stop = threading.Event()
    with SMTPServer(OnArrival(stop.set)) as relay:
        app = make_app(MAIL_PORT=relay.port)
        client = app.test_client()
        for n in range(3):
            submit(client, message=f"Inquiry {n}")
        with app.app_context():
            assert deliver_due("stopping", 10, lease_seconds=600, stop=stop) == 1
            # No waiting for a 10-minute lease: another sender takes the rest now.
            taken = store.claim("next", 10, lease_seconds=60)
        assert [i.message for i in taken] == ["Inquiry 1", "Inquiry 2"]
    assert [r.status for r in rows(app)] == [DELIVERED, PENDING, PENDING]


def test_mail_sent_while_the_database_went_away_is_recorded_later_not_sent_twice(
    make_app: Callable[..., Flask],
) -> None:
    holder: dict[str, Flask] = {}

    def read_only(connection: Any, record: Any) -> None:
        connection.execute("PRAGMA query_only = ON")

    def database_goes_read_only() -> None:
        with holder["app"].app_context():
            event.listen(db.engine, "connect", read_only)
            db.engine.dispose()

    with SMTPServer(OnArrival(database_goes_read_only)) as relay:
        app = holder["app"] = make_app(MAIL_PORT=relay.port)
        submit(app.test_client())
        assert deliver(app) == 0  # sent, but it could not be marked
        assert len(relay.received) == 1
        [row] = rows(app)
        assert row.status == PENDING and row.lease_owner is not None  # still its own
        with app.app_context():
            event.remove(db.engine, "connect", read_only)
            db.engine.dispose()
        expire_leases(app)  # even once its lease is over, it is recorded, not resent
        deliver(app)
        make_due(app)
        deliver(app)
    assert [r.status for r in rows(app)] == [DELIVERED]
    assert len(relay.received) == 1
