"""Closing a panel case and a joint plan through the Django test client: the button for the chair
only, the form, refusals as an error summary, warnings with an "I confirm" checkbox, the
notification banner, the closed case and plan shown as closed, and what the panel no longer sees."""

from __future__ import annotations

import html
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from ccehub.audit.models import AuditEvent
from ccehub.panels import forms as panel_forms
from ccehub.panels import services as panels
from ccehub.panels.models import JointPlan, PanelCase
from ccehub.rules import closure as rule

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-test-password"
TODAY = timezone.localdate()
NOTE = "Settled at college; no missing episodes for four months"


def _client(client, world, who):
    client.logout()
    assert client.login(username=world["users"][who].username, password=PASSWORD)
    return client


def _text(response) -> str:
    return html.unescape(response.content.decode())


def _date(prefix: str, day: date) -> dict[str, str]:
    return {f"{prefix}_day": str(day.day), f"{prefix}_month": str(day.month), f"{prefix}_year": str(day.year)}


def _data(**extra):
    data = {
        "risk_level": "low",
        "risk_reduced": "yes",
        "reason": "risk_reduced",
        "note": NOTE,
        "approved_at": panel_forms.NO_SITTING,
        **_date("closed_on", TODAY),
    }
    data.update(extra)
    return data


def _sent_to_sca(world, referral):
    panels.referral_refer_to_sca(
        actor=world["as_lead"], referral=referral, reason="Contested CG", on=date(2024, 4, 1)
    )


def _plan(world, child):
    return panels.joint_plan_create(
        actor=world["as_lead"],
        panel=world["panel"],
        child=child,
        agreed_on=date(2024, 7, 1),
        review_on=date(2024, 10, 1),
        summary="Exit the line safely; a college place",
        actions=[panels.ActionSpec("College place", world["islington"], date(2024, 8, 1))],
    )


def test_the_chair_has_the_button_and_others_do_not(client, world, referral):
    url = reverse("panels:case-close", args=[referral.pk])
    page = _text(_client(client, world, "chair").get(reverse("panels:referral", args=[referral.pk])))
    assert url in page and "Close this panel case" in page
    assert "Panel case" in page and "Open" in page
    for who in ("lead", "member"):
        page = _text(_client(client, world, who).get(reverse("panels:referral", args=[referral.pk])))
        assert url not in page
        refused = client.get(url)
        assert refused.status_code == 403 and panels.MSG_CLOSE_CHAIR_ONLY in _text(refused)
    assert AuditEvent.objects.filter(username="p.lead", action="denied", object_type="panel_case").exists()


def test_the_form_asks_for_the_reassessment_and_refuses_an_empty_answer(client, world, referral):
    c = _client(client, world, "chair")
    url = reverse("panels:case-close", args=[referral.pk])
    form = c.get(url)
    page = _text(form)
    assert form.status_code == 200
    for text in (
        "What is the exploitation risk now?",
        "Has the exploitation risk reduced?",
        "Why is the case closing?",
        "The direct work is finished",
        "Date the case closed",
        "Did the panel approve the closure at a meeting?",
    ):
        assert text in page
    assert 'name="closed_on_day"' in page and "govuk-date-input" in page
    assert 'name="confirm_warnings"' not in page  # no warning yet, nothing to confirm
    empty = c.post(url, {})
    page = _text(empty)
    assert empty.status_code == 400 and "govuk-error-summary" in page
    for message in (
        panel_forms.MSG_CLOSE_RISK_LEVEL,
        panel_forms.MSG_CLOSE_RISK_REDUCED,
        panel_forms.MSG_CLOSE_REASON.format(noun="case"),
        panel_forms.MSG_CLOSE_NOTE,
    ):
        assert message in page
    assert PanelCase.objects.get(child=referral.child).closed_on is None


def test_open_work_is_shown_as_an_error_summary_and_audited(client, world, referral):
    c = _client(client, world, "chair")
    refused = c.post(reverse("panels:case-close", args=[referral.pk]), _data())
    assert refused.status_code == 400
    page = _text(refused)
    assert "govuk-error-summary" in page
    assert rule.MSG_AWAITING_PANEL_DECISION.format(what="An NRM referral is", them="it") in page
    row = AuditEvent.objects.filter(username="p.chair", action="denied", object_type="panel_case").get()
    assert "awaiting the panel" in row.detail


def test_a_warning_needs_the_chair_to_confirm_it(client, world, referral):
    """A risk still high: the warning text and an "I confirm" checkbox; then closed, with a banner,
    and the referral page shows the case closed with its date and reason."""
    _sent_to_sca(world, referral)
    c = _client(client, world, "chair")
    url = reverse("panels:case-close", args=[referral.pk])
    data = _data(risk_level="high", reason="moved_area")
    first = c.post(url, data)
    page = _text(first)
    assert first.status_code == 400
    assert "govuk-warning-text" in page and rule.WARN_RISK_STILL_HIGH.format(noun="panel case") in page
    assert panels.MSG_CONFIRM_WARNINGS.format(noun="panel case") in page
    assert 'name="confirm_warnings"' in page and "I confirm" in page
    done = c.post(url, {**data, "confirm_warnings": "on"}, follow=True)
    page = _text(done)
    assert done.redirect_chain[-1][0] == reverse("panels:referral", args=[referral.pk])
    assert "govuk-notification-banner" in page
    assert f"Panel case closed on {TODAY.day} {TODAY:%B %Y}" in page
    assert "Closed" in page and "The child has moved out of the panel's area" in page
    assert "High, not reduced" not in page and "High, reduced" in page
    assert url not in page  # nothing left to close
    case = PanelCase.objects.get(child=referral.child)
    assert case.closed_on == TODAY and case.closure_warnings == [
        rule.WARN_RISK_STILL_HIGH.format(noun="panel case")
    ]


def test_risk_not_reduced_with_a_quorate_sitting_chosen_on_the_form(client, world, referral):
    _sent_to_sca(world, referral)
    meeting = panels.panel_meeting_schedule(
        actor=world["as_lead"], panel=world["panel"], held_on=TODAY, extraordinary=True, reason="review"
    )
    members = world["members"]
    panels.meeting_attendance_record(
        actor=world["as_lead"],
        meeting=meeting,
        present=[members["chair"], members["police"], members["health"]],
        chair=members["chair"],
    )
    c = _client(client, world, "chair")
    url = reverse("panels:case-close", args=[referral.pk])
    assert f"Meeting on {TODAY.day} {TODAY:%B %Y}" in _text(c.get(url))
    data = _data(risk_level="medium", risk_reduced="no", reason="custody")
    refused = c.post(url, data)
    assert refused.status_code == 400
    assert rule.MSG_NEEDS_PANEL_APPROVAL.format(noun="panel case") in _text(refused)
    done = c.post(url, {**data, "approved_at": str(meeting.pk)}, follow=True)
    page = _text(done)
    assert done.status_code == 200 and f"Approved at the meeting on {TODAY.day} {TODAY:%B %Y}" in page
    assert PanelCase.objects.get(child=referral.child).closure_meeting == meeting


def test_after_closing_the_panel_no_longer_sees_the_childs_record(client, world, referral):
    """The child's page is refused to the panel (no basis), audited; the referral page, the panel's
    own record of its work, stays; monitoring no longer lists the child."""
    _sent_to_sca(world, referral)
    _plan(world, referral.child)
    c = _client(client, world, "chair")
    child_url = reverse("children:detail", args=[referral.child.pseudonymous_id])
    assert c.get(child_url).status_code == 200
    monitoring = _text(c.get(reverse("panels:monitoring")))
    assert referral.child.pseudonymous_id in monitoring
    # its plan is still in phase 2 (W-5): the closing warns, and the chair confirms
    warned = c.post(reverse("panels:case-close", args=[referral.pk]), _data())
    assert warned.status_code == 400 and "still in phase 2 (intensive support)" in _text(warned)
    closing = _data(confirm_warnings="on")
    assert c.post(reverse("panels:case-close", args=[referral.pk]), closing).status_code == 302
    assert c.get(child_url).status_code == 404
    assert AuditEvent.objects.filter(
        username="p.chair", action="denied", object_type="child", child_pid=referral.child.pseudonymous_id
    ).exists()
    assert c.get(reverse("panels:referral", args=[referral.pk])).status_code == 200
    assert referral.child.pseudonymous_id not in _text(c.get(reverse("panels:monitoring")))
    plan = JointPlan.objects.get(child=referral.child)
    page = _text(c.get(reverse("panels:plan", args=[plan.pk])))
    assert "Closed" in page and "The exploitation risk has reduced" in page
    assert reverse("panels:plan-close", args=[plan.pk]) not in page


def test_a_joint_plan_is_closed_from_its_page(client, world, referral):
    plan = _plan(world, referral.child)
    url = reverse("panels:plan-close", args=[plan.pk])
    lead = _client(client, world, "lead")
    assert url not in _text(lead.get(reverse("panels:plan", args=[plan.pk])))
    assert lead.post(url, _data()).status_code == 403
    c = _client(client, world, "chair")
    page = _text(c.get(reverse("panels:plan", args=[plan.pk])))
    assert url in page and "Close this joint plan" in page
    form = _text(c.get(url))
    assert "Why is the plan closing?" in form and "Date the plan closed" in form
    done = c.post(url, _data(reason="direct_work_completed", confirm_warnings="on"), follow=True)
    page = _text(done)
    assert done.redirect_chain[-1][0] == reverse("panels:plan", args=[plan.pk])
    assert f"Joint plan closed on {TODAY.day} {TODAY:%B %Y}" in page
    assert "The direct work is finished" in page and NOTE in page
    assert "replaced by a later joint plan" not in page.lower()
    plan.refresh_from_db()
    assert plan.closed_on == TODAY
    assert PanelCase.objects.get(child=referral.child).closed_on is None
    referral_page = _text(c.get(reverse("panels:referral", args=[referral.pk])))
    assert f">Closed</strong> {TODAY.day} {TODAY:%B %Y}" in referral_page


def test_a_replaced_plan_still_says_so(client, world, referral):
    plan = _plan(world, referral.child)
    panels.joint_plan_create(
        actor=world["as_lead"],
        panel=world["panel"],
        child=referral.child,
        agreed_on=date(2024, 8, 1),
        review_on=date(2024, 11, 1),
        summary="Revised at review",
        actions=[panels.ActionSpec("Mentoring", world["islington"], date(2024, 9, 1))],
    )
    page = _text(_client(client, world, "chair").get(reverse("panels:plan", args=[plan.pk])))
    assert "Replaced by a later joint plan" in page


def test_an_analyst_does_not_see_the_chairs_note(client, world, referral):
    _sent_to_sca(world, referral)
    c = _client(client, world, "chair")
    assert c.post(reverse("panels:case-close", args=[referral.pk]), _data()).status_code == 302
    page = _text(_client(client, world, "analyst").get(reverse("panels:referral", args=[referral.pk])))
    assert NOTE not in page


def test_closing_a_case_with_no_open_case_is_not_found(client, world, referral):
    _sent_to_sca(world, referral)
    c = _client(client, world, "chair")
    url = reverse("panels:case-close", args=[referral.pk])
    assert c.post(url, _data()).status_code == 302
    again = c.get(url)
    assert again.status_code == 404 and panel_forms.MSG_NO_OPEN_CASE in _text(again)


def test_the_closing_date_uses_the_date_input_pattern(client, world, referral):
    _sent_to_sca(world, referral)
    c = _client(client, world, "chair")
    url = reverse("panels:case-close", args=[referral.pk])
    short_year = c.post(url, _data(closed_on_year="24"))
    assert short_year.status_code == 400
    assert "Year of the date the case closed must include 4 numbers" in _text(short_year)
    future = c.post(url, _data(**_date("closed_on", TODAY + timedelta(days=1))))
    assert rule.MSG_CLOSED_IN_FUTURE.format(noun="panel case") in _text(future)
