"""Charges through the criminal process (W-4): who records them, the steps, and what the charging
screen shows about open NRM referrals (J-04)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from ccehub.audit.models import AuditEvent
from ccehub.justice.models import ChargeStatus
from ccehub.justice.selectors import charging_notices_for
from ccehub.justice.services import (
    MSG_CHARGE_ROLE,
    MSG_INCIDENT_OTHER_CHILD,
    MSG_UNKNOWN_OFFENCE,
    charge_record,
    charge_step,
)
from ccehub.nrm.models import NRMDecision, NRMReferral
from ccehub.rules.prosecution import MSG_S45_EXCLUDED, MSG_STAYED, NoticeKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(islington_child, system_actor, agencies):
    from ccehub.incidents.services import incident_record

    return incident_record(
        actor=system_actor,
        child=islington_child,
        occurred_at=timezone.now() - timedelta(days=20),
        incident_type="arrest_pwits",
        recording_agency=agencies["kent"],
        arresting_force=agencies["kent"],
    )


@pytest.fixture
def officer(make_user, actor_for, agencies, roles):
    return actor_for(make_user("kent.officer", agencies["kent"], roles.POLICE_OFFICER))


@pytest.fixture
def social_worker(make_user, actor_for, agencies, roles):
    return actor_for(make_user("isl.sw", agencies["islington"], roles.SOCIAL_WORKER))


def test_police_record_a_charge_and_take_it_through_court(islington_child, incident, officer):
    charge = charge_record(actor=officer, child=islington_child, offence="pwits_class_a", incident=incident)
    assert charge.status == ChargeStatus.CHARGED
    charge = charge_step(actor=officer, charge=charge, to_status="court_proceedings")
    charge = charge_step(
        actor=officer, charge=charge, to_status="acquitted_s45", reason="s45 defence accepted"
    )
    assert charge.status == ChargeStatus.ACQUITTED_S45 and charge.status_reason == "s45 defence accepted"
    details = list(
        AuditEvent.objects.filter(object_type="charge", object_id=str(charge.pk)).values_list(
            "detail", flat=True
        )
    )
    assert "charged -> court proceedings (W-4)" in details
    assert "court proceedings -> acquitted (section 45 defence) (W-4)" in details


def test_only_police_record_charges(islington_child, incident, social_worker, officer):
    with pytest.raises(PermissionDenied, match=MSG_CHARGE_ROLE):
        charge_record(actor=social_worker, child=islington_child, offence="pwits_class_a", incident=incident)
    charge = charge_record(actor=officer, child=islington_child, offence="pwits_class_a", incident=incident)
    with pytest.raises(PermissionDenied, match=MSG_CHARGE_ROLE):
        charge_step(actor=social_worker, charge=charge, to_status="court_proceedings")


def test_bad_charges_are_refused_with_field_errors(
    islington_child, incident, officer, system_actor, agencies
):
    from ccehub.children.services import child_create

    with pytest.raises(ValidationError) as exc:
        charge_record(actor=officer, child=islington_child, offence="jaywalking", incident=incident)
    assert exc.value.message_dict == {"offence": [MSG_UNKNOWN_OFFENCE]}
    other = child_create(actor=system_actor, given_name="Other", family_name="Child", sex="male")
    with pytest.raises(ValidationError) as exc:
        charge_record(actor=system_actor, child=other, offence="pwits_class_a", incident=incident)
    assert exc.value.message_dict == {"incident": [MSG_INCIDENT_OTHER_CHILD]}


def test_steps_follow_w4_and_refusals_change_nothing(islington_child, incident, officer):
    charge = charge_record(actor=officer, child=islington_child, offence="firearms", incident=incident)
    with pytest.raises(ValidationError) as exc:
        charge_step(actor=officer, charge=charge, to_status="convicted")
    assert "cannot become" in exc.value.message_dict["to_status"][0]
    with pytest.raises(ValidationError) as exc:
        charge_step(actor=officer, charge=charge, to_status="discontinued", reason=" ")
    assert list(exc.value.message_dict) == ["reason"]
    charge_step(actor=officer, charge=charge, to_status="court_proceedings")
    with pytest.raises(ValidationError) as exc:
        charge_step(actor=officer, charge=charge, to_status="acquitted_s45")
    assert exc.value.message_dict == {"to_status": [MSG_S45_EXCLUDED]}
    charge.refresh_from_db()
    assert charge.status == ChargeStatus.COURT_PROCEEDINGS


def test_stayed_charge_is_not_stepped(islington_child, incident, officer):
    referral = NRMReferral.objects.create(
        child=islington_child, linked_incident=incident, referred_on=date.today() - timedelta(days=10)
    )
    NRMDecision.objects.create(
        referral=referral, stage="rg", outcome="positive", decided_on=date.today() - timedelta(days=5)
    )
    charge = charge_record(actor=officer, child=islington_child, offence="pwits_class_a", incident=incident)
    assert charge.status == ChargeStatus.STAYED_PENDING_CG
    with pytest.raises(ValidationError) as exc:
        charge_step(actor=officer, charge=charge, to_status="court_proceedings")
    assert exc.value.messages == [MSG_STAYED]


def test_j04_unlinked_open_referral_is_a_notice_but_does_not_stay(islington_child, incident, officer):
    """Tom: an earlier referral awaiting its CG, about another matter, is shown; the charge stands."""
    earlier = NRMReferral.objects.create(
        child=islington_child, referred_on=date.today() - timedelta(days=300)
    )
    NRMDecision.objects.create(
        referral=earlier, stage="rg", outcome="positive", decided_on=date.today() - timedelta(days=290)
    )
    closed = NRMReferral.objects.create(child=islington_child, referred_on=date.today() - timedelta(days=900))
    NRMDecision.objects.create(
        referral=closed, stage="rg", outcome="negative", decided_on=date.today() - timedelta(days=899)
    )
    charge = charge_record(actor=officer, child=islington_child, offence="pwits_class_a", incident=incident)
    assert charge.status == ChargeStatus.CHARGED
    notices = charging_notices_for(
        islington_child.nrm_referrals.prefetch_related("decisions"), incident=incident
    )
    assert [(n.referral_id, n.kind) for n in notices] == [(str(earlier.pk), NoticeKind.UNLINKED)]
