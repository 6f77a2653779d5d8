"""Keyboard only: skip link first, the contact form reachable in reading order, focus visible."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.pages import GUIDE
from tests.servers import Gunicorn

pytestmark = pytest.mark.browser

CONTROLS = {"input", "select", "textarea", "button"}
FOCUSED = """() => {
  const e = document.activeElement;
  const style = getComputedStyle(e);
  return {
    tag: e.tagName.toLowerCase(), id: e.id, name: e.getAttribute("name") || "",
    path: e.href ? new URL(e.href).pathname : "", text: e.textContent.trim(),
    outline: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth),
  };
}"""


def tab(page: Page) -> dict[str, Any]:
    page.keyboard.press("Tab")
    focused: dict[str, Any] = page.evaluate(FOCUSED)
    return focused


def test_guide_page_skip_link_then_contact_link(
    new_page: Callable[..., Page], site: Gunicorn
) -> None:
    page = new_page(width=375)
    page.goto(f"{site.url}/guide/{GUIDE.sections[1].slug}")
    first = tab(page)
    assert first["text"] == "Skip to content"
    assert first["outline"] != "none" and first["outlineWidth"] >= 2, first
    assert page.get_by_role("link", name="Skip to content").is_visible()
    stops = [first]
    while stops[-1]["path"] != "/contact" and len(stops) < 30:
        stops.append(tab(page))
    contact = stops[-1]
    assert contact["path"] == "/contact", f"Tab never reached the contact link: {stops}"
    assert contact["tag"] == "a" and contact["outline"] != "none", contact


def test_skip_link_moves_focus_to_the_main_content(
    new_page: Callable[..., Page], site: Gunicorn
) -> None:
    page = new_page(width=375, js=False)
    page.goto(f"{site.url}/guide/{GUIDE.sections[0].slug}")
    tab(page)
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    after = tab(page)  # the next stop is inside main, past the site navigation
    assert page.evaluate("document.activeElement.closest('main') !== null"), after


def test_contact_form_is_reached_in_order_and_honeypot_never(
    new_page: Callable[..., Page], site: Gunicorn
) -> None:
    page = new_page(width=375)
    page.goto(f"{site.url}/contact")
    stops = []
    for _ in range(40):
        stop = tab(page)
        if stop["tag"] == "body":  # off the end of the page
            break
        stops.append(stop)
    controls = [s["name"] or s["text"] for s in stops if s["tag"] in CONTROLS]
    # No Chatbot button here: the contact page has the form itself.
    assert controls == ["q", "Ask", "name", "email", "service", "message", "Send"], stops
    assert all(s["name"] != "website" for s in stops)  # the honeypot
    unlit = [s for s in stops if s["outline"] == "none" or s["outlineWidth"] < 2]
    assert unlit == [], f"focus is invisible on {unlit}"
