"""The report by e-mail, at a real SMTP server: `flask report --send` now, and the weekly
one the senders store and send on their own, once when two hosts share a PostgreSQL
database. Counting itself is checked on PostgreSQL here too."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from email.message import EmailMessage

from flask import Flask

from site_app.extensions import db
from site_app.outbox.models import Report, utcnow
from site_app.report import mail
from site_app.visits import store
from site_app.visits.models import ViewCount
from tests.conftest import deliver
from tests.pg import PostgresCluster
from tests.smtp import SMTPServer
from tests.test_visits import BROWSER, CAMPAIGN, pixel


def parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


def test_send_mails_the_report_now(make_app: Callable[..., Flask], smtp: SMTPServer) -> None:
    app = make_app(COUNT_FLUSH_SECONDS=0.0, REPORT_TO="marketing@glissando.ai")
    client = app.test_client()
    pixel(client, "/", r="https%3A%2F%2Fduckduckgo.com%2F")
    pixel(client, f"/guide/why-do-they-matter?{CAMPAIGN}", r="")
    client.get("/ask?q=Who+built+CLIP%3F", headers={"User-Agent": BROWSER})  # handed off
    result = app.test_cli_runner().invoke(args=["report", "--send", "--days", "7"])
    assert result.exit_code == 0, result.output
    [message] = smtp.messages()
    assert message["To"] == "marketing@glissando.ai"
    assert message["Subject"].startswith("The guide, ") and "2 views, 0 leads" in message["Subject"]
    text, html = parts(message)
    assert "DuckDuckGo: 1 visit" in text and "campaign spring (news / email)" in text
    assert "Asked 1 -> answered 0" in text and '"who built clip" (1x)' in text
    # The chart: a table a screen reader reads row by row, bars drawn by widths, no images.
    assert "<caption" in html and "Views per day" in html and 'aria-hidden="true"' in html
    assert "<img" not in html and "<script" not in html
    assert f'<td align="right">{2}</td>' in html  # today's views, as text beside its bar


def test_the_weekly_report_is_mailed_once_by_two_hosts(
    make_app: Callable[..., Flask], smtp: SMTPServer, postgres: PostgresCluster
) -> None:
    url = postgres.create_database()
    hosts = [make_app(DATABASE_URL=url, COUNT_FLUSH_SECONDS=0.0) for _ in range(2)]
    pixel(hosts[0].test_client(), "/", r="")  # counting on PostgreSQL: adds up across hosts
    pixel(hosts[1].test_client(), "/", r="", agent=BROWSER + " B")
    with hosts[0].app_context():
        start = mail.period_start(utcnow(), timedelta(days=7))
        last_week = start.date() - timedelta(days=2)
        db.session.add(
            ViewCount(
                day=last_week,
                page="/",
                referrer="Google",
                utm_source="",
                utm_medium="",
                utm_campaign="",
                views=5,
                visits=5,
            )
        )
        db.session.commit()
        store.tidy(utcnow().date())  # INSERT ... SELECT ... ON CONFLICT, on PostgreSQL
        assert db.session.query(ViewCount).filter_by(day=utcnow().date()).one().views == 2
    barrier = threading.Barrier(2)

    def send(app: Flask, owner: str) -> None:
        barrier.wait()
        deliver(app, owner)

    threads = [threading.Thread(target=send, args=(h, f"host{n}")) for n, h in enumerate(hosts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    for n, host in enumerate(hosts):  # and again: the period's report is already made
        deliver(host, f"host{n}")
    [message] = smtp.messages()
    assert message["To"] == "info@glissando.ai"  # REPORT_TO unset: the sales inbox
    text, _ = parts(message)
    assert "Google: 5 visits" in text
    with hosts[0].app_context():
        [row] = db.session.query(Report).all()
        assert row.period_key == f"period:{start:%Y-%m-%dT%H:%M}" and row.status == "delivered"
        assert (row.first_day, row.last_day) == (
            start.date() - timedelta(days=7),
            start.date() - timedelta(days=1),
        )
        db.session.remove()


def test_a_quiet_week_sends_nothing(make_app: Callable[..., Flask], smtp: SMTPServer) -> None:
    app = make_app()
    assert deliver(app) == 0 and smtp.messages() == []
