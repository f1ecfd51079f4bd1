"""The pages after intake, through the Django test client: the lead social worker, a referral to the
SCA on purpose, the SCA's decisions as received, joint plans and Safeguarding Orders. Refusals are
responses (403/404, or the form with errors) and are audited."""

from __future__ import annotations

import html
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from ccehub.audit.models import AuditEvent
from ccehub.nrm.models import NRMDecision
from ccehub.nrm.services import MSG_CG_INSIDE_RECOVERY_PERIOD, MSG_PANEL_DECIDES
from ccehub.panels import forms as panel_forms
from ccehub.panels import services as panels
from ccehub.panels.models import JointPlan, PanelDecision, SafeguardingOrder
from ccehub.panels.permissions import MSG_NOT_PANEL_LEAD
from ccehub.panels.rules import MSG_ORDER_TRANSITION

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-test-password"
TODAY = timezone.localdate()


def _client(client, world, who):
    client.logout()
    assert client.login(username=world["users"][who].username, password=PASSWORD)
    return client


def _date(prefix: str, day: date) -> dict[str, str]:
    return {f"{prefix}_day": str(day.day), f"{prefix}_month": str(day.month), f"{prefix}_year": str(day.year)}


def _text(response) -> str:
    return html.unescape(response.content.decode())


def test_lead_social_worker_recorded_from_the_referral_page(client, world, referral):
    c = _client(client, world, "lead")
    page = _text(c.get(reverse("panels:referral", args=[referral.pk])))
    url = reverse("panels:lead-social-worker", args=[referral.pk])
    assert url in page
    form = c.get(url)
    assert form.status_code == 200 and "Jo Worker" in _text(form)
    empty = c.post(url, {"user": "", "name": ""})
    assert empty.status_code == 400 and panel_forms.MSG_LEAD_SW in _text(empty)
    done = c.post(url, {"user": str(world["users"]["sw"].pk), "name": ""})
    assert done.status_code == 302
    referral.refresh_from_db()
    assert (
        referral.lead_social_worker == world["users"]["sw"]
        and referral.lead_social_worker_name == "Jo Worker"
    )
    assert _client(client, world, "kent").get(url).status_code == 404  # no basis to see the child


def test_referral_to_the_sca_on_purpose_then_the_sca_decides(client, world, referral):
    url = reverse("panels:refer-to-sca", args=[referral.pk])
    refused = _client(client, world, "member").post(url, {"reason": "Contested"})
    assert refused.status_code == 403 and MSG_NOT_PANEL_LEAD in _text(refused)
    assert AuditEvent.objects.filter(
        username="p.member", action="denied", object_type="nrm_referral"
    ).exists()
    c = _client(client, world, "lead")
    assert url in _text(c.get(reverse("panels:referral", args=[referral.pk])))
    empty = c.post(url, {"reason": ""})
    assert empty.status_code == 400 and panel_forms.MSG_SCA_REASON in _text(empty)
    sent = c.post(url, {"reason": "The panel cannot agree on the CG"}, follow=True)
    referral.refresh_from_db()
    assert referral.escalated_on == TODAY
    assert PanelDecision.objects.get(referral=referral).decision_type == "referred_to_sca"
    page = _text(sent)
    assert "Referred to the Home Office SCA" in page and url not in page
    record = reverse("panels:sca-decision", args=[referral.pk])
    assert record in page
    rg_on = TODAY - timedelta(days=20)
    assert (
        c.post(record, {"stage": "rg", "outcome": "positive", **_date("decided_on", rg_on)}).status_code
        == 302
    )
    form = _text(c.get(record))
    assert "(optional) (optional)" not in form and "What the decision letter says (optional)" in form
    before = c.post(
        record,
        {
            "stage": "cg",
            "outcome": "positive",
            **_date("decided_on", referral.referred_on - timedelta(days=1)),
        },
    )
    assert before.status_code == 400
    assert "The date of the decision cannot be before the referral was made" in _text(before)
    assert "as_of" not in _text(before) and "referral_date" not in _text(before)
    early = c.post(record, {"stage": "cg", "outcome": "positive", **_date("decided_on", TODAY)})
    earliest = rg_on + timedelta(days=30)  # current profile: the 30-day recovery period
    offered = MSG_CG_INSIDE_RECOVERY_PERIOD.format(earliest=f"{earliest.day} {earliest:%B %Y}")
    assert early.status_code == 400 and offered in _text(early)
    assert NRMDecision.objects.filter(referral=referral).count() == 1
    assert NRMDecision.objects.get(referral=referral).decision_maker == "home_office_sca"


def test_the_panel_decides_its_own_referrals(client, world, referral):
    """A local referral not sent to the SCA: the page refuses an SCA decision with the service's reason."""
    c = _client(client, world, "lead")
    assert reverse("panels:sca-decision", args=[referral.pk]) not in _text(
        c.get(reverse("panels:referral", args=[referral.pk]))
    )
    response = c.post(
        reverse("panels:sca-decision", args=[referral.pk]),
        {"stage": "rg", "outcome": "positive", **_date("decided_on", TODAY)},
    )
    assert response.status_code == 400 and MSG_PANEL_DECIDES in _text(response)


def _plan_data(**extra):
    data = {
        "summary": "Exit the line safely; school place",
        **_date("agreed_on", TODAY),
        **_date("review_on", TODAY + timedelta(days=90)),
        "action1_description": "Debt threat assessment",
        "action1_owner_name": "DI Pat Police",
        **_date("action1_due_on", TODAY + timedelta(days=7)),
    }
    data.update(extra)
    return data


def test_joint_plan_agreed_actions_done_and_added(client, world, referral):
    c = _client(client, world, "lead")
    new = reverse("panels:plan-new", args=[referral.pk])
    assert new in _text(c.get(reverse("panels:referral", args=[referral.pk])))
    assert c.get(new).status_code == 200
    empty = c.post(new, {})
    assert empty.status_code == 400 and panel_forms.MSG_PLAN_SUMMARY in _text(empty)
    backwards = c.post(
        new,
        _plan_data(
            action1_owner_agency=str(world["met"].pk), **_date("review_on", TODAY - timedelta(days=1))
        ),
    )
    assert backwards.status_code == 400 and panels.MSG_REVIEW_BEFORE_AGREED in _text(backwards)
    half = c.post(
        new, _plan_data(action1_owner_agency=str(world["met"].pk), action2_description="CAMHS appointment")
    )
    assert half.status_code == 400 and panel_forms.MSG_ACTION_PARTS in _text(half)
    created = c.post(
        new,
        _plan_data(
            action1_owner_agency=str(world["met"].pk),
            action2_description="CAMHS appointment",
            action2_owner_agency=str(world["health"].pk),
            **_date("action2_due_on", TODAY + timedelta(days=30)),
        ),
    )
    plan = JointPlan.objects.get(child=referral.child)
    assert created.status_code == 302 and created["Location"] == reverse("panels:plan", args=[plan.pk])
    assert plan.referral == referral and plan.actions.count() == 2
    page = _text(c.get(created["Location"]))
    assert "Debt threat assessment" in page and "Metropolitan Police Service (DI Pat Police)" in page
    # The police (the owning agency, with a basis for the child) mark their action done.
    police = plan.actions.get(owner_agency=world["met"])
    officer = _client(client, world, "officer")
    officer_page = _text(officer.get(created["Location"]))
    assert officer_page.count("Mark as done<span") == 1  # only the police's own action
    done = officer.post(reverse("panels:plan-action-done", args=[police.pk]))
    assert done.status_code == 302
    police.refresh_from_db()
    assert police.status == "done" and police.completed_on == TODAY
    again = officer.post(reverse("panels:plan-action-done", args=[police.pk]))
    assert again.status_code == 403
    # Adding an action: the lead may, the officer may not.
    refused = officer.post(created["Location"], {"action_description": "x"})
    assert refused.status_code == 403
    lead = _client(client, world, "lead")
    added = lead.post(
        created["Location"],
        {
            "action_description": "Education place",
            "action_owner_agency": str(world["islington"].pk),
            **_date("action_due_on", TODAY + timedelta(days=14)),
        },
    )
    assert added.status_code == 302 and plan.actions.count() == 3
    assert _client(client, world, "kent").get(created["Location"]).status_code == 404


def test_plan_refused_without_a_panel_case(client, world, child, system_actor):
    """A national referral: no panel, so no panel plan or order."""
    from tests.panels.conftest import refer

    national = refer(world, child, flag=False)
    assert national.route == "national"
    c = _client(client, world, "lead")
    assert c.get(reverse("panels:plan-new", args=[national.pk])).status_code == 403
    assert c.get(reverse("panels:order-new", args=[national.pk])).status_code == 403
    page = _text(c.get(reverse("panels:referral", args=[national.pk])))
    assert reverse("panels:sca-decision", args=[national.pk]) in page


def _order_data(**extra):
    data = {
        "legal_basis": "existing_order_adapted",
        "legal_basis_detail": "CCE prevention order (adapted)",
        "court": "Highbury Corner Magistrates' Court",
        "condition1_type": "no_contact_named_persons",
        "condition1_detail": "No contact with the persons referenced",
        "condition2_type": "curfew",
        "condition2_detail": "Home 21:00 to 07:00",
        "protected1_reference": "INT-2024-0117",
        "protected1_relationship": "line holder",
    }
    data.update(extra)
    return data


def test_safeguarding_order_through_the_machine_with_a_breach(client, world, referral):
    c = _client(client, world, "chair")
    new = reverse("panels:order-new", args=[referral.pk])
    named = c.post(
        new, _order_data(protected1_reference="John Smith", protected1_held_by=str(world["met"].pk))
    )
    assert named.status_code == 400 and panels.MSG_REFERENCE_NOT_CODE in _text(named)
    assert not SafeguardingOrder.objects.exists()
    created = c.post(new, _order_data(protected1_held_by=str(world["met"].pk)))
    order = SafeguardingOrder.objects.get()
    assert created.status_code == 302 and order.status == "draft" and order.conditions.count() == 2
    page = _text(c.get(created["Location"]))
    assert "INT-2024-0117" in page and "Record the application to the court" in page
    assert "Report a breach" not in page

    def step(to, data, status=302):
        response = c.post(reverse("panels:order-step", args=[order.pk, to]), data)
        assert response.status_code == status, _text(response)
        order.refresh_from_db()
        return response

    step("applied", _date("on", TODAY - timedelta(days=30)))
    missing = step("granted", _date("on", TODAY - timedelta(days=12)), status=400)
    assert "Enter the date the order was made" in _text(missing)
    step(
        "granted",
        {
            **_date("on", TODAY - timedelta(days=12)),
            **_date("made_on", TODAY - timedelta(days=12)),
            **_date("starts_on", TODAY - timedelta(days=10)),
            **_date("expires_on", TODAY + timedelta(days=300)),
        },
    )
    wrong = step("discharged", _date("on", TODAY), status=400)
    assert MSG_ORDER_TRANSITION.format(from_label="granted", to_label="discharged") in _text(wrong)
    step("active", _date("on", TODAY - timedelta(days=10)))
    assert order.status == "active"
    assert c.get(reverse("panels:order-step", args=[order.pk, "nonsense"])).status_code == 404
    # The police (a basis for the child) report a breach; only the lead or chair record the response.
    officer = _client(client, world, "officer")
    breach_url = reverse("panels:breach-new", args=[order.pk])
    assert (
        officer.post(
            breach_url,
            {
                **_date("occurred_on", TODAY - timedelta(days=2)),
                **_date("reported_on", TODAY - timedelta(days=1)),
                "nature": "Seen with INT-2024-0117 after curfew",
            },
        ).status_code
        == 302
    )
    order.refresh_from_db()
    breach = order.breaches.get()
    assert order.status == "breach_reported"
    response_url = reverse("panels:breach-response", args=[breach.pk])
    assert _client(client, world, "member").get(response_url).status_code == 403
    chair = _client(client, world, "chair")
    assert response_url in _text(chair.get(reverse("panels:order", args=[order.pk])))
    assert (
        chair.post(
            response_url,
            {"court_response": "variation", **_date("response_on", TODAY), "detail": "Curfew from 20:00"},
        ).status_code
        == 302
    )
    order.refresh_from_db()
    assert order.status == "varied" and order.events.count() == 5
    assert "Variation of the order" in _text(chair.get(reverse("panels:order", args=[order.pk])))
    assert _client(client, world, "kent").get(reverse("panels:order", args=[order.pk])).status_code == 404


def test_monitoring_links_to_the_plan(client, world, referral):
    panels.joint_plan_create(
        actor=world["as_lead"],
        panel=world["panel"],
        child=referral.child,
        agreed_on=TODAY,
        review_on=TODAY + timedelta(days=60),
        summary="Plan",
        actions=[panels.ActionSpec("Assessment", world["met"], TODAY + timedelta(days=5))],
        referral=referral,
    )
    plan = JointPlan.objects.get()
    page = _text(_client(client, world, "member").get(reverse("panels:monitoring")))
    assert reverse("panels:plan", args=[plan.pk]) in page
    assert reverse("panels:referral", args=[referral.pk]) in page
