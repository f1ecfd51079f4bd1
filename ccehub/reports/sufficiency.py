"""Placement sufficiency (R-46), from the stored records: where the children the actor may see are
placed now, counted by the pure rules in :mod:`ccehub.rules.sufficiency`.

A child's current placement is the latest started of their open ones (a start date, no end date).
Three queries, however many children: the children in scope, their dated open placements (with the
child's risk now), and the children whose only open placements have no start date. One audit row per
report: aggregates only, no child named.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

from ccehub.audit.models import Action
from ccehub.audit.services import audit_record
from ccehub.children.models import Placement, SettingType
from ccehub.children.selectors import child_list
from ccehub.common.access import Actor
from ccehub.rules.sufficiency import (
    AREA_LABELS,
    BREACH_LABELS,
    COVERAGE_LABELS,
    DISTANCE_LABELS,
    GROUP_LABELS,
    RISK_LABELS,
    CurrentPlacement,
    Sufficiency,
    sufficiency,
)

MSG_NOT_ALLOWED = "Your role does not read children's records, so it has no children's placements to count"
SCOPE = "The children you can see"
AUDIT_FIELDS = [
    "placements.setting_type",
    "placements.started_on",
    "placements.ended_on",
    "placements.distance_from_home_miles",
    "placements.in_home_area",
    "placements.young_person_express_wish",
    "children.risk_level",
]


@dataclass(frozen=True)
class SufficiencyReport:
    result: Sufficiency
    scope: str

    def to_json(self) -> dict[str, Any]:
        return {"scope": self.scope, **self.result.as_dict()}

    def rows(self) -> list[tuple[str, str, str]]:
        """(section, measure, children as shown): the CSV's rows and the CLI's tables."""
        result = self.result
        out = [("Children", "Children in scope", result.children.shown)]
        out += [("Children", COVERAGE_LABELS[key], count.shown) for key, count in result.coverage]
        out += [("Group of settings", GROUP_LABELS[key], count.shown) for key, count in result.setting_groups]
        out += [
            (
                "Kind of setting",
                f"{row.label} (banned at high risk, R-43)" if row.banned else row.label,
                row.count.shown,
            )
            for row in result.settings
        ]
        out += [("Distance from home", DISTANCE_LABELS[key], count.shown) for key, count in result.distances]
        out += [("Area", AREA_LABELS[key], count.shown) for key, count in result.areas]
        out += [("Exploitation risk now", RISK_LABELS[key], count.shown) for key, count in result.risks]
        out += [
            ("At high risk or not assessed, against the rules", BREACH_LABELS[key], count.shown)
            for key, count in result.against_rules
        ]
        return out

    def to_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["section", "measure", "children"])
        writer.writerows(self.rows())
        return out.getvalue()


def current_placements(children: Any) -> tuple[list[CurrentPlacement], int]:
    """Each child's current placement (the latest started open one), and how many children have open
    placements but none with a start date. ``children`` is filtered in the database (a subquery)."""
    ids = children.values("pk")
    current: dict[Any, CurrentPlacement] = {}
    for child_id, setting, miles, home, wish, risk in (
        Placement.objects.filter(child__in=ids, ended_on__isnull=True, started_on__isnull=False)
        # the latest started first; on the same day, the one recorded last
        .order_by("child_id", "-started_on", "-created_at", "-pk")
        .values_list(
            "child_id",
            "setting_type",
            "distance_from_home_miles",
            "in_home_area",
            "young_person_express_wish",
            "child__risk_level",
        )
    ):
        current.setdefault(
            child_id,
            CurrentPlacement(
                setting_type=setting,
                distance_miles=miles,
                in_home_area=home,
                risk_level=risk,
                express_wish=wish,
            ),
        )
    undated = set(
        Placement.objects.filter(child__in=ids, ended_on__isnull=True, started_on__isnull=True)
        .values_list("child_id", flat=True)
        .distinct()
    )
    return list(current.values()), len(undated - current.keys())


def sufficiency_report(*, actor: Actor, action: str = Action.VIEW) -> SufficiencyReport:
    """The report over the children ``actor`` may see; audited once. Raises ``PermissionDenied`` for
    roles that read no cases."""
    from django.core.exceptions import PermissionDenied

    if not actor.system and (actor.agency is None or not actor.can_read_cases):
        raise PermissionDenied(MSG_NOT_ALLOWED)
    children = child_list(actor=actor)
    in_scope = children.count()
    placed, undated = current_placements(children)
    result = sufficiency(
        placed,
        settings=SettingType.choices,
        start_not_recorded=undated,
        no_open_placement=in_scope - len(placed) - undated,
    )
    audit_record(
        actor=actor,
        action=action,
        object_type="placement_sufficiency_report",
        fields=AUDIT_FIELDS,
        detail=(
            f"{SCOPE}: {in_scope} children, {len(placed)} placed now, {undated} with undated open "
            "placements; aggregates only, counts under 5 suppressed"
        )[:500],
    )
    return SufficiencyReport(result=result, scope=SCOPE)
