"""R-09: a charge recorded after a positive RG is stayed from the start."""

from datetime import date, timedelta

from ccehub.justice.models import ChargeStatus
from ccehub.justice.services import charge_record
from ccehub.nrm.models import NRMDecision, NRMReferral


def test_charge_after_positive_rg_is_stayed(islington_child, incident, system_actor):
    """The stay does not depend on whether the charge or the RG was recorded first."""
    referral = NRMReferral.objects.create(
        child=islington_child, linked_incident=incident, referred_on=date.today() - timedelta(days=10)
    )
    NRMDecision.objects.create(
        referral=referral, stage="rg", outcome="positive", decided_on=date.today() - timedelta(days=5)
    )
    charge = charge_record(
        actor=system_actor, child=islington_child, offence="pwits_class_a", incident=incident
    )
    assert charge.status == ChargeStatus.STAYED_PENDING_CG and charge.stayed_for_referral_id == referral.pk


def test_charge_without_rg_or_after_cg_is_not_stayed(islington_child, incident, system_actor):
    """No positive RG pending a CG: the charge stands."""
    assert (
        charge_record(
            actor=system_actor, child=islington_child, offence="pwits_class_a", incident=incident
        ).status
        == ChargeStatus.CHARGED
    )
    referral = NRMReferral.objects.create(
        child=islington_child, linked_incident=incident, referred_on=date.today() - timedelta(days=60)
    )
    NRMDecision.objects.create(
        referral=referral, stage="rg", outcome="positive", decided_on=date.today() - timedelta(days=55)
    )
    NRMDecision.objects.create(
        referral=referral, stage="cg", outcome="negative", decided_on=date.today() - timedelta(days=5)
    )
    assert (
        charge_record(
            actor=system_actor, child=islington_child, offence="pwits_class_a", incident=incident
        ).status
        == ChargeStatus.CHARGED
    )
