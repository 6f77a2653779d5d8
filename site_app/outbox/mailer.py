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
from typing import Any

from flask import current_app
from flask_mail import Connection, Mail

log = logging.getLogger(__name__)


class RelayNotConfigured(RuntimeError):
    pass


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
        return smtplib.SMTP_SSL(server, port, timeout=timeout, context=tls_context(config))
    host = smtplib.SMTP(server, port, timeout=timeout)
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

    def __exit__(self, *exc: object) -> None:
        if self.host is not None:
            close(self.host)


class RelayMail(Mail):
    """Flask-Mail whose ``send`` and ``connect`` also go through :func:`open_smtp`."""

    def connect(self) -> RelayConnection:
        return connect()


def connect() -> RelayConnection:
    return RelayConnection(current_app.extensions["mail"])
