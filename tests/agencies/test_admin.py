"""The Django admin: no self-escalation, scoped to one's agency, and audited."""

import pytest

from ccehub.agencies.models import Membership
from ccehub.audit.models import AuditEvent


@pytest.fixture
def boss(agencies, make_user, roles):
    return make_user("boss", agencies["islington"], roles.ADMIN, is_staff=True, is_superuser=True)


def test_admin_cannot_open_own_membership_for_editing(client, boss):
    """Changing one's own role or agency in the admin is refused."""
    client.force_login(boss)
    membership = boss.memberships.get()
    response = client.post(
        f"/admin/agencies/membership/{membership.pk}/change/",
        {"user": boss.pk, "agency": membership.agency.pk, "role": "social_worker", "active": "on"},
    )
    assert response.status_code == 403
    assert Membership.objects.get(pk=membership.pk).role == "admin"


def test_admin_cannot_raise_own_privileges(client, agencies, make_user, roles):
    """A staff user cannot make themselves a superuser or add themselves to groups."""
    staff = make_user("staffer", agencies["islington"], roles.ADMIN, is_staff=True, is_superuser=False)
    from django.contrib.auth.models import Permission

    staff.user_permissions.add(*Permission.objects.filter(codename__in=["change_user", "view_user"]))
    client.force_login(staff)
    client.post(
        f"/admin/auth/user/{staff.pk}/change/",
        {
            "username": "staffer",
            "is_superuser": "on",
            "is_staff": "on",
            "is_active": "on",
            "last_login_0": "",
            "last_login_1": "",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
        },
    )
    staff.refresh_from_db()
    assert not staff.is_superuser


def test_admin_changes_are_audited(client, boss, agencies, make_user, roles):
    """A membership changed in the admin leaves an audit row."""
    sw = make_user("sw", agencies["islington"], roles.SOCIAL_WORKER)
    client.force_login(boss)
    membership = sw.memberships.get()
    response = client.post(
        f"/admin/agencies/membership/{membership.pk}/change/",
        {"user": sw.pk, "agency": membership.agency.pk, "role": "exploitation_worker", "active": "on"},
    )
    assert response.status_code == 302
    assert AuditEvent.objects.filter(
        channel="admin", object_type="membership", action="update", username="boss"
    ).exists()


def test_role_must_fit_the_agency(client, boss, agencies, make_user, roles):
    """A police role in a local authority is refused by the admin form."""
    sw = make_user("sw", agencies["islington"], roles.SOCIAL_WORKER)
    client.force_login(boss)
    membership = sw.memberships.get()
    response = client.post(
        f"/admin/agencies/membership/{membership.pk}/change/",
        {"user": sw.pk, "agency": membership.agency.pk, "role": "police_officer", "active": "on"},
    )
    assert response.status_code == 200 and "That role does not exist" in response.content.decode()


def test_agency_admin_sees_history_only_of_children_their_agency_holds(
    client, agencies, make_user, roles, islington_child
):
    """A Camden administrator cannot read an Islington child's access history."""
    camden_admin = make_user("cadmin", agencies["camden"], roles.ADMIN)
    islington_admin = make_user("iadmin", agencies["islington"], roles.ADMIN)
    client.force_login(camden_admin)
    assert client.get(f"/children/{islington_child.pseudonymous_id}/history/").status_code == 404
    client.force_login(islington_admin)
    assert client.get(f"/children/{islington_child.pseudonymous_id}/history/").status_code == 200


def test_access_history_is_reachable_from_the_navigation(client, agencies, make_user, roles, islington_child):
    """An agency administrator starts from "Access history" in the navigation: the children the agency
    holds, or any pseudonymous id typed in (the history page decides who may see it). Others are refused."""
    pid = islington_child.pseudonymous_id
    client.force_login(make_user("iadmin", agencies["islington"], roles.ADMIN))
    home = client.get("/").content.decode()
    assert 'href="/children/history/"' in home
    page = client.get("/children/history/")
    assert page.status_code == 200 and f'href="/children/{pid}/history/"' in page.content.decode()
    typed = client.get("/children/history/", {"pid": f" {pid.lower()} "})
    assert typed.status_code == 302 and typed["Location"] == f"/children/{pid}/history/"
    assert AuditEvent.objects.filter(
        object_type="audit_history_index", action="view", username="iadmin"
    ).exists()
    client.force_login(make_user("isw", agencies["islington"], roles.SOCIAL_WORKER))
    assert 'href="/children/history/"' not in client.get("/").content.decode()
    assert client.get("/children/history/").status_code == 404
    assert AuditEvent.objects.filter(
        object_type="audit_history_index", action="denied", username="isw"
    ).exists()


def test_agreement_created_in_the_admin_is_audited(client, boss, agencies):
    """docs/data-protection.md said admin-created agreements were not audited; they are (channel admin)."""
    from ccehub.agencies.models import DataSharingAgreement

    client.force_login(boss)
    response = client.post(
        "/admin/agencies/datasharingagreement/add/",
        {
            "title": "Camden sees Islington cases",
            "provider": agencies["islington"].pk,
            "recipient": agencies["camden"].pk,
            "purpose": "Joint safeguarding",
            "legal_basis": "Children Act 1989 s47",
            "starts_on": "2025-01-01",
            "expires_on": "2025-12-31",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    agreement = DataSharingAgreement.objects.get()
    event = AuditEvent.objects.get(object_type="datasharingagreement", object_id=str(agreement.pk))
    assert event.action == "create" and event.channel == "admin" and event.username == "boss"
    assert "purpose" in event.fields


def test_a_superuser_typing_an_id_no_child_has_is_told_so(client, boss, agencies, islington_child):
    """A mistyped ID showed an empty history, as if nobody had ever opened that child's record. It is
    "not found" (audited) unless a child has that ID or the log holds rows under it (the rows outlive
    a deleted child's record, so those are still shown)."""
    boss.is_superuser = True
    boss.save()
    client.force_login(boss)
    response = client.get("/children/CH-ZZZZZ-ZZZZZ/history/")
    assert response.status_code == 404
    assert AuditEvent.objects.filter(
        object_type="audit_history", action="denied", child_pid="CH-ZZZZZ-ZZZZZ"
    ).exists()
    assert client.get(f"/children/{islington_child.pseudonymous_id}/history/").status_code == 200
    AuditEvent.objects.create(action="view", channel="web", object_type="child", child_pid="CH-GONE0-GONE0")
    assert client.get("/children/CH-GONE0-GONE0/history/").status_code == 200
