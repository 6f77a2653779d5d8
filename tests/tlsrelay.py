"""A throwaway certificate authority and an SMTP relay that insists on TLS and AUTH.

The relay is aiosmtpd on loopback, like the plain ``tests.smtp`` server, but it
requires STARTTLS (or speaks implicit TLS) and a password, and records every
AUTH attempt it sees, so a test can prove what a client did or did not send.
"""

from __future__ import annotations

import ipaddress
import ssl
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tests.smtp import Recorder, SMTPServer

USERNAME, PASSWORD = "website", "relay-secret-123"
LOOPBACK = ("localhost", "127.0.0.1")


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Glissando tests"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


@dataclass
class ServerCert:
    cert_file: Path
    key_file: Path

    def context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert_file, self.key_file)
        return context


class Authority:
    """A CA that exists only for one test: its PEM file is what MAIL_TLS_CA_FILE names."""

    def __init__(self, folder: Path, name: str = "Glissando test CA") -> None:
        self.folder = folder
        self.key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.now(UTC)
        self.name = _name(name)
        self.cert = (
            x509.CertificateBuilder()
            .subject_name(self.name)
            .issuer_name(self.name)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(self.key.public_key()), critical=False
            )
            .sign(self.key, hashes.SHA256())
        )
        self.pem_file = folder / f"{name.replace(' ', '-')}.pem"
        self.pem_file.write_bytes(self.cert.public_bytes(serialization.Encoding.PEM))

    def issue(
        self,
        label: str,
        hosts: tuple[str, ...] = LOOPBACK,
        not_before: timedelta = timedelta(days=-1),
        not_after: timedelta = timedelta(days=30),
    ) -> ServerCert:
        """A server certificate for ``hosts``, valid from now+not_before to now+not_after."""
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.now(UTC)
        names: list[x509.GeneralName] = []
        for host in hosts:
            try:
                names.append(x509.IPAddress(ipaddress.ip_address(host)))
            except ValueError:
                names.append(x509.DNSName(host))
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name(hosts[0]))
            .issuer_name(self.name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now + not_before)
            .not_valid_after(now + not_after)
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()),
                critical=False,
            )
            .sign(self.key, hashes.SHA256())
        )
        cert_file, key_file = self.folder / f"{label}.crt", self.folder / f"{label}.key"
        cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_file.write_bytes(_pem_key(key))
        return ServerCert(cert_file, key_file)


@dataclass
class AuthRecorder(Recorder):
    """Records each AUTH the relay receives (mechanism, login, password) next to the mail."""

    auths: list[tuple[str, str, str]] = field(default_factory=list)

    def authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        login, password = data.login.decode(), data.password.decode()
        self.auths.append((mechanism, login, password))
        # handled=False: aiosmtpd answers 535 itself when the password is wrong.
        return AuthResult(success=(login, password) == (USERNAME, PASSWORD), handled=False)


def relay(cert: ServerCert | None, mode: str = "starttls") -> SMTPServer:
    """An aiosmtpd relay needing AUTH: ``mode`` is starttls, implicit or plain (no TLS)."""
    handler = AuthRecorder()
    args: dict[str, Any] = {"authenticator": handler.authenticate, "auth_required": True}
    if mode == "starttls":
        assert cert is not None
        args.update(tls_context=cert.context(), require_starttls=True, auth_require_tls=True)
    elif mode == "implicit":
        assert cert is not None
        # aiosmtpd counts only STARTTLS as TLS for auth_require_tls; here the whole
        # connection is TLS from the first byte, so AUTH is safe to offer.
        args.update(ssl_context=cert.context(), auth_require_tls=False)
    else:
        args.update(auth_require_tls=False)
    return SMTPServer(handler, **args)
