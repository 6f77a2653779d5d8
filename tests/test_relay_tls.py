"""The relay password and the inquiries go only to a relay whose certificate checks out.

Every relay here is a real aiosmtpd server on loopback that demands TLS and
AUTH, with certificates from a CA this module makes and throws away. The
relay records each AUTH it receives, so "no password was handed over" is
something the server observed, not something the client claims.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import flask_mail
import pytest
from flask import Flask
from sqlalchemy import select

from site_app import create_app
from site_app.config import ConfigError
from site_app.database import upgrade_schema
from site_app.devmail import free_port
from site_app.extensions import db, mail
from site_app.outbox.models import DELIVERED, PENDING, Inquiry
from tests.conftest import deliver, submit, test_config
from tests.servers import Gunicorn
from tests.smtp import SMTPServer
from tests.tlsrelay import PASSWORD, USERNAME, Authority, ServerCert, relay

# aiosmtpd warns when AUTH does not require STARTTLS: meant here for implicit TLS,
# and for the relay that the plaintext switch talks to.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")

MODES = {"starttls": {"MAIL_USE_TLS": True}, "implicit": {"MAIL_USE_SSL": True}}
CREDENTIALS = [(USERNAME, PASSWORD)]


@dataclass
class PKI:
    ca: Authority
    good: ServerCert
    wrong_host: ServerCert
    expired: ServerCert
    unknown_ca: ServerCert


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> PKI:
    folder = tmp_path_factory.mktemp("pki")
    ca = Authority(folder)
    return PKI(
        ca=ca,
        good=ca.issue("good"),
        wrong_host=ca.issue("wrong-host", hosts=("relay.example.com",)),
        expired=ca.issue("expired", not_before=timedelta(days=-90), not_after=timedelta(days=-1)),
        unknown_ca=Authority(folder, "Somebody else CA").issue("stranger"),
    )


@pytest.fixture
def start_relay() -> Iterator[Callable[..., SMTPServer]]:
    with ExitStack() as stack:
        yield lambda cert, mode="starttls": stack.enter_context(relay(cert, mode))


def make(tmp_path: Path, server: SMTPServer | int, **overrides: Any) -> Flask:
    """The site pointed at ``server`` by host name, logging in as the relay expects."""
    port = server if isinstance(server, int) else server.port
    settings = {"MAIL_SERVER": "localhost", "MAIL_USERNAME": USERNAME, "MAIL_PASSWORD": PASSWORD}
    app = create_app(test_config(tmp_path, port, **{**settings, **overrides}))
    upgrade_schema(app)
    return app


def logins(server: SMTPServer) -> list[tuple[str, str]]:
    return [(login, password) for _, login, password in server.handler.auths]


def inquiries(app: Flask) -> list[Inquiry]:
    with app.app_context():
        rows = list(db.session.scalars(select(Inquiry).order_by(Inquiry.id)))
        db.session.expunge_all()
        return rows


def cli(app: Flask, *args: str) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=list(args))
    return result.exit_code, result.output


@pytest.fixture(params=MODES)
def trusted(
    request: pytest.FixtureRequest,
    pki: PKI,
    start_relay: Callable[..., SMTPServer],
    tmp_path: Path,
) -> tuple[SMTPServer, Flask]:
    """A good relay in each TLS mode, and the site trusting its private CA."""
    server = start_relay(pki.good, request.param)
    ca_file = str(pki.ca.pem_file)
    return server, make(tmp_path, server, MAIL_TLS_CA_FILE=ca_file, **MODES[request.param])


def test_relay_with_a_trusted_private_ca_gets_the_inquiry_and_the_login(
    trusted: tuple[SMTPServer, Flask],
) -> None:
    server, app = trusted
    assert submit(app.test_client()).status_code == 303
    assert deliver(app) == 1
    [message] = server.messages()
    assert message["To"] == "info@glissando.ai"
    assert message["Reply-To"] == "Ada Lovelace <ada@example.com>"
    assert logins(server) == CREDENTIALS


@pytest.mark.parametrize("mode", MODES)
def test_unverified_relay_gets_nothing_until_its_ca_is_trusted(
    mode: str, pki: PKI, start_relay: Callable[..., SMTPServer], tmp_path: Path
) -> None:
    server = start_relay(pki.good, mode)
    untrusting = make(tmp_path, server, **MODES[mode])  # system CAs only
    client = untrusting.test_client()
    assert submit(client).status_code == 303
    assert deliver(untrusting) == 0
    assert server.handler.auths == [] and server.received == []
    [inquiry] = inquiries(untrusting)
    assert inquiry.status == PENDING
    code, status = cli(untrusting, "outbox", "status")
    assert code == 0
    assert "pending    1" in status
    assert "last error: TLS certificate rejected (unknown CA):" in status
    ready = client.get("/readyz")
    assert ready.status_code == 200  # a mail outage never takes the site out of rotation
    assert ready.json == {"status": "ok", "database": "sqlite"}  # no relay details in public

    # Ops add the CA; the backoff would wait a few seconds, so they retry it now.
    trusting = make(tmp_path, server, MAIL_TLS_CA_FILE=str(pki.ca.pem_file), **MODES[mode])
    assert cli(trusting, "outbox", "retry", str(inquiry.id)) == (0, "queued 1 inquiries\n")
    assert deliver(trusting) == 1
    assert deliver(trusting) == 0
    assert len(server.received) == 1
    assert logins(server) == CREDENTIALS
    assert [i.status for i in inquiries(trusting)] == [DELIVERED]
    assert "last error: -" in cli(trusting, "outbox", "status")[1]


def test_flask_mail_alone_would_have_sent_the_password_to_that_relay(
    pki: PKI, start_relay: Callable[..., SMTPServer], tmp_path: Path
) -> None:
    """The flaw the issue found, shown on the same relay: the relay would have noticed."""
    server = start_relay(pki.unknown_ca)
    app = make(tmp_path, server, MAIL_USE_TLS=True)
    with app.app_context():
        with pytest.raises(ssl.SSLCertVerificationError):
            mail.send(flask_mail.Message("hi", ["info@glissando.ai"], "hello", sender="a@b.com"))
        assert server.handler.auths == []
        flask_mail.Connection(app.extensions["mail"]).configure_host().quit()
    assert logins(server) == CREDENTIALS


@pytest.mark.parametrize(
    ("cert", "reason"), [("wrong_host", "wrong host name"), ("expired", "expired")]
)
def test_bad_certificate_is_refused_and_named(
    cert: str,
    reason: str,
    pki: PKI,
    start_relay: Callable[..., SMTPServer],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    server = start_relay(getattr(pki, cert))
    app = make(
        tmp_path,
        server,
        MAIL_USE_TLS=True,
        MAIL_TLS_CA_FILE=str(pki.ca.pem_file),
    )
    client = app.test_client()
    submit(client)
    assert deliver(app) == 0
    assert server.handler.auths == [] and server.received == []
    [inquiry] = inquiries(app)
    assert inquiry.status == PENDING
    assert inquiry.last_error is not None
    assert inquiry.last_error.startswith(f"TLS certificate rejected ({reason}):")
    assert f"failed, will retry: TLS certificate rejected ({reason})" in caplog.text
    assert reason in cli(app, "outbox", "status")[1]  # ops see why; the public does not
    ready = client.get("/readyz")
    assert ready.status_code == 200 and reason not in ready.get_data(as_text=True)


def test_relay_demanding_a_login_we_lack_keeps_the_inquiry(
    pki: PKI, start_relay: Callable[..., SMTPServer], tmp_path: Path
) -> None:
    server = start_relay(pki.good)
    app = make(
        tmp_path,
        server,
        MAIL_USE_TLS=True,
        MAIL_TLS_CA_FILE=str(pki.ca.pem_file),
        MAIL_USERNAME=None,
        MAIL_PASSWORD=None,
    )
    submit(app.test_client())
    assert deliver(app) == 0
    [inquiry] = inquiries(app)
    assert inquiry.status == PENDING  # "530 authentication required" is ours to fix
    assert inquiry.last_error is not None and "530" in inquiry.last_error


PRODUCTION = {"APP_ENV": "production", "SECRET_KEY": "s3cret", "MAIL_SERVER": "127.0.0.1"}


def test_production_refuses_credentials_without_tls(tmp_path: Path) -> None:
    database = {"DATABASE_URL": f"sqlite:///{tmp_path / 'site.db'}"}
    with pytest.raises(ConfigError) as refused:
        create_app({**PRODUCTION, **database, "MAIL_USERNAME": USERNAME})
    message = str(refused.value)
    assert "\n" not in message
    assert "MAIL_USERNAME is set but neither MAIL_USE_TLS nor MAIL_USE_SSL" in message
    assert "MAIL_ALLOW_PLAINTEXT_AUTH=true" in message


def test_a_missing_ca_file_stops_start_up(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="MAIL_TLS_CA_FILE='/nowhere/ca.pem' is not a file"):
        create_app(test_config(tmp_path, 25, MAIL_USE_TLS=True, MAIL_TLS_CA_FILE="/nowhere/ca.pem"))


def test_gunicorn_with_credentials_in_clear_exits_saying_why(tmp_path: Path) -> None:
    env = {
        **PRODUCTION,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'site.db'}",
        "MAIL_USERNAME": USERNAME,
        "MAIL_PASSWORD": PASSWORD,
    }
    server = Gunicorn(env, workers=1, log_path=tmp_path / "gunicorn.log")
    with pytest.raises(RuntimeError) as exited:
        server.start()
    log = str(exited.value)
    assert "gunicorn exited with" in log
    assert log.count("MAIL_USERNAME is set") == 1
    assert "configuration error: MAIL_USERNAME is set but neither" in log
    assert "Traceback" not in log


def test_explicit_plaintext_switch_sends_and_warns(
    start_relay: Callable[..., SMTPServer], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    server = start_relay(None, "plain")
    app = make(tmp_path, server, **PRODUCTION, MAIL_ALLOW_PLAINTEXT_AUTH=True)
    submit(app.test_client())
    assert deliver(app) == 1
    assert len(server.received) == 1
    assert logins(server) == CREDENTIALS
    assert "sending relay credentials without TLS" in caplog.text


def test_without_the_switch_the_sender_keeps_the_password_too(
    start_relay: Callable[..., SMTPServer], tmp_path: Path
) -> None:
    """Outside production the site starts, but the password still stays home."""
    server = start_relay(None, "plain")
    app = make(tmp_path, server)
    submit(app.test_client())
    assert deliver(app) == 0
    assert server.handler.auths == [] and server.received == []
    [inquiry] = inquiries(app)
    assert inquiry.status == PENDING
    assert inquiry.last_error == (
        "refusing to send the relay password without TLS (set MAIL_USE_TLS or MAIL_USE_SSL)"
    )


def test_mail_check_reports_a_good_relay_without_sending(
    trusted: tuple[SMTPServer, Flask],
) -> None:
    server, app = trusted
    code, output = cli(app, "mail", "check")
    assert code == 0, output
    label = "implicit TLS" if app.config["MAIL_USE_SSL"] else "STARTTLS"
    assert f"relay:        localhost:{server.port} ({label})" in output
    assert "TLS:          TLSv1.3" in output
    assert "subject:      O=Glissando tests, CN=localhost" in output
    assert "issuer:       O=Glissando tests, CN=Glissando test CA" in output
    assert "expires:" in output and "(in 29 days)" in output
    assert "AUTH:         accepted for website" in output
    assert output.endswith("OK: TLS verified, AUTH accepted\n")
    assert server.received == []
    assert logins(server) == CREDENTIALS


def test_mail_check_send_test_delivers_one_message(
    pki: PKI, start_relay: Callable[..., SMTPServer], tmp_path: Path
) -> None:
    server = start_relay(pki.good)
    app = make(tmp_path, server, MAIL_USE_TLS=True, MAIL_TLS_CA_FILE=str(pki.ca.pem_file))
    code, output = cli(app, "mail", "check", "--send-test")
    assert code == 0, output
    assert "test message: accepted by the relay for info@glissando.ai" in output
    [message] = server.messages()
    assert message["To"] == "info@glissando.ai"
    assert message["Subject"] == "Glissando relay check"


@pytest.mark.parametrize(
    ("cert", "overrides", "reason"),
    [
        ("unknown_ca", {}, "TLS certificate rejected (unknown CA): unable to get local issuer"),
        ("wrong_host", {}, "TLS certificate rejected (wrong host name): Hostname mismatch"),
        ("expired", {}, "TLS certificate rejected (expired): certificate has expired"),
        ("good", {"MAIL_PASSWORD": "guess"}, "relay refused the credentials: 535"),
        (None, {}, "connection refused by the relay"),
    ],
)
def test_mail_check_fails_with_the_reason(
    cert: str | None,
    overrides: dict[str, str],
    reason: str,
    pki: PKI,
    start_relay: Callable[..., SMTPServer],
    tmp_path: Path,
) -> None:
    server = start_relay(getattr(pki, cert)) if cert else free_port()
    settings = {"MAIL_USE_TLS": True, "MAIL_TLS_CA_FILE": str(pki.ca.pem_file), **overrides}
    app = make(tmp_path, server, **settings)
    code, output = cli(app, "mail", "check")
    assert code == 1
    assert output.splitlines()[-1].startswith(f"FAILED: {reason}")
    if isinstance(server, SMTPServer):
        assert server.received == []
        assert all(password == "guess" for _, password in logins(server))
