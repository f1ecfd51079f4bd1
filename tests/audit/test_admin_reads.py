"""Reads in the Django admin are audited (data-protection.md, known gap 16: "reads in the Django admin
are not audited"): a change page as a view of that object (against the child when it is about one,
so it is in the child's access history), a list as a view of the list with how many rows it showed."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from ccehub.audit.models import AuditEvent
from ccehub.children.services import emergency_access_start

REASON = "Found at a trap house in Margate, says he is from Islington, no answer on the line"


@pytest.fixture
def access(agencies, make_user, roles, actor_for, islington_child):
    pc = make_user("kent.pc", agencies["kent"], roles.POLICE_OFFICER)
    return emergency_access_start(actor=actor_for(pc), pid=islington_child.pseudonymous_id, reason=REASON)


@pytest.fixture
def reviewer(agencies, make_user):
    user = make_user("isl.admin", agencies["islington"], "admin", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_emergencyaccess", "change_emergencyaccess"])
    )
    return user


def admin_views(username):
    return AuditEvent.objects.filter(username=username, channel="admin", action="view").order_by("id")


def test_an_emergency_access_read_in_the_admin_is_in_the_childs_history(client, reviewer, access):
    client.force_login(reviewer)
    assert client.get(f"/admin/children/emergencyaccess/{access.pk}/change/").status_code == 200
    row = admin_views("isl.admin").get()
    assert row.object_type == "emergencyaccess" and row.object_id == str(access.pk)
    assert row.child_pid == access.child.pseudonymous_id
    assert "Margate" not in row.detail


def test_a_list_in_the_admin_is_audited_with_its_count(client, reviewer, access):
    client.force_login(reviewer)
    assert client.get("/admin/children/emergencyaccess/?reviewed=no").status_code == 200
    row = admin_views("isl.admin").get()
    assert row.object_type == "emergencyaccess_list" and row.detail.startswith("1 listed")


def test_reading_the_audit_log_is_itself_audited(client, agencies, make_user, access):
    boss = make_user("boss", agencies["islington"], "admin", is_staff=True, is_superuser=True)
    client.force_login(boss)
    assert client.get("/admin/audit/auditevent/").status_code == 200
    event = AuditEvent.objects.exclude(username="boss").first()
    assert client.get(f"/admin/audit/auditevent/{event.pk}/change/").status_code == 200
    rows = list(admin_views("boss"))
    assert [r.object_type for r in rows] == ["auditevent_list", "auditevent"]
    assert rows[1].object_id == str(event.pk)


def test_a_refused_or_missing_object_is_not_a_view(client, reviewer, access):
    client.force_login(reviewer)
    client.get("/admin/children/emergencyaccess/999999/change/")
    assert not admin_views("isl.admin").exists()


def test_saving_a_review_is_an_update_not_a_view(client, reviewer, access):
    client.force_login(reviewer)
    client.post(
        f"/admin/children/emergencyaccess/{access.pk}/change/",
        {"review_outcome": "justified", "review_note": "Child was at risk; LA unreachable"},
    )
    assert not admin_views("isl.admin").exists()
    assert AuditEvent.objects.filter(username="isl.admin", channel="admin", action="update").exists()


def test_an_admin_search_is_kept_by_its_length_only(client, reviewer, access):
    client.force_login(reviewer)
    client.get("/admin/children/emergencyaccess/", {"q": "Jamie Smith", "reviewed": "no"})
    row = admin_views("isl.admin").get()
    assert "Jamie" not in row.detail and "q=<11 characters>" in row.detail and "reviewed=no" in row.detail


def test_the_groups_admin_is_audited_too(client, agencies, make_user):
    """Groups carry permissions (who may review emergency access): reading and changing them in the
    admin is audited like every other admin page."""
    from django.contrib.auth.models import Group

    boss = make_user("boss", agencies["islington"], "admin", is_staff=True, is_superuser=True)
    client.force_login(boss)
    assert client.get("/admin/auth/group/").status_code == 200
    response = client.post("/admin/auth/group/add/", {"name": "Emergency access reviewers"})
    assert response.status_code == 302
    group = Group.objects.get(name="Emergency access reviewers")
    assert client.get(f"/admin/auth/group/{group.pk}/change/").status_code == 200
    rows = AuditEvent.objects.filter(username="boss", channel="admin").order_by("id")
    assert [(r.action, r.object_type) for r in rows] == [
        ("view", "group_list"),
        ("create", "group"),
        ("view", "group"),
    ]
