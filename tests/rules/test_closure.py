"""Whether a panel case or a joint plan may close (R-50, W-5, E-15): a risk reassessment, the risk
reduced or the panel's approval at a quorate sitting, the dates, the open work that keeps a case
open, and the warnings a chair must confirm."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ccehub.rules.closure import (
    CLOSURE_REASON_LABELS,
    MSG_APPROVAL_AFTER_CLOSING,
    MSG_APPROVAL_BEFORE_OPENED,
    MSG_APPROVAL_NOT_QUORATE,
    MSG_AWAITING_PANEL_DECISION,
    MSG_AWAITING_QA,
    MSG_CLOSED_BEFORE_OPENED,
    MSG_CLOSED_IN_FUTURE,
    MSG_NEEDS_PANEL_APPROVAL,
    MSG_ORDERS_NOT_ENDED,
    MSG_REASON_CONTRADICTS_RISK,
    MSG_REASON_REQUIRED,
    MSG_REQUESTS_OPEN,
    MSG_RISK_NOT_REASSESSED,
    MSG_RISK_REDUCED_UNANSWERED,
    MSG_UNKNOWN_REASON,
    MSG_UNKNOWN_RISK_LEVEL,
    RULE_VERSION,
    WARN_DIRECT_WORK_ONLY,
    WARN_RISK_STILL_HIGH,
    Approval,
    ClosureFacts,
    ClosureReason,
    OpenWork,
    Refusal,
    RiskLevel,
    Subject,
    assess_closure,
    counted,
)

OPENED = date(2026, 1, 12)
TODAY = date(2026, 5, 20)
SITTING = date(2026, 5, 12)
QUORATE = Approval(held_on=SITTING)


def facts(**changes: object) -> ClosureFacts:
    """A panel case closing today with the risk reassessed as low and reduced: allowed as it stands."""
    base = ClosureFacts(
        subject=Subject.PANEL_CASE,
        opened_on=OPENED,
        closed_on=TODAY,
        today=TODAY,
        risk_level=RiskLevel.LOW,
        risk_reduced=True,
        reason=ClosureReason.RISK_REDUCED,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def messages(result: object) -> list[str]:
    return [r.message for r in result.refusals]  # type: ignore[attr-defined]


def test_risk_reassessed_and_reduced_closes_on_the_chairs_sign_off() -> None:
    """R-50: a reassessment with the risk reduced is enough; no sitting is needed."""
    result = assess_closure(facts())
    assert result.allowed and result.refusals == () and result.warnings == ()
    assert not result.approved_by_panel
    assert result.may_close(confirmed=False)
    assert result.rule_version == RULE_VERSION


@pytest.mark.parametrize("level", [None, "", RiskLevel.NOT_ASSESSED])
def test_no_reassessment_no_closure(level: str | None) -> None:
    """R-50 "closure needs a risk reassessment": "not assessed" is no reassessment."""
    result = assess_closure(facts(risk_level=level))
    assert result.refusals == (Refusal("risk_level", MSG_RISK_NOT_REASSESSED),)


def test_an_unknown_risk_level_is_refused_by_name() -> None:
    result = assess_closure(facts(risk_level="severe"))
    assert result.refusals == (Refusal("risk_level", MSG_UNKNOWN_RISK_LEVEL.format(value="severe")),)


def test_whether_the_risk_reduced_must_be_answered() -> None:
    result = assess_closure(facts(risk_reduced=None, reason=ClosureReason.TURNED_18))
    assert result.refusals == (Refusal("risk_reduced", MSG_RISK_REDUCED_UNANSWERED),)


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        (None, MSG_REASON_REQUIRED.format(noun="panel case")),
        ("", MSG_REASON_REQUIRED.format(noun="panel case")),
        ("bored", MSG_UNKNOWN_REASON.format(value="bored", choices=", ".join(ClosureReason))),
    ],
)
def test_a_reason_from_the_list_is_required(reason: str | None, message: str) -> None:
    result = assess_closure(facts(reason=reason))
    assert result.refusals == (Refusal("reason", message),)


def test_risk_reduced_as_the_reason_contradicts_a_risk_that_has_not_reduced() -> None:
    result = assess_closure(facts(risk_reduced=False, approval=QUORATE))
    assert result.refusals == (Refusal("reason", MSG_REASON_CONTRADICTS_RISK),)


@pytest.mark.parametrize("reason", [r for r in ClosureReason if r is not ClosureReason.RISK_REDUCED])
def test_risk_not_reduced_needs_the_panels_approval_whatever_the_reason(reason: ClosureReason) -> None:
    """R-50 "or a panel sign-off"; W-5 "panel approves closure": the chair alone cannot close a case
    whose risk has not fallen, for any reason (turned 18, moved, custody, disengaged, work finished)."""
    refused = assess_closure(facts(risk_reduced=False, reason=reason))
    assert Refusal("approval", MSG_NEEDS_PANEL_APPROVAL.format(noun="panel case")) in refused.refusals
    assert not refused.allowed
    approved = assess_closure(facts(risk_reduced=False, reason=reason, approval=QUORATE))
    assert approved.allowed and approved.approved_by_panel


def test_direct_work_finished_with_the_risk_not_reduced_is_a_warning_to_confirm() -> None:
    """R-50: "services should not close just because the set direct work is finished if the
    exploitation risk has not fallen". With the panel's approval it may close, once confirmed."""
    result = assess_closure(
        facts(risk_reduced=False, reason=ClosureReason.DIRECT_WORK_COMPLETED, approval=QUORATE)
    )
    assert result.allowed
    assert result.warnings == (WARN_DIRECT_WORK_ONLY.format(noun="panel case"),)
    assert not result.may_close(confirmed=False)
    assert result.may_close(confirmed=True)


def test_the_warning_is_shown_with_the_refusal_when_there_is_no_approval() -> None:
    """Both at once, so the chair sees everything in one go."""
    result = assess_closure(facts(risk_reduced=False, reason=ClosureReason.DIRECT_WORK_COMPLETED))
    assert messages(result) == [MSG_NEEDS_PANEL_APPROVAL.format(noun="panel case")]
    assert result.warnings == (WARN_DIRECT_WORK_ONLY.format(noun="panel case"),)
    assert not result.may_close(confirmed=True)


def test_direct_work_finished_with_the_risk_reduced_is_no_warning() -> None:
    result = assess_closure(facts(reason=ClosureReason.DIRECT_WORK_COMPLETED))
    assert result.allowed and result.warnings == ()


@pytest.mark.parametrize("reduced", [True, False])
def test_a_risk_still_high_is_a_warning_even_when_reduced(reduced: bool) -> None:
    """Reduced from very high can still be high: the chair confirms closing at that level."""
    result = assess_closure(
        facts(
            risk_level=RiskLevel.HIGH,
            risk_reduced=reduced,
            reason=ClosureReason.MOVED_AREA,
            approval=QUORATE,
        )
    )
    assert result.allowed
    assert result.warnings == (WARN_RISK_STILL_HIGH.format(noun="panel case"),)


def test_both_warnings_in_order() -> None:
    result = assess_closure(
        facts(
            risk_level=RiskLevel.HIGH,
            risk_reduced=False,
            reason=ClosureReason.DIRECT_WORK_COMPLETED,
            approval=QUORATE,
        )
    )
    assert result.warnings == (
        WARN_DIRECT_WORK_ONLY.format(noun="panel case"),
        WARN_RISK_STILL_HIGH.format(noun="panel case"),
    )


@pytest.mark.parametrize(
    ("closed_on", "message"),
    [
        (TODAY + timedelta(days=1), MSG_CLOSED_IN_FUTURE.format(noun="panel case")),
        (
            OPENED - timedelta(days=1),
            MSG_CLOSED_BEFORE_OPENED.format(
                noun="panel case", opened="shared with the panel", day="12 January 2026"
            ),
        ),
    ],
)
def test_closing_dates(closed_on: date, message: str) -> None:
    result = assess_closure(facts(closed_on=closed_on))
    assert result.refusals == (Refusal("closed_on", message),)


@pytest.mark.parametrize("closed_on", [OPENED, TODAY])
def test_closing_on_the_day_it_opened_or_today_is_allowed(closed_on: date) -> None:
    assert assess_closure(facts(closed_on=closed_on)).allowed


def test_a_plan_cannot_close_before_it_was_agreed() -> None:
    result = assess_closure(facts(subject=Subject.JOINT_PLAN, closed_on=OPENED - timedelta(days=1)))
    assert messages(result) == [
        MSG_CLOSED_BEFORE_OPENED.format(noun="joint plan", opened="agreed", day="12 January 2026")
    ]


@pytest.mark.parametrize(
    ("approval", "message"),
    [
        (
            Approval(held_on=TODAY + timedelta(days=1)),
            MSG_APPROVAL_AFTER_CLOSING.format(day="21 May 2026"),
        ),
        (
            Approval(held_on=OPENED - timedelta(days=1)),
            MSG_APPROVAL_BEFORE_OPENED.format(
                day="11 January 2026", noun="panel case", opened="shared with the panel"
            ),
        ),
        (
            Approval(held_on=SITTING, quorum_problems=("health not present", "no chair")),
            MSG_APPROVAL_NOT_QUORATE.format(day="12 May 2026", problems="health not present; no chair"),
        ),
    ],
)
def test_a_sitting_that_cannot_have_approved_the_closure(approval: Approval, message: str) -> None:
    """A sitting after the closing date, before the case came to the panel, or not quorate (R-21)
    approves nothing, and is refused even when the risk has reduced (it would be on the record)."""
    for reduced, reason in ((True, ClosureReason.RISK_REDUCED), (False, ClosureReason.TURNED_18)):
        result = assess_closure(facts(risk_reduced=reduced, reason=reason, approval=approval))
        assert result.refusals == (Refusal("approval", message),)
        assert not result.approved_by_panel


def test_approval_on_the_closing_day_and_on_the_opening_day_counts() -> None:
    for held_on in (TODAY, OPENED):
        result = assess_closure(
            facts(risk_reduced=False, reason=ClosureReason.CUSTODY, approval=Approval(held_on=held_on))
        )
        assert result.allowed and result.approved_by_panel


@pytest.mark.parametrize(
    ("work", "message"),
    [
        (
            OpenWork(awaiting_panel_decision=1),
            MSG_AWAITING_PANEL_DECISION.format(what="An NRM referral is", them="it"),
        ),
        (
            OpenWork(awaiting_panel_decision=2),
            MSG_AWAITING_PANEL_DECISION.format(what="2 NRM referrals are", them="them"),
        ),
        (
            OpenWork(awaiting_home_office_qa=1),
            MSG_AWAITING_QA.format(what="A panel decision is", them="it"),
        ),
        (
            OpenWork(orders_not_ended=1),
            MSG_ORDERS_NOT_ENDED.format(what="A Safeguarding Order is", noun="panel case", them="it"),
        ),
        (
            OpenWork(open_requests=3),
            MSG_REQUESTS_OPEN.format(what="3 information requests are", them="them"),
        ),
    ],
)
def test_open_work_keeps_a_case_open(work: OpenWork, message: str) -> None:
    """Nothing the panel still has to do or answer for may be left behind when its sight of the child
    ends: a decision it owes, a decision with Home Office QA, an order not ended, a question asked."""
    result = assess_closure(facts(open_work=work))
    assert result.refusals == (Refusal("", message),)


def test_every_piece_of_open_work_is_listed() -> None:
    work = OpenWork(awaiting_panel_decision=1, awaiting_home_office_qa=2, orders_not_ended=1, open_requests=1)
    assert len(assess_closure(facts(open_work=work)).refusals) == 4


def test_a_plan_is_kept_open_only_by_an_order_not_ended() -> None:
    """The plan can close while the case goes on (awaiting a decision, a question asked): the panel
    keeps its oversight through the case. An order in force is part of the plan's protection."""
    busy = OpenWork(awaiting_panel_decision=1, awaiting_home_office_qa=1, open_requests=1)
    assert assess_closure(facts(subject=Subject.JOINT_PLAN, open_work=busy)).allowed
    result = assess_closure(facts(subject=Subject.JOINT_PLAN, open_work=OpenWork(orders_not_ended=2)))
    assert messages(result) == [
        MSG_ORDERS_NOT_ENDED.format(what="2 Safeguarding Orders are", noun="joint plan", them="them")
    ]


def test_refusals_come_in_a_fixed_order() -> None:
    result = assess_closure(
        facts(
            closed_on=TODAY + timedelta(days=1),
            risk_level=None,
            risk_reduced=None,
            reason=None,
            open_work=OpenWork(open_requests=1),
        )
    )
    assert [r.field for r in result.refusals] == ["closed_on", "risk_level", "risk_reduced", "reason", ""]


def test_counted() -> None:
    assert counted(1, "An NRM referral is", "NRM referrals are") == "An NRM referral is"
    assert counted(4, "An NRM referral is", "NRM referrals are") == "4 NRM referrals are"


def test_the_rule_uses_the_childs_risk_levels_and_the_domains_closure_reasons() -> None:
    """Codes match ``children.models.RiskLevel`` and E-15's ``closure_reason``, each with a label."""
    from ccehub.children.models import RiskLevel as ChildRiskLevel

    assert [level.value for level in RiskLevel] == list(ChildRiskLevel.values)
    assert [reason.value for reason in ClosureReason] == [
        "risk_reduced",
        "direct_work_completed",
        "turned_18",
        "moved_area",
        "disengaged",
        "custody",
    ]
    assert set(CLOSURE_REASON_LABELS) == set(ClosureReason)


levels = st.sampled_from([None, *RiskLevel])
reasons = st.sampled_from([None, *ClosureReason])
approvals = st.one_of(
    st.none(),
    st.builds(
        Approval,
        held_on=st.dates(min_value=OPENED - timedelta(days=30), max_value=TODAY + timedelta(days=30)),
        quorum_problems=st.sampled_from([(), ("health not present",)]),
    ),
)
works = st.builds(
    OpenWork,
    awaiting_panel_decision=st.integers(0, 2),
    awaiting_home_office_qa=st.integers(0, 2),
    orders_not_ended=st.integers(0, 2),
    open_requests=st.integers(0, 2),
)


@given(
    subject=st.sampled_from(list(Subject)),
    level=levels,
    reduced=st.sampled_from([None, True, False]),
    reason=reasons,
    approval=approvals,
    work=works,
    closed_on=st.dates(min_value=OPENED - timedelta(days=10), max_value=TODAY + timedelta(days=10)),
)
def test_properties(
    subject: Subject,
    level: str | None,
    reduced: bool | None,
    reason: str | None,
    approval: Approval | None,
    work: OpenWork,
    closed_on: date,
) -> None:
    """Whatever the facts: nothing closes without a reassessment, nor with the risk not reduced and no
    valid approval, nor with an order not ended; a case never closes with open work; an allowed
    closure with a warning always needs the confirmation."""
    result = assess_closure(
        ClosureFacts(
            subject=subject,
            opened_on=OPENED,
            closed_on=closed_on,
            today=TODAY,
            risk_level=level,
            risk_reduced=reduced,
            reason=reason,
            approval=approval,
            open_work=work,
        )
    )
    if result.allowed:
        assert level in (RiskLevel.LOW, RiskLevel.MEDIUM, RiskLevel.HIGH)
        assert reduced is not None and reason is not None
        assert OPENED <= closed_on <= TODAY
        assert reduced or result.approved_by_panel
        assert work.orders_not_ended == 0
        if subject is Subject.PANEL_CASE:
            assert work == OpenWork()
    if result.approved_by_panel:
        assert approval is not None and not approval.quorum_problems
        assert OPENED <= approval.held_on <= closed_on
    if result.warnings:
        assert not result.may_close(confirmed=False)
    assert result.may_close(confirmed=True) == result.allowed
