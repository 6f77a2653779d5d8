"""The outbox, its leases and the rate limit on SQLite and on a real PostgreSQL server.

Two apps on one database stand for two hosts: each has its own engine and
pool, exactly as two gunicorn hosts would.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import pytest
from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy import create_engine, func, inspect, select, text

from site_app.config import ROOT
from site_app.contact import ratelimit
from site_app.extensions import db
from site_app.outbox import leases, message, store
from site_app.outbox.mailer import connect
from site_app.outbox.models import DELIVERED, PENDING, Inquiry, RateHit, db_now
from site_app.outbox.sender import deliver_due
from tests.conftest import GOOD, deliver, judge, submit, wait_for
from tests.pg import PostgresCluster
from tests.smtp import SMTPServer

HEAD = ScriptDirectory(str(ROOT / "migrations")).get_current_head()
T = TypeVar("T")


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'shared.db'}"
    cluster: PostgresCluster = request.getfixturevalue("postgres")
    return cluster.create_database()


@pytest.fixture
def hosts(make_app: Callable[..., Flask], database_url: str) -> Callable[..., list[Flask]]:
    """``hosts(n, **settings)``: n apps sharing the database, as n app hosts would."""

    def make(count: int = 2, **overrides: Any) -> list[Flask]:
        return [make_app(DATABASE_URL=database_url, **overrides) for _ in range(count)]

    return make


def add_pending(app: Flask, count: int) -> list[int]:
    with app.app_context():
        return [store.store(uuid.uuid4().hex, GOOD, "0" * 64, None)[0].id for _ in range(count)]


def rows(app: Flask) -> list[Inquiry]:
    with app.app_context():
        found = list(db.session.scalars(select(Inquiry).order_by(Inquiry.id)))
        db.session.expunge_all()
        return found


def in_threads(work: Sequence[Callable[[], T]]) -> list[T]:
    """Run each callable in its own thread, all released at once; re-raise any error."""
    barrier = threading.Barrier(len(work))
    results: dict[int, T] = {}
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = work[index]()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(work))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    if errors:
        raise errors[0]
    return [results[i] for i in range(len(work))]


def flask_db_upgrade(database_url: str) -> subprocess.Popen[str]:
    env = {**os.environ, "APP_ENV": "testing", "DATABASE_URL": database_url}
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def finished(process: subprocess.Popen[str]) -> str:
    output, _ = process.communicate(timeout=120)
    assert process.returncode == 0, output
    return output


def schema(database_url: str) -> tuple[set[str], str | None]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            tables = set(inspect(connection).get_table_names())
            version = connection.scalar(text("SELECT version_num FROM alembic_version"))
    finally:
        engine.dispose()
    return tables, version


def test_flask_db_upgrade_creates_the_schema_and_is_idempotent(database_url: str) -> None:
    finished(flask_db_upgrade(database_url))
    tables, version = schema(database_url)
    assert {"inquiries", "rate_hits", "alembic_version"} <= tables
    assert version == HEAD
    finished(flask_db_upgrade(database_url))  # a second host, or a second deploy
    assert schema(database_url) == (tables, HEAD)


# What gunicorn's on_starting does on each host, held at a start line so they overlap.
UPGRADE_AT_THE_SIGNAL = """
import pathlib, sys, time
from site_app import create_app
from site_app.database import upgrade_schema
app = create_app()
folder = pathlib.Path(sys.argv[1])
(folder / sys.argv[2]).touch()
while not (folder / "go").exists():
    time.sleep(0.005)
upgrade_schema(app)
"""


def test_hosts_starting_together_upgrade_one_at_a_time(
    postgres: PostgresCluster, tmp_path: Path
) -> None:
    url = postgres.create_database()
    env = {**os.environ, "APP_ENV": "testing", "DATABASE_URL": url}
    hosts = [
        subprocess.Popen(
            [sys.executable, "-c", UPGRADE_AT_THE_SIGNAL, str(tmp_path), f"ready{n}"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for n in range(3)
    ]
    wait_for(lambda: len(list(tmp_path.glob("ready*"))) == 3, timeout=60, what="3 hosts ready")
    (tmp_path / "go").touch()
    for process in hosts:
        finished(process)
    assert schema(url)[1] == HEAD


def test_upgrading_a_sqlite_database_keeps_its_inquiries(
    make_app: Callable[..., Flask], tmp_path: Path, smtp: SMTPServer
) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    app = make_app(DATABASE_URL=url)
    client = app.test_client()
    for n in range(3):
        assert submit(client, message=f"Inquiry number {n}").status_code == 303
    before = [(r.token, r.message) for r in rows(app)]
    finished(flask_db_upgrade(url))
    assert [(r.token, r.message) for r in rows(app)] == before
    assert deliver(app) == 3
    assert {str(m["Message-ID"]) for m in smtp.messages()} == {r.message_id for r in rows(app)}


def test_senders_on_two_hosts_never_claim_the_same_row(hosts: Callable[..., list[Flask]]) -> None:
    apps = hosts(2)
    ids = add_pending(apps[0], 120)

    def claim_all(app: Flask, owner: str) -> list[int]:
        taken: list[int] = []
        with app.app_context():
            while batch := store.claim(owner, 7, lease_seconds=60):
                taken += [inquiry.id for inquiry in batch]
        return taken

    # Long owner names: a 64-character hostname must not break the claim on PostgreSQL.
    work = [
        partial(claim_all, app, f"{'host-name.example.com' * 3}:{n}")
        for n, app in enumerate(apps * 3)
    ]
    claimed = [i for taken in in_threads(work) for i in taken]
    assert sorted(claimed) == ids  # every row once, none twice
    assert all(row.lease_owner for row in rows(apps[0]))


def test_senders_on_two_hosts_deliver_each_inquiry_once(
    hosts: Callable[..., list[Flask]], smtp: SMTPServer
) -> None:
    apps = hosts(2)
    ids = add_pending(apps[0], 120)

    def drain(app: Flask, owner: str) -> int:
        sent = 0
        with app.app_context():
            while batch := deliver_due(owner, 10, 60):
                sent += batch
        return sent

    work = [partial(drain, app, f"host{n}") for n, app in enumerate(apps * 2)]
    assert sum(in_threads(work)) == 120
    per_id = Counter(str(m["Message-ID"]) for m in smtp.messages())
    assert len(per_id) == 120 and set(per_id.values()) == {1}
    assert sorted(int(m["X-Inquiry-ID"]) for m in smtp.messages()) == ids
    assert {(r.status, r.attempts) for r in rows(apps[0])} == {(DELIVERED, 1)}


def test_an_expired_lease_is_taken_over_and_resent_with_the_same_message_id(
    hosts: Callable[..., list[Flask]], smtp: SMTPServer
) -> None:
    host_a, host_b = hosts(2)
    assert submit(host_a.test_client()).status_code == 303
    assert judge(host_a) == 1
    with host_a.app_context():
        [held] = store.claim("host-a:1", 10, lease_seconds=1.0)
        with connect() as connection:
            connection.send(message.build(held))  # the relay has it; then host a dies
    assert deliver(host_b) == 0  # the lease still stands
    wait_for(lambda: deliver(host_b) == 1, timeout=15, what="host b to take the lease over")
    first, second = smtp.messages()
    assert first["Message-ID"] == second["Message-ID"] == held.message_id
    assert first["X-Inquiry-ID"] == second["X-Inquiry-ID"] == str(held.id)
    with host_a.app_context():
        assert leases.mark_delivered(held) is False  # host a's late word changes nothing
    [row] = rows(host_a)
    assert (row.status, row.attempts, row.lease_owner) == (DELIVERED, 1, None)


def test_a_slow_relay_never_lets_a_batch_outlive_its_lease(
    hosts: Callable[..., list[Flask]], smtp: SMTPServer
) -> None:
    # 20 messages at 0.25 s each outlast a 4 s lease: the first sender must hand the
    # rest back in time instead of racing the second sender for them.
    apps = hosts(2, MAIL_TIMEOUT=2.0)
    ids = add_pending(apps[0], 20)
    smtp.handler.delay = 0.25

    def first() -> int:
        with apps[0].app_context():
            return deliver_due("first", 20, 4.0)

    def second() -> int:
        wait_for(lambda: any(r.lease_owner for r in rows(apps[1])), what="the first claim")
        sent, deadline = 0, time.monotonic() + 60
        while len(smtp.received) < 20 and time.monotonic() < deadline:
            with apps[1].app_context():
                sent += deliver_due("second", 20, 4.0)
        return sent

    by_first, by_second = in_threads([first, second])
    assert 0 < by_first < 20
    assert by_first + by_second == 20
    per_id = Counter(str(m["Message-ID"]) for m in smtp.messages())
    assert len(per_id) == 20 and set(per_id.values()) == {1}
    assert [r.id for r in rows(apps[0]) if r.status == DELIVERED] == ids


def test_the_rate_limit_counts_concurrent_requests_across_hosts(
    hosts: Callable[..., list[Flask]],
) -> None:
    apps = hosts(2, CONTACT_RATE_LIMIT="5 per hour")

    def ask(app: Flask, key: str) -> bool:
        with app.app_context():
            return ratelimit.allow(key)

    for client in range(4):  # several rounds: a race that is lost only sometimes shows
        with apps[0].app_context():
            key = ratelimit.client_hash(f"192.0.2.{client}")
        answers = in_threads([partial(ask, app, key) for app in apps * 8])
        assert answers.count(True) == 5 and answers.count(False) == 11
    with apps[1].app_context():
        assert ratelimit.allow(ratelimit.client_hash("192.0.2.99")) is True  # its own count
        kept = db.session.scalar(
            select(func.count()).select_from(RateHit).where(RateHit.key_hash == key)
        )
    assert kept == 5  # refused requests leave no hit behind


def test_the_rate_limit_forgets_hits_older_than_its_window(
    hosts: Callable[..., list[Flask]],
) -> None:
    [app] = hosts(1, CONTACT_RATE_LIMIT="5 per hour")
    with app.app_context():
        key = ratelimit.client_hash("192.0.2.20")
        old = db_now() - timedelta(hours=2)
        db.session.add_all([RateHit(key_hash=key, hit_at=old) for _ in range(5)])
        db.session.commit()
        assert ratelimit.allow(key) is True
        remaining = db.session.scalars(select(RateHit.hit_at).where(RateHit.key_hash == key))
        assert [hit > old for hit in remaining] == [True]


def test_readyz_checks_the_database_the_app_uses(
    hosts: Callable[..., list[Flask]], database_url: str
) -> None:
    [app] = hosts(1)
    client = app.test_client()
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json is not None
    assert response.json["database"] == database_url.split(":")[0].split("+")[0]
    if database_url.startswith("postgresql"):
        name = database_url.rsplit("/", 1)[1]
        admin = create_engine(database_url.rsplit("/", 1)[0] + "/postgres")
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()
    else:
        with app.app_context():
            db.session.execute(text("DROP TABLE inquiries"))
            db.session.commit()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json is not None
    assert response.json["problems"][0].startswith("database unreachable")


def test_a_postgresql_restart_does_not_fail_the_next_request(
    make_app: Callable[..., Flask], postgres: PostgresCluster
) -> None:
    url = postgres.create_database()
    app = make_app(DATABASE_URL=url)
    client = app.test_client()
    assert client.get("/readyz").status_code == 200  # the pool now holds a connection
    with postgres.admin() as admin:  # what a restart or failover does to it
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (url.rsplit("/", 1)[1],),
        )
    assert client.get("/readyz").status_code == 200
    assert submit(client).status_code == 303
    assert [r.status for r in rows(app)] == [PENDING]
