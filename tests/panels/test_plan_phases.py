"""W-5 phases on the joint plan: phase 2 from agreement, phase 3 at a review that finds the risk
reduced, back to phase 2 on a missing episode, an incident or an order breach; closing from phase 2
for the risk or the work warns; the pages show the phase."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from ccehub.audit.models import AuditEvent
from ccehub.panels import services as panels
from ccehub.rules.closure import WARN_STILL_INTENSIVE
from ccehub.rules.phases import MSG_STEP_DOWN_HIGH_RISK, MSG_STEP_DOWN_NOT_INTENSIVE
from tests.panels.test_plan_review import PASSWORD, _plan

pytestmark = pytest.mark.django_db


def _review(world, plan, *, risk="low", step_down=True, days_ago=0):
    day = timezone.localdate() - timedelta(days=days_ago)
    return panels.joint_plan_review(
        actor=world["as_lead"],
        plan=plan,
        reviewed_on=day,
        risk_level=risk,
        note="Settled at college; mentor in place",
        next_review_on=day + timedelta(days=56),
        step_down=step_down,
    )


def test_a_plan_starts_in_phase_2_and_a_review_moves_it_to_phase_3(world, child, referral):
    plan = _plan(world, child)
    assert plan.phase == "intensive" and plan.phase_since == plan.agreed_on
    with pytest.raises(ValidationError) as high:
        _review(world, plan, risk="high")
    assert MSG_STEP_DOWN_HIGH_RISK in str(high.value)
    plan.refresh_from_db()
    assert plan.phase == "intensive" and plan.reviews.count() == 0  # refused whole
    _review(world, plan, risk="medium", days_ago=1)
    plan.refresh_from_db()
    assert plan.phase == "longer_term" and plan.phase_since == timezone.localdate() - timedelta(days=1)
    assert "risk reduced (medium)" in plan.phase_reason
    row = AuditEvent.objects.get(object_type="joint_plan_review", action="create")
    assert "joint_plans.phase" in row.fields and "phase 3" in row.detail
    with pytest.raises(ValidationError) as again:
        _review(world, plan)
    assert MSG_STEP_DOWN_NOT_INTENSIVE in str(again.value)
    _review(world, plan, step_down=False)  # a review in phase 3 without stepping is fine


def test_a_missing_episode_takes_a_phase_3_plan_back_to_intensive_support(
    world, child, referral, system_actor
):
    from ccehub.children.missing import missing_episode_record

    plan = _plan(world, child)
    _review(world, plan, days_ago=3)
    went = timezone.now() - timedelta(days=1)
    missing_episode_record(actor=system_actor, child=child, started_at=went)
    plan.refresh_from_db()
    assert plan.phase == "intensive" and plan.phase_since == timezone.localtime(went).date()
    assert plan.phase_reason.startswith("A missing episode on ") and "W-5" in plan.phase_reason
    assert plan.review_trigger.startswith("A missing episode on ")  # and the review comes forward
    assert AuditEvent.objects.filter(
        object_type="joint_plan", action="update", detail__startswith="back to phase 2"
    ).exists()


def test_an_event_before_the_step_down_does_not_undo_it(world, child, referral, system_actor):
    """A missing episode recorded late, dated before the review that stepped the plan down: that
    review knew the child's history, so the plan stays in phase 3."""
    from ccehub.children.missing import missing_episode_found, missing_episode_record

    plan = _plan(world, child)
    _review(world, plan, days_ago=2)
    went = timezone.now() - timedelta(days=5)
    episode = missing_episode_record(actor=system_actor, child=child, started_at=went)
    missing_episode_found(actor=system_actor, episode=episode, ended_at=went + timedelta(hours=6))
    plan.refresh_from_db()
    assert plan.phase == "longer_term"


def test_a_new_charge_does_not_escalate_the_phase(world, child, referral, system_actor):
    from ccehub.justice.services import charge_record

    plan = _plan(world, child)
    _review(world, plan, days_ago=3)
    charge_record(
        actor=system_actor,
        child=child,
        offence="possession_weapon",
        incident=None,
        charged_on=timezone.localdate(),
    )
    plan.refresh_from_db()
    assert plan.phase == "longer_term"
    assert plan.review_trigger.startswith("A charge on ")  # the review still comes forward


def test_closing_a_phase_2_plan_because_the_risk_reduced_must_be_confirmed(world, child, referral):
    plan = _plan(world, child)
    values = {
        "actor": world["as_chair"],
        "plan": plan,
        "closed_on": timezone.localdate(),
        "risk_level": "low",
        "risk_reduced": True,
        "reason": "risk_reduced",
        "note": "Risk reassessed as low at the review",
    }
    with pytest.raises(panels.ClosureRefused) as unconfirmed:
        panels.joint_plan_close(**values)
    assert WARN_STILL_INTENSIVE.format(noun="joint plan") in unconfirmed.value.warnings
    closed = panels.joint_plan_close(**values, confirm_warnings=True)
    assert closed.closed_on == timezone.localdate()


def test_closing_a_phase_3_plan_because_the_risk_reduced_has_no_phase_warning(world, child, referral):
    plan = _plan(world, child)
    _review(world, plan, days_ago=1)
    closed = panels.joint_plan_close(
        actor=world["as_chair"],
        plan=plan,
        closed_on=timezone.localdate(),
        risk_level="low",
        risk_reduced=True,
        reason="risk_reduced",
        note="Risk reassessed as low at the review",
    )
    assert closed.closed_on is not None


def test_the_plan_page_shows_the_phase_and_the_review_form_steps_down(client, world, child, referral):
    plan = _plan(world, child)
    assert client.login(username=world["users"]["lead"].username, password=PASSWORD)
    detail = html.unescape(client.get(f"/panels/plans/{plan.pk}/").content.decode())
    assert "Phase 2: intensive support" in detail and "Joint plan agreed at panel" in detail
    url = f"/panels/plans/{plan.pk}/review/"
    form = html.unescape(client.get(url).content.decode())
    assert "move the plan to phase 3, longer-term support" in form
    today, nxt = timezone.localdate(), timezone.localdate() + timedelta(days=28)
    fields = {
        "reviewed_on_day": today.day,
        "reviewed_on_month": today.month,
        "reviewed_on_year": today.year,
        "note": "Engaging well",
        "next_review_on_day": nxt.day,
        "next_review_on_month": nxt.month,
        "next_review_on_year": nxt.year,
        "step_down": "on",
    }
    refused = client.post(url, fields | {"risk_level": "high"})
    assert refused.status_code == 400 and MSG_STEP_DOWN_HIGH_RISK in html.unescape(refused.content.decode())
    done = client.post(url, fields | {"risk_level": "low"}, follow=True)
    text = html.unescape(done.content.decode())
    assert "Phase 3: longer-term support" in text
    # in phase 3 the form no longer offers the step down
    assert "move the plan to phase 3" not in html.unescape(client.get(url).content.decode())


def test_a_late_review_dated_before_the_step_back_cannot_step_down(world, child, referral, system_actor):
    """Stepped down, then an arrest took the plan back to phase 2; a review recorded late, dated
    between the two, did not know of the arrest: it cannot step the plan down again."""
    from ccehub.rules.phases import MSG_STEP_DOWN_BEFORE_PHASE
    from tests.panels.conftest import make_incident

    plan = _plan(world, child)
    _review(world, plan, days_ago=10)
    make_incident(child, system_actor, world["kent"], when=timezone.now() - timedelta(days=2))
    plan.refresh_from_db()
    assert plan.phase == "intensive" and plan.phase_reason.startswith("A new incident on ")
    with pytest.raises(ValidationError) as late:
        _review(world, plan, days_ago=5)
    assert MSG_STEP_DOWN_BEFORE_PHASE.split(" on {day}")[0] in str(late.value)
    plan.refresh_from_db()
    assert plan.phase == "intensive"
    _review(world, plan, days_ago=0)  # a review after the arrest may step it down
    plan.refresh_from_db()
    assert plan.phase == "longer_term"


def test_a_revised_plan_keeps_the_phase_of_the_plan_it_replaces(world, child, referral):
    plan = _plan(world, child)
    _review(world, plan, days_ago=5)
    plan.refresh_from_db()
    today = timezone.localdate()
    revised = panels.joint_plan_create(
        actor=world["as_lead"],
        panel=world["panel"],
        child=child,
        agreed_on=today,
        review_on=today + timedelta(days=60),
        summary="Revised: mentoring continues, college place confirmed",
        actions=[panels.ActionSpec("Mentoring", world["islington"], today + timedelta(days=20))],
        today=today,
    )
    assert revised.phase == "longer_term" and revised.phase_since == plan.phase_since
    assert "carried from the plan it replaces" in revised.phase_reason


def test_the_referral_page_shows_the_phase_of_the_case(client, world, child, referral):
    from django.urls import reverse

    assert client.login(username=world["users"]["lead"].username, password=PASSWORD)
    url = reverse("panels:referral", args=[referral.pk])
    assert "Phase 1: exit window" in html.unescape(client.get(url).content.decode())
    plan = _plan(world, child)
    assert "Phase 2: intensive support since" in html.unescape(client.get(url).content.decode())
    panels.joint_plan_close(
        actor=world["as_chair"],
        plan=plan,
        closed_on=timezone.localdate(),
        risk_level="low",
        risk_reduced=True,
        reason="turned_18",
        note="Turned 18: transitional safeguarding",
    )
    text = html.unescape(client.get(url).content.decode())
    assert "No open joint plan (the last closed on" in text and "Phase 1: exit window" not in text
