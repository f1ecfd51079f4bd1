"""Early-warning triggers (R-53 the YOT-CSC check, R-56 organised exploitation risk, R-08 signs with
no referral): the pure rules."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from ccehub.rules.triggers import (
    Dated,
    EarlyWarning,
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
    facts = dict(drug_offences=(Dated(D1),), exploitation_signs=("cash found",), domestic_abuse=True)
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


def test_signs_of_exploitation_with_no_referral_and_no_reason_raise_r08():
    signs = ("a county-lines-linked incident", "cash found", "cash found")
    warnings = early_warnings(TriggerFacts(child=True, exploitation_signs=signs))
    assert [w.code for w in warnings] == [EarlyWarning.NO_NRM_REFERRAL]
    assert "(a county-lines-linked incident; cash found)" in warnings[0].text  # each sign once
    assert _codes(TriggerFacts(child=True, exploitation_signs=signs, has_nrm_referral=True)) == []
    assert (
        _codes(TriggerFacts(child=True, exploitation_signs=signs, referral_declined_with_reason=True)) == []
    )


def test_the_task_comes_first():
    facts = TriggerFacts(
        child=True,
        domestic_abuse=True,
        offences_with_adults=(Dated(D1),),
        exploitation_signs=("cash found",),
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
    st.lists(st.one_of(st.none(), st.dates(min_value=D1, max_value=date(2027, 1, 1))), max_size=4),
    st.lists(st.dates(min_value=D1, max_value=date(2027, 1, 1)), max_size=3),
)
def test_the_check_is_due_exactly_when_no_check_follows_the_latest_dated_indicator(days, checks):
    facts = TriggerFacts(child=True, drug_offences=tuple(Dated(d) for d in days), checks_on=tuple(checks))
    dated = [d for d in days if d is not None]
    if not days:
        expected = False
    elif not checks:
        expected = True
    elif not dated:
        expected = False
    else:
        expected = max(checks) < max(dated)
    assert yot_check_due(facts) is expected
