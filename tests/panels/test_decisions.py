"""Panel decisions: RG and CG by profile, quorum, the chair, deferral limits and escalation to the SCA."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ccehub.audit.models import AuditEvent
from ccehub.justice.models import Charge, ChargeStatus
from ccehub.nrm.models import NOT_EXPERT_EVIDENCE, NRMDecision
from ccehub.nrm.services import MSG_ALREADY_ESCALATED, MSG_CG_INSIDE_RECOVERY_PERIOD, nrm_decision_record
from ccehub.panels import services as panels
from ccehub.panels.models import PanelConfig, PanelDecision, QAEvent
from ccehub.panels.permissions import MSG_NOT_PANEL_CHAIR
from ccehub.panels.rules import MSG_QUORUM_CHAIR_ABSENT, MSG_QUORUM_CHAIR_IS_LEAD_SW, MSG_QUORUM_SECTORS
from ccehub.rules.clocks import MSG_CG_WITHOUT_RG
from tests.panels.conftest import decide, held_meeting

pytestmark = pytest.mark.django_db

MEETING_2024 = date(2024, 3, 20)
MEETING_2022 = date(2022, 3, 20)


def _all(exc: ValidationError) -> list[str]:
    return [m for ms in exc.message_dict.values() for m in ms]


def test_rg_and_cg_at_the_same_meeting(world, referral):
    """R-17: a panel may make the RG and a positive CG on the same day; each is fully recorded (F-07)."""
    meeting = held_meeting(world, referral, held_on=MEETING_2024)
    rg = decide(world, meeting, referral, "rg_positive")
    cg = decide(world, meeting, referral, "cg_positive")
    for decision in (rg, cg):
        decision.refresh_from_db()
        assert decision.decided_on == MEETING_2024
        assert decision.policy_profile == "current" and decision.rule_version == "2026.1"
        assert (
            decision.caveat
            == NOT_EXPERT_EVIDENCE
            == "Not expert evidence; not binding on a court (R v Breani)"
        )
        assert decision.members_present == [
            {"name": "Dr Sam Health", "sector": "health"},
            {"name": "DI Pat Police", "sector": "police"},
            {"name": "Morgan Chair", "sector": "social_care"},
        ]
        assert decision.chaired_by_name == "Morgan Chair" and decision.unanimous and decision.dissent == ""
        assert decision.evidence_considered[0] == "Police arrest record"
        assert decision.quorum_note == "Quorate: health, police, social_care"
        assert decision.ho_qa_status == "pending"
        assert QAEvent.objects.filter(decision=decision, kind="submitted").count() == 1
        nrm = decision.nrm_decision
        assert nrm.decision_maker == "local_panel" and nrm.decision_maker_agency == world["panel"]
        assert nrm.caveat == NOT_EXPERT_EVIDENCE and nrm.policy_profile == "current"
        event = AuditEvent.objects.get(object_type="panel_decision", object_id=str(decision.pk))
        assert event.basis == "panel_case" and event.username == "p.chair"
    assert [d.stage for d in NRMDecision.objects.filter(referral=referral)] == ["rg", "cg"]


# (label, referral fixture, meeting date, decisions in order, last outcome: "ok", an error or "escalated")
PROFILE_CASES = [
    ("current allows a negative CG", "referral", MEETING_2024, ["rg_positive", "cg_negative"], "ok"),
    (
        "report-2022 refuses a negative CG and escalates",
        "referral_2022",
        MEETING_2022,
        ["rg_positive", "cg_negative"],
        "escalated",
    ),
    ("report-2022 allows a positive CG", "referral_2022", MEETING_2022, ["rg_positive", "cg_positive"], "ok"),
    ("current allows a negative RG", "referral", MEETING_2024, ["rg_negative"], "ok"),
    ("report-2022 allows a negative RG (Q-08 switch)", "referral_2022", MEETING_2022, ["rg_negative"], "ok"),
    ("a CG needs an RG", "referral", MEETING_2024, ["cg_positive"], MSG_CG_WITHOUT_RG),
    ("no CG after a negative RG", "referral", MEETING_2024, ["rg_negative", "cg_positive"], "concluded"),
]


@pytest.mark.parametrize(("label", "fixture", "held_on", "sequence", "expected"), PROFILE_CASES)
def test_decisions_by_profile(request, world, label, fixture, held_on, sequence, expected):
    """R-18 and current guidance: what a panel may decide depends on the referral's profile."""
    referral = request.getfixturevalue(fixture)
    meeting = held_meeting(world, referral, held_on=held_on)
    for decision_type in sequence[:-1]:
        decide(world, meeting, referral, decision_type)
    last = sequence[-1]
    if expected == "ok":
        decision = decide(world, meeting, referral, last)
        assert decision.decision_type == last
        return
    with pytest.raises(ValidationError) as info:
        decide(world, meeting, referral, last)
    referral.refresh_from_db()
    if expected == "escalated":
        assert isinstance(info.value, panels.RefusedAndEscalated)
        assert _all(info.value) == [panels.MSG_NEGATIVE_CG_ESCALATED]
        assert referral.escalated_on == held_on
        escalation = info.value.escalation
        assert escalation.decision_type == "referred_to_sca" and escalation.meeting == meeting
        assert "The panel's view: Consistent account" in escalation.rationale
        assert not NRMDecision.objects.filter(referral=referral, stage="cg").exists()
        assert AuditEvent.objects.filter(object_type="nrm_referral", detail__startswith="escalated").exists()
    elif expected == "concluded":
        assert referral.escalated_on is None
    else:
        assert _all(info.value) == [expected]
        assert referral.escalated_on is None


@pytest.mark.parametrize(
    ("present", "missing"),
    [
        (("chair", "police"), "health"),
        (("chair", "health", "yot"), "police"),
        (("chair", "yot"), "police and health"),
    ],
)
def test_no_decision_without_the_three_sectors(world, referral, present, missing):
    """R-21 quorum, enforced in the service: social care, police and health must all be present."""
    meeting = held_meeting(world, referral, held_on=MEETING_2024, present=present)
    with pytest.raises(ValidationError) as info:
        decide(world, meeting, referral, "rg_positive")
    assert _all(info.value) == [MSG_QUORUM_SECTORS.format(missing=missing)]
    assert not PanelDecision.objects.exists()


def test_quorum_override_is_recorded(world, referral):
    """Q-27: a panel that switches enforcement off may decide, and the decision says so."""
    PanelConfig.objects.create(panel=world["panel"], quorum_enforced=False)
    meeting = held_meeting(world, referral, held_on=MEETING_2024, present=("chair", "police"))
    decision = decide(world, meeting, referral, "rg_positive")
    assert decision.quorum_note.startswith("Quorum enforcement switched off for this panel (Q-27)")


def test_quorum_override_never_lets_an_absent_acting_chair_decide(world, referral):
    """Q-27 switches off the sector rule only: a case's chair who is not at the table cannot decide it.

    The acting chair is named while the sitting is still scheduled, then not recorded as present.
    """
    from ccehub.panels.services import agenda_item_add, meeting_attendance_record, panel_meeting_schedule

    PanelConfig.objects.create(panel=world["panel"], quorum_enforced=False)
    meeting = panel_meeting_schedule(
        actor=world["as_lead"], panel=world["panel"], held_on=MEETING_2024, extraordinary=True, reason="t"
    )
    agenda_item_add(actor=world["as_lead"], meeting=meeting, referral=referral)
    item = meeting.agenda.get(referral=referral)
    members = world["members"]
    panels.agenda_item_acting_chair_set(actor=world["as_lead"], item=item, member=members["vice"])
    meeting = meeting_attendance_record(
        actor=world["as_lead"],
        meeting=meeting,
        present=[members[m] for m in ("chair", "police", "health")],
        chair=members["chair"],
        today=MEETING_2024,
    )
    with pytest.raises(ValidationError) as info:
        decide(world, meeting, referral, "rg_positive", actor=world["as_vice"])
    assert MSG_QUORUM_CHAIR_ABSENT in _all(info.value)
    assert not PanelDecision.objects.exists()


def test_chair_may_not_be_the_childs_lead_social_worker(world, referral):
    """The chair must not be the child's lead social worker; an acting chair for the case resolves it."""
    from ccehub.nrm.services import referral_lead_social_worker_set

    referral_lead_social_worker_set(actor=world["as_lead"], referral=referral, name="morgan  CHAIR")
    meeting = held_meeting(
        world, referral, held_on=MEETING_2024, present=("chair", "police", "health", "vice")
    )
    with pytest.raises(ValidationError) as info:
        decide(world, meeting, referral, "rg_positive")
    assert _all(info.value) == [MSG_QUORUM_CHAIR_IS_LEAD_SW]
    item = meeting.agenda.get(referral=referral)
    panels.agenda_item_acting_chair_set(actor=world["as_lead"], item=item, member=world["members"]["vice"])
    with pytest.raises(PermissionDenied, match=panels.MSG_NOT_CASE_CHAIR):
        decide(world, meeting, referral, "rg_positive")
    decision = decide(world, meeting, referral, "rg_positive", actor=world["as_vice"])
    assert decision.chaired_by_name == "Vic Vice"


@pytest.mark.parametrize("who", ["as_member", "as_lead", "as_sw"])
def test_only_the_chair_records_decisions(world, referral, who):
    meeting = held_meeting(world, referral, held_on=MEETING_2024)
    with pytest.raises(PermissionDenied) as info:
        decide(world, meeting, referral, "rg_positive", actor=world[who])
    assert str(info.value) == MSG_NOT_PANEL_CHAIR


def test_meeting_must_be_held_and_case_listed(world, referral, child, system_actor):
    from tests.panels.conftest import make_incident, refer

    meeting = panels.panel_meeting_schedule(
        actor=world["as_lead"], panel=world["panel"], held_on=MEETING_2024
    )
    panels.agenda_item_add(actor=world["as_lead"], meeting=meeting, referral=referral)
    with pytest.raises(ValidationError) as info:
        decide(world, meeting, referral, "rg_positive")
    assert _all(info.value) == [panels.MSG_MEETING_NOT_HELD]
    other_incident = make_incident(
        child, system_actor, world["met"], when=referral.linked_incident.occurred_at.replace(day=2)
    )
    other = refer(world, child, incident=other_incident)
    held = held_meeting(world, other, held_on=date(2024, 3, 21))
    with pytest.raises(ValidationError) as info:
        decide(world, held, referral, "rg_positive")
    assert _all(info.value) == [panels.MSG_NOT_ON_AGENDA]


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        (
            {"rationale": " "},
            "rationale",
            panels.MSG_REQUIRED.format(what="the panel's rationale for the decision"),
        ),
        ({"evidence_considered": ["", "  "]}, "evidence_considered", panels.MSG_EVIDENCE_REQUIRED),
        ({"dissent": "Police member thinks the evidence is thin"}, "dissent", panels.MSG_DISAGREEMENT_DEFER),
        ({"decision_type": "closure"}, "decision_type", None),
    ],
)
def test_decision_needs_rationale_evidence_and_agreement(world, referral, values, field, message):
    """F-07 rationale and evidence; R-19 disagreement means deferral."""
    meeting = held_meeting(world, referral, held_on=MEETING_2024)
    decision_type = values.pop("decision_type", "rg_positive")
    with pytest.raises(ValidationError) as info:
        decide(world, meeting, referral, decision_type, **values)
    assert field in info.value.message_dict
    if message:
        assert info.value.message_dict[field] == [message]


def test_deferral_with_dissent_within_the_limit(world, referral):
    """Disagreement defers the case to the next sitting, with the reason and the dissent recorded."""
    meeting = held_meeting(world, referral, held_on=MEETING_2024)
    panels.panel_meeting_schedule(actor=world["as_lead"], panel=world["panel"], held_on=date(2024, 4, 17))
    decision = decide(
        world,
        meeting,
        referral,
        "defer",
        dissent="Police member: the account is not yet corroborated",
        deferral_reason="Awaiting the YOT assessment",
    )
    assert decision.defer_until == date(2024, 4, 17)  # the next scheduled sitting
    assert decision.deadline == date(2024, 4, 18)  # RG due 45 days from referral
    assert decision.unanimous is False and decision.ho_qa_status == "n/a"
    assert decision.nrm_decision is None


def test_deferral_past_the_limit_is_refused_and_escalated(world, referral):
    """R-19: never past the limit. The deferral is refused and the case goes to the SCA."""
    meeting = held_meeting(world, referral, held_on=MEETING_2024)
    with pytest.raises(panels.RefusedAndEscalated) as info:
        decide(
            world,
            meeting,
            referral,
            "defer",
            deferral_reason="Awaiting health",
            defer_until=date(2024, 4, 19),
        )
    assert _all(info.value) == [
        panels.MSG_DEFERRAL_PAST_LIMIT.format(deadline="18 April 2024", profile="45-day")
    ]
    referral.refresh_from_db()
    assert referral.escalated_on == MEETING_2024
    assert not PanelDecision.objects.filter(decision_type="defer").exists()
    assert PanelDecision.objects.get(decision_type="referred_to_sca").referral == referral
    with pytest.raises(ValidationError) as again:
        decide(world, meeting, referral, "rg_positive")
    assert _all(again.value) == [MSG_ALREADY_ESCALATED]


def test_deferral_after_positive_rg_counts_from_the_rg(world, referral):
    """After a positive RG the limit is the RG date plus 45 days (Q-07)."""
    meeting = held_meeting(world, referral, held_on=MEETING_2024)
    decide(world, meeting, referral, "rg_positive")
    ok = decide(
        world, meeting, referral, "defer", deferral_reason="More from health", defer_until=date(2024, 5, 4)
    )
    assert ok.deadline == date(2024, 5, 4)
    later = held_meeting(world, referral, held_on=date(2024, 5, 1))
    with pytest.raises(panels.RefusedAndEscalated):
        decide(world, later, referral, "defer", deferral_reason="Still waiting", defer_until=date(2024, 5, 5))


@pytest.mark.parametrize(
    ("defer_until", "field", "message"),
    [
        (None, "defer_until", panels.MSG_DEFER_UNTIL_REQUIRED),
        (MEETING_2024, "defer_until", panels.MSG_DEFER_UNTIL_AFTER),
    ],
)
def test_deferral_needs_a_later_date(world, referral, defer_until, field, message):
    meeting = held_meeting(world, referral, held_on=MEETING_2024)
    with pytest.raises(ValidationError) as info:
        decide(world, meeting, referral, "defer", deferral_reason="More needed", defer_until=defer_until)
    assert info.value.message_dict[field] == [message]


def test_deferral_needs_a_reason(world, referral):
    meeting = held_meeting(world, referral, held_on=MEETING_2024)
    with pytest.raises(ValidationError) as info:
        decide(world, meeting, referral, "defer", defer_until=date(2024, 4, 1))
    assert "deferral_reason" in info.value.message_dict


def test_escalated_referral_follows_the_national_clocks(world, referral_2022):
    """After a refused negative CG (report-2022), the SCA decides under the national recovery period."""
    meeting = held_meeting(world, referral_2022, held_on=MEETING_2022)
    decide(world, meeting, referral_2022, "rg_positive")
    with pytest.raises(panels.RefusedAndEscalated):
        decide(world, meeting, referral_2022, "cg_negative")
    record = {
        "actor": world["as_sw"],
        "referral": referral_2022,
        "stage": "cg",
        "outcome": "negative",
        "today": date(2022, 6, 30),
    }
    with pytest.raises(ValidationError) as info:
        nrm_decision_record(decided_on=date(2022, 5, 3), **record)  # day 44 of 45
    assert _all(info.value) == [MSG_CG_INSIDE_RECOVERY_PERIOD.format(earliest="4 May 2022")]
    decision = nrm_decision_record(decided_on=date(2022, 5, 4), **record)
    assert decision.decision_maker == "home_office_sca" and decision.policy_profile == "report-2022"


def test_panel_rg_stays_linked_charges(world, referral, child, system_actor):
    """J-02 from a panel decision: the linked incident's charges are stayed pending CG."""
    from ccehub.children.services import fact_record

    charge = fact_record(
        actor=system_actor,
        child=child,
        model=Charge,
        incident=referral.linked_incident,
        offence="pwits_class_a",
        charged_on=date(2024, 3, 2),
    )
    meeting = held_meeting(world, referral, held_on=MEETING_2024)
    decide(world, meeting, referral, "rg_positive")
    charge.refresh_from_db()
    assert charge.status == ChargeStatus.STAYED_PENDING_CG and charge.stayed_for_referral == referral


# --- Escalation at the time limit ----------------------------------------------------------------


def test_referrals_are_escalated_on_day_45(world, referral, system_actor):
    """R-19 'escalates on day 45' (§4.2.2 '[today = deadline]'): a referral that reaches its panel
    limit (4 March + 45 days = 18 April) undecided goes to the SCA that day (dry run first)."""
    from ccehub.panels.selectors import escalations_due

    assert escalations_due(as_of=date(2024, 4, 17)) == []  # day 44
    due = escalations_due(as_of=date(2024, 4, 18))  # day 45, the limit itself
    assert [d.referral for d in due] == [referral]
    assert due[0].reason.startswith(
        "Panel time limit: no reasonable-grounds decision by 18 April 2024, 45 days"
    )
    assert (
        len(panels.referrals_escalate_overdue(actor=system_actor, as_of=date(2024, 4, 18), dry_run=True)) == 1
    )
    referral.refresh_from_db()
    assert referral.escalated_on is None
    done = panels.referrals_escalate_overdue(actor=system_actor, as_of=date(2024, 4, 18))
    assert [r for r, _ in done] == [referral]
    referral.refresh_from_db()
    assert referral.escalated_on == date(2024, 4, 18)
    assert PanelDecision.objects.get(referral=referral).meeting is None
    assert panels.referrals_escalate_overdue(actor=system_actor, as_of=date(2024, 4, 19)) == []


def test_a_case_heard_on_day_45_is_left_to_that_sitting(world, referral, system_actor):
    """A sitting on the limit day may still decide in time, so the day-45 run leaves its cases alone;
    undecided, the case goes to the SCA on the next run."""
    from ccehub.panels.selectors import escalations_due

    held_meeting(world, referral, held_on=date(2024, 4, 18))
    assert escalations_due(as_of=date(2024, 4, 18)) == []
    assert [d.referral for d in escalations_due(as_of=date(2024, 4, 19))] == [referral]


def test_a_decision_on_day_45_is_on_time_and_not_escalated(world, referral, system_actor):
    """A decision made on the limit day is within the limit: nothing to escalate, not marked late."""
    from ccehub.panels.selectors import escalations_due

    meeting = held_meeting(world, referral, held_on=date(2024, 4, 18))
    rg = decide(world, meeting, referral, "rg_positive")
    assert rg.nrm_decision.late is False
    assert escalations_due(as_of=date(2024, 4, 18)) == []


def test_deferral_limit_overdue_is_escalated_by_the_command(world, referral):
    """After a positive RG with no CG by day 45 the management command escalates the case."""
    from io import StringIO

    from django.core.management import call_command

    meeting = held_meeting(world, referral, held_on=MEETING_2024)
    decide(world, meeting, referral, "rg_positive")
    out = StringIO()
    call_command("panel_escalations", "--as-of", "2024-05-03", stdout=out)
    assert out.getvalue().strip().endswith("escalated: 0")  # day 44 after the RG
    call_command("panel_escalations", "--as-of", "2024-05-04", stdout=out)
    assert "Deferral limit (R-19): no conclusive-grounds decision by 4 May 2024" in out.getvalue()
    assert out.getvalue().strip().endswith("escalated: 1")
    referral.refresh_from_db()
    assert referral.escalated_on == date(2024, 5, 4)


def test_refer_to_sca_on_purpose(world, referral):
    """A contested case may be sent to the SCA deliberately (Q-08); a reason is required."""
    with pytest.raises(ValidationError):
        panels.referral_refer_to_sca(actor=world["as_lead"], referral=referral, reason=" ")
    with pytest.raises(PermissionDenied):
        panels.referral_refer_to_sca(actor=world["as_member"], referral=referral, reason="Contested")
    decision = panels.referral_refer_to_sca(
        actor=world["as_lead"], referral=referral, reason="Contested", on=date(2024, 3, 30)
    )
    assert decision.decision_type == "referred_to_sca"
    referral.refresh_from_db()
    assert referral.escalated_on == date(2024, 3, 30) and referral.escalation_reason == "Contested"


def test_quorum_sectors_cannot_drop_the_three(world):
    """R-21: a panel cannot quietly narrow its quorum; the only override is the recorded switch."""
    with pytest.raises(ValidationError) as info:
        panels.panel_config_set(actor=world["as_chair"], panel=world["panel"], quorum_sectors=["police"])
    assert "quorum_sectors" in info.value.message_dict


# --- A decision at a sitting after the limit (R-19: never beyond 45 days) -------------------------


def test_an_rg_at_a_sitting_after_the_limit_is_refused_and_escalated(world, referral_2022):
    """Referral 4 March 2022 (report-2022): limit 18 April. An RG at a sitting on 2 May is refused and the
    case goes to the SCA, whether or not the daily escalation job ran (it has not, here). The listing
    service would not list it there; the check at decision time holds for a case listed anyway."""
    meeting = held_meeting(world, referral_2022, held_on=date(2022, 5, 2), listed_directly=True)
    with pytest.raises(panels.RefusedAndEscalated) as info:
        decide(world, meeting, referral_2022, "rg_positive")
    assert info.value.text == panels.MSG_DECISION_PAST_LIMIT.format(
        held_on="2 May 2022", deadline="18 April 2022", limit="45 days from the referral"
    )
    referral_2022.refresh_from_db()
    assert referral_2022.escalated_on == date(2022, 5, 2)
    assert not NRMDecision.objects.filter(referral=referral_2022).exists()
    assert [d.decision_type for d in PanelDecision.objects.filter(referral=referral_2022)] == [
        "referred_to_sca"
    ]
    assert not PanelDecision.objects.filter(referral=referral_2022, ho_qa_status="pending").exists()
    with pytest.raises(ValidationError) as again:
        decide(world, meeting, referral_2022, "rg_positive")
    assert _all(again.value) == [MSG_ALREADY_ESCALATED]


def test_a_cg_at_a_sitting_after_the_deferral_limit_is_refused_and_escalated(world, referral):
    """Positive RG on 20 March 2024: the CG limit is 4 May. A CG at a sitting on 20 May is refused
    (the listing service would not list it there; the check holds for a case listed anyway)."""
    from ccehub.panels.models import AgendaItem
    from ccehub.panels.services import agenda_item_add, meeting_attendance_record, panel_meeting_schedule

    first = held_meeting(world, referral, held_on=MEETING_2024)
    decide(world, first, referral, "rg_positive")
    later = panel_meeting_schedule(
        actor=world["as_lead"],
        panel=world["panel"],
        held_on=date(2024, 5, 20),
        extraordinary=True,
        reason="t",
    )
    with pytest.raises(ValidationError):
        agenda_item_add(actor=world["as_lead"], meeting=later, referral=referral)
    AgendaItem.objects.create(meeting=later, referral=referral, position=1, urgency={})
    members = world["members"]
    later = meeting_attendance_record(
        actor=world["as_lead"],
        meeting=later,
        present=[members[m] for m in ("chair", "police", "health")],
        chair=members["chair"],
        today=date(2024, 5, 20),
    )
    with pytest.raises(panels.RefusedAndEscalated) as info:
        decide(world, later, referral, "cg_positive")
    assert "after 4 May 2024" in info.value.text
    assert "45 days from the positive reasonable-grounds decision" in info.value.text
    referral.refresh_from_db()
    assert referral.escalated_on == date(2024, 5, 20)
    assert [n.stage for n in NRMDecision.objects.filter(referral=referral)] == ["rg"]


def test_a_decision_recorded_after_the_limit_for_a_sitting_within_it_is_accepted(world, referral):
    """The decision's date is the sitting's: minutes typed up after the limit for a sitting held on day
    45 are on time (unless the case has meanwhile been escalated)."""
    meeting = held_meeting(world, referral, held_on=date(2024, 4, 18), today=date(2024, 4, 25))
    rg = decide(world, meeting, referral, "rg_positive")
    assert rg.decided_on == date(2024, 4, 18) and rg.nrm_decision.late is False
