"""Posting due webhook deliveries, each signed afresh on every attempt with the same id.

Any failure (refused, timed out, a TLS error, a redirect, a non-2xx answer)
is retried with the outbox's backoff until ``OUTBOX_GIVE_UP_SECONDS``.
"""

from __future__ import annotations

import http.client
import logging
import ssl
import threading
import time

from flask import current_app

from site_app.outbox import deliveries, leases, screening
from site_app.outbox.models import FAILED, WEBHOOK, Delivery, Inquiry
from site_app.webhooks import client, payload, signing

log = logging.getLogger(__name__)


def describe(error: BaseException) -> str:
    if isinstance(error, client.WebhookError):
        return str(error)
    if isinstance(error, ssl.SSLCertVerificationError):
        return f"TLS certificate rejected: {error.verify_message}"
    if isinstance(error, ConnectionRefusedError):
        return "connection refused by the receiver"
    if isinstance(error, TimeoutError):
        return "timed out waiting for the receiver (WEBHOOK_TIMEOUT)"
    if isinstance(error, http.client.HTTPException | OSError):
        return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    return type(error).__name__


def post(delivery: Delivery, inquiry: Inquiry) -> None:
    config = current_app.config
    if config["WEBHOOK_FORMAT"] == "slack":
        body, headers = payload.slack(inquiry), {}
    else:
        body = payload.standard(inquiry)
        headers = signing.headers(
            config["WEBHOOK_SECRET"], delivery.event_id, int(time.time()), body
        )
    client.post(config["WEBHOOK_URL"], body, headers, config["WEBHOOK_TIMEOUT"])


def deliver_due(
    owner: str, batch_size: int, lease_seconds: float, stop: threading.Event | None = None
) -> int:
    """Claim and post one batch; return how many were delivered.

    ``stop`` set mid-batch: the post in hand is finished and the rest handed back.
    """
    deadline = time.monotonic() + lease_seconds
    screening.judge_due(owner, batch_size, lease_seconds)  # a lead gets its delivery row
    batch = deliveries.claim(WEBHOOK, owner, batch_size, lease_seconds)
    # One post may wait WEBHOOK_TIMEOUT to connect, to send and to read the answer.
    attempt_seconds = current_app.config["WEBHOOK_TIMEOUT"] * 3
    delivered = 0
    for index, (delivery, inquiry) in enumerate(batch):
        why = leases.why_hand_back(index, deadline, attempt_seconds, stop)
        if why:
            rest = [delivery for delivery, _ in batch[index:]]
            leases.hand_back(f"webhook sender {owner}", rest, why)
            break
        try:
            post(delivery, inquiry)
        except Exception as error:  # noqa: BLE001 - every reason is recorded on the delivery
            reason = describe(error)
            status = leases.mark_retry(delivery, inquiry.created_at, reason)
            log.log(
                logging.ERROR if status == FAILED else logging.WARNING,
                "inquiry %s webhook attempt %s %s: %s",
                inquiry.id,
                delivery.attempts + 1,
                "failed for good" if status == FAILED else "failed, will retry",
                reason,
            )
            continue
        if leases.mark_delivered(delivery):
            delivered += 1
            log.info("inquiry %s webhook delivered as %s", inquiry.id, delivery.event_id)
        else:
            log.warning("inquiry %s webhook posted, but its lease had passed on", inquiry.id)
    return delivered
