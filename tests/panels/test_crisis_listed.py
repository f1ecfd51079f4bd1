"""W-5: a crisis response convened by the home local authority is listed at the CCE panel that covers
it (its panel case), the panel is told, runs phase 1 (the exit window) until it agrees a joint plan on
the case's own page, and closing the case closes the response."""

from __future__ import annotations

import html
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from ccehub.audit.models import AuditEvent
from ccehub.notifications.models import Notification
from ccehub.panels.crisis import crisis_open, crisis_step, open_response
from ccehub.panels.models import JointPlan, PanelArea, PanelCase
from ccehub.rules.crisis import MSG_CONVENED_CLOSES_AT_PANEL

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


def _convened(world, child, *, on=TODAY):
    response = crisis_open(actor=world["as_sw"], child=child, trigger="pre_arrest_concern", on=on)
    crisis_step(actor=world["as_officer"], response=response, step="returned", on=on)
    return crisis_step(actor=world["as_sw"], response=response, step="convened", on=on)


def test_convening_shares_the_case_with_the_panel_and_tells_it(world, child):
    assert not PanelCase.objects.filter(child=child).exists()  # no referral: the panel cannot see him
    response = _convened(world, child)
    case = PanelCase.objects.get(child=child)
    assert response.panel_case == case and case.panel == world["panel"]
    assert case.shared_by == world["islington"] and case.shared_on == TODAY and case.closed_on is None
    assert "Crisis response convened" in case.reason
    told = Notification.objects.get(kind="crisis_listed")
    assert told.agency == world["panel"] and told.child == child and told.from_agency == world["islington"]
    assert told.link == reverse("panels:case", args=[case.pk])
    assert child.pseudonymous_id in told.text and "Jamie" not in told.text  # no identity in the text
    assert AuditEvent.objects.filter(
        object_type="panel_case", action="create", child_pid=child.pseudonymous_id
    ).exists()
    assert AuditEvent.objects.filter(object_type="crisis_response", detail__contains="listed at").exists()
    # listed: it is the panel's now, and closes with the panel case
    with pytest.raises(ValidationError) as refused:
        crisis_step(actor=world["as_sw"], response=response, step="closed", on=TODAY, note="Done")
    assert MSG_CONVENED_CLOSES_AT_PANEL in str(refused.value)


def test_a_case_already_open_at_the_panel_is_where_it_is_listed(world, child, referral):
    before = PanelCase.objects.get(child=child, closed_on__isnull=True)
    response = _convened(world, child)
    assert response.panel_case == before
    assert PanelCase.objects.filter(child=child).count() == 1
    # W-5: crisis priority on the panel's agenda, whatever triggered the response
    from ccehub.panels.selectors import panel_referrals, referral_urgency

    assert referral_urgency(referral, on=TODAY)[0].crisis_open
    listed = panel_referrals(panel=world["panel"]).get(pk=referral.pk)  # prefetched, as the lists do
    urgency = referral_urgency(listed, on=TODAY)[0]
    assert urgency.crisis_open and "Crisis response open (W-5)" in urgency.reasons(TODAY)


def test_with_no_panel_covering_the_authority_it_is_not_listed_and_the_convenor_closes_it(world, child):
    PanelArea.objects.filter(local_authority=world["islington"]).delete()
    response = _convened(world, child)
    assert response.panel_case is None and not PanelCase.objects.filter(child=child).exists()
    assert not Notification.objects.filter(kind="crisis_listed").exists()
    closed = crisis_step(actor=world["as_sw"], response=response, step="closed", on=TODAY, note="Work done")
    assert closed.closed_on == TODAY


def test_a_referral_after_convening_lists_a_response_listed_nowhere(world, child, incident):
    from tests.panels.conftest import refer

    area = PanelArea.objects.get(local_authority=world["islington"])
    area.delete()
    response = _convened(world, child, on=date(2024, 3, 1))
    assert response.panel_case is None
    PanelArea.objects.create(panel=world["panel"], local_authority=world["islington"])
    referral = refer(world, child, incident=incident)
    response.refresh_from_db()
    assert response.panel_case is not None and response.panel_case == referral.panel_case
    told = Notification.objects.get(kind="crisis_listed")  # the panel is told now
    assert told.agency == world["panel"] and "1 March 2024" in told.text


def test_a_case_shared_for_a_response_convened_earlier_is_shared_today(world, child):
    response = _convened(world, child, on=TODAY - timedelta(days=3))
    assert response.panel_case.shared_on == TODAY  # the panel sees the child from today


def test_a_case_closed_in_a_race_leaves_the_response_to_its_convenor(world, child):
    response = _convened(world, child)
    PanelCase.objects.filter(pk=response.panel_case_id).update(closed_on=TODAY)  # closed, not with it
    closed = crisis_step(actor=world["as_sw"], response=response, step="closed", on=TODAY, note="Ended")
    assert closed.closed_on == TODAY


def test_the_case_page_the_exit_window_a_plan_and_closing(client, world, child):
    response = _convened(world, child)
    case = response.panel_case
    url = reverse("panels:case", args=[case.pk])
    # the chair's dashboard and the panel's page list it in phase 1
    chair = _client(client, world, "chair")
    board = _text(chair.get("/"))
    assert "phase 1, the exit window: agree a joint plan (W-5)" in board and url in board
    assert "Crisis response for" not in board  # the task, not the notification as well
    assert url in _text(chair.get(reverse("panels:home")))
    page = _text(chair.get(url))
    assert "Phase 1: exit window" in page and "Concern before any arrest (R-22)" in page
    assert "No NRM referral is on this case" in page
    assert AuditEvent.objects.filter(object_type="panel_case", action="view", object_id=str(case.pk)).exists()
    # somebody with no basis for the child sees nothing, and the refusal is audited
    assert _client(client, world, "kent").get(url).status_code == 404
    assert AuditEvent.objects.filter(object_type="panel_case", action="denied").exists()
    # a panel member reads it but does not agree plans or close it
    member = _client(client, world, "member")
    assert member.get(url).status_code == 200
    assert "listed at the panel (W-5 phase 1" in _text(member.get("/"))  # told, on the dashboard
    assert member.get(reverse("panels:case-plan-new", args=[case.pk])).status_code == 403
    assert member.get(reverse("panels:case-close-by-case", args=[case.pk])).status_code == 403
    # the lead agrees a joint plan on the case: phase 2
    lead = _client(client, world, "lead")
    new = reverse("panels:case-plan-new", args=[case.pk])
    assert new in _text(lead.get(url))
    created = lead.post(
        new,
        {
            "summary": "Exit the line safely",
            **_date("agreed_on", TODAY),
            **_date("review_on", TODAY + timedelta(days=60)),
            "action1_description": "Debt threat assessment",
            "action1_owner_agency": str(world["met"].pk),
            **_date("action1_due_on", TODAY + timedelta(days=7)),
        },
    )
    plan = JointPlan.objects.get(child=child)
    assert created.status_code == 302 and plan.referral is None and plan.phase == "intensive"
    assert "Back to the panel case" in _text(lead.get(reverse("panels:plan", args=[plan.pk])))
    assert "Phase 2: intensive support" in _text(lead.get(url))
    assert "agree a joint plan (W-5)" not in _text(_client(client, world, "chair").get("/"))
    # the chair closes the case from its page: the plan and the crisis response close with it
    chair = _client(client, world, "chair")
    close = reverse("panels:case-close-by-case", args=[case.pk])
    done = chair.post(
        close,
        {
            "risk_level": "low",
            "risk_reduced": "yes",
            "reason": "moved_area",
            "note": "Moved to Wales with his family",
            **_date("closed_on", TODAY),
            "approved_at": "none",
        },
    )
    assert done.status_code == 302, _text(done)
    assert done["Location"] == url
    case.refresh_from_db()
    plan.refresh_from_db()
    assert case.closed_on == TODAY and plan.closed_on == TODAY
    assert open_response(child) is None
    assert chair.get(close).status_code == 404  # nothing open to close
    assert chair.get(new).status_code == 403


def test_the_crisis_page_names_the_panel_it_is_listed_at(client, world, child):
    lead = _client(client, world, "sw")
    url = f"/children/{child.pseudonymous_id}/crisis/"
    crisis_open(actor=world["as_sw"], child=child, trigger="pre_arrest_concern", on=TODAY)
    crisis_step(actor=world["as_sw"], response=open_response(child), step="returned", on=TODAY)
    done = lead.post(url, {"step": "convened", **_date("convened-on", TODAY)}, follow=True)
    text = _text(done)
    assert f"convened and listed at {world['panel'].name}" in text
    assert reverse("panels:case", args=[open_response(child).panel_case_id]) in text
    assert "Close the crisis response" not in text  # the panel's now
