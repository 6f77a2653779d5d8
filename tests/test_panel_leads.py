"""The conversation travels with the lead: the chat panel's questions in the signed stamp,
both parts of the e-mail, the stored context, the export, the webhook and the funnel."""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import urlencode

from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prometheus_client import REGISTRY

from site_app.contact import context as lead_context
from site_app.webhooks import payload
from tests.conftest import GOOD, deliver, form_tokens
from tests.smtp import SMTPServer
from tests.test_leads import send, stored

ASKED = [
    "What are the risks?",
    "What's next?",
    "What are your prices?",
    "Can you build a chatbot <for us>?",
    "How long does it take?",
    "Do you sign an NDA?",
]
PANEL_URL = "/contact?" + urlencode([("via", "panel"), *(("asked", q) for q in ASKED)])


def funnel(step: str) -> float:
    return REGISTRY.get_sample_value("glissando_assistant_funnel_total", {"step": step}) or 0.0


def test_the_last_five_questions_reach_both_parts_of_the_mail(
    app: Flask, client: FlaskClient, smtp: SMTPServer
) -> None:
    opened, sent = funnel("form_opened"), funnel("inquiry_sent")
    send(client, PANEL_URL)
    send(client)  # the page's own form: not counted as the panel's
    assert (funnel("form_opened"), funnel("inquiry_sent")) == (opened + 1, sent + 1)
    deliver(app)
    first, second = smtp.messages()
    inquiry = stored(app)[0]
    assert inquiry.context == {"questions": ASKED[-5:], "via": "panel"}
    plain = first.get_body(("plain",)).get_content()
    html = first.get_body(("html",)).get_content()
    assert "Sent from the chat panel. Asked in the chat panel, oldest first:" in plain
    assert "1. What's next?\r\n2. What are your prices?" in plain and ASKED[0] not in plain
    assert "<li>Can you build a chatbot &lt;for us&gt;?</li>" in html
    assert "chat panel" not in second.get_body(("plain",)).get_content()
    body = json.loads(payload.standard(inquiry))
    assert body["context"]["questions"] == ASKED[-5:]
    slack = json.loads(payload.slack(inquiry))["text"]
    assert "Asked in the chat panel: What's next? | What are your prices? |" in slack
    assert "&lt;for us&gt;" in slack


def test_the_export_carries_the_questions(app: Flask, client: FlaskClient) -> None:
    send(client, "/contact?" + urlencode([("via", "panel"), ("asked", "=SUM(A1)"), ("asked", "b")]))
    runner = app.test_cli_runner()
    rows = list(csv.DictReader(io.StringIO(runner.invoke(args=["outbox", "export"]).output)))
    assert rows[0]["questions"] == "'=SUM(A1)\nb" and rows[0]["via"] == "panel"
    as_json = json.loads(runner.invoke(args=["outbox", "export", "--format", "json"]).output)
    assert as_json[0]["context"]["questions"] == ["=SUM(A1)", "b"]


def test_posted_questions_are_never_trusted(app: Flask, client: FlaskClient) -> None:
    send(client, "/contact", questions="forged", asked="forged", via="panel")
    assert stored(app)[0].context is None


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(st.text(), st.integers(), st.none()), max_size=12), st.text())
def test_any_conversation_is_bounded(questions: list[object], via: str) -> None:
    kept = lead_context.bounded({"questions": questions, "via": via})
    asked = kept.get("questions", [])
    assert isinstance(asked, list) and len(asked) <= lead_context.QUESTIONS_KEPT
    for question in asked:
        assert 0 < len(question) <= lead_context.QUESTION_MAX
        assert "\n" not in question and "\r" not in question
    assert kept.get("via") in (None, "panel")


def test_an_expired_session_keeps_the_conversation(
    app: Flask, client: FlaskClient, smtp: SMTPServer
) -> None:
    page = client.get(PANEL_URL).get_data(as_text=True)
    stranger = app.test_client()  # the session cookie is gone, as after a browser restart
    data = {**form_tokens(page), **GOOD}
    response = stranger.post("/contact", data=data)
    assert response.status_code == 400
    again = stranger.post("/contact", data={**data, **form_tokens(response.text)})
    assert again.status_code == 303
    assert stored(app)[0].context == {"questions": ASKED[-5:], "via": "panel"}
