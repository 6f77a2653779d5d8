"""The site through Debian's nginx, configured by config/nginx.conf.example, in front
of two app hosts sharing PostgreSQL: pages, static files, the form, client addresses.

Visitors connect from different loopback addresses (127.0.0.2, 127.0.0.3, ...), so
nginx sees each as its own client, exactly as it would on the internet. Gunicorn is
told the proxy sits elsewhere (FORWARDED_ALLOW_IPS), so only the app's ProxyFix
settings decide what the forwarded headers mean, as on separate hosts.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from flask import Flask
from sqlalchemy import create_engine, text

from site_app.contact.ratelimit import client_hash
from site_app.devmail import free_port
from tests.conftest import GOOD, form_tokens, wait_for
from tests.http import visitor_from
from tests.nginx import Nginx
from tests.pg import PostgresCluster
from tests.servers import Gunicorn
from tests.smtp import SMTPServer
from tests.wire import text_of

pytestmark = pytest.mark.slow
SECRET = "test-secret"  # tests/servers.py gives every gunicorn this SECRET_KEY


@dataclass
class Site:
    nginx: Nginx
    hosts: tuple[Gunicorn, Gunicorn]
    relay: SMTPServer
    database_url: str

    @property
    def url(self) -> str:
        return self.nginx.url

    def hashes(self) -> list[str]:
        engine = create_engine(self.database_url)
        try:
            with engine.connect() as connection:
                return list(connection.scalars(text("SELECT client_hash FROM inquiries")))
        finally:
            engine.dispose()


@pytest.fixture(scope="module")
def site(postgres: PostgresCluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("behind-nginx")
    ports = (free_port(), free_port())
    nginx = Nginx([f"127.0.0.1:{port}" for port in ports])
    database_url = postgres.create_database()
    with SMTPServer() as relay:
        env = {
            "DATABASE_URL": database_url,
            "SITE_URL": nginx.url,
            "PROXY_FIX_X_FOR": "1",
            "PROXY_FIX_X_PROTO": "1",
            "FORWARDED_ALLOW_IPS": "192.0.2.1",
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(relay.port),
            "CONTACT_MIN_FILL_SECONDS": "0",
            "CONTACT_RATE_LIMIT": "5 per hour",
            "OUTBOX_POLL_SECONDS": "0.5",
        }
        hosts = (
            Gunicorn(env, port=ports[0], log_path=folder / "host-a.log"),
            Gunicorn(env, port=ports[1], log_path=folder / "host-b.log"),
        )
        try:
            for host in hosts:
                host.start()
            with nginx:
                yield Site(nginx, hosts, relay, database_url)
        finally:
            for host in hosts:
                host.stop()


def visitor(site: Site, address: str = "127.0.0.1") -> requests.Session:
    return visitor_from(address, str(site.nginx.cert))


def send_form(
    session: requests.Session, site: Site, headers: dict[str, str] | None = None, **fields: str
) -> requests.Response:
    """As a browser does it: load the form, then post it with a same-origin Referer."""
    page = session.get(site.url + "/contact", headers=headers, timeout=30)
    data = {**form_tokens(page.text), **GOOD, **fields}
    return session.post(
        site.url + "/contact",
        data=data,
        headers={**(headers or {}), "Referer": site.url + "/contact"},
        allow_redirects=False,
        timeout=30,
    )


def link(html: str, start: str, end: str = "") -> str:
    found = re.search(f'href="({re.escape(start)}[^"]+{re.escape(end)})"', html)
    assert found, f"no link like {start}...{end}"
    return found[1]


def hash_of(address: str) -> str:
    probe = Flask("probe")
    probe.config["RATE_LIMIT_KEY"] = SECRET
    with probe.app_context():
        return client_hash(address)


def test_guide_pages_are_cached_per_encoding_and_passed_through(site: Site) -> None:
    session = visitor(site)
    home = session.get(site.url + "/", timeout=30)
    assert home.status_code == 200
    url = f"{site.url}{link(home.text, '/guide/')}?visit={uuid.uuid4().hex}"
    answers = {
        encoding: [session.get(url, headers={"Accept-Encoding": encoding}) for _ in range(2)]
        for encoding in ("br", "gzip", "identity")
    }
    for encoding, (first, second) in answers.items():
        assert (first.status_code, second.status_code) == (200, 200)
        assert first.headers["X-Cache-Status"] == "MISS"  # one copy per encoding
        assert second.headers["X-Cache-Status"] == "HIT"
        assert second.headers.get("Content-Encoding", "identity") == encoding
        assert second.headers["Cache-Control"].startswith("public")
        assert "Set-Cookie" not in first.headers
        # The app's headers survive the cache; HSTS shows it saw https through the proxy.
        assert "default-src 'self'" in second.headers["Content-Security-Policy"]
        assert "max-age" in second.headers["Strict-Transport-Security"]
    assert answers["br"][1].content == answers["gzip"][1].content == answers["identity"][1].content


def test_static_files_are_cached_and_precompressed(site: Site) -> None:
    session = visitor(site)
    home = session.get(site.url + "/", timeout=30)
    url = f"{site.url}{link(home.text, '/static/', '.css')}?visit={uuid.uuid4().hex}"
    first, second = (session.get(url, headers={"Accept-Encoding": "br"}) for _ in range(2))
    assert (first.status_code, second.status_code) == (200, 200)
    assert (first.headers["X-Cache-Status"], second.headers["X-Cache-Status"]) == ("MISS", "HIT")
    assert second.headers["Content-Encoding"] == "br"
    assert "immutable" in second.headers["Cache-Control"]
    assert second.headers["Content-Type"].startswith("text/css")


def test_plain_http_is_redirected_to_https(site: Site) -> None:
    response = requests.get(site.nginx.http_url + "/guide?x=1", allow_redirects=False, timeout=30)
    assert response.status_code == 301
    assert response.headers["Location"] == site.url + "/guide?x=1"


def test_the_contact_round_trip_through_nginx(site: Site) -> None:
    session = visitor(site, "127.0.0.2")
    page = session.get(site.url + "/contact", timeout=30)
    assert page.status_code == 200
    assert "X-Cache-Status" not in page.headers  # never looked up in the cache
    assert "no-store" in page.headers["Cache-Control"]
    assert "Secure" in page.headers["Set-Cookie"] and "HttpOnly" in page.headers["Set-Cookie"]
    words = f"Through nginx {uuid.uuid4().hex}"
    sent = send_form(session, site, message=words)
    assert sent.status_code == 303, sent.text[:500]
    assert sent.headers["Location"].endswith("/contact/thanks")
    thanks = session.get(site.url + "/contact/thanks", timeout=30)
    assert thanks.status_code == 200 and "X-Cache-Status" not in thanks.headers

    def arrived() -> list[Any]:
        # The decoded text part: the HTML part may be quoted-printable, with soft line breaks.
        return [m for m in site.relay.messages() if words in text_of(m)]

    wait_for(lambda: bool(arrived()), timeout=30, what="the inquiry at the relay")
    [mail] = arrived()
    assert mail["Reply-To"] == "Ada Lovelace <ada@example.com>"
    assert hash_of("127.0.0.2") in site.hashes()  # the visitor's address, not nginx's


def test_the_rate_limit_sees_each_real_client_through_nginx(site: Site) -> None:
    first, second = visitor(site, "127.0.0.3"), visitor(site, "127.0.0.4")
    answers = [send_form(first, site) for _ in range(6)]
    assert [answer.status_code for answer in answers] == [303] * 5 + [429]
    # The app's own page, which keeps the message: nginx's limit is far above the app's.
    assert "Too many messages for now" in answers[-1].text
    # A client cannot choose its address: nginx appends the one it saw.
    spoofed = send_form(first, site, headers={"X-Forwarded-For": "198.51.100.7"})
    assert spoofed.status_code == 429
    assert send_form(second, site).status_code == 303  # another client, its own count
    hashes = site.hashes()
    assert hashes.count(hash_of("127.0.0.3")) == 5
    assert hashes.count(hash_of("127.0.0.4")) == 1
    assert hash_of("198.51.100.7") not in hashes and hash_of("127.0.0.1") not in hashes
    # Round robin: both app hosts took part in counting this one client.
    assert all("POST /contact" in host.log() for host in site.hosts)


def test_bodies_over_the_limit_get_the_apps_page_or_nginx_refusal(site: Site) -> None:
    session = visitor(site, "127.0.0.5")
    over_app = send_form(session, site, message="x" * 70_000)
    assert over_app.status_code == 413
    assert "Message too large" in over_app.text and "X-Request-ID" in over_app.headers
    over_nginx = send_form(session, site, message="x" * 200_000)
    assert over_nginx.status_code == 413
    assert "X-Request-ID" not in over_nginx.headers and "nginx" in over_nginx.text


def test_readyz_is_for_the_private_network_only(site: Site) -> None:
    inside = visitor(site).get(site.url + "/readyz", timeout=30)
    assert inside.status_code == 200 and inside.json()["database"] == "postgresql"
    assert "X-Cache-Status" not in inside.headers
    outside = visitor(site, "127.0.0.6").get(site.url + "/readyz", timeout=30)
    assert outside.status_code == 403
