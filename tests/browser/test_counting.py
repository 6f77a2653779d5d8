"""Counting in Chromium through nginx's cache (COUNT_BY=pixel): JavaScript on and off, a
campaign, a search engine, the chat panel and an inquiry; the machines that come with them
left out; the report's JSON equal to what the visitors did; no cookie on a guide page."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import fill_form
from tests.browser.pages import running_site
from tests.browser.test_assistant import ask_panel, open_panel
from tests.nginx import Nginx
from tests.servers import ROOT
from tests.smtp import SMTPServer

pytestmark = pytest.mark.browser
CHROME = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
SECTION = "/guide/why-do-they-matter"
FIRST = "/guide/what-are-foundation-models"
CAMPAIGN = "utm_source=news&utm_medium=email&utm_campaign=spring"


@pytest.fixture(scope="module")
def proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Nginx, Path]]:
    folder = tmp_path_factory.mktemp("counted")
    nginx = Nginx(["127.0.0.1:1"])  # its port is known before the site's: swapped below
    with (
        SMTPServer() as relay,
        running_site(
            folder,
            relay.port,
            "browser-counting.log",
            COUNT_FLUSH_SECONDS="0.1",
            COUNT_BY="pixel",  # nginx's cache answers pages without asking the site
            PROXY_FIX_X_FOR="1",
            PROXY_FIX_X_PROTO="1",
            SITE_URL=nginx.url,
        ) as site,
    ):
        nginx.config.write_text(
            nginx.config.read_text().replace("127.0.0.1:1 ", f"127.0.0.1:{site.port} ")
        )
        with nginx:
            yield nginx, folder


def person(browser: Browser, n: int, js: bool = True, agent: str | None = None) -> BrowserContext:
    """A visitor of their own: a browser of their own (a visitor is address and browser)."""
    return browser.new_context(
        user_agent=agent or CHROME.replace("131.0.0.0", f"131.0.0.{n}"),
        java_script_enabled=js,
        ignore_https_errors=True,
    )


def counted(page: Page, action: Any) -> Any:
    """Do ``action`` and wait for the pixel it makes the page load."""
    with page.expect_response(lambda r: "/v.gif" in r.url) as pixel:
        result = action()
    assert pixel.value.status == 200
    return result


def ask_about_risks(page: Page) -> None:
    """The chat panel in use: opened, asked, answered (its requests are events, not views)."""
    open_panel(page)
    ask_panel(page, "What are the risks?")
    expect(
        page.get_by_role("dialog").get_by_role("link", name="Challenges and Concerns")
    ).to_be_visible()


def report(folder: Path) -> dict[str, Any]:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{folder / 'site.db'}", "APP_ENV": "testing"}
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "report", "--json", "--days", "1"]
    out = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    shown: dict[str, Any] = json.loads(out.stdout)
    return shown


def test_counts_equal_what_the_visitors_did(browser: Browser, proxy: tuple[Nginx, Path]) -> None:
    nginx, folder = proxy
    url = nginx.url
    # A: from a newsletter (no referrer), script on; reads the section, then writes to sales.
    a = person(browser, 1)
    page = a.new_page()
    counted(page, lambda: page.goto(f"{url}{SECTION}?{CAMPAIGN}"))
    counted(page, lambda: page.get_by_role("link", name="Contact sales").first.click())
    fill_form(page, "Ada Lovelace", "ada@example.com", "Chatbot", "A chatbot for our support desk.")
    with page.expect_navigation():
        page.get_by_role("button", name="Send").click()
    expect(page).to_have_url(f"{url}/contact/thanks")
    assert [c["name"] for c in a.cookies()] == ["session"]  # the form's CSRF session only
    # B: from Google, script on; opens the first section, asks the Chatbot there.
    b = person(browser, 2)
    page = b.new_page()
    counted(page, lambda: page.goto(f"{url}/", referer="https://www.google.com/"))
    counted(page, lambda: page.locator(f"main a[href='{FIRST}']").first.click())
    ask_about_risks(page)
    assert b.cookies() == []
    # C: script off; home, then the section twice, the second time from nginx's cache.
    c = person(browser, 3, js=False)
    page = c.new_page()
    for path in ("/", SECTION, SECTION):
        response = counted(page, lambda p=path: page.goto(f"{url}{p}"))
    assert response.headers["x-cache-status"] == "HIT"
    assert c.cookies() == []
    # Machines: headless Chromium as it is, a crawler, a prefetch, a HEAD.
    d = person(browser, 4, agent=browser.new_page().evaluate("navigator.userAgent"))
    page = d.new_page()
    counted(page, lambda: page.goto(f"{url}/"))
    pixel = {"Referer": f"{url}/"}
    for headers in (
        {"User-Agent": "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"},
        {"User-Agent": CHROME, "Sec-Purpose": "prefetch"},
    ):
        requests.get(
            f"{url}/v.gif?r=", headers={**pixel, **headers}, verify=str(nginx.cert), timeout=10
        )
    requests.head(
        f"{url}/v.gif", headers={**pixel, "User-Agent": CHROME}, verify=str(nginx.cert), timeout=10
    )

    deadline = time.monotonic() + 15
    while (shown := report(folder))["days"][0]["views"] < 7 and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(0.5)  # nothing more arrives
    shown = report(folder)
    assert {
        p["path"]: (p["views"], p["visitors"], p["inquiries"])
        for p in shown["pages"]
        if p["views"] or p["inquiries"]
    } == {
        "/": (2, 2, 0),  # B, C
        FIRST: (1, 1, 0),  # B
        SECTION: (3, 2, 1),  # A, C twice; A's inquiry
        "/contact": (1, 1, 0),  # A
    }
    assert [
        (
            s["referrer"],
            s["utm_source"],
            s["utm_medium"],
            s["utm_campaign"],
            s["visits"],
            s["inquiries"],
        )
        for s in shown["sources"]
    ] == [
        ("(direct)", "news", "email", "spring", 1, 1),
        ("Google", None, None, None, 1, 0),
    ]
    assistant = shown["assistant"]
    assert (assistant["asked"], assistant["answered"], assistant["handed_off"]) == (1, 1, 0)
    assert shown["days"][0]["views"] == 7 and shown["days"][0]["visitors"] == 3
    assert shown["days"][0]["inquiries"] == 1
    assert shown["inquiries"]["leads"] + shown["inquiries"]["queued"] == 1
    for context in (a, b, c, d):
        context.close()
