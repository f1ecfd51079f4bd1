"""The officer's journey through the Django test client: forms, errors, responses and downloads."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from ccehub.audit.models import AuditEvent
from ccehub.children.models import Child
from ccehub.common.validators import MSG_INCIDENT_BEFORE_BIRTH
from ccehub.incidents import forms as F
from ccehub.incidents import services
from ccehub.incidents.models import ActionStatus, IdentifyingIncident, RebuttalStatus, TriageDecision
from tests.incidents.conftest import revealing
from tests.incidents.test_services import STRONG_NOTE

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-test-password"


def sign_in(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def form_data(**overrides):
    yesterday = timezone.localdate() - timedelta(days=1)
    dob = yesterday.replace(year=yesterday.year - 15) if yesterday.month != 2 or yesterday.day != 29 else None
    data = {
        "child_choice": "new",
        "given_name": "Unknown",
        "family_name": "",
        "sex": "male",
        "date_of_birth_day": str(dob.day) if dob else "1",
        "date_of_birth_month": str(dob.month) if dob else "3",
        "date_of_birth_year": str(dob.year) if dob else str(yesterday.year - 15),
        "occurred_on_day": str(yesterday.day),
        "occurred_on_month": str(yesterday.month),
        "occurred_on_year": str(yesterday.year),
        "occurred_time": "02:15",
        "incident_type": "arrest_pwits",
        "place": "Margate",
        "county_lines_linked": "yes",
        "arrested": "yes",
        "out_of_area": "yes",
        "offences": ["pwits_class_a"],
        "indicators": ["cash", "multiple_phones"],
        "policy": "current",
    }
    data.update(overrides)
    return data


def counts():
    return Child.objects.count(), IdentifyingIncident.objects.count(), TriageDecision.objects.count()


def error_summary(response) -> str:
    html = response.content.decode()
    match = re.search(r'<div class="govuk-error-summary".*?</ul>', html, re.S)
    assert match, "no error summary"
    return match.group(0)


def test_officer_records_an_unknown_child_and_sees_the_triage(client, people):
    """Valid form → one child, one incident, one decision; the page shows the result in plain words."""
    sign_in(client, people["users"]["officer"])
    assert client.get(reverse("incidents:new")).status_code == 200
    response = client.post(reverse("incidents:new"), form_data())
    decision = TriageDecision.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "incidents:decision", args=[decision.pk]
    )
    page = client.get(response["Location"]).content.decode()
    assert "Presumed a potential victim of child criminal exploitation" in page
    assert "high-risk safeguarding priority with an urgent crisis response" in page
    assert "Safeguard the child immediately" in page and "Immediately (from 02:15 on" in page
    assert "Within 72 hours (by 02:15 on" in page
    assert decision.child.identity.given_name == "Unknown"
    assert decision.incident.arresting_force.code == "kent" and decision.incident.place == "Margate"


def test_the_same_form_sent_twice_records_one_incident(client, people):
    """Back, then submit again (or a second click without JavaScript) sends the same form: the second
    time shows the incident already recorded instead of recording it, and its triage, twice."""
    from ccehub.incidents.views import MSG_ALREADY_RECORDED

    sign_in(client, people["users"]["officer"])
    page = client.get(reverse("incidents:new")).content.decode()
    token = re.search(r'name="submission" value="([^"]+)"', page).group(1)
    first = client.post(reverse("incidents:new"), {**form_data(), "submission": token})
    again = client.post(reverse("incidents:new"), {**form_data(), "submission": token})
    assert counts()[1:] == (1, 1)
    assert again.status_code == 302 and again["Location"] == first["Location"]
    assert MSG_ALREADY_RECORDED in client.get(again["Location"]).content.decode()
    # a new form (a new token) records a new incident
    fresh = re.search(
        r'name="submission" value="([^"]+)"', client.get(reverse("incidents:new")).content.decode()
    )
    assert fresh.group(1) != token
    client.post(reverse("incidents:new"), {**form_data(), "submission": fresh.group(1)})
    assert counts()[1:] == (2, 2)


def test_the_same_form_from_another_session_or_user(client, people):
    """The token used to be remembered in the session, so two sends at once (or one after signing in
    again) recorded two incidents. It is kept on the incident, unique per user: another session of
    the same user finds the incident; another user sending the same token records their own."""
    from django.test import Client

    from ccehub.incidents.views import WEB_KEY_PREFIX

    sign_in(client, people["users"]["officer"])
    token = "t-" + "y" * 20
    first = client.post(reverse("incidents:new"), {**form_data(), "submission": token})
    incident = IdentifyingIncident.objects.get()
    assert incident.request_key == WEB_KEY_PREFIX + token
    again = Client()
    sign_in(again, people["users"]["officer"])
    second = again.post(reverse("incidents:new"), {**form_data(), "submission": token})
    assert second.status_code == 302 and second["Location"] == first["Location"]
    assert counts()[1:] == (1, 1)
    colleague = Client()
    sign_in(colleague, people["users"]["specialist"])
    theirs = colleague.post(reverse("incidents:new"), {**form_data(), "submission": token})
    assert theirs.status_code == 302 and theirs["Location"] != first["Location"]
    assert counts()[1:] == (2, 2)


def test_one_web_token_once_per_user_in_the_database(client, people):
    """Two sends at once both pass the look-up; the unique key makes the second insert fail (on
    PostgreSQL after waiting for the first's transaction), and the view shows the first's decision."""
    from django.db import IntegrityError, transaction

    sign_in(client, people["users"]["officer"])
    token = "t-" + "z" * 20
    client.post(reverse("incidents:new"), {**form_data(), "submission": token})
    incident = IdentifyingIncident.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        IdentifyingIncident.objects.create(
            child=incident.child,
            occurred_at=incident.occurred_at,
            incident_type=incident.incident_type,
            recorded_by=incident.recorded_by,
            request_key=incident.request_key,
        )


def test_a_form_with_errors_keeps_its_token_so_the_corrected_one_records(client, people):
    sign_in(client, people["users"]["officer"])
    token = "t-" + "x" * 20
    bad = client.post(reverse("incidents:new"), {**form_data(occurred_on_day="45"), "submission": token})
    assert bad.status_code == 400 and f'name="submission" value="{token}"' in bad.content.decode()
    client.post(reverse("incidents:new"), {**form_data(), "submission": token})
    assert counts()[1:] == (1, 1)


@pytest.mark.parametrize(
    ("overrides", "field", "message", "anchor"),
    [
        (
            {
                "occurred_on_day": "1",
                "occurred_on_month": "3",
                "occurred_on_year": str(timezone.localdate().year + 1),
            },
            "occurred_on",
            F.MSG_INCIDENT_FUTURE,
            "id_occurred_on-day",
        ),
        (
            {"occurred_on_day": "31", "occurred_on_month": "2"},
            "occurred_on",
            F.MSG_INCIDENT_DATE_REAL,
            "id_occurred_on-day",
        ),
        (
            {
                "date_of_birth_day": "1",
                "date_of_birth_month": "3",
                "date_of_birth_year": str(timezone.localdate().year - 1),
                "occurred_on_day": "1",
                "occurred_on_month": "3",
                "occurred_on_year": str(timezone.localdate().year - 2),
            },
            "occurred_on",
            MSG_INCIDENT_BEFORE_BIRTH,
            "id_occurred_on-day",
        ),
        # A 2-digit year is refused, never read as the year 6 or 22 (black-box finding).
        (
            {"date_of_birth_day": "1", "date_of_birth_month": "1", "date_of_birth_year": "06"},
            "date_of_birth",
            F.MSG_DOB_YEAR,
            "id_date_of_birth-day",
        ),
        (
            {"occurred_on_day": "1", "occurred_on_month": "6", "occurred_on_year": "22"},
            "occurred_on",
            F.MSG_INCIDENT_YEAR,
            "id_occurred_on-day",
        ),
        (
            {
                "occurred_on_day": "1",
                "occurred_on_month": "6",
                "occurred_on_year": "1899",
                "date_of_birth_day": "",
                "date_of_birth_month": "",
                "date_of_birth_year": "",
            },
            "occurred_on",
            F.MSG_INCIDENT_TOO_EARLY_FORM,
            "id_occurred_on-day",
        ),
        (
            {"date_of_birth_day": "1", "date_of_birth_month": "1", "date_of_birth_year": "1800"},
            "date_of_birth",
            F.MSG_DOB_TOO_OLD_FORM,
            "id_date_of_birth-day",
        ),
        ({"offences": ["pwits_class_z"]}, "offences", F.MSG_OFFENCE_CODE, "id_offences"),
        ({"indicators": ["telepathy"]}, "indicators", F.MSG_INDICATOR_CODE, "id_indicators"),
        ({"occurred_time": "25:00"}, "occurred_time", F.MSG_TIME_REAL, "id_occurred_time"),
        ({"county_lines_linked": ""}, "county_lines_linked", F.MSG_COUNTY_LINES, "id_county_lines_linked"),
        ({"estimated_age": "fifteen"}, "estimated_age", F.MSG_ESTIMATED_AGE, "id_estimated_age"),
        ({"co_present_ages": "19, old"}, "co_present_ages", F.MSG_CO_PRESENT, "id_co_present_ages"),
        ({"child_choice": "existing", "child_pid": ""}, "child_pid", F.MSG_CHILD_PID, "id_child_pid"),
        ({"child_choice": ""}, "child_choice", F.MSG_CHILD_CHOICE, "id_child_choice"),
        ({"policy": "next-year"}, "policy", F.MSG_POLICY, "id_policy"),
    ],
)
def test_bad_input_gets_an_error_summary_and_saves_nothing(client, people, overrides, field, message, anchor):
    """Each mistake is named in a GOV.UK error summary linking to the field; nothing is saved."""
    sign_in(client, people["users"]["officer"])
    before = counts()
    response = client.post(reverse("incidents:new"), form_data(**overrides))
    assert response.status_code == 400
    summary = error_summary(response)
    assert f'href="#{anchor}"' in summary and message.replace("'", "&#x27;") in summary
    assert response.content.decode().count("<title>Error: ") == 1
    assert counts() == before


def test_incident_for_an_existing_child_by_pid(client, people, presumed):
    """Known child by pseudonymous ID: recorded against that child; an unknown or hidden ID is refused."""
    sign_in(client, people["users"]["officer"])
    pid = presumed.child.pseudonymous_id
    response = client.post(
        reverse("incidents:new"), form_data(child_choice="existing", child_pid=pid.lower())
    )
    assert response.status_code == 302
    assert IdentifyingIncident.objects.filter(child=presumed.child).count() == 2
    before = counts()
    sign_in(client, people["users"]["camden"])
    response = client.post(reverse("incidents:new"), form_data(child_choice="existing", child_pid=pid))
    assert response.status_code == 400 and F.MSG_CHILD_NOT_FOUND in error_summary(response)
    assert counts() == before


def test_incident_from_the_child_page(client, people, presumed):
    """The child page links to the form with the child fixed; posting records against that child."""
    sign_in(client, people["users"]["officer"])
    pid = presumed.child.pseudonymous_id
    child_page = client.get(reverse("children:detail", args=[pid])).content.decode()
    link = f"{reverse('incidents:new')}?child={pid}"
    assert f'href="{link}"' in child_page and "Triage: Arrest for possession" in child_page
    assert "Presumed a potential victim" in child_page
    page = client.get(link).content.decode()
    assert "Is the child already recorded" not in page and pid in page
    data = {
        k: v for k, v in form_data().items() if not k.startswith(("child_", "date_of_birth", "given", "sex"))
    }
    response = client.post(link, {**data, "child": pid})
    assert response.status_code == 302
    assert TriageDecision.objects.filter(child=presumed.child).count() == 2


def test_override_and_accept_from_the_decision_page(client, people, presumed):
    """Override needs a reason (error summary without one); accept is a button."""
    sign_in(client, people["users"]["officer"])
    action = presumed.actions.get(code="bail_not_rui")
    url = reverse("incidents:action-override", args=[action.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": "   "})
    assert response.status_code == 400 and F.MSG_OVERRIDE_REASON in error_summary(response)
    response = client.post(url, {"reason": "Remanded in custody by the court"})
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == ActionStatus.OVERRIDDEN
    accept = presumed.actions.get(code="refer_to_nrm")
    response = client.post(reverse("incidents:action-accept", args=[accept.pk]))
    assert response.status_code == 302
    accept.refresh_from_db()
    assert accept.status == ActionStatus.ACCEPTED
    page = client.get(reverse("incidents:decision", args=[presumed.pk])).content.decode()
    assert "Remanded in custody by the court" in page and "Reason for overriding" in page


def test_download_and_printable_record(client, people, presumed):
    """The JSON record holds the exact input and output; both downloads are audited as exports."""
    sign_in(client, people["users"]["officer"])
    response = client.get(reverse("incidents:record-json", args=[presumed.pk]))
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["inputs"] == presumed.inputs and data["outputs"] == presumed.outputs
    assert [a["code"] for a in data["actions"]] == [a["code"] for a in presumed.outputs["actions"]]
    page = client.get(reverse("incidents:record", args=[presumed.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and "Triage decision record" in html and "incidents/print.js" in html
    assert "incidents/triage.css" in html and "<form" not in html.split("<main", 1)[1].split("</main>")[0]
    exports = AuditEvent.objects.filter(action="export", child_pid=presumed.child.pseudonymous_id)
    assert exports.count() == 2


def test_rebuttal_journey_through_the_pages(client, people, presumed):
    """Officer requests with evidence (a weak note is refused on the page); the officer cannot
    decide; a specialist approves and lands on the new decision."""
    officer, specialist = people["users"]["officer"], people["users"]["specialist"]
    sign_in(client, officer)
    url = reverse("incidents:rebuttal", args=[presumed.pk])
    response = client.post(url, {"evidence_note": "No comment interview"})
    assert response.status_code == 400 and "R-38" in error_summary(response)
    assert client.post(url, {"evidence_note": STRONG_NOTE}).status_code == 302
    decide = reverse("incidents:rebuttal-decide", args=[presumed.pk])
    # The officer cannot decide: the page is refused as the POST is (403, audited), not shown.
    response = client.get(decide)
    page = response.content.decode()
    assert response.status_code == 403
    assert services.MSG_APPROVER_ROLE in page and "Record my decision" not in page
    assert AuditEvent.objects.filter(action="denied", object_type="triage_rebuttal").count() == 1
    for data in ({"outcome": "approve", "reason": "I say so"}, {}):
        response = client.post(decide, data)
        assert response.status_code == 403 and services.MSG_APPROVER_ROLE in response.content.decode()
    presumed.refresh_from_db()
    assert presumed.rebuttal_status == RebuttalStatus.PENDING_APPROVAL
    assert AuditEvent.objects.filter(action="denied", object_type="triage_rebuttal").count() == 3
    client.logout()
    sign_in(client, specialist)
    page = client.get(reverse("incidents:decision", args=[presumed.pk])).content.decode()
    assert "Approve or refuse the rebuttal" in page
    response = client.post(decide, {"outcome": "approve", "reason": "Full download reviewed"})
    new = TriageDecision.objects.get(supersedes=presumed)
    assert response.status_code == 302 and response["Location"] == reverse(
        "incidents:decision", args=[new.pk]
    )
    page = client.get(reverse("incidents:decision", args=[presumed.pk])).content.decode()
    assert "A later decision replaces this one" in page


def test_other_agencies_get_not_found_and_it_is_audited(client, people, presumed):
    """Camden has no basis: 404 for the decision, its record and its actions; each refusal audited."""
    sign_in(client, people["users"]["camden"])
    action = presumed.actions.first()
    for url in (
        reverse("incidents:decision", args=[presumed.pk]),
        reverse("incidents:record-json", args=[presumed.pk]),
        reverse("incidents:action-override", args=[action.pk]),
        reverse("incidents:decision", args=["not-a-uuid"]),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("incidents:action-accept", args=[action.pk])).status_code == 404
    action.refresh_from_db()
    assert action.status == ActionStatus.OPEN
    assert AuditEvent.objects.filter(username="t.camden", action="denied").count() == 5


def test_analyst_sees_no_date_of_birth(client, people, presumed):
    """Pseudonymised: no DOB, no dates in the reasons, no days-until-18, and no action buttons."""
    sign_in(client, people["users"]["officer"])
    assert revealing(client.get(reverse("incidents:decision", args=[presumed.pk])).content.decode())
    client.logout()
    sign_in(client, people["users"]["analyst"])
    page = client.get(reverse("incidents:decision", args=[presumed.pk])).content.decode()
    assert revealing(page) == [] and "Withheld" in page and "[date withheld]" in page
    assert "Days from the incident to the 18th birthday" not in page and "Mark as done" not in page
    data = json.loads(client.get(reverse("incidents:record-json", args=[presumed.pk])).content)
    assert data["inputs"]["date_of_birth"] == "withheld" and revealing(data) == []
    assert client.get(reverse("incidents:new")).status_code == 403


def test_navigation_and_dashboard(client, people, presumed):
    """Police see 'Record an incident'; others do not. The dashboard lists the open triage actions."""
    sign_in(client, people["users"]["officer"])
    page = client.get("/").content.decode()
    assert "Record an incident" in page and "Triage: Safeguard the child immediately" in page
    assert "Overdue" in page
    client.logout()
    sign_in(client, people["users"]["sw"])
    page = client.get("/").content.decode()
    assert "Record an incident" not in page and "Triage: Safeguard the child immediately" in page


def test_retriage_button(client, people, presumed):
    """'Triage again' makes a new decision and keeps the old one in the history table."""
    sign_in(client, people["users"]["officer"])
    response = client.post(reverse("incidents:retriage", args=[presumed.pk]))
    new = TriageDecision.objects.get(supersedes=presumed)
    assert response["Location"] == reverse("incidents:decision", args=[new.pk])
    page = client.get(response["Location"]).content.decode()
    assert "History of decisions on this incident" in page and "(this decision)" in page


def test_redact_hides_dates_and_day_counts():
    """Pseudonymised reasons carry neither dates nor day counts (either reveals the date of birth)."""
    from ccehub.incidents.presenters import redact

    text = redact("R-24: aged 16, 18th birthday 2028-07-29, 623 days away; 1,020 days before; 1 day")
    assert "2028" not in text and "623" not in text and "1,020" not in text and " 1 day" not in text


def test_pseudonymous_id_example_has_the_real_shape():
    """The form's hint and message show an ID shaped like the ones issued (CH-XXXXX-XXXXX), not one
    that no child could have."""
    import re

    from ccehub.children.models import new_pseudonymous_id
    from ccehub.incidents.forms import MSG_CHILD_PID, IncidentForm

    shape = re.compile(r"CH-[0-9A-Z]{5}-[0-9A-Z]{5}")
    assert shape.fullmatch(new_pseudonymous_id())
    for text in (MSG_CHILD_PID, str(IncidentForm.base_fields["child_pid"].help_text)):
        found = re.findall(r"CH-[0-9A-Z-]+", text)
        assert found and all(shape.fullmatch(example) for example in found), text


def test_an_immediate_action_reads_do_now_not_overdue(client, people, agencies):
    """ "Safeguard the child immediately" is due at the incident itself: the moment it is recorded it
    must read "Do now", not "Overdue" (which would say a deadline was missed that never gave time)."""
    from ccehub.incidents.selectors import open_triage_actions
    from tests.incidents.conftest import incident_values, new_child

    occurred = timezone.now() - timedelta(minutes=5)
    dob = (occurred - timedelta(days=15 * 365)).date()
    decision = services.incident_record_and_triage(
        actor=people["officer"],
        new_child=new_child(date_of_birth=dob, home_local_authority=agencies["islington"]),
        **incident_values(occurred_at=occurred),
    )
    sign_in(client, people["users"]["officer"])
    page = client.get(reverse("incidents:decision", args=[decision.pk])).content.decode()
    safeguard = page.split('id="action-safeguard_immediately"', 1)[1].split("</h3>", 1)[0]
    assert ">Do now<" in safeguard and "Overdue" not in page
    assert (
        "to do now"
        in client.get(reverse("children:detail", args=[decision.child.pseudonymous_id])).content.decode()
    )
    [item] = open_triage_actions(actor=people["officer"], children=[decision.child])
    assert item["due_now"] is True and item["overdue"] is False
    dashboard = client.get("/").content.decode()
    assert ">Do now<" in dashboard and ">Overdue<" not in dashboard
    # once done it is neither
    action = decision.actions.get(code="safeguard_immediately")
    services.triage_action_complete(
        actor=people["officer"], action=action, reason="Placed with police protection"
    )
    page = client.get(reverse("incidents:decision", args=[decision.pk])).content.decode()
    assert ">Do now<" not in page.split('id="action-safeguard_immediately"', 1)[1].split("</h3>", 1)[0]


def test_an_immediate_action_left_open_past_the_detention_clock_reads_overdue(client, people, agencies):
    """ "Do now" is for the day of the arrest (the 24-hour PACE clock). "Safeguard immediately" still
    open two days later was missed: it reads "Overdue" on the decision, the child and the dashboard,
    not a "Do now" that stays for ever (the demo's 2019 cases read "Do now" years later)."""
    from ccehub.incidents.selectors import open_triage_actions
    from tests.incidents.conftest import incident_values, new_child

    occurred = timezone.now() - timedelta(days=2)
    dob = (occurred - timedelta(days=15 * 365)).date()
    decision = services.incident_record_and_triage(
        actor=people["officer"],
        new_child=new_child(date_of_birth=dob, home_local_authority=agencies["islington"]),
        **incident_values(occurred_at=occurred),
    )
    sign_in(client, people["users"]["officer"])
    page = client.get(reverse("incidents:decision", args=[decision.pk])).content.decode()
    safeguard = page.split('id="action-safeguard_immediately"', 1)[1].split("</h3>", 1)[0]
    assert ">Overdue<" in safeguard and ">Do now<" not in safeguard
    child_page = client.get(
        reverse("children:detail", args=[decision.child.pseudonymous_id])
    ).content.decode()
    assert "overdue" in child_page and "to do now" not in child_page
    [item] = open_triage_actions(actor=people["officer"], children=[decision.child])
    assert item["overdue"] is True and item["due_now"] is False
    dashboard = client.get("/").content.decode()
    assert ">Overdue<" in dashboard and ">Do now<" not in dashboard
