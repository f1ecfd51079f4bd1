"""A charge's route (W-4) and the charging screen's notices of open NRM referrals (J-04, R-09)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ccehub.justice.models import ChargeStatus
from ccehub.rules.prosecution import (
    CONCLUDED,
    MSG_ALREADY_ENDED,
    MSG_CONCLUDED,
    MSG_DROP_REASON,
    MSG_ENDED_REASON,
    MSG_LENGTH_RANGE,
    MSG_LENGTH_WITHOUT_SENTENCE,
    MSG_NOT_A_SENTENCE,
    MSG_OUTCOME_CHARGE_STAYED,
    MSG_OUTCOME_FUTURE,
    MSG_OUTCOME_NOTHING,
    MSG_REMAND_NOT_LIVE,
    MSG_S45_EXCLUDED,
    MSG_SENTENCE_NOT_CONVICTED,
    MSG_STAYED,
    MSG_UNKNOWN_SENTENCE,
    NEXT,
    SENTENCE_TYPES,
    ChargeState,
    NoticeKind,
    OpenReferral,
    allowed_next,
    charging_notices,
    court_outcome_problems,
    ended_early_problems,
    months_between,
    step_problems,
)


def test_states_are_the_model_choices():
    """The rule names every status the model stores, and no other."""
    from ccehub.justice.models import SentenceType

    assert {s.value for s in ChargeState} == set(ChargeStatus.values)
    assert set(SENTENCE_TYPES) == set(SentenceType.values)
    assert set(NEXT) == set(ChargeState)


@pytest.mark.parametrize(
    ("current", "to"),
    [
        ("charged", "court_proceedings"),
        ("charged", "discontinued"),
        ("court_proceedings", "convicted"),
        ("court_proceedings", "acquitted_s45"),
        ("court_proceedings", "acquitted_other"),
        ("court_proceedings", "discontinued"),
        ("unknown", "convicted"),
    ],
)
def test_w4_steps_allowed(current, to):
    assert step_problems(current=current, to=to, reason="CPS review", s45_excluded=False) == {}


@pytest.mark.parametrize(
    ("current", "to"),
    [
        ("charged", "convicted"),  # a conviction needs court proceedings first
        ("charged", "acquitted_s45"),
        ("court_proceedings", "charged"),  # no going back
        ("charged", "stayed_pending_cg"),  # only an RG stays a charge (J-02)
        ("charged", "unknown"),
    ],
)
def test_w4_steps_refused(current, to):
    problems = step_problems(current=current, to=to, reason="x", s45_excluded=False)
    assert set(problems) == {"to_status"}
    assert "cannot become" in problems["to_status"]


def test_stayed_charge_moves_only_by_the_prosecution_decision():
    """R-09/J-03: a stay ends by the prosecution decision, never by an ordinary step."""
    for to in ChargeState:
        assert step_problems(current="stayed_pending_cg", to=to, reason="x", s45_excluded=False) == {
            "": MSG_STAYED
        }


@pytest.mark.parametrize("current", sorted(CONCLUDED))
def test_concluded_charge_goes_nowhere(current):
    assert allowed_next(current) == ()
    assert step_problems(current=current, to="court_proceedings", reason="x", s45_excluded=False) == {
        "": MSG_CONCLUDED
    }


def test_dropping_a_charge_needs_a_reason():
    assert step_problems(current="charged", to="discontinued", reason="  ", s45_excluded=False) == {
        "reason": MSG_DROP_REASON
    }


def test_s45_acquittal_refused_for_a_schedule_4_offence():
    """R-03: the defence does not exist for Schedule 4 offences, so no acquittal can rest on it."""
    assert step_problems(current="court_proceedings", to="acquitted_s45", reason="", s45_excluded=True) == {
        "to_status": MSG_S45_EXCLUDED
    }
    assert (
        step_problems(current="court_proceedings", to="acquitted_other", reason="", s45_excluded=True) == {}
    )


def test_unknown_codes_are_refused_not_raised():
    assert set(step_problems(current="bogus", to="charged", reason="", s45_excluded=False)) == {""}
    assert set(step_problems(current="charged", to="bogus", reason="", s45_excluded=False)) == {"to_status"}
    assert allowed_next("bogus") == ()


@given(
    st.sampled_from(list(ChargeState)), st.sampled_from(list(ChargeState)), st.text(max_size=5), st.booleans()
)
def test_step_allowed_iff_in_the_table(current, to, reason, excluded):
    """Property: a step is allowed exactly when W-4 lists it and its conditions hold."""
    allowed = (
        to in NEXT[current]
        and not (to is ChargeState.ACQUITTED_S45 and excluded)
        and not (to is ChargeState.DISCONTINUED and not reason.strip())
    )
    assert (step_problems(current=current, to=to, reason=reason, s45_excluded=excluded) == {}) == allowed


# --- J-04 -------------------------------------------------------------------------------------------


def referral(rid, *, on=date(2021, 3, 1), incident=None, rg=None, concluded=False):
    return OpenReferral(
        referral_id=rid,
        referred_on=on,
        linked_incident_id=incident,
        rg_positive=rg is not None,
        rg_positive_on=rg if rg is not True else None,
        concluded=concluded,
    )


def test_unlinked_open_referral_is_shown():
    """J-04 (Tom): an earlier referral awaiting its CG is shown though it is about another incident."""
    notices = charging_notices([referral("R1", incident="I-old", rg=date(2021, 4, 1))], incident_id="I-new")
    assert [(n.referral_id, n.kind) for n in notices] == [("R1", NoticeKind.UNLINKED)]
    assert "not linked to this incident" in notices[0].text and "1 April 2021" in notices[0].text
    assert "J-04" in notices[0].text


def test_linked_referral_with_positive_rg_stays_and_comes_first():
    notices = charging_notices(
        [
            referral("R-unlinked", on=date(2020, 1, 1)),
            referral("R-linked", on=date(2021, 5, 1), incident="I-1", rg=date(2021, 5, 3)),
        ],
        incident_id="I-1",
    )
    assert [(n.referral_id, n.kind) for n in notices] == [
        ("R-linked", NoticeKind.STAYS),
        ("R-unlinked", NoticeKind.UNLINKED),
    ]
    assert "stayed" in notices[0].text and "R-09" in notices[0].text


def test_linked_referral_awaiting_rg_may_stay():
    (notice,) = charging_notices([referral("R1", incident="I-1")], incident_id="I-1")
    assert notice.kind is NoticeKind.MAY_STAY and "will be stayed" in notice.text


def test_concluded_referrals_are_not_shown_and_no_incident_links_nothing():
    assert charging_notices([referral("R1", incident="I-1", concluded=True)], incident_id="I-1") == ()
    (notice,) = charging_notices([referral("R1", incident="I-1", rg=date(2021, 5, 3))], incident_id=None)
    assert notice.kind is NoticeKind.UNLINKED


def test_undated_referral_is_described_not_dropped():
    (notice,) = charging_notices([referral("R1", on=None)], incident_id=None)
    assert "a date not recorded" in notice.text


def test_positive_rg_without_a_date_still_stays():
    """A report row may record a positive RG without its date: it is positive all the same."""
    (notice,) = charging_notices([referral("R1", incident="I-1", rg=True)], incident_id="I-1")
    assert notice.kind is NoticeKind.STAYS and "a date not recorded" in notice.text


# --- Court outcomes -----------------------------------------------------------------------------

TODAY = date(2026, 11, 27)


def outcome(**overrides):
    values = {
        "charge_status": "convicted",
        "remanded": False,
        "sentence_type": "yro",
        "length_months": 12,
        "decided_on": date(2026, 6, 1),
        "charged_on": date(2026, 1, 5),
        "today": TODAY,
    }
    return court_outcome_problems(**(values | overrides))


def test_sentence_on_a_conviction_is_recorded():
    """Tom: a 12-month youth rehabilitation order on conviction."""
    assert outcome() == {}
    assert outcome(sentence_type="custody", length_months=None) == {}


def test_remand_before_the_court_or_awaiting_sentence():
    """Daniel: remanded in custody while the charge was before the court."""
    assert (
        outcome(charge_status="court_proceedings", remanded=True, sentence_type="", length_months=None) == {}
    )
    assert outcome(remanded=True, sentence_type="", length_months=None) == {}
    assert outcome(charge_status="charged", remanded=True, sentence_type="", length_months=None) == {
        "remanded_in_custody": MSG_REMAND_NOT_LIVE
    }


def test_sentence_needs_a_conviction():
    for status in ("charged", "court_proceedings", "acquitted_s45", "discontinued"):
        assert outcome(charge_status=status)["sentence_type"] == MSG_SENTENCE_NOT_CONVICTED


def test_stayed_charge_has_no_court_outcome():
    assert outcome(charge_status="stayed_pending_cg") == {"": MSG_OUTCOME_CHARGE_STAYED}


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"sentence_type": "", "length_months": None}, "", MSG_OUTCOME_NOTHING),
        ({"sentence_type": "caning"}, "sentence_type", MSG_UNKNOWN_SENTENCE),
        ({"sentence_type": "", "remanded": True}, "length_months", MSG_LENGTH_WITHOUT_SENTENCE),
        ({"length_months": 0}, "length_months", MSG_LENGTH_RANGE),
        ({"length_months": 241}, "length_months", MSG_LENGTH_RANGE),
        ({"decided_on": TODAY.replace(day=28)}, "decided_on", MSG_OUTCOME_FUTURE),
        ({"decided_on": date(2026, 1, 4)}, "decided_on", "cannot be before the charge (5 January 2026)"),
    ],
)
def test_court_outcome_refusals(overrides, field, message):
    problems = outcome(**overrides)
    assert field in problems and message in problems[field]


def test_outcome_on_the_day_of_charge_and_undated_charge():
    assert outcome(decided_on=date(2026, 1, 5)) == {}
    assert outcome(charged_on=None) == {}


def test_tom_yro_ended_at_five_months():
    assert (
        ended_early_problems(
            sentence_type="yro", length_months=12, already_ended=False, months=5, reason="Good progress"
        )
        == {}
    )


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"sentence_type": ""}, {"": MSG_NOT_A_SENTENCE}),
        ({"already_ended": True}, {"": MSG_ALREADY_ENDED}),
        ({"months": 12}, {"months": "A sentence of 12 months that ran 12 months did not end early"}),
        ({"months": 0}, {"months": "The months served must be a whole number from 1 to 11"}),
        (
            {"length_months": None, "months": 300},
            {"months": "The months served must be a whole number from 1 to 240"},
        ),
        ({"reason": " "}, {"reason": MSG_ENDED_REASON}),
    ],
)
def test_ended_early_refusals(values, expected):
    base = {"sentence_type": "yro", "length_months": 12, "already_ended": False, "months": 5, "reason": "x"}
    assert ended_early_problems(**(base | values)) == expected


def test_positive_cg_is_shown_linked_first_and_unlinked_as_context():
    """A positive CG: the child is a recognised victim. Linked, it holds the charge (J-03); otherwise
    it is shown to be taken into account (J-04). A negative CG shows nothing."""
    linked = OpenReferral(
        "R-l", date(2021, 5, 1), "I-1", True, date(2021, 5, 3), True, True, date(2021, 9, 1)
    )
    other = OpenReferral("R-o", date(2019, 1, 1), "I-0", True, None, True, True, None)
    negative = OpenReferral("R-n", date(2018, 1, 1), "I-9", True, None, True, False, None)
    notices = charging_notices([other, negative, linked], incident_id="I-1")
    assert [(n.referral_id, n.kind) for n in notices] == [
        ("R-l", NoticeKind.VICTIM_LINKED),
        ("R-o", NoticeKind.VICTIM_OTHER),
    ]
    assert "1 September 2021" in notices[0].text and "VCL and AN" in notices[0].text
    assert "recognised as a victim" in notices[1].text and "a date not recorded" in notices[1].text


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        (date(2026, 3, 5), date(2026, 4, 4), 0),
        (date(2026, 3, 5), date(2026, 4, 5), 1),
        (date(2025, 11, 30), date(2026, 4, 29), 4),
        (date(2026, 4, 5), date(2026, 3, 5), 0),
    ],
)
def test_months_between(start, end, months):
    assert months_between(start, end) == months


def test_ended_early_within_the_time_served():
    base = {"sentence_type": "yro", "length_months": 12, "already_ended": False, "reason": "Good progress"}
    sentenced = date(2026, 1, 10)
    assert ended_early_problems(**base, months=5, sentenced_on=sentenced, today=date(2026, 6, 10)) == {}
    assert (
        "cannot have run 5 months"
        in ended_early_problems(**base, months=5, sentenced_on=sentenced, today=date(2026, 6, 9))["months"]
    )
