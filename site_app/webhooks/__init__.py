"""The webhook destination: a loop of its own, beside the e-mail sender, never waiting on it.

It runs as a thread in each gunicorn worker (with ``OUTBOX_SENDER=thread``) or
inside ``flask outbox worker``, only when ``WEBHOOK_URL`` is set, and finds
new deliveries by polling every ``OUTBOX_POLL_SECONDS``.
"""

from __future__ import annotations

import logging
import os
import socket
import threading

from flask import Flask

from site_app.extensions import db
from site_app.webhooks.client import host_of
from site_app.webhooks.sender import deliver_due

log = logging.getLogger(__name__)


def run(app: Flask, stop: threading.Event) -> None:
    """Post webhooks until ``stop`` is set; survive any error, logging it."""
    config = app.config
    owner = f"{socket.gethostname()}:{os.getpid()}:webhook"
    log.info("webhook sender %s started for %s", owner, host_of(config["WEBHOOK_URL"]))
    while not stop.is_set():
        delivered = 0
        try:
            with app.app_context():
                delivered = deliver_due(
                    owner, config["OUTBOX_BATCH_SIZE"], config["OUTBOX_LEASE_SECONDS"]
                )
        except Exception:
            log.exception("webhook sender %s: unexpected error; carrying on", owner)
        finally:
            with app.app_context():
                db.session.remove()
        if not delivered:
            stop.wait(config["OUTBOX_POLL_SECONDS"])
    log.info("webhook sender %s stopped", owner)


def start_thread(app: Flask) -> threading.Event | None:
    """Start the webhook sender as a daemon thread if a webhook is configured."""
    if not app.config["WEBHOOK_URL"]:
        return None
    stop = threading.Event()
    threading.Thread(target=run, args=(app, stop), name="webhook-sender", daemon=True).start()
    return stop
