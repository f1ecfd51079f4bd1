"""Load the demo: reference agencies, demo users for every role, and the report's 13 boys.

Idempotent: running it twice leaves one copy. Everything goes through the same services the app
uses, so demo data is validated and audited like real data (as the ``demo-loader`` system actor).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from importlib.resources import files
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from ccehub.agencies.models import Agency, AgencyKind, Role
from ccehub.agencies.services import agency_reference_load, agreement_create, membership_grant
from ccehub.audit.models import Channel
from ccehub.children.models import (
    CaseHolding,
    Child,
    MissingEpisode,
    Placement,
    PoliceProtection,
    RecordConflict,
    Sex,
    VulnerabilityFactor,
)
from ccehub.children.services import _hold, child_create, fact_record, vulnerability_flag_set
from ccehub.common.access import Actor
from ccehub.common.models import DateBasis, SourceType, TriState
from ccehub.demo.cases import ARRESTING_FORCES, CASES, COHORT, COHORT_ORDER, HOME_FORCE, REPORT, Case
from ccehub.incidents.services import incident_record, triage_from_incident
from ccehub.justice.models import Arrest, Charge, CourtOutcome
from ccehub.justice.services import charge_record
from ccehub.nrm.models import NRMDecision, NRMReferral
from ccehub.panels.demo import panel_demo_load
from ccehub.panels.models import PanelArea, PanelCase
from ccehub.safeguarding.models import CareOrder, ChildPlan, SecureAccommodationOrder, StrategyMeeting

DEMO_PASSWORD = "ccehub-demo-2026"  # noqa: S105 - printed for the demo; never used outside it

#: (username, agency code, role, full name)
DEMO_USERS: tuple[tuple[str, str, str, str], ...] = (
    ("officer", "kent", Role.POLICE_OFFICER, "PC Alex Demo"),
    ("specialist", "kent", Role.POLICE_SPECIALIST, "DS Sam Specialist"),
    ("socialworker", "la-islington", Role.SOCIAL_WORKER, "Jo Social-Worker"),
    ("exploitation", "la-islington", Role.EXPLOITATION_WORKER, "Kim Exploitation-Lead"),
    ("camden.sw", "la-camden", Role.SOCIAL_WORKER, "Ravi Camden"),
    ("yot", "islington-yjs", Role.YOT_WORKER, "Lee Youth-Justice"),
    ("health", "whittington-health", Role.HEALTH_PRACTITIONER, "Dr Pat Health"),
    ("panelmember", "islington-camden-panel", Role.PANEL_MEMBER, "Chris Panel-Member"),
    ("panelchair", "islington-camden-panel", Role.PANEL_CHAIR, "Morgan Panel-Chair"),
    ("analyst", "la-islington", Role.ANALYST, "Ash Analyst"),
    ("admin", "la-islington", Role.ADMIN, "Admin User"),
)

#: Agencies the demo adds to the reference forces and local authorities.
DEMO_AGENCIES: tuple[dict[str, Any], ...] = (
    {
        "code": "islington-yjs",
        "name": "Islington Youth Justice Service",
        "kind": AgencyKind.YOUTH_OFFENDING_TEAM,
        "parent": "la-islington",
    },
    {
        "code": "whittington-health",
        "name": "Whittington Health NHS Trust",
        "kind": AgencyKind.HEALTH,
        "parent": "la-islington",
    },
    {
        "code": "islington-camden-panel",
        "name": "Islington and Camden CCE Panel",
        "kind": AgencyKind.CCE_PANEL,
        "runs_local_panel": True,
    },
    {
        "code": "home-office-sca",
        "name": "Home Office Single Competent Authority",
        "kind": AgencyKind.HOME_OFFICE_SCA,
    },
    {"code": "cps", "name": "Crown Prosecution Service", "kind": AgencyKind.CPS},
)

CONTACTS: dict[str, str] = {
    "la-islington": "Islington Children's Services Contact Team, 020 7527 7400 (demo)",
    "la-camden": "Camden MASH, 020 7974 3317 (demo)",
    "la-hackney": "Hackney First Access and Screening Team, 020 8356 5500 (demo)",
    "met": "Metropolitan Police, 101 (demo)",
}

#: Duty mailboxes for notification emails (R-32). Reserved ``.invalid`` addresses: never delivered;
#: without ``CCEHUB_EMAIL_HOST`` the demo server prints the emails to its console.
DUTY_EMAILS: dict[str, str] = {
    "la-islington": "front-door@islington.demo.invalid",
    "la-camden": "mash@camden.demo.invalid",
}

SHARED_WITH_PANEL = ("Tom", "Michael")


@dataclass
class DemoSummary:
    agencies: int = 0
    users: list[tuple[str, str, str]] = field(default_factory=list)
    children_created: int = 0
    children_existing: int = 0


def _agency(code: str) -> Agency:
    return Agency.objects.get(code=code)


def _aware(day: date, hour: int = 12) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _ensure_agencies() -> int:
    agency_reference_load()
    for spec in DEMO_AGENCIES:
        values = dict(spec)
        parent = values.pop("parent", None)
        code = values.pop("code")
        values["parent"] = _agency(parent) if parent else None
        if parent:
            values["police_force"] = _agency(parent).police_force
        Agency.objects.update_or_create(code=code, defaults=values)
    for code in ARRESTING_FORCES:
        Agency.objects.filter(code=code).update(is_importing_area=True)
    for code, contact in CONTACTS.items():
        Agency.objects.filter(code=code).update(out_of_hours_contact=contact)
    for code, mailbox in DUTY_EMAILS.items():
        Agency.objects.filter(code=code).update(duty_email=mailbox)
    panel = _agency("islington-camden-panel")
    for la in ("la-islington", "la-camden"):
        PanelArea.objects.get_or_create(panel=panel, local_authority=_agency(la))
    return Agency.objects.count()


def _ensure_users(actor: Actor) -> list[tuple[str, str, str]]:
    user_model = get_user_model()
    out = []
    for username, agency_code, role, full_name in DEMO_USERS:
        first, _, last = full_name.partition(" ")
        user, created = user_model.objects.get_or_create(
            username=username, defaults={"first_name": first, "last_name": last}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            if role == Role.ADMIN:
                user.is_staff = True
                user.is_superuser = True
            user.save()
        agency = _agency(agency_code)
        membership_grant(actor=actor, user=user, agency=agency, role=role)
        out.append((username, agency.name, Role(role).label))
    return out


def _flags(actor: Actor, children: dict[str, Child]) -> None:
    data = files("ccehub.demo").joinpath("fig3.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(data.splitlines()))
    label_to_code = {str(f.label): f.value for f in VulnerabilityFactor}
    value_map = {"x": TriState.RECORDED_PRESENT, "": TriState.NOT_RECORDED, "unknown": TriState.UNKNOWN}
    for row in rows:
        factor = label_to_code[row["category"]]
        for name in COHORT_ORDER:
            vulnerability_flag_set(
                actor=actor,
                child=children[name],
                factor=factor,
                value=value_map[row[name].strip()],
                source_type=SourceType.RESEARCH_RETURN,
                detail="Crest case audit: police and LA records and practitioner interviews (Fig 3)",
            )


def _case(actor: Actor, case: Case, position: int) -> Child:
    home_la = _agency(case.home_la)
    recording = _agency(case.recording_agency)
    arresting = _agency(case.arresting_force) if case.arresting_force else None
    child = child_create(
        actor=actor,
        given_name=case.name,
        family_name=case.family_name,
        sex=Sex.MALE,
        date_of_birth=case.date_of_birth,
        home_local_authority=home_la,
        home_police_force=home_la.police_force or _agency(HOME_FORCE),
        display_pseudonym=case.name,
        cohort=COHORT,
        cohort_position=position,
        looked_after=case.looked_after,
        provenance_note=f"{REPORT}. {case.provenance} The report withholds places and dates: the home area and "
        "agencies are assigned for this demonstration and the incident date is synthetic.",
    )
    occurred = _aware(case.incident_date, 21)
    incident = incident_record(
        actor=actor,
        child=child,
        occurred_at=occurred,
        occurred_at_basis=DateBasis.SYNTHETIC,
        incident_type=case.incident_type,
        is_arrest=case.is_arrest,
        recording_agency=recording,
        arresting_force=arresting,
        offences=list(case.offences),
        indicators=list(case.indicators),
        county_lines_linked=TriState.RECORDED_PRESENT,
        first_known_by=case.first_known_by,
        in_home_area=case.in_home_area,
        summary=case.summary,
        source_note=REPORT,
    )
    last_referral: NRMReferral | None = None
    last_plan: ChildPlan | None = None
    last_charge: Charge | None = None
    for event in case.events:
        v = dict(event.values)
        kind = event.kind
        if kind == "missing":
            days = v.pop("approximate_duration_days", None)
            basis = v.pop("date_basis", DateBasis.SYNTHETIC)
            started = v.pop("started_at", None)
            start_dt = _aware(date.fromisoformat(str(started))) if started else None
            end_dt = None
            if days is not None and start_dt is None:
                start_dt = occurred - timedelta(days=int(days))  # type: ignore[arg-type]
                end_dt = occurred
            notes = str(v.pop("notes", ""))
            if start_dt is not None:
                notes = f"{notes} [dates: {DateBasis(basis).label.lower()}]".strip()
            fact_record(
                actor=actor,
                child=child,
                model=MissingEpisode,
                started_at=start_dt,
                started_at_basis=basis if start_dt is not None else DateBasis.RECORDED,
                ended_at=end_dt,
                approximate_duration_days=days,
                notes=notes,
                source_agency=home_la,
                **v,
            )
        elif kind == "placement":
            fact_record(actor=actor, child=child, model=Placement, commissioning_authority=home_la, **v)
        elif kind == "police_protection":
            # R-35, F-32: the report gives no dates or hours (synthetic, within the 72-hour limit)
            # and no force: the child's home force [I], whose officer the report quotes
            began = _aware(date.fromisoformat(str(v.pop("started_on"))), 16)
            hours = int(v.pop("hours"))  # type: ignore[call-overload]
            reassessed_after = v.pop("reassessed_after_days", None)
            fact_record(
                actor=actor,
                child=child,
                model=PoliceProtection,
                force=child.home_police_force,
                started_at=began,
                ended_at=began + timedelta(hours=hours),
                max_hours=72,
                dates_basis=DateBasis.SYNTHETIC,
                reassessed_on=(began + timedelta(days=int(reassessed_after))).date()  # type: ignore[call-overload]
                if reassessed_after is not None
                else None,
                **({"source_note": REPORT} | v),
            )
        elif kind == "plan":
            stepped = v.pop("stepped", False)
            last_plan = fact_record(
                actor=actor,
                child=child,
                model=ChildPlan,
                lead_agency=home_la,
                stepped_from=last_plan if stepped else None,
                source_note=REPORT,
                **v,
            )
        elif kind == "care_order":
            fact_record(actor=actor, child=child, model=CareOrder, **v)
        elif kind == "secure_order":
            fact_record(actor=actor, child=child, model=SecureAccommodationOrder, **v)
        elif kind == "strategy":
            fact_record(
                actor=actor,
                child=child,
                model=StrategyMeeting,
                convening_agency=home_la,
                source_note=REPORT,
                **v,
            )
        elif kind == "arrest":
            linked = v.pop("incident", False)
            # The arrest at the identifying incident was made by the force that arrested or recorded
            # it; for any other arrest the report does not say which force (no invented facts).
            force = (arresting or recording) if linked else None
            # an earlier arrest is dated only where the report gives its interval to another event
            # (John: six days after his first missing episode, R-34); the date itself is synthetic
            earlier = v.pop("arrested_at", None)
            fact_record(
                actor=actor,
                child=child,
                model=Arrest,
                arresting_force=force,
                incident=incident if linked else None,
                arrested_at=occurred
                if linked
                else (_aware(date.fromisoformat(str(earlier))) if earlier else None),
                arrested_at_basis=DateBasis.SYNTHETIC,
                **v,
            )
            if force is not None:
                _hold(child, force, CaseHolding.Basis.ARRESTING_FORCE)
        elif kind == "charge":
            last_charge = charge_record(actor=actor, child=child, incident=incident, source_note=REPORT, **v)
        elif kind == "court":
            fact_record(actor=actor, child=child, model=CourtOutcome, charge=last_charge, **v)
        elif kind == "referral":
            linked = v.pop("linked", False)
            outcome_known = v.pop("outcome_known", True)
            # Only where the report says social care referred: otherwise who referred is unknown.
            by_home_la = v.pop("by_home_la", False)
            last_referral = fact_record(
                actor=actor,
                child=child,
                model=NRMReferral,
                linked_incident=incident if linked else None,
                referring_agency=home_la if by_home_la else None,
                referred_on_basis=DateBasis.SYNTHETIC,
                outcome_known_to_case_owner=bool(outcome_known),
                **({"source_note": REPORT} | v),
            )
        elif kind == "decision":
            assert last_referral is not None, f"{case.name}: decision without referral"
            _decision(actor, last_referral, v)
        elif kind == "conflict":
            fact_record(actor=actor, child=child, model=RecordConflict, **v)
        else:  # pragma: no cover - a typo in cases.py
            raise ValueError(f"unknown demo event kind {kind!r}")
    if case.name == "Tom":
        _hold(child, _agency("islington-yjs"), CaseHolding.Basis.YOUTH_JUSTICE)
    triage_from_incident(actor=actor, incident=incident)  # from the facts recorded above (issue #3)
    return child


def _decision(actor: Actor, referral: NRMReferral, values: dict[str, object]) -> NRMDecision:
    from ccehub.audit.models import Action
    from ccehub.audit.services import audit_record

    decision = NRMDecision(referral=referral, decided_on_basis=DateBasis.SYNTHETIC, **values)  # type: ignore[arg-type]
    decision.full_clean()
    decision.save()
    audit_record(
        actor=actor,
        action=Action.CREATE,
        object_type="nrmdecision",
        object_id=decision.pk,
        child_pid=referral.child.pseudonymous_id,
        fields=sorted(values),
    )
    return decision


def _sharing(actor: Actor, children: dict[str, Child], today: date) -> None:
    panel = _agency("islington-camden-panel")
    for name in SHARED_WITH_PANEL:
        child = children[name]
        PanelCase.objects.get_or_create(
            panel=panel,
            child=child,
            closed_on=None,
            defaults={
                "shared_by": child.home_local_authority,
                "shared_on": today,
                "reason": "Demonstration: shared with the CCE panel for discussion (not from the report)",
            },
        )
    agreement_create(
        actor=actor,
        title="Health assessment for a child under panel oversight (demo)",
        provider=_agency("la-islington"),
        recipient=_agency("whittington-health"),
        child=children["Michael"],
        purpose="Health needs assessment and CAMHS liaison while under CCE panel oversight",
        legal_basis="UK GDPR Art 6(1)(e) and Art 9(2)(h); Children Act 2004 s11",
        dpia_reference="DPIA-DEMO-001",
        includes_identity=True,
        starts_on=today,
        expires_on=today + timedelta(days=365),
    )


def demo_load(*, today: date | None = None) -> DemoSummary:
    """Load everything the demo needs. Safe to run again: nothing is duplicated."""
    today = today or timezone.localdate()
    actor = Actor.for_system(name="demo-loader", channel=Channel.SYSTEM, purpose="Load demonstration data")
    summary = DemoSummary()
    with transaction.atomic():
        summary.agencies = _ensure_agencies()
        summary.users = _ensure_users(actor)
        summary.users += panel_demo_load(actor=actor, today=today, password=DEMO_PASSWORD)  # issue 5
        existing = Child.objects.filter(cohort=COHORT).count()
        if existing:
            summary.children_existing = existing
            return summary
        children: dict[str, Child] = {}
        for position, case in enumerate(CASES, start=1):
            children[case.name] = _case(actor, case, position)
        _flags(actor, children)
        _sharing(actor, children, today)
        summary.children_created = len(children)
    return summary
