"""Two app hosts (two gunicorn instances) sharing one PostgreSQL database and one relay.

A visitor may load the form from one host and send it to the other, as behind
a load balancer without sticky sessions: the hosts share SECRET_KEY and the
database, nothing else.
"""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from sqlalchemy import Engine, create_engine, text

from tests.conftest import GOOD, form_tokens, wait_for
from tests.http import send_inquiry
from tests.pg import PostgresCluster
from tests.servers import Gunicorn
from tests.smtp import SMTPServer

pytestmark = pytest.mark.slow


def site_env(database_url: str, relay: SMTPServer, **extra: str) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(relay.port),
        "MAIL_TIMEOUT": "5",
        "CONTACT_MIN_FILL_SECONDS": "0",
        "CONTACT_RATE_LIMIT": "1000 per hour",
        "OUTBOX_POLL_SECONDS": "0.5",
        **extra,
    }


@contextmanager
def two_hosts(env: dict[str, str], tmp_path: Path) -> Iterator[tuple[Gunicorn, Gunicorn]]:
    """Both started at once, as a deploy would: each upgrades the schema on start."""
    hosts = (
        Gunicorn(env, workers=2, log_path=tmp_path / "host-a.log"),
        Gunicorn(env, workers=2, log_path=tmp_path / "host-b.log"),
    )
    starts = [threading.Thread(target=host.start) for host in hosts]
    for thread in starts:
        thread.start()
    for thread in starts:
        thread.join()
    try:
        for host in hosts:
            assert host.process is not None and host.process.poll() is None, host.log()
        yield hosts
    finally:
        for host in hosts:
            host.stop()


@contextmanager
def database(url: str) -> Iterator[Engine]:
    engine = create_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


def stored(engine: Engine) -> dict[int, tuple[str, str]]:
    """Inquiry id -> (status, Message-ID)."""
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT id, status, message_id FROM inquiries"))
        return {row.id: (row.status, row.message_id) for row in rows}


def message_ids_per_inquiry(relay: SMTPServer) -> dict[int, list[str]]:
    found: dict[int, list[str]] = defaultdict(list)
    for mail in relay.messages():
        found[int(mail["X-Inquiry-ID"])].append(str(mail["Message-ID"]))
    return found


def visit(load_from: str, send_to: str, fallback: str, n: int) -> int:
    """Load the form from one host and send it to another; if that host is gone,
    send the same form to ``fallback``, as a visitor pressing Send again would."""
    session = requests.Session()
    try:
        page = session.get(load_from + "/contact", timeout=30)
    except requests.ConnectionError:
        page = session.get(fallback + "/contact", timeout=30)
    data = {**form_tokens(page.text), **GOOD, "message": f"Inquiry number {n}"}
    try:
        response = session.post(send_to + "/contact", data=data, allow_redirects=False, timeout=30)
    except requests.ConnectionError:
        response = session.post(fallback + "/contact", data=data, allow_redirects=False, timeout=30)
    return int(response.status_code)


def worker_pids(host: Gunicorn) -> set[int]:
    assert host.process is not None
    master = host.process.pid
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return {int(pid) for pid in children}


def test_two_hundred_inquiries_over_two_hosts_arrive_once_each(
    postgres: PostgresCluster, tmp_path: Path
) -> None:
    url = postgres.create_database()
    with SMTPServer() as relay, two_hosts(site_env(url, relay), tmp_path) as (a, b):
        with ThreadPoolExecutor(8) as pool:
            statuses = list(
                pool.map(
                    lambda n: visit(*((a.url, b.url) if n % 2 else (b.url, a.url)), b.url, n),
                    range(200),
                )
            )
        assert statuses == [303] * 200
        wait_for(lambda: len(relay.received) >= 200, timeout=120, what="200 deliveries")
        with database(url) as engine:
            wait_for(
                lambda: {s for s, _ in stored(engine).values()} == {"delivered"},
                what="every inquiry marked delivered",
            )
            rows = stored(engine)
        logs = (a.log(), b.log())
    per_inquiry = message_ids_per_inquiry(relay)
    assert len(relay.received) == 200  # none twice
    assert {i: ids[0] for i, ids in per_inquiry.items()} == {i: m for i, (_, m) in rows.items()}
    assert all("delivered as" in log for log in logs)  # both hosts' senders took part


def test_a_host_killed_mid_run_loses_nothing(postgres: PostgresCluster, tmp_path: Path) -> None:
    url = postgres.create_database()
    relay = SMTPServer()
    relay.handler.delay = 0.2  # a relay slow enough that senders are always mid-batch
    env = site_env(url, relay, OUTBOX_LEASE_SECONDS="4", OUTBOX_BATCH_SIZE="5", MAIL_TIMEOUT="2")
    with relay, two_hosts(env, tmp_path) as (a, b), database(url) as engine:
        a_workers = worker_pids(a)
        statuses: list[int] = []

        def visitors() -> None:
            for n in range(120):
                hosts = (a.url, b.url) if n % 2 else (b.url, a.url)
                statuses.append(visit(*hosts, b.url, n))

        traffic = threading.Thread(target=visitors)
        traffic.start()

        def leased_by_a() -> set[int]:
            with engine.connect() as connection:
                rows = connection.execute(
                    text("SELECT id, lease_owner FROM inquiries WHERE status = 'pending'")
                )
                return {
                    row.id
                    for row in rows
                    if row.lease_owner and int(row.lease_owner.split(":")[1]) in a_workers
                }

        wait_for(lambda: len(statuses) >= 40 and bool(leased_by_a()), timeout=60, what="a lease")
        a.kill()  # SIGKILL mid-send: no clean-up, its leases stay behind
        orphaned = leased_by_a()
        traffic.join(timeout=120)
        assert statuses == [303] * 120  # every visitor was told "thank you"
        wait_for(
            lambda: {s for s, _ in stored(engine).values()} == {"delivered"},
            timeout=90,
            what="every inquiry delivered",
        )
        rows = stored(engine)
    per_inquiry = message_ids_per_inquiry(relay)
    assert orphaned, "the kill should land while host a held a lease"
    assert len(rows) == 120
    assert set(per_inquiry) == set(rows)  # nothing lost
    # A message sent just before the kill may arrive twice, but only as the same message.
    assert {i: set(ids) for i, ids in per_inquiry.items()} == {i: {m} for i, (_, m) in rows.items()}
    duplicates = Counter(len(ids) for ids in per_inquiry.values())
    assert set(duplicates) <= {1, 2}, duplicates


def test_the_rate_limit_holds_when_a_client_alternates_hosts(
    postgres: PostgresCluster, tmp_path: Path
) -> None:
    url = postgres.create_database()
    with SMTPServer() as relay:
        env = site_env(url, relay, CONTACT_RATE_LIMIT="5 per hour")
        with two_hosts(env, tmp_path) as (a, b):
            session = requests.Session()
            statuses = [send_inquiry((a, b)[n % 2].url, session) for n in range(8)]
            elsewhere = send_inquiry(a.url)  # the same address, a fresh session: still counted
        with database(url) as engine:
            rows = stored(engine)
    assert statuses == [303] * 5 + [429] * 3  # hosts a, b, a, b, a: 5; then b, a, b refused
    assert elsewhere == 429
    assert len(rows) == 5
