"""Going missing as an early sign (R-34): the gap from a child's first recorded missing episode to
their first recorded arrest.

The report: "John's criminal involvement began around the same time as he started to go missing: his
first recorded arrest came six days after he was first recorded as being missing." Missing episodes
can come before drug offences, so an area wants to know, across its children, how often the first
missing episode came first and how soon the first arrest followed.

Definitions (also in ``docs/reports.md``):

* **First** is the earliest stored date: a missing episode's start; an arrest's time, or an
  identifying incident that was an arrest. Episodes and arrests with no date are not "first".
* **Gap** is whole days from the first missing episode's date to the first arrest's date (local
  dates): 0 is the same day, negative means the arrest came first.
* **No dated** episode or arrest is not "never": an undated record, or none on ccehub (not recorded
  is not the same as absent).
* **Known dates only** by default, as in the timeliness report: a child whose first missing episode
  or first arrest has a synthetic or approximate date is counted under "dates not recorded", not
  measured, because days between invented dates mean nothing. ``all_dates`` measures them too (the
  demonstration's cases, whose dates the report withholds, are placed so that the intervals the
  report gives hold) and the result says so.
* **Small numbers**: a count from 1 to 4 shows as "fewer than 5" (:mod:`ccehub.rules.disclosure`);
  in a group of counts whose total is known, a second count is withheld where one alone is hidden;
  the median needs 5 gaps and is shown in whole days.
* **Same day**: a missing episode and an arrest on the same day count as missing first, unless the
  arrest's time is earlier.

Pure: no Django, no clock.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Final

from ccehub.rules.disclosure import SUPPRESSED, SUPPRESSION_THRESHOLD, WITHHELD, hidden, protect

RECORDED: Final = "recorded"


class Order(StrEnum):
    MISSING_FIRST = "missing_first"
    ARRESTED_FIRST = "arrested_first"
    MISSING_ONLY = "missing_only"
    ARREST_ONLY = "arrest_only"
    NEITHER = "neither"
    DATES_NOT_RECORDED = "dates_not_recorded"


ORDER_LABELS: Final[dict[Order, str]] = {
    Order.MISSING_FIRST: "Missing first, then arrested",
    Order.ARRESTED_FIRST: "Arrested before the first missing episode",
    Order.MISSING_ONLY: "Missing, no dated arrest",
    Order.ARREST_ONLY: "Arrested, no dated missing episode",
    Order.NEITHER: "No dated missing episode or arrest",
    Order.DATES_NOT_RECORDED: "Not measured: a first date is synthetic or approximate",
}

#: Bands of the gap for children who went missing first: (label, from, to inclusive; None = no end).
BANDS: Final[tuple[tuple[str, int, int | None], ...]] = (
    ("Within a week (0 to 7 days)", 0, 7),
    ("8 to 30 days", 8, 30),
    ("31 to 90 days", 31, 90),
    ("91 to 365 days", 91, 365),
    ("More than a year", 366, None),
)


@dataclass(frozen=True)
class FirstEvents:
    """One child's earliest stored missing episode and arrest, with how each date is known
    (``recorded``, ``approximate`` or ``synthetic``)."""

    child: str
    first_missing: date | None = None
    missing_basis: str = RECORDED
    first_arrest: date | None = None
    arrest_basis: str = RECORDED
    #: Both on the same day, and the arrest's time is before the episode's start.
    arrested_earlier_that_day: bool = False


def gap_days(first: FirstEvents) -> int | None:
    """Days from the first missing episode to the first arrest; None unless both are stored."""
    if first.first_missing is None or first.first_arrest is None:
        return None
    return (first.first_arrest - first.first_missing).days


def order_of(first: FirstEvents, *, all_dates: bool = False) -> Order:
    if first.first_missing is None and first.first_arrest is None:
        return Order.NEITHER
    if first.first_arrest is None:
        return Order.MISSING_ONLY
    if first.first_missing is None:
        return Order.ARREST_ONLY
    if not all_dates and (first.missing_basis != RECORDED or first.arrest_basis != RECORDED):
        return Order.DATES_NOT_RECORDED
    gap = gap_days(first)
    assert gap is not None
    if gap == 0 and first.arrested_earlier_that_day:
        return Order.ARRESTED_FIRST
    return Order.MISSING_FIRST if gap >= 0 else Order.ARRESTED_FIRST


def band_of(days: int) -> str:
    """The band of a gap of ``days`` (0 or more)."""
    if days < 0:
        raise ValueError("A band is for a child who went missing first")
    for label, low, high in BANDS:
        if days >= low and (high is None or days <= high):
            return label
    raise AssertionError("the bands cover every gap")  # pragma: no cover


@dataclass(frozen=True)
class Count:
    """A count and what is shown for it: the number, "fewer than 5", or withheld."""

    n: int
    shown: str


@dataclass(frozen=True)
class ChildGap:
    child: str
    order: Order
    days: int | None
    dates: str  # "recorded", or the basis of the first date that is not


@dataclass(frozen=True)
class EarlySigns:
    children: Count
    orders: tuple[tuple[Order, Count], ...]
    bands: tuple[tuple[str, Count], ...]
    median_days: float | None
    median_shown: str
    all_dates: bool
    per_child: tuple[ChildGap, ...]

    def as_dict(self, *, with_children: bool = False) -> dict[str, object]:
        """The JSON form: counts as shown (never a suppressed number)."""
        out: dict[str, object] = {
            "children": self.children.shown,
            "orders": {order.value: count.shown for order, count in self.orders},
            "missing_first_gap_bands": [
                {"band": label, "children": count.shown} for label, count in self.bands
            ],
            "median_days_missing_to_arrest": self.median_shown,
            "all_dates": self.all_dates,
        }
        if with_children:
            out["per_child"] = [
                {
                    "child": row.child,
                    "order": row.order.value,
                    "first_missing_to_first_arrest_days": row.days,
                    "dates": row.dates,
                }
                for row in self.per_child
            ]
        return out


#: How a gap's dates are known, weakest first: a gap is as good as its weaker date.
WEAKEST_FIRST: Final[tuple[str, ...]] = ("synthetic", "approximate", RECORDED)


def _dates(first: FirstEvents) -> str:
    """How the gap's two dates are known (the weaker of the two), or "" when there is no gap."""
    if first.first_missing is None or first.first_arrest is None:
        return ""
    bases = {first.missing_basis, first.arrest_basis}
    return next((basis for basis in WEAKEST_FIRST if basis in bases), first.missing_basis)


def early_signs(rows: Iterable[FirstEvents], *, all_dates: bool = False, suppress: bool = True) -> EarlySigns:
    """Count the children by which came first, band the gaps of those who went missing first, and
    protect small numbers: counts from 1 to 4 suppressed, and in each group whose total is known
    (the orders add up to the children counted, the bands to "missing first") a second count
    withheld where one alone is hidden (:func:`ccehub.rules.disclosure.protect`).

    ``suppress=False`` for a cohort listed child by child (the report's own boys, as the Fig 3
    matrix lists them): its rows show every value, so hiding the totals would protect nobody."""
    if not suppress:
        return _unsuppressed(early_signs(rows, all_dates=all_dates))
    firsts = list(rows)
    per_child: list[ChildGap] = []
    by_order: dict[Order, int] = {order: 0 for order in Order}
    by_band: dict[str, int] = {label: 0 for label, _, _ in BANDS}
    gaps: list[int] = []
    for first in firsts:
        order = order_of(first, all_dates=all_dates)
        by_order[order] += 1
        days = gap_days(first) if order in (Order.MISSING_FIRST, Order.ARRESTED_FIRST) else None
        if order is Order.MISSING_FIRST and days is not None:
            by_band[band_of(days)] += 1
            gaps.append(days)
        per_child.append(ChildGap(first.child, order, days, _dates(first)))
    order_keys = list(by_order)
    missing_at = order_keys.index(Order.MISSING_FIRST)
    # the orders add up to the children counted, which the reader knows: protect them as a group,
    # withholding "missing first" only if nothing else will do (its bands would then need it)
    order_shown = protect([by_order[o] for o in order_keys], avoid=missing_at)
    band_counts = list(by_band.values())
    band_shown = protect(band_counts)
    if hidden(order_shown[missing_at]) and not any(hidden(text) for text in band_shown):
        # the bands add up to "missing first": one of them must go too, or their sum gives it back
        nonzero = [i for i, n in enumerate(band_counts) if n > 0]
        if nonzero:
            band_shown[min(nonzero, key=lambda i: (band_counts[i], i))] = WITHHELD
    orders = tuple((o, Count(by_order[o], text)) for o, text in zip(order_keys, order_shown, strict=True))
    bands = tuple(
        (label, Count(n, text)) for (label, n), text in zip(by_band.items(), band_shown, strict=True)
    )
    total = len(firsts)
    children = Count(total, protect([total])[0])
    median = statistics.median(gaps) if len(gaps) >= SUPPRESSION_THRESHOLD else None
    median_shown = _days(median) if median is not None else (SUPPRESSED if gaps else "none")
    return EarlySigns(
        children=children,
        orders=orders,
        bands=bands,
        median_days=median,
        median_shown=median_shown,
        all_dates=all_dates,
        per_child=tuple(per_child),
    )


def _days(median: float) -> str:
    """A median in whole days, halves rounded up (a half would tell an even count from an odd one)."""
    return str(math.floor(median + 0.5))


def _unsuppressed(result: EarlySigns) -> EarlySigns:
    gaps = [row.days for row in result.per_child if row.order is Order.MISSING_FIRST and row.days is not None]
    median = statistics.median(gaps) if gaps else None
    return EarlySigns(
        children=Count(result.children.n, str(result.children.n)),
        orders=tuple((order, Count(c.n, str(c.n))) for order, c in result.orders),
        bands=tuple((label, Count(c.n, str(c.n))) for label, c in result.bands),
        median_days=median,
        median_shown=_days(median) if median is not None else "none",
        all_dates=result.all_dates,
        per_child=result.per_child,
    )
