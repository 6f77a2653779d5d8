"""Floods and slow clients meet nginx, not the app: each nginx file in front of make run's
two sync workers. The files are used as written, but for addresses, ports and the cache.

Clients come from their own loopback addresses (127.0.0.0/8 is all local on Linux), so
nginx sees each as its own client, as on the internet.
"""

from __future__ import annotations

import re
import resource
import statistics
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from site_app.config import ROOT
from site_app.guide.content import load_guide
from tests.conftest import wait_for
from tests.http import send_inquiry, visitor_from
from tests.nginx import ComposeNginx, Nginx
from tests.servers import Gunicorn
from tests.slowclients import Tricklers
from tests.smtp import SMTPServer
from tests.wire import text_of

pytestmark = pytest.mark.slow
SLOW_HEADERS, SLOW_BODIES = 300, 50


@dataclass
class Front:
    nginx: Nginx
    relay: SMTPServer
    url: str
    verify: str | bool
    app_log: Path

    def visitor(self, address: str) -> requests.Session:
        return visitor_from(address, self.verify)

    def app_saw(self, method: str, path: str) -> int:
        """How many such requests reached gunicorn (its access log)."""
        return self.app_log.read_text(errors="replace").count(f'"{method} {path} HTTP')

    def app_comes_to(self, method: str, path: str, count: int) -> None:
        # gunicorn writes its access line just after the answer: wait for the last ones.
        what = f"{count} {method} {path} in the app's log"
        wait_for(lambda: self.app_saw(method, path) == count, timeout=10, what=what)

    def arrived(self, words: str) -> bool:
        return any(words in text_of(m) for m in self.relay.messages())


@pytest.fixture(scope="module", params=["example", "compose"])
def front(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Front]:
    # One descriptor per slow client in this process and in nginx's worker, which inherits
    # the limit: raise the soft limit towards the hard one where a shell left it low.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 4 * (SLOW_HEADERS + SLOW_BODIES)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(wanted, hard), hard))
    folder = tmp_path_factory.mktemp(f"limits-{request.param}")
    with SMTPServer() as relay:
        env = {
            "DATABASE_URL": f"sqlite:///{folder / 'site.db'}",
            "PROXY_FIX_X_FOR": "1",
            "PROXY_FIX_X_PROTO": "1",
            "FORWARDED_ALLOW_IPS": "192.0.2.1",  # gunicorn itself trusts no forwarded header
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(relay.port),
            "CONTACT_MIN_FILL_SECONDS": "0",
            "OUTBOX_POLL_SECONDS": "0.5",
        }
        app = Gunicorn(env, workers=2, log_path=folder / "app.log")
        kind = Nginx if request.param == "example" else ComposeNginx
        nginx = kind([f"127.0.0.1:{app.port}"])
        https = request.param == "example"
        url = nginx.url if https else nginx.http_url
        app.env["SITE_URL"] = url
        try:
            app.start()
            with nginx:
                verify = str(nginx.cert) if https else True
                yield Front(nginx, relay, url, verify, folder / "app.log")
        finally:
            app.stop()


def test_a_flood_of_posts_from_one_address_gets_nginxs_page_while_others_get_through(
    front: Front,
) -> None:
    flooder = front.visitor("127.0.0.20")
    before = front.app_saw("POST", "/contact")
    answers = [
        flooder.post(
            front.url + "/contact",
            data={"message": "flood"},
            headers={"Referer": front.url + "/contact"},
            allow_redirects=False,
            timeout=30,
        )
        for _ in range(300)
    ]
    refused = [a for a in answers if a.status_code == 429]
    passed = len(answers) - len(refused)
    # Burst 20 at once, then 10 a minute: the rest never reach a worker.
    assert passed <= 25 and len(refused) >= 275, passed
    front.app_comes_to("POST", "/contact", before + passed)
    guide = load_guide()
    for page in refused:
        assert "X-Request-ID" not in page.headers, "nginx's page, not the app's"
        assert page.headers["Content-Type"].startswith("text/html")
        assert page.headers["Retry-After"] == "60"
        assert "Too many requests from your network" in page.text
        assert f'<a href="{guide.phone_uri}">{guide.phone}</a>' in page.text
        assert f'<a href="mailto:{guide.email}">{guide.email}</a>' in page.text
    # Reading the form, and cached pages, are not limited: not even for the flooder.
    assert flooder.get(front.url + "/contact", timeout=30).status_code == 200
    assert flooder.get(front.url + "/", timeout=30).status_code == 200
    # Another address sends an inquiry, and it arrives.
    words = f"Sent during a flood {uuid.uuid4().hex}"
    assert send_inquiry(front.url, front.visitor("127.0.0.21"), message=words) == 303
    wait_for(lambda: front.arrived(words), timeout=30, what="the inquiry at the relay")


@pytest.mark.parametrize(
    ("path", "burst", "per_second"),
    [("/ask/no-such-page", 60, 2.0), ("/triage/no-such-link", 30, 0.5)],
)
def test_the_assistant_and_signed_links_are_limited_per_address(
    front: Front, path: str, burst: int, per_second: float
) -> None:
    asker = front.visitor("127.0.0.22")
    sent, start = 2 * burst + 30, time.monotonic()
    statuses = [asker.get(front.url + path, timeout=30).status_code for _ in range(sent)]
    allowed = burst + 1 + per_second * (time.monotonic() - start)
    assert statuses.count(429) >= min(sent - allowed, burst), statuses
    assert set(statuses) == {404, 429}  # the app's answer, or nginx's refusal
    assert front.visitor("127.0.0.23").get(front.url + path, timeout=30).status_code == 404


def timings(session: requests.Session, url: str, count: int = 20) -> list[float]:
    spent = []
    for _ in range(count):
        start = time.perf_counter()
        answer = session.get(url, timeout=30)
        spent.append(time.perf_counter() - start)
        assert answer.status_code == 200, answer.text[:300]
    return spent


def test_slow_clients_hold_no_worker(front: Front) -> None:
    reader = front.visitor("127.0.0.30")
    gets, posts = front.app_saw("GET", "/contact"), front.app_saw("POST", "/contact")
    idle = statistics.median(timings(reader, front.url + "/contact"))
    port = front.nginx.https_port if front.url.startswith("https") else front.nginx.http_port
    cafile = front.verify if isinstance(front.verify, str) else None
    words = f"Sent past slow clients {uuid.uuid4().hex}"
    with Tricklers("127.0.0.1", port, SLOW_HEADERS, SLOW_BODIES, cafile) as slow:
        busy = statistics.median(timings(reader, front.url + "/contact"))
        sent = send_inquiry(front.url, front.visitor("127.0.0.31"), message=words)
        answered = list(slow.answered)
        assert slow.failures == [] and slow.connected == SLOW_HEADERS + SLOW_BODIES
    assert answered == [], "every slow client was still waiting, its request unfinished"
    assert sent == 303
    assert busy < idle + 1.0, f"p50 {busy * 1000:.0f} ms while slow, {idle * 1000:.0f} ms idle"
    # Nothing unfinished reached the app: only the reader's 2 x 20 pages, and the inquiry.
    front.app_comes_to("GET", "/contact", gets + 41)
    front.app_comes_to("POST", "/contact", posts + 1)
    wait_for(lambda: front.arrived(words), timeout=30, what="the inquiry at the relay")


def test_both_files_carry_the_same_page_with_the_guides_phone_and_email() -> None:
    pages = [
        re.findall(r"return 429 '([^']*)'", (ROOT / "config" / name).read_text())
        for name in ("nginx.conf.example", "nginx.compose.conf")
    ]
    assert len(pages[0]) == 1 and pages[0] == pages[1]
    guide = load_guide()
    assert guide.phone in pages[0][0] and guide.email in pages[0][0]
