"""Two-factor sign-in in a real browser: set it up from the dashboard, save the recovery codes, sign
out, and sign in again with a code the test computes from the key the page showed. Every page is
checked with axe-core (WCAG 2.1 AA)."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from ccehub.common import totp
from tests.browser.conftest import DEMO_PASSWORD, assert_accessible, sign_in
from tests.support.scratch import run_ccehub

pytestmark = pytest.mark.browser

#: An account of this test's own: the demo accounts are shared by the other journeys, which sign in
#: with a password alone.
USERNAME = "twofactor.sw"
CREATE_USER = f"""
from django.contrib.auth import get_user_model
from ccehub.agencies.models import Agency, Membership
user = get_user_model().objects.create_user(username="{USERNAME}", password="{DEMO_PASSWORD}",
                                            first_name="Tam", last_name="Two-Factor")
Membership.objects.create(user=user, agency=Agency.objects.get(code="la-islington"), role="social_worker")
"""


def fresh_code(secret: str, used: str | None = None) -> str:
    """The app's current code; when ``used`` is still current (a step's code works once), the next
    step's, which the app accepts too (one step either side, for clocks that drift) — no waiting."""
    now = time.time()
    code = totp.code_at(secret, now)
    if code == used:
        code = totp.code_at(secret, now + totp.STEP_SECONDS)
    return code


def test_set_up_two_factor_and_sign_in_with_a_code(page, live_app):
    base = live_app["url"]
    created = run_ccehub(["manage", "shell", "-c", CREATE_USER], live_app["database_url"])
    assert created.returncode == 0, created.stderr

    sign_in(page, base, USERNAME)
    page.get_by_role("link", name="Set up two-factor sign-in").click()
    expect(page.get_by_role("heading", name="Set up two-factor sign-in", level=1)).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
    assert_accessible(page)
    secret = page.locator("[data-secret]").inner_text().replace(" ", "")
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)

    # a wrong code first: a GOV.UK error, and still not set up
    page.get_by_label("Code", exact=True).fill("000000" if fresh_code(secret) != "000000" else "111111")
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible(page)

    enrolled_with = fresh_code(secret)
    page.get_by_label("Code", exact=True).fill(enrolled_with)
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.get_by_role("heading", name="Save your recovery codes")).to_be_visible()
    codes = page.locator(".app-recovery-codes li").all_inner_texts()
    assert len(codes) == 10
    assert_accessible(page)
    page.get_by_role("link", name="I have saved my recovery codes").click()
    expect(page.get_by_text("Two-factor sign-in is on.")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    page.get_by_label("Username").fill(USERNAME)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(
        page.get_by_role("heading", name="Enter the 6-digit code from your authenticator app")
    ).to_be_visible()
    code_input = page.get_by_label("Code", exact=True)
    assert code_input.get_attribute("autocomplete") == "one-time-code"
    assert code_input.get_attribute("inputmode") == "numeric"
    assert_accessible(page)

    page.get_by_role("link", name="Use a recovery code instead").click()
    expect(page.get_by_role("heading", name="Enter a recovery code")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Use a code from your authenticator app instead").click()

    page.get_by_label("Code", exact=True).fill(fresh_code(secret, used=enrolled_with))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.get_by_text("Two-factor sign-in is on.")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Manage two-factor sign-in").click()
    expect(page.get_by_role("heading", name="Two-factor sign-in is on")).to_be_visible()
    assert_accessible(page)
