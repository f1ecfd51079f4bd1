"""Reviewing emergency access in the admin: superusers see every one; an agency administrator those
to children their agency holds (and may review them) and those made by their own agency's people
(read-only); nobody reviews their own."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from ccehub.audit.models import AuditEvent
from ccehub.children.models import EmergencyAccess
from ccehub.children.services import emergency_access_start

REASON = "Found at a trap house in Margate, says he is from Islington, no answer on the line"
LIST = "/admin/children/emergencyaccess/"


def change_url(access):
    return f"{LIST}{access.pk}/change/"


@pytest.fixture
def access(agencies, make_user, roles, actor_for, islington_child):
    """A Kent officer's emergency access to the Islington child."""
    pc = make_user("kent.pc", agencies["kent"], roles.POLICE_OFFICER)
    return emergency_access_start(actor=actor_for(pc), pid=islington_child.pseudonymous_id, reason=REASON)


@pytest.fixture
def other_access(agencies, make_user, roles, actor_for, system_actor):
    """A Camden social worker's emergency access to a Kent-held child (nothing to do with Islington)."""
    from ccehub.children.services import child_create

    child = child_create(actor=system_actor, given_name="Sam", home_police_force=agencies["kent"])
    sw = make_user("camden.sw", agencies["camden"], roles.SOCIAL_WORKER)
    return emergency_access_start(actor=actor_for(sw), pid=child.pseudonymous_id, reason=REASON)


def agency_admin(make_user, agency, username):
    user = make_user(username, agency, "admin", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_emergencyaccess", "change_emergencyaccess"])
    )
    return user


def review(client, access, outcome="justified", note="Child was at risk; holding LA unreachable"):
    return client.post(change_url(access), {"review_outcome": outcome, "review_note": note})


def test_a_superuser_sees_every_one(client, agencies, make_user, access, other_access):
    boss = make_user("boss", agencies["islington"], "admin", is_staff=True, is_superuser=True)
    client.force_login(boss)
    page = client.get(LIST).content.decode()
    assert access.child.pseudonymous_id in page and other_access.child.pseudonymous_id in page
    assert "kent.pc" in page and "camden.sw" in page


def test_the_holding_agency_admin_sees_and_reviews_only_theirs(
    client, agencies, make_user, access, other_access
):
    client.force_login(agency_admin(make_user, agencies["islington"], "isl.admin"))
    page = client.get(LIST).content.decode()
    assert access.child.pseudonymous_id in page
    assert other_access.child.pseudonymous_id not in page
    assert client.get(change_url(other_access)).status_code in (302, 404)
    response = review(client, access)
    assert response.status_code == 302, response.content.decode()[:3000]
    access.refresh_from_db()
    assert access.review_outcome == "justified" and access.reviewed_at is not None
    assert access.reviewed_by.username == "isl.admin"
    assert access.reason == REASON  # the rest is read-only
    row = AuditEvent.objects.get(channel="admin", action="update", object_id=str(access.pk))
    assert row.child_pid == access.child.pseudonymous_id and "review_outcome" in row.fields
    assert "Margate" not in row.detail


def test_the_accessing_agency_admin_sees_theirs_but_does_not_review_them(
    client, agencies, make_user, access, other_access
):
    client.force_login(agency_admin(make_user, agencies["kent"], "kent.admin"))
    page = client.get(LIST).content.decode()
    assert access.child.pseudonymous_id in page  # made by a Kent officer
    assert other_access.child.pseudonymous_id in page  # to a child Kent holds
    review(client, access)
    access.refresh_from_db()
    assert access.review_outcome == "" and access.reviewed_by is None


def test_another_agency_admin_sees_nothing(client, agencies, make_user, access):
    client.force_login(agency_admin(make_user, agencies["health"], "health.admin"))
    assert access.child.pseudonymous_id not in client.get(LIST).content.decode()


def test_nobody_reviews_their_own(client, agencies, make_user, actor_for, islington_child):
    """A superuser who is also a Kent officer starts emergency access: they may not review it."""
    both = make_user("kent.super", agencies["kent"], "police_officer", is_staff=True, is_superuser=True)
    own = emergency_access_start(actor=actor_for(both), pid=islington_child.pseudonymous_id, reason=REASON)
    client.force_login(both)
    response = review(client, own)
    assert response.status_code in (302, 403)
    own.refresh_from_db()
    assert own.review_outcome == "" and own.reviewed_by is None
    page = client.get(change_url(own)).content.decode()
    assert 'name="review_outcome"' not in page


def test_a_review_needs_an_outcome(client, agencies, make_user, access):
    client.force_login(agency_admin(make_user, agencies["islington"], "isl.admin2"))
    response = review(client, access, outcome="")
    assert response.status_code == 200 and "Select whether the emergency access was justified" in (
        response.content.decode()
    )
    access.refresh_from_db()
    assert access.reviewed_at is None


def test_not_yet_reviewed_filter(client, agencies, make_user, access, other_access):
    boss = make_user("boss", agencies["islington"], "admin", is_staff=True, is_superuser=True)
    client.force_login(boss)
    review(client, access)
    assert EmergencyAccess.objects.filter(reviewed_at__isnull=False).count() == 1
    listing = client.get(LIST).content.decode()
    assert "Not yet reviewed" in listing
    page = client.get(LIST, {"reviewed": "no"}).content.decode()
    assert other_access.child.pseudonymous_id in page and access.child.pseudonymous_id not in page


def test_the_reviewer_sees_how_often_the_person_used_it(
    client, agencies, make_user, roles, actor_for, system_actor
):
    """operations.md asks the reviewer to look for "the same person using it often": each row says how
    many emergency accesses that person started in the 30 days up to and including this one."""
    from datetime import timedelta

    from ccehub.children.services import child_create

    pc = make_user("kent.pc", agencies["kent"], roles.POLICE_OFFICER)
    children = [
        child_create(actor=system_actor, given_name=f"C{n}", home_local_authority=agencies["islington"])
        for n in range(3)
    ]
    made = [
        emergency_access_start(actor=actor_for(pc), pid=c.pseudonymous_id, reason=REASON) for c in children
    ]
    # the first was 40 days ago: outside the third one's 30 days, inside nobody's but its own
    EmergencyAccess.objects.filter(pk=made[0].pk).update(
        started_at=made[0].started_at - timedelta(days=40), expires_at=made[0].expires_at - timedelta(days=40)
    )
    client.force_login(agency_admin(make_user, agencies["islington"], "isl.admin"))
    listing = client.get(LIST).content.decode()
    assert "Uses in 30 days" in listing
    page = client.get(change_url(made[2])).content.decode()
    assert "2 (this one included)" in page
    page = client.get(change_url(made[0])).content.decode()
    assert "1 (this one included)" in page
