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
        confirm_warnings=True,  # still in phase 2 (W-5 warns)
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


# --- Dropping an action no longer needed ---------------------------------------------------------

DROP_REASON = "The debt was cleared through the family; no threat assessment is needed"


def test_the_lead_or_chair_drops_an_action_no_longer_needed(world, child, referral):
    plan = _plan(world, child)
    action = plan.actions.get(owner_agency=world["met"])
    with pytest.raises(ValidationError) as empty:
        panels.plan_action_drop(actor=world["as_lead"], action=action, reason=" ")
    assert empty.value.message_dict["reason"] == [panels.MSG_DROP_REASON]
    dropped = panels.plan_action_drop(actor=world["as_chair"], action=action, reason=DROP_REASON)
    assert dropped.status == PlanActionStatus.DROPPED and dropped.note == DROP_REASON
    event = AuditEvent.objects.get(object_type="plan_action", object_id=str(action.pk), action="update")
    assert event.detail == "dropped" and event.child_pid == child.pseudonymous_id
    with pytest.raises(ValidationError) as again:
        panels.plan_action_drop(actor=world["as_lead"], action=action, reason=DROP_REASON)
    assert again.value.messages == [panels.MSG_ACTION_NOT_OPEN.format(status="no longer needed")]
    with pytest.raises(ValidationError):
        panels.plan_action_complete(actor=world["as_officer"], action=action, on=TODAY)


def test_only_the_lead_or_chair_drops_an_action(world, child, referral):
    from django.core.exceptions import PermissionDenied

    plan = _plan(world, child)
    action = plan.actions.get(owner_agency=world["met"])
    for who in ("as_officer", "as_member"):
        with pytest.raises(PermissionDenied):
            panels.plan_action_drop(actor=world[who], action=action, reason=DROP_REASON)
    action.refresh_from_db()
    assert action.status == PlanActionStatus.OPEN


def test_a_done_action_or_one_on_a_closed_plan_is_not_dropped(world, child, referral):
    plan = _plan(world, child)
    done = panels.plan_action_complete(
        actor=world["as_officer"], action=plan.actions.get(owner_agency=world["met"]), on=TODAY
    )
    with pytest.raises(ValidationError) as refused:
        panels.plan_action_drop(actor=world["as_lead"], action=done, reason=DROP_REASON)
    assert refused.value.messages == [panels.MSG_ACTION_NOT_OPEN.format(status="done")]
    _closed(world, plan)
    still_open = plan.actions.get(owner_agency=world["islington"])
    with pytest.raises(ValidationError) as closed:
        panels.plan_action_drop(actor=world["as_lead"], action=still_open, reason=DROP_REASON)
    assert closed.value.messages == [panels.MSG_PLAN_CLOSED_ACTIONS.format(day="20 September 2024")]


def test_an_action_is_dropped_from_the_plan_page(client, world, referral):
    plan = _plan(world, referral.child)
    action = plan.actions.get(owner_agency=world["met"])
    url = reverse("panels:plan-action-drop", args=[action.pk])
    assert url not in _text(_client(client, world, "officer").get(reverse("panels:plan", args=[plan.pk])))
    assert client.post(url, {"reason": DROP_REASON}).status_code == 403
    c = _client(client, world, "lead")
    page = _text(c.get(reverse("panels:plan", args=[plan.pk])))
    assert url in page and "Drop this action" in page
    form = c.get(url)
    assert form.status_code == 200 and "Why is this action no longer needed?" in _text(form)
    empty = c.post(url, {"reason": ""})
    assert empty.status_code == 400 and "govuk-error-summary" in _text(empty)
    done = c.post(url, {"reason": DROP_REASON}, follow=True)
    page = _text(done)
    assert done.redirect_chain[-1][0] == reverse("panels:plan", args=[plan.pk])
    assert "Action dropped: Debt threat assessment" in page and url not in page
    assert "No longer needed" in page
    action.refresh_from_db()
    assert action.status == PlanActionStatus.DROPPED
