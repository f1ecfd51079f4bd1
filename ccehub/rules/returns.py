"""Statutory and inspection returns (F-23, R-57): what a local authority would return for a year, if
asked, about the children criminally exploited in county lines, and how it responded.

The report: the DfE "has never asked councils to record or report how many children are criminally
exploited in county lines" (R-57, G-109); Ofsted should include local authorities' responses to CCE
in its inspections (G-115); the NRM county-lines flag (since January 2020, N-07) should be reported
by age band, under 18 and 18 to 25 (N-11: 69% of the people the NCLCC flagged were 18 to 25); and the
time from the reasonable- to the conclusive-grounds decision is the NRM's key measure (N-03).

Four sections, for one period (a financial year, 1 April to 31 March, as the DfE's children-in-need
census runs), each defined here and in ``docs/reports.md``:

1. **Children criminally exploited in county lines, or presumed to be.** A child is *identified in
   the period* when, in it: an identifying incident linked to county lines raised the 100-day
   presumption of victimhood (R-24) and it stands (no approved rebuttal, R-25); or an NRM referral
   for criminal exploitation with the county-lines flag was made while they were under 18; or such a
   referral had a decision. Each child is counted once, by the strongest of what stands at the end of
   the period: a positive conclusive-grounds (CG) decision; a positive reasonable-grounds (RG)
   decision (CG awaited); a referral awaiting its RG; the presumption with no flagged referral. The
   total is those four. Counted apart, not in the total: a child whose every such referral was
   decided negative (and not presumed again at a later incident): the NRM found otherwise; and a
   child referred in the period whose referral's county-lines flag was not recorded. (Which triage
   decision stands at the end of the period is read by the caller: ``ChildFacts.presumed``.)
2. **The local authority's responses (for Ofsted).** Of the children counted, how many had in the
   period (and how many did not): a strategy meeting; a child protection plan in force; a CCE panel
   case; a joint plan agreed; a safeguarding order applied for; a return home interview held after a
   missing episode; and, the response the report most wants to stop, a placement begun 20 miles or
   more from home (R-41).
3. **NRM referrals with the county-lines flag, by age band at referral** (Fig 2, N-11): under 18, 18
   to 25, 26 and over, age not known; and, apart, the referrals whose flag was not recorded.
4. **Days from RG to CG**, for the CG decisions made in the period on referrals with the flag: how
   many, and the median (halves rounded up), for each route and in all.

**Dates.** An event counts when its date falls in the period and, by default, is a recorded date;
synthetic and approximate dates (the demonstration's placing of the report's undated facts) are left
out, as in the timeliness report, unless ``all_dates`` is set. The status at the end of the period
reads the same dates.

**Small numbers** (:mod:`ccehub.rules.disclosure`): counts from 1 to 4 show as "fewer than 5", and
each group with a known total goes through ``protect`` (the statuses with their total; each response
as *with* and *without*, which add up to the children counted; the age bands with their total; the
decisions by route with theirs). A median is shown only beside a number of decisions that is shown
and at least 5. The number of children in scope is not published: with the total and the negatives
it would give back the children not identified.

Pure: no Django, no clock.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Final, TypeVar

from ccehub.rules.disclosure import SUPPRESSION_THRESHOLD, hidden, protect, shown_count
from ccehub.rules.early_signs import Count

__all__ = [
    "ADULT_AGE",
    "AGE_BAND_LABELS",
    "NONE",
    "NOT_SHOWN",
    "RESPONSE_LABELS",
    "ROUTE_LABELS",
    "STATUS_LABELS",
    "STATUS_SHORT_LABELS",
    "AgeBand",
    "ChildFacts",
    "Dated",
    "Decision",
    "Period",
    "Referral",
    "Response",
    "ResponseCount",
    "ResponseKind",
    "Returns",
    "RouteDays",
    "Status",
    "age_band",
    "financial_year",
    "financial_year_of",
    "returns",
    "status_at_end",
    "unflagged_in_period",
]

RECORDED: Final = "recorded"
#: What a median shows when there is no decision to measure.
NONE: Final = "none"
#: What a median shows beside a number of decisions that is not shown.
NOT_SHOWN: Final = "not shown"
#: The age at which a referral is of an adult (N-11 bands: under 18, 18 to 25).
ADULT_AGE: Final = 18
YOUNG_ADULT_MAX: Final = 25

POSITIVE: Final = "positive"
NEGATIVE: Final = "negative"


@dataclass(frozen=True)
class Dated:
    """A stored date and how it is known (``DateBasis``: recorded, approximate, synthetic)."""

    on: date | None
    basis: str = RECORDED

    def usable(self, all_dates: bool) -> bool:
        return self.on is not None and (all_dates or self.basis == RECORDED)


@dataclass(frozen=True)
class Period:
    """A reporting period, both ends included."""

    start: date
    end: date
    label: str

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("A period cannot end before it starts")

    def holds(self, when: Dated, all_dates: bool) -> bool:
        return when.usable(all_dates) and when.on is not None and self.start <= when.on <= self.end

    def by_end(self, when: Dated, all_dates: bool) -> bool:
        """Whether ``when`` is a usable date on or before the period's last day."""
        return when.usable(all_dates) and when.on is not None and when.on <= self.end


def financial_year(year: int) -> Period:
    """The financial year that starts on 1 April ``year`` ("2026-27")."""
    return Period(date(year, 4, 1), date(year + 1, 3, 31), f"{year}-{(year + 1) % 100:02d}")


def financial_year_of(day: date) -> int:
    """The year the financial year holding ``day`` starts in."""
    return day.year if day.month >= 4 else day.year - 1


# --- Plain inputs ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    outcome: str  # "positive" or "negative"
    on: Dated


@dataclass(frozen=True)
class Referral:
    """One NRM referral of the child. ``rg`` / ``cg``: the first decision of each stage, if any."""

    referred: Dated
    county_lines: bool | None  # the flag: present, absent, or None when not recorded
    criminal: bool  # exploitation type is criminal exploitation
    age: int | None  # whole years at referral, None when not known
    route: str  # "local_panel", "national" or "unknown"
    rg: Decision | None = None
    cg: Decision | None = None

    @property
    def of_a_child_in_county_lines(self) -> bool:
        """A referral that identifies a child as criminally exploited in county lines: flagged,
        criminal exploitation, and made before 18 (or at an age not known, which is a child's record
        in ccehub until shown otherwise)."""
        return bool(self.county_lines) and self.criminal and (self.age is None or self.age < ADULT_AGE)


class ResponseKind(StrEnum):
    STRATEGY_MEETING = "strategy_meeting"
    CHILD_PROTECTION_PLAN = "child_protection_plan"
    PANEL_CASE = "panel_case"
    JOINT_PLAN = "joint_plan"
    SAFEGUARDING_ORDER = "safeguarding_order"
    RETURN_HOME_INTERVIEW = "return_home_interview"
    PLACED_AT_DISTANCE = "placed_at_distance"


RESPONSE_LABELS: Final[dict[ResponseKind, str]] = {
    ResponseKind.STRATEGY_MEETING: "A strategy meeting held",
    ResponseKind.CHILD_PROTECTION_PLAN: "A child protection plan in force",
    ResponseKind.PANEL_CASE: "A case opened with a CCE panel",
    ResponseKind.JOINT_PLAN: "A joint plan agreed by a CCE panel",
    ResponseKind.SAFEGUARDING_ORDER: "A safeguarding order applied for",
    ResponseKind.RETURN_HOME_INTERVIEW: "A return home interview held after going missing",
    ResponseKind.PLACED_AT_DISTANCE: "A placement begun 20 miles or more from home (R-41)",
}


@dataclass(frozen=True)
class Response:
    """A response to the child. ``lasting``: a plan in force from ``on`` until ``until`` (or still),
    which counts in any period it overlaps; otherwise an event on the day ``on``."""

    kind: ResponseKind
    on: Dated
    until: date | None = None
    lasting: bool = False

    def in_period(self, period: Period, all_dates: bool) -> bool:
        if not self.lasting:
            return period.holds(self.on, all_dates)
        return period.by_end(self.on, all_dates) and (self.until is None or self.until >= period.start)


@dataclass(frozen=True)
class ChildFacts:
    """One child: the days of county-lines incidents at which the presumption stands, their NRM
    referrals (all of them; the rules pick those that count) and the responses to them."""

    presumed: tuple[Dated, ...] = ()
    referrals: tuple[Referral, ...] = ()
    responses: tuple[Response, ...] = ()


# --- Section 1: the children ----------------------------------------------------------------------


class Status(StrEnum):
    CONCLUSIVE = "conclusive_grounds_positive"
    REASONABLE = "reasonable_grounds_positive"
    REFERRED = "referred_awaiting_decision"
    PRESUMED = "presumed_not_referred"
    NEGATIVE = "negative_decision"


#: The statuses counted in the total, strongest first.
COUNTED: Final[tuple[Status, ...]] = (Status.CONCLUSIVE, Status.REASONABLE, Status.REFERRED, Status.PRESUMED)

STATUS_LABELS: Final[dict[Status, str]] = {
    Status.CONCLUSIVE: "Victim: positive conclusive grounds decision",
    Status.REASONABLE: "Potential victim: positive reasonable grounds, conclusive decision awaited",
    Status.REFERRED: "Referred to the NRM, reasonable grounds decision awaited",
    Status.PRESUMED: "Presumed a potential victim (100-day presumption), no flagged referral",
    Status.NEGATIVE: "Referred, and every decision negative (not counted in the total)",
}


#: For the chart's axis.
STATUS_SHORT_LABELS: Final[dict[Status, str]] = {
    Status.CONCLUSIVE: "Positive conclusive grounds",
    Status.REASONABLE: "Positive reasonable grounds",
    Status.REFERRED: "Referred, awaiting decision",
    Status.PRESUMED: "Presumed, no flagged referral",
    Status.NEGATIVE: "Every decision negative",
}


def _decided(decision: Decision | None, period: Period, all_dates: bool) -> Decision | None:
    return decision if decision is not None and period.by_end(decision.on, all_dates) else None


def _referral_status(referral: Referral, period: Period, all_dates: bool) -> tuple[Status, date | None]:
    """Where one referral stands at the end of the period, and the day of its negative decision."""
    cg = _decided(referral.cg, period, all_dates)
    rg = _decided(referral.rg, period, all_dates)
    if cg is not None:
        return (Status.CONCLUSIVE, None) if cg.outcome == POSITIVE else (Status.NEGATIVE, cg.on.on)
    if rg is not None:
        return (Status.REASONABLE, None) if rg.outcome == POSITIVE else (Status.NEGATIVE, rg.on.on)
    return Status.REFERRED, None


def _identified(child: ChildFacts, period: Period, all_dates: bool) -> bool:
    if any(period.holds(day, all_dates) for day in child.presumed):
        return True
    for referral in child.referrals:
        if not referral.of_a_child_in_county_lines:
            continue
        if period.holds(referral.referred, all_dates):
            return True
        if any(d is not None and period.holds(d.on, all_dates) for d in (referral.rg, referral.cg)):
            return True
    return False


def status_at_end(child: ChildFacts, period: Period, *, all_dates: bool = False) -> Status | None:
    """The child's status for the period, or ``None`` when nothing identified them in it."""
    if not _identified(child, period, all_dates):
        return None
    standing: list[Status] = []
    last_negative: date | None = None
    for referral in child.referrals:
        if not referral.of_a_child_in_county_lines or not _made_by_end(referral, period, all_dates):
            continue
        status, negative_on = _referral_status(referral, period, all_dates)
        standing.append(status)
        if negative_on is not None and (last_negative is None or negative_on > last_negative):
            last_negative = negative_on
    for status in (Status.CONCLUSIVE, Status.REASONABLE, Status.REFERRED):
        if status in standing:
            return status
    presumed = [day.on for day in child.presumed if period.by_end(day, all_dates) and day.on is not None]
    if presumed and (last_negative is None or max(presumed) > last_negative):
        return Status.PRESUMED
    # only a negative decision makes a child "negative"; nothing else is left to stand
    return Status.NEGATIVE if last_negative is not None else Status.REFERRED


def _made_by_end(referral: Referral, period: Period, all_dates: bool) -> bool:
    """Whether the referral had been made by the end of the period: its date says so, or a decision
    on it does (a referral whose own date is not known was made before its decision)."""
    if period.by_end(referral.referred, all_dates):
        return True
    return any(d is not None and period.by_end(d.on, all_dates) for d in (referral.rg, referral.cg))


def unflagged_in_period(child: ChildFacts, period: Period, *, all_dates: bool = False) -> bool:
    """A child referred in the period for criminal exploitation before 18 whose referral's
    county-lines flag was not recorded: not counted (not recorded is not absent), but said apart."""
    return any(
        r.county_lines is None
        and r.criminal
        and (r.age is None or r.age < ADULT_AGE)
        and period.holds(r.referred, all_dates)
        for r in child.referrals
    )


# --- Section 3: age bands ---------------------------------------------------------------------------


class AgeBand(StrEnum):
    UNDER_18 = "under_18"
    YOUNG_ADULT = "18_to_25"
    OVER_25 = "26_and_over"
    NOT_KNOWN = "not_known"


AGE_BAND_LABELS: Final[dict[AgeBand, str]] = {
    AgeBand.UNDER_18: "Under 18",
    AgeBand.YOUNG_ADULT: "18 to 25",
    AgeBand.OVER_25: "26 and over",
    AgeBand.NOT_KNOWN: "Age at referral not known",
}


def age_band(age: int | None) -> AgeBand:
    if age is None:
        return AgeBand.NOT_KNOWN
    if age < ADULT_AGE:
        return AgeBand.UNDER_18
    return AgeBand.YOUNG_ADULT if age <= YOUNG_ADULT_MAX else AgeBand.OVER_25


# --- Section 4: RG to CG ----------------------------------------------------------------------------

ROUTES: Final[tuple[str, ...]] = ("local_panel", "national", "unknown")
ROUTE_LABELS: Final[dict[str, str]] = {
    "all": "All routes",
    "local_panel": "Local panel",
    "national": "National (Home Office SCA)",
    "unknown": "Route not known",
}


def _whole_days(median: float) -> str:
    """A median in whole days, halves rounded up (a half would tell an even count from an odd one)."""
    return str(math.floor(median + 0.5))


@dataclass(frozen=True)
class RouteDays:
    route: str  # "all" or one of ROUTES
    decisions: Count
    median_days: str  # whole days, "none", or not shown


# --- The result ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResponseCount:
    kind: ResponseKind
    with_: Count
    without: Count


@dataclass(frozen=True)
class Returns:
    period: Period
    all_dates: bool
    identified: Count
    statuses: tuple[tuple[Status, Count], ...]
    negative: Count
    unflagged: Count
    responses: tuple[ResponseCount, ...]
    flagged_referrals: Count
    age_bands: tuple[tuple[AgeBand, Count], ...]
    flag_not_recorded: Count
    rg_to_cg: tuple[RouteDays, ...]

    def as_dict(self) -> dict[str, object]:
        """The JSON form: counts as shown, never a suppressed number."""
        return {
            "period": {
                "label": self.period.label,
                "start": self.period.start.isoformat(),
                "end": self.period.end.isoformat(),
            },
            "all_dates": self.all_dates,
            "children_exploited_in_county_lines": {
                "total": self.identified.shown,
                "by_status": {status.value: count.shown for status, count in self.statuses},
                "negative_decision_not_counted": self.negative.shown,
                "referred_flag_not_recorded_not_counted": self.unflagged.shown,
            },
            "local_authority_responses": [
                {"response": row.kind.value, "with": row.with_.shown, "without": row.without.shown}
                for row in self.responses
            ],
            "nrm_county_lines_referrals": {
                "total": self.flagged_referrals.shown,
                "by_age_band": {band.value: count.shown for band, count in self.age_bands},
                "flag_not_recorded": self.flag_not_recorded.shown,
            },
            "rg_to_cg_days": [
                {"route": row.route, "decisions": row.decisions.shown, "median_days": row.median_days}
                for row in self.rg_to_cg
            ],
        }


K = TypeVar("K")


def _counts(keys: Iterable[K], values: list[int], shown: list[str]) -> tuple[tuple[K, Count], ...]:
    return tuple((key, Count(n, text)) for key, n, text in zip(keys, values, shown, strict=True))


def _single(n: int) -> Count:
    return Count(n, shown_count(n))


def returns(children: Iterable[ChildFacts], period: Period, *, all_dates: bool = False) -> Returns:
    """Compute the four sections for ``period`` over ``children`` (the ones the reader may see)."""
    children = list(children)
    by_status = dict.fromkeys(Status, 0)
    counted: list[ChildFacts] = []
    unflagged = 0
    for child in children:
        status = status_at_end(child, period, all_dates=all_dates)
        if status is None:
            unflagged += unflagged_in_period(child, period, all_dates=all_dates)
            continue
        by_status[status] += 1
        if status is not Status.NEGATIVE:
            counted.append(child)
    status_values = [by_status[s] for s in COUNTED]
    statuses = _counts(COUNTED, status_values, protect(status_values))
    total = len(counted)

    responses = []
    for kind in ResponseKind:
        with_ = sum(
            1
            for child in counted
            if any(r.kind is kind and r.in_period(period, all_dates) for r in child.responses)
        )
        pair = [with_, total - with_]
        shown = protect(pair)
        responses.append(ResponseCount(kind, Count(with_, shown[0]), Count(total - with_, shown[1])))

    bands = dict.fromkeys(AgeBand, 0)
    not_recorded = 0
    days: dict[str, list[int]] = {route: [] for route in ROUTES}
    for child in children:
        for referral in child.referrals:
            if period.holds(referral.referred, all_dates):
                if referral.county_lines is None:
                    not_recorded += 1
                elif referral.county_lines:
                    bands[age_band(referral.age)] += 1
            if not referral.county_lines or referral.cg is None or referral.rg is None:
                continue
            if period.holds(referral.cg.on, all_dates) and referral.rg.on.usable(all_dates):
                assert referral.cg.on.on is not None and referral.rg.on.on is not None
                gap = (referral.cg.on.on - referral.rg.on.on).days
                if gap >= 0:  # a CG dated before its RG is a recording error, not a measure
                    days[referral.route if referral.route in ROUTES else "unknown"].append(gap)
    band_values = [bands[b] for b in AgeBand]
    route_values = [len(days[r]) for r in ROUTES]
    route_shown = protect(route_values)
    every = [gap for route in ROUTES for gap in days[route]]
    rg_to_cg = [RouteDays("all", _single(len(every)), _median(every, shown_count(len(every))))]
    rg_to_cg += [
        RouteDays(route, Count(n, text), _median(days[route], text))
        for route, n, text in zip(ROUTES, route_values, route_shown, strict=True)
    ]
    return Returns(
        period=period,
        all_dates=all_dates,
        identified=_single(total),
        statuses=statuses,
        negative=_single(by_status[Status.NEGATIVE]),
        unflagged=_single(unflagged),
        responses=tuple(responses),
        flagged_referrals=_single(sum(band_values)),
        age_bands=_counts(list(AgeBand), band_values, protect(band_values)),
        flag_not_recorded=_single(not_recorded),
        rg_to_cg=tuple(rg_to_cg),
    )


def _median(values: list[int], decisions_shown: str) -> str:
    """The median shown beside a number of decisions: only when that number is shown and 5 or more."""
    if not values:
        return NONE
    if hidden(decisions_shown) or len(values) < SUPPRESSION_THRESHOLD:
        return NOT_SHOWN
    return _whole_days(statistics.median(values))
