"""The N-02 override in the NRM service: a Home Office CG dated inside the recovery period is refused
without a reason and recorded with one; the reason is stored, and the audit row says an override was
used without copying the reason (free text that may name people)."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.core.exceptions import ValidationError

from ccehub.audit.models import AuditEvent
from ccehub.nrm import services as nrm
from ccehub.nrm.models import NRMDecision
from ccehub.nrm.selectors import referral_clock
from ccehub.panels import services as panels
from tests.panels.conftest import TODAY_2024, decide, held_meeting, refer

pytestmark = pytest.mark.django_db

REASON = "The child asked the SCA to decide early; letter of 20 March names the advocate Jo Smith"
RG_ON = date(2024, 3, 8)  # current profile: recovery period of 30 days, earliest CG 7 April 2024
EARLY = date(2024, 4, 6)  # day 29
ON_TIME = date(2024, 4, 7)  # day 30


def _record(world, referral, stage, decided_on, *, outcome="positive", reason=None, today=TODAY_2024):
    extra = {} if reason is None else {"recovery_override_reason": reason}
    return nrm.nrm_decision_record(
        actor=world["as_sw"],
        referral=referral,
        stage=stage,
        outcome=outcome,
        decided_on=decided_on,
        today=today,
        **extra,
    )


@pytest.fixture
def national(world, child, incident):
    referral = refer(world, child, incident=incident, flag=False)
    _record(world, referral, "rg", RG_ON)
    return referral


def _cg_rows(referral):
    return NRMDecision.objects.filter(referral=referral, stage="cg")


@pytest.mark.parametrize("reason", [None, "", "   \n\t "])
def test_a_cg_inside_the_recovery_period_without_a_reason_is_refused_and_offers_the_override(
    world, national, reason
):
    with pytest.raises(ValidationError) as info:
        _record(world, national, "cg", EARLY, reason=reason)
    assert info.value.message_dict == {
        "decided_on": [nrm.MSG_CG_INSIDE_RECOVERY_PERIOD.format(earliest="7 April 2024")]
    }
    message = info.value.message_dict["decided_on"][0]
    assert "inside the recovery period" in message and "record it with a reason" in message
    assert not _cg_rows(national).exists()


def test_a_cg_inside_the_recovery_period_with_a_reason_is_recorded_stored_and_audited(world, national):
    decision = _record(world, national, "cg", EARLY, reason=f"  {REASON}\n")
    decision.refresh_from_db()
    assert (decision.stage, decision.outcome, decision.decided_on) == ("cg", "positive", EARLY)
    assert decision.decision_maker == "home_office_sca"
    assert decision.recovery_override_reason == REASON  # stripped
    audit = AuditEvent.objects.get(object_type="nrm_decision", object_id=str(decision.pk), action="create")
    assert "inside the recovery period by override" in audit.detail
    assert "earliest CG 2024-04-07" in audit.detail
    assert "nrm_referrals.decisions.recovery_override_reason" in audit.fields
    # The reason is free text (it may name people): kept on the decision, never in the audit log.
    for row in AuditEvent.objects.all():
        assert "Jo Smith" not in json.dumps([row.detail, row.fields, row.purpose])
    clock = referral_clock(national, as_of=TODAY_2024)
    assert clock is not None and clock.cg_recovery_override is True
    assert clock.stage == "concluded_positive"


def test_a_negative_cg_inside_the_recovery_period_may_be_recorded_with_a_reason(world, national):
    decision = _record(world, national, "cg", date(2024, 3, 9), outcome="negative", reason=REASON)
    assert decision.outcome == "negative" and decision.recovery_override_reason == REASON
    clock = referral_clock(national, as_of=TODAY_2024)
    assert clock is not None and clock.cg_recovery_override and clock.stage == "concluded_negative"


def test_a_cg_after_the_recovery_period_needs_no_reason_and_refuses_one(world, national):
    with pytest.raises(ValidationError) as info:
        _record(world, national, "cg", ON_TIME, reason=REASON)
    assert info.value.message_dict == {
        "recovery_override_reason": [nrm.MSG_OVERRIDE_REASON_NOT_NEEDED.format(earliest="7 April 2024")]
    }
    assert not _cg_rows(national).exists()
    decision = _record(world, national, "cg", ON_TIME)
    assert decision.recovery_override_reason == ""
    audit = AuditEvent.objects.get(object_type="nrm_decision", object_id=str(decision.pk), action="create")
    assert "override" not in audit.detail
    clock = referral_clock(national, as_of=TODAY_2024)
    assert clock is not None and clock.cg_recovery_override is False


def test_an_rg_refuses_a_reason(world, child, incident):
    referral = refer(world, child, incident=incident, flag=False)
    with pytest.raises(ValidationError) as info:
        _record(world, referral, "rg", RG_ON, reason=REASON)
    assert info.value.message_dict == {"recovery_override_reason": [nrm.MSG_OVERRIDE_REASON_ON_RG]}
    assert not NRMDecision.objects.filter(referral=referral).exists()


def test_the_override_does_not_let_a_cg_before_the_rg_through(world, national):
    with pytest.raises(ValidationError) as info:
        _record(world, national, "cg", date(2024, 3, 7), reason=REASON)
    assert "decided_on" in info.value.message_dict
    assert not _cg_rows(national).exists()


def test_a_case_the_panel_sent_to_the_sca_takes_the_override_under_the_national_clocks(world, referral_2022):
    """report-2022: the 45-day period gates the SCA's CG on an escalated case; a reason lets it in."""
    meeting = held_meeting(world, referral_2022, held_on=date(2022, 3, 20))
    decide(world, meeting, referral_2022, "rg_positive")
    with pytest.raises(panels.RefusedAndEscalated):
        decide(world, meeting, referral_2022, "cg_negative")
    day_44 = date(2022, 5, 3)
    with pytest.raises(ValidationError) as info:
        _record(world, referral_2022, "cg", day_44, outcome="negative", today=date(2022, 6, 30))
    assert info.value.message_dict["decided_on"] == [
        nrm.MSG_CG_INSIDE_RECOVERY_PERIOD.format(earliest="4 May 2022")
    ]
    decision = _record(
        world, referral_2022, "cg", day_44, outcome="negative", reason=REASON, today=date(2022, 6, 30)
    )
    assert decision.recovery_override_reason == REASON and decision.policy_profile == "report-2022"


def test_the_panel_route_is_unchanged(world, referral):
    """A panel's CG at its RG meeting needs no override and stores no reason."""
    meeting = held_meeting(world, referral, held_on=date(2024, 3, 20))
    decide(world, meeting, referral, "rg_positive")
    decide(world, meeting, referral, "cg_positive")
    cg = _cg_rows(referral).get()
    assert cg.recovery_override_reason == ""
    clock = referral_clock(referral, as_of=TODAY_2024)
    assert clock is not None and clock.cg_recovery_override is False
