"""A real gunicorn delivering to a real SMTP server, and Debian's Chromium driving it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, Playwright, Response, sync_playwright

from tests.browser.pages import ARTIFACTS, PAGES, READ_ONLY_PAGES, STATUS, running_site
from tests.servers import Gunicorn
from tests.smtp import SMTPServer

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture(scope="session")
def site_smtp() -> Iterator[SMTPServer]:
    with SMTPServer() as server:
        yield server


@pytest.fixture(scope="session")
def site_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("site")


@pytest.fixture(scope="session")
def site(site_folder: Path, site_smtp: SMTPServer) -> Iterator[Gunicorn]:
    with running_site(site_folder, site_smtp.port, "browser.log") as server:
        yield server


@pytest.fixture(scope="session")
def read_only_site(site: Gunicorn, site_folder: Path, site_smtp: SMTPServer) -> Iterator[Gunicorn]:
    """A second instance on ``site``'s database (which ``site`` created), opened read-only."""
    with running_site(site_folder, site_smtp.port, "browser-read-only.log", True) as server:
        ready = requests.get(server.url + "/readyz", timeout=30)
        assert (ready.status_code, ready.json()["problems"]) == (503, ["database read-only"])
        yield server


def site_for(request: pytest.FixtureRequest, name: str) -> Gunicorn:
    """The instance that shows page ``name``: READ_ONLY_PAGES need ``read_only_site``."""
    server: Gunicorn = request.getfixturevalue(
        "read_only_site" if name in READ_ONLY_PAGES else "site"
    )
    return server


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def new_page(browser: Browser) -> Iterator[Callable[..., Page]]:
    """``new_page(width=375, color_scheme="light", js=True)``: a tab in a fresh context."""
    contexts = []

    def make(width: int = 375, color_scheme: Any = "light", js: bool = True) -> Page:
        context = browser.new_context(
            viewport={"width": width, "height": 800},
            color_scheme=color_scheme,
            java_script_enabled=js,
        )
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def visit(page: Page, site: Gunicorn, name: str) -> Response:
    """Open page ``name`` of PAGES or READ_ONLY_PAGES the way a visitor gets there;
    check its status."""
    response = page.goto(site.url + {**PAGES, **READ_ONLY_PAGES}[name])
    assert response is not None
    if name in ("contact-errors", "contact-unavailable"):
        assert response.status == 200
        if name == "contact-unavailable":
            fill_form(page, "Zoë O’Brien", "zoe@example.com", "Chatbot", "A chatbot, please.")
        with page.expect_navigation() as navigation:
            page.get_by_role("button", name="Send").click()
        response = navigation.value
        assert response is not None
    assert response.status == STATUS.get(name, 200), f"{name}: HTTP {response.status}"
    if name == "contact-unavailable":  # the 503 that keeps every word, not another error
        assert page.get_by_text("Nothing was sent").count() == 1
        assert page.get_by_label("Name", exact=True).input_value() == "Zoë O’Brien"
    return response


def fill_form(page: Page, name: str, email: str, service: str, message: str) -> None:
    """Fill the contact form by its visible labels, as a person (or a screen reader) would."""
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("What service do you need?").select_option(service)
    page.get_by_label("Message", exact=True).fill(message)


def axe_violations(page: Page, unjudged_counts: bool = True) -> tuple[int, str]:
    """axe-core's WCAG 2.2 AA violations and AAA's enhanced contrast (7:1), plus any text
    whose contrast it could not judge (unless ``unjudged_counts`` is False: axe leaves
    the text of a modal dialog's multi-line paragraphs unjudged, see test_assistant.py)."""
    count, report = 0, ""
    for run_only in (
        {"type": "tag", "values": AXE_TAGS},
        {"type": "rule", "values": ["color-contrast-enhanced"]},
    ):
        results = Axe().run(page, options={"runOnly": run_only})
        unjudged = [
            node["html"]
            for rule in results.response["incomplete"]
            if rule["id"] in ("color-contrast", "color-contrast-enhanced")
            for node in rule["nodes"]
        ]
        report += results.generate_report()
        if unjudged:
            report += "\nContrast axe could not judge:\n  " + "\n  ".join(unjudged)
        count += results.violations_count + (len(unjudged) if unjudged_counts else 0)
    return count, report


def screenshot(page: Page, name: str) -> Path:
    path = ARTIFACTS / "screenshots" / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    return path
