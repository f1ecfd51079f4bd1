"""R-35 police protection (72 hours, warned from 12 hours before, no end beyond it) and F-32, the
police-LA placement dispute and its reassessment: the pure rules."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ccehub.rules.police_protection import (
    MSG_ADULT,
    MSG_ALREADY_ENDED,
    MSG_ALREADY_REASSESSED,
    MSG_BEFORE_BIRTH,
    MSG_DISPUTE_PLAN,
    MSG_DISPUTE_REASON,
    MSG_END_FUTURE,
    MSG_GROUNDS,
    MSG_NOT_DISPUTED,
    MSG_REASSESSMENT_NOTES,
    MSG_RELEASED_TO,
    MSG_START_FUTURE,
    WARN_BEFORE_HOURS,
    Episode,
    ProtectionState,
    StartFacts,
    check_end,
    check_reassessment,
    check_start,
    hours_left,
    limit_at,
    protection_state,
    reassessment_due_at,
)

T0 = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)
NOW = T0 + timedelta(hours=1)


def _start(**kw):
    return StartFacts(**({"started_at": T0, "grounds": "Found in a trap house with a knife"} | kw))


def test_the_limit_is_72_hours_and_the_warning_starts_12_hours_before_it():
    assert limit_at(T0, 72) == T0 + timedelta(hours=72)
    state = lambda hours: protection_state(T0, None, now=T0 + timedelta(hours=hours), max_hours=72)  # noqa: E731
    assert state(0) is ProtectionState.IN_PROTECTION
    assert state(59.99) is ProtectionState.IN_PROTECTION
    assert state(60) is ProtectionState.ENDING_SOON  # exactly 12 hours left
    assert state(71.99) is ProtectionState.ENDING_SOON
    assert state(72) is ProtectionState.PAST_LIMIT
    assert protection_state(T0, T0 + timedelta(hours=80), now=T0, max_hours=72) is ProtectionState.ENDED
    assert WARN_BEFORE_HOURS == 12


def test_hours_left_never_promises_more_than_there_is():
    assert hours_left(T0, now=T0, max_hours=72) == 72
    assert hours_left(T0, now=T0 + timedelta(minutes=1), max_hours=72) == 71
    assert hours_left(T0, now=T0 + timedelta(hours=100), max_hours=72) == 0


@given(st.integers(min_value=0, max_value=200 * 60), st.integers(min_value=1, max_value=240))
def test_the_state_follows_the_time_left(minutes, max_hours):
    now = T0 + timedelta(minutes=minutes)
    state = protection_state(T0, None, now=now, max_hours=max_hours)
    left = limit_at(T0, max_hours) - now
    if left <= timedelta(0):
        assert state is ProtectionState.PAST_LIMIT and hours_left(T0, now=now, max_hours=max_hours) == 0
    elif left <= timedelta(hours=WARN_BEFORE_HOURS):
        assert state is ProtectionState.ENDING_SOON
    else:
        assert state is ProtectionState.IN_PROTECTION
    assert hours_left(T0, now=now, max_hours=max_hours) * 3600 <= max(0, left.total_seconds())


def test_a_start_needs_grounds_and_a_time_not_in_the_future():
    assert check_start(_start(), now=NOW) == {}
    assert check_start(_start(grounds="  "), now=NOW) == {"grounds": MSG_GROUNDS}
    assert check_start(_start(started_at=NOW + timedelta(minutes=1)), now=NOW) == {
        "started_at": MSG_START_FUTURE
    }


def test_police_protection_is_for_children_and_an_unknown_age_is_treated_as_a_child():
    dob = date(2008, 3, 2)  # 18 on 2 March 2026, the day it began
    assert check_start(_start(date_of_birth=dob), now=NOW) == {"started_at": MSG_ADULT}
    assert check_start(_start(date_of_birth=dob), now=NOW, local_day=date(2026, 3, 1)) == {}
    assert check_start(_start(date_of_birth=None), now=NOW) == {}
    leap = date(2008, 2, 29)  # 18 on 1 March 2026 (a common year)
    assert check_start(_start(date_of_birth=leap), now=NOW, local_day=date(2026, 2, 28)) == {}
    assert check_start(_start(date_of_birth=leap), now=NOW, local_day=date(2026, 3, 1)) == {
        "started_at": MSG_ADULT
    }


def test_protection_cannot_begin_before_the_child_was_born():
    born = date(2026, 3, 3)
    assert check_start(_start(date_of_birth=born), now=NOW, local_day=date(2026, 3, 2)) == {
        "started_at": MSG_BEFORE_BIRTH
    }


LONDON = ZoneInfo("Europe/London")


@pytest.mark.parametrize(
    ("began", "limit_on_the_clock"),
    [
        # the clocks go back at 02:00 on Sunday 25 October 2026: 72 real hours end an hour earlier
        (datetime(2026, 10, 23, 12, 0, tzinfo=LONDON), datetime(2026, 10, 26, 11, 0)),
        # and go forward at 01:00 on Sunday 29 March 2026: an hour later on the clock
        (datetime(2026, 3, 27, 12, 0, tzinfo=LONDON), datetime(2026, 3, 30, 13, 0)),
    ],
)
def test_72_hours_are_real_hours_in_the_weeks_the_clocks_change(began, limit_on_the_clock):
    limit = limit_at(began, 72)
    assert limit.replace(tzinfo=None) == limit_on_the_clock
    assert (limit.astimezone(UTC) - began.astimezone(UTC)) == timedelta(hours=72)
    after = began + timedelta(days=10)
    ok = check_end(began, limit, already_ended=False, released_to="home", now=after, max_hours=72)
    assert ok == {}
    over = check_end(
        began, limit + timedelta(minutes=1), already_ended=False, released_to="home", now=after, max_hours=72
    )
    assert "at most 72 hours" in over["ended_at"]
    assert f"{limit_on_the_clock:%H:%M}" in over["ended_at"]  # the message quotes the local clock
    just_before = (limit.astimezone(UTC) - timedelta(minutes=1)).astimezone(LONDON)
    assert protection_state(began, None, now=just_before, max_hours=72) is ProtectionState.ENDING_SOON
    assert hours_left(began, now=just_before, max_hours=72) == 0
    assert protection_state(began, None, now=limit, max_hours=72) is ProtectionState.PAST_LIMIT


def test_one_episode_at_a_time():
    open_one = Episode(started_at=T0 - timedelta(hours=5), ended_at=None)
    assert "already in police protection" in check_start(_start(others=(open_one,)), now=NOW)["started_at"]
    ended = Episode(started_at=T0 - timedelta(hours=5), ended_at=T0 + timedelta(minutes=30))
    assert "overlaps" in check_start(_start(others=(ended,)), now=NOW)["started_at"]
    later = Episode(started_at=T0 + timedelta(minutes=10), ended_at=T0 + timedelta(minutes=40))
    assert (
        "overlaps" in check_start(_start(others=(later,)), now=NOW)["started_at"]
    )  # it would run through it
    earlier = Episode(started_at=T0 - timedelta(days=9), ended_at=T0 - timedelta(days=8))
    assert check_start(_start(others=(earlier,)), now=NOW) == {}
    back_to_back = Episode(started_at=T0 - timedelta(hours=72), ended_at=T0)
    assert check_start(_start(others=(back_to_back,)), now=NOW) == {}


def test_a_dispute_names_the_plan_and_why():
    assert check_start(_start(disputes_plan=True), now=NOW) == {
        "disputed_plan": MSG_DISPUTE_PLAN,
        "dispute_reason": MSG_DISPUTE_REASON,
    }
    assert (
        check_start(
            _start(
                disputes_plan=True, disputed_plan="Placement with his father", dispute_reason="Deals Class A"
            ),
            now=NOW,
        )
        == {}
    )
    # the words alone, without saying it is a dispute, are not checked (the service drops them)
    assert check_start(_start(disputed_plan="x"), now=NOW) == {}


def _end(ended_at, **kw):
    return check_end(
        T0,
        ended_at,
        **(
            {"already_ended": False, "released_to": "home", "now": T0 + timedelta(hours=100), "max_hours": 72}
            | kw
        ),
    )


def test_an_end_is_between_the_start_and_the_limit_and_says_where_the_child_went():
    assert _end(T0) == {}
    assert _end(T0 + timedelta(hours=72)) == {}  # exactly at the limit
    beyond = _end(T0 + timedelta(hours=72, minutes=1))["ended_at"]
    assert "at most 72 hours (R-35)" in beyond and "5 March 2026 at 16:00" in beyond
    assert "cannot end before it began" in _end(T0 - timedelta(minutes=1))["ended_at"]
    assert _end(T0 + timedelta(hours=2), now=T0 + timedelta(hours=1)) == {"ended_at": MSG_END_FUTURE}
    assert _end(T0 + timedelta(hours=2), released_to="") == {"released_to": MSG_RELEASED_TO}
    assert _end(T0 + timedelta(hours=2), already_ended=True) == {"ended_at": MSG_ALREADY_ENDED}


def test_the_reassessment_is_due_by_the_limit_however_early_protection_ended():
    assert reassessment_due_at(T0, 72) == T0 + timedelta(hours=72)


def _reassess(**kw):
    values = {
        "disputed": True,
        "already_reassessed": False,
        "outcome": "plan_changed",
        "notes": "A residential placement instead",
        "on": date(2026, 3, 3),
        "protection_began_on": date(2026, 3, 2),
        "today": date(2026, 3, 10),
    } | kw
    return check_reassessment(**values)


def test_a_reassessment_is_for_a_disputed_plan_once_with_an_outcome_and_reasons():
    assert _reassess() == {}
    assert _reassess(disputed=False) == {"outcome": MSG_NOT_DISPUTED}
    assert _reassess(already_reassessed=True) == {"outcome": MSG_ALREADY_REASSESSED}
    assert "outcome" in _reassess(outcome="maybe")
    assert _reassess(notes=" ") == {"notes": MSG_REASSESSMENT_NOTES}
    assert "future" in _reassess(on=date(2026, 3, 11))["on"]
    assert "before police protection began" in _reassess(on=date(2026, 3, 1))["on"]
    assert _reassess(on=date(2026, 3, 2)) == {}  # the same day
