"""What sales learn about a lead: its number, where it came from, the assistant's question,
and the ops commands that export or erase the data."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from site_app.extensions import db
from site_app.outbox.models import Delivery, Inquiry
from tests.conftest import GOOD, deliver, form_tokens, judge
from tests.smtp import SMTPServer

SECTION = "/guide/what-are-foundation-models"
CAMPAIGN = "/contact?utm_source=newsletter&utm_medium=email&utm_campaign=spring-2027"


def send(
    client: FlaskClient, url: str = "/contact", referrer: str | None = None, **fields: Any
) -> Any:
    headers = {"Referer": referrer} if referrer else {}
    page = client.get(url, headers=headers)
    assert page.status_code == 200
    data = {**form_tokens(page.get_data(as_text=True)), **GOOD, **fields}
    response = client.post("/contact", data=data)
    assert response.status_code == 303
    return response


def stored(app: Flask) -> list[Inquiry]:
    with app.app_context():
        found = list(db.session.scalars(select(Inquiry).order_by(Inquiry.id)))
        db.session.expunge_all()
        return found


def test_the_mail_names_the_page_the_campaign_and_the_number(
    app: Flask, client: FlaskClient, smtp: SMTPServer
) -> None:
    send(client, CAMPAIGN, referrer=f"http://localhost{SECTION}?tab=2#benefits")
    send(client, name="Grace Hopper")
    deliver(app)
    first, second = smtp.messages()
    assert first["Subject"] == "New inquiry #1: Chatbot — Ada Lovelace"
    assert second["Subject"] == "New inquiry #2: Chatbot — Grace Hopper"  # never one thread
    assert stored(app)[0].context == {
        "page": SECTION,
        "utm_source": "newsletter",
        "utm_medium": "email",
        "utm_campaign": "spring-2027",
    }
    assert stored(app)[1].context is None
    plain = first.get_body(("plain",)).get_content()
    html = first.get_body(("html",)).get_content()
    for text in (plain, html):
        assert "Where the lead came from" in text
        for value in (SECTION, "newsletter", "utm_medium", "spring-2027"):
            assert value in text
    assert "Where the lead came from" not in second.get_body(("plain",)).get_content()


def test_an_external_referrer_is_kept_as_its_host_only(app: Flask, client: FlaskClient) -> None:
    send(client, referrer="https://www.search.example.com/results?q=glissando+secret")
    assert stored(app)[0].context == {"referrer_host": "www.search.example.com"}


def test_the_assistants_question_reaches_the_mail_bounded_and_on_one_line(
    app: Flask, client: FlaskClient, smtp: SMTPServer
) -> None:
    question = "What is a foundation model?\r\nAnd can it <b>help</b> us? " + "x" * 600
    send(client, "/contact?" + _query(question=question))
    deliver(app)
    [mail] = smtp.messages()
    kept = stored(app)[0].context["question"]
    assert kept.startswith("What is a foundation model? And can it <b>help</b> us?")
    assert len(kept) == 500
    plain = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "The visitor asked the guide assistant first: What is a foundation model?" in plain
    assert "The visitor asked the guide assistant first:" in html
    assert "&lt;b&gt;help&lt;/b&gt;" in html and "<b>help</b>" not in html


def test_posted_context_is_never_trusted(app: Flask, client: FlaskClient) -> None:
    send(
        client,
        CAMPAIGN,
        utm_source="forged",
        page="/forged",
        referrer_host="forged.example.com",
        question="forged",
        context='{"page": "/forged"}',
    )
    assert "forged" not in json.dumps(stored(app)[0].context)
    assert stored(app)[0].context["utm_source"] == "newsletter"


def test_a_stamp_from_before_the_upgrade_still_sends(app: Flask, client: FlaskClient) -> None:
    from itsdangerous import URLSafeTimedSerializer

    old_stamp = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="contact-form").dumps(
        "a" * 32
    )
    tokens = form_tokens(client.get("/contact").get_data(as_text=True))
    data = {**tokens, "stamp": old_stamp, **GOOD}
    assert client.post("/contact", data=data).status_code == 303
    [inquiry] = stored(app)
    assert inquiry.token == "a" * 32 and inquiry.context is None


def test_guide_pages_stay_public_and_cookieless_with_campaign_tags(client: FlaskClient) -> None:
    response = client.get(
        SECTION + "?utm_source=newsletter", headers={"Referer": "https://x.example.com/"}
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"].startswith("public")
    assert "Set-Cookie" not in response.headers


def _query(**values: str) -> str:
    from urllib.parse import urlencode

    return urlencode(values)


HOSTILE = {
    "name": '=HYPERLINK("https://evil.example.com","Click")',
    "message": '+SUM(1,2)\nsecond line, with "quotes"',
    "email": "-2+3@example.com",
}


def test_export_csv_neutralises_formulas_and_json_keeps_values(
    app: Flask, client: FlaskClient
) -> None:
    send(client, "/contact?utm_campaign=%40cmd%7C'+%2FC+calc'!A0", **HOSTILE)
    send(client, name="Spam Bot", website="https://spam.example.com")
    send(client, name="Autofilled Person", website="https://own.example.com")
    judge(app)
    runner = app.test_cli_runner()
    assert "marked 1" in runner.invoke(args=["outbox", "mark-spam", "2"]).output
    result = runner.invoke(args=["outbox", "export", "--format", "csv"])
    assert result.exit_code == 0, result.output
    header, *rows = list(csv.reader(io.StringIO(result.output)))
    assert header[:7] == ["id", "created_at", "status", "name", "email", "service", "message"]
    row, held = rows  # spam is not a lead; a held inquiry may be one
    assert held[2:4] == ["held", "Autofilled Person"]
    record = dict(zip(header, row, strict=True))
    assert record["name"] == "'" + HOSTILE["name"]
    assert record["message"] == "'" + HOSTILE["message"]
    assert record["email"] == "'" + HOSTILE["email"]
    assert record["utm_campaign"] == "'@cmd|' /C calc'!A0"
    assert record["service"] == "Chatbot" and record["page"] == ""
    as_json = runner.invoke(args=["outbox", "export", "--format", "json"])
    entry, _ = json.loads(as_json.output)
    assert entry["name"] == HOSTILE["name"] and entry["message"] == HOSTILE["message"]
    assert entry["context"] == {"utm_campaign": "@cmd|' /C calc'!A0"}


def test_export_since_a_date(app: Flask, client: FlaskClient) -> None:
    send(client, name="Old Lead")
    send(client, name="New Lead")
    with app.app_context():
        db.session.execute(
            update(Inquiry)
            .where(Inquiry.name == "Old Lead")
            .values(created_at=datetime(2026, 1, 1, 9))
        )
        db.session.commit()
    result = app.test_cli_runner().invoke(
        args=["outbox", "export", "--format", "json", "--since", "2026-06-01"]
    )
    assert [entry["name"] for entry in json.loads(result.output)] == ["New Lead"]


def test_forget_erases_a_persons_inquiries_in_every_state(make_app: Any, smtp: SMTPServer) -> None:
    app = make_app(WEBHOOK_URL="http://127.0.0.1:9/hook", WEBHOOK_SECRET="whsec_" + "A" * 32)
    client = app.test_client()
    send(client)
    deliver(app)  # delivered by mail, its webhook still pending
    send(client, email="ADA@Example.com")  # pending
    send(client, name="Grace Hopper", email="grace@example.com")
    judge(app)  # a lead gets its webhook delivery once judged
    runner = app.test_cli_runner()
    result = runner.invoke(args=["outbox", "forget", "--email", "ada@example.com"])
    assert result.exit_code == 0
    assert result.output.strip() == "forgot 2 inquiries from ada@example.com"
    assert [i.email for i in stored(app)] == ["grace@example.com"]
    with app.app_context():
        assert [d.inquiry_id for d in db.session.scalars(select(Delivery))] == [3]
    again = runner.invoke(args=["outbox", "forget", "--email", "ada@example.com"])
    assert again.output.strip() == "forgot 0 inquiries from ada@example.com"


def test_status_and_list_show_each_destination(
    make_app: Any, smtp: SMTPServer, tmp_path: Path
) -> None:
    app = make_app(WEBHOOK_URL="http://127.0.0.1:9/hook", WEBHOOK_SECRET="whsec_" + "A" * 32)
    send(app.test_client())
    deliver(app)
    from tests.test_webhooks import post_webhooks

    assert post_webhooks(app) == 0  # nothing listens on port 9
    runner = app.test_cli_runner()
    status = runner.invoke(args=["outbox", "status"]).output
    assert "delivered  1" in status
    assert "webhook pending    1" in status
    assert "webhook last error: connection refused by the receiver" in status
    listed = runner.invoke(args=["outbox", "list"]).output
    assert "delivered" in listed
    assert "| webhook: pending tries=1, connection refused by the receiver" in listed
    with app.app_context():
        db.session.execute(update(Delivery).values(status="failed"))
        db.session.commit()
    retried = runner.invoke(args=["outbox", "retry", "--failed"]).output
    assert retried == "queued 0 inquiries\nqueued 1 webhook deliveries\n"
    # No webhook configured and none stored: no webhook lines.
    plain = make_app(DATABASE_URL=f"sqlite:///{tmp_path / 'plain.db'}")
    assert "webhook" not in plain.test_cli_runner().invoke(args=["outbox", "status"]).output


def test_purge_takes_the_deliveries_of_purged_inquiries_along(
    make_app: Any, smtp: SMTPServer
) -> None:
    app = make_app(WEBHOOK_URL="http://127.0.0.1:9/hook", WEBHOOK_SECRET="whsec_" + "A" * 32)
    send(app.test_client())
    send(app.test_client(), name="Grace Hopper")
    deliver(app)
    with app.app_context():
        db.session.execute(
            update(Inquiry).where(Inquiry.id == 1).values(created_at=datetime(2026, 1, 1, 9))
        )
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["outbox", "purge", "--older-than", "90d"])
    assert "purged 1 delivered, held or spam inquiries" in result.output
    with app.app_context():
        assert [d.inquiry_id for d in db.session.scalars(select(Delivery))] == [2]
