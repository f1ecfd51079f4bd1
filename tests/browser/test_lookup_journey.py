"""A custody officer asks "is this child already known?" in a real browser (axe-checked)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, sign_in

pytestmark = pytest.mark.browser


def test_officer_finds_michael_despite_misspellings(page, live_app):
    """A misspelt name and a day/month-swapped date of birth still find Michael, at a glance."""
    base = live_app["url"]
    sign_in(page, base, "officer")
    page.get_by_role("link", name="Is this child known?").click()
    expect(page.get_by_role("heading", name="Is this child already known?")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Given name").fill("Micheal")
    page.get_by_label("Family name").fill("Marlowe")
    page.get_by_label("Day").fill("3")
    page.get_by_label("Month").fill("8")
    page.get_by_label("Year").fill("2005")
    page.get_by_label("Why are you looking this child up?").fill("Arrested for PWITS, out of area")
    page.get_by_role("button", name="Search").click()
    card = page.locator(".govuk-summary-card").first
    expect(card).to_contain_text("Known to")
    expect(card).to_contain_text("Islington children's services")
    expect(card).to_contain_text("Kent Police")
    expect(card).to_contain_text("Child protection plan")
    # a candidate is a lead to confirm, never an identification (namesakes exist; docs/linkage.md)
    expect(page.locator("#lead-not-identification")).to_contain_text("not an identification")
    assert_accessible(page)


def test_missing_purpose_is_an_error(page, live_app):
    """No purpose, no search: the error summary names the field."""
    base = live_app["url"]
    sign_in(page, base, "officer")
    page.goto(base + "/lookup/")
    page.get_by_label("Given name").fill("Sam")
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter why you are looking this child up")
    assert_accessible(page)


def test_analyst_cannot_look_up(page, live_app):
    """Analysts work on pseudonymised data: no look-up link, and the page refuses them."""
    base = live_app["url"]
    sign_in(page, base, "analyst")
    expect(page.get_by_role("link", name="Is this child known?")).to_have_count(0)
    response = page.goto(base + "/lookup/")
    assert response.status == 403


def test_officer_uses_emergency_access_to_a_child_kent_does_not_hold(page, live_app):
    """Ethan is known to Hackney and Thames Valley, not to Kent. From the look-up card the Kent
    officer may start emergency access: a reason is required, then the record opens read-only under
    a banner saying it will be reviewed. Every page on the way is axe-clean."""
    base = live_app["url"]
    sign_in(page, base, "officer")
    page.goto(base + "/lookup/")
    page.get_by_label("Given name").fill("Ethan")
    page.get_by_label("Family name").fill("Dunmore")
    page.get_by_label("Why are you looking this child up?").fill("Arrested in Maidstone, home area unknown")
    page.get_by_role("button", name="Search").click()
    card = page.locator(".govuk-summary-card").first
    expect(card).to_contain_text("Hackney")
    expect(card.get_by_role("link", name="Open this child's record")).to_have_count(0)
    card.get_by_role("link", name=re.compile("^Emergency access")).click()
    expect(page.get_by_role("heading", name="Emergency access to this child's record")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Start emergency access").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Reason")
    assert_accessible(page)
    page.locator("textarea").fill(
        "Found with a bag of wraps at 2am; Hackney out-of-hours line does not answer"
    )
    page.get_by_role("button", name="Start emergency access").click()
    banner = page.locator("#emergency-access")
    expect(banner).to_contain_text("You are seeing this record under emergency access until")
    expect(banner).to_contain_text("It will be reviewed")
    expect(page.get_by_role("link", name=re.compile("^Download this record"))).to_have_count(0)
    assert_accessible(page)
