"""A Kent officer records a charge for a child the force arrested: the charging screen shows the open
NRM referral (J-04) before the form, then the charge is taken to court. Each page passes axe."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, sign_in

pytestmark = pytest.mark.browser


def test_officer_records_a_charge_seeing_open_referrals(page, live_app):
    base = live_app["url"]
    sign_in(page, base, "officer")
    page.goto(base + "/children/?q=Liam")
    page.get_by_role("link", name=re.compile(r"Liam")).first.click()
    page.get_by_role("link", name="Charges and prosecution").click()
    expect(page.get_by_role("heading", name="Charges and prosecution")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name=re.compile(r"^Record a charge for the incident")).first.click()
    expect(page.get_by_role("heading", name="NRM referrals")).to_be_visible()
    expect(page.get_by_text(re.compile(r"NRM referral made on .* for this incident awaits"))).to_be_visible()
    assert_accessible(page)
    # Nothing filled in: the GOV.UK error summary, and nothing recorded.
    page.get_by_role("button", name="Record the charge").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert page.title().startswith("Error:")
    assert_accessible(page)
    page.get_by_label("Offence charged").select_option("possession_weapon")
    day = date.today() - timedelta(days=2)
    page.get_by_label("Day").fill(str(day.day))
    page.get_by_label("Month").fill(str(day.month))
    page.get_by_label("Year").fill(str(day.year))
    page.get_by_role("button", name="Record the charge").click()
    expect(page.get_by_text("Charge recorded")).to_be_visible()
    row = page.locator("tr", has_text="Possession of an offensive weapon")
    row.get_by_role("link", name=re.compile("^Update")).click()
    page.get_by_label("Court proceedings").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Charge updated: court proceedings")).to_be_visible()
    assert_accessible(page)


def test_officer_reports_a_child_missing_and_then_found(page, live_app):
    """F-14 and R-32 in a real browser: Liam reported missing 16 days ago shows as a crisis still
    missing; found, the warning goes. The officer records when Islington (his home authority, emailed)
    was told; Islington's social worker, from the dashboard, records the strategy discussion and the
    return home interview. Each page passes axe, the error summaries included."""
    from datetime import datetime

    base = live_app["url"]
    sign_in(page, base, "officer")
    page.goto(base + "/children/?q=Liam")
    page.get_by_role("link", name=re.compile(r"Liam")).first.click()
    page.get_by_role("link", name="Missing episodes").click()
    expect(page.get_by_role("heading", name="Missing episodes")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Record that the child is missing").click()
    page.get_by_role("button", name="Record the missing episode").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert page.title().startswith("Error:")
    assert_accessible(page)
    went = datetime.now() - timedelta(days=16)
    page.get_by_label("Day").first.fill(str(went.day))
    page.get_by_label("Month").first.fill(str(went.month))
    page.get_by_label("Year").first.fill(str(went.year))
    page.get_by_label("Time the child went missing").fill("21:30")
    page.get_by_label("Placement").check()
    page.get_by_role("button", name="Record the missing episode").click()
    expect(page.get_by_text("Missing episode recorded")).to_be_visible()
    expect(page.get_by_text(re.compile(r"has been missing for 14 days or more"))).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name=re.compile(r"^Record that the child was found")).click()
    found = datetime.now() - timedelta(days=1)
    page.get_by_label("Day").fill(str(found.day))
    page.get_by_label("Month").fill(str(found.month))
    page.get_by_label("Year").fill(str(found.year))
    page.get_by_label("Time the child was found").fill("08:15")
    page.get_by_label("No, out of area").check()
    assert_accessible(page)
    page.get_by_role("button", name="Record that the child was found").click()
    expect(page.get_by_text("Recorded: the child was found")).to_be_visible()
    expect(page.get_by_text(re.compile(r"has been missing for 14 days or more"))).to_have_count(0)
    assert_accessible(page)

    # Kent told Islington (Liam's home authority): the officer records when, by phone
    expect(page.get_by_text("3 to do")).to_be_visible()
    page.get_by_role("link", name=re.compile(r"^Record what followed")).click()
    expect(page.get_by_text("ccehub told the child's home agencies")).to_be_visible()
    # the demo has duty mailboxes but no mail server: the page says so rather than "emailed"
    expect(page.get_by_text(re.compile(r"Child reported missing: Islington.*no mail server"))).to_be_visible()
    assert_accessible(page)
    page.get_by_role("group", name="Date children's social care was told").get_by_label("Day").fill(
        str(went.day)
    )
    page.get_by_role("group", name="Date children's social care was told").get_by_label("Month").fill(
        str(went.month)
    )
    page.get_by_role("group", name="Date children's social care was told").get_by_label("Year").fill(
        str(went.year)
    )
    page.get_by_label("Time children's social care was told").fill("21:20")  # before she went missing
    page.get_by_role("button", name="Record", exact=True).click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("before the time the child went missing")
    assert_accessible(page)
    page.get_by_label("Time children's social care was told").fill("22:05")
    page.get_by_role("button", name="Record", exact=True).click()
    expect(page.get_by_text("Recorded what followed the missing episode")).to_be_visible()
    expect(page.get_by_text("2 to do")).to_be_visible()

    # Islington's social worker: the dashboard asks for the strategy discussion and the interview
    social = page.context.browser.new_context(base_url=base)
    sw = social.new_page()
    sign_in(sw, base, "socialworker")
    sw.get_by_role("link", name=re.compile(r"Hold a strategy discussion")).first.click()
    expect(sw.get_by_test_id("stage")).to_have_text("Found")
    assert_accessible(sw)
    today = date.today()
    for label, value in (("Day", today.day), ("Month", today.month), ("Year", today.year)):
        sw.get_by_role("group", name="Date of the strategy discussion").get_by_label(label).fill(str(value))
        sw.get_by_role("group", name="Date the return home interview was offered or held").get_by_label(
            label
        ).fill(str(value))
    sw.get_by_label("What the strategy discussion agreed").fill("Safety plan; placement review")
    sw.get_by_label("Held", exact=True).check()
    sw.get_by_role("button", name="Record", exact=True).click()
    expect(sw.get_by_text("Recorded what followed the missing episode")).to_be_visible()
    expect(sw.get_by_text("Recorded", exact=True)).to_be_visible()  # nothing left to do
    sw.get_by_role("link", name=re.compile(r"^See what followed")).first.click()
    expect(sw.get_by_test_id("stage")).to_have_text("Found: return home interview held")
    assert_accessible(sw)
    social.close()


def test_the_home_authority_opens_returns_and_convenes_a_crisis_response(page, live_app):
    """W-5's start in a real browser: Islington's social worker opens a crisis response for Kai (a
    concern before any arrest), records that he is back in the home area and convenes it; each page
    passes axe, the error summary included."""
    base = live_app["url"]
    sign_in(page, base, "socialworker")
    page.goto(base + "/children/?q=Kai")
    page.get_by_role("link", name=re.compile(r"Kai")).first.click()
    page.get_by_role("link", name="Crisis response (W-5)").click()
    expect(page.get_by_role("heading", name="Crisis response", exact=True)).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Concern before any arrest (R-22)").check()
    page.get_by_role("button", name="Open a crisis response").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()  # no date
    assert_accessible(page)
    today = date.today()
    for label, value in (("Day", today.day), ("Month", today.month), ("Year", today.year)):
        page.get_by_label(label).fill(str(value))
    page.get_by_role("button", name="Open a crisis response").click()
    expect(page.get_by_text("Crisis response opened")).to_be_visible()
    expect(page.get_by_test_id("crisis-stage")).to_have_text("Triggered: return the child to the home area")
    assert_accessible(page)
    form = page.locator(
        "form", has=page.get_by_role("button", name="Record that the child is back in the home area")
    )
    for label, value in (("Day", today.day), ("Month", today.month), ("Year", today.year)):
        form.get_by_label(label).fill(str(value))
    form.get_by_role("button").click()
    expect(page.get_by_text("Recorded: the child is back in the home area")).to_be_visible()
    form = page.locator("form", has=page.get_by_role("button", name=re.compile("convened the response")))
    for label, value in (("Day", today.day), ("Month", today.month), ("Year", today.year)):
        form.get_by_label(label).fill(str(value))
    form.get_by_role("button").click()
    expect(page.get_by_test_id("crisis-stage")).to_have_text("Convened by the home local authority")
    expect(page.get_by_text(re.compile("convened and listed at"))).to_be_visible()
    expect(page.get_by_test_id("crisis-listed")).to_contain_text("CCE Panel")  # W-5: listed there
    assert_accessible(page)
