"""At 320 CSS pixels wide (WCAG 2.1 1.4.10 Reflow) no page scrolls sideways: a wide table scrolls
inside its own keyboard-focusable region, and the rest of the page stays put."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def narrow(browser):
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    yield page
    context.close()


def _no_sideways_scroll(page) -> None:
    page.wait_for_load_state("load")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"{page.url} is {width}px wide at a 320px viewport"


def test_pages_reflow_at_320_pixels(narrow, live_app):
    base = live_app["url"]
    page = narrow
    sign_in(page, base, "socialworker")
    page.goto(f"{base}/children/")
    _no_sideways_scroll(page)
    tom = page.get_by_role("link", name=re.compile(r"^Tom \(CH-")).first.get_attribute("href")
    page.goto(base + tom)
    expect(page.get_by_role("heading", name="Events so far")).to_be_visible()
    _no_sideways_scroll(page)
    page.goto(f"{base}/reports/vulnerabilities/")
    _no_sideways_scroll(page)

    page.context.clear_cookies()
    sign_in(page, base, "exploitation")
    for path in ("/panels/", "/panels/qa/", "/panels/monitoring/"):
        page.goto(base + path)
        _no_sideways_scroll(page)
    page.goto(f"{base}/panels/")
    page.locator("main table a[href*='/panels/referrals/']").first.click()
    expect(page.get_by_role("heading", name="NRM referral")).to_be_visible()
    _no_sideways_scroll(page)

    page.context.clear_cookies()
    sign_in(page, base, "admin")
    page.goto(base + tom + "history/")
    expect(page.get_by_role("heading", name="Access history")).to_be_visible()
    _no_sideways_scroll(page)
    assert_accessible(page)  # the scrolling table is a focusable, labelled region
