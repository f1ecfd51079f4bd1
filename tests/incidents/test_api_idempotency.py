"""A retried POST /api/children/{pid}/incidents records the incident once (API review, seventh
issue-4 session). The web form carries a one-time submission token for exactly this (sending the form
again shows the incident already recorded); the API had nothing, so a client retrying after a time-out
recorded the incident twice, with a second triage decision and a second set of due actions."""

from __future__ import annotations

import json

import pytest

from ccehub.agencies.tokens import token_create
from ccehub.audit.models import AuditEvent
from ccehub.incidents.models import IdentifyingIncident, TriageDecision

pytestmark = pytest.mark.django_db

BODY = {
    "occurred_at": "2024-04-02T01:30:00+01:00",
    "incident_type": "missing_person_enquiry",
    "arrested": False,
    "county_lines_linked": True,
    "indicators": ["reported_missing"],
    "missing_days": 3,
}


@pytest.fixture
def auth(people):
    return {"HTTP_AUTHORIZATION": f"Bearer {token_create(user=people['users']['officer'], name='t')}"}


def _post(client, pid, body, auth, key):
    extra = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(
        f"/api/children/{pid}/incidents", json.dumps(body), content_type="application/json", **auth, **extra
    )


def test_a_retry_with_the_same_key_records_once(client, people, presumed, auth):
    pid = presumed.child.pseudonymous_id
    incidents, decisions = IdentifyingIncident.objects.count(), TriageDecision.objects.count()
    first = _post(client, pid, BODY, auth, "retry-7f3a")
    assert first.status_code == 201, first.content
    again = _post(client, pid, BODY, auth, "retry-7f3a")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert IdentifyingIncident.objects.count() == incidents + 1
    assert TriageDecision.objects.count() == decisions + 1
    assert AuditEvent.objects.filter(
        username="t.officer", channel="api", action="view", object_type="triage_decision", child_pid=pid
    ).exists()


def test_the_key_is_per_request_body_and_user(client, people, presumed, auth):
    pid = presumed.child.pseudonymous_id
    assert _post(client, pid, BODY, auth, "k-1").status_code == 201
    # the same key for a different incident is a client error, not a silent replay of the first
    changed = _post(client, pid, {**BODY, "missing_days": 4}, auth, "k-1")
    assert changed.status_code == 422
    assert "Idempotency-Key" in changed.json()["errors"]
    # without a key every POST is a new incident, as before
    before = IdentifyingIncident.objects.count()
    assert _post(client, pid, BODY, auth, None).status_code == 201
    assert _post(client, pid, BODY, auth, None).status_code == 201
    assert IdentifyingIncident.objects.count() == before + 2


def test_a_key_too_long_is_refused(client, people, presumed, auth):
    pid = presumed.child.pseudonymous_id
    response = _post(client, pid, BODY, auth, "x" * 300)
    assert response.status_code == 422 and "Idempotency-Key" in response.json()["errors"]


def test_openapi_documents_the_header(client, auth):
    operation = client.get("/api/openapi.json").json()["paths"]["/api/children/{pid}/incidents"]["post"]
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in operation["parameters"])


def test_the_key_is_not_in_the_childs_export(client, people, presumed, auth):
    """The key and hash are the API's bookkeeping, not part of the child's record."""
    pid = presumed.child.pseudonymous_id
    assert _post(client, pid, BODY, auth, "k-export").status_code == 201
    exported = client.get(f"/api/children/{pid}/export", **auth).json()
    assert exported["incidents"] and all("request_key" not in i for i in exported["incidents"])
    assert all("request_hash" not in i for i in exported["incidents"])
