"""The sender loop: a thread in each gunicorn worker, or its own process.

Each loop claims due inquiries with a lease, so any number of them can run
against one database. A new inquiry wakes the loop of the worker that
stored it; the others find work by polling every ``OUTBOX_POLL_SECONDS``.
No error ends the loop: with the database down it keeps polling and picks
up again, without a restart, once the database answers.
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
_threads: list[tuple[threading.Thread, threading.Event]] = []


def wake_sender() -> None:
    _wake.set()


def run(app: Flask, stop: threading.Event) -> None:
    """Deliver until ``stop`` is set; survive any error, logging it."""
    config = app.config
    owner = f"{socket.gethostname()}:{os.getpid()}"
    log.info("outbox sender %s started", owner)
    failing = False
    while not stop.is_set():
        delivered = 0
        try:
            with app.app_context():
                delivered = deliver_due(
                    owner, config["OUTBOX_BATCH_SIZE"], config["OUTBOX_LEASE_SECONDS"], stop
                )
            if failing:
                log.info("outbox sender %s: working again", owner)
            failing = False
        except Exception as error:
            # Once per outage with the traceback, not every poll.
            if not failing:
                log.exception("outbox sender %s: error; retrying every poll", owner)
            else:
                log.debug("outbox sender %s: still failing: %s", owner, error)
            failing = True
        finally:
            _forget_session(app)
        if delivered:
            continue  # there may be more due at once
        _wake.wait(config["OUTBOX_POLL_SECONDS"])
        _wake.clear()
    log.info("outbox sender %s stopped", owner)


def _forget_session(app: Flask) -> None:
    try:
        with app.app_context():
            db.session.remove()
    except Exception:  # noqa: BLE001 - a dead connection; the pool replaces it
        log.debug("outbox sender: closing the session failed", exc_info=True)


def start_thread(app: Flask) -> threading.Event:
    """Start the sender as a daemon thread; set the returned event to stop it."""
    stop = threading.Event()
    thread = threading.Thread(target=run, args=(app, stop), name="outbox-sender", daemon=True)
    thread.start()
    _threads.append((thread, stop))
    return stop


def stop_threads(timeout: float) -> None:
    """Stop this process's senders: each finishes the message in hand and hands the
    rest of its batch back, so another sender takes them at once, not when the lease ends."""
    for _, stop in _threads:
        stop.set()
    wake_sender()
    for thread, _ in _threads:
        thread.join(timeout)
    _threads.clear()
