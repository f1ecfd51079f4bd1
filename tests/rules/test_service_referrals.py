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
    Compulsion,
    OrderFact,
    Outcome,
    ReferralFact,
    add_months,
    check_end,
    check_outcome,
    compulsion,
    declined_label,
    working_now,
)

TODAY = date(2024, 6, 30)


ON = date(2024, 6, 30)


def answer(service: str = "yot", charges: tuple[ChargeFact, ...] = (), orders: tuple[OrderFact, ...] = ()):
    return compulsion(service, charges, orders, ON)


@pytest.mark.parametrize(
    ("status", "charged_on", "expected"),
    [
        ("charged", date(2024, 6, 1), Compulsion.MAY_BE_REQUIRED),
        ("stayed_pending_cg", date(2024, 6, 1), Compulsion.MAY_BE_REQUIRED),  # stayed, still a charge
        ("court_proceedings", None, Compulsion.MAY_BE_REQUIRED),  # undated: it exists
        ("discontinued", date(2024, 6, 1), Compulsion.VOLUNTARY),
        ("acquitted_s45", date(2024, 6, 1), Compulsion.VOLUNTARY),
        ("charged", date(2024, 7, 1), Compulsion.VOLUNTARY),  # not yet charged on the day
        ("unknown", date(2024, 6, 1), Compulsion.NOT_KNOWN),  # not recorded is not absent
        ("convicted", date(2024, 6, 1), Compulsion.NOT_KNOWN),  # no sentence recorded
    ],
)
def test_a_charge_on_the_day(status: str, charged_on: date | None, expected: Compulsion) -> None:
    assert answer(charges=(ChargeFact(status, charged_on),)) is expected


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        (OrderFact("yro", date(2024, 1, 10), 12), Compulsion.MAY_BE_REQUIRED),
        (OrderFact("yro", date(2023, 1, 10), 12), Compulsion.VOLUNTARY),  # over on 10 January 2024
        (OrderFact("yro", date(2024, 1, 10), 12, ended_early_after_months=5), Compulsion.VOLUNTARY),  # Tom's
        (OrderFact("dto", date(2024, 1, 10), 12), Compulsion.MAY_BE_REQUIRED),
        (OrderFact("custody", date(2024, 1, 10), 12), Compulsion.VOLUNTARY),
        (OrderFact("yro", None, 12), Compulsion.NOT_KNOWN),
        (OrderFact("yro", date(2024, 1, 10), None), Compulsion.NOT_KNOWN),
    ],
)
def test_a_court_order_in_force(order: OrderFact, expected: Compulsion) -> None:
    convicted = (ChargeFact("convicted", date(2023, 12, 1)),)
    assert answer(charges=convicted, orders=(order,)) is expected


def test_only_youth_offending_and_young_peoples_services_can_require_engagement() -> None:
    """R-54: Sam had not been charged, so could not be compelled to engage."""
    charged = (ChargeFact("charged", date(2024, 6, 1)),)
    assert answer("young_peoples_services", charged) is Compulsion.MAY_BE_REQUIRED
    assert answer("camhs", charged) is Compulsion.VOLUNTARY
    assert answer() is Compulsion.VOLUNTARY
    assert declined_label("yot", Compulsion.VOLUNTARY).startswith(
        "Voluntary, declined by the young person: no live charge or court order recorded"
    )
    assert declined_label("camhs", Compulsion.VOLUNTARY) == "Voluntary, declined by the young person"
    assert "engagement may be required" in declined_label("yot", Compulsion.MAY_BE_REQUIRED)
    assert "not known" in declined_label("yot", Compulsion.NOT_KNOWN)


def test_months_are_added_to_the_last_day_of_a_short_month() -> None:
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2023, 11, 15), 14) == date(2025, 1, 15)


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
        ReferralFact(date(2024, 1, 1), "mash", "accepted", date(2024, 1, 2)),  # a front door
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
