"""Counting views without cookies: what the pixel counts and what it leaves out, what is
stored (no address, no user agent), visitors per day, and that counting never fails a page.
The page's own request as a view (COUNT_BY=page): tests/test_visits_pages.py."""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from site_app.extensions import db
from site_app.outbox.models import utcnow
from site_app.report import figures
from site_app.visits import store
from site_app.visits.models import ViewCount, VisitorCount, VisitorMark, VisitorSalt
from tests.conftest import GOOD, form_tokens

BROWSER = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0 Safari/537.36"
)
ADDRESS = "203.0.113.77"
SECTION = "/guide/why-do-they-matter"
CAMPAIGN = "utm_source=news&utm_medium=email&utm_campaign=spring"


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app(COUNT_FLUSH_SECONDS=0.0)  # written before the answer


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def pixel(
    client: FlaskClient, page: str, r: str | None = None, agent: str = BROWSER, **headers: str
) -> Any:
    """The pixel as a page loads it: with ``r`` from count.js, without from <noscript>."""
    url = "/v.gif" if r is None else f"/v.gif?r={r}"
    sent = {"User-Agent": agent, "Referer": f"http://localhost{page}", **headers}
    response = client.get(url, headers=sent, environ_base={"REMOTE_ADDR": ADDRESS})
    assert (response.status_code, response.mimetype) == (200, "image/gif")
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"
    return response


def report(app: Flask) -> dict[str, Any]:
    with app.app_context():
        today = utcnow().date()
        return figures.build(today, today)


def page_counts(shown: dict[str, Any]) -> dict[str, tuple[int, int]]:
    return {p["path"]: (p["views"], p["visitors"]) for p in shown["pages"] if p["views"]}


@pytest.mark.parametrize("by", ["page", "pixel"])
def test_counted_pages_carry_the_pixel_and_others_do_not(
    make_app: Callable[..., Flask], by: str
) -> None:
    """By page, the script loads the pixel only for a view the server did not see, and a page
    without JavaScript needs none; by pixel, every view loads it, with or without the script."""
    client = make_app(COUNT_BY=by).test_client()
    for path in ("/", SECTION, "/ask?q=What+is+CLIP%3F", "/contact"):
        body = client.get(path).get_data(as_text=True)
        noscript = '<noscript><img class="counter" src="/v.gif"' in body
        assert noscript == (by == "pixel"), path
        assert f'data-pixel="/v.gif" data-by="{by}"' in body, path
    for path, status in (
        ("/guide/nope", 404),
        ("/contact/thanks", 200),
        ("/ask?q=" + "x" * 301, 400),
    ):
        response = client.get(path)
        assert response.status_code == status
        assert "/v.gif" not in response.get_data(as_text=True), path
    for path in ("/", SECTION, "/ask?q=CLIP", "/v.gif"):
        assert "Set-Cookie" not in client.get(path).headers, path


def test_views_sources_and_campaigns_are_what_the_pixel_was_told(
    app: Flask, client: FlaskClient
) -> None:
    pixel(client, "/", r="https%3A%2F%2Fwww.google.co.uk%2F")  # from Google, script on
    pixel(client, SECTION, r="http%3A%2F%2Flocalhost%2F")  # then a section: internal
    pixel(client, f"{SECTION}?{CAMPAIGN}", r="")  # a newsletter, from a mail app
    pixel(client, SECTION, agent=BROWSER + " B")  # script off: referrer unknown
    pixel(client, "/", r="https%3A%2F%2Fnews.ycombinator.com%2Fitem")
    pixel(client, "/", r="https%3A%2F%2Fmail.google.com%2F")  # Gmail is not Google search
    shown = report(app)
    assert page_counts(shown) == {"/": (3, 1), SECTION: (3, 2)}
    assert [(s["referrer"], s["utm_campaign"], s["visits"]) for s in shown["sources"]] == [
        ("(direct)", "spring", 1),
        ("Google", None, 1),
        ("google.com", None, 1),
        ("ycombinator.com", None, 1),
    ]
    assert shown["days"] == [
        {"date": utcnow().date().isoformat(), "views": 6, "visitors": 2, "inquiries": 0}
    ]


@pytest.mark.parametrize(
    "agent, headers",
    [
        ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", {}),
        ("curl/8.5.0", {}),
        ("python-requests/2.32.3", {}),
        (BROWSER.replace("Chrome/", "HeadlessChrome/"), {}),
        ("", {}),
        (BROWSER, {"Sec-Purpose": "prefetch"}),
        (BROWSER, {"Sec-Purpose": "prefetch;prerender"}),
        (BROWSER, {"Purpose": "prefetch"}),
    ],
)
def test_machines_and_prefetches_are_not_counted(
    app: Flask, client: FlaskClient, agent: str, headers: dict[str, str]
) -> None:
    pixel(client, "/", r="", agent=agent, **headers)
    client.get("/ask?q=CLIP", headers={"User-Agent": agent, **headers})
    shown = report(app)
    assert page_counts(shown) == {} and shown["assistant"]["asked"] == 0


def test_head_other_sites_and_other_pages_are_not_counted(app: Flask, client: FlaskClient) -> None:
    assert (
        client.head(
            "/v.gif", headers={"User-Agent": BROWSER, "Referer": "http://localhost/"}
        ).status_code
        == 200
    )
    pixel(client, "/contact/thanks")
    pixel(client, "/guide/nope")
    client.get("/v.gif", headers={"User-Agent": BROWSER, "Referer": "https://elsewhere.example/"})
    client.get("/v.gif", headers={"User-Agent": BROWSER})  # no Referer at all
    assert page_counts(report(app)) == {}


def test_no_address_or_user_agent_is_stored(
    app: Flask, client: FlaskClient, tmp_path: Path
) -> None:
    pixel(client, "/", r="")
    pixel(client, f"{SECTION}?{CAMPAIGN}", r="https%3A%2F%2Fwww.bing.com%2F")
    dump = "\n".join(sqlite3.connect(tmp_path / "site.db").iterdump())
    assert 'INSERT INTO "view_counts"' in dump
    for secret in (ADDRESS, "203.0.113", "Chrome/131", "X11; Linux"):
        assert secret not in dump


def test_a_visitor_is_one_per_day_and_the_hashes_fold_into_counts(
    app: Flask, client: FlaskClient
) -> None:
    for page in ("/", SECTION, "/"):
        pixel(client, page, r="")
    pixel(client, "/", r="", agent=BROWSER + " other")
    today = utcnow().date()
    old = today - timedelta(days=3)
    with app.app_context():
        db.session.add_all(
            [VisitorMark(day=old, page="", visitor=f"{n:016x}") for n in range(4)]
            + [VisitorSalt(day=old, salt="00" * 32)]
        )
        db.session.commit()
        store.tidy(today)
        folded = [(c.day, c.page, c.visitors) for c in db.session.query(VisitorCount)]
        assert folded == [(old, "", 4)]
        assert {m.day for m in db.session.query(VisitorMark)} == {today}  # the old hashes went
        assert [s.day for s in db.session.query(VisitorSalt)] == [today]  # and the old salt
        assert figures.build(old, today)["days"][0]["visitors"] == 4
    assert page_counts(report(app)) == {"/": (3, 2), SECTION: (1, 1)}


def test_an_inquiry_counts_for_its_page_and_its_campaign(app: Flask, client: FlaskClient) -> None:
    landing = f"http://localhost{SECTION}?{CAMPAIGN}"
    pixel(client, f"{SECTION}?{CAMPAIGN}", r="https%3A%2F%2Fl.facebook.com%2F")
    page = client.get("/contact", headers={"Referer": landing})
    data = {**form_tokens(page.get_data(as_text=True)), **GOOD}
    assert client.post("/contact", data=data).status_code == 303
    shown = report(app)
    assert {p["path"]: p["inquiries"] for p in shown["pages"] if p["inquiries"]} == {SECTION: 1}
    assert [
        (s["referrer"], s["utm_campaign"], s["visits"], s["inquiries"]) for s in shown["sources"]
    ] == [("facebook.com", "spring", 1, 1)]
    assert shown["days"][0]["inquiries"] == 1 and shown["inquiries"]["queued"] == 1


def test_counting_never_fails_a_page(app: Flask, client: FlaskClient) -> None:
    said: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: said.append(record.getMessage())  # type: ignore[method-assign]
    logging.getLogger("site_app.visits.tally").addHandler(handler)
    with app.app_context():
        db.session.execute(ViewCount.__table__.delete())
        db.session.commit()
        ViewCount.__table__.drop(db.engine)  # the database no longer takes counts
    assert client.get("/").status_code == 200
    navigation = {"User-Agent": BROWSER, "Sec-Fetch-Dest": "document"}
    for path in ("/", SECTION, f"{SECTION}?{CAMPAIGN}"):  # views counted by the page itself
        assert client.get(path, headers=navigation).status_code == 200
    pixel(client, "/", r="")
    pixel(client, "/", r="")
    assert client.get("/ask?q=CLIP", headers={"User-Agent": BROWSER}).status_code == 200
    logging.getLogger("site_app.visits.tally").removeHandler(handler)
    assert sum("counts could not be written" in line for line in said) == 1  # once an outage


def test_counts_are_kept_13_months_then_purged(app: Flask) -> None:
    assert store.cutoff(date(2026, 12, 6)) == date(2025, 11, 6)
    assert store.cutoff(date(2026, 3, 31)) == date(2025, 2, 28)
    today = utcnow().date()
    first = store.cutoff(today)
    with app.app_context():
        for day in (first - timedelta(days=1), first):
            db.session.add(
                ViewCount(
                    day=day,
                    page="/",
                    referrer="(direct)",
                    utm_source="",
                    utm_medium="",
                    utm_campaign="",
                    views=1,
                    visits=1,
                )
            )
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["outbox", "purge", "--older-than", "90d"])
    assert "forgot 1 page counts older than 13 months" in result.output, result.output
    with app.app_context():
        assert [c.day for c in db.session.query(ViewCount)] == [first]


def test_the_json_is_the_report(app: Flask, client: FlaskClient) -> None:
    pixel(client, f"/?{CAMPAIGN}", r="")
    result = app.test_cli_runner().invoke(args=["report", "--json", "--days", "1"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == report(app)
    text = app.test_cli_runner().invoke(args=["report"]).output
    assert "Views per day" in text and "(direct), campaign spring (news / email): 1 visit" in text


def test_a_busy_intervals_visitors_are_written_in_batches(make_app: Callable[..., Flask]) -> None:
    """More visitors between two flushes than one statement writes: every one is counted."""
    app = make_app(COUNT_BY="pixel", COUNT_FLUSH_SECONDS=3600.0)  # written at the flush below
    client = app.test_client()
    readers = 2 * store.BATCH + 50
    for n in range(readers):
        pixel(client, SECTION, r="", agent=BROWSER.replace("Chrome/131.0", f"Chrome/131.0.{n}"))
    app.extensions["visits"].flush()
    with app.app_context():
        assert db.session.query(VisitorMark).count() == 2 * readers  # the page and the site
    assert page_counts(report(app)) == {SECTION: (readers, readers)}
