"""What ops rely on: loud configuration errors, proxies trusted only when told, request ids."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask

from site_app import create_app
from site_app.config import ConfigError
from tests.conftest import GOOD, form_tokens
from tests.servers import ROOT


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"APP_ENV": "production", "SECRET_KEY": ""}, "SECRET_KEY is not set"),
        ({"APP_ENV": "staging"}, "APP_ENV='staging'"),
        ({"MAIL_USE_TLS": True, "MAIL_USE_SSL": True}, "choose one"),
        ({"APP_ENV": "production", "SECRET_KEY": "x", "MAIL_SERVER": None}, "MAIL_SERVER"),
        ({"CONTACT_SERVICES": []}, "CONTACT_SERVICES"),
    ],
)
def test_bad_configuration_is_refused_in_one_line(
    tmp_path: Path, overrides: dict[str, object], message: str
) -> None:
    config = {"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "MAIL_SERVER": "127.0.0.1"}
    with pytest.raises(ConfigError) as error:
        create_app({**config, **overrides})
    assert message in str(error.value) and "\n" not in str(error.value)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PAGE_MAX_AGE", "soon"),
        ("MAIL_USE_TLS", "maybe"),
        ("CONTACT_RATE_LIMIT", "lots"),
        ("OUTBOX_SENDER", "celery"),
        ("DIGEST_AT", "25:00"),
        ("DIGEST_AT", "8am"),
        ("DIGEST_EVERY", "0d"),
        ("DIGEST_EVERY", "daily"),
        ("TRIAGE_LINK_DAYS", "0"),
    ],
)
def test_unparseable_environment_values_name_the_setting(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=name):
        create_app({"APP_ENV": "testing"})


def test_environment_is_read_and_overrides_win(
    monkeypatch: pytest.MonkeyPatch, make_app: Callable[..., Flask]
) -> None:
    monkeypatch.setenv("CONTACT_SERVICES", "Chatbot, Voice agents")
    monkeypatch.setenv("PAGE_MAX_AGE", "60")
    app = make_app(PAGE_MAX_AGE=120)
    assert app.config["CONTACT_SERVICES"] == ["Chatbot", "Voice agents"]
    assert app.config["PAGE_MAX_AGE"] == 120
    html = app.test_client().get("/contact").get_data(as_text=True)
    assert '<option value="Voice agents">' in html
    assert app.test_client().get("/").headers["Cache-Control"] == "public, max-age=120"


def test_forwarded_headers_are_ignored_unless_configured(make_app: Callable[..., Flask]) -> None:
    spoofed = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    plain = make_app().test_client().get("/", headers=spoofed)
    assert "Strict-Transport-Security" not in plain.headers
    proxied = make_app(PROXY_FIX_X_FOR=1, PROXY_FIX_X_PROTO=1).test_client()
    assert "Strict-Transport-Security" in proxied.get("/", headers=spoofed).headers


def test_rate_limit_sees_the_forwarded_client_only_behind_a_trusted_proxy(
    make_app: Callable[..., Flask],
) -> None:
    def accepted(app: Flask, client_ip: str) -> int:
        client = app.test_client()
        headers = {"X-Forwarded-For": client_ip}
        tokens = form_tokens(client.get("/contact", headers=headers).get_data(as_text=True))
        return client.post("/contact", data={**tokens, **GOOD}, headers=headers).status_code

    direct = make_app(CONTACT_RATE_LIMIT="1 per hour")
    assert accepted(direct, "203.0.113.1") == 303
    assert accepted(direct, "203.0.113.2") == 429  # a spoofed header changes nothing
    proxied = make_app(CONTACT_RATE_LIMIT="1 per hour", PROXY_FIX_X_FOR=1)
    assert accepted(proxied, "198.51.100.1") == 303
    assert accepted(proxied, "198.51.100.2") == 303  # two clients behind the proxy


def test_an_unexpected_error_is_a_500_page_with_the_request_id_that_was_logged(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    def boom() -> str:
        raise RuntimeError("broken on purpose")

    app.add_url_rule("/boom", "boom", boom)
    with caplog.at_level(logging.ERROR):
        response = app.test_client().get("/boom")
    assert response.status_code == 500
    request_id = response.headers["X-Request-ID"]
    assert request_id in response.get_data(as_text=True)
    assert "Something went wrong" in response.get_data(as_text=True)
    [record] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert record.request_id == request_id  # type: ignore[attr-defined]
    assert "broken on purpose" in caplog.text


def test_a_request_id_from_the_proxy_is_kept(app: Flask) -> None:
    response = app.test_client().get("/healthz", headers={"X-Request-ID": "abc123def456"})
    assert response.headers["X-Request-ID"] == "abc123def456"


def flask(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``flask --app wsgi ...`` as ops type it on the host."""
    env = {**os.environ, "APP_ENV": "testing", "DATABASE_URL": database_url}
    command = [sys.executable, "-m", "flask", "--app", "wsgi", *args]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


NEEDS_SCHEMA = [
    ["outbox", "status"],
    ["outbox", "list"],
    ["outbox", "retry", "--failed"],
    ["outbox", "purge", "--older-than", "90d"],
    ["outbox", "export", "--format", "csv"],
    ["outbox", "forget", "--email", "ada@example.com"],
]


@pytest.mark.parametrize(
    ("command", "backend"),
    [(c, "sqlite") for c in NEEDS_SCHEMA] + [(c, "postgresql") for c in NEEDS_SCHEMA[:2]],
)
def test_outbox_commands_on_a_database_never_migrated_say_so_in_one_line(
    request: pytest.FixtureRequest, tmp_path: Path, backend: str, command: list[str]
) -> None:
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'empty.db'}"
    else:
        url = request.getfixturevalue("postgres").create_database()
    done = flask(url, *command)
    assert done.returncode != 0
    assert done.stderr == (
        "Error: the database has no outbox tables: run `flask --app wsgi db upgrade`\n"
    )
    assert done.stdout == ""


def test_outbox_status_on_a_database_migrated_halfway_names_the_missing_tables(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    assert flask(url, "db", "upgrade", "0001").returncode == 0
    done = flask(url, "outbox", "status")
    assert done.returncode != 0
    assert done.stderr == (
        "Error: the database has no table assistant_questions, assistant_visitor_votes, "
        "assistant_vote_tokens, assistant_votes, deliveries, digests, event_counts, reports, "
        "spam_marks, triage_refits, view_counts, visitor_counts, visitor_marks, visitor_salts: "
        "run `flask --app wsgi db upgrade`\n"
    )


def test_outbox_list_on_a_database_before_triage_names_the_missing_columns(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    assert flask(url, "db", "upgrade", "0003").returncode == 0
    done = flask(url, "outbox", "list", "--state", "held")
    assert done.returncode != 0
    assert done.stderr.startswith(
        "Error: the database has no table assistant_visitor_votes, assistant_vote_tokens, "
        "assistant_votes, digests, event_counts, reports, spam_marks"
    )
    assert "Traceback" not in done.stderr
