"""Closing a panel case and a joint plan (R-50, W-5): who may, what keeps a case open, the panel's
approval at a quorate sitting, the warnings to confirm, the dates, the audit, and what closing ends
(the panel's basis for the child, its retention hold) and does not (a later referral opens a new
case)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ccehub.audit.models import AuditEvent
from ccehub.common.access import access_basis
from ccehub.panels import services as panels
from ccehub.panels.models import (
    CloseReason,
    InformationRequest,
    JointPlan,
    PanelCase,
    RequestStatus,
)
from ccehub.panels.selectors import monitoring_list
from ccehub.panels.services import ActionSpec, ClosureRefused
from ccehub.rules import closure as rule
from ccehub.rules.retention import OpenMatter
from tests.panels.conftest import TODAY_2024, decide, held_meeting, refer

pytestmark = pytest.mark.django_db

#: The world's referral is recorded on TODAY_2024 (30 June 2024), so the case is shared that day.
SHARED = TODAY_2024
CLOSED = date(2024, 9, 20)
TODAY = date(2024, 9, 30)
NOTE = "Jamie has settled at college; no missing episodes since May; the police see no link to the line"


def _case(world, child):
    return PanelCase.objects.get(panel=world["panel"], child=child, closed_on__isnull=True)


def _sent_to_sca(world, referral):
    """The referral leaves the panel's hands (the SCA decides it), so nothing is owed on it."""
    panels.referral_refer_to_sca(
        actor=world["as_lead"], referral=referral, reason="Contested CG", on=date(2024, 4, 1)
    )


def _close(world, child, **extra):
    values = {
        "actor": world["as_chair"],
        "case": _case(world, child),
        "closed_on": CLOSED,
        "risk_level": "low",
        "risk_reduced": True,
        "reason": "risk_reduced",
        "note": NOTE,
        "today": TODAY,
    }
    values.update(extra)
    return panels.panel_case_close(**values)


def _sitting(world, held_on, present=("chair", "police", "health")):
    """A sitting of the panel, held, with the members ``present`` and the chair chairing."""
    meeting = panels.panel_meeting_schedule(
        actor=world["as_lead"], panel=world["panel"], held_on=held_on, extraordinary=True, reason="review"
    )
    members = world["members"]
    return panels.meeting_attendance_record(
        actor=world["as_lead"],
        meeting=meeting,
        present=[members[m] for m in present],
        chair=members["chair"],
        today=held_on,
    )


def _plan(world, child, agreed_on=date(2024, 7, 1)):
    return panels.joint_plan_create(
        actor=world["as_lead"],
        panel=world["panel"],
        child=child,
        agreed_on=agreed_on,
        review_on=agreed_on + timedelta(days=90),
        summary="Exit the line safely; a college place",
        actions=[ActionSpec("College place", world["islington"], agreed_on + timedelta(days=30))],
        today=TODAY,
    )


def _refusals(info) -> list[str]:
    return [m for messages in info.value.message_dict.values() for m in messages]


# --- Closing a panel case -----------------------------------------------------------------------


def test_the_chair_closes_a_case_with_the_risk_reassessed_and_reduced(world, child, referral):
    """Recorded on the case (date, reason, note, risk, who); one audit row naming the fields changed,
    without the free-text note."""
    _sent_to_sca(world, referral)
    assert access_basis(world["as_chair"], child) == "panel_case"
    case = _close(world, child)
    case.refresh_from_db()
    assert case.closed_on == CLOSED
    assert case.close_reason == CloseReason.RISK_REDUCED
    assert case.close_note == NOTE
    assert (case.risk_at_close, case.risk_reduced_at_close) == ("low", True)
    assert case.closure_meeting is None and case.closure_warnings == []
    assert case.closed_by == world["users"]["chair"] and case.closed_by_name == "p.chair"
    row = AuditEvent.objects.get(object_type="panel_case", object_id=str(case.pk), action="update")
    assert row.username == "p.chair" and row.child_pid == child.pseudonymous_id
    assert row.basis == "panel_case"
    assert row.fields == sorted(
        [
            "panel_cases.closed_on",
            "panel_cases.close_reason",
            "panel_cases.close_note",
            "panel_cases.risk_at_close",
            "panel_cases.risk_reduced_at_close",
            "panel_cases.closure_meeting",
            "panel_cases.closed_by",
        ]
    )
    assert "risk_reduced" in row.detail and "low" in row.detail and rule.RULE_VERSION in row.detail
    assert "college" not in row.detail.lower()


def test_closing_ends_the_panels_basis_for_the_child(world, child, referral):
    """The panel's chair and members lose sight of the child's record; the holders keep theirs."""
    _sent_to_sca(world, referral)
    assert access_basis(world["as_member"], child) == "panel_case"
    _close(world, child)
    assert access_basis(world["as_chair"], child) is None
    assert access_basis(world["as_member"], child) is None
    assert access_basis(world["as_sw"], child) == "own_records"


def test_the_panel_keeps_sight_on_another_basis(world, child, referral):
    """Closing ends the panel basis only: an agreement naming the child still applies."""
    from ccehub.agencies.models import DataSharingAgreement

    _sent_to_sca(world, referral)
    today = date.today()
    agreement = DataSharingAgreement.objects.create(
        title="Islington to the panel: Jamie's aftercare",
        provider=world["islington"],
        recipient=world["panel"],
        child=child,
        purpose="Aftercare review",
        starts_on=today - timedelta(days=1),
        expires_on=today + timedelta(days=30),
    )
    _close(world, child)
    assert access_basis(world["as_chair"], child) == f"data_sharing_agreement:{agreement.pk}"


@pytest.mark.parametrize("who", ["lead", "member", "sw", "vice_admin"])
def test_only_a_chair_of_the_panel_closes_a_case(world, child, referral, make_user, actor_for, roles, who):
    """Closing is the panel's decision (W-5 "panel approves closure"): its chair records it. Not the
    lead (who runs the panel's business), a member, a social worker, or the panel's account
    administrator (administrators do not read case records)."""
    _sent_to_sca(world, referral)
    if who == "vice_admin":
        actor = actor_for(make_user("p.paneladmin", world["panel"], roles.ADMIN))
    else:
        actor = world[f"as_{who}"]
    with pytest.raises(PermissionDenied) as info:
        _close(world, child, actor=actor)
    assert str(info.value) == panels.MSG_CLOSE_CHAIR_ONLY
    assert _case(world, child).closed_on is None


def test_another_chair_of_the_panel_may_close(world, child, referral):
    _sent_to_sca(world, referral)
    case = _close(world, child, actor=world["as_vice"])
    assert case.closed_by_name == "p.vice"


def test_a_referral_awaiting_the_panels_decision_keeps_the_case_open(world, child, referral):
    with pytest.raises(ClosureRefused) as info:
        _close(world, child)
    assert info.value.message_dict["__all__"] == [
        rule.MSG_AWAITING_PANEL_DECISION.format(what="An NRM referral is", them="it")
    ]
    assert _case(world, child).closed_on is None


def test_a_decision_with_home_office_qa_keeps_the_case_open_until_confirmed(world, child, referral):
    """RG and CG at one sitting conclude the referral; both go to Home Office QA (R-20)."""
    meeting = held_meeting(world, referral, held_on=date(2024, 4, 2))
    rg = decide(world, meeting, referral, "rg_positive")
    cg = decide(world, meeting, referral, "cg_positive")
    with pytest.raises(ClosureRefused) as info:
        _close(world, child)
    assert info.value.message_dict["__all__"] == [
        rule.MSG_AWAITING_QA.format(what="2 panel decisions are", them="them")
    ]
    panels.qa_confirm(actor=world["as_ho"], decision=rg)
    panels.qa_return(actor=world["as_ho"], decision=cg, reason="Say more about the evidence")
    with pytest.raises(ClosureRefused):
        _close(world, child)  # returned: the panel still owes a response
    panels.qa_respond(actor=world["as_chair"], decision=cg, response="Evidence listed in full")
    panels.qa_confirm(actor=world["as_ho"], decision=cg)
    assert _close(world, child).closed_on == CLOSED


def test_an_open_information_request_keeps_the_case_open(world, child, referral):
    request = panels.information_request_create(
        actor=world["as_lead"],
        referral=referral,
        recipient_role="health",
        recipient_agency=world["health"],
        recipient_name="Dr Pat Health",
        question="Any A&E attendances?",
        due_on=date(2024, 4, 10),
        today=date(2024, 3, 5),
    )
    _sent_to_sca(world, referral)
    with pytest.raises(ClosureRefused) as info:
        _close(world, child)
    assert info.value.message_dict["__all__"] == [
        rule.MSG_REQUESTS_OPEN.format(what="An information request is", them="it")
    ]
    panels.information_request_withdraw(actor=world["as_lead"], request=request, reason="Sent to the SCA")
    assert InformationRequest.objects.get(pk=request.pk).status == RequestStatus.WITHDRAWN
    assert _close(world, child).closed_on == CLOSED


@pytest.mark.parametrize(
    ("steps", "blocks"),
    [
        ([], True),  # a draft is being applied for
        ([("applied", {})], True),
        ([("applied", {}), ("refused", {})], False),
        # a draft that will not be applied for, or an application the panel withdraws, ends it
        ([("withdrawn", {})], False),
        ([("applied", {}), ("withdrawn", {})], False),
    ],
)
def test_a_safeguarding_order_not_ended_keeps_the_case_open(world, child, referral, steps, blocks):
    _sent_to_sca(world, referral)
    order = panels.safeguarding_order_draft(
        actor=world["as_lead"],
        panel=world["panel"],
        child=child,
        legal_basis="existing_order_adapted",
        legal_basis_detail="CCE prevention order (adapted)",
        conditions=[("curfew", "Home by 21:00")],
        protected_against=[],
    )
    for to_status, extra in steps:
        panels.safeguarding_order_transition(
            actor=world["as_lead"], order=order, to_status=to_status, on=date(2024, 7, 5), **extra
        )
    if blocks:
        with pytest.raises(ClosureRefused) as info:
            _close(world, child)
        assert info.value.message_dict["__all__"] == [
            rule.MSG_ORDERS_NOT_ENDED.format(what="A Safeguarding Order is", noun="panel case", them="it")
        ]
    else:
        assert _close(world, child).closed_on == CLOSED


def test_risk_not_reduced_needs_the_panels_approval_at_a_quorate_sitting(world, child, referral):
    """R-50: no sitting, refused; a sitting without health, refused as not quorate (R-21); a quorate
    sitting since the case was shared, on or before the closing day: closed, and the sitting kept."""
    _sent_to_sca(world, referral)
    values = {"risk_level": "medium", "risk_reduced": False, "reason": "moved_area"}
    with pytest.raises(ClosureRefused) as info:
        _close(world, child, **values)
    assert info.value.message_dict["approved_at"] == [rule.MSG_NEEDS_PANEL_APPROVAL.format(noun="panel case")]
    thin = _sitting(world, date(2024, 9, 10), present=("chair", "police"))
    with pytest.raises(ClosureRefused) as info:
        _close(world, child, approved_at=thin, **values)
    (message,) = info.value.message_dict["approved_at"]
    assert message.startswith("The meeting on 10 September 2024 cannot approve the closure: ")
    assert "health not present" in message
    quorate = _sitting(world, date(2024, 9, 12))
    case = _close(world, child, approved_at=quorate, **values)
    assert case.closure_meeting == quorate and case.risk_reduced_at_close is False
    row = AuditEvent.objects.get(object_type="panel_case", object_id=str(case.pk), action="update")
    assert "approved at the sitting on 2024-09-12" in row.detail


def test_a_sitting_after_the_closing_day_approves_nothing(world, child, referral):
    _sent_to_sca(world, referral)
    later = _sitting(world, date(2024, 9, 25))
    with pytest.raises(ClosureRefused) as info:
        _close(world, child, risk_reduced=False, reason="custody", approved_at=later)
    assert info.value.message_dict["approved_at"] == [
        rule.MSG_APPROVAL_AFTER_CLOSING.format(day="25 September 2024")
    ]


def test_a_sitting_not_held_or_of_another_panel_approves_nothing(world, child, referral):
    from ccehub.agencies.models import Agency, AgencyKind
    from ccehub.panels.models import PanelMeeting

    _sent_to_sca(world, referral)
    scheduled = panels.panel_meeting_schedule(
        actor=world["as_lead"], panel=world["panel"], held_on=date(2024, 9, 11)
    )
    other = Agency.objects.create(code="other-panel", name="Other CCE Panel", kind=AgencyKind.CCE_PANEL)
    elsewhere = PanelMeeting.objects.create(panel=other, held_on=date(2024, 9, 11), status="held")
    for meeting in (scheduled, elsewhere):
        with pytest.raises(ClosureRefused) as info:
            _close(world, child, risk_reduced=False, reason="custody", approved_at=meeting)
        assert info.value.message_dict["approved_at"] == [panels.MSG_APPROVAL_NOT_HELD]


def test_direct_work_finished_with_the_risk_not_reduced_must_be_confirmed(world, child, referral):
    """R-50: even with the panel's approval, the chair confirms the warning; it is kept on the case."""
    _sent_to_sca(world, referral)
    sitting = _sitting(world, date(2024, 9, 12))
    values = {
        "risk_level": "medium",
        "risk_reduced": False,
        "reason": "direct_work_completed",
        "approved_at": sitting,
    }
    warning = rule.WARN_DIRECT_WORK_ONLY.format(noun="panel case")
    with pytest.raises(ClosureRefused) as info:
        _close(world, child, **values)
    assert info.value.message_dict == {
        "confirm_warnings": [panels.MSG_CONFIRM_WARNINGS.format(noun="panel case")]
    }
    assert info.value.warnings == (warning,)
    assert _case(world, child).closed_on is None
    case = _close(world, child, confirm_warnings=True, **values)
    assert case.closure_warnings == [warning]


def test_refusals_carry_the_warnings_too(world, child, referral):
    """So the page shows the refusal and the warning together."""
    _sent_to_sca(world, referral)
    with pytest.raises(ClosureRefused) as info:
        _close(world, child, risk_level="high", risk_reduced=False, reason="direct_work_completed")
    assert "approved_at" in info.value.message_dict
    assert info.value.warnings == (
        rule.WARN_DIRECT_WORK_ONLY.format(noun="panel case"),
        rule.WARN_RISK_STILL_HIGH.format(noun="panel case"),
    )


@pytest.mark.parametrize(
    ("closed_on", "message"),
    [
        (TODAY + timedelta(days=1), rule.MSG_CLOSED_IN_FUTURE.format(noun="panel case")),
        (
            SHARED - timedelta(days=1),
            rule.MSG_CLOSED_BEFORE_OPENED.format(
                noun="panel case", opened="shared with the panel", day="30 June 2024"
            ),
        ),
    ],
)
def test_closing_dates(world, child, referral, closed_on, message):
    _sent_to_sca(world, referral)
    with pytest.raises(ClosureRefused) as info:
        _close(world, child, closed_on=closed_on)
    assert info.value.message_dict["closed_on"] == [message]


def test_every_refusal_at_once(world, child, referral):
    """The note, the risk and the reason, and the open work: all listed for the chair to fix."""
    with pytest.raises(ClosureRefused) as info:
        _close(world, child, note=" ", risk_level="not_assessed", risk_reduced=None, reason="")
    errors = info.value.message_dict
    assert errors["note"] == [panels.MSG_REQUIRED.format(what="the reasons for closing the case")]
    assert errors["risk_level"] == [rule.MSG_RISK_NOT_REASSESSED]
    assert errors["risk_reduced"] == [rule.MSG_RISK_REDUCED_UNANSWERED]
    assert errors["reason"] == [rule.MSG_REASON_REQUIRED.format(noun="panel case")]
    assert len(errors["__all__"]) == 1


def test_a_closed_case_cannot_close_again(world, child, referral):
    _sent_to_sca(world, referral)
    case = _close(world, child)
    with pytest.raises(ValidationError) as info:
        panels.panel_case_close(
            actor=world["as_chair"],
            case=case,
            closed_on=CLOSED,
            risk_level="low",
            risk_reduced=True,
            reason="risk_reduced",
            note=NOTE,
            today=TODAY,
        )
    assert _refusals(info) == [panels.MSG_CASE_ALREADY_CLOSED.format(day="20 September 2024")]


def test_closing_the_case_closes_its_open_joint_plan_with_the_same_reassessment(world, child, referral):
    """W-5: the case closes at the end, after the plan's work; a plan cannot outlive the panel's sight
    of the child. The plan's safeguarding-record mirror ends too, so nothing holds the record open."""
    from ccehub.children.selectors import child_retention

    _sent_to_sca(world, referral)
    plan = _plan(world, child)
    assert OpenMatter.JOINT_PLAN in child_retention(child=child, on=TODAY).open_matters
    # W-5: the plan is still in phase 2 (no review stepped it down): a warning to confirm
    with pytest.raises(ClosureRefused) as unconfirmed:
        _close(world, child, reason="direct_work_completed")
    assert rule.WARN_STILL_INTENSIVE.format(noun="panel case") in unconfirmed.value.warnings
    case = _close(world, child, reason="direct_work_completed", confirm_warnings=True)
    plan.refresh_from_db()
    assert plan.closed_on == CLOSED and plan.close_reason == "direct_work_completed"
    assert (plan.risk_at_close, plan.risk_reduced_at_close, plan.close_note) == ("low", True, NOTE)
    assert plan.closed_by_name == "p.chair"
    assert plan.child_plan.ended_on == CLOSED
    row = AuditEvent.objects.get(object_type="joint_plan", object_id=str(plan.pk), action="update")
    assert "closed with the panel case" in row.detail and "joint_plans.closed_on" in row.fields
    matters = child_retention(child=child, on=TODAY).open_matters
    assert not {OpenMatter.PANEL_CASE, OpenMatter.JOINT_PLAN, OpenMatter.CHILD_PLAN} & set(matters)
    assert case.closed_on == CLOSED


def test_the_case_cannot_close_before_its_open_plan_was_agreed(world, child, referral):
    _sent_to_sca(world, referral)
    _plan(world, child, agreed_on=date(2024, 9, 25))
    with pytest.raises(ClosureRefused) as info:
        _close(world, child)
    assert info.value.message_dict["closed_on"] == [
        panels.MSG_CASE_BEFORE_PLAN.format(day="25 September 2024")
    ]


def test_a_closed_case_leaves_monitoring(world, child, referral):
    _sent_to_sca(world, referral)
    _plan(world, child)
    assert [m.child for m in monitoring_list(actor=world["as_chair"], panel=world["panel"], as_of=TODAY)] == [
        child
    ]
    _close(world, child, confirm_warnings=True)  # its plan is in phase 2 (W-5 warns)
    assert monitoring_list(actor=world["as_chair"], panel=world["panel"], as_of=TODAY) == []


def test_a_later_referral_opens_a_new_panel_case(world, child, referral):
    """The one-open-case constraint allows a second case after the first closed; the panel's basis
    comes back with it, and the closed case is kept as it was."""
    _sent_to_sca(world, referral)
    closed = _close(world, child)
    again = refer(world, child, referred_on=date(2024, 9, 28), today=TODAY)
    assert again.route == "local_panel"
    cases = PanelCase.objects.filter(panel=world["panel"], child=child).order_by("shared_on")
    assert [(c.pk == closed.pk, c.closed_on) for c in cases] == [(True, CLOSED), (False, None)]
    assert cases[1].shared_on == TODAY
    assert access_basis(world["as_chair"], child) == "panel_case"


# --- Closing a joint plan ----------------------------------------------------------------------


def _close_plan(world, plan, **extra):
    values = {
        "actor": world["as_chair"],
        "plan": plan,
        "closed_on": CLOSED,
        "risk_level": "medium",
        "risk_reduced": True,
        "reason": "risk_reduced",
        "note": "The plan's actions are done and the risk has come down",
        "today": TODAY,
        # the plans here are in phase 2: W-5's warning is confirmed (test_plan_phases tests it)
        "confirm_warnings": True,
    }
    values.update(extra)
    return panels.joint_plan_close(**values)


def test_the_chair_closes_a_joint_plan_and_the_case_stays_open(world, child, referral):
    """A plan can close while the referral still awaits a decision: the panel keeps the case."""
    plan = _plan(world, child)
    closed = _close_plan(world, plan)
    assert closed.closed_on == CLOSED and closed.close_reason == "risk_reduced"
    assert closed.child_plan.ended_on == CLOSED
    assert _case(world, child).closed_on is None
    assert access_basis(world["as_chair"], child) == "panel_case"
    row = AuditEvent.objects.get(object_type="joint_plan", object_id=str(plan.pk), action="update")
    assert row.fields == sorted(
        [
            "joint_plans.closed_on",
            "joint_plans.close_reason",
            "joint_plans.close_note",
            "joint_plans.risk_at_close",
            "joint_plans.risk_reduced_at_close",
            "joint_plans.closure_meeting",
            "joint_plans.closed_by",
        ]
    )
    with pytest.raises(ValidationError) as info:
        panels.plan_action_add(actor=world["as_lead"], plan=plan, spec=ActionSpec("x", world["met"], CLOSED))
    assert _refusals(info) == [panels.MSG_PLAN_CLOSED]


def test_only_a_chair_closes_a_joint_plan(world, child, referral):
    plan = _plan(world, child)
    for who in ("lead", "member", "sw"):
        with pytest.raises(PermissionDenied) as info:
            _close_plan(world, plan, actor=world[f"as_{who}"])
        assert str(info.value) == panels.MSG_CLOSE_CHAIR_ONLY
    assert JointPlan.objects.get(pk=plan.pk).closed_on is None


def test_a_plan_cannot_close_twice_or_before_it_was_agreed(world, child, referral):
    plan = _plan(world, child)
    with pytest.raises(ClosureRefused) as info:
        _close_plan(world, plan, closed_on=date(2024, 6, 30))
    assert info.value.message_dict["closed_on"] == [
        rule.MSG_CLOSED_BEFORE_OPENED.format(noun="joint plan", opened="agreed", day="1 July 2024")
    ]
    _close_plan(world, plan)
    with pytest.raises(ValidationError) as info:
        _close_plan(world, plan)
    assert _refusals(info) == [panels.MSG_PLAN_ALREADY_CLOSED.format(day="20 September 2024")]


def test_an_order_not_ended_keeps_the_plan_open(world, child, referral):
    plan = _plan(world, child)
    panels.safeguarding_order_draft(
        actor=world["as_lead"],
        panel=world["panel"],
        child=child,
        legal_basis="existing_order_adapted",
        legal_basis_detail="CCE prevention order (adapted)",
        conditions=[("engage_with_plan", "Attend the plan's sessions")],
        protected_against=[],
    )
    with pytest.raises(ClosureRefused) as info:
        _close_plan(world, plan)
    assert info.value.message_dict["__all__"] == [
        rule.MSG_ORDERS_NOT_ENDED.format(what="A Safeguarding Order is", noun="joint plan", them="it")
    ]


def test_a_plan_closing_with_the_risk_not_reduced_needs_a_sitting_since_it_was_agreed(world, child, referral):
    plan = _plan(world, child, agreed_on=date(2024, 7, 20))
    before = _sitting(world, date(2024, 7, 15))
    values = {"risk_reduced": False, "reason": "disengaged"}
    with pytest.raises(ClosureRefused) as info:
        _close_plan(world, plan, approved_at=before, **values)
    assert info.value.message_dict["approved_at"] == [
        rule.MSG_APPROVAL_BEFORE_OPENED.format(day="15 July 2024", noun="joint plan", opened="agreed")
    ]
    after = _sitting(world, date(2024, 9, 1))
    assert _close_plan(world, plan, approved_at=after, **values).closure_meeting == after


def test_a_replaced_plan_is_closed_as_replaced(world, child, referral):
    first = _plan(world, child)
    _plan(world, child, agreed_on=date(2024, 8, 1))
    first.refresh_from_db()
    assert first.closed_on == date(2024, 8, 1) and first.close_reason == CloseReason.REPLACED


def test_a_withdrawn_order_is_ended_and_shown_as_withdrawn(client, world, child, referral):
    """The order page offers the withdrawal of a draft; afterwards the order reads Withdrawn, ended
    on that day, and offers no further step."""
    from django.urls import reverse

    from ccehub.panels.models import SafeguardingOrder

    order = panels.safeguarding_order_draft(
        actor=world["as_lead"],
        panel=world["panel"],
        child=child,
        legal_basis="existing_order_adapted",
        legal_basis_detail="CCE prevention order (adapted)",
        conditions=[("curfew", "Home by 21:00")],
        protected_against=[],
    )
    client.force_login(world["users"]["lead"])
    page = client.get(reverse("panels:order", args=[order.pk])).content.decode()
    step = reverse("panels:order-step", args=[order.pk, "withdrawn"])
    assert step in page
    panels.safeguarding_order_transition(
        actor=world["as_lead"], order=order, to_status="withdrawn", on=date(2024, 7, 5)
    )
    order = SafeguardingOrder.objects.get(pk=order.pk)
    assert order.status == "withdrawn" and order.ended_on == date(2024, 7, 5)
    page = client.get(reverse("panels:order", args=[order.pk])).content.decode()
    assert "Withdrawn" in page
    assert step not in page and reverse("panels:order-step", args=[order.pk, "applied"]) not in page
