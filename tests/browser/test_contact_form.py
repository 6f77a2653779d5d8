"""The contact form in a real browser, with JavaScript off and on: sent mail, helpful errors."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from email.message import EmailMessage

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import fill_form, visit
from tests.browser.pages import PAGES
from tests.conftest import wait_for
from tests.servers import Gunicorn
from tests.smtp import SMTPServer

pytestmark = pytest.mark.browser

JS = pytest.mark.parametrize("js", [False, True], ids=["no-js", "js"])


def body(mail: EmailMessage) -> str:
    part = mail.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


@pytest.mark.parametrize("name", PAGES)
def test_every_page_works_without_javascript(
    new_page: Callable[..., Page], site: Gunicorn, name: str
) -> None:
    page = new_page(js=False)
    visit(page, site, name)
    assert page.get_by_role("heading", level=1).is_visible()
    nav = page.get_by_role("navigation", name="Site")
    assert nav.get_by_role("link", name="Contact").is_visible()
    assert page.evaluate("document.styleSheets[0].cssRules.length") > 10  # styled, not bare


@JS
def test_visitor_sends_the_form_and_sales_receive_it(
    new_page: Callable[..., Page], site: Gunicorn, site_smtp: SMTPServer, js: bool
) -> None:
    marker = uuid.uuid4().hex
    page = new_page(js=js)
    page.goto(f"{site.url}/contact")
    fill_form(page, "Grace Hopper", "grace@example.com", "Chatbot", f"A chatbot, please. {marker}")
    page.get_by_role("button", name="Send").click()
    page.wait_for_url("**/contact/thanks")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Thank you")

    def arrived() -> list[EmailMessage]:
        return [m for m in site_smtp.messages() if marker in body(m)]

    wait_for(lambda: bool(arrived()), what="the inquiry to reach the SMTP server")
    [mail] = arrived()
    assert mail["Reply-To"] == "Grace Hopper <grace@example.com>"
    assert "Chatbot" in mail["Subject"]


@JS
def test_empty_form_lists_every_error_linked_to_its_field(
    new_page: Callable[..., Page], site: Gunicorn, js: bool
) -> None:
    page = new_page(js=js)
    visit(page, site, "contact-errors")
    assert page.title().startswith("Error:")
    summary = page.get_by_role("alert")
    assert summary.get_by_role("heading").inner_text() == "There is a problem with your message"
    # The summary comes straight after the page's heading, before the form and contacts.
    assert page.evaluate(
        "document.querySelector('h1').nextElementSibling.classList.contains('error-summary')"
    )
    links = summary.get_by_role("link")
    assert [links.nth(i).get_attribute("href") for i in range(links.count())] == [
        "#name",
        "#email",
        "#service",
        "#message",
    ]
    for field in ("name", "email", "service", "message"):
        control = page.locator(f"#{field}")
        assert control.get_attribute("aria-invalid") == "true"
        described = (control.get_attribute("aria-describedby") or "").split()
        assert f"{field}-error" in described
        error = page.locator(f"#{field}-error")
        assert error.is_visible()
        # Screen readers hear "Error:" first; the summary links to the same words.
        assert error.inner_text().startswith("Error:")
        assert error.inner_text().removeprefix("Error:").strip() in summary.inner_text()
    links.nth(1).click()  # "Enter your email address..." takes you to the Email box
    expect(page.locator("#email")).to_be_focused()


@JS
def test_errors_keep_what_the_visitor_typed(
    new_page: Callable[..., Page], site: Gunicorn, js: bool
) -> None:
    page = new_page(js=js)
    page.goto(f"{site.url}/contact")
    page.get_by_label("Name", exact=True).fill("Ada Lovelace")
    page.get_by_label("Email", exact=True).fill("not an address")
    page.get_by_label("Message", exact=True).fill("Line one\nLine two, with words kept.")
    with page.expect_navigation():
        page.get_by_role("button", name="Send").click()
    assert page.get_by_role("alert").get_by_role("link").count() == 2  # email and service
    assert page.get_by_label("Name", exact=True).input_value() == "Ada Lovelace"
    assert page.get_by_label("Email", exact=True).input_value() == "not an address"
    assert page.get_by_label("Message", exact=True).input_value() == (
        "Line one\nLine two, with words kept."
    )
    assert page.locator("#name").get_attribute("aria-invalid") is None
    assert page.locator("#email").get_attribute("aria-invalid") == "true"
    assert page.locator("#service").get_attribute("aria-invalid") == "true"
