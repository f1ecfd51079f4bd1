"""Demo data for the CCE panel: members by sector, a Home Office QA account, and three synthetic
children in the panel's area who are young enough for the local route *today* (the report's boys are
adults now). One already has a referral in flight. Idempotent; everything goes through services.

None of this is from the report: the children are labelled synthetic (cohort ``panel-demo``).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from ccehub.agencies.models import Agency, Role
from ccehub.agencies.services import membership_grant
from ccehub.children.models import Child, Sex
from ccehub.children.services import child_create
from ccehub.common.access import Actor
from ccehub.common.models import DateBasis, TriState
from ccehub.incidents.services import incident_record, triage_from_incident
from ccehub.panels.models import PanelConfig, PanelMember, Sector

PANEL_CODE = "islington-camden-panel"
COHORT = "panel-demo"
QA_USER = ("homeoffice", "home-office-sca", Role.ANALYST, "Hana Home-Office-QA")

#: (name, sector, username of the linked account or None, may chair, seniority)
MEMBERS: tuple[tuple[str, str, str | None, bool, str], ...] = (
    ("Morgan Panel-Chair", Sector.SOCIAL_CARE, "panelchair", True, "Head of safeguarding"),
    (
        "Chris Panel-Member",
        Sector.POLICE,
        "panelmember",
        False,
        "Specialist lead, modern slavery and exploitation",
    ),
    ("Dr Ade Health-Lead", Sector.HEALTH, None, False, "Named nurse for safeguarding"),
    ("Lee Youth-Justice", Sector.YOT, "yot", False, "Head of youth justice"),
    ("DI Sam Vice-Chair", Sector.POLICE, None, True, "Detective inspector, exploitation"),
)

#: (given name, family name, home LA, age in years today, has a referral already)
CHILDREN: tuple[tuple[str, str, str, int, bool], ...] = (
    ("Kai", "Demo-Panel", "la-islington", 15, False),
    ("Remi", "Demo-Panel", "la-camden", 15, False),
    ("Ash", "Demo-Panel", "la-islington", 16, True),
)


def _aware(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def panel_demo_load(*, actor: Actor, today: date, password: str) -> list[tuple[str, str, str]]:
    """Load the panel demo; returns the extra sign-ins (username, agency, role) to print."""
    panel = Agency.objects.get(code=PANEL_CODE)
    PanelConfig.objects.get_or_create(panel=panel)
    users = get_user_model().objects
    for name, sector, username, may_chair, seniority in MEMBERS:
        user = users.filter(username=username).first() if username else None
        PanelMember.objects.get_or_create(
            panel=panel,
            name=name,
            defaults={"sector": sector, "user": user, "may_chair": may_chair, "seniority": seniority},
        )
    username, agency_code, role, full_name = QA_USER
    first, _, last = full_name.partition(" ")
    qa, created = users.get_or_create(username=username, defaults={"first_name": first, "last_name": last})
    if created:
        qa.set_password(password)
        qa.save()
    agency = Agency.objects.get(code=agency_code)
    membership_grant(actor=actor, user=qa, agency=agency, role=role)
    if not Child.objects.filter(cohort=COHORT).exists():
        for position, (given, family, la_code, age, referred) in enumerate(CHILDREN, start=1):
            _child(actor, position, given, family, la_code, age, referred, today)
    return [(username, agency.name, Role(role).label)]


def _child(
    actor: Actor, position: int, given: str, family: str, la_code: str, age: int, referred: bool, today: date
) -> Any:
    from ccehub.nrm.services import nrm_referral_create

    la = Agency.objects.get(code=la_code)
    dob = date(today.year - age, today.month, min(today.day, 28)) - timedelta(days=40 * position)
    child = child_create(
        actor=actor,
        given_name=given,
        family_name=family,
        sex=Sex.MALE,
        date_of_birth=dob,
        home_local_authority=la,
        home_police_force=la.police_force,
        display_pseudonym=given,
        cohort=COHORT,
        cohort_position=position,
        provenance_note="Synthetic child for the CCE panel demonstration (not from the report).",
    )
    force = la.police_force
    assert force is not None
    incident = incident_record(
        actor=actor,
        child=child,
        occurred_at=_aware(today - timedelta(days=12), 21),
        occurred_at_basis=DateBasis.SYNTHETIC,
        incident_type="arrest_pwits",
        is_arrest=True,
        recording_agency=force,
        arresting_force=force,
        offences=["pwits_class_a"],
        indicators=["cash", "multiple_phones"],
        county_lines_linked=TriState.RECORDED_PRESENT,
        in_home_area=TriState.RECORDED_PRESENT,
        summary="Synthetic: found in a dealing base in his home borough with cash and two phones.",
    )
    triage_from_incident(actor=actor, incident=incident)
    if referred:
        nrm_referral_create(
            actor=actor,
            child=child,
            referred_on=today - timedelta(days=10),
            linked_incident=incident,
            county_lines_flag=True,
            rationale="Synthetic demo referral: arrested in a dealing base, presumed a potential victim",
            today=today,
        )
    return child
