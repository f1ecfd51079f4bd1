"""When a child's record here is due for a retention review (known gap 10): the later of an age date
(N years after the 18th birthday) and an activity date (M years after the last activity), never while
a matter is still open, and on the activity date alone when the date of birth is not known."""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ccehub.rules.retention import (
    DEFAULT_POLICY,
    MAX_YEARS,
    MIN_YEARS,
    MSG_DOB_ESTIMATED,
    MSG_DOB_UNKNOWN,
    MSG_POLICY_YEARS,
    OpenMatter,
    RetentionPolicy,
    ordinal,
    retention_review,
    years_after,
)

DOB = date(2005, 5, 1)  # 18 on 2023-05-01, 25 on 2030-05-01


def test_the_default_policy_is_the_25th_birthday_and_six_years() -> None:
    """Seven years after the 18th birthday (the 25th birthday) and six years after the last activity."""
    assert (DEFAULT_POLICY.years_after_18, DEFAULT_POLICY.years_after_activity) == (7, 6)


@pytest.mark.parametrize(
    ("last_activity", "due_on", "decided_by"),
    [
        (date(2022, 1, 10), date(2030, 5, 1), "age"),  # 2028-01-10 by activity: the birthday is later
        (date(2024, 5, 1), date(2030, 5, 1), "both"),  # both fall on the same day
        (date(2024, 5, 2), date(2030, 5, 2), "activity"),
        (date(2027, 3, 1), date(2033, 3, 1), "activity"),  # activity after 18 (aged 21)
    ],
)
def test_due_on_is_the_later_of_the_two_dates(last_activity: date, due_on: date, decided_by: str) -> None:
    review = retention_review(date_of_birth=DOB, last_activity=last_activity, on=date(2026, 1, 1))
    assert review.due_on == due_on
    assert review.by_age_on == date(2030, 5, 1)
    assert review.by_activity_on == years_after(last_activity, 6)
    assert not review.due


def test_due_on_the_day_itself_and_not_the_day_before() -> None:
    before = retention_review(date_of_birth=DOB, last_activity=date(2020, 1, 1), on=date(2030, 4, 30))
    on_the_day = retention_review(date_of_birth=DOB, last_activity=date(2020, 1, 1), on=date(2030, 5, 1))
    assert not before.due and before.reasons == ("25th birthday not reached", "no activity for 6 years")
    assert on_the_day.due and on_the_day.reasons == ("25th birthday passed", "no activity for 6 years")


def test_recent_activity_holds_a_record_past_the_birthday() -> None:
    """Activity after 18 keeps the record: a 26-year-old with a decision recorded last year is not due."""
    review = retention_review(date_of_birth=DOB, last_activity=date(2030, 9, 1), on=date(2031, 6, 1))
    assert not review.due and review.due_on == date(2036, 9, 1)
    assert review.reasons == ("25th birthday passed", "activity within the last 6 years")


@pytest.mark.parametrize(
    ("dob", "by_age_on"),
    [
        (date(2004, 2, 29), date(2029, 3, 1)),  # 2029 is a common year: the anniversary is 1 March
        (date(2008, 2, 29), date(2033, 3, 1)),
        (date(2007, 2, 28), date(2032, 2, 28)),
        (date(2003, 2, 28), date(2028, 2, 28)),
    ],
)
def test_29_february_birthdays_fall_due_on_1_march_in_a_common_year(dob: date, by_age_on: date) -> None:
    """FLRA 1969 s9 (as in ccehub.rules.age): never a day early."""
    review = retention_review(date_of_birth=dob, last_activity=date(2010, 1, 1), on=date(2020, 1, 1))
    assert review.by_age_on == by_age_on


def test_a_29_february_birthday_in_a_leap_year_stays_on_29_february() -> None:
    policy = RetentionPolicy(years_after_18=6)  # the 24th birthday: 2004 + 24 = 2028, a leap year
    review = retention_review(
        date_of_birth=date(2004, 2, 29), last_activity=date(2010, 1, 1), on=date(2020, 1, 1), policy=policy
    )
    assert review.by_age_on == date(2028, 2, 29)


def test_activity_on_29_february_falls_due_on_1_march() -> None:
    assert years_after(date(2024, 2, 29), 6) == date(2030, 3, 1)
    assert years_after(date(2024, 2, 29), 4) == date(2028, 2, 29)


def test_an_unknown_date_of_birth_is_due_on_activity_alone_and_says_so() -> None:
    review = retention_review(date_of_birth=None, last_activity=date(2020, 6, 1), on=date(2026, 6, 1))
    assert review.due and review.due_on == date(2026, 6, 1) and review.by_age_on is None
    assert review.reasons == (MSG_DOB_UNKNOWN, "no activity for 6 years")
    assert MSG_DOB_UNKNOWN == "date of birth not known: activity rule alone"


def test_an_estimated_date_of_birth_is_used_and_noted() -> None:
    review = retention_review(
        date_of_birth=DOB, date_of_birth_estimated=True, last_activity=date(2020, 1, 1), on=date(2031, 1, 1)
    )
    assert review.due and review.reasons[-1] == MSG_DOB_ESTIMATED


@pytest.mark.parametrize("matter", list(OpenMatter))
def test_an_open_matter_is_never_due(matter: OpenMatter) -> None:
    """Long past both dates, one open matter keeps the record: the reason says which."""
    review = retention_review(
        date_of_birth=DOB, last_activity=date(2010, 1, 1), on=date(2090, 1, 1), open_matters={matter}
    )
    assert not review.due
    assert review.open_matters == (matter,)
    assert review.reasons[0] == str(matter)
    assert review.due_on == date(2030, 5, 1)  # the date is still worked out, for the list of held records


def test_open_matters_come_first_in_a_fixed_order() -> None:
    review = retention_review(
        date_of_birth=None,
        last_activity=date(2010, 1, 1),
        on=date(2090, 1, 1),
        open_matters=[OpenMatter.PANEL_CASE, OpenMatter.NRM_REFERRAL],
    )
    assert review.reasons == (
        "open NRM referral",
        "open panel case",
        MSG_DOB_UNKNOWN,
        "no activity for 6 years",
    )


def test_the_reasons_name_no_date() -> None:
    """The reasons go into review lists: a birthday's date would give away the date of birth."""
    review = retention_review(date_of_birth=DOB, last_activity=date(2020, 1, 1), on=date(2031, 1, 1))
    assert review.reasons == ("25th birthday passed", "no activity for 6 years")
    assert not any(re.search(r"[0-9]{4}", reason) for reason in review.reasons)


@pytest.mark.parametrize(
    ("years_after_18", "years_after_activity", "by_age_on", "reason"),
    [
        (1, 1, date(2024, 5, 1), "19th birthday passed"),
        (3, 2, date(2026, 5, 1), "21st birthday passed"),
        (4, 2, date(2027, 5, 1), "22nd birthday passed"),
        (5, 2, date(2028, 5, 1), "23rd birthday passed"),
        (93, 100, date(2116, 5, 1), "111th birthday not reached"),
    ],
)
def test_the_policy_sets_both_periods(
    years_after_18: int, years_after_activity: int, by_age_on: date, reason: str
) -> None:
    policy = RetentionPolicy(years_after_18=years_after_18, years_after_activity=years_after_activity)
    review = retention_review(
        date_of_birth=DOB, last_activity=date(2020, 1, 1), on=date(2030, 1, 1), policy=policy
    )
    assert review.by_age_on == by_age_on
    assert review.by_activity_on == date(2020 + years_after_activity, 1, 1)
    assert review.reasons[0] == reason
    plural = "" if years_after_activity == 1 else "s"
    assert review.reasons[1].endswith(f" {years_after_activity} year{plural}")


@pytest.mark.parametrize(
    "values",
    [{"years_after_18": 0}, {"years_after_activity": 101}, {"years_after_18": -7}, {"years_after_18": True}],
)
def test_a_policy_outside_1_to_100_years_is_refused(values: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="whole number of years from 1 to 100"):
        RetentionPolicy(**values)
    assert MSG_POLICY_YEARS.format(name="x", low=MIN_YEARS, high=MAX_YEARS, value=0).endswith("not 0")


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (1, "1st"),
        (2, "2nd"),
        (3, "3rd"),
        (4, "4th"),
        (11, "11th"),
        (12, "12th"),
        (13, "13th"),
        (21, "21st"),
        (22, "22nd"),
        (25, "25th"),
        (101, "101st"),
        (111, "111th"),
        (112, "112th"),
        (118, "118th"),
    ],
)
def test_ordinal(n: int, text: str) -> None:
    assert ordinal(n) == text


@given(
    dob=st.one_of(st.none(), st.dates(min_value=date(1950, 1, 1), max_value=date(2030, 12, 31))),
    last_activity=st.dates(min_value=date(1960, 1, 1), max_value=date(2050, 12, 31)),
    on=st.dates(min_value=date(1960, 1, 1), max_value=date(2150, 12, 31)),
    years_after_18=st.integers(min_value=MIN_YEARS, max_value=MAX_YEARS),
    years_after_activity=st.integers(min_value=MIN_YEARS, max_value=MAX_YEARS),
    matters=st.sets(st.sampled_from(list(OpenMatter))),
)
def test_properties(
    dob: date | None,
    last_activity: date,
    on: date,
    years_after_18: int,
    years_after_activity: int,
    matters: set[OpenMatter],
) -> None:
    """Never due while open or before either date; due from the later date on, and from then on."""
    policy = RetentionPolicy(years_after_18=years_after_18, years_after_activity=years_after_activity)
    review = retention_review(
        date_of_birth=dob, last_activity=last_activity, on=on, policy=policy, open_matters=matters
    )
    assert review.due_on >= review.by_activity_on > last_activity
    if review.by_age_on is not None:
        assert review.due_on >= review.by_age_on
    assert review.due_on in (review.by_age_on, review.by_activity_on)
    assert review.due == (not matters and on >= review.due_on)
    assert review.is_due_on(on) == review.due
    if review.due:
        assert review.is_due_on(date(2200, 1, 1))
