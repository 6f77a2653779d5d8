"""``flask mail check [--send-test]``: is the configured relay reachable, verified and ours?

It connects through the sender's own code (``connect_secure`` then ``log_in``,
the two halves of ``open_smtp``), prints the TLS session and the relay's
certificate, tries AUTH, and with ``--send-test`` sends one message through
Flask-Mail. The exit status is 0 only when every step worked, so a deploy
can be gated on it; otherwise the last line says why.
"""

from __future__ import annotations

import socket
import ssl
from datetime import UTC, datetime
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup
from flask_mail import Message

from site_app.extensions import mail
from site_app.outbox.failures import describe
from site_app.outbox.mailer import close, connect_secure, log_in, mode

mail_group = AppGroup("mail", help="Check the mail relay inquiries are delivered to.")
_SHORT = {"commonName": "CN", "organizationName": "O", "organizationalUnitName": "OU"}
_SHORT |= {"countryName": "C", "localityName": "L", "stateOrProvinceName": "ST"}


def _line(label: str, text: str) -> None:
    click.echo(f"{label + ':':<14}{text}")


def _name(rdns: Any) -> str:
    return ", ".join(f"{_SHORT.get(key, key)}={value}" for rdn in rdns for key, value in rdn)


def _report_tls(sock: ssl.SSLSocket, config: dict[str, Any]) -> None:
    cipher = sock.cipher()
    trust = config["MAIL_TLS_CA_FILE"] or "the system CAs"
    _line("TLS", f"{sock.version()}, {cipher[0] if cipher else '?'}; trusting {trust}")
    cert = sock.getpeercert() or {}
    _line("subject", _name(cert.get("subject", ())))
    _line("issuer", _name(cert.get("issuer", ())))
    expires = datetime.fromtimestamp(ssl.cert_time_to_seconds(str(cert["notAfter"])), UTC)
    days = (expires - datetime.now(UTC)).days
    soon = "; renew it soon" if days < 14 else ""
    _line("expires", f"{expires:%Y-%m-%d %H:%M} UTC (in {days} days{soon})")


def _test_message(config: dict[str, Any]) -> Message:
    return Message(
        subject="Glissando relay check",
        recipients=[config["CONTACT_RECIPIENT"]],
        sender=config["MAIL_DEFAULT_SENDER"],
        body=(
            f"A test from `flask mail check --send-test` on {socket.gethostname()} at "
            f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC. Nothing to do: it proves the "
            "website can reach this inbox through the relay.\n"
        ),
    )


def _check(config: dict[str, Any], send_test: bool) -> str:
    """Print each step as it succeeds; raise at the first that fails; return a summary."""
    server = config["MAIL_SERVER"]
    _line("relay", f"{server}:{config['MAIL_PORT']} ({mode(config)})" if server else "none set")
    host = connect_secure(config)
    try:
        sock = host.sock
        verified = isinstance(sock, ssl.SSLSocket)
        if isinstance(sock, ssl.SSLSocket):
            _report_tls(sock, config)
        else:
            _line("TLS", "none: plain SMTP, the relay's identity is not checked")
        authenticated = log_in(host, config)
    finally:
        close(host)
    username = config["MAIL_USERNAME"]
    _line("AUTH", f"accepted for {username}" if authenticated else "no credentials configured")
    done = ["TLS verified" if verified else "plain SMTP (no TLS)"]
    done.append("AUTH accepted" if authenticated else "no AUTH")
    if send_test:
        mail.send(_test_message(config))  # Flask-Mail, through the same open_smtp
        _line("test message", f"accepted by the relay for {config['CONTACT_RECIPIENT']}")
        done.append("test message sent")
    return ", ".join(done)


@mail_group.command("check")
@click.option("--send-test", is_flag=True, help="Also send a test message to CONTACT_RECIPIENT.")
def check(send_test: bool) -> None:
    """Connect as the sender does and report TLS, certificate and AUTH; send nothing."""
    try:
        summary = _check(current_app.config, send_test)
    except Exception as error:  # noqa: BLE001 - every failure is reported in one line
        click.echo(f"FAILED: {describe(error)}", err=True)
        raise SystemExit(1) from None
    click.echo(f"OK: {summary}")
