"""Actions of a joint plan once the plan is closed: nothing changes on a closed plan, neither through
the services nor from the plan's page (found when closing was built, panels.md §1.9)."""

from __future__ import annotations

import html
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from ccehub.audit.models import AuditEvent
from ccehub.panels import services as panels
from ccehub.panels.models import PlanActionStatus
from ccehub.panels.services import ActionSpec

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-test-password"
AGREED = date(2024, 7, 1)
CLOSED = date(2024, 9, 20)
TODAY = date(2024, 9, 30)


def _plan(world, child):
    return panels.joint_plan_create(
        actor=world["as_lead"],
        panel=world["panel"],
        child=child,
        agreed_on=AGREED,
        review_on=date(2024, 10, 1),
        summary="Exit the line safely; a college place",
        actions=[
            ActionSpec("College place", world["islington"], date(2024, 8, 1)),
            ActionSpec("Debt threat assessment", world["met"], date(2024, 8, 15)),
        ],
        today=TODAY,
    )


def _closed(world, plan):
    return panels.joint_plan_close(
        actor=world["as_chair"],
        plan=plan,
        closed_on=CLOSED,
        risk_level="low",
        risk_reduced=True,
        reason="risk_reduced",
        note="The actions that mattered are done",
        today=TODAY,
    )


def _client(client, world, who):
    client.logout()
    assert client.login(username=world["users"][who].username, password=PASSWORD)
    return client


def _text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.mark.parametrize("who", ["as_officer", "as_lead", "as_chair"])
def test_an_action_on_a_closed_plan_cannot_be_marked_done(world, child, referral, who):
    plan = _plan(world, child)
    action = plan.actions.get(owner_agency=world["met"])
    _closed(world, plan)
    with pytest.raises(ValidationError) as refused:
        panels.plan_action_complete(actor=world[who], action=action, on=TODAY)
    assert refused.value.messages == [panels.MSG_PLAN_CLOSED_ACTIONS.format(day="20 September 2024")]
    action.refresh_from_db()
    assert action.status == PlanActionStatus.OPEN and action.completed_on is None


def test_an_action_cannot_be_added_to_a_closed_plan(world, child, referral):
    plan = _closed(world, _plan(world, child))
    with pytest.raises(ValidationError) as refused:
        panels.plan_action_add(
            actor=world["as_chair"], plan=plan, spec=ActionSpec("Mentoring", world["met"], TODAY)
        )
    assert refused.value.messages == [panels.MSG_PLAN_CLOSED]
    assert plan.actions.count() == 2


def test_the_page_of_a_closed_plan_offers_no_mark_as_done(client, world, referral):
    plan = _plan(world, referral.child)
    action = plan.actions.get(owner_agency=world["met"])
    done_url = reverse("panels:plan-action-done", args=[action.pk])
    for who in ("officer", "chair"):
        page = _text(_client(client, world, who).get(reverse("panels:plan", args=[plan.pk])))
        assert done_url in page and "Mark as done" in page
    _closed(world, plan)
    for who in ("officer", "lead", "chair"):
        page = _text(_client(client, world, who).get(reverse("panels:plan", args=[plan.pk])))
        assert "Mark as done" not in page and done_url not in page
    refused = client.post(done_url)
    assert refused.status_code == 403
    assert "This joint plan was closed on 20 September 2024" in _text(refused)
    assert AuditEvent.objects.filter(
        action="denied", object_type="plan_action", object_id=str(action.pk)
    ).exists()
    action.refresh_from_db()
    assert action.status == PlanActionStatus.OPEN
