"""E-17, R-54, R-51: referrals to services (pure rules)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ccehub.rules.service_referrals import (
    MSG_END_BEFORE,
    MSG_END_NOT_ACCEPTED,
    MSG_FUTURE,
    MSG_OUTCOME_BEFORE,
    MSG_OUTCOME_SET,
    ChargeFact,
    Outcome,
    ReferralFact,
    check_end,
    check_outcome,
    compellable,
    declined_label,
    live_charge,
    working_now,
)

TODAY = date(2024, 6, 30)


@pytest.mark.parametrize(
    ("status", "on", "live"),
    [
        ("charged", date(2024, 6, 1), True),
        ("stayed_pending_cg", date(2024, 6, 1), True),  # stayed, still a charge
        ("convicted", date(2024, 6, 1), True),
        ("charged", None, True),  # undated: it exists
        ("discontinued", date(2024, 6, 1), False),
        ("acquitted_s45", date(2024, 6, 1), False),
        ("charged", date(2024, 7, 1), False),  # not yet
    ],
)
def test_a_live_charge(status: str, on: date | None, live: bool) -> None:
    assert live_charge([ChargeFact(status, on)], TODAY) is live


def test_only_youth_offending_and_young_peoples_services_can_compel_and_only_the_charged() -> None:
    """R-54: Sam had not been charged, so could not be compelled to engage."""
    assert compellable("yot", charged=True) and compellable("young_peoples_services", charged=True)
    assert not compellable("yot", charged=False)
    assert not compellable("camhs", charged=True)
    assert declined_label("yot", charged=False).startswith(
        "Voluntary, declined by the young person: not charged"
    )
    assert declined_label("camhs", charged=True) == "Voluntary, declined by the young person"
    assert "engagement can be required" in declined_label("yot", charged=True)


def test_an_outcome_is_recorded_once_on_a_day_that_can_be() -> None:
    made = ReferralFact(made_on=date(2024, 6, 1))
    assert check_outcome(made, "accepted", date(2024, 6, 2), today=TODAY) == {}
    assert check_outcome(made, "accepted", date(2024, 5, 31), today=TODAY) == {
        "outcome_on": MSG_OUTCOME_BEFORE
    }
    assert check_outcome(made, "accepted", date(2024, 7, 1), today=TODAY) == {"outcome_on": MSG_FUTURE}
    assert "outcome" in check_outcome(made, "awaiting", date(2024, 6, 2), today=TODAY)
    answered = ReferralFact(
        made_on=date(2024, 6, 1), outcome="declined_by_service", outcome_on=date(2024, 6, 3)
    )
    assert check_outcome(answered, "accepted", date(2024, 6, 4), today=TODAY) == {"outcome": MSG_OUTCOME_SET}


def test_only_an_accepted_referral_ends_and_not_before_it_was_accepted() -> None:
    accepted = ReferralFact(made_on=date(2024, 6, 1), outcome="accepted", outcome_on=date(2024, 6, 5))
    assert check_end(accepted, date(2024, 6, 20), today=TODAY) == {}
    assert check_end(accepted, date(2024, 6, 4), today=TODAY) == {"ended_on": MSG_END_BEFORE}
    assert check_end(accepted, date(2024, 7, 4), today=TODAY) == {"ended_on": MSG_FUTURE}
    declined = ReferralFact(made_on=date(2024, 6, 1), outcome="not_engaged", outcome_on=date(2024, 6, 5))
    assert check_end(declined, date(2024, 6, 20), today=TODAY) == {"ended_on": MSG_END_NOT_ACCEPTED}
    ended = ReferralFact(
        made_on=date(2024, 6, 1), outcome="accepted", outcome_on=date(2024, 6, 5), ended_on=date(2024, 6, 9)
    )
    assert "already stopped" in check_end(ended, date(2024, 6, 20), today=TODAY)["ended_on"]


def test_services_working_with_the_child_now_are_counted_once() -> None:
    """R-51: two accepted referrals to CAMHS are one service; an ended one and a declined one none."""
    referrals = [
        ReferralFact(date(2024, 1, 1), "camhs", "accepted", date(2024, 1, 5)),
        ReferralFact(date(2024, 3, 1), "camhs", "accepted", date(2024, 3, 5)),
        ReferralFact(date(2024, 1, 1), "yot", "accepted", date(2024, 1, 5), ended_on=date(2024, 5, 1)),
        ReferralFact(date(2024, 1, 1), "drug_alcohol", "declined_by_young_person", date(2024, 1, 5)),
        ReferralFact(date(2024, 6, 1), "demand_reduction"),
    ]
    assert working_now(referrals, TODAY) == {"camhs"}
    assert working_now(referrals, date(2024, 4, 30)) == {"camhs", "yot"}


@given(
    st.lists(
        st.builds(
            ReferralFact,
            st.dates(date(2024, 1, 1), date(2024, 12, 31)),
            st.sampled_from(["camhs", "yot", "mash"]),
            st.sampled_from(list(Outcome)),
            st.none() | st.dates(date(2024, 1, 1), date(2024, 12, 31)),
            st.none() | st.dates(date(2024, 1, 1), date(2024, 12, 31)),
        ),
        max_size=10,
    ),
    st.dates(date(2024, 1, 1), date(2024, 12, 31)),
)
def test_working_now_is_only_accepted_services_not_yet_ended(
    referrals: list[ReferralFact], today: date
) -> None:
    now = working_now(referrals, today)
    for service in now:
        assert any(
            r.service == service
            and r.outcome == Outcome.ACCEPTED
            and (r.ended_on is None or r.ended_on > today)
            for r in referrals
        )
    assert working_now(referrals, today + timedelta(days=1)) <= now | {
        r.service for r in referrals if r.outcome_on == today + timedelta(days=1)
    }
