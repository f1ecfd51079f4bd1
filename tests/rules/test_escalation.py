"""The support-escalation guard (F-22, R-50, J-11): trigger events bring a plan's review forward."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ccehub.rules.escalation import (
    MSG_NEXT_REVIEW_NOT_AFTER,
    MSG_REVIEW_BEFORE_AGREED,
    MSG_REVIEW_FUTURE,
    MSG_REVIEW_NOTE,
    MSG_RISK_NOT_GIVEN,
    TRIGGER_LABELS,
    TRIGGER_REVIEW_DAYS,
    TriggerEvent,
    review_after_trigger,
    review_problems,
    trigger_cleared,
    trigger_text,
)

AGREED = date(2026, 3, 2)
REVIEW = date(2026, 6, 1)


def test_a_trigger_brings_a_distant_review_forward():
    """Tom-like: convicted on 4 April; the plan's June review becomes 11 April."""
    assert review_after_trigger(review_on=REVIEW, agreed_on=AGREED, event_on=date(2026, 4, 4)) == date(
        2026, 4, 11
    )


def test_a_trigger_never_pushes_a_review_back():
    assert review_after_trigger(review_on=REVIEW, agreed_on=AGREED, event_on=date(2026, 5, 30)) is None
    assert (
        review_after_trigger(review_on=REVIEW, agreed_on=AGREED, event_on=REVIEW - timedelta(days=7)) is None
    )


def test_an_event_before_the_plan_does_not_trigger():
    assert (
        review_after_trigger(review_on=REVIEW, agreed_on=AGREED, event_on=AGREED - timedelta(days=1)) is None
    )
    assert review_after_trigger(review_on=REVIEW, agreed_on=AGREED, event_on=AGREED) == AGREED + timedelta(
        days=7
    )


def test_a_late_recorded_event_makes_the_review_overdue_not_lost():
    """Recorded weeks after it happened: the due date is already past, so the review shows overdue."""
    assert review_after_trigger(review_on=REVIEW, agreed_on=AGREED, event_on=date(2026, 3, 10)) == date(
        2026, 3, 17
    )


@given(
    st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 1, 1)),
    st.integers(min_value=0, max_value=400),
    st.integers(min_value=-50, max_value=500),
)
def test_trigger_property(agreed, review_after, event_after):
    """The new date is never later than the old one, never more than N days after the event."""
    review_on = agreed + timedelta(days=review_after)
    event_on = agreed + timedelta(days=event_after)
    new = review_after_trigger(review_on=review_on, agreed_on=agreed, event_on=event_on)
    if new is None:
        assert event_on < agreed or review_on <= event_on + timedelta(days=TRIGGER_REVIEW_DAYS)
    else:
        assert new < review_on and new == event_on + timedelta(days=TRIGGER_REVIEW_DAYS)


def test_every_event_has_a_label():
    assert set(TRIGGER_LABELS) == set(TriggerEvent)
    assert trigger_text(TriggerEvent.CONVICTION, date(2026, 4, 4)) == "A conviction on 4 April 2026 (R-50)"


def review(**overrides):
    values = {
        "reviewed_on": date(2026, 4, 10),
        "agreed_on": AGREED,
        "next_review_on": date(2026, 5, 10),
        "risk": "high",
        "note": "Re-arrested in Kent; intensive support restarted",
        "today": date(2026, 4, 20),
    }
    return review_problems(**(values | overrides))


def test_a_complete_review_is_accepted():
    assert review() == {}


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"reviewed_on": date(2026, 4, 21)}, "reviewed_on", MSG_REVIEW_FUTURE),
        (
            {"reviewed_on": date(2026, 3, 1)},
            "reviewed_on",
            MSG_REVIEW_BEFORE_AGREED.format(agreed_on="2 March 2026"),
        ),
        ({"next_review_on": date(2026, 4, 10)}, "next_review_on", MSG_NEXT_REVIEW_NOT_AFTER),
        ({"risk": "not_assessed"}, "risk_level", MSG_RISK_NOT_GIVEN),
        ({"risk": ""}, "risk_level", MSG_RISK_NOT_GIVEN),
        ({"note": "  "}, "note", MSG_REVIEW_NOTE),
    ],
)
def test_review_refusals(overrides, field, message):
    assert review(**overrides) == {field: message}


def test_an_event_the_last_review_already_knew_does_not_trigger():
    """A charge dated 10 days ago, recorded after a review held 2 days ago: that review took it in."""
    assert (
        review_after_trigger(
            review_on=REVIEW, agreed_on=AGREED, event_on=date(2026, 4, 1), last_reviewed_on=date(2026, 4, 9)
        )
        is None
    )
    assert review_after_trigger(
        review_on=REVIEW, agreed_on=AGREED, event_on=date(2026, 4, 10), last_reviewed_on=date(2026, 4, 9)
    ) == date(2026, 4, 17)


def test_a_review_dated_before_the_trigger_does_not_answer_it():
    assert trigger_cleared(reviewed_on=date(2026, 4, 1), trigger_on=date(2026, 4, 4)) is False
    assert trigger_cleared(reviewed_on=date(2026, 4, 4), trigger_on=date(2026, 4, 4)) is True
    assert trigger_cleared(reviewed_on=date(2026, 4, 1), trigger_on=None) is True


def test_reviews_are_in_order():
    assert review(last_reviewed_on=date(2026, 4, 12)) == {
        "reviewed_on": "The review cannot be dated before the plan's last review (12 April 2026)"
    }
    assert review(last_reviewed_on=date(2026, 4, 10)) == {}
