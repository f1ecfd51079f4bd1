"""Placement sufficiency (R-46): where the children one can see are placed now, counted so that
commissioners can see the shortage and what it does.

The report: one senior manager reported a shortfall of about 500 places "in London alone" (R-46).
A shortage pushes adolescents at high risk of exploitation into the settings the rules ban for them
(unregistered and semi-independent settings, short-term holiday lets: R-43) and far from home (20
miles or more, R-41, unless they expressly wish it, R-42). The checker
(:mod:`ccehub.rules.placement`) stops a new placement breaking those rules; this counts the
placements as they stand, imported ones and those recorded before a child's risk rose included.

Definitions (also in ``docs/reports.md``):

* **Placed now**: a child's current placement: it has started (it has a start date) and not ended;
  if several are open, the latest started. A child whose only open placements have no start date is
  not counted as placed, but said apart ("start not recorded"), as is a child with no open placement
  on record (not recorded is not the same as living at home).
* **Setting**: in groups (banned at high risk, R-43; decided by a court, R-48; other), and every
  kind in the order given, zeros included.
* **Distance from home**: under 20 miles; 20 miles or more (exactly 20.0 is at distance, Ch 4's "20
  miles or more", :func:`ccehub.rules.placement.at_distance`); not recorded.
* **Area**: as recorded on the placement: in the home local authority's area, in a new area, not
  recorded. It is counted apart from distance: a large county's own area can be more than 20 miles
  across.
* **Risk** is the child's exploitation risk now, as the placements page checks a current placement:
  the rules apply to the placement as it stands, whatever the risk was when it began. A risk not
  assessed is checked as high for R-41 and R-43 (:data:`ccehub.rules.placement.NOT_ASSESSED`) and
  shown apart.
* **Against the rules**, at high risk or not assessed: in a banned setting (R-43); 20 miles or more
  from home without a recorded express wish (R-41, R-42), settings a court decides excepted (R-48:
  secure accommodation, custody). A distance not recorded is not counted as at distance.
* **Small numbers** (:mod:`ccehub.rules.disclosure`): a count from 1 to 4 shows as "fewer than 5".
  The counts are published as a tree of groups, each adding up to a published total: the children
  in scope (placed now, start not recorded, no open placement); the children placed now by group of
  setting (banned at high risk, decided by a court, other), by distance, by area and by risk (high or
  not assessed, low or medium); each group of settings by kind; the children at high risk or not
  assessed (high, not assessed). Each group goes through ``protect`` and further: where the counts
  hidden in a group add up to 1 to 4 (its total less the counts shown gives that sum), one more is
  withheld; where a group's total is hidden, the group hides a count too, or its sum would give the
  total back. The totals that the counts against the rules are part of (the children at high risk
  or not assessed, in the banned settings, at distance, placed now) are themselves published, so
  that a count against the rules can give nothing about how a group splits that its total does not.
  A count against the rules is shown only if each of those totals is shown and what it leaves of
  each, and of the children in settings no court decided, is 0 or 5 or more (for R-43, also the
  children neither at high risk nor in a banned setting: the rest of its two-by-two table).

Pure: no Django, no clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Final, TypeVar

from ccehub.rules.disclosure import (
    SUPPRESSED,
    WITHHELD,
    hidden,
    protect,
    shown_count,
    suppressed,
    withhold_one,
)
from ccehub.rules.early_signs import Count
from ccehub.rules.placement import BANNED_AT_HIGH_RISK, COURT_DECIDES, HIGH, NOT_ASSESSED, at_distance

__all__ = [
    "AREA_LABELS",
    "BREACH_LABELS",
    "COVERAGE_LABELS",
    "DISTANCE_LABELS",
    "GROUP_LABELS",
    "RISK_LABELS",
    "SUPPRESSED",
    "WITHHELD",
    "Area",
    "Breach",
    "Count",
    "Coverage",
    "CurrentPlacement",
    "Distance",
    "Risk",
    "SettingCount",
    "SettingGroup",
    "Sufficiency",
    "area_of",
    "at_distance_without_wish",
    "checked_as_high",
    "distance_band",
    "in_banned_setting",
    "risk_group",
    "setting_group",
    "sufficiency",
]

_K = TypeVar("_K", bound=StrEnum)


class Coverage(StrEnum):
    PLACED_NOW = "placed_now"
    START_NOT_RECORDED = "start_not_recorded"
    NO_OPEN_PLACEMENT = "no_open_placement"


class SettingGroup(StrEnum):
    BANNED = "banned_at_high_risk"
    COURT = "decided_by_a_court"
    OTHER = "other"


class Distance(StrEnum):
    UNDER = "under_20_miles"
    AT_DISTANCE = "20_miles_or_more"
    NOT_RECORDED = "not_recorded"


class Area(StrEnum):
    HOME = "home_area"
    NEW = "new_area"
    NOT_RECORDED = "not_recorded"


class Risk(StrEnum):
    HIGH_OR_NOT_ASSESSED = "high_or_not_assessed"
    LOW_OR_MEDIUM = "low_or_medium"
    #: The children at high risk or not assessed, split.
    HIGH = "high"
    NOT_ASSESSED = "not_assessed"


class Breach(StrEnum):
    BANNED_SETTING = "banned_setting"
    AT_DISTANCE_WITHOUT_WISH = "at_distance_without_wish"


COVERAGE_LABELS: Final[dict[Coverage, str]] = {
    Coverage.PLACED_NOW: "Placed now (a current placement with a start date)",
    Coverage.START_NOT_RECORDED: "Not counted: an open placement with no start date",
    Coverage.NO_OPEN_PLACEMENT: "No open placement on record",
}
GROUP_LABELS: Final[dict[SettingGroup, str]] = {
    SettingGroup.BANNED: "Banned at high risk: unregistered, semi-independent, holiday lets (R-43)",
    SettingGroup.COURT: "Decided by a court: secure accommodation, custody (R-48)",
    SettingGroup.OTHER: "Other settings",
}
DISTANCE_LABELS: Final[dict[Distance, str]] = {
    Distance.UNDER: "Under 20 miles",
    Distance.AT_DISTANCE: "20 miles or more",
    Distance.NOT_RECORDED: "Distance not recorded",
}
AREA_LABELS: Final[dict[Area, str]] = {
    Area.HOME: "In the home local authority's area",
    Area.NEW: "In a new area",
    Area.NOT_RECORDED: "Area not recorded",
}
RISK_LABELS: Final[dict[Risk, str]] = {
    Risk.HIGH_OR_NOT_ASSESSED: "High, or not assessed (checked as high)",
    Risk.LOW_OR_MEDIUM: "Low or medium",
    Risk.HIGH: "of whom high",
    Risk.NOT_ASSESSED: "of whom not assessed",
}
BREACH_LABELS: Final[dict[Breach, str]] = {
    Breach.BANNED_SETTING: "In a banned setting: unregistered, semi-independent or a holiday let (R-43)",
    Breach.AT_DISTANCE_WITHOUT_WISH: "20 miles or more from home without their express wish (R-41, R-42)",
}


@dataclass(frozen=True)
class CurrentPlacement:
    """One child's current placement, with the child's exploitation risk now."""

    setting_type: str
    distance_miles: Decimal | None
    #: Inside the home local authority's area? None: not recorded.
    in_home_area: bool | None
    risk_level: str
    express_wish: bool = False


@dataclass(frozen=True)
class SettingCount:
    code: str
    label: str
    group: SettingGroup
    count: Count

    @property
    def banned(self) -> bool:
        """R-43: banned for a child at high risk."""
        return self.group is SettingGroup.BANNED


def setting_group(setting_type: str) -> SettingGroup:
    if setting_type in BANNED_AT_HIGH_RISK:
        return SettingGroup.BANNED
    if setting_type in COURT_DECIDES:
        return SettingGroup.COURT
    return SettingGroup.OTHER


def checked_as_high(risk_level: str) -> bool:
    """High, or not assessed (checked as high for R-41 and R-43, as the checker does)."""
    return risk_level == HIGH or risk_level in NOT_ASSESSED


def risk_group(risk_level: str) -> Risk:
    """High, not assessed, or (any other level) low or medium."""
    if risk_level == HIGH:
        return Risk.HIGH
    if risk_level in NOT_ASSESSED:
        return Risk.NOT_ASSESSED
    return Risk.LOW_OR_MEDIUM


def distance_band(miles: Decimal | None) -> Distance:
    if miles is None:
        return Distance.NOT_RECORDED
    return Distance.AT_DISTANCE if at_distance(miles) else Distance.UNDER


def area_of(in_home_area: bool | None) -> Area:
    if in_home_area is None:
        return Area.NOT_RECORDED
    return Area.HOME if in_home_area else Area.NEW


def in_banned_setting(row: CurrentPlacement) -> bool:
    """R-43: at high risk (or not assessed) in an unregistered, semi-independent or holiday-let setting."""
    return checked_as_high(row.risk_level) and row.setting_type in BANNED_AT_HIGH_RISK


def at_distance_without_wish(row: CurrentPlacement) -> bool:
    """R-41, R-42: at high risk (or not assessed), 20 miles or more from home, no express wish; a
    setting a court decides is not counted."""
    return (
        checked_as_high(row.risk_level)
        and at_distance(row.distance_miles)
        and not row.express_wish
        and row.setting_type not in COURT_DECIDES
    )


@dataclass(frozen=True)
class Sufficiency:
    children: Count
    coverage: tuple[tuple[Coverage, Count], ...]
    setting_groups: tuple[tuple[SettingGroup, Count], ...]
    settings: tuple[SettingCount, ...]
    distances: tuple[tuple[Distance, Count], ...]
    areas: tuple[tuple[Area, Count], ...]
    #: High or not assessed, of whom high, of whom not assessed; low or medium.
    risks: tuple[tuple[Risk, Count], ...]
    against_rules: tuple[tuple[Breach, Count], ...]

    @property
    def placed(self) -> Count:
        return dict(self.coverage)[Coverage.PLACED_NOW]

    @property
    def high_or_not_assessed(self) -> Count:
        return dict(self.risks)[Risk.HIGH_OR_NOT_ASSESSED]

    def as_dict(self) -> dict[str, object]:
        """The JSON form: counts as shown (never a suppressed number)."""
        return {
            "children": self.children.shown,
            "coverage": {key.value: count.shown for key, count in self.coverage},
            "setting_groups": {key.value: count.shown for key, count in self.setting_groups},
            "setting_types": [
                {
                    "setting_type": row.code,
                    "label": row.label,
                    "group": row.group.value,
                    "children": row.count.shown,
                }
                for row in self.settings
            ],
            "distance_from_home": {key.value: count.shown for key, count in self.distances},
            "area": {key.value: count.shown for key, count in self.areas},
            "risk": {key.value: count.shown for key, count in self.risks},
            "high_risk_or_not_assessed_against_the_rules": {
                key.value: count.shown for key, count in self.against_rules
            },
        }


def _protect(
    counts: Sequence[int], *, total: tuple[int, str] | None = None, avoid: int | None = None
) -> list[str]:
    """:func:`ccehub.rules.disclosure.protect` (which withholds while the hidden counts add up to 1 to
    4), then, where the group's ``total`` (count, shown) is hidden, one withheld if none is, or the
    group's sum gives it back."""
    shown = protect(list(counts), avoid=avoid)
    if total is not None and total[0] and hidden(total[1]) and not any(hidden(t) for t in shown):
        withhold_one(counts, shown, avoid=avoid)
    return shown


def _part(n: int, *, totals: Sequence[Count], leaves: Sequence[int] = (), corners: Sequence[int] = ()) -> str:
    """A count shown on its own that is part of each of ``totals`` (published counts).

    Shown only if each total is shown (else, with what a reader knows of the rest, the part could
    give the hidden total back), and none of ``leaves`` (what it leaves of each total, and of other
    counts a reader can work out) nor ``corners`` (counts it and the totals give by inclusion and
    exclusion) is from 1 to 4. A count of 0 leaves each total whole, so only the corners matter then.
    """
    if suppressed(n):
        return SUPPRESSED
    if n == 0:
        return WITHHELD if any(suppressed(c) for c in corners) else "0"
    every = [total.n - n for total in totals] + list(leaves) + list(corners)
    if any(hidden(total.shown) for total in totals) or any(suppressed(c) for c in every):
        return WITHHELD
    return str(n)


def sufficiency(
    rows: Iterable[CurrentPlacement],
    *,
    settings: Sequence[tuple[str, str]],
    start_not_recorded: int = 0,
    no_open_placement: int = 0,
) -> Sufficiency:
    """Count the children placed now (one :class:`CurrentPlacement` each) by setting, distance, area and
    risk, and those at high risk (or not assessed) placed against R-43 and R-41; protect small numbers.

    Args:
        rows: each child's current placement.
        settings: every kind of setting as ``(code, label)``, in the order to show them; a kind met in
            ``rows`` but not listed is added at the end under its code.
        start_not_recorded: children in scope whose only open placements have no start date.
        no_open_placement: children in scope with no open placement on record.
    """
    if start_not_recorded < 0 or no_open_placement < 0:
        raise ValueError("A number of children cannot be negative")
    placements = list(rows)
    placed = len(placements)
    labels = dict(settings)
    for row in placements:
        labels.setdefault(row.setting_type, row.setting_type)
    by_setting = {code: 0 for code in labels}
    by_distance = {key: 0 for key in Distance}
    by_area = {key: 0 for key in Area}
    by_risk = {key: 0 for key in (Risk.HIGH, Risk.NOT_ASSESSED, Risk.LOW_OR_MEDIUM)}
    for row in placements:
        by_setting[row.setting_type] += 1
        by_distance[distance_band(row.distance_miles)] += 1
        by_area[area_of(row.in_home_area)] += 1
        by_risk[risk_group(row.risk_level)] += 1
    by_group = {group: 0 for group in SettingGroup}
    for code, n in by_setting.items():
        by_group[setting_group(code)] += n
    high = by_risk[Risk.HIGH] + by_risk[Risk.NOT_ASSESSED]

    total = placed + start_not_recorded + no_open_placement
    children = Count(total, shown_count(total))
    # the coverage adds up to the children in scope: withhold "placed now" only if nothing else will
    # do, since every group below adds up to it
    coverage = _counted(
        dict(zip(Coverage, [placed, start_not_recorded, no_open_placement], strict=True)), avoid=0
    )
    placed_count = coverage[0][1]
    under_placed = (placed, placed_count.shown)
    groups = _counted(by_group, total=under_placed)
    group_counts = dict(groups)
    settings_shown: list[SettingCount] = []
    for group in SettingGroup:
        codes = [code for code in by_setting if setting_group(code) is group]
        parent = group_counts[group]
        shown = _protect([by_setting[c] for c in codes], total=(parent.n, parent.shown))
        settings_shown += [
            SettingCount(code, labels[code], group, Count(by_setting[code], text))
            for code, text in zip(codes, shown, strict=True)
        ]
    order = {code: i for i, code in enumerate(by_setting)}
    settings_shown.sort(key=lambda row: order[row.code])
    top = _counted(
        {Risk.HIGH_OR_NOT_ASSESSED: high, Risk.LOW_OR_MEDIUM: by_risk[Risk.LOW_OR_MEDIUM]},
        total=under_placed,
    )
    high_count = top[0][1]
    split = _counted(
        {Risk.HIGH: by_risk[Risk.HIGH], Risk.NOT_ASSESSED: by_risk[Risk.NOT_ASSESSED]},
        total=(high, high_count.shown),
    )
    risks = (top[0], *split, top[1])
    distances = _counted(by_distance, total=under_placed)

    banned = sum(1 for row in placements if in_banned_setting(row))
    far_no_wish = sum(1 for row in placements if at_distance_without_wish(row))
    in_banned = group_counts[SettingGroup.BANNED]
    far = dict(distances)[Distance.AT_DISTANCE]
    not_by_court = placed - by_group[SettingGroup.COURT]
    against = {
        Breach.BANNED_SETTING: Count(
            banned,
            _part(
                banned,
                totals=[high_count, in_banned, placed_count],
                leaves=[not_by_court - banned],
                # neither at high risk nor in a banned setting: the rest of the two-by-two table
                corners=[placed - high - in_banned.n + banned],
            ),
        ),
        Breach.AT_DISTANCE_WITHOUT_WISH: Count(
            far_no_wish,
            _part(
                far_no_wish,
                totals=[high_count, far, placed_count],
                leaves=[not_by_court - far_no_wish],
            ),
        ),
    }
    return Sufficiency(
        children=children,
        coverage=coverage,
        setting_groups=groups,
        settings=tuple(settings_shown),
        distances=distances,
        areas=_counted(by_area, total=under_placed),
        risks=risks,
        against_rules=tuple(against.items()),
    )


def _counted(
    counts: dict[_K, int], *, total: tuple[int, str] | None = None, avoid: int | None = None
) -> tuple[tuple[_K, Count], ...]:
    """A group of counts, protected (:func:`_protect`) as one whose total is known."""
    shown = _protect(list(counts.values()), total=total, avoid=avoid)
    return tuple((key, Count(n, text)) for (key, n), text in zip(counts.items(), shown, strict=True))
