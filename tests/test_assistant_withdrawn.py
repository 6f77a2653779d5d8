"""Answers visitors said did not help are withdrawn: three different visitors' Noes, and
nobody's Yes, and the fourth visitor gets the hand-off with the closest sections, on the
page without JavaScript and in the panel's JSON alike."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from flask import Flask
from flask.testing import FlaskClient

from tests.test_assistant import JSON
from tests.test_assistant_votes import report, token_for, vote
from tests.test_triage_hosts import pg_url  # noqa: F401 - the fixture: a PostgreSQL database

QUESTION = "Should I be worried about these models?"
SECTION = "challenges-and-concerns"


def visitor(app: Flask, address: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def says(app: Flask, address: str, choice: str, question: str = QUESTION) -> None:
    client = visitor(app, address)
    assert vote(client, token_for(client, question), choice)[0] == 200


def first_answer(app: Flask, question: str = QUESTION) -> dict[str, object]:
    data: dict[str, object] = (
        visitor(app, "203.0.113.99")
        .get("/ask", query_string={"q": question}, headers=JSON)
        .get_json()
    )
    return data


def page(app: Flask, question: str = QUESTION) -> str:
    return visitor(app, "203.0.113.98").get("/ask", query_string={"q": question}).get_data(True)


def test_three_visitors_saying_no_withdraw_the_answer_for_that_question(app: Flask) -> None:
    for n in (1, 2):
        says(app, f"192.0.2.{n}", "no")
    assert first_answer(app)["answered"], "two visitors' Noes change nothing"
    says(app, "192.0.2.3", "no")
    data = first_answer(app)
    assert data["answered"] is False and data["answers"] == []
    assert "Challenges and Concerns" in [s["title"] for s in data["suggestions"]]  # type: ignore[index, union-attr]
    html = page(app)
    assert "Ask our team" in html and "/guide/challenges-and-concerns" in html
    assert first_answer(app, "What comes next?")["answered"], "other questions keep theirs"
    lines = report(app)
    start = next(i for i, line in enumerate(lines) if line.startswith("answers withdrawn"))
    assert lines[start + 2] == f"{3:>6}  {SECTION:<40}  should i be worried about these models"


def test_one_address_voting_three_times_counts_once(app: Flask) -> None:
    for _ in range(3):
        says(app, "198.51.100.7", "no")
    assert first_answer(app)["answered"]


def test_one_ipv6_line_counts_once(app: Flask) -> None:
    for host in ("1", "2", "abcd:1"):  # three addresses of one /64: one home line
        says(app, f"2001:db8:5:6::{host}", "no")
    says(app, "::ffff:192.0.2.50", "no")
    says(app, "192.0.2.50", "no")  # the same IPv4 client, mapped and plain
    assert first_answer(app)["answered"], "two visitors so far"
    says(app, "2001:db8:5:7::1", "no")  # another /64: the third visitor
    assert first_answer(app)["answered"] is False


def test_a_yes_keeps_the_answer(app: Flask) -> None:
    says(app, "192.0.2.9", "yes")
    for n in range(1, 5):
        says(app, f"192.0.2.{n}", "no")
    assert first_answer(app)["answered"]


def test_a_visitor_who_changes_their_mind_counts_as_they_last_said(app: Flask) -> None:
    says(app, "192.0.2.1", "yes")
    for n in range(1, 4):
        says(app, f"192.0.2.{n}", "no")  # the first of them takes the Yes back
    assert first_answer(app)["answered"] is False


def test_the_editor_restores_an_answer_by_command_or_by_phrasing(app: Flask) -> None:
    for n in range(1, 4):
        says(app, f"192.0.2.{n}", "no")
    assert first_answer(app)["answered"] is False
    said = app.test_cli_runner().invoke(args=["ask", "restore", QUESTION, "--section", SECTION])
    assert "forgot 3 visitors' votes" in said.output
    assert first_answer(app)["answered"]
    for n in range(4, 7):
        says(app, f"192.0.2.{n}", "no")
    assert first_answer(app)["answered"] is False
    guide = app.extensions["guide"]
    sections = [
        replace(s, asks=(*s.asks, "Is it safe? Should I be worried about these models?"))
        if s.slug == SECTION
        else s
        for s in guide.sections
    ]
    app.extensions["guide"] = replace(guide, sections=tuple(sections))
    assert first_answer(app)["answered"], "the editor's phrasing outweighs the votes"


def test_two_hosts_on_postgresql_withdraw_together(
    make_app: Callable[..., Flask],
    pg_url: str,  # noqa: F811 - the fixture
) -> None:
    a, b = make_app(DATABASE_URL=pg_url), make_app(DATABASE_URL=pg_url)
    says(a, "192.0.2.1", "no")
    says(b, "192.0.2.2", "no")
    says(b, "192.0.2.1", "no")  # the first visitor again, on the other host
    assert first_answer(a)["answered"] and first_answer(b)["answered"]
    says(a, "192.0.2.3", "no")
    assert first_answer(a)["answered"] is False and first_answer(b)["answered"] is False
