"""The panel's settings page (/panels/settings/): county-lines routing (F-05), the quorum and its
override (R-21, Q-27) and a pinned policy profile, changed through ``panel_config_set`` by a chair of
the panel only, as the service allows."""

from __future__ import annotations

import html

import pytest
from django.urls import reverse

from ccehub.audit.models import AuditEvent
from ccehub.panels.models import PanelConfig
from ccehub.panels.permissions import MSG_NOT_PANEL_CHAIR
from ccehub.panels.selectors import panel_settings
from ccehub.panels.services import MSG_QUORUM_CORE_SECTORS

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-test-password"
URL = "/panels/settings/"


def _client(client, world, who):
    client.logout()
    assert client.login(username=world["users"][who].username, password=PASSWORD)
    return client


def _text(response) -> str:
    return html.unescape(response.content.decode())


def _data(**extra):
    data = {
        "county_lines": "flagged",
        "quorum": "enforced",
        "quorum_sectors": ["social_care", "police", "health"],
        "policy_profile": "in_force",
    }
    data.update(extra)
    return data


def test_the_url():
    assert reverse("panels:settings") == URL


def test_the_chair_sees_the_link_and_the_current_values(client, world):
    c = _client(client, world, "chair")
    assert URL in _text(c.get(reverse("panels:home")))
    response = c.get(URL)
    page = _text(response)
    assert response.status_code == 200
    for text in (
        "Panel settings",
        "Which referrals can the panel take?",
        "Can the panel decide without every sector in the quorum?",
        "Which sectors must be present for a decision?",
        "Which rules apply to new referrals?",
        "Social care, police and health are always needed",
    ):
        assert text in page
    assert 'name="county_lines" type="radio" value="flagged" checked' in page
    assert 'name="quorum" type="radio" value="enforced" checked' in page
    assert 'name="policy_profile" type="radio" value="in_force" checked' in page
    for sector in ("social_care", "police", "health"):
        assert f'name="quorum_sectors" type="checkbox" value="{sector}" checked' in page
    assert 'value="education" checked' not in page


@pytest.mark.parametrize("who", ["lead", "member", "admin"])
def test_only_a_chair_of_the_panel_may_change_the_settings(client, world, make_user, roles, who):
    if who == "admin":
        world["users"]["admin"] = make_user("p.paneladmin", world["panel"], roles.ADMIN)
    c = _client(client, world, who)
    assert URL not in _text(c.get(reverse("panels:home")))
    for response in (c.get(URL), c.post(URL, _data(county_lines="all"))):
        assert response.status_code == 403 and MSG_NOT_PANEL_CHAIR in _text(response)
    assert panel_settings(world["panel"]).require_county_lines_flag is True
    assert AuditEvent.objects.filter(
        username=world["users"][who].username, action="denied", object_type="panel_config"
    ).exists()


def test_the_chair_changes_the_settings_and_they_are_audited(client, world):
    c = _client(client, world, "chair")
    done = c.post(
        URL,
        _data(
            county_lines="all",
            quorum="override",
            quorum_sectors=["social_care", "police", "health", "education"],
            policy_profile="report-2022",
        ),
        follow=True,
    )
    page = _text(done)
    assert done.redirect_chain[-1][0] == URL
    assert "Panel settings saved" in page and "govuk-notification-banner" in page
    settings = panel_settings(world["panel"])
    assert settings.require_county_lines_flag is False and settings.quorum_enforced is False
    assert settings.quorum_sectors == ("social_care", "police", "health", "education")
    assert settings.policy_profile == "report-2022"
    event = AuditEvent.objects.get(object_type="panel_config", action="update")
    assert event.username == "p.chair" and "require_county_lines_flag=False" in event.detail
    # the page now shows what was saved
    assert 'name="county_lines" type="radio" value="all" checked' in page
    assert 'name="quorum" type="radio" value="override" checked' in page
    assert 'name="quorum_sectors" type="checkbox" value="education" checked' in page
    assert 'name="policy_profile" type="radio" value="report-2022" checked' in page
    # and back to the profile in force on the referral date
    assert c.post(URL, _data()).status_code == 302
    assert panel_settings(world["panel"]).policy_profile == ""


def test_the_services_refusal_is_an_error_summary(client, world):
    c = _client(client, world, "chair")
    refused = c.post(URL, _data(quorum_sectors=["social_care", "police"]))
    page = _text(refused)
    assert refused.status_code == 400
    assert "govuk-error-summary" in page and MSG_QUORUM_CORE_SECTORS in page
    assert 'href="#id_quorum_sectors"' in page
    assert not PanelConfig.objects.filter(panel=world["panel"]).exists()


def test_an_unanswered_question_is_an_error(client, world):
    c = _client(client, world, "chair")
    refused = c.post(URL, {})
    page = _text(refused)
    assert refused.status_code == 400 and "govuk-error-summary" in page
    for message in (
        "Select which referrals the panel can take",
        "Select whether the panel can decide without the quorum",
        "Select which rules apply to new referrals",
    ):
        assert message in page
