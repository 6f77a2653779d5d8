"""The one place that opens a connection to the relay.

Flask-Mail 0.10 opens SMTP with no timeout and calls ``starttls()`` and
``SMTP_SSL`` without an SSL context, which on Python 3.11 verifies neither
the certificate nor the host name. Here every connection gets a timeout and
a verifying context, and the password is only sent over a TLS socket that
context set up (or in clear with ``MAIL_ALLOW_PLAINTEXT_AUTH``, loudly).
Flask-Mail keeps building and sending the messages: :class:`RelayMail` and
:class:`RelayConnection` replace only how the connection is opened.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import time
from typing import TYPE_CHECKING, Any

from flask import current_app
from flask_mail import Connection, Mail, Message

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

log = logging.getLogger(__name__)


class RelayNotConfigured(RuntimeError):
    pass


class BoundedSMTP(smtplib.SMTP):
    """SMTP whose waits all count against one deadline per attempt, not per read.

    A socket timeout restarts with every byte, so a relay trickling its answer a byte
    at a time would hold a sender for ever. Here the opening (connect, TLS, AUTH) with
    the first message, and each later message, must finish within ``timeout``.
    """

    def __init__(self, host: str, port: int, timeout: float, **kwargs: Any) -> None:
        self.deadline = time.monotonic() + timeout
        super().__init__(host, port, timeout=timeout, **kwargs)

    def restart_clock(self) -> None:
        self.deadline = time.monotonic() + self.timeout

    def remaining(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the relay took longer than MAIL_TIMEOUT")
        return left

    def getreply(self) -> tuple[int, bytes]:
        if self.file is None:
            self.file = _DeadlineReader(self)  # type: ignore[assignment]
        return super().getreply()

    def send(self, s: ReadableBuffer | str) -> None:
        if self.sock is not None:
            self.sock.settimeout(self.remaining())
        super().send(s)


class BoundedSMTPSSL(BoundedSMTP, smtplib.SMTP_SSL):
    pass


class _DeadlineReader:
    """The ``readline`` smtplib needs, every ``recv`` bounded by what is left of the deadline."""

    def __init__(self, host: BoundedSMTP) -> None:
        self.host = host
        self.buffer = b""

    def readline(self, limit: int) -> bytes:
        while b"\n" not in self.buffer and len(self.buffer) < limit and self.host.sock:
            self.host.sock.settimeout(self.host.remaining())
            chunk = self.host.sock.recv(4096)
            if not chunk:
                break
            self.buffer += chunk
        end = self.buffer.find(b"\n") + 1 or min(len(self.buffer), limit)
        line, self.buffer = self.buffer[:end], self.buffer[end:]
        return line

    def close(self) -> None:
        self.buffer = b""


def mode(config: dict[str, Any]) -> str:
    if config["MAIL_USE_SSL"]:
        return "implicit TLS"
    return "STARTTLS" if config["MAIL_USE_TLS"] else "plain"


def tls_context(config: dict[str, Any]) -> ssl.SSLContext:
    """Certificate chain and host name checked; a CA file replaces the system CAs."""
    ca_file = config["MAIL_TLS_CA_FILE"]
    try:
        context = ssl.create_default_context(cafile=ca_file)
    except OSError as error:  # ssl.SSLError too; without this the message names no file
        raise RelayNotConfigured(f"MAIL_TLS_CA_FILE={ca_file} cannot be loaded: {error}") from None
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def connect_secure(config: dict[str, Any]) -> smtplib.SMTP:
    """Connect and, in either TLS mode, finish a verified handshake; no AUTH yet."""
    server, port, timeout = config["MAIL_SERVER"], config["MAIL_PORT"], config["MAIL_TIMEOUT"]
    if not server:
        raise RelayNotConfigured("MAIL_SERVER is not set")
    if config["MAIL_USE_SSL"]:
        return BoundedSMTPSSL(server, port, timeout, context=tls_context(config))
    host = BoundedSMTP(server, port, timeout)
    if config["MAIL_USE_TLS"]:
        try:
            # Raises if the relay does not offer STARTTLS: no silent fallback to clear text.
            host.starttls(context=tls_context(config))
        except BaseException:
            host.close()
            raise
    return host


def log_in(host: smtplib.SMTP, config: dict[str, Any]) -> bool:
    """AUTH with the configured credentials; False when there are none."""
    username = config["MAIL_USERNAME"]
    if not username:
        return False
    # The socket itself decides, not the settings: only our verified TLS makes an SSLSocket.
    if not isinstance(host.sock, ssl.SSLSocket):
        if not config["MAIL_ALLOW_PLAINTEXT_AUTH"]:
            raise RelayNotConfigured(
                "refusing to send the relay password without TLS (set MAIL_USE_TLS or MAIL_USE_SSL)"
            )
        log.warning("sending relay credentials without TLS (MAIL_ALLOW_PLAINTEXT_AUTH=true)")
    host.login(username, config["MAIL_PASSWORD"] or "")
    return True


def open_smtp(config: dict[str, Any]) -> smtplib.SMTP:
    """Connect, secure and log in as configured; raise on any failure."""
    host = connect_secure(config)
    try:
        log_in(host, config)
    except BaseException:
        host.close()
        raise
    return host


def offers_smtputf8(host: smtplib.SMTP | None) -> bool:
    """Whether the relay takes internationalised addresses in headers (RFC 6531)."""
    if host is None:
        return False
    host.ehlo_or_helo_if_needed()
    return bool(host.has_extn("smtputf8"))


def close(host: smtplib.SMTP) -> None:
    """QUIT politely; a relay that already hung up must not raise here."""
    try:
        host.quit()
    except (smtplib.SMTPException, OSError):
        host.close()


class RelayConnection(Connection):
    """A Flask-Mail connection opened by :func:`open_smtp`."""

    def configure_host(self) -> smtplib.SMTP:
        return open_smtp(current_app.config)

    def send(self, message: Message, envelope_from: str | tuple[str, str] | None = None) -> None:
        try:
            super().send(message, envelope_from)
        finally:
            if isinstance(self.host, BoundedSMTP):
                self.host.restart_clock()  # the next message gets MAIL_TIMEOUT of its own

    def __exit__(self, *exc: object) -> None:
        if self.host is not None:
            close(self.host)


class RelayMail(Mail):
    """Flask-Mail whose ``send`` and ``connect`` also go through :func:`open_smtp`."""

    def connect(self) -> RelayConnection:
        return connect()


def connect() -> RelayConnection:
    return RelayConnection(current_app.extensions["mail"])
