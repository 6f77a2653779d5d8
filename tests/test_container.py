"""The container image, built here with `make image` and run as ops would run it: read-only,
as its own user, against PostgreSQL and a relay on the host (podman's --network host)."""

from __future__ import annotations

import re
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests

from site_app.config import ROOT
from site_app.devmail import free_port
from tests.conftest import wait_for
from tests.http import send_inquiry
from tests.nginx import ComposeNginx
from tests.pg import PostgresCluster
from tests.podman import BASE, Container, build_image, podman
from tests.smtp import SMTPServer

# The first test also builds the image, and on a new machine the Debian base first.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]
GRACE = 45  # podman's wait for SIGTERM before SIGKILL: above gunicorn's graceful 30 s


@dataclass
class Running:
    container: Container
    url: str
    relay: SMTPServer


@pytest.fixture(scope="module")
def image() -> Iterator[str]:
    tag = f"localhost/glissando-site:test-{uuid.uuid4().hex[:8]}"
    build_image(tag)
    yield tag
    podman("rmi", "--force", tag, check=False)  # on vfs each image costs ~300 MB


def start(image: str, relay: SMTPServer, **env: str) -> Running:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    container = Container(
        image,
        {
            "SECRET_KEY": "test-secret",
            "SITE_URL": url,
            "BIND": f"127.0.0.1:{port}",
            "WEB_CONCURRENCY": "2",
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(relay.port),
            "CONTACT_MIN_FILL_SECONDS": "0",
            "OUTBOX_POLL_SECONDS": "0.5",
            "PROXY_FIX_X_FOR": "1",  # as in compose.yaml, behind its nginx
            "PROXY_FIX_X_PROTO": "1",
            **env,
        },
    )

    def answers() -> bool:
        state = container.inspect()["State"]
        assert state["Running"], f"the container stopped: {container.logs()[-3000:]}"
        try:
            return requests.get(url + "/healthz", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    try:
        wait_for(answers, timeout=90, what="the container's /healthz")
    except BaseException:
        container.remove()
        raise
    return Running(container, url, relay)


@pytest.fixture(scope="module")
def site(image: str, postgres: PostgresCluster) -> Iterator[Running]:
    with SMTPServer() as relay:
        running = start(image, relay, DATABASE_URL=postgres.create_database())
        try:
            yield running
        finally:
            print(running.container.logs())  # shown with a failing test's report
            running.container.remove()


def test_the_app_adds_at_most_150_mb_to_the_base(image: str) -> None:
    # The wordllama wheel (33 MB) is in it, for its weights, but not what wordllama requires
    # (numpy, tokenizers, hf-xet, pydantic, ...: some 130 MB), which the site never imports:
    # requirements-data.txt is installed with --no-deps.
    def size(name: str) -> int:
        return int(podman("image", "inspect", "--format={{.Size}}", name).stdout)

    added = size(image) - size(BASE)
    assert 0 < added <= 150 * 10**6, f"{added / 10**6:.0f} MB"


def test_the_venv_holds_the_two_locks_and_nothing_else(image: str) -> None:
    listed = (
        "import importlib.metadata as m; print(*(d.metadata['Name'] for d in m.distributions()))"
    )
    found = podman("run", "--rm", "--entrypoint=python", image, "-c", listed).stdout.split()
    locked = re.compile(r"(?m)^([a-z0-9][a-z0-9._-]*)==")
    lock = set(locked.findall((ROOT / "requirements.txt").read_text()))
    data = set(locked.findall((ROOT / "requirements-data.txt").read_text()))
    assert {re.sub(r"[-_.]+", "-", name).lower() for name in found} == lock | data
    assert "wordllama" in data and "numpy" not in lock


def test_it_runs_as_its_own_user_on_a_read_only_root(site: Running) -> None:
    assert site.container.exec("id", "-u").stdout.strip() == "10001"
    written = site.container.exec("touch", "/app/wsgi.py", user="root")  # even root may not
    assert written.returncode != 0 and "Read-only file system" in written.stderr
    assert site.container.inspect()["HostConfig"]["ReadonlyRootfs"] is True
    assert "Failed to start control socket" not in site.container.logs()


def test_pages_and_fingerprinted_static_files_are_served(site: Running) -> None:
    home = requests.get(site.url + "/", timeout=10)
    assert home.status_code == 200 and "Foundation Models" in home.text
    stylesheet = re.search(r'href="(/static/site\.[0-9a-f]{12}\.css)"', home.text)
    assert stylesheet, "the home page links its fingerprinted stylesheet"
    css = requests.get(site.url + stylesheet[1], headers={"Accept-Encoding": "br"}, timeout=10)
    assert css.status_code == 200 and css.headers["Content-Encoding"] == "br"
    assert "immutable" in css.headers["Cache-Control"]


def test_the_assistant_answers_by_meaning_from_wordllamas_weights(site: Running) -> None:
    # A paraphrase the guide's words alone miss (tests/test_assistant_meaning.py): found by
    # the vectors of WordLlama's weights, read from the wheel in the image.
    asked = requests.get(
        site.url + "/ask",
        params={"q": "Is it bad for the planet?"},
        headers={"Accept": "application/json"},
        timeout=10,
    )
    assert asked.status_code == 200
    assert [a["key"] for a in asked.json()["answers"]][:1] == ["challenges-and-concerns"]


def test_an_inquiry_reaches_the_relay_on_the_host(site: Running) -> None:
    assert send_inquiry(site.url, message="Sent to the container.") == 303
    wait_for(lambda: bool(site.relay.received), timeout=30, what="the inquiry at the relay")
    mail = site.relay.messages()[-1]
    assert "ada@example.com" in mail["Reply-To"]
    assert "Sent to the container." in mail.get_body(("plain",)).get_content()


def test_compose_nginx_config_serves_pages_and_the_form(site: Running) -> None:
    with ComposeNginx([site.url.removeprefix("http://")]) as nginx:
        pages = [requests.get(nginx.http_url + "/", timeout=10) for _ in range(2)]
        assert [page.status_code for page in pages] == [200, 200]
        assert pages[1].headers["X-Cache-Status"] == "HIT"
        sent = len(site.relay.received)
        assert send_inquiry(nginx.http_url, message="Through nginx.") == 303
    wait_for(lambda: len(site.relay.received) > sent, timeout=30, what="the inquiry via nginx")


def test_the_health_check_passes(site: Running) -> None:
    assert site.container.inspect()["Config"]["Healthcheck"]["Test"][0] == "CMD"
    check = podman("healthcheck", "run", site.container.name, check=False)
    assert check.returncode == 0, check.stdout + check.stderr
    wrong_port = ["--env=BIND=127.0.0.1:1", site.container.name, "python", "config/healthcheck.py"]
    elsewhere = podman("exec", *wrong_port, check=False)
    assert elsewhere.returncode != 0, "nothing answers there: the check must fail"


def test_sigterm_lets_the_request_in_hand_finish_and_stops_cleanly(site: Running) -> None:
    host, port = site.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as visitor:
        visitor.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n")  # not finished yet
        time.sleep(0.5)  # a worker has taken the connection and waits for the rest
        stop = ["podman", "stop", f"--time={GRACE}", site.container.name]
        stopping = subprocess.Popen(stop, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wait_for(lambda: "Handling signal: term" in site.container.logs(), what="SIGTERM")
        visitor.sendall(b"Connection: close\r\n\r\n")
        answer = visitor.makefile("rb").read()
    assert answer.startswith(b"HTTP/1.1 200"), answer
    assert stopping.wait(timeout=GRACE + 30) == 0, stopping.stderr
    state = site.container.inspect()["State"]
    logs = site.container.logs()
    assert state["ExitCode"] == 0, logs[-3000:]  # 137 had podman needed SIGKILL
    assert "Shutting down: Master" in logs
    assert logs.count("Worker exiting") == 2, "both workers finished and exited"


def test_the_default_sqlite_database_lives_on_the_data_volume(image: str) -> None:
    with SMTPServer() as relay:
        running = start(image, relay)
        try:
            assert send_inquiry(running.url, message="Kept in SQLite.") == 303
            wait_for(lambda: bool(relay.received), timeout=30, what="the inquiry at the relay")
            listing = running.container.exec("ls", "/data").stdout.split()
        finally:
            running.container.remove()
    assert "glissando.db" in listing


def compose_config(**env: str) -> subprocess.CompletedProcess[str]:
    """docker-compose's own check of the file (schema, interpolation), then the result."""
    return subprocess.run(
        ["docker-compose", "--file", str(ROOT / "compose.yaml"), "config"],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", **env},
        check=False,
    )


def test_the_compose_file_is_valid() -> None:
    checked = compose_config(SECRET_KEY="compose-check")
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.count("condition: service_healthy") == 3
    assert "replicas: 2" in checked.stdout


def test_compose_refuses_to_start_without_a_secret_key() -> None:
    checked = compose_config()
    assert checked.returncode != 0 and "set SECRET_KEY" in checked.stderr
