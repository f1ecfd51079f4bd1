"""The arresting officer's triage journey in a real browser, and a specialist's approval of a
rebuttal, with axe-core (WCAG 2.1 AA) on every page."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, sign_in

pytestmark = pytest.mark.browser

EVIDENCE = "Full download of his phone shows he runs the line and recruits younger children"


def _fill_date(page, legend: str, day: int, month: int, year: int) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day))
    group.get_by_label("Month").fill(str(month))
    group.get_by_label("Year").fill(str(year))


def _choose(page, legend: str, option: str) -> None:
    page.get_by_role("group", name=legend).get_by_label(option, exact=True).check()


def test_officer_triages_an_unknown_child_and_a_specialist_approves_a_rebuttal(page, live_app, tmp_path):
    base = live_app["url"]
    sign_in(page, base, "officer")
    assert_accessible(page)  # the dashboard, with the demo cases' open triage actions

    page.get_by_role("link", name="Record an incident").click()
    expect(page.get_by_role("heading", name="Record an identifying incident")).to_be_visible()
    assert_accessible(page)

    # Nothing filled in: a GOV.UK error summary, no crash, nothing saved.
    page.get_by_role("button", name="Record and triage").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the date of the incident")
    assert page.title().startswith("Error:")
    assert_accessible(page)

    yesterday = timezone.localdate() - timedelta(days=1)
    page.get_by_label("No, or I do not know who they are").check()
    expect(page.get_by_label("Given name")).to_have_value("Unknown")
    _fill_date(page, "Date of birth", 1, 5, yesterday.year - 15)
    _fill_date(page, "Date of the incident", yesterday.day, yesterday.month, yesterday.year)
    page.get_by_label("Time of the incident").fill("02:10")
    page.get_by_label("Type of incident").select_option("arrest_pwits")
    page.get_by_label("Where").fill("Margate")
    _choose(page, "Is the incident linked to county lines?", "Yes")
    _choose(page, "Was the child arrested?", "Yes")
    _choose(page, "Was the child outside their home area?", "Yes")
    page.get_by_label("Possession with intent to supply a Class A drug").check()
    page.get_by_label("Cash found").check()
    page.get_by_label("More than one phone, or a burner phone").check()
    page.get_by_role("button", name="Record and triage").click()

    expect(page.get_by_role("heading", name="Triage decision")).to_be_visible()
    result = page.locator(".govuk-summary-list").first
    expect(result).to_contain_text("Presumed a potential victim of child criminal exploitation")
    expect(result).to_contain_text("high-risk safeguarding priority with an urgent crisis response")
    expect(page.get_by_role("heading", name=re.compile(r"Safeguard the child immediately"))).to_be_visible()
    expect(page.get_by_text("Within 72 hours (by 02:10 on", exact=False)).to_be_visible()
    decision_url = page.url
    assert_accessible(page)

    # Accept one action, override another with a reason.
    page.get_by_role("button", name="Accept (Safeguard the child immediately)").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Action accepted")
    page.get_by_role(
        "link", name=re.compile(r"^Override \(Use bail, not release under investigation")
    ).click()
    expect(page.get_by_role("heading", name=re.compile(r"^Override: Use bail"))).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Override this action").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter the reason for overriding this action"
    )
    assert_accessible(page)
    page.get_by_label("Why are you not taking this action?").fill(
        "Charged and remanded by the court: no bail"
    )
    page.get_by_role("button", name="Override this action").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Action overridden")
    expect(page.get_by_text("Charged and remanded by the court: no bail")).to_be_visible()
    assert_accessible(page)

    # Download the record (JSON): the exact rules input and output, and the override.
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the decision record (JSON)").click()
    saved = tmp_path / "record.json"
    download.value.save_as(saved)
    record = json.loads(saved.read_text())
    assert record["outputs"]["presumption"] == "presumed_victim" and record["inputs"]["out_of_area"] is True
    overridden = {a["code"]: a for a in record["actions"]}["bail_not_rui"]
    assert overridden["status"] == "overridden" and "remanded" in overridden["status_reason"]

    # The printable record, with a print button that JavaScript shows.
    page.get_by_role("link", name="Printable decision record").click()
    expect(page.get_by_role("heading", name="Triage decision record")).to_be_visible()
    expect(page.get_by_role("button", name="Print this record")).to_be_visible()
    assert_accessible(page)
    page.goto(decision_url)

    # The officer records clear evidence; the presumption stands until approved.
    page.get_by_role("link", name="Record clear evidence that the child is not being exploited").click()
    assert_accessible(page)
    page.get_by_label("What is the clear evidence").fill("No comment interview and nothing on his phone")
    page.get_by_role("button", name="Send for approval").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("R-38")
    assert_accessible(page)
    page.get_by_label("What is the clear evidence").fill(EVIDENCE)
    page.get_by_role("button", name="Send for approval").click()
    expect(page.get_by_text("A rebuttal of the presumption is awaiting approval")).to_be_visible()
    expect(page.get_by_role("link", name="Approve or refuse the rebuttal")).to_have_count(0)
    assert_accessible(page)

    # A specialist approves: a new decision, the presumed one kept in the history.
    page.context.clear_cookies()
    sign_in(page, base, "specialist")
    page.goto(decision_url)
    page.get_by_role("link", name="Approve or refuse the rebuttal").click()
    expect(page.get_by_text(EVIDENCE)).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Approve: the presumption is lifted").check()
    page.get_by_label("Reason for your decision").fill(
        "Download reviewed with the home force: he runs the line"
    )
    page.get_by_role("button", name="Record my decision").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Rebuttal approved")
    expect(page.locator(".govuk-summary-list").first).to_contain_text("Child: the presumption does not apply")
    expect(page.get_by_role("heading", name="History of decisions on this incident")).to_be_visible()
    assert page.url != decision_url
    assert_accessible(page)

    # The child page shows the latest decision.
    page.get_by_role("link", name=re.compile(r"^CH-")).first.click()
    expect(page.get_by_role("heading", name="Triage", exact=True)).to_be_visible()
    assert_accessible(page)


def test_repeated_clicks_on_record_and_triage_send_one_incident(page, live_app):
    """An officer who clicks 'Record and triage' again while the page is loading records the incident
    once: the browser sends one POST, not one per click (GOV.UK's prevent-double-click)."""
    base = live_app["url"]
    sign_in(page, base, "officer")
    page.goto(base + "/children/")
    page.get_by_role("link", name=re.compile(r"^Sam ")).click()
    page.get_by_role("link", name=re.compile(r"^Record an identifying incident")).click()
    yesterday = timezone.localdate() - timedelta(days=1)
    _fill_date(page, "Date of the incident", yesterday.day, yesterday.month, yesterday.year)
    page.get_by_label("Time of the incident").fill("03:15")
    _choose(page, "Is the incident linked to county lines?", "Yes")
    _choose(page, "Was the child arrested?", "Yes")
    _choose(page, "Was the child outside their home area?", "No")
    posts: list[str] = []
    page.on(
        "request",
        lambda r: posts.append(r.url) if r.method == "POST" and "/incidents/new/" in r.url else None,
    )
    # Three clicks in quick succession, each in its own task, before the response arrives.
    page.evaluate(
        """() => {
            const button = [...document.querySelectorAll("main form button")]
                .find((b) => b.textContent.trim() === "Record and triage");
            button.click();
            setTimeout(() => button.click(), 0);
            setTimeout(() => button.click(), 20);
        }"""
    )
    expect(page).to_have_url(re.compile(r"/incidents/decisions/"))
    expect(page.get_by_role("heading", name="Triage decision")).to_be_visible()
    assert len(posts) == 1, posts
