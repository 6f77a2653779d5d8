"""What ops read: JSON lines from gunicorn and the app alike, and commands whose
answer comes alone."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from site_app.devmail import free_port
from tests.conftest import wait_for
from tests.http import send_inquiry
from tests.servers import ROOT, Gunicorn
from tests.smtp import SMTPServer

FIELDS = {"time", "level", "logger", "message", "request_id"}


@pytest.mark.slow
def test_with_log_format_json_every_line_gunicorn_and_the_app_write_is_one_json_object(
    tmp_path: Path, smtp: SMTPServer
) -> None:
    log = tmp_path / "gunicorn.log"
    env = {
        "LOG_FORMAT": "json",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'site.db'}",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp.port),
        "CONTACT_MIN_FILL_SECONDS": "0",
        "METRICS_BIND": f"127.0.0.1:{free_port()}",
    }

    def metrics_served() -> bool:
        try:
            return requests.get(f"http://{env['METRICS_BIND']}/metrics", timeout=5).ok
        except requests.ConnectionError:
            return False

    with Gunicorn(env, workers=2, log_path=log) as site:
        page = requests.get(site.url + "/", headers={"X-Request-ID": "ops-check-0001"}, timeout=10)
        assert page.status_code == 200
        assert send_inquiry(site.url) == 303
        wait_for(lambda: len(smtp.received) == 1, what="the delivery")
        wait_for(metrics_served, what="the metrics server")
    lines = [json.loads(line) for line in log.read_text().splitlines()]  # each one is JSON
    assert all(FIELDS <= set(line) for line in lines), [FIELDS - set(x) for x in lines]
    loggers = {line["logger"] for line in lines}
    assert {"gunicorn.error", "gunicorn.access", "site_app.contact", "site_app.metrics"} <= loggers
    access = [line for line in lines if line["logger"] == "gunicorn.access"]
    [home] = [line for line in access if line["path"] == "/"]
    assert home["request_id"] == "ops-check-0001"
    assert home["method"] == "GET" and home["status"] == 200
    assert 0 < home["duration"] < 10
    [post] = [line for line in access if line["method"] == "POST"]
    [stored] = [line for line in lines if "stored, to be judged and delivered" in line["message"]]
    assert post["status"] == 303 and stored["request_id"] == post["request_id"] != "-"
    assert not any(line["logger"].startswith("alembic.runtime.plugins") for line in lines)


def flask(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAIL_", "LOG_"))}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'site.db'}"
    command = [sys.executable, "-m", "flask", "--app", "wsgi", *args]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_commands_print_their_answer_alone(tmp_path: Path) -> None:
    assert flask(tmp_path, "db", "upgrade").returncode == 0
    status = flask(tmp_path, "outbox", "status")
    assert status.returncode == 0
    assert status.stdout.splitlines() == [
        "pending    0",
        "delivered  0",
        "failed     0",
        "held       0",
        "spam       0",
        "oldest pending: -",
        "last error: -",
    ]
    assert status.stderr == ""
    check = flask(tmp_path, "mail", "check")
    assert check.returncode == 1
    assert check.stdout == "relay:        none set\n"
    assert check.stderr == "FAILED: MAIL_SERVER is not set\n"


def test_make_run_starts_without_library_warnings(tmp_path: Path) -> None:
    """What `make run` prints up to the first request: the mail folder, the address, gunicorn."""
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'site.db'}", "PORT": str(free_port())}
    log = tmp_path / "run.log"
    with log.open("wb") as out:
        run = subprocess.Popen(
            [sys.executable, "-m", "site_app.devmail"],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for(lambda: "Booting worker" in log.read_text(), timeout=60, what="gunicorn")
    finally:
        os.killpg(run.pid, 15)
        run.wait(timeout=30)
    text = log.read_text()
    assert "Warning" not in text and "alembic.runtime.plugins" not in text
    assert "Context impl" not in text
    assert "database schema is up to date" in text
