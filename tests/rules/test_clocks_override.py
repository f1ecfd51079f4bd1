"""The N-02 override (ccehub.rules.clocks): a national CG inside the recovery period is refused unless
it comes with a reason, and the clock then says it was made inside the period by override."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ccehub.rules import clocks
from ccehub.rules.clocks import ClockInputError, Decision, cg_inside_recovery_period, nrm_clock
from ccehub.rules.policy import CURRENT, REPORT_2022

REASON = "The child asked for the decision before the period ended"


def d(text: str) -> date:
    return date.fromisoformat(text)


def cg(text: str, reason: str = "", outcome: str = "positive") -> Decision:
    return Decision(d(text), outcome, recovery_override_reason=reason)  # type: ignore[arg-type]


RG_2024 = Decision(d("2024-01-10"), "positive")  # current: earliest CG 2024-02-09
RG_2022 = Decision(d("2022-01-10"), "positive")  # report-2022: earliest CG 2022-02-24

# id, (route, policy, referral, rg, cg, as_of), (allowed, override flag) or (field, message)
CASES: list[tuple[str, tuple[Any, ...], tuple[Any, ...]]] = [
    (
        "national current, day 29, no reason: refused",
        ("national", "current", "2024-01-08", RG_2024, cg("2024-02-08"), "2024-03-01"),
        ("cg_decision.date", clocks.MSG_CG_IN_RECOVERY_PERIOD),
    ),
    (
        "national current, day 29, blank reason: refused",
        ("national", "current", "2024-01-08", RG_2024, cg("2024-02-08", "  \n "), "2024-03-01"),
        ("cg_decision.date", clocks.MSG_CG_IN_RECOVERY_PERIOD),
    ),
    (
        "national current, day 29, with a reason: allowed by override",
        ("national", "current", "2024-01-08", RG_2024, cg("2024-02-08", REASON), "2024-03-01"),
        (True, True),
    ),
    (
        "national current, the RG day itself, with a reason: allowed by override",
        ("national", "current", "2024-01-08", RG_2024, cg("2024-01-10", REASON), "2024-01-10"),
        (True, True),
    ),
    (
        "national current, negative CG on day 1 with a reason: allowed by override",
        ("national", "current", "2024-01-08", RG_2024, cg("2024-01-11", REASON, "negative"), "2024-01-11"),
        (True, True),
    ),
    (
        "national current, day 30, no reason: allowed, no override",
        ("national", "current", "2024-01-08", RG_2024, cg("2024-02-09"), "2024-03-01"),
        (True, False),
    ),
    (
        "national current, day 30, with a reason: the reason is refused (not inside the period)",
        ("national", "current", "2024-01-08", RG_2024, cg("2024-02-09", REASON), "2024-03-01"),
        ("cg_decision.recovery_override_reason", clocks.MSG_OVERRIDE_NOT_NEEDED),
    ),
    (
        "national report-2022, day 44, no reason: refused",
        ("national", "report-2022", "2022-01-07", RG_2022, cg("2022-02-23"), "2022-03-01"),
        ("cg_decision.date", clocks.MSG_CG_IN_RECOVERY_PERIOD),
    ),
    (
        "national report-2022, day 44, with a reason: allowed by override",
        ("national", "report-2022", "2022-01-07", RG_2022, cg("2022-02-23", REASON), "2022-03-01"),
        (True, True),
    ),
    (
        "national report-2022, day 45, no reason: allowed, no override",
        ("national", "report-2022", "2022-01-07", RG_2022, cg("2022-02-24"), "2022-03-01"),
        (True, False),
    ),
    (
        "the override does not let a CG come before the RG",
        ("national", "current", "2024-01-08", RG_2024, cg("2024-01-09", REASON), "2024-03-01"),
        ("cg_decision.date", clocks.MSG_CG_BEFORE_RG),
    ),
    (
        "the override does not let a CG follow a negative RG",
        (
            "national",
            "current",
            "2024-01-08",
            Decision(d("2024-01-10"), "negative"),
            cg("2024-01-20", REASON),
            "2024-03-01",
        ),
        ("cg_decision", clocks.MSG_CG_AFTER_NEGATIVE_RG),
    ),
    (
        "local panel: no recovery period gates its CG, so a reason is refused",
        ("local_panel", "current", "2024-01-08", RG_2024, cg("2024-01-10", REASON), "2024-01-10"),
        ("cg_decision.recovery_override_reason", clocks.MSG_OVERRIDE_NOT_NEEDED),
    ),
    (
        "local panel: a CG at the RG meeting is allowed as before, no override",
        ("local_panel", "current", "2024-01-08", RG_2024, cg("2024-01-10"), "2024-01-10"),
        (True, False),
    ),
    (
        "local panel report-2022: a negative CG is still refused (R-18), reason or not",
        (
            "local_panel",
            "report-2022",
            "2022-01-07",
            RG_2022,
            cg("2022-01-10", "", "negative"),
            "2022-01-10",
        ),
        ("cg_decision.outcome", clocks.MSG_PANEL_NEGATIVE_CG),
    ),
    (
        "an RG carries no override reason",
        (
            "national",
            "current",
            "2024-01-08",
            Decision(d("2024-01-10"), "positive", recovery_override_reason=REASON),
            None,
            "2024-01-10",
        ),
        ("rg_decision.recovery_override_reason", clocks.MSG_OVERRIDE_NOT_NEEDED),
    ),
]


@pytest.mark.parametrize(("facts", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_the_override_lets_a_national_cg_inside_the_recovery_period_through_only_with_a_reason(
    facts: tuple[Any, ...], expected: tuple[Any, ...]
) -> None:
    route, policy, referral, rg, cg_decision, as_of = facts
    if expected[0] is True:
        state = nrm_clock(route, policy, d(referral), rg, cg_decision, d(as_of))
        assert state.cg_recovery_override is expected[1]
        assert state.stage == f"concluded_{cg_decision.outcome}"
        assert state.decision_deadline is None and state.overdue == ()
        return
    field, message = expected
    with pytest.raises(ClockInputError) as info:
        nrm_clock(route, policy, d(referral), rg, cg_decision, d(as_of))
    assert (info.value.field, info.value.message) == (field, message)


def test_the_flag_is_false_until_a_cg_is_recorded() -> None:
    """Without a CG there is nothing overridden, whatever the stage."""
    for as_of in ("2024-01-20", "2024-03-01"):
        state = nrm_clock("national", CURRENT, d("2024-01-08"), RG_2024, None, d(as_of))
        assert state.cg_recovery_override is False
    assert (
        nrm_clock("national", CURRENT, d("2024-01-08"), None, None, d("2024-01-08")).cg_recovery_override
        is False
    )


def test_cg_inside_recovery_period_helper() -> None:
    """The helper answers for the national route only, and only for a CG after a positive RG."""
    early, on_time = cg("2024-02-08"), cg("2024-02-09")
    assert cg_inside_recovery_period("national", CURRENT, RG_2024, early) is True
    assert cg_inside_recovery_period("national", CURRENT, RG_2024, on_time) is False
    assert cg_inside_recovery_period("national", REPORT_2022, RG_2024, on_time) is True  # 45 days
    assert cg_inside_recovery_period("local_panel", CURRENT, RG_2024, cg("2024-01-10")) is False
    assert cg_inside_recovery_period("national", CURRENT, None, early) is False
    assert cg_inside_recovery_period("national", CURRENT, RG_2024, None) is False


def test_the_reason_is_not_part_of_a_decision_unless_given() -> None:
    """Existing callers that build ``Decision(day, outcome)`` are unchanged: no reason, no override."""
    plain = Decision(d("2024-01-10"), "positive")
    assert plain.recovery_override_reason == "" and plain.overridden is False
    assert Decision(d("2024-01-10"), "positive", "  ").overridden is False
    assert Decision(d("2024-01-10"), "positive", REASON).overridden is True


@given(
    policy=st.sampled_from([CURRENT, REPORT_2022]),
    referral=st.dates(min_value=date(2015, 1, 1), max_value=date(2027, 12, 31)),
    rg_after=st.integers(min_value=0, max_value=60),
    cg_after=st.integers(min_value=0, max_value=120),
    outcome=st.sampled_from(["positive", "negative"]),
    reason=st.sampled_from(["", " ", "\t\n", REASON, "x"]),
)
def test_property_a_national_cg_is_refused_inside_the_period_without_a_reason_and_flagged_with_one(
    policy: Any, referral: date, rg_after: int, cg_after: int, outcome: str, reason: str
) -> None:
    """Property: inside the recovery period a CG needs a non-blank reason and is then flagged; outside
    it, a reason is refused and no CG is flagged."""
    rg = Decision(referral + timedelta(days=rg_after), "positive")
    decision = Decision(rg.decided_on + timedelta(days=cg_after), outcome, reason)  # type: ignore[arg-type]
    as_of = decision.decided_on + timedelta(days=1)
    inside = cg_after < policy.recovery_period_days
    given_reason = bool(reason.strip())
    try:
        state = nrm_clock("national", policy, referral, rg, decision, as_of)
    except ClockInputError as exc:
        if inside:
            assert not given_reason
            assert (exc.field, exc.message) == ("cg_decision.date", clocks.MSG_CG_IN_RECOVERY_PERIOD)
        else:
            assert given_reason
            assert exc.message == clocks.MSG_OVERRIDE_NOT_NEEDED
        return
    assert given_reason == inside
    assert state.cg_recovery_override is inside
    assert state.stage == f"concluded_{outcome}"
