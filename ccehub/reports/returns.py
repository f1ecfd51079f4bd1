"""The statutory and inspection return (F-23, R-57), from the stored records: the facts of each child
in the reader's scope read in a fixed number of queries, counted by the pure rules in
:mod:`ccehub.rules.returns`, audited once (aggregates only, no child named).

Scope (:func:`returns_scope`): an analyst (or the system) counts every child, or one local
authority's; a panel the children whose cases it has had; anyone else the children their agency holds
or has held records about.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

from django.db.models import QuerySet
from django.utils import timezone

from ccehub.audit.models import Action
from ccehub.audit.services import audit_record
from ccehub.children.models import Child, Identity, MissingEpisode, Placement
from ccehub.common.access import Actor
from ccehub.common.models import TriState
from ccehub.incidents.models import RebuttalStatus, TriageDecision
from ccehub.nrm.models import DecisionStage, ExploitationType, NRMReferral
from ccehub.nrm.selectors import referral_decisions
from ccehub.panels.models import JointPlan, PanelCase, SafeguardingOrder
from ccehub.rules.age import age_on
from ccehub.rules.placement import at_distance
from ccehub.rules.presumption import PresumptionCategory
from ccehub.rules.returns import (
    AGE_BAND_LABELS,
    RESPONSE_LABELS,
    ROUTE_LABELS,
    STATUS_LABELS,
    ChildFacts,
    Dated,
    Decision,
    Period,
    Referral,
    Response,
    ResponseKind,
    Returns,
    financial_year,
    financial_year_of,
    returns,
)
from ccehub.safeguarding.models import ChildPlan, PlanType, StrategyMeeting

RECORDED: Final = "recorded"
MSG_NOT_ALLOWED: Final = "Your role does not read children's records, so it has no children to count"
AUDIT_FIELDS: Final = [
    "incidents.occurred_at",
    "triage_decisions.presumption",
    "nrm_referrals.referred_on",
    "nrm_referrals.county_lines_flag",
    "nrm_referrals.decisions",
    "identities.date_of_birth",
    "strategy_meetings.held_on",
    "child_plans.started_on",
    "panel_cases.shared_on",
    "joint_plans.agreed_on",
    "safeguarding_orders.applied_on",
    "missing_episodes.return_home_interview",
    "placements.started_on",
    "placements.distance_from_home_miles",
]
SECTIONS: Final = (
    "Children exploited in county lines",
    "Local authority responses",
    "NRM referrals with the county-lines flag",
    "Days from reasonable to conclusive grounds",
)


@dataclass(frozen=True)
class ReturnsReport:
    result: Returns
    scope: str

    def to_json(self) -> dict[str, Any]:
        return {"scope": self.scope, **self.result.as_dict()}

    def rows(self) -> list[tuple[str, str, str]]:
        """(section, measure, value as shown): the CSV's rows and the CLI's tables."""
        r = self.result
        children, responses, referrals, days = SECTIONS
        out = [(children, "Children identified in the period (total)", r.identified.shown)]
        out += [(children, STATUS_LABELS[status], count.shown) for status, count in r.statuses]
        out += [(children, "Referred, every decision negative (not in the total)", r.negative.shown)]
        out += [(children, "Referred, county-lines flag not recorded (not in the total)", r.unflagged.shown)]
        for row in r.responses:
            out += [
                (responses, f"{RESPONSE_LABELS[row.kind]}: yes", row.with_.shown),
                (responses, f"{RESPONSE_LABELS[row.kind]}: no", row.without.shown),
            ]
        out += [(referrals, "Referrals with the flag (total)", r.flagged_referrals.shown)]
        out += [(referrals, AGE_BAND_LABELS[band], count.shown) for band, count in r.age_bands]
        out += [
            (referrals, "Referrals with the flag not recorded (not in the total)", r.flag_not_recorded.shown)
        ]
        for route in r.rg_to_cg:
            label = ROUTE_LABELS[route.route]
            out += [
                (days, f"{label}: decisions", route.decisions.shown),
                (days, f"{label}: median days", route.median_days),
            ]
        return out

    def to_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["period", "section", "measure", "value"])
        writer.writerows((self.result.period.label, *row) for row in self.rows())
        return out.getvalue()


def _day(value: datetime) -> date:
    return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()


def _decision(row: Any) -> Decision | None:
    return None if row is None else Decision(row.outcome, Dated(row.decided_on, row.decided_on_basis))


def _tri(value: str) -> bool | None:
    if value == TriState.RECORDED_PRESENT:
        return True
    if value == TriState.RECORDED_ABSENT:
        return False
    return None


def _presumed_at_end(children_ids: Any, period: Period) -> dict[Any, list[Dated]]:
    """For each child, the days of the county-lines incidents at which the 100-day presumption stood
    at the end of the period: the triage decision in force then (the latest made by its last day),
    presuming the child a victim, with no rebuttal approved by then. A rebuttal or re-triage after the
    year does not change the year; an incident first triaged after the year (recorded late) counts as
    it stands now."""
    by_incident: dict[Any, list[tuple[date, Any]]] = defaultdict(list)
    rows = TriageDecision.objects.filter(
        child__in=children_ids, incident__county_lines_linked=TriState.RECORDED_PRESENT
    ).values(
        "child_id",
        "incident_id",
        "incident__occurred_at",
        "incident__occurred_at_basis",
        "decided_at",
        "presumption",
        "rebuttal_status",
        "rebuttal_decided_at",
    )
    for row in rows:
        by_incident[row["incident_id"]].append((_day(row["decided_at"]), row))
    presumed: dict[Any, list[Dated]] = defaultdict(list)
    for decisions in by_incident.values():
        decisions.sort(key=lambda pair: (pair[0], pair[1]["decided_at"]))
        by_end = [row for day, row in decisions if day <= period.end]
        # an incident first triaged after the year (recorded late) stands as it stands now
        row = by_end[-1] if by_end else decisions[-1][1]
        rebutted = (
            row["rebuttal_status"] == RebuttalStatus.APPROVED
            and row["rebuttal_decided_at"] is not None
            and _day(row["rebuttal_decided_at"]) <= period.end
        )
        if row["presumption"] == PresumptionCategory.PRESUMED_VICTIM and not rebutted:
            presumed[row["child_id"]].append(
                Dated(_day(row["incident__occurred_at"]), row["incident__occurred_at_basis"])
            )
    return presumed


def child_facts(children: QuerySet[Child], period: Period) -> list[ChildFacts]:
    """Each child's facts for the return, in a fixed number of queries (``children`` is a subquery)."""
    ids = children.values("pk")
    presumed = _presumed_at_end(ids, period)

    births: dict[Any, date] = {}
    for child_id, dob in (
        Identity.objects.filter(child__in=ids, date_of_birth__isnull=False, date_of_birth_estimated=False)
        .order_by("child_id", "created_at")
        .values_list("child_id", "date_of_birth")
    ):
        births.setdefault(child_id, dob)

    referrals: dict[Any, list[Referral]] = defaultdict(list)
    for referral in NRMReferral.objects.filter(child__in=ids).prefetch_related("decisions"):
        decided = referral_decisions(referral)
        rg = decided.rg
        if rg is None and decided.cg is None:
            # a decision from the report whose stage was not stated is at least reasonable grounds
            rg = next((d for d in referral.decisions.all() if d.stage == DecisionStage.UNSTATED), None)
        dob = births.get(referral.child_id)
        on = referral.referred_on
        referrals[referral.child_id].append(
            Referral(
                referred=Dated(on, referral.referred_on_basis),
                county_lines=_tri(referral.county_lines_flag),
                criminal=referral.exploitation_type == ExploitationType.CRIMINAL,
                age=age_on(dob, on) if dob is not None and on is not None and on >= dob else None,
                route=referral.route,
                rg=_decision(rg),
                cg=_decision(decided.cg),
            )
        )

    responses: dict[Any, list[Response]] = defaultdict(list)

    def add(kind: ResponseKind, rows: Any, *, lasting: bool = False) -> None:
        for child_id, on, basis, *until in rows:
            responses[child_id].append(
                Response(kind, Dated(on, basis), until[0] if until else None, lasting=lasting)
            )

    add(
        ResponseKind.STRATEGY_MEETING,
        StrategyMeeting.objects.filter(child__in=ids, held_on__isnull=False).values_list(
            "child_id", "held_on", "held_on_basis"
        ),
    )
    add(
        ResponseKind.CHILD_PROTECTION_PLAN,
        ChildPlan.objects.filter(
            child__in=ids, plan_type=PlanType.CHILD_PROTECTION, started_on__isnull=False
        ).values_list("child_id", "started_on", "dates_basis", "ended_on"),
        lasting=True,
    )
    # these dates are always recorded ones (entered on ccehub, never placed by the demo loader)
    for kind, model, field in (
        (ResponseKind.PANEL_CASE, PanelCase, "shared_on"),
        (ResponseKind.JOINT_PLAN, JointPlan, "agreed_on"),
        (ResponseKind.SAFEGUARDING_ORDER, SafeguardingOrder, "applied_on"),
    ):
        rows = model.objects.filter(child__in=ids, **{f"{field}__isnull": False}).values_list(
            "child_id", field
        )
        add(kind, ((child_id, on, RECORDED) for child_id, on in rows))
    add(
        ResponseKind.RETURN_HOME_INTERVIEW,
        (
            (child_id, on, RECORDED)
            for child_id, on in MissingEpisode.objects.filter(
                child__in=ids,
                return_home_interview=MissingEpisode.ReturnHomeInterview.COMPLETED,
                return_home_interview_on__isnull=False,
            ).values_list("child_id", "return_home_interview_on")
        ),
    )
    add(
        ResponseKind.PLACED_AT_DISTANCE,
        (
            (child_id, on, RECORDED)
            for child_id, on, miles in Placement.objects.filter(
                child__in=ids, started_on__isnull=False, distance_from_home_miles__isnull=False
            ).values_list("child_id", "started_on", "distance_from_home_miles")
            if at_distance(miles)
        ),
    )

    return [
        ChildFacts(
            presumed=tuple(presumed.get(pk, ())),
            referrals=tuple(referrals.get(pk, ())),
            responses=tuple(responses.get(pk, ())),
        )
        for pk in children.values_list("pk", flat=True)
    ]


EARLIEST_YEAR: Final = 2000


def period_for(year: int | None, today: date) -> Period:
    """The financial year starting in ``year`` (default: the one ``today`` is in). Raises
    ``ValueError`` with a message for a year before 2000 or one that has not started."""
    current = financial_year_of(today)
    if year is None:
        return financial_year(current)
    if not EARLIEST_YEAR <= year <= current:
        raise ValueError(
            f"There is no return for {year}: give the year a financial year starts in, from "
            f"{EARLIEST_YEAR} to {current} (the year to date is {financial_year(current).label})"
        )
    return financial_year(year)


MSG_NOT_A_LOCAL_AUTHORITY: Final = "{code!r} is not a local authority's children's services on ccehub"
MSG_CHOOSE_ONLY_AS_ANALYST: Final = (
    "Only an analyst chooses a local authority: your return counts the children your agency holds or "
    "has held records about"
)


def local_authority_named(code: str) -> Any:
    """The local authority (children's services) with this agency code. Raises ``ValueError``."""
    from ccehub.agencies.models import Agency, AgencyKind

    agency = Agency.objects.filter(code=code.strip(), kind=AgencyKind.LA_CHILDRENS_SERVICES).first()
    if agency is None:
        raise ValueError(MSG_NOT_A_LOCAL_AUTHORITY.format(code=code.strip()))
    return agency


def returns_scope(actor: Actor, local_authority: Any = None) -> tuple[QuerySet[Child], str]:
    """The children ``actor`` counts, and how to say so.

    * the system or an analyst: every child (aggregates only), or the children whose home local
      authority is ``local_authority``: the return of one council;
    * a CCE panel's people: the children whose cases the panel has had (open or closed);
    * anyone else who reads cases: the children their agency holds or has held records about (a
      holding that ended in the year still counts its year). Children seen only under a data-sharing
      agreement or an emergency are another agency's to return.

    Raises ``PermissionDenied`` for roles that read no cases, and ``ValueError`` when someone other
    than an analyst names a local authority."""
    from django.core.exceptions import PermissionDenied

    from ccehub.agencies.models import AgencyKind

    everyone = actor.system or (actor.agency is not None and actor.can_read_cases and actor.is_analyst)
    if not everyone and (actor.agency is None or not actor.can_read_cases):
        raise PermissionDenied(MSG_NOT_ALLOWED)
    if everyone:
        if local_authority is not None:
            return (
                Child.objects.filter(home_local_authority=local_authority),
                f"Children whose home local authority is {local_authority.name} (aggregates only)",
            )
        return Child.objects.all(), "All children (aggregates only, small numbers suppressed)"
    if local_authority is not None:
        raise ValueError(MSG_CHOOSE_ONLY_AS_ANALYST)
    agency = actor.agency
    assert agency is not None
    if agency.kind == AgencyKind.CCE_PANEL:
        return Child.objects.filter(
            panel_cases__panel=agency
        ).distinct(), f"Children whose cases {agency.name} has had"
    return (
        Child.objects.filter(holdings__agency=agency).distinct(),
        f"Children {agency.name} holds or has held records about",
    )


def returns_report(
    *,
    actor: Actor,
    period: Period,
    all_dates: bool = False,
    local_authority: Any = None,
    action: str = Action.VIEW,
) -> ReturnsReport:
    """The return for ``period`` over the actor's scope; audited once."""
    children, scope = returns_scope(actor, local_authority)
    facts = child_facts(children, period)
    result = returns(facts, period, all_dates=all_dates)
    audit_record(
        actor=actor,
        action=action,
        object_type="statutory_return",
        fields=AUDIT_FIELDS,
        detail=(
            f"{scope}: {len(facts)} children read for {period.label}"
            f"{' (all dates)' if all_dates else ''}, {result.identified.n} counted; aggregates only, "
            "counts under 5 suppressed"
        )[:500],
    )
    return ReturnsReport(result=result, scope=scope)
