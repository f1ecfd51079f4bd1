"""England and Wales working days, from the ``govuk-bank-holidays`` package used offline.

A working day is a Monday to Friday that is not an England and Wales bank holiday. The holiday list
is the copy of https://www.gov.uk/bank-holidays.json that ships inside the pinned
``govuk-bank-holidays`` package (``BankHolidays(use_cached_holidays=True)``): the software never
downloads it at run time, so a clock computed today gives the same answer tomorrow and offline.
Substitute days (a Christmas or New Year's Day falling at a weekend) and one-off holidays (the 2022
Platinum Jubilee, the State Funeral of Queen Elizabeth II on 19 September 2022, the coronation of
King Charles III on 8 May 2023) are in that list; Scotland's and Northern Ireland's own holidays
(2 January, St Andrew's Day, 12 July, the first Monday in August) are working days here.

**Outside the covered years the calendar refuses to answer.** The cached list covers whole calendar
years (2012 to 2028 in ``govuk-bank-holidays`` 0.19). Asking whether a day outside that range is a
working day raises :class:`OutsideHolidayRangeError` rather than guessing: statutory holidays can be
computed, but one-off holidays (a state funeral, a coronation, a jubilee) are announced only months
ahead, so a computed calendar would silently put a deadline one day early -- exactly the error a
deadline must not make. When the range runs out, upgrade the pinned package (GOV.UK publishes the
next years' holidays well in advance); the error message says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from typing import Final

#: The GOV.UK division whose holidays count: England and Wales (the jurisdiction of this software);
#: the package's ``BankHolidays.ENGLAND_AND_WALES``. The package is imported only when a working day
#: is first asked about: it loads ``requests``, which a command that never counts days should not pay.
DIVISION: Final = "england-and-wales"

#: Error text shown to users when a computation needs a day the holiday list does not cover.
MSG_OUTSIDE_HOLIDAY_RANGE: Final = (
    "date outside the supported England and Wales bank-holiday range"
    " (upgrade the govuk-bank-holidays package to extend it)"
)

_ONE_DAY: Final = timedelta(days=1)


class OutsideHolidayRangeError(ValueError):
    """A working-day question about a day the offline bank-holiday list does not cover."""

    def __init__(self, day: date, first: date, last: date) -> None:
        self.day = day
        self.first = first
        self.last = last
        super().__init__(
            f"{MSG_OUTSIDE_HOLIDAY_RANGE}: {day.isoformat()} is not between"
            f" {first.isoformat()} and {last.isoformat()}"
        )


@dataclass(frozen=True, slots=True)
class _Calendar:
    holidays: frozenset[date]
    first: date
    last: date


@cache
def _calendar() -> _Calendar:
    # Loaded once per process: parsing the packaged JSON takes a few milliseconds.
    from govuk_bank_holidays.bank_holidays import BankHolidays

    raw = BankHolidays(use_cached_holidays=True).get_holidays(division=DIVISION)
    days = frozenset(item["date"] for item in raw)
    if not days:  # pragma: no cover - the pinned package always ships data
        raise RuntimeError("the govuk-bank-holidays package has no England and Wales holidays")
    # GOV.UK publishes whole years, so coverage runs from 1 January of the first year to
    # 31 December of the last.
    first = date(min(days).year, 1, 1)
    last = date(max(days).year, 12, 31)
    return _Calendar(holidays=days, first=first, last=last)


def supported_range() -> tuple[date, date]:
    """First and last day (inclusive) for which working-day questions can be answered."""
    cal = _calendar()
    return cal.first, cal.last


def _check(day: date) -> _Calendar:
    cal = _calendar()
    if not cal.first <= day <= cal.last:
        raise OutsideHolidayRangeError(day, cal.first, cal.last)
    return cal


def is_bank_holiday(day: date) -> bool:
    """Whether ``day`` is an England and Wales bank holiday (including substitute days).

    Raises:
        OutsideHolidayRangeError: ``day`` is outside :func:`supported_range`.
    """
    return day in _check(day).holidays


def is_working_day(day: date) -> bool:
    """Whether ``day`` is a Monday to Friday that is not an England and Wales bank holiday.

    Raises:
        OutsideHolidayRangeError: ``day`` is outside :func:`supported_range` (even a weekend: the
            rule is "no answers outside the covered years", which is simpler to rely on).
    """
    cal = _check(day)
    return day.weekday() < 5 and day not in cal.holidays


def next_working_day(day: date) -> date:
    """The first working day strictly after ``day``."""
    candidate = day + _ONE_DAY
    while not is_working_day(candidate):
        candidate += _ONE_DAY
    return candidate


def add_working_days(start: date, days: int) -> date:
    """The ``days``-th working day after ``start``, counting from the next working day.

    ``start`` itself never counts, whether or not it is a working day: the next working day after
    ``start`` is day 1. ``add_working_days(start, 0)`` is ``start``. This is how the current NRM
    guidance's "within 5 working days of referral" is read (DOMAIN.md "Since the report").

    Raises:
        ValueError: ``days`` is negative.
        OutsideHolidayRangeError: the count needs a day outside :func:`supported_range`.
    """
    if days < 0:
        raise ValueError("days must not be negative")
    current = start
    for _ in range(days):
        current = next_working_day(current)
    return current


def working_days_between(start: date, end: date) -> int:
    """Working days in the half-open interval ``(start, end]`` (0 when ``end <= start``).

    The inverse of :func:`add_working_days` for working-day ends: ``working_days_between(s,
    add_working_days(s, n)) == n``. Useful for timeliness reporting.
    """
    count = 0
    day = start + _ONE_DAY
    while day <= end:
        if is_working_day(day):
            count += 1
        day += _ONE_DAY
    return count
