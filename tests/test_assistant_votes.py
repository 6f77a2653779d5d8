"""Did the answer help? Votes and follow-ups through the app, and what the team reads."""

from __future__ import annotations

import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, update

from site_app.assistant import votes
from site_app.assistant.votes import AnswerVote, UsedVoteToken
from site_app.extensions import db
from site_app.guide.content import load_guide
from site_app.outbox.models import utcnow
from tests.test_assistant import JSON, ask
from tests.test_backends import database_url  # noqa: F401 - the fixture: SQLite and PostgreSQL
from tests.test_panel_leads import funnel

GUIDE = load_guide()


def vote(client: FlaskClient, token: str, choice: str) -> tuple[int, str]:
    response = client.post("/ask/vote", data={"token": token, "vote": choice}, headers=JSON)
    assert response.headers["Cache-Control"] == "no-store"
    return response.status_code, response.get_json()["message"]


def token_for(client: FlaskClient, question: str) -> str:
    data = ask(client, question)
    assert isinstance(data["vote"], dict) and data["vote"]["url"] == "/ask/vote"
    token: str = data["vote"]["token"]
    return token


def report(app: Flask) -> list[str]:
    result = app.test_cli_runner().invoke(args=["ask", "report"])
    assert result.exit_code == 0, result.output
    return result.output.splitlines()


def test_votes_are_counted_once_per_answer_and_reported(app: Flask, client: FlaskClient) -> None:
    risks = token_for(client, "What are the risks?")
    assert vote(client, risks, "no") == (200, "Thank you for telling us.")
    assert vote(client, risks, "no")[0] == 409  # replayed: the same answer votes once
    assert vote(client, risks, "yes")[0] == 409
    vote(client, token_for(client, "what are the risks"), "no")  # the same question, asked again
    vote(client, token_for(client, "What are the risks?"), "yes")
    vote(client, token_for(client, "What's next?"), "yes")  # helped: not listed
    lines = report(app)
    start = lines.index("answers visitors said did not help:")
    assert lines[start + 2 :] == [
        f"{2:>6}  {1:>6}  {'challenges-and-concerns':<40}  what are the risks"
    ]
    # Text only: no address, no time of each vote.
    assert "127.0.0.1" not in "\n".join(lines)


@pytest.mark.parametrize(
    "data",
    [
        {"vote": "no"},
        {"token": "", "vote": "no"},
        {"token": "forged.token.value", "vote": "yes"},
        {"token": "x" * 10_000, "vote": "yes"},
        {"vote": "maybe"},
    ],
)
def test_forged_missing_or_odd_votes_are_refused(client: FlaskClient, data: dict[str, str]) -> None:
    response = client.post("/ask/vote", data=data, headers=JSON)
    assert response.status_code == 400
    assert "could not be read" in response.get_json()["message"]
    page = client.post("/ask/vote", data=data)
    assert page.status_code == 400 and "could not be read" in page.get_data(as_text=True)


def test_a_token_for_another_answer_cannot_be_altered(app: Flask, client: FlaskClient) -> None:
    token = token_for(client, "What are the risks?")
    with app.test_request_context():
        forged = votes.sign("What are the risks?", "benefits-of-foundation-models")
    payload, signature = token.rsplit(".", 1)
    altered = forged.rsplit(".", 1)[0] + "." + signature
    assert vote(client, altered, "yes")[0] == 400
    assert vote(client, token, "yes")[0] == 200


def test_an_expired_token_is_refused(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = token_for(client, "What are the risks?")
    monkeypatch.setattr(votes, "TOKEN_AGE", timedelta(seconds=-1))
    assert vote(client, token, "no")[0] == 400


def test_without_javascript_the_vote_comes_back_to_the_answer(client: FlaskClient) -> None:
    page = client.get("/ask", query_string={"q": "What are the risks?"}).get_data(as_text=True)
    assert "Did this answer your question?" in page
    token = re.search(r'name="token" value="([^"]+)"', page)
    assert token
    sent = client.post("/ask/vote", data={"token": token[1], "vote": "no"})
    assert sent.status_code == 303
    assert sent.headers["Location"].endswith("voted=counted#feedback")
    back = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert "Thank you for telling us." in back and "Did this answer your question?" not in back
    assert "Challenges and Concerns" in back
    again = client.post("/ask/vote", data={"token": token[1], "vote": "no"})
    assert "You have already answered this" in client.get(again.headers["Location"]).text


def test_coming_back_from_a_vote_is_not_counted_as_asking_again(
    app: Flask, client: FlaskClient
) -> None:
    client.get("/ask", query_string={"q": "zzyzx prices?"})
    client.get("/ask", query_string={"q": "zzyzx prices?", "voted": "counted"})
    assert report(app)[1].split()[0] == "1"


def test_hand_offs_offer_no_vote_and_no_follow_ups(client: FlaskClient) -> None:
    data = ask(client, "What are your prices?")
    assert "vote" not in data and data["followups"] == []


def test_storage_stays_bounded_whatever_the_flood(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(votes, "MAX_ROWS", 2)
    monkeypatch.setattr(votes, "MAX_TOKENS", 4)
    questions = ["What are the risks?", "What's next?", "What is CLIP?"]
    outcomes = [vote(client, token_for(client, q), "no")[0] for q in questions]
    assert outcomes == [200, 200, 200]  # the third, a new pair past MAX_ROWS, is thanked, not kept
    outcomes = [vote(client, token_for(client, "What are the risks?"), "no")[0] for _ in range(3)]
    assert outcomes == [200, 200, 200]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AnswerVote)) == 2
        assert db.session.scalar(select(func.count()).select_from(UsedVoteToken)) == 4
        # Tokens older than a token's life make room; younger ones are kept (they still vote).
        db.session.execute(update(UsedVoteToken).values(used_at=utcnow() - timedelta(days=2)))
        db.session.commit()
    assert vote(client, token_for(client, "What are the risks?"), "yes")[0] == 200
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(UsedVoteToken)) == 1
        no = select(AnswerVote.no).where(AnswerVote.question == "what are the risks")
        assert db.session.scalar(no) == 3  # 1, then 2 of the 3: the third found every token kept


def test_votes_are_purged_with_unanswered_questions(app: Flask, client: FlaskClient) -> None:
    vote(client, token_for(client, "What are the risks?"), "no")
    vote(client, token_for(client, "What's next?"), "no")
    with app.app_context():
        stale = AnswerVote.question == "what's next"
        db.session.execute(
            update(AnswerVote).where(stale).values(last_voted=utcnow() - timedelta(91))
        )
        db.session.commit()
    purged = app.test_cli_runner().invoke(args=["outbox", "purge", "--older-than", "90d"]).output
    assert "forgot 1 assistant answers' votes" in purged
    with app.app_context():
        assert db.session.scalars(select(AnswerVote.question)).all() == ["what are the risks"]


def test_follow_ups_are_questions_the_guide_answers_from_sections_not_yet_shown(
    client: FlaskClient,
) -> None:
    data = ask(client, "What are the risks?")
    followups = data["followups"]
    assert isinstance(followups, list) and 1 <= len(followups) <= 3
    for followup in followups:
        answer = ask(client, followup["question"])
        assert answer["answers"][0]["title"] == followup["title"]  # type: ignore[index]
        assert followup["title"] != "Challenges and Concerns"
    seen = ",".join(s.slug for s in GUIDE.sections[:-1])
    last = client.get("/ask", query_string={"q": "What's next?", "seen": seen}, headers=JSON)
    assert last.get_json()["followups"] == []  # every section shown in this conversation


def test_every_section_offers_a_follow_up_that_leads_back_to_it(client: FlaskClient) -> None:
    offered = {}
    for section in GUIDE.sections:
        others = ",".join(s.slug for s in GUIDE.sections if s.slug != section.slug)
        data = client.get("/ask", query_string={"q": "What's CLIP?", "seen": others}, headers=JSON)
        offered.update({f["title"]: f["question"] for f in data.get_json()["followups"]})
    for section in GUIDE.sections:
        if section.slug == "what-are-foundation-models":
            continue  # the answer to "What's CLIP?" itself
        answer = ask(client, offered[section.title])
        assert answer["answers"][0]["title"] == section.title  # type: ignore[index]


def test_funnel_counts_votes_by_answer(client: FlaskClient) -> None:
    before = {v: funnel(f"vote_{v}") for v in ("yes", "no")}
    vote(client, token_for(client, "What are the risks?"), "no")
    token = token_for(client, "What's next?")
    vote(client, token, "yes")
    vote(client, token, "yes")  # refused as a replay: not counted
    assert funnel("vote_no") == before["no"] + 1 and funnel("vote_yes") == before["yes"] + 1


def test_votes_count_once_across_hosts_and_threads(
    make_app: Callable[..., Flask],
    database_url: str,  # noqa: F811 - the fixture imported above
) -> None:
    hosts = [make_app(DATABASE_URL=database_url) for _ in range(2)]
    token = token_for(hosts[0].test_client(), "What are the risks?")
    assert sorted(vote(app.test_client(), token, "no")[0] for app in hosts) == [200, 409]
    # Eight first votes on one new pair at once, half on each host: all eight count.
    tokens = [token_for(hosts[0].test_client(), "What's next?") for _ in range(8)]
    with ThreadPoolExecutor(8) as pool:
        statuses = list(
            pool.map(lambda n: vote(hosts[n % 2].test_client(), tokens[n], "yes")[0], range(8))
        )
    assert statuses == [200] * 8
    with hosts[1].app_context():
        found = select(AnswerVote.yes).where(AnswerVote.question == "what's next")
        assert db.session.scalar(found) == 8


@settings(max_examples=50, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(token=st.text(max_size=300), choice=st.text(max_size=10))
def test_any_posted_vote_gets_a_clear_answer(client: FlaskClient, token: str, choice: str) -> None:
    for headers in (JSON, {}):
        response = client.post("/ask/vote", data={"token": token, "vote": choice}, headers=headers)
        assert response.status_code == 400
