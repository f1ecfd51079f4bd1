"""A seeded synthetic population in the database, across several agencies, for benchmarks and demos.

People come from :mod:`ccehub.synthetic` (generated names, made-up postcodes in real districts). Each
child gets a home local authority and force, an identity, a vulnerability register, and, for some,
an identifying incident recorded by another (importing) force, missing episodes, placements and NRM
referrals. Rows are written in bulk, with one audit row per child created, in one transaction per
batch. Never real personal data.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from ccehub.agencies.models import Agency, AgencyKind
from ccehub.agencies.services import agency_reference_load
from ccehub.audit.models import Action, AuditEvent
from ccehub.children.models import (
    FIG3_ORDER,
    Address,
    CaseHolding,
    Child,
    Identity,
    MissingEpisode,
    Placement,
    RiskLevel,
    SettingType,
    VulnerabilityFlag,
    new_pseudonymous_id,
)
from ccehub.common.access import Actor
from ccehub.common.models import DateBasis, SourceType, TriState
from ccehub.incidents.models import IdentifyingIncident, IncidentType
from ccehub.nrm.models import NRMReferral, Route

#: Probability each Fig 3 factor is recorded present (roughly the report's sample, damped).
FACTOR_RATES: dict[str, float] = {
    "domestic_abuse": 0.55,
    "sexual_abuse_assault_concerns": 0.12,
    "substance_misuse": 0.7,
    "mental_health_concerns": 0.35,
    "school_exclusions": 0.45,
    "care_experienced": 0.3,
    "reported_missing": 0.6,
    "gang_involvement": 0.45,
    "offending_behaviour": 0.6,
    "victim_of_crime": 0.45,
}
#: The population writes sex as its extracts do ("M"/"F"; blank when not recorded).
POPULATION_SEX = {"M": "male", "F": "female"}

IMPORTING_FORCES = ("kent", "thames-valley", "essex", "sussex", "norfolk", "suffolk", "devon-and-cornwall")
BATCH = 2000


@dataclass
class GenerateSummary:
    cohort: str
    created: int
    existing: int


def cohort_name(seed: int) -> str:
    return f"synthetic-{seed}"


def _resolve_las() -> dict[str, Agency]:
    las = {
        a.name: a
        for a in Agency.objects.filter(kind=AgencyKind.LA_CHILDRENS_SERVICES).select_related("police_force")
    }
    out: dict[str, Agency] = {}
    from ccehub.synthetic.names import areas

    for area in areas():
        match = las.get(area.local_authority) or next(
            (a for name, a in las.items() if name.startswith(area.local_authority + ",")), None
        )
        if match is None:
            match = next((a for name, a in las.items() if area.local_authority in name), None)
        if match is not None:
            out[area.code] = match
    return out


def generate_children(
    *, actor: Actor, children: int, seed: int, progress: Callable[[int], None] | None = None
) -> GenerateSummary:
    """Create ``children`` synthetic children (cohort ``synthetic-<seed>``) in one transaction.
    Re-running is a no-op."""
    from ccehub.synthetic import generate_population

    cohort = cohort_name(seed)
    existing = Child.objects.filter(cohort=cohort).count()
    if existing:
        return GenerateSummary(cohort=cohort, created=0, existing=existing)
    if not Agency.objects.filter(kind=AgencyKind.LA_CHILDRENS_SERVICES).exists():
        agency_reference_load()
    la_by_area = _resolve_las()
    forces = {a.code: a for a in Agency.objects.filter(code__in=IMPORTING_FORCES)}
    population = generate_population(children, seed)
    rng = random.Random(f"db:{seed}")
    today = timezone.localdate()
    created = 0
    people = list(population.persons)
    # All or nothing: a cohort cut short (Ctrl-C, a full disk) would stay short for good, because a
    # re-run finds the cohort and creates nothing. Batches bound the memory, not the transaction.
    with transaction.atomic():
        for start in range(0, len(people), BATCH):
            batch = people[start : start + BATCH]
            created += _write_batch(actor, batch, start, cohort, la_by_area, forces, rng, today)
            if progress is not None:
                progress(len(batch))
    return GenerateSummary(cohort=cohort, created=created, existing=0)


def _write_batch(actor, batch, offset, cohort, la_by_area, forces, rng, today) -> int:  # type: ignore[no-untyped-def]
    child_rows: list[Child] = []
    for person in batch:
        la = la_by_area.get(person.area)
        child_rows.append(
            Child(
                pseudonymous_id=new_pseudonymous_id(),
                sex=POPULATION_SEX.get(person.sex, "unknown"),
                home_local_authority=la,
                home_police_force=la.police_force if la else None,
                originating_agency=la,
                cohort=cohort,
                risk_level=rng.choice(
                    [RiskLevel.LOW, RiskLevel.MEDIUM, RiskLevel.HIGH, RiskLevel.NOT_ASSESSED]
                ),
                looked_after=TriState.RECORDED_PRESENT if rng.random() < 0.2 else TriState.NOT_RECORDED,
                provenance_note="Synthetic child generated by `ccehub generate` (not a real person).",
            )
        )
    Child.objects.bulk_create(child_rows, batch_size=BATCH)
    identities, addresses, holdings, flags, incidents, missing, placements, referrals, audits = (
        [] for _ in range(9)
    )
    now = timezone.now()
    for person, child in zip(batch, child_rows, strict=True):
        identity = Identity(
            child=child,
            given_name=person.given_name,
            family_name=person.family_name,
            date_of_birth=person.date_of_birth,
        )
        identities.append(identity)
        addresses.append(Address(identity=identity, postcode=person.postcode, is_current=True))
        for agency, basis in (
            (child.home_local_authority, CaseHolding.Basis.HOME_LOCAL_AUTHORITY),
            (child.home_police_force, CaseHolding.Basis.HOME_POLICE_FORCE),
        ):
            if agency is not None:
                holdings.append(CaseHolding(child=child, agency=agency, basis=basis))
        for factor in FIG3_ORDER:
            roll = rng.random()
            value = (
                TriState.RECORDED_PRESENT
                if roll < FACTOR_RATES[factor]
                else (TriState.UNKNOWN if roll > 0.98 else TriState.NOT_RECORDED)
            )
            flags.append(
                VulnerabilityFlag(
                    child=child,
                    factor=factor,
                    value=value,
                    source_agency=child.home_local_authority,
                    source_type=SourceType.LA_RECORD,
                )
            )
        if forces and rng.random() < 0.35:
            force = rng.choice(list(forces.values()))
            age_days = (today - person.date_of_birth).days
            earliest = max(10 * 365, age_days - 3 * 365)
            back = rng.randint(1, max(2, age_days - earliest)) if age_days > earliest else 1
            when = timezone.make_aware(
                datetime.combine(today - timedelta(days=back), time(rng.randint(0, 23), 0))
            )
            incident_type = rng.choice(
                [
                    IncidentType.ARREST_PWITS,
                    IncidentType.CUCKOOED_ADDRESS,
                    IncidentType.MISSING_PERSON_ENQUIRY,
                    IncidentType.STOP_SEARCH,
                ]
            )
            incidents.append(
                IdentifyingIncident(
                    child=child,
                    occurred_at=when,
                    occurred_at_basis=DateBasis.SYNTHETIC,
                    incident_type=incident_type,
                    is_arrest=incident_type != IncidentType.STOP_SEARCH,
                    county_lines_linked=TriState.RECORDED_PRESENT,
                    recording_agency=force,
                    arresting_force=force,
                    in_home_area=TriState.RECORDED_ABSENT,
                    offences=["pwits_class_a"],
                    indicators=rng.sample(
                        ["cash", "multiple_phones", "drug_packaging", "older_associates", "drugs_seized"], 2
                    ),
                )
            )
            holdings.append(CaseHolding(child=child, agency=force, basis=CaseHolding.Basis.ARRESTING_FORCE))
            if rng.random() < 0.6:
                referrals.append(
                    NRMReferral(
                        child=child,
                        referring_agency=child.home_local_authority,
                        referred_on=when.date() + timedelta(days=rng.randint(0, 20)),
                        referred_on_basis=DateBasis.SYNTHETIC,
                        route=rng.choice([Route.NATIONAL, Route.LOCAL_PANEL]),
                        county_lines_flag=TriState.RECORDED_PRESENT,
                    )
                )
        for _ in range(rng.choice([0, 0, 1, 1, 2, 3])):
            start = now - timedelta(days=rng.randint(30, 900))
            missing.append(
                MissingEpisode(
                    child=child,
                    started_at=start,
                    ended_at=start + timedelta(days=rng.choice([1, 2, 3, 7, 14, 21, 45])),
                    reported_by=rng.choice(["parent", "carer", "placement_staff", "none"]),
                    source_agency=child.home_local_authority,
                )
            )
        if child.looked_after == TriState.RECORDED_PRESENT:
            placements.append(
                Placement(
                    child=child,
                    setting_type=rng.choice(
                        [
                            SettingType.FOSTER,
                            SettingType.REGISTERED_RESIDENTIAL,
                            SettingType.SUPPORTED,
                            SettingType.SEMI_INDEPENDENT,
                        ]
                    ),
                    started_on=today - timedelta(days=rng.randint(30, 700)),
                    distance_from_home_miles=round(rng.uniform(0.5, 80), 1),
                    commissioning_authority=child.home_local_authority,
                )
            )
        audits.append(
            AuditEvent(
                username=actor.username[:150],
                role="system" if actor.system else actor.role,
                agency_code=actor.agency.code if actor.agency else "",
                action=Action.CREATE,
                channel=actor.channel,
                object_type="child",
                object_id=str(child.pk),
                child_pid=child.pseudonymous_id,
                fields=["identity", "vulnerabilities", "incidents", "missing_episodes", "placements"],
                purpose=actor.purpose,
                detail="synthetic child (ccehub generate)",
            )
        )
    Identity.objects.bulk_create(identities, batch_size=BATCH)
    Address.objects.bulk_create(addresses, batch_size=BATCH)
    CaseHolding.objects.bulk_create(holdings, batch_size=BATCH, ignore_conflicts=True)
    VulnerabilityFlag.objects.bulk_create(flags, batch_size=BATCH)
    IdentifyingIncident.objects.bulk_create(incidents, batch_size=BATCH)
    MissingEpisode.objects.bulk_create(missing, batch_size=BATCH)
    Placement.objects.bulk_create(placements, batch_size=BATCH)
    NRMReferral.objects.bulk_create(referrals, batch_size=BATCH)
    AuditEvent.objects.bulk_create(audits, batch_size=BATCH)
    return len(child_rows)


#: Columns of an agency extract, as ``ccehub import children`` reads them.
EXTRACT_COLUMNS = (
    "record_id",
    "given_name",
    "family_name",
    "date_of_birth",
    "sex",
    "postcode",
    "home_local_authority",
    "open_nrm",
    "nrm_decision",
    "cp_plan",
    "cin_plan",
    "looked_after",
    "missing_now",
    "allocated_worker_contact",
    "not_same_child_as",
)


#: The agency kind (``ccehub agencies add --kind``) of each synthetic agency kind.
EXTRACT_AGENCY_KINDS = {
    "police": "police_force",
    "local_authority": "la_childrens_services",
    "yot": "youth_offending_team",
    "health": "health",
    "custody": "police_force",
}


def write_extracts(records, directory, twin_of=None):  # type: ignore[no-untyped-def]
    """One CSV per agency with the import columns; returns ``[(path, rows)]``.

    ``twin_of`` maps a child's true person id to their twin's: a local authority knows the twins in the
    households it works with, so its extract lists the co-twin's record ids in ``not_same_child_as``
    (the index then never joins them, as it would twins named Harry and Henry)."""
    import csv
    from pathlib import Path

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    by_agency: dict[str, list] = {}
    for rec in records:
        by_agency.setdefault(rec.agency, []).append(rec)
    written = []
    from ccehub.synthetic import twin_references

    twins = twin_references(
        ((r.agency, r.true_person_id, r.record_id) for r in records if r.agency_kind == "local_authority"),
        twin_of or {},
    )
    for agency, recs in sorted(by_agency.items()):
        path = directory / f"{agency.lower()}.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=EXTRACT_COLUMNS, extrasaction="ignore")
            writer.writeheader()
            for rec in recs:
                row = {
                    "record_id": rec.record_id,
                    "given_name": rec.given_name,
                    "family_name": rec.family_name,
                    "date_of_birth": rec.date_of_birth,
                    "sex": rec.sex,
                    "postcode": rec.postcode,
                }
                row.update(rec.extra)
                row["not_same_child_as"] = ";".join(twins.get((rec.agency, rec.record_id), []))
                writer.writerow(row)
        written.append((path, len(recs)))
    # What `ccehub agencies add` needs for each extract (the codes are the generator's own).
    kinds = {r.agency: EXTRACT_AGENCY_KINDS.get(r.agency_kind, "other") for r in records}
    with (directory / "agencies.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["code", "name", "kind"])
        for agency in sorted(by_agency):
            writer.writerow([agency.lower(), f"{agency} (synthetic)", kinds[agency]])
    return written
