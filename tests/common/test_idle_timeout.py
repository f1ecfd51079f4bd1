"""A web session left idle is signed out; activity keeps it alive; API tokens are not affected."""

from __future__ import annotations

import time

import pytest

from ccehub.common.idle import LAST_SEEN, MSG_SIGNED_OUT_IDLE


@pytest.fixture
def signed_in(client, agencies, make_user, roles):
    make_user("sw.idle", agencies["islington"], roles.SOCIAL_WORKER)
    assert client.login(username="sw.idle", password="a-long-test-password")
    assert client.get("/").status_code == 200
    return client


def _idle_for(client, seconds: float) -> None:
    session = client.session
    session[LAST_SEEN] = time.time() - seconds
    session.save()


def test_an_idle_session_is_signed_out_audited_and_told(signed_in):
    from ccehub.audit.models import AuditEvent

    _idle_for(signed_in, 31 * 60)
    response = signed_in.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in signed_in.session
    event = AuditEvent.objects.filter(action="logout", username="sw.idle").latest("id")
    assert event.detail == "signed out after 30 minutes without activity"
    page = signed_in.get(response["Location"]).content.decode()
    assert MSG_SIGNED_OUT_IDLE.format(minutes=30) in page


def test_activity_keeps_a_session_alive(signed_in):
    _idle_for(signed_in, 29 * 60)
    assert signed_in.get("/").status_code == 200
    assert time.time() - signed_in.session[LAST_SEEN] < 60  # the clock restarted
    _idle_for(signed_in, 29 * 60)
    assert signed_in.get("/").status_code == 200


def test_the_timeout_is_a_setting_and_zero_switches_it_off(signed_in, settings):
    settings.CCEHUB_IDLE_TIMEOUT_MINUTES = 0
    _idle_for(signed_in, 10 * 3600)
    assert signed_in.get("/").status_code == 200
