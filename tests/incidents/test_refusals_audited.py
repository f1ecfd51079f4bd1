"""Refused writes on the incident form and the incident API leave a ``denied`` row (known gap 16),
as the CLI's do: who was refused, what (object type, the child), and why; never the child's name or
date of birth. The answer the user gets is what it was before."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from ccehub.agencies.tokens import token_create
from ccehub.audit.models import AuditEvent
from ccehub.children.services import MSG_READ_ONLY_BASIS
from ccehub.incidents.models import IdentifyingIncident
from ccehub.incidents.views import MSG_CANNOT_RECORD
from tests.incidents.test_views import form_data, sign_in

pytestmark = pytest.mark.django_db


def _no_identity(row: AuditEvent) -> None:
    text = json.dumps({f.name: str(getattr(row, f.name)) for f in AuditEvent._meta.fields})
    for identifying in ("Unknown", "2008-05-01", "Margate"):
        assert identifying not in text, identifying


def test_a_role_that_cannot_record_is_refused_the_form_and_audited(client, people):
    response = sign_in(client, people["users"]["analyst"]).get(reverse("incidents:new"))
    assert response.status_code == 403 and MSG_CANNOT_RECORD in response.content.decode()
    row = AuditEvent.objects.get(action="denied")
    assert (row.username, row.channel, row.role) == ("t.analyst", "web", "analyst")
    assert row.object_type == "identifying_incident"
    assert row.detail == f"refused view: {MSG_CANNOT_RECORD}"  # opening the form


def test_read_only_sight_refused_on_the_form_is_audited(client, presumed, health):
    pid = presumed.child.pseudonymous_id
    before = IdentifyingIncident.objects.count()
    response = sign_in(client, health).post(f"{reverse('incidents:new')}?child={pid}", form_data(child=pid))
    assert response.status_code == 403 and MSG_READ_ONLY_BASIS in response.content.decode()
    assert IdentifyingIncident.objects.count() == before
    row = AuditEvent.objects.get(action="denied", username="t.health")
    assert (row.object_type, row.child_pid, row.channel) == ("identifying_incident", pid, "web")
    assert row.detail == f"refused create: {MSG_READ_ONLY_BASIS}"
    _no_identity(row)


def test_read_only_sight_is_not_offered_the_form(client, presumed, health):
    """Opening the form for a child seen read-only: a refusal saying why, not a form that can only
    be refused after it is filled in."""
    pid = presumed.child.pseudonymous_id
    response = sign_in(client, health).get(f"{reverse('incidents:new')}?child={pid}")
    assert response.status_code == 403 and MSG_READ_ONLY_BASIS in response.content.decode()
    assert 'name="occurred_at' not in response.content.decode()
    row = AuditEvent.objects.get(action="denied", username="t.health")
    assert row.detail == f"refused view: {MSG_READ_ONLY_BASIS}" and row.child_pid == pid


def test_read_only_sight_refused_by_the_api_is_audited(client, presumed, health):
    pid = presumed.child.pseudonymous_id
    token = token_create(user=health, name="t")
    body = {
        "occurred_at": "2024-04-02T01:30:00+01:00",
        "incident_type": "arrest_pwits",
        "arrested": True,
        "offences": ["pwits_class_a"],
        "place": "Margate",
    }
    response = client.post(
        f"/api/children/{pid}/incidents",
        data=json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 403 and response.json() == {"detail": MSG_READ_ONLY_BASIS}
    row = AuditEvent.objects.get(action="denied", username="t.health")
    assert (row.object_type, row.child_pid, row.channel) == ("identifying_incident", pid, "api")
    assert row.detail == f"refused create: {MSG_READ_ONLY_BASIS}"
    _no_identity(row)
