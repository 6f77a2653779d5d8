"""A view counted from the page's own request (COUNT_BY=page, the default): a browser's
navigation to a counted page, answered by Flask or the page cache, 200 or 304; never a
background fetch, an error page, a machine, a prefetch or HEAD; nothing by pixel mode."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.test_visits import ADDRESS, BROWSER, CAMPAIGN, SECTION, page_counts, pixel, report

NAVIGATION = {"User-Agent": BROWSER, "Sec-Fetch-Dest": "document", "Sec-Fetch-Mode": "navigate"}


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app(COUNT_FLUSH_SECONDS=0.0)  # written before the answer, as tests/test_visits


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    client: FlaskClient = app.test_client()
    return client


def visit(client: FlaskClient, path: str, status: int = 200, **headers: str) -> Any:
    sent = {**NAVIGATION, **headers}
    response = client.get(path, headers=sent, environ_base={"REMOTE_ADDR": ADDRESS})
    assert response.status_code == status, path
    assert "Set-Cookie" not in response.headers or path == "/contact"
    return response


def test_a_page_request_is_a_view_with_its_source_and_campaign(
    app: Flask, client: FlaskClient
) -> None:
    visit(client, "/", Referer="https://www.google.co.uk/")  # from Google: Flask answers
    visit(client, "/", Referer="https://news.ycombinator.com/item")  # from the page cache
    visit(client, f"{SECTION}?{CAMPAIGN}")  # a newsletter link, from a mail app
    etag = visit(client, SECTION, Referer="http://localhost/").headers["ETag"]
    visit(client, SECTION, 304, **{"If-None-Match": etag, "Referer": "http://localhost/"})
    visit(client, "/ask?q=What+is+CLIP%3F", Referer="http://localhost/ask")  # script off
    visit(client, "/contact", Referer=f"http://localhost{SECTION}?{CAMPAIGN}")
    shown = report(app)
    assert page_counts(shown) == {"/": (2, 1), SECTION: (3, 1), "/ask": (1, 1), "/contact": (1, 1)}
    assert [(s["referrer"], s["utm_campaign"], s["visits"]) for s in shown["sources"]] == [
        ("(direct)", "spring", 1),
        ("Google", None, 1),
        ("ycombinator.com", None, 1),
    ]


def test_an_old_browser_without_fetch_metadata_is_counted_by_its_navigation_headers(
    app: Flask, client: FlaskClient
) -> None:
    old = {"User-Agent": BROWSER, "Accept": "text/html,*/*;q=0.8"}
    client.get("/", headers={**old, "Upgrade-Insecure-Requests": "1"})
    client.get(SECTION, headers=old)  # a tool with a browser's name: no navigation headers
    client.get(SECTION, headers={"User-Agent": BROWSER})
    assert page_counts(report(app)) == {"/": (1, 1)}


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Dest": "empty", "Sec-Fetch-Mode": "cors"},  # the panel's fetch of /contact
        {"Sec-Fetch-Dest": "iframe"},
        {"Sec-Fetch-Dest": "image"},
        {"Sec-Purpose": "prefetch"},
        {"Sec-Purpose": "prefetch;prerender"},
        {"User-Agent": "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"},
        {"User-Agent": BROWSER.replace("Chrome/", "HeadlessChrome/")},
        {"User-Agent": "curl/8.5.0"},
    ],
)
def test_background_requests_machines_and_prefetches_are_not_views(
    app: Flask, client: FlaskClient, headers: dict[str, str]
) -> None:
    for path in ("/", SECTION, "/contact", "/ask?q=CLIP"):
        visit(client, path, **headers)
    assert page_counts(report(app)) == {}


def test_head_error_pages_and_other_paths_are_not_views(app: Flask, client: FlaskClient) -> None:
    assert client.head("/", headers=NAVIGATION).status_code == 200
    visit(client, "/guide/nope", 404)
    visit(client, "/ask?q=" + "x" * 301, 400)
    visit(client, "/contact/thanks")
    visit(client, "/healthz")
    assert client.post("/contact", headers=NAVIGATION, data={}).status_code == 400
    assert page_counts(report(app)) == {}


def test_a_view_the_server_did_not_see_comes_by_the_pixel(app: Flask, client: FlaskClient) -> None:
    """count.js loads the pixel only then (a prerender shown, the browser's cache): it adds to
    the views counted from requests, and the pixel still leaves out what it always did."""
    visit(client, SECTION, Referer="https://www.bing.com/")
    pixel(client, SECTION, r="http%3A%2F%2Flocalhost%2F")  # reopened from the browser's cache
    pixel(client, SECTION, r="", agent="curl/8.5.0")
    assert page_counts(report(app)) == {SECTION: (2, 1)}


def test_by_pixel_a_page_request_is_never_a_view(make_app: Callable[..., Flask]) -> None:
    app = make_app(COUNT_FLUSH_SECONDS=0.0, COUNT_BY="pixel")
    client = app.test_client()
    for _ in range(2):
        visit(client, SECTION, Referer="https://www.google.com/")
    assert page_counts(report(app)) == {}
    pixel(client, SECTION, r="https%3A%2F%2Fwww.google.com%2F")
    assert page_counts(report(app)) == {SECTION: (1, 1)}


HEADER_TEXT = st.text(st.characters(min_codepoint=32, max_codepoint=0x2FF), max_size=300)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(referer=HEADER_TEXT, query=HEADER_TEXT, agent=HEADER_TEXT)
def test_whatever_a_request_carries_the_page_is_answered_and_counted_at_most_once(
    app: Flask, referer: str, query: str, agent: str
) -> None:
    client = app.test_client()
    before = report(app)["days"][0]["views"] if report(app)["days"] else 0
    raw = {"User-Agent": agent, "Referer": referer}  # bytes as a client may send them
    headers = {**NAVIGATION, **{k: v.encode().decode("latin-1") for k, v in raw.items()}}
    response = client.get(SECTION, query_string={"utm_source": query, "x": query}, headers=headers)
    assert response.status_code == 200
    after = report(app)["days"][0]["views"] if report(app)["days"] else 0
    assert after - before in (0, 1)
