"""England and Wales working days (ccehub.rules.calendar), offline from govuk-bank-holidays."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ccehub.rules.calendar import (
    MSG_OUTSIDE_HOLIDAY_RANGE,
    OutsideHolidayRangeError,
    add_working_days,
    is_bank_holiday,
    is_working_day,
    next_working_day,
    supported_range,
    working_days_between,
)

D = date


@pytest.mark.parametrize(
    ("day", "why"),
    [
        (D(2020, 12, 28), "Boxing Day substitute (26 Dec 2020 was a Saturday)"),
        (D(2021, 12, 27), "Christmas Day substitute (25 Dec 2021 was a Saturday)"),
        (D(2021, 12, 28), "Boxing Day substitute (26 Dec 2021 was a Sunday)"),
        (D(2022, 1, 3), "New Year's Day substitute (1 Jan 2022 was a Saturday)"),
        (D(2022, 12, 27), "Christmas Day substitute (25 Dec 2022 was a Sunday)"),
        (D(2023, 1, 2), "New Year's Day substitute (1 Jan 2023 was a Sunday)"),
        (D(2024, 3, 29), "Good Friday 2024"),
        (D(2024, 4, 1), "Easter Monday 2024"),
        (D(2025, 4, 18), "Good Friday 2025"),
        (D(2024, 5, 6), "Early May bank holiday 2024"),
        (D(2020, 5, 8), "Early May bank holiday moved to Friday for VE Day 75"),
        (D(2022, 6, 2), "Spring bank holiday moved for the Platinum Jubilee"),
        (D(2022, 6, 3), "Platinum Jubilee bank holiday"),
        (D(2022, 9, 19), "State Funeral of Queen Elizabeth II"),
        (D(2023, 5, 8), "Coronation of King Charles III"),
        (D(2024, 8, 26), "Summer bank holiday (England and Wales: last Monday in August)"),
        (D(2028, 12, 26), "Boxing Day, last year of the cached list"),
    ],
)
def test_bank_holidays_are_not_working_days(day: date, why: str) -> None:
    """Substitute days and one-off holidays from the offline GOV.UK list are not working days."""
    assert is_bank_holiday(day), why
    assert not is_working_day(day), why


@pytest.mark.parametrize(
    ("day", "why"),
    [
        (D(2024, 1, 2), "2 January: a Scottish holiday only"),
        (D(2023, 11, 30), "St Andrew's Day: Scotland only"),
        (D(2024, 3, 18), "St Patrick's Day substitute: Northern Ireland only"),
        (D(2024, 7, 12), "Battle of the Boyne: Northern Ireland only"),
        (D(2024, 8, 5), "First Monday in August: Scotland's summer holiday only"),
        (D(2022, 5, 30), "last Monday in May 2022 was not a holiday (moved to 2 June)"),
        (D(2020, 5, 4), "first Monday in May 2020 was not a holiday (moved to 8 May)"),
        (D(2024, 1, 8), "an ordinary Monday"),
    ],
)
def test_other_divisions_holidays_are_working_days(day: date, why: str) -> None:
    """Only England and Wales holidays count; other divisions' holidays are working days here."""
    assert not is_bank_holiday(day), why
    assert is_working_day(day), why


def test_weekends_are_not_working_days() -> None:
    """Saturdays and Sundays are never working days."""
    assert not is_working_day(D(2024, 1, 13))
    assert not is_working_day(D(2024, 1, 14))


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (D(2024, 1, 8), 0, D(2024, 1, 8)),  # zero days: the start itself
        (D(2024, 1, 13), 0, D(2024, 1, 13)),  # ... even when not a working day
        (D(2024, 1, 8), 1, D(2024, 1, 9)),  # the start day never counts
        (D(2024, 1, 12), 1, D(2024, 1, 15)),  # Friday -> Monday
        (D(2024, 1, 13), 1, D(2024, 1, 15)),  # Saturday -> Monday
        (D(2024, 1, 8), 5, D(2024, 1, 15)),
        (D(2024, 1, 12), 5, D(2024, 1, 19)),
        (D(2020, 12, 24), 5, D(2021, 1, 5)),  # Christmas, Boxing Day substitute, New Year
        (D(2022, 9, 16), 5, D(2022, 9, 26)),  # the Queen's funeral
        (D(2023, 4, 28), 5, D(2023, 5, 9)),  # early May and the coronation
        (D(2024, 1, 1), 20, D(2024, 1, 29)),
    ],
)
def test_add_working_days(start: date, days: int, expected: date) -> None:
    """Counting starts at the next working day after ``start``; weekends and holidays are skipped."""
    assert add_working_days(start, days) == expected
    if days:
        assert working_days_between(start, expected) == days


def test_add_working_days_refuses_negative_counts() -> None:
    """Counting backwards is not a clock this module offers."""
    with pytest.raises(ValueError, match="negative"):
        add_working_days(D(2024, 1, 8), -1)


def test_next_working_day_skips_a_run_of_holidays() -> None:
    """From Christmas Eve 2021 the next working day is Wednesday 29 December."""
    assert next_working_day(D(2021, 12, 24)) == D(2021, 12, 29)


def test_supported_range_is_whole_years_of_the_cached_list() -> None:
    """The offline list in govuk-bank-holidays 0.19 covers 2012 to 2028."""
    assert supported_range() == (D(2012, 1, 1), D(2028, 12, 31))


@pytest.mark.parametrize("day", [D(2011, 12, 30), D(2029, 1, 2), D(2029, 1, 6), D(1999, 6, 1)])
def test_outside_the_cached_years_the_calendar_refuses(day: date) -> None:
    """A day outside the cached years raises (even a weekend) rather than passing for a working day."""
    with pytest.raises(OutsideHolidayRangeError) as info:
        is_working_day(day)
    assert MSG_OUTSIDE_HOLIDAY_RANGE in str(info.value)
    assert info.value.day == day
    with pytest.raises(OutsideHolidayRangeError):
        is_bank_holiday(day)


def test_counting_past_the_end_of_the_list_refuses() -> None:
    """A count that runs into 2029 raises instead of guessing 2029's holidays."""
    assert add_working_days(D(2028, 12, 20), 5) == D(2028, 12, 29)
    with pytest.raises(OutsideHolidayRangeError) as info:
        add_working_days(D(2028, 12, 28), 5)
    assert info.value.day == D(2029, 1, 1)


_in_range = st.dates(min_value=D(2012, 1, 1), max_value=D(2028, 11, 30))


@given(start=_in_range, days=st.integers(min_value=1, max_value=20))
def test_add_working_days_lands_on_a_working_day_after_start(start: date, days: int) -> None:
    """The result is a working day, strictly later, with exactly ``days`` working days in between."""
    end = add_working_days(start, days)
    assert end > start
    assert is_working_day(end)
    assert working_days_between(start, end) == days
    # It is the first such day: one day earlier has one working day fewer.
    assert working_days_between(start, end - timedelta(days=1)) == days - 1


def test_division_is_the_packages_england_and_wales() -> None:
    """DIVISION is spelt out so that importing the rules does not import the package; it must still
    name the package's own division."""
    from govuk_bank_holidays.bank_holidays import BankHolidays

    from ccehub.rules.calendar import DIVISION

    assert DIVISION == BankHolidays.ENGLAND_AND_WALES
