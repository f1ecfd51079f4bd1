"""The CCE panel in a real browser, with axe-core (WCAG 2.1 AA) on every page:

1. the panel lead refers a child, asks for information, schedules a meeting and builds the agenda;
   the chair is refused a decision without health at the table, then records it once health joins;
   Home Office QA returns it, the chair responds, QA confirms and downloads the export;
2. the chair's deferral past the 45-day limit is refused and the case goes to the Home Office;
3. after the decision: the lead records the lead social worker, agrees a joint plan and marks an
   action done, drafts a Safeguarding Order and takes it through the court to a breach and response;
4. a case sent to the Home Office on purpose (Camden's social worker refers, the lead sends it on);
5. the timeliness report, panel against national, with its chart, suppression and CSV;
6. the chair closes a panel case: refused while the panel owes a decision, then closed once the
   case has gone to the Home Office, confirming the warning that the risk is still high;
7. the chair changes the panel's settings: a refusal from the service as an error summary, then saved;
8. a crisis response listed at the panel (W-5): the chair follows her dashboard to the panel case in
   phase 1, the exit window, and agrees a joint plan there: phase 2.

Uses the panel demo (``ccehub/panels/demo.py``): Kai (no referral yet), Ash (referred), Remi (no
referral yet, Camden; a crisis response convened and listed at the panel), and the decided history
behind the timeliness report.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, sign_in

pytestmark = pytest.mark.browser


def _fill_date(page, legend: str, day, within=None) -> None:
    group = (within or page).get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def _switch(page, base: str, username: str) -> None:
    page.context.clear_cookies()
    sign_in(page, base, username)


def _schedule_meeting(page, base: str) -> str:
    page.goto(f"{base}/panels/")
    page.get_by_role("link", name="Schedule a meeting").click()
    expect(page.get_by_role("heading", name="Schedule a meeting")).to_be_visible()
    assert_accessible(page)
    _fill_date(page, "Date of the meeting", timezone.localdate())
    page.get_by_label("This is an extra sitting this month").check()
    page.get_by_label("Why is an extra sitting needed?").fill("Browser test sitting")
    page.get_by_role("button", name="Schedule the meeting").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Meeting scheduled")
    return page.url


def _attendance(page, members: list[str], chair: str) -> None:
    page.get_by_role("link", name="Record attendance").click()
    page.wait_for_url(re.compile(r"/attendance/$"))
    assert_accessible(page)
    present = page.get_by_role("group", name="Who attended?")
    for box in present.get_by_role("checkbox").all():
        box.uncheck()
    for name in members:
        present.get_by_label(re.compile(rf"{re.escape(name)} \(")).check()
    page.get_by_role("group", name="Who chaired?").get_by_label(re.compile(rf"{re.escape(chair)} \(")).check()
    page.get_by_role("button", name="Record attendance").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Attendance recorded")


def test_lead_to_agenda_chair_decides_with_quorum_and_home_office_assures(page, live_app, tmp_path):
    base = live_app["url"]
    sign_in(page, base, "exploitation")
    page.get_by_role("link", name="CCE panel", exact=True).click()
    expect(page.get_by_role("heading", name="CCE panel", exact=True)).to_be_visible()
    assert_accessible(page)

    # The referral: choose the child, then the facts; the rules choose the route.
    page.get_by_role("link", name="Make an NRM referral").click()
    assert_accessible(page)
    kai_option = page.locator("option", has_text=re.compile(r"^Kai \(CH-")).get_attribute("value")
    page.get_by_label("Which child are you referring?").select_option(kai_option)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Make an NRM referral")).to_be_visible()
    page.get_by_role("button", name="Make the referral").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter why you are referring this child")
    assert page.title().startswith("Error:")
    assert_accessible(page)
    page.get_by_role("group", name="Which incident is the referral about?").get_by_label(
        re.compile(r"Arrest for possession")
    ).check()
    page.get_by_role("group", name="Is the case flagged as county lines?").get_by_label("Yes").check()
    page.get_by_label("Suspicion of exploitation").check()
    page.get_by_label("What have you seen or been told?").fill(
        "Found in a dealing base with cash and two phones"
    )
    page.get_by_role("button", name="Make the referral").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Route: Local panel")
    expect(page.get_by_text("Route: local panel (Islington and Camden CCE Panel).")).to_be_visible()
    kai = page.locator(".govuk-caption-l").inner_text().strip()
    assert kai.startswith("CH-")
    assert_accessible(page)

    # Ask health for information, due in a week.
    page.get_by_role("link", name="Ask for information").click()
    assert_accessible(page)
    page.get_by_label("Who are you asking?").select_option("health")
    page.get_by_label("Their agency").select_option(label="Whittington Health NHS Trust")
    page.get_by_label("Their name").fill("Dr Pat Health")
    page.get_by_label("What do you need to know?").fill("Any A&E attendances or injuries this year?")
    _fill_date(page, "Date the answer is due", timezone.localdate() + timedelta(days=7))
    page.get_by_role("button", name="Send the request").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Information requested from Dr Pat Health"
    )
    assert_accessible(page)

    # Schedule a sitting and build the agenda: Kai is listed, with why.
    meeting_url = _schedule_meeting(page, base)
    page.get_by_role("button", name="Build the agenda").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Agenda built")
    expect(page.get_by_role("heading", name=kai)).to_be_visible()
    expect(page.get_by_text("1 information request outstanding").first).to_be_visible()
    assert_accessible(page)

    # Attendance without health: the chair is refused.
    _attendance(page, ["Morgan Panel-Chair", "Chris Panel-Member"], "Morgan Panel-Chair")
    _switch(page, base, "panelchair")
    page.goto(meeting_url)
    page.get_by_role("link", name=f"Record the decision for {kai}").click()
    expect(page.locator(".govuk-warning-text")).to_contain_text("health not present")
    assert_accessible(page)
    page.get_by_label("Reasonable grounds: positive").check()
    page.get_by_label("Rationale", exact=True).fill("Consistent accounts from police and social care")
    page.get_by_label("Evidence considered").fill("Arrest record\nSocial care chronology")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "The panel is not quorate for this case: health not present"
    )
    assert_accessible(page)

    # Health joins; the decision is recorded.
    _switch(page, base, "exploitation")
    page.goto(meeting_url)
    _attendance(
        page, ["Morgan Panel-Chair", "Chris Panel-Member", "Dr Ade Health-Lead"], "Morgan Panel-Chair"
    )
    _switch(page, base, "panelchair")
    page.goto(meeting_url)
    page.get_by_role("link", name=f"Record the decision for {kai}").click()
    expect(page.get_by_text("Quorum: Quorate")).to_be_visible()
    page.get_by_label("Reasonable grounds: positive").check()
    page.get_by_label("Rationale", exact=True).fill("Consistent accounts from police, social care and health")
    page.get_by_label("Evidence considered").fill("Arrest record\nSocial care chronology\nHealth summary")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Decision recorded: Reasonable grounds: positive"
    )
    assert_accessible(page)

    # Home Office QA returns it; the chair responds; QA confirms and downloads the export.
    _switch(page, base, "homeoffice")
    page.goto(f"{base}/panels/qa/?status=pending")
    expect(page.get_by_role("heading", name="Quality assurance of panel decisions")).to_be_visible()
    expect(page.get_by_text(kai)).to_have_count(0)  # QA sees a QA reference, not the pseudonymous id
    assert_accessible(page)
    page.get_by_role("link", name=re.compile(r"^QA-")).first.click()
    assert_accessible(page)
    page.get_by_role("button", name="Return to the panel").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter why the decision is returned")
    assert_accessible(page)
    page.get_by_label("Why is the decision returned?").fill("Say how the health summary was weighed")
    page.get_by_role("button", name="Return to the panel").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Decision returned to the panel")

    _switch(page, base, "panelchair")
    page.goto(f"{base}/panels/qa/?status=returned")
    page.get_by_role("link", name=kai).first.click()
    page.get_by_label("The panel's response").fill("The health summary corroborated the injuries: item 3")
    page.get_by_role("button", name="Send the response").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Response recorded")
    assert_accessible(page)

    _switch(page, base, "homeoffice")
    page.goto(f"{base}/panels/qa/?status=pending")
    page.get_by_role("link", name=re.compile(r"^QA-")).first.click()
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Decision confirmed")
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    saved = tmp_path / "qa.csv"
    download.value.save_as(saved)
    text = saved.read_text()
    assert text.startswith("qa_reference,") and "confirmed" in text and "Kai" not in text and kai not in text


def test_deferral_past_the_limit_is_refused_and_escalated(page, live_app):
    base = live_app["url"]
    sign_in(page, base, "exploitation")
    meeting_url = _schedule_meeting(page, base)
    page.get_by_role("button", name=re.compile(r"^Add to the agenda \(")).first.click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Case added to the agenda")
    case = page.locator("ol.govuk-list h3").first.inner_text().strip()
    _attendance(
        page, ["Morgan Panel-Chair", "Chris Panel-Member", "Dr Ade Health-Lead"], "Morgan Panel-Chair"
    )

    _switch(page, base, "panelchair")
    page.goto(meeting_url)
    page.get_by_role("link", name=f"Record the decision for {case}").click()
    page.get_by_label("Defer for more information").check()
    page.get_by_label("Rationale", exact=True).fill("The panel is not in agreement")
    page.get_by_label("Evidence considered").fill("Arrest record")
    page.get_by_label("Dissent").fill("The police member thinks the account is not corroborated")
    page.get_by_label("If deferring: why, and what information is needed?").fill(
        "Awaiting the CAMHS assessment"
    )
    _fill_date(
        page,
        "If deferring: date the panel will consider the case again",
        timezone.localdate() + timedelta(days=60),
    )
    page.get_by_role("button", name="Record the decision").click()
    banner = page.locator(".govuk-notification-banner")
    expect(banner).to_contain_text("The case cannot be deferred beyond")
    expect(banner).to_contain_text("referred to the Home Office Single Competent Authority")
    expect(page.get_by_text("Referred to the Home Office SCA").first).to_be_visible()
    assert_accessible(page)


def _child_pid(page, base: str, name: str) -> str:
    page.goto(f"{base}/children/")
    link = page.get_by_role("link", name=re.compile(rf"^{name} \(CH-")).first
    return link.inner_text().split("(")[1].rstrip(")")


def _banner(page, text: str) -> None:
    expect(page.locator(".govuk-notification-banner")).to_contain_text(text)


def test_after_the_decision_joint_plan_and_safeguarding_order(page, live_app):
    base = live_app["url"]
    today = timezone.localdate()
    sign_in(page, base, "exploitation")
    ash = _child_pid(page, base, "Ash")
    page.goto(f"{base}/panels/")
    page.get_by_role("link", name=ash, exact=True).first.click()
    expect(page.get_by_role("heading", name="NRM referral")).to_be_visible()

    # The lead social worker (who may not chair Ash's decision).
    page.get_by_role("link", name="Record lead social worker").click()
    assert_accessible(page)
    page.get_by_label("Their account").select_option(label="Jo Social-Worker")
    page.get_by_role("button", name="Save").click()
    _banner(page, "Lead social worker recorded: Jo Social-Worker")

    # A joint plan: refused empty, then agreed with one action, which is then marked done.
    page.get_by_role("link", name="Agree a joint plan").click()
    expect(page.get_by_role("heading", name="Agree a joint plan")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Save the plan").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter what the plan is for")
    assert_accessible(page)
    page.get_by_label("What is the plan for?").fill("Exit the line safely; a school place; CAMHS follow-up")
    _fill_date(page, "Review date", today + timedelta(days=60))
    action = page.get_by_role("group", name="Action 1")
    action.get_by_label("What needs doing").fill("Debt threat assessment")
    action.get_by_label("Agency that owns it").select_option(label="Metropolitan Police Service")
    action.get_by_label("Person who owns it").fill("DI Sam Vice-Chair")
    _fill_date(page, "Due date", today + timedelta(days=7), within=action)
    page.get_by_role("button", name="Save the plan").click()
    _banner(page, "Joint plan recorded with 1 action")
    expect(page.get_by_role("heading", name="Joint plan")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Mark as done (Debt threat assessment)").click()
    _banner(page, "Action marked as done: Debt threat assessment")
    expect(page.locator("table strong.govuk-tag", has_text="Done")).to_be_visible()
    # A review of the plan: refused without the risk, then recorded; the plan lists it.
    page.get_by_role("link", name="Record a review").click()
    expect(page.get_by_role("heading", name="Review the joint plan")).to_be_visible()
    page.get_by_role("button", name="Record the review").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Give the exploitation risk")
    assert_accessible(page)
    _fill_date(page, "Date of the review", today)
    page.get_by_label("Medium").check()
    page.get_by_label("What did the review find, and what changes?").fill(
        "Debt threat assessed; school place next"
    )
    _fill_date(page, "Date of the next review", today + timedelta(days=28))
    page.get_by_role("button", name="Record the review").click()
    _banner(page, "Review recorded: the next review is on")
    expect(page.get_by_text("Debt threat assessed; school place next")).to_be_visible()
    assert_accessible(page)

    # A Safeguarding Order: drafted, applied for, granted, in force, breached, answered by the court.
    page.get_by_role("link", name="Back to the referral").click()
    page.get_by_role("link", name="Draft a Safeguarding Order").click()
    assert_accessible(page)
    page.get_by_label("An existing order, adapted").check()
    page.get_by_label("Legal basis in detail").fill("CCE prevention order (adapted)")
    condition = page.get_by_role("group", name="Condition 1")
    condition.get_by_label("Type of condition").select_option(label="Curfew")
    condition.get_by_label("Condition", exact=True).fill("Home from 21:00 to 07:00")
    person = page.get_by_role("group", name="Person 1 the order protects the child against (optional)")
    person.get_by_label("Record reference").fill("Tyler Example")
    person.get_by_label("Agency that holds the record").select_option(label="Metropolitan Police Service")
    page.get_by_role("button", name="Save the draft").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("never a name")
    assert_accessible(page)
    person.get_by_label("Record reference").fill("INT-2026-0042")
    page.get_by_role("button", name="Save the draft").click()
    _banner(page, "Safeguarding Order drafted")
    assert_accessible(page)

    def step(link: str, dates: dict[str, object]) -> None:
        page.get_by_role("link", name=link).click()
        for legend, day in dates.items():
            _fill_date(page, legend, day)
        page.get_by_role("button", name="Save").click()

    step("Record the application to the court", {"Date of the application": today - timedelta(days=20)})
    _banner(page, "Order updated: Applied for")
    page.get_by_role("link", name="Record that the court granted the order").click()
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the date the order was made")
    assert_accessible(page)
    for legend, day in {
        "Date of the hearing": today - timedelta(days=10),
        "Date the order was made": today - timedelta(days=10),
        "Date it starts": today - timedelta(days=9),
        "Date it expires": today + timedelta(days=300),
    }.items():
        _fill_date(page, legend, day)
    page.get_by_role("button", name="Save").click()
    _banner(page, "Order updated: Granted")
    step("Record that the order is in force", {"Date it came into force": today - timedelta(days=9)})
    _banner(page, "Order updated: Active")
    page.get_by_role("link", name="Report a breach").click()
    assert_accessible(page)
    _fill_date(page, "Date of the breach", today - timedelta(days=2))
    page.get_by_label("What happened?").fill("Seen with INT-2026-0042 after curfew")
    page.get_by_role("button", name="Report the breach").click()
    _banner(page, "Breach recorded")
    expect(page.get_by_text("Breach reported").first).to_be_visible()
    page.get_by_role("link", name=re.compile(r"^Record the court's response")).click()
    assert_accessible(page)
    page.get_by_label("Warning").check()
    _fill_date(page, "Date of the response", today)
    page.get_by_role("button", name="Record the response").click()
    _banner(page, "The court's response is recorded")
    expect(page.locator(".govuk-summary-list").first).to_contain_text("Active")
    assert_accessible(page)

    page.goto(f"{base}/panels/monitoring/")
    expect(page.get_by_role("link", name=re.compile(r"^1 of 1 done"))).to_be_visible()
    assert_accessible(page)


def test_case_sent_to_the_home_office_on_purpose(page, live_app):
    base = live_app["url"]
    sign_in(page, base, "camden.sw")
    page.goto(f"{base}/panels/referrals/new/")
    remi = page.locator("option", has_text=re.compile(r"^Remi \(CH-")).get_attribute("value")
    page.get_by_label("Which child are you referring?").select_option(remi)
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("group", name="Which incident is the referral about?").get_by_label(
        re.compile(r"Arrest for possession")
    ).check()
    page.get_by_role("group", name="Is the case flagged as county lines?").get_by_label("Yes").check()
    page.get_by_label("Suspicion of exploitation").check()
    page.get_by_label("What have you seen or been told?").fill("Arrested in a dealing base in Camden")
    page.get_by_role("button", name="Make the referral").click()
    _banner(page, "Route: Local panel")
    referral_url = page.url

    _switch(page, base, "exploitation")
    page.goto(referral_url)
    page.get_by_role("link", name="Refer to the Home Office SCA").click()
    expect(page.locator(".govuk-warning-text")).to_contain_text("This cannot be undone")
    assert_accessible(page)
    page.get_by_role("button", name="Refer to the Home Office").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter why the case is going to the Home Office"
    )
    assert_accessible(page)
    page.get_by_label("Why is the case going to the Home Office?").fill(
        "The child's account links him to a trafficking case already with the SCA"
    )
    page.get_by_role("button", name="Refer to the Home Office").click()
    _banner(page, "referred to the Home Office Single Competent Authority")
    expect(page.get_by_text("Referred to the Home Office SCA").first).to_be_visible()
    expect(page.get_by_role("link", name="Refer to the Home Office SCA")).to_have_count(0)
    assert_accessible(page)


def test_timeliness_report_panel_against_national(page, live_app, tmp_path):
    base = live_app["url"]
    sign_in(page, base, "analyst")
    page.get_by_role("link", name="NRM timeliness").click()
    expect(page.get_by_role("heading", name="NRM decision timeliness")).to_be_visible()
    page.wait_for_load_state("load")
    chart = page.locator("img.app-chart")
    assert chart.evaluate("img => img.complete && img.naturalWidth") > 0
    assert "median" in chart.get_attribute("alt")
    tables = page.locator("table.govuk-table")
    expect(tables).to_have_count(2)
    expect(tables.first.get_by_role("cell", name="fewer than 5").first).to_be_visible()
    numbers = tables.first.locator("td.govuk-table__cell--numeric").all_inner_texts()
    assert any(n.replace(".", "").isdigit() and n != "0" for n in numbers)
    expect(page.get_by_text("All referrals (aggregates only, small numbers suppressed)")).to_be_visible()
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as CSV").click()
    saved = tmp_path / "timeliness.csv"
    download.value.save_as(saved)
    text = saved.read_text()
    assert text.startswith("quarter,route,referrals,") and "local_panel" in text and "national" in text


def test_the_chair_closes_a_panel_case(page, live_app):
    """6. A social worker records a child and refers them (local route); the chair cannot close the
    case while the panel owes a decision; the lead sends it to the Home Office; the chair closes it,
    confirming the warning that the risk is still high; the case shows as closed and the panel no
    longer sees the child's record."""
    base = live_app["url"]
    today = timezone.localdate()
    sign_in(page, base, "socialworker")
    page.goto(f"{base}/children/new/")
    page.get_by_label("Given name").fill("Sky")
    page.get_by_label("Family name").fill("Close-Journey")
    _fill_date(page, "Date of birth", today - timedelta(days=15 * 365 + 60))
    page.get_by_label("Home local authority").select_option(label="Islington")
    page.get_by_role("button", name="Save child").click()
    _banner(page, "Child recorded as")
    pid = page.locator(".govuk-notification-banner").inner_text().split("recorded as")[1].split()[0]
    page.goto(f"{base}/panels/referrals/new/?child={pid}")
    page.get_by_role("group", name="Which incident is the referral about?").get_by_label(
        "Not linked to an incident"
    ).check()
    page.get_by_role("group", name="Is the case flagged as county lines?").get_by_label("Yes").check()
    page.get_by_label("Suspicion of exploitation").check()
    page.get_by_label("What have you seen or been told?").fill("Seen running for an older associate")
    page.get_by_role("button", name="Make the referral").click()
    _banner(page, "Route: Local panel")
    referral_url = page.url

    # The chair: refused while the referral awaits the panel's decision.
    _switch(page, base, "panelchair")
    page.goto(referral_url)
    expect(page.get_by_role("heading", name="Panel case")).to_be_visible()
    page.get_by_role("link", name="Close this panel case").click()
    expect(page.get_by_role("heading", name="Close this panel case")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Close this panel case").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select the exploitation risk now")
    assert page.title().startswith("Error:")
    page.get_by_role("group", name="What is the exploitation risk now?").get_by_label("High").check()
    page.get_by_role("group", name="Has the exploitation risk reduced?").get_by_label("Yes").check()
    page.get_by_label("The exploitation risk has reduced").check()
    page.get_by_label("The reasons for closing").fill("Back at school full time; no missing episodes")
    page.get_by_role("button", name="Close this panel case").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "An NRM referral is still awaiting the panel's reasonable- or conclusive-grounds decision"
    )
    expect(page.locator(".govuk-warning-text")).to_contain_text("The exploitation risk is still high")
    assert_accessible(page)

    # The lead sends the referral to the Home Office: the panel owes nothing more.
    _switch(page, base, "exploitation")
    page.goto(referral_url)
    page.get_by_role("link", name="Refer to the Home Office SCA").click()
    page.get_by_label("Why is the case going to the Home Office?").fill("Linked to a case with the SCA")
    page.get_by_role("button", name="Refer to the Home Office").click()
    _banner(page, "referred to the Home Office Single Competent Authority")
    expect(page.get_by_role("link", name="Close this panel case")).to_have_count(0)  # the lead cannot

    # The chair closes it, confirming the warning.
    _switch(page, base, "panelchair")
    page.goto(referral_url)
    page.get_by_role("link", name="Close this panel case").click()
    page.get_by_role("group", name="What is the exploitation risk now?").get_by_label("High").check()
    page.get_by_role("group", name="Has the exploitation risk reduced?").get_by_label("Yes").check()
    page.get_by_label("The exploitation risk has reduced").check()
    page.get_by_label("The reasons for closing").fill("Back at school full time; no missing episodes")
    page.get_by_role("button", name="Close this panel case").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Confirm that the panel case should close despite the warning"
    )
    assert_accessible(page)
    page.get_by_label("I confirm that the case should close despite the warning").check()
    page.get_by_role("button", name="Close this panel case").click()
    _banner(page, "Panel case closed on")
    summary = page.locator(".govuk-summary-list", has_text="Shared with the panel")
    expect(summary).to_contain_text("Closed")
    expect(summary).to_contain_text("The exploitation risk has reduced")
    expect(summary).to_contain_text("High, reduced")
    expect(page.get_by_role("link", name="Close this panel case")).to_have_count(0)
    assert_accessible(page)

    page.goto(f"{base}/children/{pid}/")
    expect(page.get_by_text("No child with that reference is available to you")).to_be_visible()


def test_the_chair_changes_the_panel_settings(page, live_app):
    """7. The chair opens the panel's settings from the panel home: the current values are filled in;
    leaving health out of the quorum is refused as an error summary; adding education is saved, and
    then taken out again (the demo is shared by the other journeys)."""
    base = live_app["url"]
    sign_in(page, base, "panelchair")
    page.goto(f"{base}/panels/")
    page.get_by_role("link", name="Panel settings").click()
    expect(page.get_by_role("heading", name="Panel settings")).to_be_visible()
    routing = page.get_by_role("group", name="Which referrals can the panel take?")
    expect(routing.get_by_label("Only referrals flagged as county lines")).to_be_checked()
    quorum = page.get_by_role("group", name="Can the panel decide without every sector in the quorum?")
    expect(
        quorum.get_by_role("radio", name="No: a decision needs every sector in the quorum present")
    ).to_be_checked()
    rules = page.get_by_role("group", name="Which rules apply to new referrals?")
    expect(rules.get_by_label("The rules in force on the date of each referral")).to_be_checked()
    sectors = page.get_by_role("group", name="Which sectors must be present for a decision?")
    expect(sectors.get_by_label("Health")).to_be_checked()
    assert_accessible(page)

    sectors.get_by_label("Health").uncheck()
    page.get_by_role("button", name="Save the settings").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Social care, police and health must always be in the quorum"
    )
    assert page.title().startswith("Error:")
    assert_accessible(page)

    sectors = page.get_by_role("group", name="Which sectors must be present for a decision?")
    sectors.get_by_label("Health").check()
    sectors.get_by_label("Education").check()
    page.get_by_role("button", name="Save the settings").click()
    _banner(page, "Panel settings saved")
    sectors = page.get_by_role("group", name="Which sectors must be present for a decision?")
    expect(sectors.get_by_label("Education")).to_be_checked()
    assert_accessible(page)

    sectors.get_by_label("Education").uncheck()
    page.get_by_role("button", name="Save the settings").click()
    _banner(page, "Panel settings saved")
    expect(
        page.get_by_role("group", name="Which sectors must be present for a decision?").get_by_label(
            "Education"
        )
    ).not_to_be_checked()


def test_a_crisis_response_listed_at_the_panel_gets_a_joint_plan(page, live_app):
    """8. Remi's crisis response (demo: convened by Camden, listed at the panel, no plan yet)."""
    base = live_app["url"]
    today = timezone.localdate()
    sign_in(page, base, "panelchair")
    page.goto(f"{base}/")
    page.get_by_role("link", name=re.compile(r"Remi.*phase 1, the exit window: agree a joint plan")).click()
    expect(page.get_by_role("heading", name="Panel case")).to_be_visible()
    expect(page.locator(".govuk-summary-list")).to_contain_text("Phase 1: exit window")
    expect(page.get_by_role("table", name="Crisis responses listed at this case")).to_contain_text(
        "Concern before any arrest (R-22)"
    )
    assert_accessible(page)
    case_url = page.url
    page.get_by_role("link", name="Agree a joint plan").click()
    expect(page.get_by_role("heading", name="Agree a joint plan")).to_be_visible()
    page.get_by_label("What is the plan for?").fill("Exit window over: keep Remi at home and in school")
    _fill_date(page, "Review date", today + timedelta(days=42))
    action = page.get_by_role("group", name="Action 1")
    action.get_by_label("What needs doing").fill("Placement check and safety plan")
    action.get_by_label("Agency that owns it").select_option(label="Camden")
    _fill_date(page, "Due date", today + timedelta(days=7), within=action)
    page.get_by_role("button", name="Save the plan").click()
    _banner(page, "Joint plan recorded with 1 action")
    page.goto(case_url)
    expect(page.locator(".govuk-summary-list")).to_contain_text("Phase 2: intensive support")
    assert_accessible(page)


def test_a_case_with_no_referral_is_discussed_at_a_sitting(page, live_app):
    """9. R-22: the lead lists a case with no referral (the demo has several, Remi's among them until
    a journey above refers him) for discussion at a sitting; after the sitting the chair records
    what the panel made of it."""
    base = live_app["url"]
    sign_in(page, base, "exploitation")
    meeting_url = _schedule_meeting(page, base)
    expect(page.get_by_test_id("discussions")).to_have_count(0)
    page.get_by_role("button", name=re.compile(r"^List for discussion")).first.click()
    _banner(page, "Case listed for discussion (R-22)")
    expect(page.get_by_test_id("discussions")).to_contain_text("Outcome: Not recorded yet")
    assert_accessible(page)
    _attendance(page, ["Morgan Panel-Chair", "Chris Panel-Member"], "Morgan Panel-Chair")
    _switch(page, base, "panelchair")
    page.goto(meeting_url)
    page.get_by_role("link", name=re.compile(r"^Record what the meeting made of it")).first.click()
    expect(page.get_by_role("heading", name="What the meeting made of the case")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Record").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose what the meeting made of the case")
    assert page.title().startswith("Error:")
    assert_accessible(page)
    page.get_by_label("Share intelligence with the police for disruption or enforcement").check()
    page.get_by_label("What was said, and who does what next").fill("The Met will look at the older boys")
    page.get_by_role("button", name="Record").click()
    _banner(page, "Recorded: what the meeting made of the case")
    expect(page.get_by_test_id("discussions")).to_contain_text(
        "Outcome: Share intelligence with the police for disruption or enforcement"
    )
    assert_accessible(page)
