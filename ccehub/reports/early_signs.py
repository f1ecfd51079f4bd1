"""Going missing as an early sign (R-34), from the stored records: each child's first missing episode
and first arrest, read for the children the actor may see, and counted by the pure rules in
:mod:`ccehub.rules.early_signs`.

One audit row per report (aggregates), naming each child only when a cohort's children are listed one
by one (as the Fig 3 matrix does for the report's 13 boys).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from ccehub.audit.models import Action
from ccehub.audit.services import audit_record
from ccehub.children.models import Child, MissingEpisode
from ccehub.children.selectors import child_list
from ccehub.common.access import Actor
from ccehub.demo.cases import COHORT
from ccehub.incidents.models import IdentifyingIncident
from ccehub.justice.models import Arrest
from ccehub.rules.early_signs import ORDER_LABELS, EarlySigns, FirstEvents, early_signs

MSG_NOT_ALLOWED = "Your role does not read children's records, so it has no children to count"
MSG_COHORT_ONLY = (
    "Only the report's cohort ({cohort}) is listed child by child: any other set of children is "
    "counted as aggregates, with small numbers suppressed"
)


@dataclass(frozen=True)
class EarlySignsReport:
    result: EarlySigns
    scope: str
    cohort: str | None

    @property
    def per_child(self) -> bool:
        """Children are listed one by one only for the report's own boys (``crest-2022``)."""
        return self.cohort is not None

    def to_json(self) -> dict[str, Any]:
        return {
            "scope": self.scope,
            "cohort": self.cohort,
            **self.result.as_dict(with_children=self.per_child),
        }

    def to_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["measure", "children"])
        writer.writerow(["Children in scope", self.result.children.shown])
        for order, count in self.result.orders:
            writer.writerow([ORDER_LABELS[order], count.shown])
        for label, count in self.result.bands:
            writer.writerow([f"Missing first, then arrested: {label}", count.shown])
        writer.writerow(
            ["Median days from the first missing episode to the first arrest", self.result.median_shown]
        )
        if self.per_child:
            writer.writerow([])
            writer.writerow(["child", "order", "first_missing_to_first_arrest_days", "dates"])
            for row in self.result.per_child:
                writer.writerow([row.child, row.order.value, "" if row.days is None else row.days, row.dates])
        return out.getvalue()


def _local(value: datetime) -> Any:
    return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()


def first_events(children: QuerySet[Child]) -> list[FirstEvents]:
    """Each child's earliest dated missing episode and arrest (an arrest record, or an identifying
    incident that was an arrest), with how each date is known. ``children`` is filtered in the
    database (a subquery), however many there are."""
    ids = children.values("pk")
    missing: dict[Any, tuple[datetime, str]] = {}
    for child_id, at, basis in (
        MissingEpisode.objects.filter(child__in=ids, started_at__isnull=False)
        .order_by("child_id", "started_at", "pk")
        .values_list("child_id", "started_at", "started_at_basis")
    ):
        missing.setdefault(child_id, (at, basis))
    arrests: dict[Any, tuple[datetime, str]] = {}
    dated = [
        *Arrest.objects.filter(child__in=ids, arrested_at__isnull=False).values_list(
            "child_id", "arrested_at", "arrested_at_basis"
        ),
        *IdentifyingIncident.objects.filter(child__in=ids, is_arrest=True).values_list(
            "child_id", "occurred_at", "occurred_at_basis"
        ),
    ]
    # earliest first; at the same moment, the better-known date (recorded before approximate)
    for child_id, at, basis in sorted(dated, key=lambda row: (str(row[0]), row[1], row[2] != "recorded")):
        arrests.setdefault(child_id, (at, basis))
    rows = []
    for child in children:
        m, a = missing.get(child.pk), arrests.get(child.pk)
        rows.append(
            FirstEvents(
                child=child.display_pseudonym or child.pseudonymous_id,
                first_missing=_local(m[0]) if m else None,
                missing_basis=m[1] if m else "recorded",
                first_arrest=_local(a[0]) if a else None,
                arrest_basis=a[1] if a else "recorded",
                arrested_earlier_that_day=bool(m and a and _local(m[0]) == _local(a[0]) and a[0] < m[0]),
            )
        )
    return rows


def early_signs_report(
    *, actor: Actor, cohort: str | None = None, all_dates: bool = False, action: str = Action.VIEW
) -> EarlySignsReport:
    """The report over the children ``actor`` may see (of ``cohort``, if given); audited once (and
    once per child when a cohort is listed child by child). Raises ``PermissionDenied`` for roles
    that read no cases."""
    from django.core.exceptions import PermissionDenied

    if not actor.system and (actor.agency is None or not actor.can_read_cases):
        raise PermissionDenied(MSG_NOT_ALLOWED)
    if cohort and cohort != COHORT:
        # listing another set of children one by one, against the suppressed aggregates, would
        # give back the counts the suppression hides
        raise ValueError(MSG_COHORT_ONLY.format(cohort=COHORT))
    children = child_list(actor=actor)
    if cohort:
        children = children.filter(cohort=cohort)
    children = children.order_by("cohort_position", "pseudonymous_id")
    kids = list(children)
    result = early_signs(first_events(children), all_dates=all_dates, suppress=not cohort)
    scope = f"Children in {cohort}" if cohort else "The children you can see"
    if cohort:  # one row per child: each child's dates were read, as for the Fig 3 matrix
        for child in kids:
            audit_record(
                actor=actor,
                action=action,
                object_type="early_signs_report",
                child_pid=child.pseudonymous_id,
                fields=["missing_episodes.started_at", "arrests.arrested_at", "incidents.occurred_at"],
            )
    audit_record(
        actor=actor,
        action=action,
        object_type="early_signs_report",
        fields=["missing_episodes.started_at", "arrests.arrested_at", "incidents.occurred_at"],
        detail=(
            f"{scope}: {len(kids)} children; {'all dates' if all_dates else 'recorded dates only'}; "
            + ("one row per child" if cohort else "aggregates only, counts under 5 suppressed")
        )[:500],
    )
    return EarlySignsReport(result=result, scope=scope, cohort=cohort or None)
