"""The action table (R-30, R-35 to R-40, F-01, F-24, J-01): triggers, due times and order."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

import pytest

from ccehub.rules.actions import URGENCY_ORDER, ActionCode
from ccehub.rules.indicators import Indicator
from ccehub.rules.policy import CURRENT, PROFILES, REPORT_2022, PolicyProfile
from ccehub.rules.triage import TriageDecision, TriageInput, triage

BOTH_PROFILES = pytest.mark.parametrize("profile", list(PROFILES.values()), ids=list(PROFILES))
A = ActionCode
CHILD_DOB = date(2006, 6, 1)  # 15 on the incident date below, far from the cut-off
INCIDENT = date(2021, 6, 1)


def decide(**overrides: Any) -> TriageDecision:
    fields: dict[str, Any] = {"incident_date": INCIDENT, "date_of_birth": CHILD_DOB}
    fields.update(overrides)
    return triage(TriageInput(**fields))


def due(decision: TriageDecision) -> dict[ActionCode, int | None]:
    return {action.code: action.due_within_hours for action in decision.actions}


@BOTH_PROFILES
def test_presumed_child_gets_the_f01_crisis_package(profile: PolicyProfile) -> None:
    """A presumed victim is safeguarded at once, notified home, referred, and sent home within 72h."""
    decision = decide(
        county_lines_linked=True, arrested=True, out_of_area=True, offences=("pwits_class_a",), policy=profile
    )
    actions = due(decision)
    assert actions == {
        A.SAFEGUARD_IMMEDIATELY: 0,
        A.NOTIFY_HOME_LOCAL_AUTHORITY: 0,
        A.NOTIFY_HOME_POLICE_FORCE: 0,
        A.RETURN_HOME_CRISIS_INTERVENTION: 72,
        A.ESTABLISH_HOME_STATUS: None,
        A.BAIL_NOT_RUI: None,
        A.REFER_TO_NRM: None,
        A.STRATEGY_MEETING: None,
        A.REQUEST_CPS_EARLY_ADVICE: None,
    }


@BOTH_PROFILES
def test_an_arrest_without_an_offence_code_still_asks_the_cps(profile: PolicyProfile) -> None:
    """W-1: presumption -> CPS early advice (F-09). An arrest is for a suspected offence even before
    one is coded; with neither an arrest nor an offence there is nothing for the CPS to advise on."""
    arrested = decide(county_lines_linked=True, arrested=True, policy=profile)
    assert arrested.presumption.value == "presumed_victim"
    assert A.REQUEST_CPS_EARLY_ADVICE in arrested.action_codes
    neither = decide(county_lines_linked=True, indicators=(Indicator.CASH,), policy=profile)
    assert A.REQUEST_CPS_EARLY_ADVICE not in neither.action_codes


@BOTH_PROFILES
def test_plugging_needs_hospital_now_at_any_age(profile: PolicyProfile) -> None:
    """Plugging triggers an urgent medical assessment due immediately, for children and adults (R-40)."""
    for dob in (CHILD_DOB, date(1980, 1, 1)):
        decision = decide(date_of_birth=dob, indicators=(Indicator.PLUGGING,), policy=profile)
        assert decision.actions[0].code is A.URGENT_MEDICAL_ASSESSMENT
        assert decision.actions[0].due_within_hours == 0


def test_unexplained_injuries_also_go_to_hospital() -> None:
    """Injury on the scene goes down the W-1 MEDICAL path."""
    assert A.URGENT_MEDICAL_ASSESSMENT in decide(indicators=(Indicator.UNEXPLAINED_INJURIES,)).action_codes


@pytest.mark.parametrize(
    "dob", [CHILD_DOB, date(2000, 1, 1), date(1970, 1, 1)], ids=["child", "young", "adult"]
)
def test_out_of_area_notifies_the_home_force(dob: date) -> None:
    """Out of area always notifies the home police force; at once only for a child (F-01, J-01)."""
    decision = decide(date_of_birth=dob, out_of_area=True)
    assert A.NOTIFY_HOME_POLICE_FORCE in decision.action_codes
    expected = 0 if dob == CHILD_DOB else None
    assert due(decision)[A.NOTIFY_HOME_POLICE_FORCE] == expected


def test_out_of_area_child_notifies_the_home_local_authority() -> None:
    """An out-of-area child is notified to the home local authority at once."""
    assert due(decide(out_of_area=True))[A.NOTIFY_HOME_LOCAL_AUTHORITY] == 0


def test_in_area_has_no_home_force_notification() -> None:
    """In the home area the arresting force is the home force: no separate notification."""
    assert A.NOTIFY_HOME_POLICE_FORCE not in decide(county_lines_linked=True, arrested=True).action_codes


@BOTH_PROFILES
@pytest.mark.parametrize(("days", "fires"), [(None, False), (0, False), (13, False), (14, True), (60, True)])
def test_missing_crisis_threshold(days: int | None, fires: bool, profile: PolicyProfile) -> None:
    """Missing 14 days or more ("weeks rather than days", R-30) triggers crisis intervention."""
    assert (A.MISSING_CRISIS_INTERVENTION in decide(missing_days=days, policy=profile).action_codes) is fires


def test_missing_threshold_is_policy_data() -> None:
    """A profile with a 7-day threshold fires at 7 days (Q-06: configurable)."""
    weekly = dataclasses.replace(CURRENT, missing_crisis_threshold_days=7)
    assert A.MISSING_CRISIS_INTERVENTION in decide(missing_days=7, policy=weekly).action_codes
    assert A.MISSING_CRISIS_INTERVENTION not in decide(missing_days=7, policy=CURRENT).action_codes


def test_missing_crisis_is_for_children() -> None:
    """The missing-episode crisis trigger is for children (vulnerable adolescents, R-30)."""
    assert (
        A.MISSING_CRISIS_INTERVENTION
        not in decide(date_of_birth=date(2000, 1, 1), missing_days=30).action_codes
    )


def test_missing_child_is_safeguarded_first() -> None:
    """A missing child is found, safeguarded and returned home first (R-37)."""
    decision = decide(missing_days=2)
    assert decision.actions[0].code is A.SAFEGUARD_IMMEDIATELY
    assert "R-37" in decision.actions[0].reason


@pytest.mark.parametrize(
    ("indicator", "dob", "fires"),
    [
        (Indicator.DRUGS_SEIZED, CHILD_DOB, True),
        (Indicator.CASH, CHILD_DOB, True),
        (Indicator.DRUG_DEBT, CHILD_DOB, True),
        (Indicator.DRUGS_SEIZED, date(2000, 1, 1), True),  # 21: young adult
        (Indicator.DRUGS_SEIZED, date(1970, 1, 1), False),  # 51: adult
        (Indicator.MULTIPLE_PHONES, CHILD_DOB, False),
    ],
)
def test_debt_safety_plan_after_seizures(indicator: Indicator, dob: date, fires: bool) -> None:
    """Seized drugs or cash (or a known drug debt) create a debt-risk safety plan for under-25s (R-39)."""
    assert (A.DEBT_SAFETY_PLAN in decide(date_of_birth=dob, indicators=(indicator,)).action_codes) is fires


@pytest.mark.parametrize(
    ("arrested", "linked", "indicators", "fires"),
    [
        (True, True, (), True),
        (True, False, (Indicator.FOUND_AT_CUCKOOED_ADDRESS,), True),  # dealing base
        (True, False, (), False),
        (False, True, (), False),  # no arrest: nothing to bail
    ],
)
def test_bail_not_rui(arrested: bool, linked: bool, indicators: tuple[Indicator, ...], fires: bool) -> None:
    """A child arrested in county lines or at a dealing base gets bail-not-RUI (R-36)."""
    decision = decide(arrested=arrested, county_lines_linked=linked, indicators=indicators)
    assert (A.BAIL_NOT_RUI in decision.action_codes) is fires


@pytest.mark.parametrize(
    ("dob", "fires"),
    [(CHILD_DOB, False), (date(2003, 6, 1), True), (date(1996, 6, 2), True), (date(1996, 6, 1), False)],
    ids=["15", "18", "24", "25"],
)
def test_transitional_safeguarding_is_for_18_to_24(dob: date, fires: bool) -> None:
    """Only young adults (18-24) get the transitional-safeguarding prompt (F-24)."""
    assert (A.TRANSITIONAL_SAFEGUARDING in decide(date_of_birth=dob).action_codes) is fires


def test_child_within_100_days_is_still_referred_but_not_sent_home() -> None:
    """At 99 days a county-lines child loses the crisis return but keeps safeguarding and NRM referral."""
    decision = decide(
        incident_date=date(2024, 2, 23),  # 99 days before 2024-06-01
        county_lines_linked=True,
        arrested=True,
        offences=("pwits_class_a",),
    )
    assert decision.days_until_18 == 99
    codes = decision.action_codes
    assert A.RETURN_HOME_CRISIS_INTERVENTION not in codes
    assert {A.SAFEGUARD_IMMEDIATELY, A.REFER_TO_NRM, A.STRATEGY_MEETING} <= set(codes)


def test_unconnected_adult_gets_no_actions() -> None:
    """An adult arrested for burglary with no other facts triggers nothing."""
    assert decide(date_of_birth=date(1970, 1, 1), arrested=True, offences=("burglary",)).actions == ()


def test_age_unknown_child_must_establish_identity() -> None:
    """With no date of birth the child must have identity and home status established."""
    decision = decide(date_of_birth=None, county_lines_linked=True)
    assert A.ESTABLISH_HOME_STATUS in decision.action_codes
    assert "date of birth" in next(a.reason for a in decision.actions if a.code is A.ESTABLISH_HOME_STATUS)


def test_nrm_reason_names_the_profile_target() -> None:
    """The NRM reason states the RG target of the profile used (48 hours in 2022, 5 working days now)."""
    old = decide(county_lines_linked=True, policy=REPORT_2022)
    new = decide(county_lines_linked=True, policy=CURRENT)
    assert "48 hours" in next(a.reason for a in old.actions if a.code is A.REFER_TO_NRM)
    assert "5 working days" in next(a.reason for a in new.actions if a.code is A.REFER_TO_NRM)


def test_actions_are_ordered_by_urgency() -> None:
    """Timed actions come first, soonest first; untimed ones follow in the documented order."""
    decision = decide(
        county_lines_linked=True,
        arrested=True,
        out_of_area=True,
        offences=("pwits_class_a",),
        indicators=tuple(Indicator),
        missing_days=30,
    )
    hours = [a.due_within_hours for a in decision.actions]
    timed = [h for h in hours if h is not None]
    assert timed == sorted(timed)
    assert hours[: len(timed)] == timed  # no untimed action before a timed one
    untimed = [a.code for a in decision.actions if a.due_within_hours is None]
    assert untimed == sorted(untimed, key=URGENCY_ORDER.index)


def test_every_reason_cites_a_source() -> None:
    """Each action's reason starts with the rule or feature it comes from."""
    decision = decide(
        county_lines_linked=True,
        arrested=True,
        out_of_area=True,
        offences=("pwits_class_a",),
        indicators=tuple(Indicator),
    )
    for action in decision.actions:
        assert action.reason[:2] in {"R-", "F-", "J-", "W-"}, action


@pytest.mark.parametrize(
    ("dob", "age"), [(date(2015, 6, 1), 6), (date(2012, 6, 2), 8), (date(2011, 6, 2), 9)]
)
def test_under_10s_get_no_criminal_process_actions(dob: date, age: int) -> None:
    """Below the age of criminal responsibility (CYPA 1933 s50) there is no offence: bail/RUI and CPS
    advice are not proposed and a reason says why; every safeguarding action of a 15-year-old stays."""
    facts: dict[str, Any] = {
        "county_lines_linked": True,
        "arrested": True,
        "out_of_area": True,
        "offences": ("pwits_class_a",),
        "indicators": (Indicator.CASH,),
    }
    young = decide(date_of_birth=dob, **facts)
    older = decide(**facts)
    assert young.age_years == age
    assert set(young.action_codes) == set(older.action_codes) - {A.BAIL_NOT_RUI, A.REQUEST_CPS_EARLY_ADVICE}
    assert young.presumption == older.presumption and young.priority == older.priority
    assert young.section45 == older.section45  # the contract's code; the reason explains it
    assert any(r.startswith("CYPA 1933 s50:") and "criminal responsibility" in r for r in young.reasons)
    assert not any("CYPA 1933 s50" in r for r in older.reasons)


def test_a_10_year_old_gets_the_criminal_process_actions() -> None:
    """On the 10th birthday the child is criminally responsible (doli incapax is gone since 1998)."""
    decision = decide(
        date_of_birth=date(2011, 6, 1), county_lines_linked=True, arrested=True, offences=("pwits_class_a",)
    )
    assert decision.age_years == 10
    assert {A.BAIL_NOT_RUI, A.REQUEST_CPS_EARLY_ADVICE} <= set(decision.action_codes)
    assert not any("CYPA 1933 s50" in r for r in decision.reasons)


def test_an_estimated_age_under_10_only_adds_a_reason() -> None:
    """An estimate is not a fact: the actions assume the child may be older, and a reason says so."""
    decision = decide(
        date_of_birth=None,
        estimated_age=8,
        county_lines_linked=True,
        arrested=True,
        offences=("pwits_class_a",),
    )
    assert A.BAIL_NOT_RUI in decision.action_codes
    assert any(r.startswith("CYPA 1933 s50: estimated age 8") for r in decision.reasons)
