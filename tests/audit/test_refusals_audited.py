"""Refused accesses and writes on the pages, the admin and the API are audited (known gap 16), in the
CLI's shape: action ``denied``, the channel, who (user, agency, role), the object refused (type, id,
child's pseudonymous ID) and ``refused <what was attempted>: <why>`` in ``detail``; never a name or
date of birth. The response is the same as before: a refusal shown as "not found" stays a 404.

Not audited: anonymous requests (sent to sign in) and pages that name no child or case object."""

from __future__ import annotations

import json
import uuid

import pytest
from django.urls import reverse

from ccehub.agencies.tokens import token_create
from ccehub.audit.models import AuditEvent
from ccehub.children.models import Child
from ccehub.children.services import MSG_NO_WRITE
from ccehub.records.services import MSG_LOOKUP_ROLE

pytestmark = pytest.mark.django_db
NO_RECORD_MESSAGE = "Your role cannot record children"


@pytest.fixture
def analyst(agencies, make_user, roles):
    return make_user("r.analyst", agencies["islington"], roles.ANALYST)


@pytest.fixture
def memberless(django_user_model):
    return django_user_model.objects.create_user(username="r.nobody", password="a-long-test-password")


def _denied() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="denied").order_by("id"))


def _text(row: AuditEvent) -> str:
    return json.dumps({f.name: str(getattr(row, f.name)) for f in AuditEvent._meta.fields})


# --- Web pages ----------------------------------------------------------------------------------


def test_a_refused_child_form_is_audited_and_still_403(client, analyst, islington_child):
    client.force_login(analyst)
    response = client.post(reverse("children:new"), {"given_name": "Secretname", "sex": "male"})
    assert response.status_code == 403 and NO_RECORD_MESSAGE in response.content.decode()
    assert not Child.objects.filter(display_pseudonym__icontains="Secretname").exists()
    [row] = _denied()
    assert (row.username, row.user_id, row.agency_code, row.role) == (
        "r.analyst",
        analyst.pk,
        "la-islington",
        "analyst",
    )
    assert (row.channel, row.object_type, row.object_id, row.child_pid) == ("web", "child", "", "")
    assert row.detail == f"refused create: {NO_RECORD_MESSAGE}"
    assert "Secretname" not in _text(row)
    # opening the form is refused (and audited) too, as a view
    assert client.get(reverse("children:new")).status_code == 403
    assert _denied()[-1].detail == f"refused view: {NO_RECORD_MESSAGE}"


def test_no_membership_refused_a_child_page_is_audited(client, memberless, islington_child):
    pid = islington_child.pseudonymous_id
    client.force_login(memberless)
    response = client.get(reverse("children:detail", args=[pid]))
    assert response.status_code == 403
    [row] = _denied()
    assert (row.username, row.agency_code, row.role) == ("r.nobody", "", "")
    assert (row.object_type, row.child_pid) == ("child", pid)
    assert row.detail == "refused view: no active membership of an agency"
    assert "Jamie" not in _text(row)
    # a page that names no child or case object is refused the same way, without a row
    assert client.get(reverse("dashboard")).status_code == 403
    assert len(_denied()) == 1


def test_no_membership_refused_a_write_on_a_case_object_is_audited(client, memberless):
    client.force_login(memberless)
    key = uuid.uuid4()
    response = client.post(reverse("incidents:action-accept", args=[key]))
    assert response.status_code == 403
    [row] = _denied()
    assert (row.object_type, row.object_id) == ("triage_action", str(key))
    assert row.detail == "refused update: no active membership of an agency"


def test_anonymous_requests_and_pages_that_are_no_case_object_are_not_audited(
    client, analyst, islington_child
):
    pid = islington_child.pseudonymous_id
    assert client.get(reverse("login")).status_code == 200
    assert client.get(reverse("children:detail", args=[pid])).status_code == 302
    assert client.post(reverse("children:new"), {"given_name": "Anon"}).status_code == 302
    client.force_login(analyst)
    client.raise_request_exception = False
    assert client.get("/no-such-page/").status_code == 404
    assert client.get("/children/CH-0000-0000/nothing-here/").status_code == 404
    assert _denied() == []


def test_the_admin_refusing_ones_own_membership_is_audited(client, agencies, make_user, roles):
    boss = make_user("r.boss", agencies["islington"], roles.ADMIN, is_staff=True, is_superuser=True)
    client.force_login(boss)
    membership = boss.memberships.get()
    response = client.post(
        f"/admin/agencies/membership/{membership.pk}/change/",
        {"user": boss.pk, "agency": membership.agency.pk, "role": "social_worker", "active": "on"},
    )
    assert response.status_code == 403
    [row] = _denied()
    assert (row.username, row.channel) == ("r.boss", "admin")
    assert (row.object_type, row.object_id) == ("membership", str(membership.pk))
    assert row.detail.startswith("refused update")


def test_a_plan_action_or_breach_that_does_not_exist_is_audited_and_still_404(client, analyst):
    client.force_login(analyst)
    action, breach = uuid.uuid4(), uuid.uuid4()
    assert client.post(reverse("panels:plan-action-done", args=[action])).status_code == 404
    assert client.get(reverse("panels:breach-response", args=[breach])).status_code == 404
    rows = [(r.object_type, r.object_id, r.detail) for r in _denied()]
    assert rows == [
        ("plan_action", str(action), "refused update: no such plan action"),
        ("order_breach", str(breach), "refused view: no such breach"),
    ]


# --- API ------------------------------------------------------------------------------------------


def _bearer(user) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token_create(user=user, name='test')}"}


def test_a_refused_api_write_is_audited_and_the_answer_unchanged(client, analyst):
    response = client.post(
        "/api/children/",
        data=json.dumps({"given_name": "Secretname", "date_of_birth": "2010-01-02"}),
        content_type="application/json",
        **_bearer(analyst),
    )
    assert response.status_code == 403 and response.json() == {"detail": MSG_NO_WRITE}
    [row] = _denied()
    assert (row.username, row.channel, row.role) == ("r.analyst", "api", "analyst")
    assert (row.object_type, row.object_id, row.child_pid) == ("child", "", "")
    assert row.detail == f"refused create: {MSG_NO_WRITE}"
    assert "Secretname" not in _text(row) and "2010-01-02" not in _text(row)


def test_a_token_without_membership_refused_a_child_is_audited(client, memberless, islington_child):
    pid = islington_child.pseudonymous_id
    response = client.get(f"/api/children/{pid}", **_bearer(memberless))
    assert response.status_code == 403
    assert response.json() == {"detail": "Your account is not a member of an agency"}
    [row] = _denied()
    assert (row.username, row.channel, row.object_type, row.child_pid) == ("r.nobody", "api", "child", pid)
    assert row.detail == "refused view: Your account is not a member of an agency"


def test_a_refused_look_up_is_audited_once(client, analyst):
    """The look-up service audits its own refusal; the API's handler does not add a second row."""
    response = client.post(
        "/api/lookup",
        data=json.dumps({"purpose": "Custody", "given_name": "Tom"}),
        content_type="application/json",
        **_bearer(analyst),
    )
    assert response.status_code == 403 and response.json() == {"detail": MSG_LOOKUP_ROLE}
    [row] = _denied()
    assert row.object_type == "person_lookup" and row.detail == MSG_LOOKUP_ROLE


def test_another_agencys_child_is_still_one_row_and_a_404(
    client, agencies, make_user, roles, islington_child
):
    camden = make_user("r.camden", agencies["camden"], roles.SOCIAL_WORKER)
    pid = islington_child.pseudonymous_id
    response = client.get(f"/api/children/{pid}", **_bearer(camden))
    unknown = client.get("/api/children/CH-0000-0000", **_bearer(camden))
    assert response.status_code == unknown.status_code == 404
    assert response.json() == unknown.json()
    assert [r.child_pid for r in _denied()] == [pid, "CH-0000-0000"]
