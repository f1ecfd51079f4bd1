"""A small panel world: the Islington and Camden CCE Panel, its members by sector, the people who
refer and answer, Home Office QA, and Jamie (DOB 2008-05-01, home Islington) with an arrest linked
to county lines.

Dates are fixed: referrals in 2024 run under ``current`` (profile in force), referrals in 2022 under
``report-2022``. Services take ``today`` where it matters, so nothing depends on the real date.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

LONDON = ZoneInfo("Europe/London")
DOB = date(2008, 5, 1)
INCIDENT_2024 = datetime(2024, 3, 1, 21, 0, tzinfo=LONDON)
REFERRED_2024 = date(2024, 3, 4)
TODAY_2024 = date(2024, 6, 30)
INCIDENT_2022 = datetime(2022, 3, 1, 21, 0, tzinfo=LONDON)
REFERRED_2022 = date(2022, 3, 4)
TODAY_2022 = date(2022, 6, 30)


@pytest.fixture
def world(agencies, make_user, actor_for, roles):
    """Agencies, users (as actors) and panel members."""
    from ccehub.agencies.models import Agency, AgencyKind
    from ccehub.panels.models import PanelArea, PanelMember, Sector

    panel = agencies["panel"]
    yot = Agency.objects.create(
        code="islington-yjs",
        name="Islington Youth Justice Service",
        kind=AgencyKind.YOUTH_OFFENDING_TEAM,
        parent=agencies["islington"],
    )
    home_office = Agency.objects.create(
        code="home-office-sca", name="Home Office Single Competent Authority", kind=AgencyKind.HOME_OFFICE_SCA
    )
    hackney = Agency.objects.create(
        code="la-hackney", name="Hackney", kind=AgencyKind.LA_CHILDRENS_SERVICES, police_force=agencies["met"]
    )
    for la in ("islington", "camden"):
        PanelArea.objects.create(panel=panel, local_authority=agencies[la])
    users = {
        "sw": make_user(
            "p.sw", agencies["islington"], roles.SOCIAL_WORKER, first_name="Jo", last_name="Worker"
        ),
        "lead": make_user("p.lead", agencies["islington"], roles.EXPLOITATION_WORKER),
        "camden_lead": make_user("p.camdenlead", agencies["camden"], roles.EXPLOITATION_WORKER),
        "camden_sw": make_user("p.camdensw", agencies["camden"], roles.SOCIAL_WORKER),
        "officer": make_user("p.officer", agencies["met"], roles.POLICE_OFFICER),
        "kent": make_user("p.kent", agencies["kent"], roles.POLICE_OFFICER),
        "health": make_user("p.health", agencies["health"], roles.HEALTH_PRACTITIONER),
        "yot": make_user("p.yot", yot, roles.YOT_WORKER),
        "chair": make_user("p.chair", panel, roles.PANEL_CHAIR),
        "vice": make_user("p.vice", panel, roles.PANEL_CHAIR),
        "member": make_user("p.member", panel, roles.PANEL_MEMBER),
        "analyst": make_user("p.analyst", agencies["islington"], roles.ANALYST),
        "ho": make_user("p.ho", home_office, roles.ANALYST),
        "ho_admin": make_user("p.hoadmin", home_office, roles.ADMIN),
    }
    members = {
        "chair": PanelMember.objects.create(
            panel=panel,
            user=users["chair"],
            name="Morgan Chair",
            sector=Sector.SOCIAL_CARE,
            may_chair=True,
            seniority="Head of safeguarding",
        ),
        "police": PanelMember.objects.create(
            panel=panel, name="DI Pat Police", sector=Sector.POLICE, seniority="Modern slavery lead"
        ),
        "health": PanelMember.objects.create(panel=panel, name="Dr Sam Health", sector=Sector.HEALTH),
        "yot": PanelMember.objects.create(panel=panel, name="Lee Yot", sector=Sector.YOT),
        "vice": PanelMember.objects.create(
            panel=panel, user=users["vice"], name="Vic Vice", sector=Sector.POLICE, may_chair=True
        ),
    }
    actors = {name: actor_for(user) for name, user in users.items()}
    return {
        "panel": panel,
        "yot_agency": yot,
        "home_office": home_office,
        "hackney": hackney,
        "users": users,
        "members": members,
        **agencies,
        **{f"as_{name}": actor for name, actor in actors.items()},
    }


@pytest.fixture
def child(world, system_actor):
    """Jamie: home Islington, DOB 2008-05-01 (15 in 2024, 13 in 2022)."""
    from ccehub.children.services import child_create

    return child_create(
        actor=system_actor,
        given_name="Jamie",
        family_name="Testcase",
        sex="male",
        date_of_birth=DOB,
        postcode="N1 1AA",
        home_local_authority=world["islington"],
        home_police_force=world["met"],
    )


def make_incident(child, system_actor, agency, when=INCIDENT_2024):
    from ccehub.incidents.services import incident_record

    return incident_record(
        actor=system_actor,
        child=child,
        occurred_at=when,
        incident_type="arrest_pwits",
        is_arrest=True,
        recording_agency=agency,
        arresting_force=agency,
        county_lines_linked="recorded_present",
        offences=["pwits_class_a"],
    )


@pytest.fixture
def incident(world, child, system_actor):
    return make_incident(child, system_actor, world["met"])


@pytest.fixture
def incident_2022(world, child, system_actor):
    return make_incident(child, system_actor, world["met"], INCIDENT_2022)


def refer(
    world, child, *, actor=None, referred_on=REFERRED_2024, incident=None, flag=True, policy=None, today=None
):
    from ccehub.nrm.services import nrm_referral_create

    return nrm_referral_create(
        actor=actor or world["as_sw"],
        child=child,
        referred_on=referred_on,
        linked_incident=incident,
        county_lines_flag=flag,
        rationale="Arrested in a dealing base with cash and two phones",
        policy=policy,
        today=today or (TODAY_2022 if referred_on.year == 2022 else TODAY_2024),
    )


@pytest.fixture
def referral(world, child, incident):
    """A local-panel referral made on 4 March 2024 (current profile)."""
    return refer(world, child, incident=incident)


@pytest.fixture
def referral_2022(world, child, incident_2022):
    """A local-panel referral made on 4 March 2022 (report-2022 profile)."""
    return refer(world, child, incident=incident_2022, referred_on=REFERRED_2022)


def held_meeting(
    world,
    referral,
    *,
    held_on,
    present=("chair", "police", "health"),
    chair="chair",
    today=None,
    listed_directly=False,
):
    """Schedule a meeting, list ``referral`` and record attendance: ready for decisions.

    ``listed_directly`` puts the case on the agenda without the listing service's checks: a case
    listed by an earlier version, or one whose limit moved after it was listed."""
    from ccehub.panels.models import AgendaItem
    from ccehub.panels.services import agenda_item_add, meeting_attendance_record, panel_meeting_schedule

    meeting = panel_meeting_schedule(
        actor=world["as_lead"],
        panel=world["panel"],
        held_on=held_on,
        extraordinary=True,
        reason="test sitting",
    )
    if listed_directly:
        AgendaItem.objects.create(meeting=meeting, referral=referral, position=1, urgency={})
    else:
        agenda_item_add(actor=world["as_lead"], meeting=meeting, referral=referral)
    members = world["members"]
    return meeting_attendance_record(
        actor=world["as_lead"],
        meeting=meeting,
        present=[members[m] for m in present],
        chair=members[chair],
        today=today or held_on,
    )


def decide(world, meeting, referral, decision_type, *, actor=None, **extra):
    from ccehub.panels.services import panel_decision_record

    values = {
        "rationale": "Consistent account from three agencies; recruited through an older associate",
        "evidence_considered": ["Police arrest record", "Social care chronology", "Health assessment"],
    }
    values.update(extra)
    return panel_decision_record(
        actor=actor or world["as_chair"],
        meeting=meeting,
        referral=referral,
        decision_type=decision_type,
        **values,
    )
