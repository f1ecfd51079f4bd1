"""Charges through the criminal process (W-4): who records them, the steps, and what the charging
screen shows about open NRM referrals (J-04)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

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
    today = date.today()
    assert f"charged -> court proceedings on {today} (W-4)" in details
    assert f"court proceedings -> acquitted (section 45 defence) on {today} (W-4)" in details


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


def _decide(referral, stage, outcome, days_ago):
    return NRMDecision.objects.create(
        referral=referral, stage=stage, outcome=outcome, decided_on=date.today() - timedelta(days=days_ago)
    )


def test_charge_after_a_positive_cg_is_held_for_a_justified_decision(islington_child, incident, officer):
    """J-03 / R-08: the child is a recognised victim for this incident; a charge recorded now cannot go
    to court without the recorded justification (VCL and AN)."""
    from ccehub.justice.services import charge_prosecution_continue

    referral = NRMReferral.objects.create(
        child=islington_child, linked_incident=incident, referred_on=date.today() - timedelta(days=100)
    )
    _decide(referral, "rg", "positive", 95)
    _decide(referral, "cg", "positive", 2)
    charge = charge_record(actor=officer, child=islington_child, offence="pwits_class_a", incident=incident)
    assert charge.status == ChargeStatus.STAYED_PENDING_CG and charge.stayed_for_referral_id == referral.pk
    assert "positive conclusive-grounds decision" in charge.status_reason
    (notice,) = charging_notices_for(
        islington_child.nrm_referrals.prefetch_related("decisions"), incident=incident
    )
    assert notice.kind is NoticeKind.VICTIM_LINKED
    with pytest.raises(ValidationError):
        charge_step(actor=officer, charge=charge, to_status="court_proceedings")
    with pytest.raises(ValidationError):
        charge_prosecution_continue(actor=officer, charge=charge, justification=" ")
    charge = charge_prosecution_continue(
        actor=officer, charge=charge, justification="Serious violence as well"
    )
    assert charge.status == ChargeStatus.COURT_PROCEEDINGS


def test_charge_after_a_negative_cg_stands(islington_child, incident, officer):
    referral = NRMReferral.objects.create(
        child=islington_child, linked_incident=incident, referred_on=date.today() - timedelta(days=100)
    )
    _decide(referral, "rg", "positive", 95)
    _decide(referral, "cg", "negative", 2)
    charge = charge_record(actor=officer, child=islington_child, offence="pwits_class_a", incident=incident)
    assert charge.status == ChargeStatus.CHARGED


def test_unknown_status_entering_the_process_is_stayed(islington_child, incident, officer):
    """A charge carried over as 'unknown' was never stayed; taking it to court while the incident's
    referral has a positive RG stays it instead (R-09)."""
    from ccehub.justice.models import Charge

    referral = NRMReferral.objects.create(
        child=islington_child, linked_incident=incident, referred_on=date.today() - timedelta(days=10)
    )
    _decide(referral, "rg", "positive", 5)
    charge = Charge.objects.create(
        child=islington_child, incident=incident, offence="pwits_class_a", status="unknown"
    )
    charge = charge_step(actor=officer, charge=charge, to_status="court_proceedings")
    assert (
        charge.status == ChargeStatus.STAYED_PENDING_CG and charge.status_before_stay == "court_proceedings"
    )
    # An outcome from the past (the report's own cases) is recorded as it happened.
    other = Charge.objects.create(
        child=islington_child, incident=incident, offence="pwits_class_a", status="unknown"
    )
    assert charge_step(actor=officer, charge=other, to_status="convicted").status == ChargeStatus.CONVICTED


def test_step_dates_are_checked_and_date_the_conviction_trigger(islington_child, incident, officer):
    from ccehub.justice.services import MSG_STEP_BEFORE_CHARGE, MSG_STEP_FUTURE

    charge = charge_record(
        actor=officer,
        child=islington_child,
        offence="pwits_class_a",
        incident=incident,
        charged_on=date.today() - timedelta(days=30),
    )
    with pytest.raises(ValidationError) as exc:
        charge_step(
            actor=officer, charge=charge, to_status="court_proceedings", on=date.today() + timedelta(days=1)
        )
    assert exc.value.message_dict == {"on": [MSG_STEP_FUTURE]}
    with pytest.raises(ValidationError) as exc:
        charge_step(
            actor=officer, charge=charge, to_status="court_proceedings", on=date.today() - timedelta(days=31)
        )
    assert exc.value.message_dict == {"on": [MSG_STEP_BEFORE_CHARGE]}
    charge_step(
        actor=officer, charge=charge, to_status="court_proceedings", on=date.today() - timedelta(days=20)
    )


def test_one_sentence_per_charge_and_one_remand_a_day(islington_child, incident, officer):
    """Found in review: posting the sentence twice recorded two sentences (and fired two triggers)."""
    from ccehub.justice.services import court_outcome_record
    from ccehub.rules.prosecution import MSG_ALREADY_SENTENCED, MSG_REMAND_SAME_DAY

    charge = charge_record(actor=officer, child=islington_child, offence="pwits_class_a", incident=incident)
    charge = charge_step(actor=officer, charge=charge, to_status="court_proceedings")
    day = date.today() - timedelta(days=3)
    court_outcome_record(actor=officer, charge=charge, decided_on=day, remanded_in_custody=True)
    with pytest.raises(ValidationError) as exc:
        court_outcome_record(actor=officer, charge=charge, decided_on=day, remanded_in_custody=True)
    assert exc.value.message_dict == {"remanded_in_custody": [MSG_REMAND_SAME_DAY]}
    charge = charge_step(actor=officer, charge=charge, to_status="convicted")
    court_outcome_record(
        actor=officer, charge=charge, decided_on=date.today(), sentence_type="dto", length_months=12
    )
    with pytest.raises(ValidationError) as exc:
        court_outcome_record(
            actor=officer, charge=charge, decided_on=date.today(), sentence_type="dto", length_months=12
        )
    assert exc.value.message_dict == {"sentence_type": [MSG_ALREADY_SENTENCED]}


def test_ended_early_cannot_outrun_the_calendar(islington_child, incident, officer):
    from ccehub.justice.models import CourtOutcome
    from ccehub.justice.services import sentence_ended_early

    outcome = CourtOutcome.objects.create(
        child=islington_child,
        decided_on=date.today() - timedelta(days=2),
        sentence_type="yro",
        length_months=12,
    )
    with pytest.raises(ValidationError) as exc:
        sentence_ended_early(actor=officer, outcome=outcome, months=11, reason="Good progress")
    assert "cannot have run 11 months by today" in exc.value.message_dict["months"][0]
