"""Restarts and deploys under steady traffic: PostgreSQL restarted three times,
gunicorn reloaded (SIGHUP) and stopped (SIGTERM), two hosts restarted in turn
behind nginx. No inquiry lost, none mailed twice, no visitor shown an error."""

from __future__ import annotations

import os
import signal
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from site_app.devmail import free_port
from tests.conftest import wait_for
from tests.nginx import Nginx
from tests.outage import start_server, stop_server
from tests.pg import PostgresCluster
from tests.servers import Gunicorn
from tests.smtp import SMTPServer
from tests.test_multihost import site_env
from tests.traffic import Traffic

pytestmark = pytest.mark.slow
# Steady traffic from one address, and retries soon enough to see within a test.
BUSY = {"CONTACT_RATE_LIMIT": "10000 per hour", "OUTBOX_FIRST_RETRY_SECONDS": "1"}


def worker_pids(host: Gunicorn) -> set[int]:
    assert host.process is not None
    master = host.process.pid
    return {int(p) for p in Path(f"/proc/{master}/task/{master}/children").read_text().split()}


def assert_each_accepted_inquiry_mailed_once(
    database_url: str, relay: SMTPServer, accepted: list[str]
) -> None:
    """Every 303 is in the database, delivered, and reached the relay exactly once,
    with the Message-ID it was stored with."""
    engine = create_engine(database_url)
    try:

        def rows() -> dict[int, tuple[str, str, str]]:
            with engine.connect() as connection:
                found = connection.execute(
                    text("SELECT id, status, message_id, message FROM inquiries")
                )
                return {r.id: (r.status, r.message_id, r.message) for r in found}

        wait_for(
            lambda: {s for s, _, _ in rows().values()} <= {"delivered"},
            timeout=90,
            what="every inquiry delivered",
        )
        stored = rows()
    finally:
        engine.dispose()
    assert sorted(m for _, _, m in stored.values()) == sorted(accepted)  # 0 lost, 0 extra
    mailed: dict[int, list[str]] = defaultdict(list)
    for mail in relay.messages():
        mailed[int(mail["X-Inquiry-ID"])].append(str(mail["Message-ID"]))
    assert mailed == {i: [message_id] for i, (_, message_id, _) in stored.items()}


def requests_served(host: Gunicorn) -> int:
    assert host.log_path is not None
    return host.log_path.read_text(errors="replace").count('"POST /contact')


@pytest.fixture(scope="module")
def own_postgres() -> Iterator[PostgresCluster]:
    with PostgresCluster() as cluster:
        yield cluster


def test_postgresql_restarted_three_times_under_a_trickle_loses_and_repeats_nothing(
    own_postgres: PostgresCluster, tmp_path: Path
) -> None:
    url = own_postgres.create_database()
    with SMTPServer() as relay:
        relay.handler.delay = 0.05
        # A claim whose commit was cut by the stop is only known again when its lease ends.
        env = site_env(url, relay, **BUSY, OUTBOX_LEASE_SECONDS="15")
        site = Gunicorn(env, workers=2, log_path=tmp_path / "site.log")
        with site:
            workers = worker_pids(site)
            with Traffic(site.url) as traffic:
                for _ in range(3):
                    time.sleep(1.5)
                    options = stop_server(own_postgres)
                    time.sleep(2)
                    start_server(own_postgres, options)
                time.sleep(2)
            assert worker_pids(site) == workers  # no worker restarted
            log = (tmp_path / "site.log").read_text()
            assert traffic.failures == [], log[-6000:]
            assert_each_accepted_inquiry_mailed_once(url, relay, traffic.accepted)
    assert traffic.statuses[503] > 0, "the outages reached the form"
    assert len(traffic.accepted) > 10


@pytest.mark.parametrize("how", ["SIGHUP", "SIGTERM"])
def test_gunicorn_reloaded_or_stopped_under_traffic_fails_no_request_and_loses_nothing(
    how: str, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'site.db'}"
    with SMTPServer() as relay:
        relay.handler.delay = 0.1  # senders are often mid-batch when the signal comes
        env = site_env(url, relay, **BUSY)
        first = Gunicorn(env, workers=2, log_path=tmp_path / "first.log").start()
        second = None
        try:
            old = worker_pids(first)
            with Traffic(first.url) as traffic:
                time.sleep(2)
                assert first.process is not None
                if how == "SIGHUP":
                    os.kill(first.process.pid, signal.SIGHUP)
                    wait_for(lambda: not worker_pids(first) & old, what="workers replaced")
                else:
                    os.kill(first.process.pid, signal.SIGTERM)
                    first.process.wait(30)
                    # systemd's restart: a new master on the same port.
                    second = Gunicorn(env, workers=2, port=first.port, log_path=tmp_path / "2.log")
                    second.start()
                time.sleep(2)
            assert_each_accepted_inquiry_mailed_once(url, relay, traffic.accepted)
        finally:
            first.stop()
            if second is not None:
                second.stop()
    assert traffic.failures == []
    assert set(traffic.statuses) <= {200, 303}
    if how == "SIGHUP":
        assert traffic.connection_errors == 0  # the socket never closed
    assert first.process is not None and first.process.returncode is not None


def test_a_rolling_restart_of_two_hosts_behind_nginx_shows_clients_no_error(
    postgres: PostgresCluster, tmp_path: Path
) -> None:
    url = postgres.create_database()
    ports = (free_port(), free_port())
    nginx = Nginx([f"127.0.0.1:{port}" for port in ports])
    with SMTPServer() as relay:
        env = site_env(
            url,
            relay,
            **BUSY,
            SITE_URL=nginx.url,
            PROXY_FIX_X_FOR="1",
            PROXY_FIX_X_PROTO="1",
        )
        hosts = [
            Gunicorn(env, workers=2, port=port, log_path=tmp_path / f"host-{port}.log")
            for port in ports
        ]
        try:
            for host in hosts:
                host.start()
            with (
                nginx,
                Traffic(
                    nginx.url,
                    session_options={"verify": str(nginx.cert)},
                    retry_connection_errors=False,
                ) as traffic,
            ):
                for host in hosts:
                    time.sleep(1.5)
                    host.stop()  # SIGTERM, as a deploy does, then the new release
                    time.sleep(0.5)
                    served = requests_served(host)
                    host.start()
                    # The runbook's step: nginx must be sending it traffic again (after
                    # fail_timeout at most) before the next host goes down.
                    wait_for(
                        lambda h=host, n=served: requests_served(h) > n,
                        timeout=30,
                        what="nginx sending the restarted host traffic",
                    )
                time.sleep(1.5)
            assert_each_accepted_inquiry_mailed_once(url, relay, traffic.accepted)
        finally:
            for host in hosts:
                host.stop()
    assert traffic.failures == []
    assert traffic.connection_errors == 0
    assert set(traffic.statuses) <= {200, 303}
    assert len(traffic.accepted) > 5
