"""The panel home's work in hand: a referral whose panel case is closed is no longer the panel's work,
even when the NRM process goes on elsewhere (a referral sent to the Home Office SCA)."""

from __future__ import annotations

import html
from datetime import date

import pytest
from django.urls import reverse

from ccehub.panels import services as panels
from ccehub.panels.models import PanelCase
from ccehub.panels.selectors import panel_referrals, referral_case_closed, referral_in_hand
from tests.panels.conftest import refer

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-test-password"
CLOSED = date(2024, 9, 20)
TODAY = date(2024, 9, 30)


def _sent_to_sca_and_closed(world, referral):
    panels.referral_refer_to_sca(
        actor=world["as_lead"], referral=referral, reason="Contested CG", on=date(2024, 4, 1)
    )
    return panels.panel_case_close(
        actor=world["as_chair"],
        case=PanelCase.objects.get(panel=world["panel"], child=referral.child, closed_on__isnull=True),
        closed_on=CLOSED,
        risk_level="low",
        risk_reduced=True,
        reason="risk_reduced",
        note="Settled at college",
        today=TODAY,
    )


def _listed(world):
    return {r.pk: r for r in panel_referrals(panel=world["panel"])}


def test_an_escalated_referral_is_in_hand_while_its_case_is_open(world, referral):
    panels.referral_refer_to_sca(
        actor=world["as_lead"], referral=referral, reason="Contested CG", on=date(2024, 4, 1)
    )
    listed = _listed(world)[referral.pk]
    assert not referral_case_closed(listed) and referral_in_hand(listed)


def test_an_escalated_referral_of_a_closed_case_is_not_in_hand(world, referral):
    _sent_to_sca_and_closed(world, referral)
    listed = _listed(world)[referral.pk]
    assert referral_case_closed(listed) and not referral_in_hand(listed)


def test_a_later_referral_after_the_case_closed_is_in_hand_and_the_earlier_one_is_not(world, referral):
    _sent_to_sca_and_closed(world, referral)
    again = refer(world, referral.child, referred_on=date(2024, 9, 28), today=TODAY)
    listed = _listed(world)
    assert not referral_in_hand(listed[referral.pk])
    assert referral_in_hand(listed[again.pk]) and not referral_case_closed(listed[again.pk])


def test_the_panel_home_lists_a_closed_cases_referral_apart(client, world, referral):
    _sent_to_sca_and_closed(world, referral)
    assert client.login(username=world["users"]["chair"].username, password=PASSWORD)
    response = client.get(reverse("panels:home"))
    page = html.unescape(response.content.decode())
    link = reverse("panels:referral", args=[referral.pk])
    in_hand, _, apart = page.partition("Concluded referrals and closed cases (1)")
    assert "No referrals awaiting the panel." in in_hand and link not in in_hand
    assert link in apart and "Case closed on 20 September 2024" in apart
