"""Properties of triage that must hold for every input (Hypothesis)."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from ccehub.rules.actions import ActionCode, urgency_key
from ccehub.rules.age import age_on, eighteenth_birthday
from ccehub.rules.indicators import Indicator
from ccehub.rules.offences import offence_codes
from ccehub.rules.policy import PROFILES
from ccehub.rules.presumption import PRESUMPTION_PROTECTION_RANK, PresumptionCategory
from ccehub.rules.section45 import Section45Status
from ccehub.rules.triage import (
    OUTPUT_FIELDS,
    PRIORITY_RANK,
    Priority,
    TriageDecision,
    TriageInput,
    parse_triage_input,
    triage,
)

STRONG_NOTE = "CCTV and a full download show he runs the line and pays younger runners"
WEAK_NOTES = ("No comment interview", "No disclosure; manual phone check negative", "Denies it")

dobs = st.dates(min_value=date(1960, 1, 1), max_value=date(2015, 12, 31))
gaps = st.integers(min_value=0, max_value=40 * 366)


@st.composite
def inputs(draw: st.DrawFn, *, with_dob: bool | None = None) -> TriageInput:
    """Any valid triage input."""
    dob = draw(dobs)
    incident = dob + timedelta(days=draw(gaps))
    has_dob = draw(st.booleans()) if with_dob is None else with_dob
    claimed = draw(st.booleans())
    return TriageInput(
        incident_date=incident,
        date_of_birth=dob if has_dob else None,
        estimated_age=draw(st.none() | st.integers(min_value=0, max_value=120)),
        county_lines_linked=draw(st.booleans()),
        arrested=draw(st.booleans()),
        out_of_area=draw(st.booleans()),
        offences=tuple(draw(st.sets(st.sampled_from(offence_codes()), max_size=4))),
        indicators=tuple(draw(st.sets(st.sampled_from(list(Indicator)), max_size=5))),
        missing_days=draw(st.none() | st.integers(min_value=0, max_value=400)),
        clear_evidence_not_exploited=claimed,
        evidence_note=draw(st.sampled_from((STRONG_NOTE, *WEAK_NOTES))) if claimed else None,
        policy=draw(st.sampled_from(list(PROFILES.values()))),
    )


def protection(decision: TriageDecision) -> tuple[int, int, bool, bool]:
    """How protective a decision is, field by field (higher is more protective)."""
    return (
        PRESUMPTION_PROTECTION_RANK[decision.presumption],
        PRIORITY_RANK[decision.priority],
        decision.panel_eligible,
        decision.section45 is Section45Status.CHILD_MAY_APPLY,
    )


@settings(max_examples=400)
@given(inputs(with_dob=True), st.integers(min_value=1, max_value=3000))
def test_a_later_incident_never_makes_a_child_more_protected(inp: TriageInput, later_by: int) -> None:
    """Moving the incident later never raises the category, the priority, panel eligibility or s45 limb."""
    later = dataclasses.replace(inp, incident_date=inp.incident_date + timedelta(days=later_by))
    before, after = protection(triage(inp)), protection(triage(later))
    assert all(a <= b for a, b in zip(after, before, strict=True)), (before, after)


@settings(max_examples=400)
@given(inputs())
def test_strong_contrary_evidence_never_adds_the_presumption(inp: TriageInput) -> None:
    """Adding clear evidence to the contrary never creates a presumption or raises the priority."""
    without = dataclasses.replace(inp, clear_evidence_not_exploited=False, evidence_note=None)
    with_evidence = dataclasses.replace(inp, clear_evidence_not_exploited=True, evidence_note=STRONG_NOTE)
    a, b = triage(without), triage(with_evidence)
    if b.presumption is PresumptionCategory.PRESUMED_VICTIM:
        assert a.presumption is PresumptionCategory.PRESUMED_VICTIM
    assert PRIORITY_RANK[b.priority] <= PRIORITY_RANK[a.priority]


@settings(max_examples=300)
@given(inputs(), st.sampled_from(WEAK_NOTES))
def test_weak_evidence_never_removes_the_presumption(inp: TriageInput, note: str) -> None:
    """A weak-only note changes neither the category nor the priority (R-38)."""
    without = dataclasses.replace(inp, clear_evidence_not_exploited=False, evidence_note=None)
    weak = dataclasses.replace(inp, clear_evidence_not_exploited=True, evidence_note=note)
    a, b = triage(without), triage(weak)
    assert (a.presumption, a.priority) == (b.presumption, b.priority)


@settings(max_examples=500)
@given(inputs())
def test_output_is_always_valid(inp: TriageInput) -> None:
    """Every output uses valid codes and consistent fields, and actions are in urgency order."""
    decision = triage(inp)
    out = decision.to_json()
    assert tuple(out) == OUTPUT_FIELDS
    assert out["presumption"] in {c.value for c in PresumptionCategory}
    assert out["priority"] in {c.value for c in Priority}
    assert out["section45"] in {c.value for c in Section45Status}
    assert out["policy"] == inp.policy.code and out["rule_version"] == inp.policy.rule_version
    assert isinstance(out["reasons"], list) and out["reasons"]
    codes = [a.code for a in decision.actions]
    assert len(codes) == len(set(codes))
    assert all(isinstance(code, ActionCode) for code in codes)
    assert all(a.due_within_hours is None or a.due_within_hours >= 0 for a in decision.actions)
    assert list(decision.actions) == sorted(decision.actions, key=urgency_key)
    assert (decision.priority is Priority.CRISIS) is (
        decision.presumption is PresumptionCategory.PRESUMED_VICTIM
    )
    if decision.panel_eligible:
        assert decision.days_until_18 is not None and decision.days_until_18 > 100
    if not inp.offences:
        assert decision.section45 is Section45Status.NOT_APPLICABLE


@settings(max_examples=300)
@given(dobs, gaps)
def test_age_fields_agree_with_the_birthday(dob: date, gap: int) -> None:
    """days_until_18 is null exactly when age is 18 or more; otherwise it reaches the 18th birthday."""
    incident = dob + timedelta(days=gap)
    decision = triage(TriageInput(incident_date=incident, date_of_birth=dob))
    assert decision.age_years == age_on(dob, incident)
    if decision.age_years is not None and decision.age_years >= 18:
        assert decision.days_until_18 is None
    else:
        assert decision.days_until_18 is not None
        assert incident + timedelta(days=decision.days_until_18) == eighteenth_birthday(dob)


@settings(max_examples=200)
@given(inputs(with_dob=True))
def test_json_round_trip_through_the_parser(inp: TriageInput) -> None:
    """Serialising an input to contract JSON and parsing it back gives the same decision."""
    obj: dict[str, object] = {
        "incident_date": inp.incident_date.isoformat(),
        "date_of_birth": inp.date_of_birth.isoformat() if inp.date_of_birth else None,
        "estimated_age": inp.estimated_age,
        "county_lines_linked": inp.county_lines_linked,
        "arrested": inp.arrested,
        "out_of_area": inp.out_of_area,
        "offences": list(inp.offences),
        "indicators": [i.value for i in inp.indicators],
        "missing_days": inp.missing_days,
        "clear_evidence_not_exploited": inp.clear_evidence_not_exploited,
        "evidence_note": inp.evidence_note,
        "policy": inp.policy.code,
    }
    assume(inp.date_of_birth is not None)
    assert triage(parse_triage_input(obj)).to_json() == triage(inp).to_json()
