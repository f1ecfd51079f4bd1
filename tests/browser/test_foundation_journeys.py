"""Sign in and the foundation pages in a real browser, each checked with axe-core (WCAG 2.1 AA)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, sign_in

pytestmark = pytest.mark.browser


def test_sign_in_page_is_accessible(page, live_app):
    """The sign-in page itself passes axe."""
    page.goto(live_app["url"] + "/accounts/login/")
    assert_accessible(page)


def test_wrong_password_shows_an_error(page, live_app):
    """A wrong password gives a GOV.UK error summary, not a crash."""
    page.goto(live_app["url"] + "/accounts/login/")
    page.get_by_label("Username").fill("socialworker")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert page.title().startswith("Error:")
    assert_accessible(page)


def test_social_worker_dashboard_child_page_and_matrix(page, live_app):
    """Dashboard → child page (identity, vulnerabilities, events) → vulnerability matrix with chart."""
    base = live_app["url"]
    sign_in(page, base, "socialworker")
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name=re.compile(r"^Tom \(CH-[A-Z0-9-]+\)$")).first.click()
    expect(page.get_by_role("heading", name="Tom Ingram")).to_be_visible()
    expect(page.get_by_text("Restricted")).to_be_visible()
    expect(page.get_by_role("heading", name="Vulnerabilities")).to_be_visible()
    expect(page.get_by_text("Youth rehabilitation order").first).to_be_visible()
    assert_accessible(page)
    # F-30: the same events read from the identifying incident, then back through what came before
    page.get_by_role(
        "link", name="Read from the identifying incident, then back through what came before"
    ).click()
    expect(page.get_by_role("heading", name="The identifying incident and what followed")).to_be_visible()
    expect(
        page.get_by_role("region", name="Before the identifying incident, most recent first")
    ).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Vulnerability matrix").click()
    expect(page.locator("img.app-chart")).to_be_visible()
    page.wait_for_load_state("load")
    assert page.locator("img.app-chart").evaluate("img => img.complete && img.naturalWidth") > 0
    rows = page.locator("table.app-heatmap tbody tr")
    assert rows.count() == 10
    assert_accessible(page)


def test_analyst_sees_no_identity(page, live_app):
    """An analyst's view of a child is pseudonymised."""
    base = live_app["url"]
    sign_in(page, base, "analyst")
    page.get_by_role("link", name=re.compile(r"^Tom \(CH-[A-Z0-9-]+\)$")).first.click()
    expect(page.get_by_text("You see this record pseudonymised")).to_be_visible()
    assert page.get_by_text("Ingram").count() == 0
    assert_accessible(page)


def test_other_agency_child_by_url_is_not_found(page, live_app):
    """Camden cannot open an Islington child by typing its URL: 404, and the refusal is audited."""
    base = live_app["url"]
    sign_in(page, base, "socialworker")
    page.get_by_role("link", name=re.compile(r"^Tom \(CH-[A-Z0-9-]+\)$")).first.click()
    tom_url = page.url
    page.context.clear_cookies()
    sign_in(page, base, "camden.sw")
    response = page.goto(tom_url)
    assert response.status == 404
    assert "Ingram" not in page.content()
    export = page.goto(tom_url + "export.json")
    assert export.status == 404
    assert_accessible(page)


def test_admin_sees_access_history(page, live_app):
    """An administrator sees a child's access history, including refused attempts."""
    base = live_app["url"]
    sign_in(page, base, "socialworker")
    page.get_by_role("link", name=re.compile(r"^Michael \(CH-[A-Z0-9-]+\)$")).first.click()
    pid = page.url.rstrip("/").split("/")[-1]
    page.context.clear_cookies()
    sign_in(page, base, "admin")
    page.get_by_role("link", name="Access history").click()
    expect(page.get_by_role("heading", name="Access history")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Pseudonymous ID").fill(pid)
    page.get_by_role("button", name="Show access history").click()
    expect(page.get_by_role("heading", name="Access history")).to_be_visible()
    expect(page.locator(".govuk-caption-l")).to_have_text(pid)
    expect(page.get_by_role("cell", name="socialworker").first).to_be_visible()
    assert_accessible(page)


def test_missing_before_the_first_arrest_report(page, live_app):
    """R-34: Camden's social worker opens the report from the navigation, lists the report's boys one
    by one with the synthetic dates included, and finds John's six days; the chart loads."""
    base = live_app["url"]
    sign_in(page, base, "camden.sw")
    page.get_by_role("link", name="Missing before arrest").click()
    expect(page.get_by_role("heading", name="Missing before the first arrest")).to_be_visible()
    expect(page.get_by_test_id("early-signs-median")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="List the report’s boys one by one").click()
    page.get_by_role("link", name="Include synthetic and approximate dates").click()
    john = page.get_by_role("table", name="Child by child").get_by_role("row", name=re.compile(r"^John "))
    expect(john).to_contain_text("Missing first, then arrested")
    expect(john.get_by_role("cell").nth(2)).to_have_text("6")
    page.wait_for_load_state("load")
    assert page.locator("img.app-chart").evaluate("img => img.complete && img.naturalWidth") > 0
    assert_accessible(page)


def test_the_annual_return(page, live_app):
    """F-23: the analyst opens the annual return from the navigation, picks last year's, and sees the
    demo panel's referrals counted; the chart loads and the page passes axe."""
    from ccehub.rules.returns import financial_year, financial_year_of

    this_year = financial_year_of(timezone.localdate())
    last = financial_year(this_year - 1)
    base = live_app["url"]
    sign_in(page, base, "analyst")
    page.get_by_role("link", name="Annual return").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Children exploited in county lines, {financial_year(this_year).label}"
    )
    assert_accessible(page)
    page.get_by_label("Financial year").select_option(label=last.label)
    page.get_by_role("button", name="Show this year").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Children exploited in county lines, {last.label}"
    )
    # the page says what the CSV of the same return says
    export = page.request.get(f"{base}/reports/returns.csv?year={last.start.year}").text()
    total = next(line.rsplit(",", 1)[1] for line in export.splitlines() if "(total)" in line)
    expect(page.get_by_test_id("returns-total")).to_have_text(total)
    expect(page.get_by_role("table", name="The local authority’s responses (for Ofsted)")).to_be_visible()
    page.wait_for_load_state("load")
    assert page.locator("img.app-chart").evaluate("img => img.complete && img.naturalWidth") > 0
    assert_accessible(page)


def test_recording_a_placement_through_the_checker(page, live_app):
    """F-20: Islington's social worker opens Kai's placements, is refused without a police
    intelligence check, then records a local foster placement."""
    base = live_app["url"]
    sign_in(page, base, "socialworker")
    page.goto(f"{base}/children/")
    page.get_by_role("link", name=re.compile(r"^Kai \(CH-[A-Z0-9-]+\)$")).first.click()
    page.get_by_role("link", name="Placements").click()
    expect(page.get_by_role("heading", name="Placements", exact=True)).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Foster care").check()
    today = timezone.localdate()
    group = page.get_by_role("group", name="When did it start?")
    group.get_by_label("Day").fill(str(today.day))
    group.get_by_label("Month").fill(str(today.month))
    group.get_by_label("Year").fill(str(today.year))
    page.get_by_role("group", name="Is it in the child's home local authority's area?").get_by_label(
        "Yes"
    ).check()
    page.get_by_label("How far is it from the child's home, in miles?").fill("3")
    page.get_by_role("button", name="Check and record the placement").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("police intelligence check")
    assert page.title().startswith("Error:")
    assert_accessible(page)
    page.get_by_label("Suitable", exact=True).check()
    page.get_by_label("What the police found").fill("Nothing known about the carers or the street")
    page.get_by_label("Who did the check").fill("DC Local Intel")
    group = page.get_by_role("group", name="When was the check done?")
    group.get_by_label("Day").fill(str(today.day))
    group.get_by_label("Month").fill(str(today.month))
    group.get_by_label("Year").fill(str(today.year))
    page.get_by_role("button", name="Check and record the placement").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Placement recorded")
    expect(page.get_by_role("table", name="Placements")).to_contain_text("Foster care")
    assert_accessible(page)


def test_police_protection_against_the_placement_plan_and_the_reassessment(page, live_app):
    """R-35, F-32: Kent's officer takes Toby (Islington) into police protection against the placement
    plan: refused without grounds, then recorded with the 72-hour limit; Islington's social worker
    follows her dashboard to the page and records the reassessment."""
    base = live_app["url"]
    sign_in(page, base, "officer")
    page.goto(f"{base}/children/")
    page.get_by_role("link", name=re.compile(r"^Toby \(CH-[A-Z0-9-]+\)$")).first.click()
    page.get_by_role("link", name="Police protection").click()
    expect(page.get_by_role("heading", name="Police protection", exact=True)).to_be_visible()
    assert_accessible(page)
    began = timezone.localtime() - timedelta(hours=1)
    group = page.get_by_role("group", name="Date police protection began")
    group.get_by_label("Day").fill(str(began.day))
    group.get_by_label("Month").fill(str(began.month))
    group.get_by_label("Year").fill(str(began.year))
    page.get_by_label("Time police protection began").fill(f"{began:%H:%M}")
    page.get_by_label("Officer who used the power").fill("PC Alex Demo")
    page.get_by_label("The police are using protection against the local authority's placement plan").check()
    page.get_by_label("The placement plan the police disagree with").fill("A move to his uncle's flat")
    page.get_by_label("Why the police think it is unsuitable").fill("The flat is a known dealing base")
    page.get_by_role("button", name="Record police protection").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("risk of significant harm")
    assert page.title().startswith("Error:")
    assert_accessible(page)
    page.get_by_label("Why do officers judge that the child faces a risk of significant harm?").fill(
        "Threatened by the line's holders over a drug debt"
    )
    page.get_by_role("button", name="Record police protection").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("It lasts at most 72 hours")
    expect(page.get_by_test_id("protection-status").first).to_contain_text("In police protection")
    assert_accessible(page)

    page.context.clear_cookies()
    sign_in(page, base, "socialworker")
    page.get_by_role("link", name=re.compile(r"reassess the plan by")).first.click()
    expect(page.get_by_role("heading", name="Record the reassessment of the placement plan")).to_be_visible()
    assert_accessible(page)
    today = timezone.localdate()
    group = page.get_by_role("group", name="Date of the reassessment")
    group.get_by_label("Day").fill(str(today.day))
    group.get_by_label("Month").fill(str(today.month))
    group.get_by_label("Year").fill(str(today.year))
    page.get_by_label("The plan changed: a different placement").check()
    page.get_by_label("What the reassessment found, and why").fill("A foster placement near his school")
    page.get_by_role("button", name="Record the reassessment").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("the placement plan was reassessed")
    expect(page.get_by_test_id("protection-dispute").first).to_contain_text("Reassessed")
    assert_accessible(page)


def test_the_youth_offending_team_records_the_yot_csc_check(page, live_app):
    """R-53, F-17: Islington's youth justice worker follows the dashboard to Tom's early warnings (a
    drug arrest) and records the check; the task leaves the dashboard."""
    base = live_app["url"]
    sign_in(page, base, "yot")
    page.get_by_role("link", name=re.compile(r"^Tom .*Offending indicators recorded")).click()
    expect(page.get_by_role("heading", name="Early warnings and drift", exact=True)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Record the check").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the date you asked")
    assert_accessible(page)
    today = timezone.localdate()
    group = page.get_by_role("group", name="Date you asked children's social care")
    group.get_by_label("Day").fill(str(today.day))
    group.get_by_label("Month").fill(str(today.month))
    group.get_by_label("Year").fill(str(today.year))
    page.get_by_label("Not known yet").check()
    page.get_by_label("What children's social care said").fill("They will visit the family home this week")
    page.get_by_role("button", name="Record the check").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("YOT-CSC check")
    expect(page.get_by_role("table", name=re.compile(r"^YOT.CSC checks"))).to_contain_text("Not known yet")
    assert_accessible(page)
    page.goto(f"{base}/")
    expect(page.get_by_role("link", name=re.compile(r"^Tom .*Offending indicators recorded"))).to_have_count(
        0
    )


def test_the_social_worker_follows_a_drift_alert(page, live_app):
    """Drift between the processes: Kai was released under investigation five weeks ago with no
    decision and no strategy meeting since; Islington's social worker follows the dashboard line to
    the early-warnings page, which names the process and the day each alert is counted from."""
    base = live_app["url"]
    sign_in(page, base, "socialworker")
    page.get_by_role("link", name=re.compile(r"^Kai .*Released under investigation on")).click()
    expect(page.get_by_role("heading", name="Early warnings and drift", exact=True)).to_be_visible()
    drift = page.get_by_test_id("drift")
    expect(drift).to_contain_text("no strategy meeting, plan, order or police protection recorded since")
    expect(drift).to_contain_text("Criminal process, counted from")
    assert_accessible(page)


def test_the_social_worker_records_a_relationship_with_an_adult(page, live_app):
    """F-16 and R-56: a contextual risk recorded from the child page raises the organised
    exploitation prompt among the early warnings."""
    base = live_app["url"]
    sign_in(page, base, "socialworker")
    page.goto(f"{base}/children/")
    page.get_by_role("link", name=re.compile(r"^Kai \(CH-[A-Z0-9-]+\)$")).first.click()
    page.get_by_role("link", name="Contextual safeguarding").click()
    expect(page.get_by_role("heading", name="Contextual safeguarding")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Record the risk").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose what kind of risk it is")
    assert page.title().startswith("Error:")
    assert_accessible(page)
    page.get_by_label("A relationship with an adult").check()
    today = timezone.localdate()
    group = page.get_by_role("group", name="Date it became known")
    group.get_by_label("Day").fill(str(today.day))
    group.get_by_label("Month").fill(str(today.month))
    group.get_by_label("Year").fill(str(today.year))
    page.get_by_label("What is known about it").fill("Collected from college by a man in his thirties")
    page.get_by_role("button", name="Record the risk").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Recorded: the contextual risk")
    expect(page.get_by_role("table", name="Contextual risks, latest first")).to_contain_text(
        "A relationship with an adult"
    )
    assert_accessible(page)
    page.get_by_role("link", name="Back to the child's record").click()
    expect(
        page.get_by_text("Organised exploitation risk: a relationship with an adult is recorded")
    ).to_be_visible()


def test_the_social_worker_records_a_referral_to_a_service_and_what_became_of_it(page, live_app):
    """E-17 and R-51: a CAMHS referral recorded, then accepted, counts as a service working with the
    child."""
    base = live_app["url"]
    sign_in(page, base, "socialworker")
    page.goto(f"{base}/children/")
    page.get_by_role("link", name=re.compile(r"^Kai \(CH-[A-Z0-9-]+\)$")).first.click()
    page.get_by_role("link", name="Referrals to services").click()
    expect(page.get_by_role("heading", name="Referrals to services")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Record the referral").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Choose the service the child was referred to"
    )
    assert_accessible(page)
    today = timezone.localdate()

    def fill_date(name: str) -> None:
        group = page.get_by_role("group", name=name)
        group.get_by_label("Day").fill(str(today.day))
        group.get_by_label("Month").fill(str(today.month))
        group.get_by_label("Year").fill(str(today.year))

    page.get_by_label("Child and adolescent mental health services (CAMHS)").check()
    fill_date("Date of the referral")
    page.get_by_label("Why (optional)").fill("Low mood and poor sleep since the arrest")
    page.get_by_role("button", name="Record the referral").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Recorded: the referral to a service")
    page.get_by_role("link", name=re.compile("^Record what became of it")).first.click()
    expect(page.get_by_role("heading", name="What became of the referral")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Accepted").check()
    fill_date("Date of the answer")
    page.get_by_role("button", name="Record what became of it").click()
    expect(page.get_by_test_id("working-now")).to_contain_text(
        "through the referrals recorded here: 1 service"
    )
    expect(page.get_by_role("table", name="Referrals, latest first")).to_contain_text("Accepted")
    assert_accessible(page)


def test_the_social_worker_records_a_seizure_debt_and_its_safety_plan(page, live_app):
    """R-39, F-31: a drug debt raises the early warning on the child page until a safety plan is
    recorded for it."""
    base = live_app["url"]
    sign_in(page, base, "socialworker")
    page.goto(f"{base}/children/")
    page.get_by_role("link", name=re.compile(r"^Kai \(CH-[A-Z0-9-]+\)$")).first.click()
    page.get_by_role("link", name="Drug debts").click()
    expect(page.get_by_role("heading", name="Drug debts")).to_be_visible()
    assert_accessible(page)
    today = timezone.localdate()

    def fill_date(name: str) -> None:
        group = page.get_by_role("group", name=name)
        group.get_by_label("Day").fill(str(today.day))
        group.get_by_label("Month").fill(str(today.month))
        group.get_by_label("Year").fill(str(today.year))

    page.get_by_label("Drugs or cash seized by the police").check()
    fill_date("Date it became known")
    page.get_by_label("How much, in pounds (optional)").fill("three hundred")
    page.get_by_role("button", name="Record the debt").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the amount as a number of pounds")
    assert_accessible(page)
    page.get_by_label("How much, in pounds (optional)").fill("300")
    page.get_by_role("button", name="Record the debt").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Recorded: the drug debt")
    expect(page.get_by_role("table", name="Drug debts, latest first")).to_contain_text("No safety plan")
    page.get_by_role("link", name="Back to the child's record").click()
    expect(page.get_by_text("A drug debt is recorded (drugs or cash seized by the police)")).to_be_visible()
    page.get_by_role("link", name="Drug debts").click()
    page.get_by_role("link", name=re.compile("^Record the safety plan")).first.click()
    fill_date("Date the safety plan was made")
    page.get_by_label("What the safety plan is").fill("Stays with his aunt; lifts to school; weekly check-in")
    page.get_by_role("button", name="Record the safety plan").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Recorded: the safety plan")
    assert_accessible(page)
