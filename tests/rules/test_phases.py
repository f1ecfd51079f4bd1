"""W-5's three phases (R-49, R-50): phase 1 before a plan, 2 from agreement, 3 when a review finds
the risk reduced, back to 2 on a re-exploitation indicator; closure from phase 2 warns."""

from __future__ import annotations

from datetime import date

import pytest

from ccehub.rules.closure import WARN_STILL_INTENSIVE, ClosureFacts, Subject, assess_closure
from ccehub.rules.escalation import TriggerEvent
from ccehub.rules.phases import (
    MSG_STEP_DOWN_HIGH_RISK,
    MSG_STEP_DOWN_NOT_INTENSIVE,
    RE_EXPLOITATION,
    Phase,
    escalates,
    escalation_reason,
    phase_of,
    step_down_problems,
)


def test_phase_1_is_an_open_case_without_a_plan():
    assert phase_of(case_open=True, plan_phase=None) == Phase.EXIT_WINDOW
    assert phase_of(case_open=True, plan_phase="intensive") == Phase.INTENSIVE
    assert phase_of(case_open=True, plan_phase="longer_term") == Phase.LONGER_TERM
    assert phase_of(case_open=False, plan_phase=None) is None


def test_step_down_only_from_intensive_and_not_at_high_risk():
    assert step_down_problems(phase="intensive", risk_level="medium") == {}
    assert step_down_problems(phase="intensive", risk_level="low") == {}
    assert step_down_problems(phase="intensive", risk_level="high") == {"step_down": MSG_STEP_DOWN_HIGH_RISK}
    assert step_down_problems(phase="longer_term", risk_level="low") == {
        "step_down": MSG_STEP_DOWN_NOT_INTENSIVE
    }


@pytest.mark.parametrize("event", list(TriggerEvent))
def test_only_re_exploitation_indicators_escalate_and_only_from_phase_3(event):
    expected = event in {TriggerEvent.MISSING_EPISODE, TriggerEvent.INCIDENT, TriggerEvent.ORDER_BREACH}
    assert escalates(phase="longer_term", event=event) is expected
    assert escalates(phase="intensive", event=event) is False
    assert (event in RE_EXPLOITATION) is expected


def test_escalation_says_why():
    text = escalation_reason(TriggerEvent.MISSING_EPISODE, date(2026, 11, 2))
    assert text == "A missing episode on 2 November 2026: back to intensive support (W-5, R-50)"


def facts(**kw) -> ClosureFacts:
    values = {
        "subject": Subject.JOINT_PLAN,
        "opened_on": date(2026, 1, 5),
        "closed_on": date(2026, 11, 1),
        "today": date(2026, 11, 2),
        "risk_level": "low",
        "risk_reduced": True,
        "reason": "risk_reduced",
    } | kw
    return ClosureFacts(**values)


@pytest.mark.parametrize(
    ("phase", "reason", "warned"),
    [
        ("intensive", "risk_reduced", True),
        ("intensive", "direct_work_completed", True),
        ("intensive", "turned_18", False),  # ends the plan whatever its phase
        ("intensive", "moved_area", False),
        ("longer_term", "risk_reduced", False),
        (None, "risk_reduced", False),  # a case with no plan
    ],
)
def test_closing_from_phase_2_for_the_risk_or_the_work_is_a_warning(phase, reason, warned):
    message = WARN_STILL_INTENSIVE.format(noun="joint plan")
    got = assess_closure(facts(plan_phase=phase, reason=reason))
    assert (message in got.warnings) is warned
    assert got.allowed  # a warning, never a refusal
