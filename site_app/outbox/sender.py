"""Delivering due inquiries to the relay, one connection per batch.

Every attempt is logged with the inquiry id. A 5xx answer to the message
is permanent: the inquiry is marked failed at once. Anything else (4xx, a
refused connection, a timeout, a certificate that fails verification) is
retried with backoff until ``OUTBOX_GIVE_UP_SECONDS`` have passed.
"""

from __future__ import annotations

import logging
import smtplib
import ssl

from site_app.outbox import message, store
from site_app.outbox.mailer import connect
from site_app.outbox.models import FAILED, Inquiry

log = logging.getLogger(__name__)


def describe(error: BaseException) -> str:
    if isinstance(error, ssl.SSLCertVerificationError):
        return f"TLS certificate rejected: {error.verify_message} ({error.reason})"
    if isinstance(error, smtplib.SMTPResponseException):
        text = (
            error.smtp_error.decode(errors="replace")
            if isinstance(error.smtp_error, bytes)
            else str(error.smtp_error)
        )
        return f"relay answered {error.smtp_code}: {text}"
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code, answer = next(iter(error.recipients.values()))
        return f"relay refused the recipient: {code} {answer.decode(errors='replace')}"
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def permanent(error: BaseException) -> bool:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return False  # a configuration problem: keep the inquiry for when it is fixed
    if isinstance(error, (smtplib.SMTPSenderRefused, smtplib.SMTPDataError)):
        return error.smtp_code >= 500
    return False


def _record_failure(inquiry: Inquiry, error: BaseException) -> None:
    reason = describe(error)
    if permanent(error):
        store.mark_failed(inquiry, reason)
        status = FAILED
    else:
        status = store.mark_retry(inquiry, reason)
    level = logging.ERROR if status == FAILED else logging.WARNING
    log.log(
        level,
        "inquiry %s attempt %s %s: %s",
        inquiry.id,
        inquiry.attempts + 1,
        "failed for good" if status == FAILED else "failed, will retry",
        reason,
    )


def deliver_due(owner: str, batch_size: int, lease_seconds: float) -> int:
    """Claim and send one batch; return how many were delivered."""
    batch = store.claim(owner, batch_size, lease_seconds)
    if not batch:
        return 0
    delivered = 0
    try:
        connection = connect()
        connection.__enter__()
    except Exception as error:  # noqa: BLE001 - every reason is recorded on the inquiries
        for inquiry in batch:
            _record_failure(inquiry, error)
        return 0
    try:
        for inquiry in batch:
            try:
                connection.send(message.build(inquiry))
            except (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused) as error:
                _record_failure(inquiry, error)  # the relay answered about this message
                continue
            except Exception as error:  # noqa: BLE001
                # The connection is gone: this and the rest of the batch wait for a retry.
                for rest in batch[batch.index(inquiry) :]:
                    _record_failure(rest, error)
                return delivered
            if store.mark_delivered(inquiry):
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
