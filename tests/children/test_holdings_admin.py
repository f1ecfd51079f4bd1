"""Holdings in the admin: an agency administrator sees their agency's holdings (a superuser every one)
and ends them with the action "End holding", which asks for a reason and goes through
``holding_end`` (audited, channel admin). Nothing is added, changed or deleted here."""

from __future__ import annotations

import html

import pytest
from django.contrib.auth.models import Permission

from ccehub.audit.models import AuditEvent
from ccehub.children.admin import MSG_HOLDINGS_NONE_CURRENT
from ccehub.children.models import CaseHolding
from ccehub.children.services import (
    MSG_HOLDING_END_REASON,
    MSG_HOLDING_END_ROLE,
    MSG_HOLDING_LAST,
    holding_end,
)

LIST = "/admin/children/caseholding/"
REASON = "Moved to Kent in 2023; no open work with the Met since"


def agency_admin(make_user, agency, username, *codenames):
    user = make_user(username, agency, "admin", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=codenames or ["view_caseholding", "change_caseholding"])
    )
    return user


@pytest.fixture
def met_admin(make_user, agencies):
    return agency_admin(make_user, agencies["met"], "met.admin")


def met_holding(child):
    return CaseHolding.objects.get(child=child, agency__code="met")


def end_action(client, holdings, **extra):
    data = {"action": "end_holding", "_selected_action": [str(h.pk) for h in holdings], "index": "0"}
    return client.post(LIST, {**data, **extra})


def test_an_agency_administrator_sees_only_their_agencys_holdings(client, islington_child, met_admin):
    client.force_login(met_admin)
    page = client.get(LIST).content.decode()
    islington = CaseHolding.objects.get(child=islington_child, agency__code="la-islington")
    assert islington_child.pseudonymous_id in page and f"{met_holding(islington_child).pk}/change/" in page
    assert f"{islington.pk}/change/" not in page  # Islington's holding of the same child
    assert client.get(f"{LIST}{islington.pk}/change/").status_code in (302, 404)


def test_a_superuser_sees_every_holding(client, islington_child, make_user, agencies):
    boss = make_user("boss", agencies["islington"], "admin", is_staff=True, is_superuser=True)
    client.force_login(boss)
    page = client.get(LIST).content.decode()
    assert all(f"{h.pk}/change/" in page for h in CaseHolding.objects.filter(child=islington_child))


def test_nothing_is_added_changed_or_deleted_here(client, islington_child, met_admin):
    client.force_login(met_admin)
    holding = met_holding(islington_child)
    assert client.get(f"{LIST}add/").status_code == 403
    page = client.get(f"{LIST}{holding.pk}/change/").content.decode()
    assert 'name="end_reason"' not in page and 'name="basis"' not in page
    assert client.post(f"{LIST}{holding.pk}/delete/", {"post": "yes"}).status_code == 403
    assert CaseHolding.objects.filter(pk=holding.pk, ended_on__isnull=True).exists()


def test_ending_asks_for_a_reason_first(client, islington_child, met_admin):
    client.force_login(met_admin)
    response = end_action(client, [met_holding(islington_child)])
    page = response.content.decode()
    assert response.status_code == 200 and 'name="reason"' in page
    assert islington_child.pseudonymous_id in page
    assert met_holding(islington_child).ended_on is None


def test_ending_with_a_reason_goes_through_the_service(client, islington_child, met_admin):
    client.force_login(met_admin)
    response = end_action(client, [met_holding(islington_child)], apply="1", reason=REASON)
    assert response.status_code == 302
    holding = met_holding(islington_child)
    assert holding.ended_on is not None and holding.ended_by == met_admin and holding.end_reason == REASON
    row = AuditEvent.objects.get(action="update", object_type="case_holding")
    assert row.channel == "admin" and row.username == "met.admin"
    assert row.child_pid == islington_child.pseudonymous_id
    page = client.get(response["Location"]).content.decode()
    assert f"Ended 1 holding of {islington_child.pseudonymous_id}" in page


def test_too_short_a_reason_is_asked_for_again(client, islington_child, met_admin):
    client.force_login(met_admin)
    response = end_action(client, [met_holding(islington_child)], apply="1", reason="  moved  ")
    assert response.status_code == 200 and MSG_HOLDING_END_REASON in response.content.decode()
    assert met_holding(islington_child).ended_on is None
    assert not AuditEvent.objects.filter(object_type="case_holding").exists()


def test_the_last_holder_is_told_why_not(client, islington_child, make_user, agencies, system_actor):
    holding_end(actor=system_actor, child=islington_child, agency=agencies["met"], reason=REASON)
    client.force_login(agency_admin(make_user, agencies["islington"], "isl.admin"))
    islington = CaseHolding.objects.get(child=islington_child, agency__code="la-islington")
    response = end_action(client, [islington], apply="1", reason=REASON)
    page = html.unescape(client.get(response["Location"]).content.decode())
    assert MSG_HOLDING_LAST.format(agency="Islington") in page
    islington.refresh_from_db()
    assert islington.ended_on is None
    assert AuditEvent.objects.get(action="denied", object_type="case_holding").channel == "admin"


def test_without_the_change_permission_there_is_no_action(client, islington_child, make_user, agencies):
    client.force_login(agency_admin(make_user, agencies["met"], "met.viewer", "view_caseholding"))
    assert "end_holding" not in client.get(LIST).content.decode()
    end_action(client, [met_holding(islington_child)], apply="1", reason=REASON)
    assert met_holding(islington_child).ended_on is None


def test_a_superuser_ends_only_their_own_agencys_holdings(client, islington_child, make_user, agencies):
    """Seeing every holding is not deciding for every agency: that is the holding agency's call."""
    boss = make_user("boss", agencies["islington"], "admin", is_staff=True, is_superuser=True)
    client.force_login(boss)
    response = end_action(client, [met_holding(islington_child)], apply="1", reason=REASON)
    page = html.unescape(client.get(response["Location"]).content.decode())
    assert MSG_HOLDING_END_ROLE in page
    assert met_holding(islington_child).ended_on is None


def test_an_ended_holding_has_nothing_to_end(client, islington_child, met_admin, agencies, system_actor):
    holding_end(actor=system_actor, child=islington_child, agency=agencies["met"], reason=REASON)
    client.force_login(met_admin)
    response = end_action(client, [met_holding(islington_child)])
    assert response.status_code == 302
    assert MSG_HOLDINGS_NONE_CURRENT in client.get(response["Location"]).content.decode()
    assert AuditEvent.objects.filter(object_type="case_holding").count() == 1  # the operator's end
