"""A person index for the demo, so that "is this child already known?" has something to find.

It holds each of the report's 13 boys as their home authority and (where one arrested them) the
arresting force record them, plus the local-authority and police records of a seeded synthetic
population. The boys' safeguarding flags come only from their recorded facts.
"""

from __future__ import annotations

from django.db import transaction

from ccehub.agencies.models import Agency, AgencyKind
from ccehub.audit.models import Channel
from ccehub.children.models import Child
from ccehub.common.access import Actor
from ccehub.common.models import TriState
from ccehub.demo.cases import COHORT
from ccehub.records.models import AgencyRecord, LinkModelVersion

DEMO_POPULATION = 3000
DEMO_SEED = 2022

#: The synthetic generator's force codes → our reference codes.
FORCE_CODES = {
    "MPS": "met",
    "WMP": "west-midlands",
    "GMP": "greater-manchester",
    "MERPOL": "merseyside",
    "WYP": "west-yorkshire",
    "ASP": "avon-and-somerset",
    "SWP": "south-wales",
    "NOTTS": "nottinghamshire",
    "NORFOLK": "norfolk",
    "ESSEX": "essex",
    "DCP": "devon-and-cornwall",
    "SUFFOLK": "suffolk",
    "HAMPSHIRE": "hampshire",
    "SYP": "south-yorkshire",
    "LEICS": "leicestershire",
}


def _boys() -> list[AgencyRecord]:
    rows: list[AgencyRecord] = []
    for child in Child.objects.filter(cohort=COHORT).select_related("identity", "home_local_authority"):
        identity = child.identity
        referrals = list(child.nrm_referrals.prefetch_related("decisions"))
        decisions = [d for r in referrals for d in r.decisions.all() if d.stage in ("rg", "cg")]
        decision = ""
        if decisions:
            last = max(decisions, key=lambda d: (d.stage == "cg", d.decided_on or d.created_at.date()))
            decision = f"{last.stage.upper()}_{last.outcome.upper()}"
        plans = {p.plan_type for p in child.plans.all()}
        common = {
            "given_name": identity.given_name,
            "family_name": identity.family_name,
            "date_of_birth": identity.date_of_birth,
            "sex": child.sex,
            "child": child,
        }
        la = child.home_local_authority
        if la is not None:
            rows.append(
                AgencyRecord(
                    agency=la,
                    record_id=f"DEMO-{child.cohort_position:03d}",
                    home_local_authority_text=la.code,
                    home_local_authority=la,
                    open_nrm=any(not r.decisions.exists() for r in referrals) if referrals else None,
                    nrm_decision=decision,
                    cp_plan=("child_protection" in plans) or None,
                    cin_plan=("child_in_need" in plans) or None,
                    looked_after={TriState.RECORDED_PRESENT: True, TriState.RECORDED_ABSENT: False}.get(
                        child.looked_after
                    ),
                    allocated_worker_contact=la.out_of_hours_contact,
                    **common,
                )
            )
        incident = child.incidents.select_related("arresting_force").first()
        if incident is not None and incident.arresting_force is not None:
            rows.append(
                AgencyRecord(
                    agency=incident.arresting_force,
                    record_id=f"{incident.arresting_force.code.upper()}-CUST-{child.cohort_position:03d}",
                    **common,
                )
            )
    return rows


def _synthetic() -> list[AgencyRecord]:
    from ccehub.synthetic import agency_records, generate_population, twin_references

    las = {a.name: a for a in Agency.objects.filter(kind=AgencyKind.LA_CHILDRENS_SERVICES)}
    forces = {a.code: a for a in Agency.objects.filter(kind=AgencyKind.POLICE_FORCE)}
    rows = []
    owners: list[str] = []
    population = generate_population(DEMO_POPULATION, DEMO_SEED)
    for rec in agency_records(population, DEMO_SEED):
        if rec.agency_kind == "police":
            agency = forces.get(FORCE_CODES.get(rec.agency, ""))
        elif rec.agency_kind == "local_authority":
            name = rec.extra.get("home_local_authority", "")
            agency = las.get(name) or next((a for n, a in las.items() if n.startswith(name + ",")), None)
        else:
            agency = None
        if agency is None:
            continue
        extra = rec.extra
        flag = {"true": True, "false": False}
        from ccehub.records.importer import _parse_date

        rows.append(
            AgencyRecord(
                agency=agency,
                record_id=rec.record_id,
                given_name=rec.given_name,
                family_name=rec.family_name,
                date_of_birth=_parse_date(rec.date_of_birth) if rec.date_of_birth else None,
                sex={"m": "male", "male": "male", "f": "female", "female": "female"}.get(rec.sex.lower(), ""),
                postcode=rec.postcode.upper()[:8],
                home_local_authority_text=extra.get("home_local_authority", ""),
                home_local_authority=agency if rec.agency_kind == "local_authority" else None,
                open_nrm=flag.get(extra.get("open_nrm", "")),
                nrm_decision=extra.get("nrm_decision", ""),
                cp_plan=flag.get(extra.get("cp_plan", "")),
                cin_plan=flag.get(extra.get("cin_plan", "")),
                looked_after=flag.get(extra.get("looked_after", "")),
                missing_now=flag.get(extra.get("missing_now", "")),
                allocated_worker_contact=extra.get("allocated_worker_contact", ""),
            )
        )
        owners.append(rec.true_person_id)
    # A local authority knows the twins in the households it works with (not_same_child_as).
    twins = twin_references(
        (
            (row.agency.code, owner, row.record_id)
            for row, owner in zip(rows, owners, strict=True)
            if row.agency.kind == AgencyKind.LA_CHILDRENS_SERVICES
        ),
        {p.person_id: p.twin_of for p in population if p.twin_of is not None},
    )
    for row in rows:
        row.not_same_child_as = twins.get((row.agency.code, row.record_id), [])
    return rows


def demo_index_build(*, progress: bool = False) -> LinkModelVersion | None:
    """Load the demo's agency records and build the index, unless an index is already active."""
    from ccehub.records.services import link_build

    if LinkModelVersion.objects.filter(active=True).exists():
        return None
    with transaction.atomic():
        if not AgencyRecord.objects.exists():
            AgencyRecord.objects.bulk_create(_boys() + _synthetic(), batch_size=2000, ignore_conflicts=True)
    actor = Actor.for_system(
        name="demo-loader", channel=Channel.SYSTEM, purpose="Build the demo person index"
    )
    return link_build(actor=actor, progress=progress)
