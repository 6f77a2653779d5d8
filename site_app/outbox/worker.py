"""The sender loop, one per destination: a thread in each gunicorn worker, or its own process.

Each loop claims its destination's due rows with a lease, so any number of
them can run against one database. A new inquiry wakes the e-mail loop of the
worker that stored it; the others find work by polling every
``OUTBOX_POLL_SECONDS``. No error ends a loop: with the database down it keeps
polling and picks up again, without a restart, once the database answers.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask

from site_app.extensions import db
from site_app.outbox.sender import deliver_due

log = logging.getLogger(__name__)
_wake = threading.Event()
_threads: list[tuple[threading.Thread, threading.Event]] = []


@dataclass(frozen=True)
class Destination:
    """What one loop delivers: its name (in log lines and the thread's) and a batch's work.

    ``deliver_due(owner, batch_size, lease_seconds, stop)`` returns how many it
    delivered; with ``stop`` set it finishes the one in hand and hands the rest back.
    """

    name: str
    deliver_due: Callable[[str, int, float, threading.Event], int]
    owner_suffix: str = ""
    woken: bool = True  # by wake_sender, when an inquiry is stored; else it only polls


MAIL = Destination("outbox sender", deliver_due)


def wake_sender() -> None:
    _wake.set()


def run(app: Flask, stop: threading.Event, destination: Destination = MAIL) -> None:
    """Deliver until ``stop`` is set; survive any error, logging it."""
    config = app.config
    owner = f"{socket.gethostname()}:{os.getpid()}{destination.owner_suffix}"
    name = destination.name
    log.info("%s %s started", name, owner)
    failing = False
    while not stop.is_set():
        delivered = 0
        try:
            with app.app_context():
                delivered = destination.deliver_due(
                    owner, config["OUTBOX_BATCH_SIZE"], config["OUTBOX_LEASE_SECONDS"], stop
                )
            if failing:
                log.info("%s %s: working again", name, owner)
            failing = False
        except Exception as error:
            # Once per outage with the traceback, not every poll.
            if not failing:
                log.exception("%s %s: error; retrying every poll", name, owner)
            else:
                log.debug("%s %s: still failing: %s", name, owner, error)
            failing = True
        finally:
            _forget_session(app)
        if delivered:
            continue  # there may be more due at once
        if destination.woken:
            _wake.wait(config["OUTBOX_POLL_SECONDS"])
            _wake.clear()
        else:
            stop.wait(config["OUTBOX_POLL_SECONDS"])
    log.info("%s %s stopped", name, owner)


def _forget_session(app: Flask) -> None:
    try:
        with app.app_context():
            db.session.remove()
    except Exception:  # noqa: BLE001 - a dead connection; the pool replaces it
        log.debug("outbox sender: closing the session failed", exc_info=True)


def start_thread(app: Flask, destination: Destination = MAIL) -> threading.Event:
    """Start a sender as a daemon thread; set the returned event to stop it."""
    stop = threading.Event()
    name = destination.name.replace(" ", "-")
    thread = threading.Thread(target=run, args=(app, stop, destination), name=name, daemon=True)
    thread.start()
    _threads.append((thread, stop))
    return stop


def stop_threads(timeout: float) -> None:
    """Stop this process's senders (e-mail and webhook): each finishes the one in hand and
    hands the rest of its batch back, so another takes them at once, not when the lease ends."""
    for _, stop in _threads:
        stop.set()
    wake_sender()
    for thread, _ in _threads:
        thread.join(timeout)
    _threads.clear()
