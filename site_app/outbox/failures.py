"""What a relay's refusal or a broken connection means, in ops' words, and whether it is final."""

from __future__ import annotations

import smtplib
import ssl

from site_app.outbox.mailer import RelayNotConfigured

# OpenSSL's verify codes, named the way ops talk about a bad certificate.
_CERT_PROBLEMS = {
    9: "not yet valid",
    10: "expired",
    **dict.fromkeys((2, 18, 19, 20, 21), "unknown CA"),
    **dict.fromkeys((62, 64), "wrong host name"),
}


def _text(answer: bytes | str) -> str:
    return answer.decode(errors="replace") if isinstance(answer, bytes) else str(answer)


def describe(error: BaseException) -> str:
    if isinstance(error, RelayNotConfigured):
        return str(error)
    if isinstance(error, ssl.SSLCertVerificationError):
        kind = _CERT_PROBLEMS.get(error.verify_code)
        return f"TLS certificate rejected{f' ({kind})' if kind else ''}: {error.verify_message}"
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return f"relay refused the credentials: {error.smtp_code} {_text(error.smtp_error)}"
    if isinstance(error, ConnectionRefusedError):
        return "connection refused by the relay"
    # smtplib reports a read that timed out as SMTPServerDisconnected; the cause tells.
    if isinstance(error, TimeoutError) or isinstance(error.__context__, TimeoutError):
        return "timed out waiting for the relay (MAIL_TIMEOUT)"
    if isinstance(error, smtplib.SMTPResponseException):
        return f"relay answered {error.smtp_code}: {_text(error.smtp_error)}"
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code, answer = next(iter(error.recipients.values()))
        return f"relay refused the recipient: {code} {answer.decode(errors='replace')}"
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def permanent(error: BaseException) -> bool:
    """Only a 5xx answer to the message itself is final for that inquiry.

    Credentials, MAIL FROM and RCPT TO are our own settings (CONTACT_RECIPIENT), the same
    for every inquiry: a refusal there ("530 auth required", "550 relaying denied") is a
    configuration problem, so the inquiry waits, retried, until ops fix it.
    """
    return isinstance(error, smtplib.SMTPDataError) and error.smtp_code >= 500
