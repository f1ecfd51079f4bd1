"""Drift between the three processes (rules/drift.py): each alert, its edges, and how the alerts
move with time and with the profile's figure."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ccehub.rules.drift import ArrestFact, DriftAlert, DriftFacts, OpenReferral, drift_alerts
from ccehub.rules.policy import CURRENT, REPORT_2022

TODAY = date(2026, 6, 1)
DAYS = 28


def codes(facts: DriftFacts, today: date = TODAY, drift_days: int = DAYS) -> list[DriftAlert]:
    return [d.code for d in drift_alerts(facts, today=today, drift_days=drift_days)]


def ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def test_the_profiles_hold_the_figure() -> None:
    assert CURRENT.drift_days == REPORT_2022.drift_days == 28


# --- J-01: no child-protection step after an arrest -------------------------------------------


def test_an_arrest_with_no_safeguarding_step_drifts_after_the_figure() -> None:
    facts = DriftFacts(child=True, arrests=(ArrestFact(ago(29), "charged", charged=True),))
    (alert,) = drift_alerts(facts, today=TODAY, drift_days=DAYS)
    assert alert.code is DriftAlert.NO_SAFEGUARDING_AFTER_ARREST and alert.rule == "J-01"
    assert alert.process == "safeguarding" and alert.since == ago(29)
    assert "3 May 2026, 29 days ago" in alert.text
    # on the 28th day it is not yet drift
    assert codes(DriftFacts(child=True, arrests=(ArrestFact(ago(28), "nfa"),))) == []


@pytest.mark.parametrize(
    ("step", "drifts"),
    [(ago(40), False), (ago(41), True), (ago(10), False), (None, False)],
    ids=["on the arrest day", "the day before", "later", "undated"],
)
def test_a_step_on_or_after_the_arrest_answers_it(step: date | None, drifts: bool) -> None:
    facts = DriftFacts(child=True, arrests=(ArrestFact(ago(40), "nfa"),), safeguarding_on=(step,))
    assert (DriftAlert.NO_SAFEGUARDING_AFTER_ARREST in codes(facts)) is drifts


@pytest.mark.parametrize(
    ("running", "drifts"),
    [
        ((ago(100), None), False),
        ((ago(100), ago(40)), False),
        ((ago(100), ago(41)), True),
        ((ago(39), None), False),
        ((None, None), True),
    ],
    ids=["open plan", "ended on the arrest day", "ended the day before", "started after", "undated"],
)
def test_a_plan_in_place_on_the_arrest_day_answers_it(
    running: tuple[date | None, date | None], drifts: bool
) -> None:
    """J-01 "open or attach the W-3 case": a child-protection plan or care order in place when the
    child was arrested is the case the arrest attaches to. (The reader also lists a plan's start as
    a step, which is why one started after the arrest answers it.)"""
    start = running[0]
    facts = DriftFacts(
        child=True,
        arrests=(ArrestFact(ago(40), "nfa"),),
        safeguarding_on=(start,) if start is not None and start >= ago(40) else (),
        safeguarding_running=(running,),
    )
    assert (DriftAlert.NO_SAFEGUARDING_AFTER_ARREST in codes(facts)) is drifts


def test_the_latest_unanswered_arrest_is_the_one_named() -> None:
    facts = DriftFacts(
        child=True,
        arrests=(ArrestFact(ago(200), "nfa"), ArrestFact(ago(60), "nfa"), ArrestFact(None, "nfa")),
        safeguarding_on=(ago(150),),
    )
    (alert,) = drift_alerts(facts, today=TODAY, drift_days=DAYS)
    assert alert.since == ago(60)


def test_an_undated_arrest_cannot_drift() -> None:
    assert codes(DriftFacts(child=True, arrests=(ArrestFact(None, "rui"),))) == []


# --- J-04: the criminal process ahead of the NRM ------------------------------------------------


def test_a_charge_going_ahead_while_a_referral_awaits_its_decision() -> None:
    facts = DriftFacts(child=True, open_referrals=(OpenReferral(ago(20), "cg"),), live_charges_on=(ago(5),))
    (alert,) = drift_alerts(facts, today=TODAY, drift_days=DAYS)
    assert alert.code is DriftAlert.CRIMINAL_AHEAD_OF_NRM and alert.rule == "J-04"
    assert "1 charge going ahead" in alert.text and "conclusive-grounds decision" in alert.text
    assert alert.since == ago(5)
    # awaiting the RG, the text says so
    rg = DriftFacts(child=True, open_referrals=(OpenReferral(ago(2), "rg"),), live_charges_on=(ago(1),))
    assert "reasonable-grounds decision" in drift_alerts(rg, today=TODAY, drift_days=DAYS)[0].text


def test_no_open_referral_no_criminal_drift() -> None:
    assert codes(DriftFacts(child=True, live_charges_on=(ago(1),), court_outcomes_on=(ago(1),))) == []


@pytest.mark.parametrize(
    ("court", "drifts"),
    [(ago(21), False), (ago(20), True), (ago(3), True), (None, True)],
    ids=["before the referral", "on its day", "after", "undated"],
)
def test_a_court_outcome_while_the_referral_was_open(court: date | None, drifts: bool) -> None:
    facts = DriftFacts(child=True, open_referrals=(OpenReferral(ago(20), "cg"),), court_outcomes_on=(court,))
    assert (DriftAlert.CRIMINAL_AHEAD_OF_NRM in codes(facts)) is drifts


def test_the_oldest_open_referral_is_the_one_named() -> None:
    facts = DriftFacts(
        child=True,
        open_referrals=(OpenReferral(ago(10), "rg"), OpenReferral(ago(300), "cg")),
        court_outcomes_on=(ago(100),),
    )
    (alert,) = drift_alerts(facts, today=TODAY, drift_days=DAYS)
    assert "referral of 5 August 2025 awaits its conclusive-grounds decision" in alert.text
    assert "a court outcome on 21 February 2026" in alert.text


# --- N-02: the conclusive-grounds decision long awaited -----------------------------------------


def test_the_cg_long_awaited_after_the_recovery_period() -> None:
    waiting = DriftFacts(child=True, open_referrals=(OpenReferral(ago(100), "cg", cg_possible_from=ago(29)),))
    (alert,) = drift_alerts(waiting, today=TODAY, drift_days=DAYS)
    assert alert.code is DriftAlert.CG_LONG_AWAITED and alert.process == "nrm"
    assert "awaited 29 days since it could first be made, on 3 May 2026" in alert.text
    not_yet = DriftFacts(child=True, open_referrals=(OpenReferral(ago(100), "cg", cg_possible_from=ago(28)),))
    assert codes(not_yet) == []
    # the local-panel route (no date from which a CG could be made) is the clocks' business
    assert codes(DriftFacts(child=True, open_referrals=(OpenReferral(ago(400), "cg"),))) == []


# --- no decision after release --------------------------------------------------------------


@pytest.mark.parametrize(
    ("arrest", "drifts", "words"),
    [
        (ArrestFact(ago(29), "rui"), True, "Released under investigation on 3 May 2026, 29 days ago"),
        (ArrestFact(ago(60), "bailed"), True, "Bailed on 2 April 2026, 60 days ago"),
        (ArrestFact(ago(28), "rui"), False, ""),
        (ArrestFact(ago(60), "rui", charged=True), False, ""),
        (ArrestFact(ago(60), "nfa"), False, ""),
    ],
)
def test_release_with_no_decision(arrest: ArrestFact, drifts: bool, words: str) -> None:
    facts = DriftFacts(child=True, arrests=(arrest,), safeguarding_on=(None,))
    alerts = drift_alerts(facts, today=TODAY, drift_days=DAYS)
    assert [a.code for a in alerts] == ([DriftAlert.NO_DECISION_AFTER_RELEASE] if drifts else [])
    if drifts:
        assert words in alerts[0].text and alerts[0].rule == "R-36"


# --- who and how ------------------------------------------------------------------------------------


def test_an_adult_has_no_drift_alerts_and_an_unknown_age_counts_as_a_child() -> None:
    facts = DriftFacts(child=False, arrests=(ArrestFact(ago(60), "rui"),))
    assert codes(facts) == []
    assert codes(DriftFacts(child=None, arrests=(ArrestFact(ago(60), "rui"),))) != []


def test_a_negative_figure_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        drift_alerts(DriftFacts(child=True), today=TODAY, drift_days=-1)


days_ago = st.one_of(st.none(), st.integers(min_value=0, max_value=400).map(ago))
facts_strategy = st.builds(
    DriftFacts,
    child=st.sampled_from([True, None]),
    arrests=st.lists(
        st.builds(
            ArrestFact, on=days_ago, outcome=st.sampled_from(["rui", "bailed", "nfa"]), charged=st.booleans()
        ),
        max_size=3,
    ).map(tuple),
    safeguarding_on=st.lists(days_ago, max_size=3).map(tuple),
    open_referrals=st.lists(
        st.builds(
            OpenReferral,
            referred_on=days_ago,
            awaiting=st.sampled_from(["rg", "cg"]),
            cg_possible_from=days_ago,
        ),
        max_size=2,
    ).map(tuple),
    live_charges_on=st.lists(days_ago, max_size=2).map(tuple),
    court_outcomes_on=st.lists(days_ago, max_size=2).map(tuple),
)


@given(facts=facts_strategy, later=st.integers(min_value=0, max_value=200))
def test_drift_only_grows_while_nothing_new_is_recorded(facts: DriftFacts, later: int) -> None:
    """Drift is time passing with nothing recorded: with the facts unchanged, an alert that stands
    today still stands on any later day."""
    now = set(codes(facts))
    assert now <= set(codes(facts, today=TODAY + timedelta(days=later)))


@given(facts=facts_strategy, shorter=st.integers(min_value=0, max_value=60), longer=st.integers(0, 60))
def test_a_longer_figure_never_adds_an_alert(facts: DriftFacts, shorter: int, longer: int) -> None:
    assert set(codes(facts, drift_days=shorter + longer)) <= set(codes(facts, drift_days=shorter))


@given(facts=facts_strategy)
def test_a_step_recorded_today_answers_every_arrest(facts: DriftFacts) -> None:
    """Recording a strategy meeting today answers J-01 whatever else is on the record, and changes no
    other alert."""
    answered = DriftFacts(**{**facts.__dict__, "safeguarding_on": (*facts.safeguarding_on, TODAY)})
    before = set(codes(facts))
    after = set(codes(answered))
    assert DriftAlert.NO_SAFEGUARDING_AFTER_ARREST not in after
    assert after == before - {DriftAlert.NO_SAFEGUARDING_AFTER_ARREST}
