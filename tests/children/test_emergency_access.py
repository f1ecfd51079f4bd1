"""Emergency (break-glass) access (known gap 9): a person who works with children and has no basis
for a child may see that child's record, read-only, for a few hours, after saying why; every start
and every read is audited, and the access is reviewed. Time is fixed by a controlled
``timezone.now`` (as the token tests do), never by waiting."""

from __future__ import annotations

import html
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ccehub.audit.models import AuditEvent
from ccehub.children.models import EmergencyAccess
from ccehub.children.selectors import ChildNotFound, child_get, child_list
from ccehub.children.services import (
    MSG_ALREADY_VISIBLE,
    MSG_EMERGENCY_REASON,
    MSG_EMERGENCY_ROLE,
    MSG_READ_ONLY_EMERGENCY,
    emergency_access_start,
    may_record_on,
    vulnerability_flag_set,
)
from ccehub.common.access import BASIS_EMERGENCY, access_basis, identity_allowed

T0 = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
REASON = "In custody at Maidstone, missing three days; Islington out of hours not answering"
ROOT = Path(__file__).resolve().parents[2]


class Clock:
    now = T0


@pytest.fixture
def clock(monkeypatch):
    """``timezone.now`` under the test's control (starts at T0)."""
    clock = Clock()
    monkeypatch.setattr("django.utils.timezone.now", lambda: clock.now)
    return clock


@pytest.fixture
def kent_pc(agencies, make_user, roles):
    """A Kent officer: Kent holds nothing about the Islington child."""
    return make_user("kent.pc", agencies["kent"], roles.POLICE_OFFICER)


@pytest.fixture
def officer(kent_pc, actor_for):
    return actor_for(kent_pc)


def start(actor, child, reason=REASON):
    return emergency_access_start(actor=actor, pid=child.pseudonymous_id, reason=reason)


# --- the service's rules ------------------------------------------------------------------------


def test_start_records_who_why_and_until_when(clock, officer, kent_pc, agencies, islington_child):
    access = start(officer, islington_child)
    assert (access.child, access.user, access.agency) == (islington_child, kent_pc, agencies["kent"])
    assert access.role == "police_officer" and access.reason == REASON
    assert access.started_at == T0 and access.expires_at == T0 + timedelta(hours=24)
    assert access.reviewed_at is None and access.review_outcome == ""


def test_the_lifetime_is_the_configured_hours(clock, officer, islington_child, settings):
    settings.CCEHUB_EMERGENCY_ACCESS_HOURS = 4
    assert start(officer, islington_child).expires_at == T0 + timedelta(hours=4)


@pytest.mark.parametrize("role", ["analyst", "admin"])
def test_only_roles_that_work_with_children_may_start_it(
    clock, agencies, make_user, actor_for, islington_child, role
):
    actor = actor_for(make_user(f"kent.{role}", agencies["kent"], role))
    with pytest.raises(PermissionDenied, match=MSG_EMERGENCY_ROLE):
        start(actor, islington_child)
    assert not EmergencyAccess.objects.exists()
    row = AuditEvent.objects.get(action="denied", object_type="emergency_access")
    assert row.child_pid == islington_child.pseudonymous_id and MSG_EMERGENCY_ROLE in row.detail


def test_the_system_never_starts_it(clock, system_actor, islington_child):
    with pytest.raises(PermissionDenied, match=MSG_EMERGENCY_ROLE):
        start(system_actor, islington_child)
    assert not EmergencyAccess.objects.exists()


@pytest.mark.parametrize("reason", ["", "   ", "urgent", " " * 10 + "x" * 19 + " " * 10])
def test_the_reason_must_say_something(clock, officer, islington_child, reason):
    with pytest.raises(ValidationError) as caught:
        start(officer, islington_child, reason=reason)
    assert caught.value.message_dict == {"reason": [MSG_EMERGENCY_REASON]}
    assert "Reason" in MSG_EMERGENCY_REASON
    assert not EmergencyAccess.objects.exists()


def test_twenty_characters_after_stripping_are_enough(clock, officer, islington_child):
    access = start(officer, islington_child, reason="  " + "x" * 20 + "  ")
    assert access.reason == "x" * 20


def test_refused_when_the_record_is_already_visible(clock, agencies, make_user, actor_for, islington_child):
    """The Met is the child's home force: it holds the record, so there is nothing to break into."""
    met = actor_for(make_user("met.pc", agencies["met"], "police_officer"))
    with pytest.raises(PermissionDenied, match=MSG_ALREADY_VISIBLE):
        start(met, islington_child)
    assert not EmergencyAccess.objects.exists()
    assert AuditEvent.objects.filter(action="denied", object_type="emergency_access").count() == 1


def test_no_such_child_is_the_usual_refusal(clock, officer, db):
    with pytest.raises(ChildNotFound):
        emergency_access_start(actor=officer, pid="CH-NOONE-HERE0", reason=REASON)
    assert AuditEvent.objects.get(action="denied").child_pid == "CH-NOONE-HERE0"


def test_a_second_start_returns_the_unexpired_one(clock, officer, islington_child):
    first = start(officer, islington_child)
    clock.now = T0 + timedelta(hours=3)
    again = start(officer, islington_child, reason="Another reason typed a second time, long")
    assert again.pk == first.pk and EmergencyAccess.objects.count() == 1
    assert AuditEvent.objects.filter(action="create", object_type="emergency_access").count() == 1


def test_after_expiry_a_new_one_may_be_started(clock, officer, islington_child):
    first = start(officer, islington_child)
    clock.now = T0 + timedelta(hours=24)
    second = start(officer, islington_child)
    assert second.pk != first.pk and second.expires_at == clock.now + timedelta(hours=24)


def test_the_start_is_audited_without_the_reason(clock, officer, islington_child):
    access = start(officer, islington_child)
    row = AuditEvent.objects.get(action="create", object_type="emergency_access")
    assert row.child_pid == islington_child.pseudonymous_id and row.object_id == str(access.pk)
    assert row.basis == f"{BASIS_EMERGENCY}:{access.pk}"
    assert row.detail == "emergency access for 24 hours"
    for value in row.__dict__.values():
        assert "Maidstone" not in str(value)


# --- access under it ----------------------------------------------------------------------------


def test_it_is_a_basis_after_the_real_ones_and_shows_identity(clock, officer, islington_child):
    assert access_basis(officer, islington_child) is None
    access = start(officer, islington_child)
    basis = access_basis(officer, islington_child)
    assert basis == f"emergency_access:{access.pk}"
    assert identity_allowed(officer, basis)
    record = child_get(actor=officer, pid=islington_child.pseudonymous_id)
    assert record.basis == basis and record.identity is not None
    assert record.identity.given_name == "Jamie"
    read = AuditEvent.objects.get(action="view", object_type="child")
    assert read.basis == basis and "given_name" in read.fields


def test_a_real_basis_wins(clock, officer, islington_child, agencies):
    """Kent comes to hold the child (it records an arrest, say): reads are on its own records."""
    from ccehub.children.models import CaseHolding

    start(officer, islington_child)
    CaseHolding.objects.create(child=islington_child, agency=agencies["kent"], basis="arresting_force")
    assert access_basis(officer, islington_child) == "own_records"


def test_access_ends_when_it_expires(clock, officer, islington_child):
    start(officer, islington_child)
    clock.now = T0 + timedelta(hours=24) - timedelta(microseconds=1)
    assert access_basis(officer, islington_child) is not None
    clock.now = T0 + timedelta(hours=24)  # the expiry is the first moment it no longer works
    assert access_basis(officer, islington_child) is None
    with pytest.raises(ChildNotFound):
        child_get(actor=officer, pid=islington_child.pseudonymous_id)
    assert AuditEvent.objects.filter(action="denied", object_type="child").exists()


def test_a_review_that_finds_it_not_justified_ends_it(clock, officer, islington_child):
    access = start(officer, islington_child)
    EmergencyAccess.objects.filter(pk=access.pk).update(review_outcome="not_justified", reviewed_at=T0)
    assert access_basis(officer, islington_child) is None


def test_not_justified_cannot_be_undone_by_starting_again(clock, officer, islington_child):
    """A review that ends an access is not undone by the same person typing a new reason: until the
    ended access would have expired, a new start is refused (and audited); after that, one may."""
    from ccehub.children.services import MSG_EMERGENCY_NOT_JUSTIFIED

    access = start(officer, islington_child)
    clock.now = T0 + timedelta(hours=2)
    EmergencyAccess.objects.filter(pk=access.pk).update(review_outcome="not_justified", reviewed_at=clock.now)
    with pytest.raises(PermissionDenied, match=MSG_EMERGENCY_NOT_JUSTIFIED):
        start(officer, islington_child, reason="A different reason, typed again to get back in")
    assert EmergencyAccess.objects.count() == 1
    assert access_basis(officer, islington_child) is None
    assert AuditEvent.objects.filter(action="denied", object_type="emergency_access").count() == 1
    clock.now = access.expires_at
    assert start(officer, islington_child).pk != access.pk


def test_the_form_page_refuses_a_restart_after_not_justified(
    clock, client, kent_pc, officer, islington_child
):
    from ccehub.children.services import MSG_EMERGENCY_NOT_JUSTIFIED

    access = start(officer, islington_child)
    EmergencyAccess.objects.filter(pk=access.pk).update(review_outcome="not_justified", reviewed_at=T0)
    client.force_login(kent_pc)
    response = client.post(url(islington_child), {"reason": REASON})
    assert response.status_code == 403
    assert MSG_EMERGENCY_NOT_JUSTIFIED in html.unescape(response.content.decode())
    assert EmergencyAccess.objects.count() == 1


def test_it_is_personal_and_adds_nothing_to_lists(
    clock, officer, agencies, make_user, actor_for, islington_child
):
    start(officer, islington_child)
    colleague = actor_for(make_user("kent.pc2", agencies["kent"], "police_officer"))
    assert access_basis(colleague, islington_child) is None
    assert list(child_list(actor=officer)) == []
    assert list(child_list(actor=colleague)) == []


def test_identity_is_only_for_identity_roles(clock, officer, islington_child, agencies, make_user, actor_for):
    access = start(officer, islington_child)
    basis = f"{BASIS_EMERGENCY}:{access.pk}"
    analyst = actor_for(make_user("kent.an", agencies["kent"], "analyst"))
    assert not identity_allowed(analyst, basis)


def test_it_is_read_only(clock, officer, islington_child):
    start(officer, islington_child)
    basis = access_basis(officer, islington_child)
    assert not may_record_on(officer, basis)
    with pytest.raises(PermissionDenied, match=MSG_READ_ONLY_EMERGENCY):
        vulnerability_flag_set(
            actor=officer, child=islington_child, factor="reported_missing", value="recorded_present"
        )
    assert not islington_child.vulnerabilities.exists()


def test_it_does_not_export(clock, officer, islington_child, client, kent_pc):
    """For reading on screen: no JSON download (page, API or service), refused and audited."""
    from ccehub.children.export import child_export
    from ccehub.children.selectors import MSG_EMERGENCY_NO_EXPORT

    start(officer, islington_child)
    pid = islington_child.pseudonymous_id
    with pytest.raises(ChildNotFound, match=MSG_EMERGENCY_NO_EXPORT):
        child_export(actor=officer, pid=pid)
    client.force_login(kent_pc)
    assert "export.json" not in client.get(f"/children/{pid}/").content.decode()
    assert client.get(f"/children/{pid}/export.json").status_code == 404
    assert client.get(f"/api/children/{pid}/export").status_code == 404
    refused = AuditEvent.objects.filter(action="denied", child_pid=pid, detail__contains="cannot be exported")
    assert refused.count() == 3
    assert not AuditEvent.objects.filter(action="export").exists()


def test_it_is_not_read_through_the_api(clock, officer, islington_child, client, kent_pc):
    """Emergency access is started on a page, with a reason, for reading on screen: a token acting
    as the same officer does not get the record (or its triage decisions) as JSON. Refused, audited."""
    from ccehub.agencies.tokens import token_create

    start(officer, islington_child)
    pid = islington_child.pseudonymous_id
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token_create(user=kent_pc, name='custody system')}"}
    for path in (f"/api/children/{pid}", f"/api/children/{pid}/triage"):
        response = client.get(path, **headers)
        assert response.status_code == 404, path
        assert "Testcase" not in response.content.decode()
    refused = AuditEvent.objects.filter(action="denied", child_pid=pid, channel="api")
    assert refused.count() == 2 and all("not through the API" in row.detail for row in refused)
    # the page still shows it
    client.force_login(kent_pc)
    assert client.get(f"/children/{pid}/").status_code == 200


# --- the setting ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hours", "ok"), [("1", True), ("72", True), ("0", False), ("73", False), ("x", False)]
)
def test_the_lifetime_setting_is_checked(hours, ok):
    env = {**os.environ, "CCEHUB_EMERGENCY_ACCESS_HOURS": hours}
    code = "import config.settings.base as s; print(s.CCEHUB_EMERGENCY_ACCESS_HOURS)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120
    )
    if ok:
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == hours
    else:
        assert result.returncode != 0
        assert "CCEHUB_EMERGENCY_ACCESS_HOURS must be a whole number of hours from 1 to 72" in result.stderr


def test_the_lifetime_defaults_to_a_day():
    env = {k: v for k, v in os.environ.items() if k != "CCEHUB_EMERGENCY_ACCESS_HOURS"}
    code = "import config.settings.base as s; print(s.CCEHUB_EMERGENCY_ACCESS_HOURS)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "24"


# --- the form page and the child's page ---------------------------------------------------------


def url(child):
    return f"/children/{child.pseudonymous_id}/emergency-access/"


def test_the_form_explains_what_emergency_access_is(clock, client, kent_pc, islington_child):
    client.force_login(kent_pc)
    response = client.get(url(islington_child))
    page = response.content.decode()
    assert response.status_code == 200
    assert "at risk now" in page and "cannot be reached" in page
    assert "24 hours" in page and "read-only" in page
    assert "recorded" in page and "reviewed by the agency that holds the record" in page
    assert '<textarea name="reason"' in page and 'class="govuk-textarea"' in page
    assert "Jamie" not in page  # nothing of the record before access starts


def test_a_short_reason_is_an_error_on_the_field(clock, client, kent_pc, islington_child):
    client.force_login(kent_pc)
    response = client.post(url(islington_child), {"reason": "need it"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "govuk-error-summary" in page and "govuk-error-message" in page
    assert page.count(MSG_EMERGENCY_REASON) == 2  # the summary and the field
    assert 'href="#id_reason"' in page
    assert not EmergencyAccess.objects.exists()


def test_a_start_leads_to_the_record_with_a_banner(clock, client, kent_pc, islington_child):
    client.force_login(kent_pc)
    response = client.post(url(islington_child), {"reason": REASON})
    assert response.status_code == 302
    assert response["Location"] == f"/children/{islington_child.pseudonymous_id}/"
    page = client.get(response["Location"]).content.decode()
    assert "govuk-notification-banner" in page
    assert "You are seeing this record under emergency access until 28 November 2026, 02:00." in page
    assert "It will be reviewed." in page
    assert "Jamie" in page
    assert MSG_READ_ONLY_EMERGENCY in page
    read = AuditEvent.objects.filter(action="view", object_type="child").latest("at")
    assert read.basis.startswith("emergency_access:") and read.username == "kent.pc"


def test_the_form_of_someone_already_under_emergency_access_goes_to_the_record(
    clock, client, kent_pc, officer, islington_child
):
    start(officer, islington_child)
    client.force_login(kent_pc)
    response = client.get(url(islington_child))
    assert response.status_code == 302
    assert response["Location"] == f"/children/{islington_child.pseudonymous_id}/"


def test_the_own_agency_page_has_no_banner(clock, client, agencies, make_user, islington_child):
    client.force_login(make_user("met.pc", agencies["met"], "police_officer"))
    page = client.get(f"/children/{islington_child.pseudonymous_id}/").content.decode()
    assert "emergency access" not in page


def test_refusals_on_the_form_page_are_audited(clock, client, agencies, make_user, islington_child):
    client.force_login(make_user("kent.an", agencies["kent"], "analyst"))
    response = client.get(url(islington_child))
    assert response.status_code == 403 and MSG_EMERGENCY_ROLE in response.content.decode()
    response = client.post(url(islington_child), {"reason": REASON})
    assert response.status_code == 403
    assert AuditEvent.objects.filter(username="kent.an", action="denied").count() == 2
    client.force_login(make_user("met.pc", agencies["met"], "police_officer"))
    response = client.get(url(islington_child))
    assert response.status_code == 403 and MSG_ALREADY_VISIBLE in html.unescape(response.content.decode())
    assert AuditEvent.objects.filter(username="met.pc", action="denied").count() == 1
    assert not EmergencyAccess.objects.exists()


def test_an_unknown_child_on_the_form_page_is_not_found(clock, client, kent_pc, db):
    client.force_login(kent_pc)
    response = client.get("/children/CH-NOONE-HERE0/emergency-access/")
    assert response.status_code == 404
    assert AuditEvent.objects.get(username="kent.pc", action="denied").child_pid == "CH-NOONE-HERE0"
