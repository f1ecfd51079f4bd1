"""Requiring two-factor sign-in (``CCEHUB_REQUIRE_2FA``), in pages and the API, and an
administrator's reset of a lost device."""

from __future__ import annotations

import pytest

from tests.support.two_factor import code_now, enrol, password_step, signed_in


@pytest.fixture
def sw(agencies, make_user, roles):
    return make_user("sw.two", agencies["islington"], roles.SOCIAL_WORKER)


# --- requiring it --------------------------------------------------------------------------------


def test_when_required_a_user_without_a_device_is_sent_to_set_it_up(client, sw, settings):
    settings.CCEHUB_REQUIRE_2FA = True
    password_step(client, "sw.two")
    assert signed_in(client)
    for path in ("/", "/children/", "/admin/", "/reports/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"] == "/accounts/two-factor/", path
    page = client.get("/accounts/two-factor/").content.decode()
    assert "Your organisation requires two-factor sign-in" in page
    assert client.get("/static/ccehub/app.css").status_code == 200
    response = client.get("/", headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == "/accounts/two-factor/"
    assert client.post("/accounts/logout/").status_code == 302 and not signed_in(client)


def test_when_required_a_user_with_a_device_goes_where_they_asked(client, sw, settings):
    settings.CCEHUB_REQUIRE_2FA = True
    enrol(sw)
    password_step(client, "sw.two")
    client.post("/accounts/login/code/", {"code": code_now()})
    assert client.get("/").status_code == 200


def test_when_not_required_nobody_is_sent_to_set_it_up(client, sw, settings):
    settings.CCEHUB_REQUIRE_2FA = False
    client.force_login(sw)
    assert client.get("/").status_code == 200


def test_when_required_the_api_refuses_an_unenrolled_session_but_not_a_token(client, sw, settings):
    """A session without two-factor gets a clear 403 in JSON; an API token is its own factor."""
    from ccehub.agencies.tokens import token_create
    from ccehub.agencies.two_factor import MSG_API_REQUIRED
    from ccehub.audit.models import AuditEvent

    settings.CCEHUB_REQUIRE_2FA = True
    client.force_login(sw)
    response = client.get("/api/children/")
    assert response.status_code == 403 and response.json() == {"detail": MSG_API_REQUIRED}
    assert AuditEvent.objects.filter(action="denied", username="sw.two", channel="api").exists()
    token = token_create(user=sw, name="script")
    client.logout()
    response = client.get("/api/children/", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    # and an unenrolled session cannot get round it by sending a token that does not work
    client.force_login(sw)
    response = client.get("/api/children/", headers={"Authorization": "Bearer cceh_not-a-token"})
    assert response.status_code == 403


def test_the_setting_is_off_by_default_and_on_in_production(monkeypatch):
    """Parsed like CCEHUB_DEBUG; production settings require it unless the environment says no."""
    import importlib
    import sys

    from config import env

    def setting(module: str) -> bool:
        for name in ("config.settings.base", module):
            monkeypatch.delitem(sys.modules, name, raising=False)  # put back after the test
        return importlib.import_module(module).CCEHUB_REQUIRE_2FA

    monkeypatch.setattr(env, "SECRET_KEY", "x" * 50)
    monkeypatch.delenv("CCEHUB_REQUIRE_2FA", raising=False)
    assert setting("config.settings.local") is False
    assert setting("config.settings.test") is False
    assert setting("config.settings.production") is True
    monkeypatch.setenv("CCEHUB_REQUIRE_2FA", "false")
    assert setting("config.settings.production") is False
    monkeypatch.setenv("CCEHUB_REQUIRE_2FA", "Yes")
    assert setting("config.settings.local") is True


# --- an administrator's reset --------------------------------------------------------------------


def test_an_administrator_resets_a_lost_device_and_it_is_audited(client, agencies, make_user, roles, sw):
    from ccehub.agencies.models import TwoFactorDevice
    from ccehub.audit.models import AuditEvent

    boss = make_user("boss.reset", agencies["islington"], roles.ADMIN, is_staff=True, is_superuser=True)
    enrol(sw)
    enrol(boss)
    client.force_login(boss)
    listing = client.get("/admin/auth/user/").content.decode()
    assert "Two-factor sign-in" in listing
    response = client.post(
        "/admin/auth/user/",
        {"action": "reset_two_factor", "_selected_action": [str(sw.pk), str(boss.pk)]},
        follow=True,
    )
    page = response.content.decode()
    assert "Two-factor sign-in reset for sw.two." in page
    assert "You cannot reset your own two-factor sign-in here" in page
    assert not TwoFactorDevice.objects.filter(user=sw).exists()
    assert TwoFactorDevice.objects.filter(user=boss).exists()
    event = AuditEvent.objects.get(object_type="two_factor_device", action="delete")
    assert event.username == "boss.reset" and event.channel == "admin"
    assert event.object_id == str(sw.pk) and event.detail == "reset by an administrator for sw.two"


def test_an_agency_administrator_cannot_reset_another_agencys_user(client, agencies, make_user, roles, sw):
    from django.contrib.auth.models import Permission

    from ccehub.agencies.models import TwoFactorDevice
    from ccehub.audit.models import AuditEvent

    camden_admin = make_user("camden.admin", agencies["camden"], roles.ADMIN, is_staff=True)
    camden_admin.user_permissions.add(*Permission.objects.filter(codename__in=["change_user", "view_user"]))
    camden_sw = make_user("camden.sw", agencies["camden"], roles.SOCIAL_WORKER)
    enrol(sw)
    enrol(camden_sw)
    client.force_login(camden_admin)
    client.post(
        "/admin/auth/user/",
        {"action": "reset_two_factor", "_selected_action": [str(sw.pk), str(camden_sw.pk)]},
        follow=True,
    )
    assert TwoFactorDevice.objects.filter(user=sw).exists()
    assert not TwoFactorDevice.objects.filter(user=camden_sw).exists()
    assert list(
        AuditEvent.objects.filter(object_type="two_factor_device", action="delete").values_list(
            "object_id", flat=True
        )
    ) == [str(camden_sw.pk)]


def test_a_reset_signs_the_user_out_everywhere(client, agencies, make_user, roles, sw):
    """A reset is for a lost or stolen phone: sessions already open on the user's devices end with it
    (the administrator's own session, and other users' sessions, are untouched)."""
    from django.test import Client

    from ccehub.agencies.two_factor import device_reset
    from ccehub.common.access import Actor

    enrol(sw)
    elsewhere = Client()
    elsewhere.force_login(sw)
    other_user = make_user("sw.other", agencies["islington"], roles.SOCIAL_WORKER)
    other = Client()
    other.force_login(other_user)
    assert elsewhere.get("/").status_code == 200 and other.get("/").status_code == 200
    boss = make_user("boss.reset", agencies["islington"], roles.ADMIN, is_staff=True, is_superuser=True)
    assert device_reset(user=sw, actor=Actor.for_system(name="test", channel="cli", purpose="Reset"))
    response = elsewhere.get("/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert other.get("/").status_code == 200
    client.force_login(boss)
    assert client.get("/").status_code == 200
