"""The webhook sender stopped mid-batch, as gunicorn's ``worker_exit`` stops it: it finishes
the post in hand and hands the rest of its batch back, for another sender to take at once."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest
from flask import Flask

from site_app import webhooks
from site_app.outbox import deliveries, worker
from site_app.outbox.models import DELIVERED, PENDING, WEBHOOK
from site_app.webhooks.sender import deliver_due
from tests.conftest import submit, wait_for
from tests.test_webhooks import SECRET, webhook_rows
from tests.webhook_receiver import Receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as hook:
        yield hook


def three_inquiries(make_app: Callable[..., Flask], receiver: Receiver) -> Flask:
    app = make_app(WEBHOOK_URL=receiver.url, WEBHOOK_SECRET=SECRET, OUTBOX_BATCH_SIZE=10)
    client = app.test_client()
    for n in range(3):
        submit(client, message=f"Inquiry {n}")
    return app


def test_a_webhook_sender_stopped_mid_batch_hands_the_rest_back_at_once(
    make_app: Callable[..., Flask], receiver: Receiver
) -> None:
    app = three_inquiries(make_app, receiver)
    stop = threading.Event()
    receiver.arrived = stop.set
    with app.app_context():
        assert deliver_due("stopping", 10, lease_seconds=600, stop=stop) == 1
        # No waiting for a 10-minute lease: another sender takes the rest now.
        taken = deliveries.claim(WEBHOOK, "next", 10, lease_seconds=60)
    assert [inquiry.message for _, inquiry in taken] == ["Inquiry 1", "Inquiry 2"]
    assert len(receiver.requests) == 1


def test_stopping_a_workers_senders_stops_its_webhook_sender_too(
    make_app: Callable[..., Flask], receiver: Receiver
) -> None:
    app = three_inquiries(make_app, receiver)
    # What gunicorn's worker_exit calls, here while the first post waits for its answer.
    stopper = threading.Thread(target=worker.stop_threads, args=(15.0,))
    receiver.arrived = stopper.start
    webhooks.start_thread(app)
    wait_for(lambda: stopper.ident is not None, what="the first post")
    stopper.join(30)
    assert not stopper.is_alive()
    assert "webhook-sender" not in [thread.name for thread in threading.enumerate()]
    rows = webhook_rows(app)
    assert [row.status for row in rows] == [DELIVERED, PENDING, PENDING]
    assert [row.lease_owner for row in rows[1:]] == [None, None]  # handed back, not held
    assert len(receiver.requests) == 1
