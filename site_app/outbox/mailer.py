"""The one place that opens a connection to the relay.

Flask-Mail 0.10 opens SMTP with no timeout and calls ``starttls()`` and
``SMTP_SSL`` without an SSL context, which on Python 3.11 verifies neither
the certificate nor the host name. This subclass keeps Flask-Mail for the
messages and replaces only ``configure_host``.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from typing import Any

from flask import current_app
from flask_mail import Connection

log = logging.getLogger(__name__)


class RelayNotConfigured(RuntimeError):
    pass


def tls_context(config: dict[str, Any]) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=config["MAIL_TLS_CA_FILE"])
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def open_smtp(config: dict[str, Any]) -> smtplib.SMTP:
    """Connect, secure and log in as configured; raise on any failure."""
    server, port, timeout = config["MAIL_SERVER"], config["MAIL_PORT"], config["MAIL_TIMEOUT"]
    if not server:
        raise RelayNotConfigured("MAIL_SERVER is not set")
    host: smtplib.SMTP
    if config["MAIL_USE_SSL"]:
        host = smtplib.SMTP_SSL(server, port, timeout=timeout, context=tls_context(config))
    else:
        host = smtplib.SMTP(server, port, timeout=timeout)
    try:
        if config["MAIL_USE_TLS"]:
            host.starttls(context=tls_context(config))
        username, password = config["MAIL_USERNAME"], config["MAIL_PASSWORD"]
        if username and password:
            if not (config["MAIL_USE_TLS"] or config["MAIL_USE_SSL"]):
                if not config["MAIL_ALLOW_PLAINTEXT_AUTH"]:
                    raise RelayNotConfigured(
                        "refusing to send the relay password without TLS "
                        "(set MAIL_USE_TLS or MAIL_USE_SSL)"
                    )
                log.warning("sending relay credentials without TLS (MAIL_ALLOW_PLAINTEXT_AUTH)")
            host.login(username, password)
    except BaseException:
        host.close()
        raise
    return host


class RelayConnection(Connection):
    """A Flask-Mail connection opened by :func:`open_smtp`."""

    def configure_host(self) -> smtplib.SMTP:
        return open_smtp(current_app.config)

    def __exit__(self, *exc: object) -> None:
        if self.host is None:
            return
        try:
            self.host.quit()
        except (smtplib.SMTPException, OSError):
            self.host.close()


def connect() -> RelayConnection:
    return RelayConnection(current_app.extensions["mail"])
