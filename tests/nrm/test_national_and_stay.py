"""National decisions (recorded as received from the SCA) and the criminal stay guard (R-09, J-02, J-03)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ccehub.audit.models import AuditEvent
from ccehub.justice import services as justice
from ccehub.justice.models import Charge, ChargeStatus
from ccehub.nrm import services as nrm
from ccehub.nrm.models import NOT_EXPERT_EVIDENCE
from ccehub.rules.clocks import MSG_CG_WITHOUT_RG
from tests.panels.conftest import TODAY_2024, refer

pytestmark = pytest.mark.django_db


def _record(world, referral, stage, outcome, decided_on, actor="as_sw"):
    return nrm.nrm_decision_record(
        actor=world[actor],
        referral=referral,
        stage=stage,
        outcome=outcome,
        decided_on=decided_on,
        today=TODAY_2024,
    )


@pytest.fixture
def national(world, child, incident):
    return refer(world, child, incident=incident, flag=False)


@pytest.fixture
def charges(world, child, incident, system_actor):
    """Two live charges for the incident and one for another matter."""
    from ccehub.children.services import fact_record

    def charge(status, linked=True):
        return fact_record(
            actor=system_actor,
            child=child,
            model=Charge,
            incident=incident if linked else None,
            offence="pwits_class_a",
            charged_on=date(2024, 3, 2),
            status=status,
        )

    return [
        charge(ChargeStatus.CHARGED),
        charge(ChargeStatus.COURT_PROCEEDINGS),
        charge(ChargeStatus.CHARGED, False),
    ]


# (profile referral date, RG date, CG date, CG allowed?) - the recovery period gates a national CG (N-02).
RECOVERY_CASES = [
    ("current: day 29 refused", date(2024, 3, 4), date(2024, 3, 8), date(2024, 4, 6), False),
    ("current: day 30 allowed", date(2024, 3, 4), date(2024, 3, 8), date(2024, 4, 7), True),
    ("report-2022: day 44 refused", date(2022, 3, 4), date(2022, 3, 6), date(2022, 4, 19), False),
    ("report-2022: day 45 allowed", date(2022, 3, 4), date(2022, 3, 6), date(2022, 4, 20), True),
]


@pytest.mark.parametrize(("label", "referred", "rg_on", "cg_on", "allowed"), RECOVERY_CASES)
def test_national_cg_waits_for_the_recovery_period(world, child, label, referred, rg_on, cg_on, allowed):
    """No national CG inside the recovery period: 30 days (current) or 45 (report-2022)."""
    referral = refer(world, child, flag=False, referred_on=referred, today=TODAY_2024)
    _record(world, referral, "rg", "positive", rg_on)
    if allowed:
        decision = _record(world, referral, "cg", "positive", cg_on)
        assert decision.decision_maker == "home_office_sca"
    else:
        with pytest.raises(ValidationError) as info:
            _record(world, referral, "cg", "positive", cg_on)
        # Refused, with the N-02 override offered (tests/nrm/test_recovery_override.py records one).
        earliest = rg_on + timedelta(days=30 if referred.year == 2024 else 45)
        assert info.value.message_dict["decided_on"] == [
            nrm.MSG_CG_INSIDE_RECOVERY_PERIOD.format(earliest=f"{earliest.day} {earliest:%B %Y}")
        ]


def test_national_decision_records_profile_label_and_lateness(world, national):
    """Each decision stores its profile, rule version and the R-07 label; a late RG is marked late."""
    rg = _record(world, national, "rg", "positive", date(2024, 3, 15))  # due 11 March
    assert (rg.policy_profile, rg.rule_version, rg.caveat) == ("current", "2026.1", NOT_EXPERT_EVIDENCE)
    assert rg.late is True
    assert AuditEvent.objects.filter(
        object_type="nrm_decision", object_id=str(rg.pk), action="create"
    ).exists()


@pytest.mark.parametrize(
    ("first", "second", "message"),
    [
        (None, ("cg", "positive"), MSG_CG_WITHOUT_RG),
        (
            ("rg", "positive"),
            ("rg", "negative"),
            nrm.MSG_STAGE_ALREADY_DECIDED.format(stage="reasonable-grounds"),
        ),
    ],
)
def test_stage_order_is_enforced(world, national, first, second, message):
    """A CG needs an RG; a stage is decided once."""
    if first:
        _record(world, national, *first, date(2024, 3, 8))
    with pytest.raises(ValidationError) as info:
        _record(world, national, *second, date(2024, 5, 1))
    assert message in [m for ms in info.value.message_dict.values() for m in ms]


def test_local_panel_referral_is_decided_at_a_meeting(world, referral):
    """An SCA decision cannot be recorded on a local-panel referral that has not been escalated."""
    with pytest.raises(ValidationError) as info:
        _record(world, referral, "rg", "positive", date(2024, 3, 8))
    assert info.value.message_dict["__all__"] == [nrm.MSG_PANEL_DECIDES]


def test_future_decision_refused(world, national):
    with pytest.raises(ValidationError) as info:
        _record(world, national, "rg", "positive", TODAY_2024.replace(day=30).replace(month=7))
    assert info.value.message_dict["decided_on"] == [nrm.MSG_DECIDED_IN_FUTURE]


def test_decision_before_the_referral_refused_in_the_forms_words(world, national):
    """Not the rules' internal 'as_of is before referral_date': the form's field, and the date."""
    with pytest.raises(ValidationError) as info:
        _record(world, national, "rg", "positive", date(2024, 3, 1))
    assert info.value.message_dict == {
        "decided_on": ["The date of the decision cannot be before the referral was made (4 March 2024)"]
    }


def test_recorder_needs_a_write_basis(world, national):
    with pytest.raises(PermissionDenied):
        _record(world, national, "rg", "positive", date(2024, 3, 8), actor="as_camden_sw")


# --- Stay guard ---------------------------------------------------------------------------------


def test_positive_rg_stays_charges_for_the_linked_incident(world, national, charges):
    """J-02: every live charge for the incident is stayed pending CG; other charges are untouched."""
    _record(world, national, "rg", "positive", date(2024, 3, 8))
    linked_a, linked_b, other = (Charge.objects.get(pk=c.pk) for c in charges)
    assert linked_a.status == linked_b.status == ChargeStatus.STAYED_PENDING_CG
    assert linked_a.stayed_for_referral == national and linked_a.stayed_on == date(2024, 3, 8)
    assert (linked_a.status_before_stay, linked_b.status_before_stay) == ("charged", "court_proceedings")
    assert other.status == ChargeStatus.CHARGED
    assert AuditEvent.objects.filter(object_type="charge", detail__contains="J-02").count() == 2


def test_negative_rg_stays_nothing(world, national, charges):
    _record(world, national, "rg", "negative", date(2024, 3, 8))
    assert not Charge.objects.filter(status=ChargeStatus.STAYED_PENDING_CG).exists()


def test_negative_cg_lifts_the_stay(world, national, charges):
    """J-03: a negative CG returns each stayed charge to where it was."""
    _record(world, national, "rg", "positive", date(2024, 3, 8))
    _record(world, national, "cg", "negative", date(2024, 4, 10))
    linked_a, linked_b, _ = (Charge.objects.get(pk=c.pk) for c in charges)
    assert (linked_a.status, linked_b.status) == ("charged", "court_proceedings")


def test_prosecution_after_positive_cg_needs_a_justification(world, national, charges):
    """J-03 / F-08: after a positive CG the stay holds until a justified decision to continue."""
    _record(world, national, "rg", "positive", date(2024, 3, 8))
    charge = Charge.objects.get(pk=charges[0].pk)
    with pytest.raises(ValidationError) as info:
        justice.charge_prosecution_continue(actor=world["as_officer"], charge=charge, justification="x")
    assert info.value.message_dict["__all__"] == [justice.MSG_STAY_AWAITS_CG]
    _record(world, national, "cg", "positive", date(2024, 4, 10))
    charge.refresh_from_db()
    assert charge.status == ChargeStatus.STAYED_PENDING_CG
    with pytest.raises(ValidationError) as info:
        justice.charge_prosecution_continue(actor=world["as_officer"], charge=charge, justification="  ")
    assert info.value.message_dict["justification"] == [justice.MSG_JUSTIFICATION_REQUIRED]
    with pytest.raises(PermissionDenied, match="Only the police"):
        justice.charge_prosecution_continue(
            actor=world["as_sw"], charge=charge, justification="Public interest"
        )
    charge = justice.charge_prosecution_continue(
        actor=world["as_officer"],
        charge=charge,
        justification="Violence against a rival outside the exploitation",
        on=date(2024, 4, 20),
    )
    assert charge.status == ChargeStatus.COURT_PROCEEDINGS and charge.prosecution_justification
    assert charge.prosecution_decided_on == date(2024, 4, 20)
    with pytest.raises(ValidationError) as info:
        justice.charge_prosecution_continue(actor=world["as_officer"], charge=charge, justification="again")
    assert info.value.message_dict["__all__"] == [justice.MSG_NOT_STAYED]


def test_discontinue_after_positive_cg(world, national, charges):
    _record(world, national, "rg", "positive", date(2024, 3, 8))
    _record(world, national, "cg", "positive", date(2024, 4, 10))
    charge = Charge.objects.get(pk=charges[0].pk)
    with pytest.raises(ValidationError) as info:
        justice.charge_discontinue(actor=world["as_officer"], charge=charge, reason="")
    assert info.value.message_dict["reason"] == [justice.MSG_DISCONTINUE_REASON]
    charge = justice.charge_discontinue(
        actor=world["as_officer"], charge=charge, reason="Victim of exploitation"
    )
    assert charge.status == ChargeStatus.DISCONTINUED


def test_a_stayed_prosecution_can_be_dropped_before_the_cg(world, national, charges):
    """Continuing waits for the CG (R-09); dropping the charge is in the child's favour and need not.
    A later negative CG does not bring a dropped charge back."""
    _record(world, national, "rg", "positive", date(2024, 3, 8))
    charge = Charge.objects.get(pk=charges[0].pk)
    assert charge.status == ChargeStatus.STAYED_PENDING_CG
    with pytest.raises(PermissionDenied, match="Only the police"):
        justice.charge_discontinue(actor=world["as_sw"], charge=charge, reason="Victim")
    charge = justice.charge_discontinue(
        actor=world["as_officer"],
        charge=charge,
        reason="Not in the public interest: a victim",
        on=date(2024, 3, 20),
    )
    assert charge.status == ChargeStatus.DISCONTINUED
    _record(world, national, "cg", "negative", date(2024, 4, 10))
    assert Charge.objects.get(pk=charge.pk).status == ChargeStatus.DISCONTINUED
