"""Missing episodes, pure: days missing, the R-30 crisis threshold, and what a record may say."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ccehub.rules.missing import (
    MSG_ALREADY_FOUND,
    MSG_FOUND_BEFORE_START,
    MSG_FOUND_FUTURE,
    MSG_REPORTED_BEFORE_START,
    MSG_REPORTED_FUTURE,
    MSG_START_FUTURE,
    EpisodeFacts,
    episode_days,
    episode_problems,
    is_crisis,
)

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("started", "ended", "approximate", "days"),
    [
        (NOW - timedelta(days=3), NOW - timedelta(days=1), None, 2),
        (NOW - timedelta(days=3, hours=23), NOW, None, 3),  # whole days: 3 days 23 hours is 3
        (NOW - timedelta(days=15), None, None, 15),  # still missing: counts to now
        (NOW - timedelta(hours=5), None, None, 0),
        (None, None, 56, 56),  # Ethan: "almost two months", a duration only
        (None, None, None, None),
        (NOW - timedelta(days=2), None, 40, 2),  # a known start wins over an approximate duration
    ],
)
def test_days_missing(started, ended, approximate, days):
    assert episode_days(started, ended, now=NOW, approximate_days=approximate) == days


@pytest.mark.parametrize(
    ("days", "threshold", "crisis"),
    [(13, 14, False), (14, 14, True), (60, 14, True), (7, 7, True), (6, 7, False), (None, 14, False)],
)
def test_crisis_at_the_threshold_and_after(days, threshold, crisis):
    """R-30: "weeks rather than days" — at the threshold itself it is a crisis."""
    assert is_crisis(days, threshold_days=threshold) is crisis


@given(hours=st.integers(min_value=0, max_value=24 * 400), threshold=st.integers(min_value=1, max_value=60))
def test_an_open_episode_becomes_a_crisis_exactly_when_its_days_reach_the_threshold(hours, threshold):
    started = NOW - timedelta(hours=hours)
    days = episode_days(started, None, now=NOW)
    assert days == hours // 24
    assert is_crisis(days, threshold_days=threshold) is (hours >= 24 * threshold)


@pytest.mark.parametrize(
    ("facts", "problems"),
    [
        (EpisodeFacts(NOW - timedelta(days=1)), {}),
        (EpisodeFacts(None), {}),
        (EpisodeFacts(NOW + timedelta(minutes=1)), {"started_at": MSG_START_FUTURE}),
        (EpisodeFacts(NOW - timedelta(days=2), ended_at=NOW - timedelta(days=1)), {}),
        (EpisodeFacts(NOW - timedelta(days=2), ended_at=NOW - timedelta(days=2)), {}),
        (
            EpisodeFacts(NOW - timedelta(days=2), ended_at=NOW - timedelta(days=3)),
            {"ended_at": MSG_FOUND_BEFORE_START},
        ),
        (
            EpisodeFacts(NOW - timedelta(days=2), ended_at=NOW + timedelta(hours=1)),
            {"ended_at": MSG_FOUND_FUTURE},
        ),
        (
            EpisodeFacts(NOW - timedelta(days=2), ended_at=NOW, already_found=True),
            {"ended_at": MSG_ALREADY_FOUND},
        ),
        (EpisodeFacts(None, ended_at=NOW - timedelta(days=1)), {}),
        (
            EpisodeFacts(NOW - timedelta(days=2), reported_at=NOW - timedelta(days=3)),
            {"reported_to_police_at": MSG_REPORTED_BEFORE_START},
        ),
        (
            EpisodeFacts(NOW - timedelta(days=2), reported_at=NOW + timedelta(days=1)),
            {"reported_to_police_at": MSG_REPORTED_FUTURE},
        ),
        (
            EpisodeFacts(
                NOW + timedelta(days=1), ended_at=NOW + timedelta(days=2), reported_at=NOW + timedelta(days=1)
            ),
            {
                "started_at": MSG_START_FUTURE,
                "ended_at": MSG_FOUND_FUTURE,
                "reported_to_police_at": MSG_REPORTED_FUTURE,
            },
        ),
    ],
)
def test_episode_problems(facts, problems):
    assert episode_problems(facts, now=NOW) == problems


def test_nobody_goes_missing_before_they_are_born():
    from datetime import date

    from ccehub.rules.missing import MSG_START_BEFORE_BIRTH

    born = date(2012, 6, 1)
    before = EpisodeFacts(datetime(2012, 5, 31, 23, 0, tzinfo=UTC), date_of_birth=born)
    assert episode_problems(before, now=NOW) == {
        "started_at": MSG_START_BEFORE_BIRTH.format(dob="1 June 2012")
    }
    on_the_day = EpisodeFacts(datetime(2012, 6, 1, 0, 30, tzinfo=UTC), date_of_birth=born)
    assert episode_problems(on_the_day, now=NOW) == {}
