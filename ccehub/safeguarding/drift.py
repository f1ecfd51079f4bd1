"""Drift between the three processes on a child's record. Rules: :mod:`ccehub.rules.drift`; this
module reads the facts they need, for any number of children in a fixed number of queries (the
dashboard lists many)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any

from django.utils import timezone

from ccehub.children.models import Child
from ccehub.common.models import DateBasis
from ccehub.rules.drift import (
    CHILD_PROTECTION_PLANS,
    ArrestFact,
    Drift,
    DriftFacts,
    OpenReferral,
    drift_alerts,
)
from ccehub.rules.policy import profile_in_force
from ccehub.safeguarding.early_warnings import children_today


def _day(moment: Any) -> date | None:
    if moment is None:
        return None
    return timezone.localtime(moment).date() if timezone.is_aware(moment) else moment.date()


def _placed(on: date | None, basis: object) -> date | None:
    """A date the drift rules may count from: not a synthetic one (the source gave no date; the demo
    places the report's facts on made-up days, and drift counted from them would be invented)."""
    return None if basis == DateBasis.SYNTHETIC else on


def drift_facts(children: list[Child], *, today: date | None = None) -> dict[Any, DriftFacts]:
    """The facts the drift rules read, for each child (by primary key)."""
    from ccehub.children.models import PoliceProtection
    from ccehub.justice.models import Arrest, Charge, ChargeStatus, CourtOutcome
    from ccehub.nrm.models import NRMReferral
    from ccehub.nrm.selectors import clock_route, referral_clock, referral_concluded, referral_decisions
    from ccehub.safeguarding.models import CareOrder, ChildPlan, SecureAccommodationOrder, StrategyMeeting

    today = today or timezone.localdate()
    pks = [c.pk for c in children]
    # a charge answers an arrest when it came from it, from the same incident, or on or
    # after its day (the charge form records the incident, not the arrest)
    charges = list(
        Charge.objects.filter(child_id__in=pks)
        .order_by()
        .values_list("child_id", "arrest_id", "incident_id", "charged_on", "status", "prosecution_decided_on")
    )
    charges_of: dict[Any, list[Any]] = defaultdict(list)
    for row in charges:
        charges_of[row[0]].append(row)
    arrests: dict[Any, list[ArrestFact]] = defaultdict(list)
    for pk, child_id, incident_id, arrested_at, basis, outcome in (
        Arrest.objects.filter(child_id__in=pks)
        .order_by()
        .values_list("pk", "child_id", "incident_id", "arrested_at", "arrested_at_basis", "outcome")
    ):
        on = _placed(_day(arrested_at), basis)
        charged = any(
            c[1] == pk or (incident_id is not None and c[2] == incident_id) or (on and c[3] and c[3] >= on)
            for c in charges_of[child_id]
        )
        arrests[child_id].append(ArrestFact(on=on, outcome=outcome, charged=charged))
    # J-01: a child-protection step after the arrest (an undated row is placed on the day it was
    # recorded), or a child-protection plan or order in place on the arrest day (the W-3 case open)
    steps: dict[Any, list[date | None]] = defaultdict(list)
    running: dict[Any, list[tuple[date | None, date | None]]] = defaultdict(list)
    for model, field, basis_field, kinds in (
        (StrategyMeeting, "held_on", "held_on_basis", None),
        (ChildPlan, "started_on", "dates_basis", CHILD_PROTECTION_PLANS),
        (CareOrder, "started_on", None, None),
        (SecureAccommodationOrder, "made_on", None, None),
        (PoliceProtection, "started_at", "dates_basis", None),
    ):
        rows = model.objects.filter(child_id__in=pks).order_by()
        if kinds is not None:
            rows = rows.filter(plan_type__in=kinds)
        ended = "ended_on" if model in (ChildPlan, CareOrder) else None
        for child_id, moment, created_at, basis, end in rows.values_list(
            "child_id", field, "created_at", basis_field or "created_at", ended or "created_at"
        ):
            on = _placed(_day(moment) if isinstance(moment, datetime) else moment, basis)
            steps[child_id].append(on if on is not None else _day(created_at))
            if ended is not None:
                running[child_id].append((on, _placed(end, basis)))
    # J-04: charges going ahead, unless the prosecution decision was recorded with the NRM in view
    live: dict[Any, list[date | None]] = defaultdict(list)
    for child_id, _, _, charged_on, status, decided in charges:
        if status in (ChargeStatus.CHARGED, ChargeStatus.COURT_PROCEEDINGS) and decided is None:
            live[child_id].append(charged_on)
    courts: dict[Any, list[date | None]] = defaultdict(list)
    for child_id, decided_on in (
        CourtOutcome.objects.filter(child_id__in=pks).order_by().values_list("child_id", "decided_on")
    ):
        courts[child_id].append(decided_on)
    referrals: dict[Any, list[OpenReferral]] = defaultdict(list)
    for referral in NRMReferral.objects.filter(
        child_id__in=pks, outcome_known_to_case_owner=True
    ).prefetch_related("decisions"):
        if referral_concluded(referral):
            continue
        rg = referral_decisions(referral).rg
        positive_rg = rg is not None and rg.outcome == "positive"
        referred_on = _placed(referral.referred_on, referral.referred_on_basis)
        possible_from = None
        dated = referred_on is not None and rg is not None and _placed(rg.decided_on, rg.decided_on_basis)
        if positive_rg and dated and clock_route(referral) == "national":
            clock = referral_clock(referral, as_of=today)
            possible_from = clock.earliest_cg if clock is not None else None
            # a panel referral escalated to the SCA: the SCA's wait starts when it got the case
            if possible_from is not None and referral.escalated_on is not None:
                possible_from = max(possible_from, referral.escalated_on)
        referrals[referral.child_id].append(
            OpenReferral(
                referred_on=referred_on,
                awaiting="cg" if positive_rg else "rg",
                cg_possible_from=possible_from,
            )
        )
    status = children_today(pks, today=today)
    out = {}
    for child in children:
        out[child.pk] = DriftFacts(
            child=status[child.pk],
            arrests=tuple(arrests[child.pk]),
            safeguarding_on=tuple(steps[child.pk]),
            safeguarding_running=tuple(running[child.pk]),
            open_referrals=tuple(referrals[child.pk]),
            live_charges_on=tuple(live[child.pk]),
            court_outcomes_on=tuple(courts[child.pk]),
        )
    return out


def drift_for(children: list[Child], *, today: date | None = None) -> dict[Any, list[Drift]]:
    """The drift alerts that stand for each child (by primary key), on the profile in force today."""
    today = today or timezone.localdate()
    days = profile_in_force(today).drift_days
    return {
        pk: drift_alerts(facts, today=today, drift_days=days)
        for pk, facts in drift_facts(children, today=today).items()
    }
