"""Inquiries under gunicorn, as in production: many workers, crashes, concurrency."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.conftest import wait_for
from tests.http import send_inquiry
from tests.servers import Gunicorn
from tests.smtp import SMTPServer

pytestmark = pytest.mark.slow


def site_env(tmp_path: Path, smtp_port: int, **extra: str) -> dict[str, str]:
    return {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'site.db'}",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp_port),
        "MAIL_TIMEOUT": "2",
        # A sender killed mid-claim holds its rows this long before others retry them.
        "OUTBOX_LEASE_SECONDS": "10",
        "CONTACT_MIN_FILL_SECONDS": "0",
        "CONTACT_RATE_LIMIT": "1000 per hour",
        "OUTBOX_POLL_SECONDS": "0.5",
        "OUTBOX_FIRST_RETRY_SECONDS": "1",
        **extra,
    }


def inquiry_ids(relay: SMTPServer) -> Counter[str]:
    return Counter(str(m["X-Inquiry-ID"]) for m in relay.messages())


def test_inquiries_pending_when_gunicorn_is_killed_all_arrive_once_after_restart(
    tmp_path: Path,
) -> None:
    with SMTPServer() as relay:
        port = relay.port
    # The relay is down: inquiries are accepted and wait in the outbox.
    site = Gunicorn(site_env(tmp_path, port), workers=2, log_path=tmp_path / "g1.log").start()
    try:
        statuses = [send_inquiry(site.url, message=f"Inquiry {i}") for i in range(10)]
    finally:
        site.kill()  # SIGKILL: no clean shutdown
    assert statuses == [303] * 10
    relay = SMTPServer(port=port)  # the relay comes back
    with relay, Gunicorn(site_env(tmp_path, port), workers=2, log_path=tmp_path / "g2.log"):
        wait_for(lambda: len(relay.received) >= 10, timeout=60, what="10 deliveries")
        ids = inquiry_ids(relay)
    assert len(ids) == 10 and set(ids.values()) == {1}, ids


def test_a_hundred_concurrent_inquiries_against_four_workers_arrive_once(tmp_path: Path) -> None:
    with SMTPServer() as relay:
        env = site_env(tmp_path, relay.port)
        with Gunicorn(env, workers=4, log_path=tmp_path / "g.log") as site:
            with ThreadPoolExecutor(max_workers=16) as pool:
                statuses = list(
                    pool.map(
                        lambda i: send_inquiry(site.url, message=f"Concurrent {i}"), range(100)
                    )
                )
            assert statuses == [303] * 100
            wait_for(lambda: len(relay.received) >= 100, timeout=90, what="100 deliveries")
        ids = inquiry_ids(relay)
        bodies = {
            m.get_body(("plain",)).get_content().split("Message:\r\n")[1].split("\r\n")[0]
            for m in relay.messages()
        }
    assert len(ids) == 100 and set(ids.values()) == {1}
    assert bodies == {f"Concurrent {i}" for i in range(100)}


def test_the_default_rate_limit_holds_across_four_workers(tmp_path: Path) -> None:
    with SMTPServer() as relay:
        env = site_env(tmp_path, relay.port)
        del env["CONTACT_RATE_LIMIT"]  # the default: 5 per hour
        with Gunicorn(env, workers=4, log_path=tmp_path / "g.log") as site:
            with ThreadPoolExecutor(max_workers=12) as pool:
                statuses = Counter(pool.map(lambda i: send_inquiry(site.url), range(12)))
            assert statuses == {303: 5, 429: 7}
            wait_for(lambda: len(relay.received) >= 5, timeout=60, what="5 deliveries")
            assert send_inquiry(site.url) == 429
        assert len(relay.received) == 5


def test_production_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    site = Gunicorn(site_env(tmp_path, 25, SECRET_KEY=""), log_path=tmp_path / "g.log")
    with pytest.raises(RuntimeError) as failure:
        site.start(wait=20)
    assert "SECRET_KEY is not set" in str(failure.value)
