"""Age on a date, the 18th birthday and the 100-day lines (R-24, FLRA 1969 s9, pilot eligibility)."""

from __future__ import annotations

from datetime import date

import pytest

from ccehub.rules.age import (
    MSG_DATE_BEFORE_BIRTH,
    AgeBand,
    age_on,
    anniversary,
    assess_age,
    days_until_18,
    eighteenth_birthday,
    panel_eligibility_last_date,
    presumption_cutoff,
)
from ccehub.rules.policy import CURRENT, PROFILES, REPORT_2022, PolicyProfile

BOTH_PROFILES = pytest.mark.parametrize("profile", list(PROFILES.values()), ids=list(PROFILES))


@pytest.mark.parametrize(
    ("dob", "expected"),
    [
        (date(2005, 1, 1), date(2023, 1, 1)),
        (date(2004, 9, 30), date(2022, 9, 30)),
        (date(2004, 2, 29), date(2022, 3, 1)),  # 2022 is a common year
        (date(2000, 2, 29), date(2018, 3, 1)),
        (date(2004, 2, 28), date(2022, 2, 28)),
        (date(2004, 3, 1), date(2022, 3, 1)),
    ],
)
def test_eighteenth_birthday(dob: date, expected: date) -> None:
    """The 18th birthday is the anniversary; a 29 February birthday reaches 18 on 1 March."""
    assert eighteenth_birthday(dob) == expected


def test_leap_day_anniversary_in_a_leap_year_is_29_february() -> None:
    """A 29 February child has a 29 February anniversary in leap years (16th birthday in 2020)."""
    assert anniversary(date(2004, 2, 29), 16) == date(2020, 2, 29)
    assert anniversary(date(2004, 2, 29), 17) == date(2021, 3, 1)


@pytest.mark.parametrize(
    ("dob", "on", "expected"),
    [
        (date(2005, 1, 1), date(2022, 12, 31), 17),  # the day before the 18th birthday
        (date(2005, 1, 1), date(2023, 1, 1), 18),  # the 18th birthday itself
        (date(2005, 1, 1), date(2005, 1, 1), 0),
        (date(2004, 2, 29), date(2022, 2, 28), 17),  # common year: not yet 18 on 28 February
        (date(2004, 2, 29), date(2022, 3, 1), 18),  # ... 18 on 1 March
        (date(2004, 2, 29), date(2020, 2, 28), 15),  # leap year: 16 on 29 February
        (date(2004, 2, 29), date(2020, 2, 29), 16),
        (date(2004, 2, 29), date(2021, 2, 28), 16),
        (date(2004, 2, 29), date(2021, 3, 1), 17),
        (date(1990, 6, 15), date(2015, 6, 14), 24),
        (date(1990, 6, 15), date(2015, 6, 15), 25),
    ],
)
def test_age_on_counts_completed_years(dob: date, on: date, expected: int) -> None:
    """Age is completed years, including the 29 February rule in common and leap years."""
    assert age_on(dob, on) == expected


def test_age_before_birth_is_an_error() -> None:
    """Asking for an age before the date of birth raises with the published message."""
    with pytest.raises(ValueError, match=MSG_DATE_BEFORE_BIRTH):
        age_on(date(2005, 1, 1), date(2004, 12, 31))


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (date(2022, 9, 22), 101),
        (date(2022, 9, 23), 100),
        (date(2022, 9, 24), 99),
        (date(2022, 12, 31), 1),
        (date(2023, 1, 1), None),  # 18 today
        (date(2030, 1, 1), None),
    ],
)
def test_days_until_18(on: date, expected: int | None) -> None:
    """Days to the 18th birthday count down to 1 and are None from the birthday on."""
    assert days_until_18(date(2005, 1, 1), on) == expected


@BOTH_PROFILES
@pytest.mark.parametrize(
    ("dob", "cutoff"),
    [
        (date(2005, 1, 1), date(2022, 9, 23)),  # DOMAIN R-24 test value
        (date(2004, 9, 30), date(2022, 6, 22)),  # DOMAIN R-24 test value
        (date(2004, 2, 29), date(2021, 11, 21)),  # 18 on 2022-03-01, minus 100 days
    ],
)
def test_presumption_cutoff(dob: date, cutoff: date, profile: PolicyProfile) -> None:
    """The presumption cut-off is the 18th birthday minus 100 days under both profiles."""
    assert presumption_cutoff(dob, profile) == cutoff


@BOTH_PROFILES
def test_panel_line_is_one_day_before_the_presumption_line(profile: PolicyProfile) -> None:
    """Panel eligibility needs more than 100 days, so its last date is a day before the cut-off."""
    assert panel_eligibility_last_date(date(2005, 1, 1), profile) == date(2022, 9, 22)


@BOTH_PROFILES
@pytest.mark.parametrize(
    ("dob", "estimate", "on", "band", "age_years"),
    [
        (date(2005, 1, 1), None, date(2022, 12, 31), AgeBand.CHILD, 17),
        (date(2005, 1, 1), None, date(2023, 1, 1), AgeBand.YOUNG_ADULT, 18),
        (date(2000, 1, 1), None, date(2024, 12, 31), AgeBand.YOUNG_ADULT, 24),
        (date(2000, 1, 1), None, date(2025, 1, 1), AgeBand.ADULT, 25),
        (date(2005, 1, 1), 30, date(2022, 1, 1), AgeBand.CHILD, 17),  # estimate ignored with a DOB
        (None, None, date(2022, 1, 1), AgeBand.UNKNOWN_TREAT_AS_CHILD, None),
        (None, 15, date(2022, 1, 1), AgeBand.UNKNOWN_TREAT_AS_CHILD, None),
        (None, 17, date(2022, 1, 1), AgeBand.UNKNOWN_TREAT_AS_CHILD, None),
        (None, 18, date(2022, 1, 1), AgeBand.YOUNG_ADULT, None),
        (None, 24, date(2022, 1, 1), AgeBand.YOUNG_ADULT, None),
        (None, 25, date(2022, 1, 1), AgeBand.ADULT, None),
    ],
)
def test_assess_age_bands(
    dob: date | None,
    estimate: int | None,
    on: date,
    band: AgeBand,
    age_years: int | None,
    profile: PolicyProfile,
) -> None:
    """Bands: under 18 child, 18-24 young adult, 25+ adult; no DOB is a child unless estimated 18+."""
    result = assess_age(date_of_birth=dob, estimated_age=estimate, on=on, profile=profile)
    assert result.band is band
    assert result.age_years == age_years
    assert result.treat_as_child is (band in (AgeBand.CHILD, AgeBand.UNKNOWN_TREAT_AS_CHILD))


def test_no_date_of_birth_gives_no_countdown() -> None:
    """Without a date of birth there is no age in years and no countdown, even with an estimate."""
    result = assess_age(date_of_birth=None, estimated_age=16, on=date(2022, 1, 1), profile=CURRENT)
    assert (result.age_years, result.days_until_18, result.eighteenth_birthday) == (None, None, None)
    assert result.estimated_age == 16


def test_profiles_agree_on_the_age_figures() -> None:
    """Both shipped profiles use 100 days for both lines and 25 for the young-adult band (R-24, N-12)."""
    for profile in (REPORT_2022, CURRENT):
        assert profile.presumption_days_before_18 == 100
        assert profile.panel_eligibility_days_before_18 == 100
        assert profile.young_adult_upper_age_exclusive == 25
