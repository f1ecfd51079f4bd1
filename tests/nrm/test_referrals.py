"""NRM referral intake: who may refer, the route chosen by eligibility, duplicates, the panel case."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ccehub.audit.models import AuditEvent
from ccehub.nrm import services as nrm
from ccehub.nrm.models import NRMReferral
from ccehub.panels.models import PanelCase, PanelConfig
from tests.panels.conftest import DOB, REFERRED_2024, TODAY_2024, refer

pytestmark = pytest.mark.django_db


def _messages(exc: ValidationError) -> list[str]:
    return [m for ms in exc.message_dict.values() for m in ms]


def _set_dob(child, dob):
    from ccehub.children.models import Identity

    Identity.objects.filter(child=child).update(date_of_birth=dob)


# (description, days before the 18th birthday on the referral date or None for no DOB, home LA key,
#  county-lines flag, panel requires the flag, expected route)
ROUTE_CASES = [
    ("eligible, panel area, flagged", 400, "islington", True, True, "local_panel"),
    ("eligible, Camden is in the area too", 400, "camden", True, True, "local_panel"),
    ("not flagged, panel takes only county lines (F-05)", 400, "islington", False, True, "national"),
    ("not flagged, panel takes every eligible child", 400, "islington", False, False, "local_panel"),
    ("101 days before 18: more than 100", 101, "islington", True, True, "local_panel"),
    ("exactly 100 days before 18: not more than 100", 100, "islington", True, True, "national"),
    ("99 days before 18", 99, "islington", True, True, "national"),
    ("already 18", -1, "islington", True, True, "national"),
    ("no date of birth (age not established)", None, "islington", True, True, "national"),
    ("home LA outside every panel area", 400, "hackney", True, True, "national"),
    ("no home LA recorded", 400, None, True, True, "national"),
]


@pytest.mark.parametrize(("label", "days_before_18", "la", "flag", "requires_flag", "route"), ROUTE_CASES)
def test_route_is_chosen_by_eligibility(world, child, label, days_before_18, la, flag, requires_flag, route):
    """The route follows age eligibility (more than 100 days before 18), the panel area and the flag."""
    from ccehub.rules.age import eighteenth_birthday

    referred_on = REFERRED_2024
    if days_before_18 is None:
        _set_dob(child, None)
    else:
        eighteenth = referred_on + timedelta(days=days_before_18)
        _set_dob(child, eighteenth.replace(year=eighteenth.year - 18))
        assert eighteenth_birthday(eighteenth.replace(year=eighteenth.year - 18)) == eighteenth
    child.home_local_authority = world[la] if la else None
    child.save()
    if not requires_flag:
        PanelConfig.objects.create(panel=world["panel"], require_county_lines_flag=False)
    actor = world["as_officer"]  # the home force holds the child whatever the home LA
    referral = refer(world, child, actor=actor, flag=flag)
    assert referral.route == route, label
    assert referral.route_reasons[-1].startswith(
        "Route: local panel" if route == "local_panel" else "Route: national"
    )
    assert (referral.panel == world["panel"]) is (route == "local_panel")
    assert PanelCase.objects.filter(child=child, panel=world["panel"]).exists() is (route == "local_panel")


def test_local_referral_records_reasons_profile_and_shares_the_case(world, child, incident):
    """A local-panel referral records why, its profile, and shares the case with the panel (audited)."""
    referral = refer(world, child, incident=incident)
    assert referral.route == "local_panel"
    assert referral.policy_profile == "current" and referral.rule_version == "2026.1"
    assert referral.route_reasons[0].startswith("Local panel (devolved pilot): eligible")
    assert any(
        "Islington is in the area of Islington and Camden CCE Panel" in r for r in referral.route_reasons
    )
    assert any("county-lines cases (F-05)" in r for r in referral.route_reasons)
    assert referral.county_lines_flag == "recorded_present"
    assert referral.referred_by == world["users"]["sw"]
    case = PanelCase.objects.get(child=child, panel=world["panel"], closed_on__isnull=True)
    assert case.shared_by == world["islington"]
    events = AuditEvent.objects.filter(
        child_pid=child.pseudonymous_id, object_type__in=["nrm_referral", "panel_case"]
    )
    assert {e.object_type for e in events} == {"nrm_referral", "panel_case"}
    referral_event = events.get(object_type="nrm_referral")
    assert referral_event.action == "create" and referral_event.basis == "own_records"
    assert "route local_panel (islington-camden-panel)" in referral_event.detail
    # The panel now sees the child on the panel_case basis.
    from ccehub.common.access import access_basis

    assert access_basis(world["as_member"], child) == "panel_case"


def test_triage_result_is_noted(world, child, incident, system_actor):
    """The incident's triage eligibility is noted for information; the referral date decides."""
    from ccehub.incidents.services import triage_decide

    triage_decide(actor=system_actor, incident=incident)
    referral = refer(world, child, incident=incident)
    assert any(
        r.startswith("Triage of the incident found the child eligible") for r in referral.route_reasons
    )


def test_profile_in_force_on_the_referral_date(world, child):
    """A referral made in 2022 runs under the report's profile; one made in 2024 under current."""
    old = refer(world, child, referred_on=date(2022, 5, 3))
    assert old.policy_profile == "report-2022" and old.rule_version == "2022.1"


def test_panel_config_profile_applies(world, child):
    """A panel may pin a profile for its referrals."""
    PanelConfig.objects.create(panel=world["panel"], policy_profile="report-2022")
    assert refer(world, child).policy_profile == "report-2022"


@pytest.mark.parametrize("who", ["as_member", "as_chair", "as_analyst", "as_ho"])
def test_only_first_responders_refer(world, child, who):
    """Panel members, analysts and the Home Office do not make referrals."""
    with pytest.raises(PermissionDenied, match=re.escape(nrm.MSG_NOT_FIRST_RESPONDER)):
        refer(world, child, actor=world[who])


def test_referrer_needs_a_write_basis(world, child):
    """A Camden social worker with no basis for an Islington child cannot refer them."""
    with pytest.raises(PermissionDenied):
        refer(world, child, actor=world["as_camden_sw"])


@pytest.mark.parametrize("who", ["as_officer", "as_sw", "as_health", "as_yot"])
def test_any_first_responder_with_a_basis_refers(world, child, who):
    """Police, social care, health and YOT all refer, given a basis to write about the child."""
    from ccehub.children.models import CaseHolding

    for agency in (world["health"], world["yot_agency"]):
        CaseHolding.objects.get_or_create(child=child, agency=agency, basis="health")
    assert refer(world, child, actor=world[who]).pk


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"rationale": "  "}, "rationale", nrm.MSG_RATIONALE_REQUIRED),
        ({"referred_on": TODAY_2024 + timedelta(days=1)}, "referred_on", nrm.MSG_REFERRED_IN_FUTURE),
        ({"referred_on": DOB - timedelta(days=1)}, "referred_on", nrm.MSG_REFERRED_BEFORE_BIRTH),
        ({"exploitation_type": "smuggling"}, "exploitation_type", None),
        ({"rationale_code": "hunch"}, "rationale_code", None),
        ({"policy": "2019"}, "policy", None),
    ],
)
def test_bad_referrals_are_refused(world, child, values, field, message):
    """Each invalid input is refused on its field with a constant message."""
    kwargs = {
        "actor": world["as_sw"],
        "child": child,
        "referred_on": REFERRED_2024,
        "county_lines_flag": True,
        "rationale": "Found in a dealing base",
        "today": TODAY_2024,
    }
    kwargs.update(values)
    with pytest.raises(ValidationError) as info:
        nrm.nrm_referral_create(**kwargs)
    assert field in info.value.message_dict
    if message:
        assert info.value.message_dict[field] == [message]
    assert not NRMReferral.objects.exists()


def test_incident_must_be_the_childs_and_not_later(world, child, incident, system_actor):
    """A linked incident must be about the same child and not after the referral."""
    from ccehub.children.services import child_create

    other = child_create(actor=system_actor, given_name="Other", home_local_authority=world["islington"])
    with pytest.raises(ValidationError) as info:
        refer(world, other, incident=incident)
    assert info.value.message_dict["linked_incident"] == [nrm.MSG_INCIDENT_OTHER_CHILD]
    with pytest.raises(ValidationError) as info:
        refer(world, child, incident=incident, referred_on=date(2024, 2, 28))
    assert info.value.message_dict["referred_on"] == [nrm.MSG_REFERRAL_BEFORE_INCIDENT]


def test_duplicate_open_referral_is_refused(world, child, incident):
    """A second referral for the same child and incident while one is open is refused, by anyone."""
    refer(world, child, incident=incident)
    with pytest.raises(ValidationError) as info:
        refer(world, child, actor=world["as_officer"], incident=incident, referred_on=date(2024, 3, 5))
    assert _messages(info.value) == [nrm.MSG_DUPLICATE_REFERRAL.format(referred_on="4 March 2024")]
    assert NRMReferral.objects.count() == 1


def test_different_incident_is_not_a_duplicate(world, child, incident, system_actor):
    """Several referrals per child are allowed (Joshua had two in three months) for different incidents."""
    from tests.panels.conftest import make_incident

    refer(world, child, incident=incident)
    later = make_incident(child, system_actor, world["met"], when=incident.occurred_at + timedelta(days=30))
    assert refer(world, child, incident=later, referred_on=date(2024, 4, 2)).pk


def test_re_referral_after_a_negative_rg_is_linked(world, child, incident):
    """After a concluded referral a new one is accepted and linked to it (§4.2.1 re-referral)."""
    first = refer(world, child, incident=incident, flag=False)  # national
    nrm.nrm_decision_record(
        actor=world["as_sw"],
        referral=first,
        stage="rg",
        outcome="negative",
        decided_on=date(2024, 3, 8),
        today=TODAY_2024,
    )
    second = refer(world, child, incident=incident, flag=False, referred_on=date(2024, 5, 1))
    assert second.re_referral_of == first


def test_national_referral_has_clocks(world, child, incident):
    """The national route is tracked with its clocks: RG due 5 working days after referral (current)."""
    from ccehub.nrm.selectors import referral_clock

    referral = refer(world, child, incident=incident, flag=False)
    assert referral.route == "national" and referral.panel is None
    clock = referral_clock(referral, as_of=date(2024, 3, 12))
    assert clock.rg_due == date(2024, 3, 11)
    assert clock.stage == "awaiting_rg" and clock.overdue == ("rg",)
    assert referral_clock(referral, as_of=date(2024, 3, 1)) is None  # before the referral


def test_lead_social_worker_is_recorded(world, child, referral):
    """The lead social worker is recorded on the referral (by account or by name), audited."""
    nrm.referral_lead_social_worker_set(actor=world["as_sw"], referral=referral, user=world["users"]["sw"])
    referral.refresh_from_db()
    assert (
        referral.lead_social_worker == world["users"]["sw"]
        and referral.lead_social_worker_name == "Jo Worker"
    )
    with pytest.raises(ValidationError) as info:
        nrm.referral_lead_social_worker_set(
            actor=world["as_sw"], referral=referral, user=world["users"]["officer"]
        )
    assert info.value.message_dict["user"] == [nrm.MSG_LEAD_SW_ROLE]
    with pytest.raises(ValidationError) as info:
        nrm.referral_lead_social_worker_set(actor=world["as_sw"], referral=referral, name=" ")
    assert info.value.message_dict["name"] == [nrm.MSG_LEAD_SW_NEEDED]
    updates = AuditEvent.objects.filter(object_type="nrm_referral", action="update")
    assert [e.fields for e in updates] == [["nrm_referrals.lead_social_worker"]]
