"""NRM clocks (ccehub.rules.clocks): due dates, stages and overdue states under both profiles."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ccehub.rules import clocks
from ccehub.rules.calendar import MSG_OUTSIDE_HOLIDAY_RANGE, is_working_day, working_days_between
from ccehub.rules.clocks import (
    ClockInputError,
    ClockState,
    Decision,
    Route,
    deferral_deadline_date,
    earliest_cg_date,
    nrm_clock,
    rg_due_date,
)
from ccehub.rules.policy import CURRENT, REPORT_2022


def d(text: str) -> date:
    return date.fromisoformat(text)


def pos(text: str) -> Decision:
    return Decision(d(text), "positive")


def neg(text: str) -> Decision:
    return Decision(d(text), "negative")


def _clock(
    route: str,
    policy: str,
    referral: str,
    as_of: str,
    rg: Decision | None = None,
    cg: Decision | None = None,
) -> ClockState:
    return nrm_clock(route, policy, d(referral), rg, cg, d(as_of))


# --- rg_due on the national route under `current`: 5 working days from the next working day ------

NATIONAL_CURRENT_RG_DUE = [
    # referral, rg_due, why
    ("2024-01-08", "2024-01-15", "Monday: Tue..Mon"),
    ("2024-01-12", "2024-01-19", "Friday: the weekend does not count"),
    ("2024-01-13", "2024-01-19", "Saturday: day 1 is Monday"),
    ("2024-01-14", "2024-01-19", "Sunday: day 1 is Monday"),
    ("2020-12-24", "2021-01-05", "Christmas Fri, Boxing Day substitute Mon 28, New Year Fri"),
    ("2021-12-24", "2022-01-05", "Christmas and Boxing Day substitutes 27-28 Dec, New Year Mon 3 Jan"),
    ("2022-12-23", "2023-01-04", "Boxing Day Mon, Christmas substitute Tue 27, New Year Mon 2 Jan"),
    ("2024-03-28", "2024-04-08", "Easter 2024: Good Friday and Easter Monday"),
    ("2024-05-03", "2024-05-13", "Early May bank holiday 2024"),
    ("2024-05-06", "2024-05-13", "referral on a bank holiday: day 1 is the next working day"),
    ("2022-06-01", "2022-06-10", "Spring bank holiday and Platinum Jubilee, 2-3 June 2022"),
    ("2022-09-16", "2022-09-26", "State Funeral of Queen Elizabeth II, Mon 19 Sep 2022"),
    ("2022-09-15", "2022-09-23", "funeral inside the five days"),
    ("2023-04-28", "2023-05-09", "Early May 1 May and coronation 8 May 2023"),
    ("2023-05-05", "2023-05-15", "coronation of King Charles III, Mon 8 May 2023"),
    ("2024-01-01", "2024-01-08", "New Year's Day itself; 2 January is a working day in E&W"),
]


@pytest.mark.parametrize(("referral", "due", "why"), NATIONAL_CURRENT_RG_DUE)
def test_national_current_rg_due_counts_england_and_wales_working_days(
    referral: str, due: str, why: str
) -> None:
    """Under `current` the SCA's RG is due 5 E&W working days after referral, from the next working day."""
    assert rg_due_date("national", CURRENT, d(referral)) == d(due), why
    state = _clock("national", "current", referral, referral)
    assert state.rg_due == d(due)
    assert state.decision_deadline == d(due)


@pytest.mark.parametrize(
    ("referral", "due"),
    [
        ("2022-01-07", "2022-01-09"),  # a Sunday: 48 hours are calendar time
        ("2021-12-24", "2021-12-26"),  # bank holidays do not stop the clock
        ("2022-09-17", "2022-09-19"),  # due on the Queen's funeral
        ("2022-02-27", "2022-03-01"),  # across the end of February
    ],
)
def test_national_report_2022_rg_due_is_referral_plus_two_days(referral: str, due: str) -> None:
    """Under `report-2022` the RG "should" come within 48 hours (N-01): the referral date + 2 days."""
    assert rg_due_date("national", REPORT_2022, d(referral)) == d(due)


@pytest.mark.parametrize("profile", [CURRENT, REPORT_2022])
def test_local_panel_rg_due_is_45_calendar_days_from_referral(profile: Any) -> None:
    """A panel's RG is due no later than 45 calendar days after referral, whatever the holidays."""
    assert rg_due_date("local_panel", profile, d("2024-01-08")) == d("2024-02-22")
    assert rg_due_date("local_panel", profile, d("2022-11-20")) == d("2023-01-04")


# --- The whole clock, table-driven --------------------------------------------------------------

N: Route = "national"
LP: Route = "local_panel"
CUR, R22 = "current", "report-2022"

CLOCK_TABLE: list[tuple[str, tuple[Any, ...], tuple[Any, ...]]] = [
    # id, (route, policy, referral, as_of, rg, cg), (rg_due, earliest_cg, decision_deadline, stage, overdue)
    (
        "national current, awaiting RG, on the due date: not yet overdue",
        (N, CUR, "2024-01-08", "2024-01-15", None, None),
        ("2024-01-15", None, "2024-01-15", "awaiting_rg", ()),
    ),
    (
        "national current, awaiting RG, day after the due date: rg overdue",
        (N, CUR, "2024-01-08", "2024-01-16", None, None),
        ("2024-01-15", None, "2024-01-15", "awaiting_rg", ("rg",)),
    ),
    (
        "national current, Christmas 2021: overdue only after 5 Jan",
        (N, CUR, "2021-12-24", "2022-01-05", None, None),
        ("2022-01-05", None, "2022-01-05", "awaiting_rg", ()),
    ),
    (
        "national report-2022, 48 hours passed",
        (N, R22, "2022-01-07", "2022-01-10", None, None),
        ("2022-01-09", None, "2022-01-09", "awaiting_rg", ("rg",)),
    ),
    (
        "national current, positive RG: 30-day recovery period, no CG deadline",
        (N, CUR, "2024-01-08", "2024-01-20", pos("2024-01-10"), None),
        ("2024-01-15", "2024-02-09", None, "recovery_period", ()),
    ),
    (
        "national current, last day of the recovery period",
        (N, CUR, "2024-01-08", "2024-02-08", pos("2024-01-10"), None),
        ("2024-01-15", "2024-02-09", None, "recovery_period", ()),
    ),
    (
        "national current, earliest_cg reached: awaiting CG",
        (N, CUR, "2024-01-08", "2024-02-09", pos("2024-01-10"), None),
        ("2024-01-15", "2024-02-09", None, "awaiting_cg", ()),
    ),
    (
        "national current, a year later: no CG target, so never overdue",
        (N, CUR, "2024-01-08", "2025-03-01", pos("2024-01-10"), None),
        ("2024-01-15", "2024-02-09", None, "awaiting_cg", ()),
    ),
    (
        "national current, a late RG is no longer overdue once made",
        (N, CUR, "2024-01-08", "2024-02-01", pos("2024-01-30"), None),
        ("2024-01-15", "2024-02-29", None, "recovery_period", ()),
    ),
    (
        "national report-2022, positive RG: 45-day recovery period",
        (N, R22, "2022-01-07", "2022-02-23", pos("2022-01-10"), None),
        ("2022-01-09", "2022-02-24", None, "recovery_period", ()),
    ),
    (
        "national report-2022, day 45 reached",
        (N, R22, "2022-01-07", "2022-02-24", pos("2022-01-10"), None),
        ("2022-01-09", "2022-02-24", None, "awaiting_cg", ()),
    ),
    (
        "national current, positive CG on the earliest day",
        (N, CUR, "2024-01-08", "2024-03-01", pos("2024-01-10"), pos("2024-02-09")),
        ("2024-01-15", "2024-02-09", None, "concluded_positive", ()),
    ),
    (
        "national current, negative CG",
        (N, CUR, "2024-01-08", "2025-05-01", pos("2024-01-10"), neg("2025-04-01")),
        ("2024-01-15", "2024-02-09", None, "concluded_negative", ()),
    ),
    (
        "national current, negative RG concludes negative",
        (N, CUR, "2024-01-08", "2024-03-01", neg("2024-01-12"), None),
        ("2024-01-15", None, None, "concluded_negative", ()),
    ),
    (
        "local panel current, awaiting RG on day 45",
        (LP, CUR, "2024-01-08", "2024-02-22", None, None),
        ("2024-02-22", None, "2024-02-22", "awaiting_rg", ()),
    ),
    (
        "local panel current, awaiting RG on day 46: rg overdue",
        (LP, CUR, "2024-01-08", "2024-02-23", None, None),
        ("2024-02-22", None, "2024-02-22", "awaiting_rg", ("rg",)),
    ),
    (
        "local panel current, RG and CG at the same meeting",
        (LP, CUR, "2024-01-08", "2024-02-05", pos("2024-02-05"), pos("2024-02-05")),
        ("2024-02-22", "2024-02-05", None, "concluded_positive", ()),
    ),
    (
        "local panel current, CG deferred: deadline is RG + 45 days",
        (LP, CUR, "2024-01-08", "2024-02-05", pos("2024-02-05"), None),
        ("2024-02-22", "2024-02-05", "2024-03-21", "awaiting_cg", ()),
    ),
    (
        "local panel current, deferral on its last day",
        (LP, CUR, "2024-01-08", "2024-03-21", pos("2024-02-05"), None),
        ("2024-02-22", "2024-02-05", "2024-03-21", "awaiting_cg", ()),
    ),
    (
        "local panel current, deferral past its limit: cg and deferral overdue",
        (LP, CUR, "2024-01-08", "2024-03-22", pos("2024-02-05"), None),
        ("2024-02-22", "2024-02-05", "2024-03-21", "awaiting_cg", ("cg", "deferral")),
    ),
    (
        "local panel current, negative CG allowed",
        (LP, CUR, "2024-01-08", "2024-03-01", pos("2024-02-05"), neg("2024-03-01")),
        ("2024-02-22", "2024-02-05", None, "concluded_negative", ()),
    ),
    (
        "local panel current, negative RG",
        (LP, CUR, "2024-01-08", "2024-03-01", neg("2024-02-05"), None),
        ("2024-02-22", None, None, "concluded_negative", ()),
    ),
    (
        "local panel report-2022, awaiting RG past 45 days",
        (LP, R22, "2022-03-01", "2022-04-16", None, None),
        ("2022-04-15", None, "2022-04-15", "awaiting_rg", ("rg",)),
    ),
    (
        "local panel report-2022, positive RG and CG the same day (R-17)",
        (LP, R22, "2022-03-01", "2022-03-28", pos("2022-03-28"), pos("2022-03-28")),
        ("2022-04-15", "2022-03-28", None, "concluded_positive", ()),
    ),
    (
        "local panel report-2022, deferral past 45 days from RG (R-19, Q-07)",
        (LP, R22, "2022-03-01", "2022-05-13", pos("2022-03-28"), None),
        ("2022-04-15", "2022-03-28", "2022-05-12", "awaiting_cg", ("cg", "deferral")),
    ),
    (
        "local panel: a CG after the deferral limit concludes without anything overdue",
        (LP, R22, "2022-03-01", "2022-06-01", pos("2022-03-28"), pos("2022-05-30")),
        ("2022-04-15", "2022-03-28", None, "concluded_positive", ()),
    ),
]


@pytest.mark.parametrize(
    ("facts", "expected"), [row[1:] for row in CLOCK_TABLE], ids=[r[0] for r in CLOCK_TABLE]
)
def test_clock_table(facts: tuple[Any, ...], expected: tuple[Any, ...]) -> None:
    """Each row: the facts of a referral and every clock the contract reports for them."""
    route, policy, referral, as_of, rg, cg = facts
    rg_due, earliest_cg, deadline, stage, overdue = expected
    state = _clock(route, policy, referral, as_of, rg, cg)
    assert state.rg_due == d(rg_due)
    assert state.earliest_cg == (d(earliest_cg) if earliest_cg else None)
    assert state.decision_deadline == (d(deadline) if deadline else None)
    assert state.stage == stage
    assert state.overdue == overdue
    assert state.policy == policy
    assert state.route == route


# --- Profile changes ---------------------------------------------------------------------------


def test_the_same_referral_under_both_profiles() -> None:
    """The national clocks differ by profile: 5 working days vs 48 hours; 30 vs 45 recovery days."""
    rg = pos("2023-01-03")
    now = _clock(N, CUR, "2022-12-23", "2023-01-03", rg)
    then = _clock(N, R22, "2022-12-23", "2023-01-03", rg)
    assert (now.rg_due, then.rg_due) == (d("2023-01-04"), d("2022-12-25"))
    assert (now.earliest_cg, then.earliest_cg) == (d("2023-02-02"), d("2023-02-17"))
    assert (now.policy, now.rule_version) == ("current", CURRENT.rule_version)
    assert (then.policy, then.rule_version) == ("report-2022", REPORT_2022.rule_version)


def test_recovery_period_ends_earlier_under_current() -> None:
    """On day 35 after a positive RG a CG may be made under `current` but not under `report-2022`."""
    rg = pos("2023-03-01")
    assert _clock(N, CUR, "2023-03-01", "2023-04-05", rg).stage == "awaiting_cg"
    assert _clock(N, R22, "2023-03-01", "2023-04-05", rg).stage == "recovery_period"


def test_negative_cg_by_a_local_panel_is_refused_under_the_2022_profile() -> None:
    """A negative conclusive-grounds decision by a local panel is refused under the 2022 profile (R-18)."""
    facts = (LP, "2022-03-01", "2022-04-01", pos("2022-03-28"), neg("2022-04-01"))
    route, referral, as_of, rg, cg = facts
    assert _clock(route, CUR, referral, as_of, rg, cg).stage == "concluded_negative"
    with pytest.raises(ClockInputError) as info:
        _clock(route, R22, referral, as_of, rg, cg)
    assert (info.value.field, info.value.message) == ("cg_decision.outcome", clocks.MSG_PANEL_NEGATIVE_CG)


def test_negative_rg_by_a_panel_is_refused_when_a_profile_forbids_it() -> None:
    """The Q-08 switch: a profile can forbid negative RGs by panels (none shipped does)."""
    strict = replace(CURRENT, panel_may_decide_negative_rg=False)
    with pytest.raises(ClockInputError) as info:
        nrm_clock(LP, strict, d("2024-01-08"), neg("2024-01-20"), None, d("2024-01-20"))
    assert (info.value.field, info.value.message) == ("rg_decision.outcome", clocks.MSG_PANEL_NEGATIVE_RG)
    assert nrm_clock(N, strict, d("2024-01-08"), neg("2024-01-10"), None, d("2024-01-20")).stage == (
        "concluded_negative"
    )


# --- Refused facts -----------------------------------------------------------------------------

REFUSED: list[tuple[str, tuple[Any, ...], str, str]] = [
    (
        "as_of before referral",
        (N, CUR, "2024-01-08", "2024-01-07", None, None),
        "as_of",
        clocks.MSG_AS_OF_BEFORE_REFERRAL,
    ),
    (
        "RG before referral",
        (N, CUR, "2024-01-08", "2024-02-01", pos("2024-01-07"), None),
        "rg_decision.date",
        clocks.MSG_DECISION_BEFORE_REFERRAL,
    ),
    (
        "RG after as_of",
        (N, CUR, "2024-01-08", "2024-01-09", pos("2024-01-10"), None),
        "rg_decision.date",
        clocks.MSG_DECISION_AFTER_AS_OF,
    ),
    (
        "CG without RG",
        (LP, CUR, "2024-01-08", "2024-02-01", None, pos("2024-01-20")),
        "cg_decision",
        clocks.MSG_CG_WITHOUT_RG,
    ),
    (
        "CG after a negative RG",
        (LP, CUR, "2024-01-08", "2024-02-01", neg("2024-01-20"), pos("2024-01-20")),
        "cg_decision",
        clocks.MSG_CG_AFTER_NEGATIVE_RG,
    ),
    (
        "CG before RG, local panel",
        (LP, CUR, "2024-01-08", "2024-02-01", pos("2024-01-20"), pos("2024-01-19")),
        "cg_decision.date",
        clocks.MSG_CG_BEFORE_RG,
    ),
    (
        "CG before RG, national",
        (N, CUR, "2024-01-08", "2024-04-01", pos("2024-03-20"), pos("2024-03-19")),
        "cg_decision.date",
        clocks.MSG_CG_BEFORE_RG,
    ),
    (
        "CG before referral",
        (LP, CUR, "2024-01-08", "2024-02-01", pos("2024-01-20"), pos("2024-01-01")),
        "cg_decision.date",
        clocks.MSG_DECISION_BEFORE_REFERRAL,
    ),
    (
        "CG after as_of",
        (LP, CUR, "2024-01-08", "2024-02-01", pos("2024-01-20"), pos("2024-02-02")),
        "cg_decision.date",
        clocks.MSG_DECISION_AFTER_AS_OF,
    ),
    (
        "national CG inside the 30-day recovery period",
        (N, CUR, "2024-01-08", "2024-03-01", pos("2024-01-10"), pos("2024-02-08")),
        "cg_decision.date",
        clocks.MSG_CG_IN_RECOVERY_PERIOD,
    ),
    (
        "national CG inside the 45-day recovery period (report-2022)",
        (N, R22, "2022-01-07", "2022-03-01", pos("2022-01-10"), pos("2022-02-23")),
        "cg_decision.date",
        clocks.MSG_CG_IN_RECOVERY_PERIOD,
    ),
    (
        "panel RG limit would run past 9999-12-31",
        (LP, CUR, "9999-12-01", "9999-12-02", None, None),
        "referral_date",
        clocks.MSG_CLOCK_PAST_LAST_DATE,
    ),
    (
        "48-hour RG clock would run past 9999-12-31 (report-2022)",
        (N, R22, "9999-12-30", "9999-12-30", None, None),
        "referral_date",
        clocks.MSG_CLOCK_PAST_LAST_DATE,
    ),
    (
        "deferral limit would run past 9999-12-31",
        (LP, CUR, "9999-10-01", "9999-12-20", pos("9999-12-20"), None),
        "rg_decision.date",
        clocks.MSG_CLOCK_PAST_LAST_DATE,
    ),
    (
        "recovery period would run past 9999-12-31 (report-2022)",
        (N, R22, "9999-11-01", "9999-12-20", pos("9999-12-01"), None),
        "rg_decision.date",
        clocks.MSG_CLOCK_PAST_LAST_DATE,
    ),
    (
        "unknown route",
        ("regional", CUR, "2024-01-08", "2024-01-09", None, None),
        "route",
        clocks.MSG_UNKNOWN_ROUTE,
    ),
    (
        "unknown policy",
        (N, "2019", "2024-01-08", "2024-01-09", None, None),
        "policy",
        clocks.MSG_UNKNOWN_POLICY,
    ),
    (
        "national current referral after the cached holiday years",
        (N, CUR, "2030-01-08", "2030-01-09", None, None),
        "referral_date",
        MSG_OUTSIDE_HOLIDAY_RANGE,
    ),
    (
        "national current referral whose five working days run into 2029",
        (N, CUR, "2028-12-28", "2028-12-29", None, None),
        "referral_date",
        MSG_OUTSIDE_HOLIDAY_RANGE,
    ),
    (
        "national current referral before the cached holiday years",
        (N, CUR, "2011-06-01", "2011-06-02", None, None),
        "referral_date",
        MSG_OUTSIDE_HOLIDAY_RANGE,
    ),
]


@pytest.mark.parametrize(("facts", "field", "message"), [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED])
def test_refused_facts_name_the_field(facts: tuple[Any, ...], field: str, message: str) -> None:
    """Facts that cannot describe a real referral raise ClockInputError naming the field."""
    route, policy, referral, as_of, rg, cg = facts
    with pytest.raises(ClockInputError) as info:
        _clock(route, policy, referral, as_of, rg, cg)
    assert info.value.field == field
    assert info.value.message == message
    assert message in str(info.value)


@pytest.mark.parametrize(("route", "policy"), [(N, R22), (LP, CUR), (LP, R22)])
def test_calendar_day_clocks_work_outside_the_holiday_years(route: str, policy: str) -> None:
    """Only clocks that count working days need the holiday list; calendar-day clocks work in 2030."""
    state = _clock(route, policy, "2030-01-08", "2030-01-08")
    assert state.stage == "awaiting_rg"


def test_as_of_far_beyond_the_holiday_years_is_fine() -> None:
    """``as_of`` is only compared, so a 2035 reading of a 2024 referral works."""
    state = _clock(N, CUR, "2024-01-08", "2035-01-01")
    assert state.overdue == ("rg",)


def test_helpers_return_none_without_a_positive_rg() -> None:
    """earliest_cg and the deferral deadline exist only after a positive RG; deferral only for panels."""
    for route in (N, LP):
        assert earliest_cg_date(route, CURRENT, None) is None
        assert earliest_cg_date(route, CURRENT, neg("2024-01-10")) is None
        assert deferral_deadline_date(route, CURRENT, None) is None
    assert deferral_deadline_date(N, CURRENT, pos("2024-01-10")) is None
    assert deferral_deadline_date(LP, CURRENT, pos("2024-01-10")) == d("2024-02-24")


def test_profile_may_be_given_as_object_or_code() -> None:
    """Callers may pass a PolicyProfile or its code; the result is the same."""
    a = nrm_clock(N, CURRENT, d("2024-01-08"), None, None, d("2024-01-09"))
    b = nrm_clock(N, "current", d("2024-01-08"), None, None, d("2024-01-09"))
    assert a == b


# --- Properties --------------------------------------------------------------------------------

_referrals = st.dates(min_value=date(2012, 1, 1), max_value=date(2028, 12, 15))


@given(referral=_referrals)
def test_national_current_rg_due_is_a_working_day_strictly_after_referral(referral: date) -> None:
    """Property: national/current rg_due is a working day after referral, exactly 5 working days on."""
    due = rg_due_date("national", CURRENT, referral)
    assert due > referral
    assert is_working_day(due)
    assert working_days_between(referral, due) == 5
    # A weekend referral still gets the full five days (Sunday -> Friday is 5 calendar days), and
    # even Christmas plus New Year never stretches the clock past 12 calendar days.
    assert 5 <= (due - referral).days <= 12


@given(a=_referrals, b=_referrals)
def test_national_current_rg_due_never_goes_backwards(a: date, b: date) -> None:
    """Property: a later referral never has an earlier RG due date."""
    if a <= b:
        assert rg_due_date("national", CURRENT, a) <= rg_due_date("national", CURRENT, b)


_facts = st.fixed_dictionaries(
    {
        "route": st.sampled_from([N, LP]),
        "policy": st.sampled_from([CUR, R22]),
        "referral": st.dates(min_value=date(2015, 1, 1), max_value=date(2027, 12, 31)),
        "rg_after": st.one_of(st.none(), st.integers(min_value=0, max_value=120)),
        "rg_outcome": st.sampled_from(["positive", "negative"]),
        "cg_after": st.one_of(st.none(), st.integers(min_value=0, max_value=400)),
        "cg_outcome": st.sampled_from(["positive", "negative"]),
        "as_of_after": st.integers(min_value=0, max_value=600),
    }
)


@given(facts=_facts)
def test_stage_and_overdue_are_consistent(facts: dict[str, Any]) -> None:
    """Property: whatever valid facts, stage, deadlines and overdue codes agree with their definitions."""
    referral: date = facts["referral"]
    as_of = referral + timedelta(days=facts["as_of_after"])
    rg = cg = None
    if facts["rg_after"] is not None:
        rg = Decision(referral + timedelta(days=facts["rg_after"]), facts["rg_outcome"])
        if facts["cg_after"] is not None:
            cg = Decision(rg.decided_on + timedelta(days=facts["cg_after"]), facts["cg_outcome"])
    try:
        state = nrm_clock(facts["route"], facts["policy"], referral, rg, cg, as_of)
    except ClockInputError:
        return  # refused facts are covered by the table above
    assert state.rg_due > referral
    if state.stage == "recovery_period":
        assert rg is not None and rg.positive and cg is None
        assert state.earliest_cg is not None and as_of < state.earliest_cg
        assert state.route == N
    if state.earliest_cg is None:
        assert rg is None or not rg.positive
    else:
        assert rg is not None and state.earliest_cg >= rg.decided_on
    if state.stage.startswith("concluded"):
        assert state.decision_deadline is None and state.overdue == ()
    if state.stage == "awaiting_rg":
        assert state.decision_deadline == state.rg_due
        assert ("rg" in state.overdue) == (as_of > state.rg_due)
    for code in state.overdue:
        assert state.decision_deadline is not None and as_of > state.decision_deadline, code
    assert ("deferral" in state.overdue) == ("cg" in state.overdue)
    # Escalation (local panel only) is due from the deadline day itself, a day before "overdue".
    assert state.escalation_due == (
        state.route == LP and state.decision_deadline is not None and as_of >= state.decision_deadline
    )
    if state.overdue and state.route == LP:
        assert state.escalation_due


ESCALATION_DAY = [
    # route, policy, referral, as_of, rg, escalation_due, overdue, why
    (LP, CUR, "2026-11-26", "2027-01-09", None, False, (), "day 44 of the RG limit"),
    (LP, CUR, "2026-11-26", "2027-01-10", None, True, (), "day 45: the limit itself, escalate today"),
    (LP, R22, "2026-11-26", "2027-01-10", None, True, (), "report-2022: the same 45-day panel limit"),
    (LP, CUR, "2026-11-26", "2027-01-11", None, True, ("rg",), "day 46: overdue as well"),
    (LP, CUR, "2024-03-04", "2024-05-03", pos("2024-03-20"), False, (), "day 44 after the RG"),
    (LP, CUR, "2024-03-04", "2024-05-04", pos("2024-03-20"), True, (), "day 45 after the RG (R-19)"),
    (N, CUR, "2024-01-08", "2024-01-15", None, False, (), "national: the SCA's target, no escalation"),
    (N, CUR, "2024-01-08", "2024-01-16", None, False, ("rg",), "national: overdue, still no escalation"),
]


@pytest.mark.parametrize(
    ("route", "policy", "referral", "as_of", "rg", "due", "overdue"),
    [r[:7] for r in ESCALATION_DAY],
    ids=[r[7] for r in ESCALATION_DAY],
)
def test_escalation_is_due_on_the_panel_deadline_day(
    route: str,
    policy: str,
    referral: str,
    as_of: str,
    rg: Decision | None,
    due: bool,
    overdue: tuple[str, ...],
) -> None:
    """R-19 'escalates on day 45', §4.2.2 '[today = deadline]': due on the deadline, not the day after."""
    state = _clock(route, policy, referral, as_of, rg)
    assert (state.escalation_due, state.overdue) == (due, overdue)
