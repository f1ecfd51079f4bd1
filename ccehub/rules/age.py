"""Age on a date, the 18th birthday and the two 100-day lines (R-24; pilot eligibility).

Pure functions of dates: nothing here reads the clock.

*Age* is completed years. In England and Wales a person attains an age "at the commencement of the
relevant anniversary of the date of his birth" (Family Law Reform Act 1969, s9(1)). Someone born on
29 February has no anniversary in a common year; the anniversary is taken to commence when 28 February
ends, so they reach 18 on **1 March** in a common year and on 29 February in a leap year. This is the
reading the issue prescribes (DOMAIN Q-09 asks for a legal rule). It is also the later of the two
candidate dates, so a leap-day child is never treated as an adult a day early.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Final

from ccehub.rules.policy import PolicyProfile

#: Age of majority (Family Law Reform Act 1969 s1); a "child" is under 18 (Children Act 1989 s105,
#
ADULT_AGE: Final = 18

#: Age of criminal responsibility in England and Wales: "It shall be conclusively presumed that no
#: child under the age of ten years can be guilty of any offence" (Children and Young Persons Act
#: 1933 s50, as amended). Below it there is no offence, so no charge, bail or CPS decision.
CRIMINAL_RESPONSIBILITY_AGE: Final = 10

#: Error text when an age is asked for on a date before the date of birth.
MSG_DATE_BEFORE_BIRTH: Final = "the date is before the date of birth"


def anniversary(date_of_birth: date, years: int) -> date:
    """The date on which someone born on ``date_of_birth`` attains ``years`` years of age.

    Source: Family Law Reform Act 1969 s9: a 29 February birthday falls on 1 March in a common year.
    """
    target_year = date_of_birth.year + years
    try:
        return date_of_birth.replace(year=target_year)
    except ValueError:
        # Only 29 February can fail: the anniversary commences when 28 February ends.
        return date(target_year, 3, 1)


def eighteenth_birthday(date_of_birth: date) -> date:
    """The 18th birthday (R-24; FLRA 1969 s9 for 29 February births)."""
    return anniversary(date_of_birth, ADULT_AGE)


def age_on(date_of_birth: date, on: date) -> int:
    """Completed years of age on ``on`` (FLRA 1969 s9).

    Raises:
        ValueError: ``on`` is before ``date_of_birth`` (:data:`MSG_DATE_BEFORE_BIRTH`).
    """
    if on < date_of_birth:
        raise ValueError(MSG_DATE_BEFORE_BIRTH)
    years = on.year - date_of_birth.year
    if anniversary(date_of_birth, years) > on:
        years -= 1
    return years


def days_until_18(date_of_birth: date, on: date) -> int | None:
    """Days from ``on`` to the 18th birthday; ``None`` once 18 (on or after the birthday).

    Source: R-24 / F-24 (countdown to the 18th birthday and the 100-day cut-off).
    """
    remaining = (eighteenth_birthday(date_of_birth) - on).days
    return remaining if remaining > 0 else None


def presumption_cutoff(date_of_birth: date, profile: PolicyProfile) -> date:
    """Last date on which a child is ``profile.presumption_days_before_18`` days or more short of 18.

    Source: R-24 ("100 days shy of their 18th birthday or younger": exactly 100 days counts).
    Policy field: ``presumption_days_before_18``. DOMAIN test values: 2005-01-01 -> 2022-09-23;
    2004-09-30 -> 2022-06-22.
    """
    return eighteenth_birthday(date_of_birth) - timedelta(days=profile.presumption_days_before_18)


def panel_eligibility_last_date(date_of_birth: date, profile: PolicyProfile) -> date:
    """Last date on which a child is *more than* ``panel_eligibility_days_before_18`` days short of 18.

    Source: devolved decision-making pilot (DOMAIN "Since the report"): children "more than 100 days"
    from their 18th birthday. One day earlier than :func:`presumption_cutoff` with the same figure.
    Policy field: ``panel_eligibility_days_before_18``.
    """
    return eighteenth_birthday(date_of_birth) - timedelta(days=profile.panel_eligibility_days_before_18 + 1)


class AgeBand(StrEnum):
    """Which age rules apply (N-12: children under 18, young adults to 25)."""

    CHILD = "child"
    UNKNOWN_TREAT_AS_CHILD = "unknown_treat_as_child"
    YOUNG_ADULT = "young_adult"
    ADULT = "adult"


AGE_BAND_LABELS: Final[dict[AgeBand, str]] = {
    AgeBand.CHILD: "Child (under 18)",
    AgeBand.UNKNOWN_TREAT_AS_CHILD: "Age not established: treat as a child",
    AgeBand.YOUNG_ADULT: "Young adult (18 to 24)",
    AgeBand.ADULT: "Adult (25 or over)",
}


@dataclass(frozen=True, slots=True)
class AgeAssessment:
    """What is known about age on the incident date.

    ``age_years`` and ``days_until_18`` come only from a date of birth: an estimate is not a fact and
    is carried separately in ``estimated_age``.
    """

    band: AgeBand
    age_years: int | None
    days_until_18: int | None
    eighteenth_birthday: date | None
    estimated_age: int | None

    @property
    def treat_as_child(self) -> bool:
        """Child rules apply (under 18, or age not established and not estimated at 18 or over)."""
        return self.band in (AgeBand.CHILD, AgeBand.UNKNOWN_TREAT_AS_CHILD)

    @property
    def dob_known(self) -> bool:
        """A date of birth was recorded."""
        return self.age_years is not None


def _band_for_years(years: int, profile: PolicyProfile) -> AgeBand:
    if years < ADULT_AGE:
        return AgeBand.CHILD
    if years < profile.young_adult_upper_age_exclusive:
        return AgeBand.YOUNG_ADULT
    return AgeBand.ADULT


def assess_age(
    *, date_of_birth: date | None, estimated_age: int | None, on: date, profile: PolicyProfile
) -> AgeAssessment:
    """Age band on ``on`` from a date of birth, else from an estimate, else "treat as a child".

    Sources: R-01/R-02 (under 18 is a child), N-12 and F-24 (young adults 18-24, policy field
    ``young_adult_upper_age_exclusive``). With no date of birth and no estimate, or an estimate under
    18, the person is treated as a child: the cost of wrongly treating a child as an adult is the
    greater harm. An estimate of 18 or more places an undocumented person in the adult bands.
    The estimate is ignored when a date of birth is recorded.
    """
    if date_of_birth is not None:
        years = age_on(date_of_birth, on)
        return AgeAssessment(
            band=_band_for_years(years, profile),
            age_years=years,
            days_until_18=days_until_18(date_of_birth, on),
            eighteenth_birthday=eighteenth_birthday(date_of_birth),
            estimated_age=estimated_age,
        )
    if estimated_age is None or estimated_age < ADULT_AGE:
        band = AgeBand.UNKNOWN_TREAT_AS_CHILD
    else:
        band = _band_for_years(estimated_age, profile)
    return AgeAssessment(
        band=band, age_years=None, days_until_18=None, eighteenth_birthday=None, estimated_age=estimated_age
    )
