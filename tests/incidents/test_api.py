"""The triage API: the CLI's contract over HTTP, 422s naming the field, auth, audit and OpenAPI."""

from __future__ import annotations

import json

import pytest

from ccehub.agencies.tokens import token_create
from ccehub.audit.models import AuditEvent
from ccehub.incidents.models import IdentifyingIncident, TriageDecision
from ccehub.rules.triage import (
    INPUT_FIELDS,
    MSG_DATE,
    MSG_REQUIRED,
    MSG_UNKNOWN_FIELD,
    OUTPUT_FIELDS,
    parse_triage_input,
    triage,
)
from tests.incidents.conftest import revealing

pytestmark = pytest.mark.django_db

PRESUMED = {
    "incident_date": "2022-09-23",
    "date_of_birth": "2005-01-01",
    "county_lines_linked": True,
    "arrested": True,
    "offences": ["pwits_class_a"],
}


@pytest.fixture
def auth(people):
    token = token_create(user=people["users"]["officer"], name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def post(client, path, body, auth, raw=False):
    data = body if raw else json.dumps(body)
    return client.post(path, data=data, content_type="application/json", **auth)


def test_one_object_in_one_decision_out(client, auth):
    """Same output as ``ccehub triage``: the contract's fields in order, exactly the rules' result."""
    response = post(client, "/api/triage", PRESUMED, auth)
    assert response.status_code == 200
    body = response.json()
    assert list(body) == list(OUTPUT_FIELDS)
    assert body == triage(parse_triage_input(PRESUMED)).to_json()
    assert body["presumption"] == "presumed_victim" and body["days_until_18"] == 100


def test_a_list_in_a_list_out(client, auth):
    items = [PRESUMED, {**PRESUMED, "incident_date": "2022-09-24"}, {"incident_date": "2024-01-01"}]
    response = post(client, "/api/triage", items, auth)
    assert response.status_code == 200
    assert [d["presumption"] for d in response.json()] == [
        "presumed_victim",
        "child_consider_exploitation",
        "age_unknown_treat_as_child",
    ]


@pytest.mark.parametrize(
    ("body", "field", "detail"),
    [
        ({}, "incident_date", MSG_REQUIRED),
        ({**PRESUMED, "colour": "red"}, "colour", MSG_UNKNOWN_FIELD.format(expected=", ".join(INPUT_FIELDS))),
        ({**PRESUMED, "date_of_birth": "01/01/2005"}, "date_of_birth", MSG_DATE),
        ({**PRESUMED, "offences": ["pwits_class_a", "x"]}, "offences[1]", None),
        ({**PRESUMED, "arrested": "yes"}, "arrested", None),
        ([PRESUMED, {**PRESUMED, "date_of_birth": "2005-02-30"}], "[1].date_of_birth", MSG_DATE),
        ("a string", "", None),
    ],
)
def test_invalid_input_is_422_naming_the_field(client, auth, body, field, detail):
    response = post(client, "/api/triage", body, auth)
    assert response.status_code == 422
    data = response.json()
    assert data["field"] == field
    if detail is not None:
        assert data["detail"] == detail


def test_422_lists_every_problem(client, auth):
    """``detail``/``field`` name the first problem; ``errors`` lists every one, as the CLI prints them."""
    body = [PRESUMED, {"incident_date": "bad", "date_of_birth": "bad", "arrested": "yes", "offences": ["x"]}]
    response = post(client, "/api/triage", body, auth)
    assert response.status_code == 422
    data = response.json()
    assert data["field"] == "[1].incident_date"
    assert [e["field"] for e in data["errors"]] == [
        "[1].incident_date",
        "[1].date_of_birth",
        "[1].arrested",
        "[1].offences[0]",
    ]


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ('{"incident_date": "2022-09-23", "incident_date": "2022-09-24"}', "incident_date"),
        ('{"incident_date": "2022-09-23", "estimated_age": NaN}', ""),
        ('{"incident_date": ', ""),
        ("", ""),
        ('{"incident_date": "2022-09-23", "missing_days": ' + "9" * 5000 + "}", ""),
        ('{"incident_date": "9999-12-31T23:59:59-05:00"}', "incident_date"),
        ('{"incident_date": "9999-12-31", "date_of_birth": "9990-03-01"}', "date_of_birth"),
    ],
)
def test_malformed_json_is_422(client, auth, raw, field):
    """Duplicate fields, NaN, broken or empty JSON: 422, never a 500."""
    response = post(client, "/api/triage", raw, auth, raw=True)
    assert response.status_code == 422 and response.json()["field"] == field


def test_auth_is_required(client, people, django_user_model):
    """No credentials: 401. A user with no agency membership: 403."""
    assert post(client, "/api/triage", PRESUMED, {}).status_code == 401
    loner = django_user_model.objects.create_user(username="loner", password="a-long-test-password")
    token = token_create(user=loner, name="t")
    assert post(client, "/api/triage", PRESUMED, {"HTTP_AUTHORIZATION": f"Bearer {token}"}).status_code == 403


def test_session_needs_csrf(people):
    """A browser session must send the CSRF token for this POST."""
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.login(username="t.officer", password="a-long-test-password")
    response = client.post("/api/triage", data=json.dumps(PRESUMED), content_type="application/json")
    assert response.status_code in (401, 403)


def test_stateless_triage_is_audited_without_a_child(client, auth):
    """Audited as a 'triage' look-up with no child; nothing is stored about the incident."""
    post(client, "/api/triage", [PRESUMED, PRESUMED], auth)
    event = AuditEvent.objects.get(object_type="triage")
    assert event.action == "lookup" and event.child_pid == "" and event.channel == "api"
    assert event.username == "t.officer" and "2 incidents" in event.detail and "2005" not in event.detail
    assert not TriageDecision.objects.exists() and not IdentifyingIncident.objects.exists()


def test_openapi_lists_the_triage_endpoints(client, auth):
    spec = client.get("/api/openapi.json", **auth).json()
    assert {"/api/triage", "/api/children/{pid}/incidents", "/api/children/{pid}/triage"} <= set(
        spec["paths"]
    )
    triage_op = spec["paths"]["/api/triage"]["post"]
    assert "requestBody" in triage_op and "422" in triage_op["responses"]
    assert spec["paths"]["/api/children/{pid}/triage"]["get"]


def test_record_an_incident_for_a_child_and_list_its_decisions(client, people, presumed, auth):
    """POST a child's incident: 201 with the stored decision; GET lists every decision, newest first."""
    pid = presumed.child.pseudonymous_id
    body = {
        "occurred_at": "2024-04-02T01:30:00+01:00",
        "incident_type": "missing_person_enquiry",
        "arrested": False,
        "county_lines_linked": True,
        "out_of_area": True,
        "indicators": ["reported_missing", "plugging"],
        "missing_days": 16,
    }
    response = post(client, f"/api/children/{pid}/incidents", body, auth)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["child"] == pid and data["current"] is True
    assert (
        data["inputs"]["missing_days"] == 16 and data["inputs"]["incident_date"] == "2024-04-02T01:30+01:00"
    )
    codes = [a["code"] for a in data["actions"]]
    assert codes[0] == "urgent_medical_assessment" and "missing_crisis_intervention" in codes
    listed = client.get(f"/api/children/{pid}/triage", **auth).json()
    assert [d["id"] for d in listed] == [data["id"], str(presumed.pk)]


def test_child_incident_errors(client, people, presumed):
    """An unknown code is 422 with nothing saved; another agency's child is 404."""
    token = token_create(user=people["users"]["officer"], name="t")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    pid = presumed.child.pseudonymous_id
    before = IdentifyingIncident.objects.count()
    body = {
        "occurred_at": "2024-04-02T01:30:00+01:00",
        "incident_type": "arrest_pwits",
        "arrested": True,
        "offences": ["pwits_class_z"],
    }
    response = post(client, f"/api/children/{pid}/incidents", body, headers)
    assert response.status_code == 422 and "offences" in response.json()["errors"]
    assert IdentifyingIncident.objects.count() == before
    camden = token_create(user=people["users"]["camden"], name="t")
    other = {"HTTP_AUTHORIZATION": f"Bearer {camden}"}
    assert post(client, f"/api/children/{pid}/incidents", {**body, "offences": []}, other).status_code == 404
    assert client.get(f"/api/children/{pid}/triage", **other).status_code == 404
    assert IdentifyingIncident.objects.count() == before


def test_child_incident_refuses_unknown_fields(client, people, presumed, auth):
    pid = presumed.child.pseudonymous_id
    before = IdentifyingIncident.objects.count()
    body = {
        "occurred_at": "2024-04-02T01:30",
        "incident_type": "arrest_pwits",
        "arrested": True,
        "ofences": [],
    }
    response = post(client, f"/api/children/{pid}/incidents", body, auth)
    assert response.status_code == 422
    assert response.json() == {
        "detail": "invalid input",
        "errors": {"ofences": ["is not a recognised field"]},
    }
    assert IdentifyingIncident.objects.count() == before


def test_malformed_body_says_what_is_wrong_and_stores_nothing(client, people, presumed, auth):
    """Ninja alone answers "Cannot parse request body"; the caller is told where the JSON breaks."""
    pid = presumed.child.pseudonymous_id
    before = IdentifyingIncident.objects.count()
    response = post(
        client, f"/api/children/{pid}/incidents", '{"occurred_at": "2024-04-02T01:30",}', auth, raw=True
    )
    assert response.status_code == 400
    assert response.json() == {
        "detail": "The request body is not valid JSON: Expecting property name enclosed in double quotes "
        "(line 1, column 36)"
    }
    response = client.post(
        f"/api/children/{pid}/incidents", data=b"\xff\xfe{", content_type="application/json", **auth
    )
    assert response.status_code == 400 and response.json() == {"detail": "The request body is not UTF-8 text"}
    for body, detail in (
        ('{"occurred_at": ' + "9" * 5000 + "}", "a number has more digits than can be read"),
        ("[" * 100_000 + "]" * 100_000, "JSON nested too deeply"),
    ):
        response = post(client, f"/api/children/{pid}/incidents", body, auth, raw=True)
        assert response.status_code == 400 and detail in response.json()["detail"]
    assert IdentifyingIncident.objects.count() == before
    # other HTTP errors keep their own message
    response = client.get(f"/api/children/{pid}/triage")
    assert response.status_code == 401 and response.json() == {"detail": "Unauthorized"}


def test_openapi_describes_occurred_at_as_read(client, auth):
    spec = client.get("/api/openapi.json", **auth).json()
    described = spec["components"]["schemas"]["IncidentIn"]["properties"]["occurred_at"]["description"]
    assert "with offset)" not in described and "Europe/London" in described


def test_analyst_gets_decisions_without_the_date_of_birth(client, people, presumed):
    """Pseudonymised: the DOB and a child's days to 18 are "withheld" (as in the downloadable record),
    never null, which the contract reserves for "18 or over" (or no date of birth)."""
    token = token_create(user=people["users"]["analyst"], name="t")
    data = client.get(
        f"/api/children/{presumed.child.pseudonymous_id}/triage", HTTP_AUTHORIZATION=f"Bearer {token}"
    ).json()
    assert data[0]["inputs"]["date_of_birth"] == "withheld"
    assert data[0]["outputs"]["days_until_18"] == "withheld" and data[0]["outputs"]["age_years"] == 15
    assert revealing(data) == []


def test_the_officer_who_recorded_the_child_gets_the_same_days_as_the_page(client, people, presumed):
    """Own records, identity allowed: the API shows the DOB and days_until_18 as the decision page and
    record.json do (black-box finding: it said "withheld" and null)."""
    from django.urls import reverse

    token = token_create(user=people["users"]["officer"], name="t")
    pid = presumed.child.pseudonymous_id
    data = client.get(f"/api/children/{pid}/triage", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert data[0]["inputs"]["date_of_birth"] == "2008-05-01"
    assert data[0]["outputs"]["days_until_18"] == presumed.outputs["days_until_18"] == 791
    client.force_login(people["users"]["officer"])
    record = client.get(reverse("incidents:record-json", args=[presumed.pk])).json()
    assert record["outputs"]["days_until_18"] == 791 and record["inputs"]["date_of_birth"] == "2008-05-01"
    assert {"791", "2008-05-01"} <= set(revealing(record))  # so the analyst tests' check can fail
    spec = client.get("/api/openapi.json").json()
    assert "withheld" in json.dumps(spec["components"]["schemas"]["StoredTriageOut"])


def test_recording_an_incident_answers_with_the_days_to_18_the_officer_may_see(
    client, people, presumed, auth
):
    """The POST's own response reads the child as the decision list does: the officer who may see the
    date of birth gets the days to 18 there too, not "withheld"."""
    pid = presumed.child.pseudonymous_id
    body = {"occurred_at": "2024-04-02T01:30:00+01:00", "incident_type": "arrest_pwits", "arrested": True}
    data = post(client, f"/api/children/{pid}/incidents", body, auth).json()
    listed = client.get(f"/api/children/{pid}/triage", **auth).json()
    assert data["inputs"]["date_of_birth"] != "withheld"
    assert data["outputs"]["days_until_18"] == listed[0]["outputs"]["days_until_18"]
    assert isinstance(data["outputs"]["days_until_18"], int)


def test_incident_time_without_offset_is_uk_local_and_ages_are_bounded(client, people, presumed, auth):
    """A date-time without an offset is UK local time (BST here: 01:30 is 00:30 UTC); ages of others
    present outside 0-120 are refused, naming the field, with nothing saved."""
    pid = presumed.child.pseudonymous_id
    body = {"occurred_at": "2024-04-02T01:30:00", "incident_type": "arrest_pwits", "arrested": True}
    response = post(client, f"/api/children/{pid}/incidents", body, auth)
    assert response.status_code == 201, response.content
    assert response.json()["inputs"]["incident_date"] == "2024-04-02T01:30+01:00"
    before = IdentifyingIncident.objects.count()
    response = post(client, f"/api/children/{pid}/incidents", {**body, "co_present_ages": [-4, 300]}, auth)
    assert response.status_code == 422 and "co_present_ages" in json.dumps(response.json()["errors"])
    assert IdentifyingIncident.objects.count() == before
