"""Issue 4's benchmarks: the outbox drained by two senders sharing PostgreSQL against
one sender on SQLite, and guide pages from nginx's cache against nginx serving the
same bytes as a static file. Both sides of each ratio are measured in this run.

    .venv/bin/python -m bench.multihost
"""

from __future__ import annotations

import http.client
import os
import queue
import signal
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime
from pathlib import Path

from flask import Flask
from sqlalchemy import update

from bench import header, site_env, wrk
from site_app import create_app
from site_app.config import ROOT
from site_app.database import upgrade_schema
from site_app.extensions import db
from site_app.outbox.models import Inquiry, db_now
from site_app.outbox.store import message_id_for
from tests.conftest import GOOD
from tests.nginx import Nginx
from tests.pg import PostgresCluster
from tests.servers import Gunicorn
from tests.smtp import SMTPServer

DRAIN = 1000
PAGE = "/guide/why-do-they-matter"
WRK = ["wrk", "-t2", "-c32", "-d5s", "-H", "Accept-Encoding: br"]
LATER = datetime(2100, 1, 1)  # held back until every sender is up


def app_for(env: dict[str, str]) -> Flask:
    # WARNING: the app sets the root logger's level, and the relay logs every command.
    settings = {"APP_ENV": "testing", "DATABASE_URL": env["DATABASE_URL"], "LOG_LEVEL": "WARNING"}
    return create_app(settings)


def seed(env: dict[str, str]) -> None:
    app = app_for(env)
    upgrade_schema(app)
    with app.app_context():
        sender = app.config["MAIL_DEFAULT_SENDER"]
        for _ in range(DRAIN):
            token = uuid.uuid4().hex
            db.session.add(
                Inquiry(
                    token=token,
                    message_id=message_id_for(token, sender),
                    **GOOD,
                    client_hash="0" * 64,
                    created_at=db_now(),
                    next_attempt_at=LATER,
                )
            )
        db.session.commit()


def release(env: dict[str, str]) -> None:
    app = app_for(env)
    with app.app_context():
        db.session.execute(update(Inquiry).values(next_attempt_at=db_now()))
        db.session.commit()


def start_senders(env: dict[str, str], count: int) -> list[subprocess.Popen[str]]:
    """``flask outbox worker`` processes, returned once each has logged that it started."""
    started: queue.Queue[str] = queue.Queue()
    senders = []
    for _ in range(count):
        process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "outbox", "worker"],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

        threading.Thread(target=_watch, args=(process, started), daemon=True).start()
        senders.append(process)
    try:
        for _ in range(count):
            started.get(timeout=60)
    except queue.Empty:
        for process in senders:
            process.kill()
        raise RuntimeError("a `flask outbox worker` did not start within 60 s") from None
    return senders


def _watch(process: subprocess.Popen[str], started: queue.Queue[str]) -> None:
    for line in process.stdout or ():
        if "outbox sender" in line and "started" in line:
            started.put(line)


def drain_rate(label: str, env: dict[str, str], senders: int) -> float:
    with SMTPServer() as relay:
        env = {**env, "MAIL_PORT": str(relay.port), "OUTBOX_POLL_SECONDS": "0.1"}
        seed(env)
        processes = start_senders(env, senders)
        try:
            release(env)
            began = time.monotonic()
            while len(relay.received) < DRAIN:
                if time.monotonic() - began > 300:
                    raise RuntimeError(f"{label}: only {len(relay.received)} delivered in 300 s")
                time.sleep(0.01)
            elapsed = time.monotonic() - began
        finally:
            for process in processes:
                process.send_signal(signal.SIGTERM)
            for process in processes:
                process.wait(timeout=30)
        unique = len({str(m["Message-ID"]) for m in relay.messages()})
    rate = DRAIN / elapsed
    print(f"  {label:<34} {elapsed:6.2f} s  {rate:7.0f} inquiries/s  ({unique} distinct)")
    return rate


def run_drain() -> None:
    header(f"drain: {DRAIN:,} pending inquiries, `flask outbox worker` processes, loopback relay")
    with tempfile.TemporaryDirectory() as folder, PostgresCluster(durable=True) as postgres:
        sqlite = drain_rate("SQLite, one sender", site_env(Path(folder)), 1)
        shared = site_env(Path(folder), DATABASE_URL=postgres.create_database("bench"))
        pg = drain_rate("PostgreSQL, two senders", shared, 2)
    print(f"  ratio PostgreSQL x2 / SQLite x1 = {pg / sqlite:.2f} (no goal: the figure to watch)")
    print(
        f"  ({os.cpu_count()} CPUs here run both senders, the relay and PostgreSQL: the ratio "
        "shows PostgreSQL's cost per inquiry more than what a second host adds)"
    )


def raw_body(nginx: Nginx, path: str) -> bytes:
    """The page as a browser asking for brotli receives it, still compressed."""
    context = ssl.create_default_context(cafile=str(nginx.cert))
    connection = http.client.HTTPSConnection("localhost", nginx.https_port, context=context)
    connection.request("GET", path, headers={"Accept-Encoding": "br"})
    response = connection.getresponse()
    body = response.read()
    connection.close()
    if response.status != 200 or response.getheader("Content-Encoding") != "br":
        raise RuntimeError(
            f"GET {path}: {response.status} {response.getheader('Content-Encoding')}"
        )
    return body


def run_cache() -> None:
    header(
        f"{PAGE} through nginx (worker_processes auto): its proxy cache vs a static file "
        f"(wrk {' '.join(WRK[1:4])})"
    )
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "page.br"
        Path(folder).chmod(0o755)
        static = (
            f"    location = /static-copy.html {{\n        alias {copy};\n"
            "        default_type text/html;\n        add_header Content-Encoding br;\n"
            "        add_header Vary Accept-Encoding;\n    }\n"
        )
        with Gunicorn(site_env(Path(folder)), workers=2) as site:
            nginx = Nginx([f"127.0.0.1:{site.port}"], locations=static, workers="auto")
            with nginx:
                copy.write_bytes(raw_body(nginx, PAGE))
                copy.chmod(0o644)
                urls = {"cached": nginx.url + PAGE, "static": nginx.url + "/static-copy.html"}
                if raw_body(nginx, "/static-copy.html") != copy.read_bytes():
                    raise RuntimeError("nginx did not serve the static copy as written")
                rates: dict[str, list[float]] = {"cached": [], "static": []}
                for _ in range(3):  # alternating, so a noisy neighbour hits both sides
                    for name, url in urls.items():
                        rates[name].append(wrk(url, *WRK[1:]))
                        print(f"  {name:<7} {rates[name][-1]:9.0f} req/s")
    cached, static_rate = (statistics.median(rates[k]) for k in ("cached", "static"))
    print(
        f"  median: cached {cached:.0f} req/s, static file {static_rate:.0f} req/s; "
        f"ratio cached/static = {cached / static_rate:.2f} (goal >= 0.8)"
    )


def run() -> None:
    run_drain()
    run_cache()


if __name__ == "__main__":
    run()
