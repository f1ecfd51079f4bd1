"""Early-warning triggers (R-53 the YOT-CSC check, R-56 organised exploitation risk, R-08 signs with
no referral): the pure rules."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from ccehub.rules.triggers import (
    Dated,
    Debt,
    EarlyWarning,
    SignedIncident,
    TriggerFacts,
    any_adult_present,
    early_warnings,
    yot_check_due,
)

D1, D2, D3 = date(2026, 1, 5), date(2026, 2, 5), date(2026, 3, 5)


def _codes(facts):
    return [w.code for w in early_warnings(facts)]


def test_any_one_of_the_three_offending_indicators_calls_for_the_check():
    for field in ("gang_affiliation", "drug_offences", "offences_with_adults"):
        facts = TriggerFacts(child=True, **{field: (Dated(D1),)})
        assert yot_check_due(facts), field
        warning = early_warnings(facts)[0]
        assert warning.code is EarlyWarning.YOT_CSC_CHECK and warning.task and warning.rule == "R-53"
        assert warning.since == D1
    assert not yot_check_due(TriggerFacts(child=True))
    text = early_warnings(
        TriggerFacts(child=True, drug_offences=(Dated(D1),), gang_affiliation=(Dated(D2),))
    )[0].text
    assert "gang affiliation; drug offences" in text


def test_a_check_answers_the_indicators_up_to_its_day_and_a_later_one_calls_again():
    facts = TriggerFacts(child=True, drug_offences=(Dated(D1),), checks_on=(D2,))
    assert not yot_check_due(facts)
    assert yot_check_due(TriggerFacts(child=True, drug_offences=(Dated(D1), Dated(D3)), checks_on=(D2,)))
    assert not yot_check_due(
        TriggerFacts(child=True, drug_offences=(Dated(D3),), checks_on=(D3,))
    )  # same day
    # an undated indicator is answered by any check
    assert yot_check_due(TriggerFacts(child=True, gang_affiliation=(Dated(None),)))
    assert not yot_check_due(TriggerFacts(child=True, gang_affiliation=(Dated(None),), checks_on=(D1,)))


def test_nothing_is_raised_for_an_adult_and_an_unknown_age_is_a_child():
    facts = dict(
        drug_offences=(Dated(D1),),
        signed_incidents=(SignedIncident(D1, ("cash found",)),),
        domestic_abuse=True,
    )
    assert early_warnings(TriggerFacts(child=False, **facts)) == []
    assert early_warnings(TriggerFacts(child=None, **facts)) != []


def test_domestic_abuse_with_offending_involving_adults_raises_the_organised_exploitation_prompt():
    both = TriggerFacts(child=True, domestic_abuse=True, offences_with_adults=(Dated(D2),), checks_on=(D3,))
    assert _codes(both) == [EarlyWarning.ORGANISED_EXPLOITATION]
    assert early_warnings(both)[0].since == D2 and not early_warnings(both)[0].task
    assert _codes(TriggerFacts(child=True, domestic_abuse=True)) == []
    assert EarlyWarning.ORGANISED_EXPLOITATION not in _codes(
        TriggerFacts(child=True, offences_with_adults=(Dated(D2),))
    )


def test_a_relationship_with_an_adult_raises_it_on_its_own():
    """R-56's second limb: "or a relationship with an adult" (recorded as a contextual risk, F-16)."""
    alone = TriggerFacts(child=True, adult_relationships=(Dated(D1),))
    (warning,) = early_warnings(alone)
    assert warning.code is EarlyWarning.ORGANISED_EXPLOITATION and warning.since == D1
    assert "a relationship with an adult is recorded" in warning.text
    # with both limbs, one prompt naming both, dated from the latest fact behind either
    both = TriggerFacts(
        child=True, domestic_abuse=True, offences_with_adults=(Dated(D2),), adult_relationships=(Dated(D3),)
    )
    (warning,) = [w for w in early_warnings(both) if w.code is EarlyWarning.ORGANISED_EXPLOITATION]
    assert "domestic abuse is recorded" in warning.text and warning.since == D3
    assert "a relationship with an adult is recorded" in warning.text
    assert early_warnings(TriggerFacts(child=False, adult_relationships=(Dated(D1),))) == []


def test_a_drug_debt_with_no_safety_plan_is_a_task_until_planned_or_cleared():
    """R-39, F-31: a seizure creates a debt that puts the child at risk; the safety plan answers it."""
    seized = Debt(on=D1, cause="drugs or cash seized by the police")
    robbed = Debt(on=D2, cause="robbed of drugs or cash")
    (warning,) = early_warnings(TriggerFacts(child=True, debts=(seized, robbed)))
    assert warning.code is EarlyWarning.DEBT_NO_SAFETY_PLAN and warning.task and warning.rule == "R-39"
    assert warning.since == D1  # a task: from the oldest debt still waiting for a plan
    assert "(drugs or cash seized by the police; robbed of drugs or cash)" in warning.text
    planned = Debt(on=D1, cause="lost drugs", safety_plan=True)
    cleared = Debt(on=D1, cause="lost drugs", cleared=True)
    assert early_warnings(TriggerFacts(child=True, debts=(planned, cleared))) == []
    undated = Debt(on=None, cause="a friend's debt")
    assert early_warnings(TriggerFacts(child=True, debts=(undated,)))[0].since is None
    assert early_warnings(TriggerFacts(child=False, debts=(seized,))) == []


def test_signs_of_exploitation_with_no_referral_and_no_reason_raise_r08():
    cash = SignedIncident(D2, ("a county-lines-linked incident", "cash found"))
    again = SignedIncident(D2, ("cash found",))
    warnings = early_warnings(TriggerFacts(child=True, signed_incidents=(cash, again)))
    assert [w.code for w in warnings] == [EarlyWarning.NO_NRM_REFERRAL]
    assert "(a county-lines-linked incident; cash found)" in warnings[0].text  # each sign once
    assert warnings[0].since == D2
    assert _codes(TriggerFacts(child=True, signed_incidents=(cash,), referrals_on=(D2,))) == []  # same day
    assert _codes(TriggerFacts(child=True, signed_incidents=(cash,), referrals_on=(None,))) == []  # undated
    linked = SignedIncident(D2, ("cash found",), linked_referral=True)
    declined = SignedIncident(D2, ("cash found",), declined_with_reason=True)
    assert _codes(TriggerFacts(child=True, signed_incidents=(linked, declined))) == []


def test_each_incident_must_be_answered_on_its_own():
    """A reason given for one incident, or a referral made before it, does not answer a later one."""
    earlier = SignedIncident(D1, ("cash found",), declined_with_reason=True)
    later = SignedIncident(D3, ("plugging (drugs concealed inside the body) disclosed or suspected",))
    warnings = early_warnings(TriggerFacts(child=True, signed_incidents=(earlier, later)))
    assert [w.code for w in warnings] == [EarlyWarning.NO_NRM_REFERRAL]
    assert "plugging" in warnings[0].text and "cash" not in warnings[0].text and warnings[0].since == D3
    old_referral = TriggerFacts(child=True, signed_incidents=(later,), referrals_on=(D1,))
    assert _codes(old_referral) == [EarlyWarning.NO_NRM_REFERRAL]


def test_the_task_comes_first():
    facts = TriggerFacts(
        child=True,
        domestic_abuse=True,
        offences_with_adults=(Dated(D1),),
        signed_incidents=(SignedIncident(D1, ("cash found",)),),
    )
    assert _codes(facts) == [
        EarlyWarning.YOT_CSC_CHECK,
        EarlyWarning.NO_NRM_REFERRAL,
        EarlyWarning.ORGANISED_EXPLOITATION,
    ]


def test_adults_present_are_18_or_over_and_odd_entries_are_skipped():
    assert any_adult_present([16, 18])
    assert not any_adult_present([13, 17])
    assert not any_adult_present(["19", None, True, 17.5])


@given(
    st.lists(
        st.one_of(st.none(), st.dates(min_value=D1, max_value=date(2027, 1, 1))), min_size=1, max_size=4
    ),
    st.dates(min_value=D1, max_value=date(2027, 1, 1)),
)
def test_a_check_on_or_after_every_dated_indicator_clears_the_task_and_an_earlier_one_does_not(days, checked):
    facts = TriggerFacts(child=True, drug_offences=tuple(Dated(d) for d in days))
    assert yot_check_due(facts)  # any indicator and no check
    dated = [d for d in days if d is not None]
    cleared = TriggerFacts(child=True, drug_offences=facts.drug_offences, checks_on=(checked,))
    if not dated or checked >= max(dated):
        assert not yot_check_due(cleared)
        assert EarlyWarning.YOT_CSC_CHECK not in _codes(cleared)
    else:
        assert yot_check_due(cleared)
        # a second check after the latest indicator clears it whatever came before
        later = TriggerFacts(child=True, drug_offences=facts.drug_offences, checks_on=(checked, max(dated)))
        assert not yot_check_due(later)
