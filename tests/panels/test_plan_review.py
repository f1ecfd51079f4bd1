"""Reviewing a joint plan, and trigger events that bring the review forward (R-50, F-22, J-11)."""

from __future__ import annotations

import html
from datetime import datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from ccehub.audit.models import AuditEvent
from ccehub.panels import services as panels
from ccehub.panels.models import JointPlan
from ccehub.panels.services import ActionSpec
from ccehub.rules.escalation import MSG_NEXT_REVIEW_NOT_AFTER, MSG_RISK_NOT_GIVEN

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-test-password"


def _plan(world, child, *, agreed=None, review=None):
    today = timezone.localdate()
    agreed = agreed or today - timedelta(days=30)
    return panels.joint_plan_create(
        actor=world["as_lead"],
        panel=world["panel"],
        child=child,
        agreed_on=agreed,
        review_on=review or today + timedelta(days=60),
        summary="Exit the line safely; a college place",
        actions=[ActionSpec("College place", world["islington"], today + timedelta(days=20))],
        today=today,
    )


def _text(response) -> str:
    return html.unescape(response.content.decode())


def test_a_new_incident_brings_the_review_forward(world, child, referral, system_actor):
    """R-50: re-arrested in Kent 3 days ago: the plan's review is due 4 days from now."""
    from tests.panels.conftest import make_incident

    plan = _plan(world, child)
    three_days_ago = timezone.localdate() - timedelta(days=3)
    when = timezone.make_aware(datetime.combine(three_days_ago, datetime.min.time()).replace(hour=14))
    make_incident(child, system_actor, world["kent"], when=when)
    plan.refresh_from_db()
    assert plan.review_on == three_days_ago + timedelta(days=7)
    assert plan.review_trigger.startswith("A new incident on ")
    row = AuditEvent.objects.get(object_type="joint_plan", object_id=str(plan.pk), action="update")
    assert "review brought forward" in row.detail and "(R-50)" in row.detail


def test_a_conviction_and_a_sentence_bring_the_review_forward(world, child, referral, incident, system_actor):
    """J-11: conviction / sentence → plan review."""
    from ccehub.justice.services import charge_record, charge_step, court_outcome_record

    plan = _plan(world, child)
    charge = charge_record(
        actor=system_actor,
        child=child,
        offence="possession_weapon",
        incident=None,
        charged_on=timezone.localdate() - timedelta(days=40),
    )
    plan.refresh_from_db()
    assert plan.review_trigger == "", "a charge before the plan was agreed does not trigger"
    charge_step(actor=system_actor, charge=charge, to_status="court_proceedings")
    charge_step(actor=system_actor, charge=charge, to_status="convicted")
    plan.refresh_from_db()
    assert plan.review_on == timezone.localdate() + timedelta(days=7)
    assert plan.review_trigger.startswith("A conviction on ")
    court_outcome_record(
        actor=system_actor,
        charge=charge,
        decided_on=timezone.localdate() - timedelta(days=1),
        sentence_type="yro",
        length_months=12,
    )
    plan.refresh_from_db()
    assert plan.review_on == timezone.localdate() + timedelta(days=6)
    assert plan.review_trigger.startswith("A sentence on ")


def test_a_trigger_never_pushes_a_near_review_back(world, child, referral, system_actor):
    from tests.panels.conftest import make_incident

    plan = _plan(world, child, review=timezone.localdate() + timedelta(days=2))
    make_incident(child, system_actor, world["kent"], when=timezone.now() - timedelta(hours=2))
    plan.refresh_from_db()
    assert plan.review_on == timezone.localdate() + timedelta(days=2) and plan.review_trigger == ""


def test_review_sets_the_next_date_and_clears_the_trigger(world, child, referral, system_actor):
    from tests.panels.conftest import make_incident

    plan = _plan(world, child)
    make_incident(child, system_actor, world["kent"], when=timezone.now() - timedelta(hours=2))
    plan.refresh_from_db()
    trigger = plan.review_trigger
    assert trigger
    today = timezone.localdate()
    review = panels.joint_plan_review(
        actor=world["as_lead"],
        plan=plan,
        reviewed_on=today,
        risk_level="high",
        note="Re-arrested; intensive support restarted",
        next_review_on=today + timedelta(days=14),
    )
    plan.refresh_from_db()
    assert plan.review_on == today + timedelta(days=14) and plan.review_trigger == ""
    assert review.trigger == trigger and review.reviewed_by_name == world["users"]["lead"].username
    row = AuditEvent.objects.get(object_type="joint_plan_review", object_id=str(review.pk))
    assert "risk high" in row.detail and "intensive" not in row.detail


def test_review_refusals(world, child, referral):
    plan = _plan(world, child)
    today = timezone.localdate()
    with pytest.raises(PermissionDenied):
        panels.joint_plan_review(
            actor=world["as_officer"],
            plan=plan,
            reviewed_on=today,
            risk_level="low",
            note="x",
            next_review_on=today + timedelta(days=1),
        )
    with pytest.raises(ValidationError) as exc:
        panels.joint_plan_review(
            actor=world["as_lead"],
            plan=plan,
            reviewed_on=today,
            risk_level="",
            note="x",
            next_review_on=today,
        )
    assert exc.value.message_dict == {
        "risk_level": [MSG_RISK_NOT_GIVEN],
        "next_review_on": [MSG_NEXT_REVIEW_NOT_AFTER],
    }
    assert not plan.reviews.exists()


def test_review_page(client, world, child, referral, system_actor):
    from tests.panels.conftest import make_incident

    plan = _plan(world, child)
    make_incident(child, system_actor, world["kent"], when=timezone.now() - timedelta(hours=2))
    assert client.login(username=world["users"]["lead"].username, password=PASSWORD)
    detail = _text(client.get(f"/panels/plans/{plan.pk}/"))
    assert "Brought forward: A new incident on" in detail and "Record a review" in detail
    assert "Not reviewed yet." in detail
    url = f"/panels/plans/{plan.pk}/review/"
    assert "The review was brought forward: A new incident" in _text(client.get(url))
    today = timezone.localdate()
    bad = client.post(
        url, {"reviewed_on_day": today.day, "reviewed_on_month": today.month, "reviewed_on_year": today.year}
    )
    assert bad.status_code == 400 and "Give the exploitation risk" in _text(bad)
    nxt = today + timedelta(days=28)
    response = client.post(
        url,
        {
            "reviewed_on_day": today.day,
            "reviewed_on_month": today.month,
            "reviewed_on_year": today.year,
            "risk_level": "medium",
            "note": "Engaging with the college place",
            "next_review_on_day": nxt.day,
            "next_review_on_month": nxt.month,
            "next_review_on_year": nxt.year,
        },
        follow=True,
    )
    text = _text(response)
    assert "Review recorded: the next review is on" in text and "Engaging with the college place" in text
    assert "Brought forward" not in text.split("Reviews")[0].split("Review date")[1][:200]
    # A police officer (not lead or chair) cannot review.
    client.logout()
    assert client.login(username=world["users"]["officer"].username, password=PASSWORD)
    assert client.get(url).status_code == 403
    assert JointPlan.objects.get(pk=plan.pk).reviews.count() == 1


def test_panel_home_lists_plans_due_for_review(client, world, child, referral, system_actor):
    """The lead sees plans due within two weeks, the overdue first, and why; a member of another agency does not."""
    from tests.panels.conftest import make_incident

    plan = _plan(world, child)
    assert client.login(username=world["users"]["lead"].username, password=PASSWORD)
    assert "Joint plans due for review" not in _text(client.get("/panels/"))
    make_incident(child, system_actor, world["kent"], when=timezone.now() - timedelta(days=10))
    text = _text(client.get("/panels/"))
    assert "Joint plans due for review" in text and "A new incident on" in text and "Overdue" in text
    assert f"/panels/plans/{plan.pk}/" in text
    client.logout()
    assert client.login(username=world["users"]["member"].username, password=PASSWORD)
    assert "Joint plans due for review" not in _text(client.get("/panels/"))


def test_a_backdated_review_does_not_answer_a_later_trigger(world, child, referral, system_actor):
    """Found in review: a review dated before the event that brought it forward left R-50 unanswered."""
    from tests.panels.conftest import make_incident

    plan = _plan(world, child)
    make_incident(child, system_actor, world["kent"], when=timezone.now() - timedelta(hours=1))
    plan.refresh_from_db()
    due, trigger = plan.review_on, plan.review_trigger
    today = timezone.localdate()
    review = panels.joint_plan_review(
        actor=world["as_lead"],
        plan=plan,
        reviewed_on=today - timedelta(days=20),
        risk_level="medium",
        note="Recorded late: the review of three weeks ago",
        next_review_on=today + timedelta(days=90),
    )
    plan.refresh_from_db()
    assert plan.review_trigger == trigger and plan.review_on == due and review.trigger == ""
    # A review after the event answers it.
    panels.joint_plan_review(
        actor=world["as_lead"],
        plan=plan,
        reviewed_on=today,
        risk_level="high",
        note="Re-arrest reviewed",
        next_review_on=today + timedelta(days=30),
    )
    plan.refresh_from_db()
    assert plan.review_trigger == "" and plan.review_on == today + timedelta(days=30)


def test_an_event_before_the_last_review_does_not_trigger(world, child, referral, system_actor):
    from ccehub.justice.services import charge_record

    plan = _plan(world, child)
    today = timezone.localdate()
    panels.joint_plan_review(
        actor=world["as_lead"],
        plan=plan,
        reviewed_on=today - timedelta(days=2),
        risk_level="high",
        note="Reviewed",
        next_review_on=today + timedelta(days=60),
    )
    charge_record(
        actor=system_actor, child=child, offence="possession_weapon", charged_on=today - timedelta(days=10)
    )
    plan.refresh_from_db()
    assert plan.review_on == today + timedelta(days=60) and plan.review_trigger == ""


def test_a_missing_episode_brings_the_review_forward(world, child, referral, system_actor):
    """R-31, R-50: reported missing two days ago: the plan's review is due 5 days from now; found
    later, the review date stays where the episode put it."""
    from ccehub.children.missing import missing_episode_found, missing_episode_record

    plan = _plan(world, child)
    two_days_ago = timezone.now() - timedelta(days=2)
    episode = missing_episode_record(actor=system_actor, child=child, started_at=two_days_ago)
    plan.refresh_from_db()
    assert plan.review_on == timezone.localtime(two_days_ago).date() + timedelta(days=7)
    assert plan.review_trigger.startswith("A missing episode on ")
    before = plan.review_on
    missing_episode_found(actor=system_actor, episode=episode, ended_at=timezone.now())
    plan.refresh_from_db()
    assert plan.review_on == before
