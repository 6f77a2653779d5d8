"""Sending due digests: the e-mail loop's second task, under the same leases and retries
as an inquiry's e-mail."""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import select

from site_app import metrics
from site_app.extensions import db
from site_app.outbox import digest, leases, message
from site_app.outbox.failures import describe, permanent
from site_app.outbox.mailer import connect
from site_app.outbox.models import FAILED, Digest, Report

log = logging.getLogger(__name__)


def send_due(owner: str, lease_seconds: float) -> int:
    """Create this period's digest if it is due, then send every digest that is; return
    how many were sent."""
    made = digest.create_due()
    if made is not None:
        log.info("digest %s made: %s held, %s spam", made.id, made.held_count, made.spam_count)
    claimed = [row for (row,) in leases.claim(Digest, select(Digest), owner, 5, lease_seconds)]
    sent = 0
    for row in claimed:
        sent += _send(row)
    return sent


def _send(row: Digest) -> int:
    return send_stored(row, "digest", lambda: message.build_digest(row, digest.listed(row)))


def send_stored(
    row: Digest | Report, name: str, build: Callable[[], message.InquiryMessage]
) -> int:
    """Send one stored message (a digest, a report) under its lease: delivered, or its
    retry or failure recorded on the row. 1 when sent."""
    try:
        mail = build()
        db.session.rollback()
        connection = connect()
        connection.__enter__()
        try:
            with metrics.relay_timer():
                connection.send(mail)
        finally:
            connection.__exit__(None, None, None)
    except Exception as error:  # noqa: BLE001 - recorded on the row, retried
        reason = describe(error)
        if permanent(error):
            leases.mark_failed(row, reason)
            status = FAILED
        else:
            status = leases.mark_retry(row, row.created_at, reason)
        log.log(
            logging.ERROR if status == FAILED else logging.WARNING,
            "%s %s %s: %s",
            name,
            row.id,
            "failed for good" if status == FAILED else "failed, will retry",
            reason,
        )
        return 0
    leases.mark_delivered(row)
    log.info("%s %s delivered as %s", name, row.id, row.message_id)
    return 1
