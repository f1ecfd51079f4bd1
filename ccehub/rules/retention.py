"""When a child's record here is due for a retention review (data-protection.md, known gap 10).

ccehub is the shared multi-agency copy, not any agency's system of record, so it should not keep a
child's record longer than the shared work needs it (UK GDPR Article 5(1)(e), storage limitation).
A record is due for review on the **later** of two dates:

* *by age*: ``years_after_18`` years after the 18th birthday (7 by default: the 25th birthday, the
  end of the young-adult band in :mod:`ccehub.rules.age`);
* *by activity*: ``years_after_activity`` years after the last activity on the record (6 by default).

With no date of birth it is due on the activity date alone, and says so. While a matter is still
open (an NRM referral awaiting its decision, an open panel case, a current order or a live criminal
case) it is never due, whatever the dates: the shared work is not over.

The two figures are the data controller's, from its own retention schedule; the defaults are a
placeholder, not advice. A review is a prompt for a person to decide, never a deletion.

Pure functions of dates: nothing here reads the clock. The reasons are short strings with no dates
in them, so that a review list can show them without giving away a date of birth.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Final

from ccehub.rules.age import ADULT_AGE, anniversary

#: The fewest and the most years either period may be (settings ``CCEHUB_RETENTION_YEARS_AFTER_18``
#: and ``CCEHUB_RETENTION_YEARS_AFTER_ACTIVITY``).
MIN_YEARS: Final = 1
MAX_YEARS: Final = 100
MSG_POLICY_YEARS: Final = "{name} must be a whole number of years from {low} to {high}, not {value!r}"

MSG_DOB_UNKNOWN: Final = "date of birth not known: activity rule alone"
MSG_DOB_ESTIMATED: Final = "date of birth estimated"
MSG_BIRTHDAY_PASSED: Final = "{nth} birthday passed"
MSG_BIRTHDAY_NOT_REACHED: Final = "{nth} birthday not reached"
MSG_NO_ACTIVITY: Final = "no activity for {years}"
MSG_RECENT_ACTIVITY: Final = "activity within the last {years}"


class OpenMatter(StrEnum):
    """A matter still open on the record, which keeps it whatever the dates. The value is the reason
    shown; the order is the order reasons are shown in."""

    NRM_REFERRAL = "open NRM referral"
    PANEL_CASE = "open panel case"
    SAFEGUARDING_ORDER = "current safeguarding order"
    JOINT_PLAN = "open joint plan"
    CRIMINAL_CHARGE = "open criminal charge"
    INVESTIGATION = "arrest under investigation (bail or RUI)"
    CHILD_PLAN = "open child plan"
    CARE_ORDER = "current care order"


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    """The controller's two periods, in whole years from :data:`MIN_YEARS` to :data:`MAX_YEARS`.

    Raises:
        ValueError: a period outside that range, or not a whole number (:data:`MSG_POLICY_YEARS`).
    """

    years_after_18: int = 7
    years_after_activity: int = 6

    def __post_init__(self) -> None:
        for name in ("years_after_18", "years_after_activity"):
            value = getattr(self, name)
            if type(value) is not int or not MIN_YEARS <= value <= MAX_YEARS:
                raise ValueError(
                    MSG_POLICY_YEARS.format(name=name, low=MIN_YEARS, high=MAX_YEARS, value=value)
                )


#: A placeholder until the controller sets its own: the 25th birthday, and six years after activity.
DEFAULT_POLICY: Final = RetentionPolicy()


@dataclass(frozen=True, slots=True)
class RetentionReview:
    """Whether and when one child's record is due for a retention review.

    ``due_on`` is the later of ``by_age_on`` (``None`` without a date of birth) and
    ``by_activity_on``; it is worked out even while a matter is open, so that a list of records held
    open can say how long ago they would otherwise have been due. ``due`` is for the day the review
    was made for; :meth:`is_due_on` answers for any other day.
    """

    due_on: date
    by_age_on: date | None
    by_activity_on: date
    open_matters: tuple[OpenMatter, ...]
    due: bool
    reasons: tuple[str, ...]

    def is_due_on(self, day: date) -> bool:
        """Due on ``day``: nothing open, and ``day`` is on or after :attr:`due_on`."""
        return not self.open_matters and day >= self.due_on


def years_after(day: date, years: int) -> date:
    """The same day ``years`` years later; 29 February becomes 1 March in a common year.

    The convention of :func:`ccehub.rules.age.anniversary` (FLRA 1969 s9): the later of the two
    candidate dates, so a record is never due a day early.
    """
    return anniversary(day, years)


def ordinal(n: int) -> str:
    """``1st``, ``2nd``, ``3rd``, ``4th`` … ``11th``, ``12th``, ``13th`` … ``21st``."""
    suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def retention_review(
    *,
    date_of_birth: date | None,
    last_activity: date,
    on: date,
    open_matters: Collection[OpenMatter] = (),
    policy: RetentionPolicy = DEFAULT_POLICY,
    date_of_birth_estimated: bool = False,
) -> RetentionReview:
    """When the record of a child born on ``date_of_birth`` (``None``: not known), last active on
    ``last_activity``, is due for a retention review, and whether it is due on ``on``.

    Reasons, in order: the open matters (:class:`OpenMatter`, in its order), then the age rule
    ("25th birthday passed" or "… not reached", or :data:`MSG_DOB_UNKNOWN`), then the activity rule
    ("no activity for 6 years" or "activity within the last 6 years"), then
    :data:`MSG_DOB_ESTIMATED` when the date of birth is an estimate.
    """
    matters = tuple(matter for matter in OpenMatter if matter in open_matters)
    by_activity_on = years_after(last_activity, policy.years_after_activity)
    reasons: list[str] = [str(matter) for matter in matters]
    by_age_on: date | None = None
    if date_of_birth is None:
        reasons.append(MSG_DOB_UNKNOWN)
    else:
        age = ADULT_AGE + policy.years_after_18
        by_age_on = anniversary(date_of_birth, age)
        template = MSG_BIRTHDAY_PASSED if on >= by_age_on else MSG_BIRTHDAY_NOT_REACHED
        reasons.append(template.format(nth=ordinal(age)))
    template = MSG_NO_ACTIVITY if on >= by_activity_on else MSG_RECENT_ACTIVITY
    years = policy.years_after_activity
    reasons.append(template.format(years=f"{years} year{'s' if years != 1 else ''}"))
    if date_of_birth is not None and date_of_birth_estimated:
        reasons.append(MSG_DOB_ESTIMATED)
    due_on = by_activity_on if by_age_on is None else max(by_age_on, by_activity_on)
    return RetentionReview(
        due_on=due_on,
        by_age_on=by_age_on,
        by_activity_on=by_activity_on,
        open_matters=matters,
        due=not matters and on >= due_on,
        reasons=tuple(reasons),
    )
