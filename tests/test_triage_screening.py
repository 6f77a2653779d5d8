"""Triage runs in the sender, not in POST /contact: an inquiry is stored unjudged, judged
once by whichever sender claims it, and mailed as a lead should its judging fail."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import event, select, update

from site_app import triage
from site_app.extensions import db
from site_app.outbox import leases, screening
from site_app.outbox.models import DELIVERED, HELD, PENDING, Inquiry, utcnow
from tests.conftest import deliver, judge, submit
from tests.smtp import SMTPServer
from tests.test_metrics import sample
from tests.test_triage_flow import AUTOFILL
from tests.test_triage_hosts import at_once
from tests.wire import text_of


def rows(app: Flask) -> list[Inquiry]:
    with app.app_context():
        return list(db.session.scalars(select(Inquiry).order_by(Inquiry.id)))


def test_the_post_stores_what_the_request_knew_and_the_sender_judges_it(
    app: Flask, smtp: SMTPServer
) -> None:
    client = app.test_client()
    assert submit(client, **AUTOFILL).status_code == 303
    assert submit(client, name="Ada", email="ada@example.com").status_code == 303
    held, lead = rows(app)
    assert (held.status, lead.status) == (PENDING, PENDING)
    assert held.unjudged and held.unjudged["honeypot"] is True and held.reasons is None
    assert lead.unjudged and lead.unjudged["honeypot"] is False
    assert deliver(app) == 1  # the pass judges both, then mails the lead only
    held, lead = rows(app)
    assert (held.status, lead.status) == (HELD, DELIVERED)
    assert held.unjudged is None and held.reasons and held.text_fingerprint
    assert lead.unjudged is None and lead.text_fingerprint
    [mail] = smtp.messages()
    assert "Ada" in text_of(mail)


def test_two_senders_judge_each_inquiry_once(make_app: Callable[..., Flask]) -> None:
    app = make_app()
    for n in range(12):
        submit(app.test_client(), name=f"Visitor {n}", email=f"v{n}@example.com")
    before = sample("glissando_triage_verdicts_total", outcome="lead")
    judged = at_once([lambda n=n: judge(app, f"sender-{n}") for n in range(4)])
    assert sum(judged) == 12
    assert sample("glissando_triage_verdicts_total", outcome="lead") == before + 12
    assert all(row.unjudged is None and row.lease_owner is None for row in rows(app))


def test_an_inquiry_judged_by_another_sender_while_this_one_claims_is_not_leased(
    app: Flask,
) -> None:
    """Two senders select the same unjudged rows; the other judges and releases one before
    this one's claim: the claim must not lease a judged inquiry (its lead would wait out
    the lease before the mail loop could take it)."""
    submit(app.test_client(), name="Ada", email="ada@example.com")
    [row] = rows(app)
    done: list[bool] = []

    def other_sender_judges(conn, cursor, statement, parameters, context, many) -> None:  # type: ignore[no-untyped-def]
        if not done and statement.lstrip().upper().startswith("SELECT INQUIRIES.ID"):
            done.append(True)  # right after this sender's select of the ids
            conn.exec_driver_sql("UPDATE inquiries SET unjudged = NULL WHERE id = ?", (row.id,))

    with app.app_context():
        event.listen(db.engine, "after_cursor_execute", other_sender_judges)
        try:
            unjudged = Inquiry.unjudged.is_not(None)
            claimed = leases.claim(Inquiry, select(Inquiry), "this", 10, 60, unjudged)
        finally:
            event.remove(db.engine, "after_cursor_execute", other_sender_judges)
    assert done and claimed == []
    [after] = rows(app)
    assert after.unjudged is None and after.lease_owner is None


def test_a_sender_that_dies_while_judging_leaves_the_inquiry_to_another(
    app: Flask, smtp: SMTPServer
) -> None:
    submit(app.test_client(), **AUTOFILL)
    with app.app_context():  # a sender claims it to judge, then dies
        unjudged = Inquiry.unjudged.is_not(None)
        [(claimed,)] = leases.claim(Inquiry, select(Inquiry), "dead", 10, 60, unjudged)
    assert judge(app) == 0 and deliver(app) == 0  # its lease stands: nobody judges or mails it
    with app.app_context():
        db.session.execute(update(Inquiry).values(lease_until=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    assert judge(app) == 1
    [row] = rows(app)
    assert row.status == HELD and row.lease_owner is None
    with app.app_context():
        assert (
            screening._judge(claimed, keep_lease=False) is None
        )  # the dead sender's late verdict changes nothing


def test_an_inquiry_triage_fails_on_is_mailed_as_a_lead_and_said_so(
    app: Flask, smtp: SMTPServer, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(submission: triage.Submission) -> None:
        raise RuntimeError("a bug in a signal")

    submit(app.test_client(), **AUTOFILL)  # would be held
    errors = sample("glissando_triage_verdicts_total", outcome="error")
    monkeypatch.setattr(screening, "decide", broken)
    assert deliver(app) == 1
    [row] = rows(app)
    assert row.status == DELIVERED and row.reasons == [screening.NOT_JUDGED]
    assert sample("glissando_triage_verdicts_total", outcome="error") == errors + 1
    assert "triage failed; mailed as a lead" in caplog.text
    [mail] = smtp.messages()
    assert "Grace Hopper" in text_of(mail)
