"""The sender loop: a thread in each gunicorn worker, or its own process.

Each loop claims due inquiries with a lease, so any number of them can run
against one database. A new inquiry wakes the loop of the worker that
stored it; the others find work by polling every ``OUTBOX_POLL_SECONDS``.
"""

from __future__ import annotations

import logging
import os
import socket
import threading

from flask import Flask

from site_app.extensions import db
from site_app.outbox.sender import deliver_due

log = logging.getLogger(__name__)
_wake = threading.Event()


def wake_sender() -> None:
    _wake.set()


def run(app: Flask, stop: threading.Event) -> None:
    """Deliver until ``stop`` is set; survive any error, logging it."""
    config = app.config
    owner = f"{socket.gethostname()}:{os.getpid()}"
    log.info("outbox sender %s started", owner)
    while not stop.is_set():
        delivered = 0
        try:
            with app.app_context():
                delivered = deliver_due(
                    owner, config["OUTBOX_BATCH_SIZE"], config["OUTBOX_LEASE_SECONDS"]
                )
        except Exception:
            log.exception("outbox sender %s: unexpected error; carrying on", owner)
        finally:
            with app.app_context():
                db.session.remove()
        if delivered:
            continue  # there may be more due at once
        _wake.wait(config["OUTBOX_POLL_SECONDS"])
        _wake.clear()
    log.info("outbox sender %s stopped", owner)


def start_thread(app: Flask) -> threading.Event:
    """Start the sender as a daemon thread; set the returned event to stop it."""
    stop = threading.Event()
    thread = threading.Thread(target=run, args=(app, stop), name="outbox-sender", daemon=True)
    thread.start()
    return stop
