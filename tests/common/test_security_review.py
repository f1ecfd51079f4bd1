"""Defects found by the seventh issue-4 session's security review, each pinned by a test."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-test-password"


def _signed_in(client, make_user, agency, role, username="sr.sw"):
    make_user(username, agency, role)
    assert client.login(username=username, password=PASSWORD)
    return client


# --- Pages and API answers that show a child's identity are never stored by a browser or proxy ---


def test_child_pages_and_api_answers_are_not_cached(client, agencies, make_user, roles, islington_child):
    from ccehub.agencies.tokens import token_create

    sw = _signed_in(client, make_user, agencies["islington"], roles.SOCIAL_WORKER)
    pid = islington_child.pseudonymous_id
    for url in (reverse("children:detail", args=[pid]), reverse("children:list"), reverse("dashboard")):
        response = sw.get(url)
        assert response.status_code == 200
        assert "Jamie" in response.content.decode() or url != reverse("children:detail", args=[pid])
        assert "no-store" in response.get("Cache-Control", ""), url
    api = sw.get(f"/api/children/{pid}")
    assert api.status_code == 200 and api.json()["identity"]["given_name"] == "Jamie"
    assert "no-store" in api.get("Cache-Control", "")
    client.logout()
    token = token_create(user=make_user("sr.api", agencies["islington"], roles.SOCIAL_WORKER), name="t")
    by_token = client.get(f"/api/children/{pid}", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert by_token.status_code == 200
    assert "no-store" in by_token.get("Cache-Control", "")


# --- The access-history box refuses an ID that is no pseudonymous ID, audited, without a crash ---


@pytest.mark.parametrize("typed", ["A/B", "CH-1/../2", "x" * 30 + "/"])
def test_history_index_with_a_slash_is_refused_not_a_server_error(client, agencies, make_user, roles, typed):
    from ccehub.audit.models import AuditEvent

    admin = _signed_in(client, make_user, agencies["islington"], roles.ADMIN, username="sr.admin")
    client.raise_request_exception = False
    response = admin.get(reverse("children:history-index"), {"pid": typed})
    assert response.status_code == 404
    assert AuditEvent.objects.filter(
        username="sr.admin", action="denied", object_type="audit_history"
    ).exists()


# --- An agency administrator in the admin manages their own agency's accounts only --------------


def _staff_admin(make_user, agencies, roles):
    from django.contrib.auth.models import Permission

    staff = make_user("sr.staff", agencies["islington"], roles.ADMIN, is_staff=True, is_superuser=False)
    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["change_user", "view_user", "add_user"])
    )
    return staff


def test_agency_admin_cannot_take_over_another_agencys_account(client, agencies, make_user, roles):
    """With the admin's user permissions an Islington administrator could reset a Kent officer's
    password (then sign in as them and read Kent's children) or a superuser's."""
    staff = _staff_admin(make_user, agencies, roles)
    kent = make_user("sr.kent", agencies["kent"], roles.POLICE_OFFICER)
    client.force_login(staff)
    assert client.get(f"/admin/auth/user/{kent.pk}/change/").status_code in (302, 404)
    client.post(
        f"/admin/auth/user/{kent.pk}/password/",
        {"password1": "taken-over-password-1", "password2": "taken-over-password-1"},
    )
    kent.refresh_from_db()
    assert not kent.check_password("taken-over-password-1")
    assert "sr.kent" not in client.get("/admin/auth/user/").content.decode()


def test_agency_admin_cannot_make_a_colleague_superuser(client, agencies, make_user, roles):
    """A second account (a known gap) must not become a superuser, who sees the whole audit log and
    grants memberships in any agency."""
    staff = _staff_admin(make_user, agencies, roles)
    colleague = make_user("sr.colleague", agencies["islington"], roles.SOCIAL_WORKER)
    client.force_login(staff)
    client.post(
        f"/admin/auth/user/{colleague.pk}/change/",
        {
            "username": "sr.colleague",
            "is_superuser": "on",
            "is_staff": "on",
            "is_active": "on",
            "last_login_0": "",
            "last_login_1": "",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
        },
    )
    colleague.refresh_from_db()
    assert not colleague.is_superuser and not colleague.is_staff
