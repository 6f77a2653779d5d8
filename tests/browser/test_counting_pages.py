"""Counting in Chromium straight from gunicorn (COUNT_BY=page, the default): each view is its
page's own request, JavaScript on or off; a page the browser shows from its own cache is
counted once by the script's pixel; the chat panel's requests, machines and HEAD are left
out; the report's JSON equals what the visitors did."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from playwright.sync_api import Browser

from tests.browser.pages import running_site
from tests.browser.test_counting import (
    CAMPAIGN,
    CHROME,
    SECTION,
    ask_about_risks,
    person,
    report,
)
from tests.servers import Gunicorn
from tests.smtp import SMTPServer

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Gunicorn, Path]]:
    folder = tmp_path_factory.mktemp("counted-by-page")
    with (
        SMTPServer() as relay,
        running_site(
            folder, relay.port, "browser-counting-pages.log", COUNT_FLUSH_SECONDS="0.1"
        ) as server,
    ):
        yield server, folder


def test_each_view_is_counted_once_from_its_own_request(
    browser: Browser, site: tuple[Gunicorn, Path]
) -> None:
    server, folder = site
    url = server.url
    pixels: list[str] = []
    # A: from Google, script on: home, a section, then home again by its link.
    a = person(browser, 11)
    page = a.new_page()
    page.on("request", lambda r: pixels.append(r.url) if "/v.gif" in r.url else None)
    page.goto(f"{url}/", referer="https://www.google.com/")
    page.locator(f"main a[href='{SECTION}']").first.click()
    page.wait_for_url(f"{url}{SECTION}")
    page.locator("a[href='/']").first.click()
    page.wait_for_url(f"{url}/")
    page.wait_for_load_state("load")
    ask_about_risks(page)
    assert a.cookies() == []
    # B: script off, from a newsletter: the section, then home.
    b = person(browser, 12, js=False)
    page = b.new_page()
    page.on("request", lambda r: pixels.append(r.url) if "/v.gif" in r.url else None)
    page.goto(f"{url}{SECTION}?{CAMPAIGN}")
    page.locator("a[href='/']").first.click()
    page.wait_for_url(f"{url}/")
    assert b.cookies() == []
    # Machines: headless Chromium as it is, a crawler, a HEAD.
    d = person(browser, 13, agent=browser.new_page().evaluate("navigator.userAgent"))
    d.new_page().goto(f"{url}/")
    bot = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
    requests.get(f"{url}/", headers={"User-Agent": bot}, timeout=10)
    requests.head(f"{url}/", headers={"User-Agent": CHROME}, timeout=10)

    deadline = time.monotonic() + 15
    while (shown := report(folder))["days"][0]["views"] < 5 and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(0.5)  # nothing more arrives
    shown = report(folder)
    assert {p["path"]: (p["views"], p["visitors"]) for p in shown["pages"] if p["views"]} == {
        "/": (3, 2),  # A twice (the second from the browser's cache), B once
        SECTION: (2, 2),  # A, B
    }
    assert [
        (s["referrer"], s["utm_source"], s["utm_campaign"], s["visits"]) for s in shown["sources"]
    ] == [("(direct)", "news", "spring", 1), ("Google", None, None, 1)]
    assistant = shown["assistant"]
    assert (assistant["asked"], assistant["answered"], assistant["handed_off"]) == (1, 1, 0)
    # Only a view the server did not see loads the pixel: A's second home page, which
    # Chromium shows from its cache (the page is fresh for PAGE_MAX_AGE).
    came_from = "?r=" + quote(f"{url}{SECTION}", safe="")
    assert len(pixels) == 1 and pixels[0].endswith(came_from), pixels
    for context in (a, b, d):
        context.close()
