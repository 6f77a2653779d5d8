"""Hostile questions: a clear page every time, never a 5xx, never their text unescaped."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from site_app.assistant.index import MAX_LENGTH

SCRIPT = "<script>alert('x')</script>"
CASES = {
    "empty": "",
    "spaces": "   ",
    "one-character": "?",
    "ten-kb": "risks " * 1707,
    "quote": '"',
    "star": "*",
    "not": "NOT",
    "not-expression": "NOT (bias OR",
    "parentheses": "((()))",
    "c++": "c++",
    "chat-bot": "chat-bot",
    "column-filter": "title:x",
    "near": "NEAR(bias risks, 2)",
    "caret": "^risks",
    "html": '<img src=x onerror="alert(1)"> risks',
    "script": SCRIPT,
    "nul": "risks\x00 of bias",
    "only-nul": "\x00\x00",
    "chinese": "基础模型有哪些风险？",
    "arabic": "ما هي مخاطر النماذج الأساسية؟",
    "emoji": "🤖 risks? 🔥🔥",
    "combining-marks": "e\u0301\u0301\u0301",
    "right-to-left-override": "\u202erisks\u202c",
    "sql": "'; DROP TABLE assistant_questions; --",
}


@pytest.mark.parametrize("question", CASES.values(), ids=CASES.keys())
def test_hostile_question_gets_a_clear_page(client: FlaskClient, question: str) -> None:
    response = client.get("/ask", query_string={"q": question})
    page = response.get_data(as_text=True)
    assert response.status_code in (200, 400)
    assert response.mimetype == "text/html"
    assert "<h1>Ask the guide</h1>" in page
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "\x00" not in page
    if len(question) > MAX_LENGTH:
        assert response.status_code == 400
        assert f"Questions can be up to {MAX_LENGTH} characters; yours has 10,241." in page
    else:
        assert response.status_code == 200


@pytest.mark.parametrize("question", CASES.values(), ids=CASES.keys())
def test_hostile_question_gets_clear_json(client: FlaskClient, question: str) -> None:
    response = client.get(
        "/ask", query_string={"q": question}, headers={"Accept": "application/json"}
    )
    data = response.get_json()
    assert response.status_code in (200, 400) and isinstance(data, dict)
    assert isinstance(data["answered"], bool) and isinstance(data["answers"], list)
    assert data["contact_url"].startswith("/contact")
    assert "\x00" not in data["question"] and len(data["question"]) <= MAX_LENGTH
    if response.status_code == 400:
        assert data["error"] and data["answered"] is False


def test_the_page_states_the_length_limit(client: FlaskClient) -> None:
    page = client.get("/ask").get_data(as_text=True)
    assert f"Up to {MAX_LENGTH} characters." in page and f'maxlength="{MAX_LENGTH}"' in page


def test_the_table_survives_sql_in_a_question(client: FlaskClient) -> None:
    client.get("/ask", query_string={"q": CASES["sql"]})
    assert client.get("/ask", query_string={"q": "zzyzx"}).status_code == 200
