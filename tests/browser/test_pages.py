"""Every page on phones and a desktop, light and dark: accessible, one h1, no sideways scroll."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page

from tests.browser.conftest import axe_violations, screenshot, site_for, visit
from tests.browser.pages import PAGES, READ_ONLY_PAGES

pytestmark = pytest.mark.browser

SCROLL_WIDTH = "() => [document.scrollingElement.scrollWidth, window.innerWidth]"


@pytest.mark.parametrize("width", [375, 1280])
@pytest.mark.parametrize("name", [*PAGES, *READ_ONLY_PAGES])
def test_page_is_accessible_at_width(
    new_page: Callable[..., Page], request: pytest.FixtureRequest, name: str, width: int
) -> None:
    page = new_page(width=width)
    visit(page, site_for(request, name), name)
    screenshot(page, f"{name}-{width}")
    assert page.locator("h1").count() == 1
    assert page.get_by_role("main").count() == 1
    count, report = axe_violations(page)
    assert count == 0, report
    scroll_width, inner_width = page.evaluate(SCROLL_WIDTH)
    assert scroll_width <= inner_width, f"{name} scrolls sideways at {width} px: {scroll_width}"


@pytest.mark.parametrize("name", [*PAGES, *READ_ONLY_PAGES])
def test_page_is_accessible_dark_on_the_narrowest_phone(
    new_page: Callable[..., Page], request: pytest.FixtureRequest, name: str
) -> None:
    page = new_page(width=320, color_scheme="dark")
    visit(page, site_for(request, name), name)
    screenshot(page, f"{name}-320-dark")
    background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
    assert background != "rgb(255, 255, 255)", "prefers-color-scheme: dark is ignored"
    count, report = axe_violations(page)
    assert count == 0, report
    scroll_width, inner_width = page.evaluate(SCROLL_WIDTH)
    assert scroll_width <= inner_width, f"{name} scrolls sideways at 320 px: {scroll_width}"
