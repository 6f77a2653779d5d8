"""IPv6 clients through Debian's nginx (config/nginx.conf.example, also listening on [::1])
in front of gunicorn: nginx's limits and the app's count an IPv6 client by its /64, and an
IPv4-mapped address as the IPv4 one.

This machine has one IPv6 loopback address, so a /64's many addresses come from nginx's
realip module, trusted for loopback peers only in this test: nginx parses the address in
X-Real-IP into the same $remote_addr and $binary_remote_addr a connection from it would
give, and the example's map and X-Forwarded-For take it from there. IPv4 clients connect
from their own 127.0.0.x address, and one visitor connects over IPv6 for real.
"""

from __future__ import annotations

import re
import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask
from requests.adapters import HTTPAdapter

from site_app.config import ROOT
from site_app.contact.ratelimit import client_hash
from tests.conftest import GOOD, form_tokens, wait_for
from tests.http import visitor_from
from tests.nginx import Nginx
from tests.servers import Gunicorn
from tests.smtp import SMTPServer
from tests.test_client_keys import OTHER_64, SAME_64
from tests.wire import text_of

pytestmark = pytest.mark.slow
SECRET = "test-secret"  # tests/servers.py gives every gunicorn this SECRET_KEY
IPV4_HERE = [f"127.0.0.{n}" for n in range(41, 47)]  # six IPv4 clients, real loopback peers
REALIP = "set_real_ip_from 127.0.0.0/8;\nset_real_ip_from ::1;\nreal_ip_header X-Real-IP;\n"


@dataclass
class Site:
    nginx: Nginx
    relay: SMTPServer
    database: Path

    @property
    def url(self) -> str:
        return self.nginx.url

    def hashes(self) -> list[str]:
        with sqlite3.connect(self.database) as connection:
            rows = connection.execute("SELECT client_hash FROM inquiries ORDER BY id")
            return [row[0] for row in rows]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("ipv6")
    with SMTPServer() as relay:
        app = Gunicorn(
            {
                "DATABASE_URL": f"sqlite:///{folder / 'site.db'}",
                "PROXY_FIX_X_FOR": "1",
                "PROXY_FIX_X_PROTO": "1",
                "FORWARDED_ALLOW_IPS": "192.0.2.1",  # gunicorn itself trusts no forwarded header
                "MAIL_SERVER": "127.0.0.1",
                "MAIL_PORT": str(relay.port),
                "CONTACT_MIN_FILL_SECONDS": "0",
                "CONTACT_RATE_LIMIT": "5 per hour",
                "OUTBOX_POLL_SECONDS": "0.5",
            },
            log_path=folder / "app.log",
        )
        nginx = Nginx([f"127.0.0.1:{app.port}"], http=REALIP, ipv6=True)
        app.env["SITE_URL"] = nginx.url
        try:
            app.start()
            with nginx:
                yield Site(nginx, relay, folder / "site.db")
        finally:
            app.stop()


def visitor(site: Site, address: str) -> requests.Session:
    """A real connection from a loopback address (127.x), any other by X-Real-IP."""
    if address.startswith("127."):
        return visitor_from(address, str(site.nginx.cert))
    session = visitor_from("127.0.0.1", str(site.nginx.cert))
    session.headers["X-Real-IP"] = address
    return session


class OverIPv6(HTTPAdapter):
    """From ::1 to nginx's [::1] listener, naming localhost in TLS (its certificate's name,
    and the name the example's default server asks for)."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs |= {"source_address": ("::1", 0), "server_hostname": "localhost"}
        super().init_poolmanager(*args, **kwargs)


def send_form(session: requests.Session, base: str, referer: str, **fields: str) -> Any:
    page = session.get(base + "/contact", timeout=30)
    assert page.status_code == 200, page.text[:300]
    return session.post(
        base + "/contact",
        data={**form_tokens(page.text), **GOOD, **fields},
        headers={"Referer": referer + "/contact"},
        allow_redirects=False,
        timeout=30,
    )


def hash_of(address: str) -> str:
    probe = Flask("probe")
    probe.config["RATE_LIMIT_KEY"] = SECRET
    with probe.app_context():
        return client_hash(address)


def test_twelve_addresses_of_one_64_meet_the_apps_limit_and_others_do_not(site: Site) -> None:
    def send(address: str) -> Any:
        return send_form(visitor(site, address), site.url, site.url)

    answers = [send(address) for address in SAME_64]
    assert [a.status_code for a in answers] == [303] * 5 + [429] * 7
    # The app's page that keeps the message: nginx's limit is far above the app's.
    assert all("Too many messages for now" in a.text for a in answers[5:])
    assert send(OTHER_64).status_code == 303
    assert [send(address).status_code for address in IPV4_HERE] == [303] * 6
    assert send(f"::ffff:{IPV4_HERE[0]}").status_code == 303  # the first IPv4 client's second
    hashes = site.hashes()
    assert hashes[:5] == [hash_of(SAME_64[0])] * 5
    assert hashes[5:] == [hash_of(a) for a in [OTHER_64, *IPV4_HERE, IPV4_HERE[0]]]


def flood(site: Site, addresses: list[str]) -> list[requests.Response]:
    """One form post from each address, as fast as nginx answers."""
    return [
        visitor(site, address).post(
            site.url + "/contact",
            data={"message": "flood"},
            headers={"Referer": site.url + "/contact"},
            allow_redirects=False,
            timeout=30,
        )
        for address in addresses
    ]


def refused_by_nginx(answers: list[requests.Response]) -> int:
    refused = [a for a in answers if a.status_code == 429]
    assert all("Too many requests from your network" in a.text for a in refused)
    assert all("X-Request-ID" not in a.headers for a in refused), "nginx's page, not the app's"
    return len(refused)


def test_nginx_counts_a_64_and_a_mapped_address_as_one_client(site: Site) -> None:
    # Burst 20, then 10 a minute: 30 posts from one client within seconds meet the limit,
    # 30 clients sending one each would not.
    # nginx writes these compressed or in full: 2001:db8:c:d::1, 2001:db8:c:d:1:b:c:d.
    rotating = [a for n in range(1, 16) for a in (f"2001:db8:c:d::{n}", f"2001:db8:c:d:{n}:b:c:d")]
    assert refused_by_nginx(flood(site, rotating)) >= 8
    # Compressed inside the /64: 2001:db8::1, 2001:db8::1:0:0:1 (2001:db8:0:0:1:0:0:1).
    zeros = [a for n in range(1, 16) for a in (f"2001:db8::{n}", f"2001:db8:0:0:{n}:0:0:1")]
    assert refused_by_nginx(flood(site, zeros)) >= 8
    assert refused_by_nginx(flood(site, ["2001:db8:c:e::1"])) == 0  # the next /64
    both_ways = ["192.0.2.9", "::ffff:192.0.2.9"] * 15
    assert refused_by_nginx(flood(site, both_ways)) >= 8
    assert refused_by_nginx(flood(site, ["127.0.0.60", "192.0.2.10"])) == 0


def test_a_visitor_over_ipv6_is_its_64(site: Site) -> None:
    session = requests.Session()
    session.trust_env = False
    session.verify = str(site.nginx.cert)
    session.mount("https://", OverIPv6())
    session.headers["Host"] = f"localhost:{site.nginx.https_port}"
    words = f"Sent over IPv6 {uuid.uuid4().hex}"
    before = len(site.hashes())
    base = f"https://[::1]:{site.nginx.https_port}"
    sent = send_form(session, base, site.url, message=words)
    assert sent.status_code == 303, sent.text[:500]
    assert site.hashes()[before:] == [hash_of("::1")]  # keyed ::/64
    wait_for(
        lambda: any(words in text_of(m) for m in site.relay.messages()),
        timeout=30,
        what="the inquiry at the relay",
    )


def test_both_nginx_files_key_clients_the_same_way() -> None:
    maps = [
        re.findall(
            r"(?ms)^map \$binary_remote_addr \$glissando_client \{.*?^\}",
            (ROOT / "config" / name).read_text(),
        )
        for name in ("nginx.conf.example", "nginx.compose.conf")
    ]
    assert len(maps[0]) == 1 and maps[0] == maps[1]
    for name in ("nginx.conf.example", "nginx.compose.conf"):
        zones = re.findall(r"limit_req_zone (\S+)", (ROOT / "config" / name).read_text())
        assert zones[0] == "$glissando_contact_key" and len(zones) >= 3
        assert set(zones[1:]) == {"$glissando_client"}  # /ask, the count pixel, the links
