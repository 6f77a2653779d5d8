"""The webhook destination: a sender loop of its own, beside the e-mail's, never waiting on it.

It runs as a thread in each gunicorn worker (with ``OUTBOX_SENDER=thread``) or
inside ``flask outbox worker``, only when ``WEBHOOK_URL`` is set, and finds
new deliveries by polling every ``OUTBOX_POLL_SECONDS``.
"""

from __future__ import annotations

import logging
import threading

from flask import Flask

from site_app.outbox import worker
from site_app.webhooks.client import host_of
from site_app.webhooks.sender import deliver_due

log = logging.getLogger(__name__)
WEBHOOKS = worker.Destination("webhook sender", deliver_due, ":webhook", woken=False)


def start_thread(app: Flask) -> threading.Event | None:
    """Start the webhook sender as a daemon thread if a webhook is configured.

    It is one of the worker's threads: ``stop_threads`` (gunicorn's ``worker_exit``)
    stops it too, and it hands its batch back like the e-mail sender.
    """
    if not app.config["WEBHOOK_URL"]:
        return None
    log.info("webhooks go to %s", host_of(app.config["WEBHOOK_URL"]))
    return worker.start_thread(app, WEBHOOKS)
