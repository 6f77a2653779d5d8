"""Delivering due inquiries to the relay, one connection per batch.

Every attempt is logged with the inquiry id. A 5xx answer to the message
is permanent: the inquiry is marked failed at once. Anything else (4xx, a
refused connection, a timeout, a certificate that fails verification) is
retried with backoff until ``OUTBOX_GIVE_UP_SECONDS`` have passed.
"""

from __future__ import annotations

import logging
import smtplib
import threading
import time
from collections.abc import Callable

from flask import current_app
from sqlalchemy.exc import DBAPIError

from site_app import metrics
from site_app.extensions import db
from site_app.outbox import digestmail, leases, message, screening, store
from site_app.outbox.failures import describe, permanent
from site_app.outbox.mailer import close, connect, offers_smtputf8
from site_app.outbox.models import FAILED, Inquiry

log = logging.getLogger(__name__)
# Messages other packages store in the outbox (the weekly report): each registers its
# ``send_due(owner, lease_seconds)`` here, so the outbox never imports them.
_ALSO: list[Callable[[str, float], int]] = []


def also_send(send_due: Callable[[str, float], int]) -> None:
    if send_due not in _ALSO:
        _ALSO.append(send_due)


def _record_failure(inquiry: Inquiry, error: BaseException) -> None:
    reason = describe(error)
    if permanent(error):
        leases.mark_failed(inquiry, reason)
        status = FAILED
    else:
        # A released inquiry gets the full retry time from its release, not its arrival.
        status = leases.mark_retry(inquiry, inquiry.released_at or inquiry.created_at, reason)
    metrics.count_delivery("failed" if status == FAILED else "retry")
    if permanent(error):
        # The relay refused a message the site built: a bug in the site, not the visitor's.
        log.error(
            "inquiry %s refused by the relay, kept as failed: %s. The site built a message "
            "the relay will not take; fix that, then run `flask outbox retry %s`",
            inquiry.id,
            reason,
            inquiry.id,
        )
        return
    level = logging.ERROR if status == FAILED else logging.WARNING
    log.log(
        level,
        "inquiry %s attempt %s %s: %s",
        inquiry.id,
        inquiry.attempts + 1,
        "failed for good" if status == FAILED else "failed, will retry",
        reason,
    )


# Sent while the database was unreachable: marked delivered first thing on the next pass,
# under the lease they still hold, so they are not sent again when the lease runs out.
_unrecorded: list[Inquiry] = []


def _record_sent() -> None:
    while _unrecorded:
        recorded = leases.mark_delivered(_unrecorded[0])
        inquiry = _unrecorded.pop(0)
        log.log(
            logging.INFO if recorded else logging.WARNING,
            "inquiry %s %s",
            inquiry.id,
            "recorded as delivered" if recorded else "was sent, but its lease had passed",
        )


def deliver_due(
    owner: str, batch_size: int, lease_seconds: float, stop: threading.Event | None = None
) -> int:
    """One pass of the e-mail loop: a batch of inquiries, then the digest and the other
    stored messages when they are due."""
    delivered = _deliver_inquiries(owner, batch_size, lease_seconds, stop)
    for send_due in (digestmail.send_due, *_ALSO):
        if stop is None or not stop.is_set():
            delivered += send_due(owner, lease_seconds)
    return delivered


def _deliver_inquiries(
    owner: str, batch_size: int, lease_seconds: float, stop: threading.Event | None
) -> int:
    """Claim and send one batch; return how many were delivered.

    ``stop`` set mid-batch: the message in hand is finished and the rest handed back.
    """
    # Taken before the claim, so this deadline falls before the lease really ends.
    deadline = time.monotonic() + lease_seconds
    _record_sent()
    # Judged before the relay is tried: a held one reaches the digest during an outage too.
    batch = screening.screen(store.claim(owner, batch_size, lease_seconds))
    if not batch:
        return 0
    delivered = 0
    connection = connect()
    try:
        connection.__enter__()
        smtputf8 = offers_smtputf8(connection.host)
    except Exception as error:  # noqa: BLE001 - every reason is recorded on the inquiries
        if connection.host is not None:  # it answered the connect, then failed the EHLO
            close(connection.host)
        for inquiry in batch:
            _record_failure(inquiry, error)
        return 0
    try:
        for index, inquiry in enumerate(batch):
            why = leases.why_hand_back(index, deadline, current_app.config["MAIL_TIMEOUT"], stop)
            if why:
                leases.hand_back(f"outbox sender {owner}", batch[index:], why)
                break
            try:
                mail = message.build(inquiry, smtputf8)
                with metrics.relay_timer():  # the relay alone, not building the message
                    connection.send(mail)
            except (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused) as error:
                _record_failure(inquiry, error)  # the relay answered about this message
                continue
            except Exception as error:  # noqa: BLE001
                # The connection is gone: this and the rest of the batch wait for a retry.
                for rest in batch[batch.index(inquiry) :]:
                    _record_failure(rest, error)
                return delivered
            metrics.count_delivery("delivered")
            try:
                recorded = leases.mark_delivered(inquiry)
            except DBAPIError:
                db.session.rollback()
                _unrecorded.append(inquiry)
                log.warning("inquiry %s sent; database unreachable, recorded later", inquiry.id)
                continue
            if recorded:
                delivered += 1
                log.info(
                    "inquiry %s delivered as %s (attempt %s)",
                    inquiry.id,
                    inquiry.message_id,
                    inquiry.attempts + 1,
                )
            else:
                log.warning(
                    "inquiry %s sent, but its lease had passed to another sender", inquiry.id
                )
    finally:
        connection.__exit__(None, None, None)
    return delivered
