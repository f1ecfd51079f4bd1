"""Triage services: what is stored, who may change what, and that every change is audited."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ccehub.audit.models import AuditEvent
from ccehub.children.models import Child, MissingEpisode
from ccehub.incidents import services
from ccehub.incidents.models import (
    ActionStatus,
    DecisionBasis,
    DecisionEditError,
    IdentifyingIncident,
    RebuttalStatus,
    TriageAction,
    TriageDecision,
)
from ccehub.rules.presumption import assess_rebuttal, rebuttal_reason
from ccehub.rules.triage import parse_triage_input, triage
from tests.incidents.conftest import DOB, INCIDENT_AT, LONDON, incident_values, new_child

pytestmark = pytest.mark.django_db

STRONG_NOTE = "Full download of his phone shows he runs the line and recruits younger children"
WEAK_NOTE = "No disclosure, no comment interview, phone checked manually with nothing found"


def test_decision_stores_the_exact_input_and_output(presumed):
    """The stored input replays through the pure rules to exactly the stored output."""
    inputs = presumed.inputs
    assert inputs == {
        "incident_date": "2024-03-01T21:00+00:00",
        "date_of_birth": DOB.isoformat(),
        "estimated_age": None,
        "county_lines_linked": True,
        "arrested": True,
        "out_of_area": True,
        "offences": ["pwits_class_a"],
        "indicators": ["cash", "multiple_phones"],
        "missing_days": None,
        "clear_evidence_not_exploited": False,
        "evidence_note": None,
        "policy": "current",
    }
    assert presumed.outputs == triage(parse_triage_input(inputs)).to_json()
    assert (presumed.presumption, presumed.priority) == ("presumed_victim", "crisis")
    assert presumed.policy == "current" and presumed.rule_version == presumed.outputs["rule_version"]
    assert presumed.basis == DecisionBasis.INITIAL and presumed.is_current
    assert presumed.agency.code == "kent" and presumed.decided_by_name == "t.officer"


def test_actions_are_stored_with_due_times_from_the_incident(presumed):
    """Each proposed action is a row, in the rules' order, due at incident time + hours."""
    actions = list(presumed.actions.order_by("position"))
    assert [a.code for a in actions] == [a["code"] for a in presumed.outputs["actions"]]
    by_code = {a.code: a for a in actions}
    assert by_code["safeguard_immediately"].due_at == INCIDENT_AT
    assert by_code["return_home_crisis_intervention"].due_at == INCIDENT_AT + timedelta(hours=72)
    assert by_code["refer_to_nrm"].due_at is None
    assert all(a.status == ActionStatus.OPEN for a in actions)


def test_triage_is_audited_with_the_identity_read(presumed):
    """The date of birth is read through the audited child read, and the decision is audited."""
    pid = presumed.child.pseudonymous_id
    events = AuditEvent.objects.filter(child_pid=pid, username="t.officer")
    views = events.filter(object_type="child", action="view")
    assert any("date_of_birth" in e.fields for e in views)
    created = events.get(object_type="triage_decision", action="create")
    assert created.object_id == str(presumed.pk)
    assert "presumed_victim" in created.detail and "current" in created.detail


def test_bad_input_leaves_nothing_saved(people, agencies):
    """An incident before the date of birth, an unknown code or a future date saves no child, no
    incident and no decision."""
    before = (Child.objects.count(), IdentifyingIncident.objects.count(), TriageDecision.objects.count())
    cases = [
        ({"occurred_at": datetime(2008, 4, 1, 12, tzinfo=LONDON)}, "occurred_at"),
        ({"offences": ["pwits_class_z"]}, "offences"),
        ({"indicators": ["telepathy"]}, "indicators"),
        ({"occurred_at": datetime.now(LONDON) + timedelta(days=2)}, "occurred_at"),
        ({"incident_type": "picnic"}, "incident_type"),
    ]
    for override, field in cases:
        with pytest.raises(ValidationError) as raised:
            services.incident_record_and_triage(
                actor=people["officer"], new_child=new_child(), **incident_values(**override)
            )
        assert field in raised.value.message_dict, override
    with pytest.raises(ValidationError) as raised:
        services.incident_record_and_triage(
            actor=people["officer"], new_child=new_child(), policy="next-year", **incident_values()
        )
    assert "policy" in raised.value.message_dict
    after = (Child.objects.count(), IdentifyingIncident.objects.count(), TriageDecision.objects.count())
    assert after == before


def test_unknown_child_without_a_date_of_birth_is_treated_as_a_child(people):
    """Name 'Unknown', no DOB, an estimated age of 15: age not established, treat as a child."""
    decision = services.incident_record_and_triage(
        actor=people["officer"],
        new_child=new_child(date_of_birth=None),
        estimated_age=15,
        **incident_values(),
    )
    assert decision.presumption == "age_unknown_treat_as_child"
    assert decision.inputs["estimated_age"] == 15 and decision.inputs["date_of_birth"] is None
    assert "establish_home_status" in [a.code for a in decision.actions.all()]
    assert decision.child.identity.given_name == "Unknown"


def test_retriage_keeps_history_and_carries_what_people_did(presumed, people):
    """A re-triage is a new decision that supersedes the old one; the old one is unchanged, and an
    accepted action stays accepted."""
    safeguard = presumed.actions.get(code="safeguard_immediately")
    services.triage_action_accept(actor=people["officer"], action=safeguard)
    again = services.triage_decide(actor=people["officer2"], incident=presumed.incident)
    presumed.refresh_from_db()
    assert again.supersedes == presumed and again.basis == DecisionBasis.RE_TRIAGE
    assert not presumed.is_current and again.is_current
    assert TriageDecision.objects.filter(incident=presumed.incident).count() == 2
    carried = again.actions.get(code="safeguard_immediately")
    assert carried.status == ActionStatus.ACCEPTED and carried.status_by_name == "t.officer"
    assert carried.carried_from == safeguard
    assert again.actions.get(code="refer_to_nrm").status == ActionStatus.OPEN
    with pytest.raises(ValidationError) as raised:
        services.triage_action_accept(
            actor=people["officer"], action=presumed.actions.get(code="refer_to_nrm")
        )
    assert services.MSG_DECISION_SUPERSEDED in str(raised.value)


def test_retriage_after_a_date_of_birth_is_confirmed(people):
    """Age not established at 2 a.m.; once the DOB is recorded, triage again presumes the child."""
    from ccehub.children.models import Identity

    first = services.incident_record_and_triage(
        actor=people["officer"], new_child=new_child(date_of_birth=None), **incident_values()
    )
    Identity.objects.filter(child=first.child).update(date_of_birth=DOB)
    second = services.triage_decide(actor=people["officer"], incident=first.incident)
    assert (first.presumption, second.presumption) == ("age_unknown_treat_as_child", "presumed_victim")


def test_a_decision_is_never_edited_in_place(presumed):
    """The rules' result cannot be rewritten: saving it again is refused."""
    presumed.presumption = "adult"
    with pytest.raises(DecisionEditError):
        presumed.save()
    with pytest.raises(DecisionEditError):
        presumed.save(update_fields=["presumption"])
    assert TriageDecision.objects.get(pk=presumed.pk).presumption == "presumed_victim"


def test_override_needs_a_reason(presumed, people):
    """Overriding with a blank reason is refused and changes nothing; with a reason it is recorded
    and audited."""
    action = presumed.actions.get(code="bail_not_rui")
    for blank in ("", "   "):
        with pytest.raises(ValidationError) as raised:
            services.triage_action_override(actor=people["officer"], action=action, reason=blank)
        assert raised.value.message_dict == {"reason": [services.MSG_OVERRIDE_REASON]}
    action.refresh_from_db()
    assert action.status == ActionStatus.OPEN
    services.triage_action_override(
        actor=people["officer"], action=action, reason="Charged and remanded: bail is not available"
    )
    action.refresh_from_db()
    assert action.status == ActionStatus.OVERRIDDEN and action.status_by_name == "t.officer"
    assert action.status_reason == "Charged and remanded: bail is not available"
    event = AuditEvent.objects.get(object_type="triage_action", object_id=str(action.pk))
    assert event.action == "update" and event.detail == "bail_not_rui: overridden"


def test_accept_then_done_and_closed_actions_stay_closed(presumed, people):
    """open → accepted → done; a done or overridden action cannot change again."""
    action = presumed.actions.get(code="notify_home_local_authority")
    services.triage_action_accept(actor=people["officer"], action=action)
    with pytest.raises(ValidationError):
        services.triage_action_accept(actor=people["officer"], action=action)
    services.triage_action_complete(
        actor=people["officer"], action=action, reason="Islington EDT told at 21:40"
    )
    action.refresh_from_db()
    assert action.status == ActionStatus.DONE and action.status_reason == "Islington EDT told at 21:40"
    with pytest.raises(ValidationError) as raised:
        services.triage_action_override(actor=people["officer"], action=action, reason="changed my mind")
    assert services.MSG_ACTION_CLOSED.format(status="done") in str(raised.value)


def test_an_agency_without_access_cannot_touch_actions(presumed, people):
    """Camden has no basis to see the child: refused."""
    action = presumed.actions.first()
    with pytest.raises(PermissionDenied):
        services.triage_action_accept(actor=people["camden"], action=action)
    with pytest.raises(PermissionDenied):
        services.triage_action_override(actor=people["analyst"], action=action, reason="x")


# --- Rebuttal (R-25, R-38) -------------------------------------------------------------------------


def test_weak_evidence_is_not_a_rebuttal(presumed, people):
    """No disclosure, no comment and a clean phone are refused with the rules' R-38 reason."""
    with pytest.raises(ValidationError) as raised:
        services.triage_rebuttal_request(actor=people["officer"], decision=presumed, evidence_note=WEAK_NOTE)
    expected = rebuttal_reason(assess_rebuttal(claimed=True, evidence_note=WEAK_NOTE))
    assert raised.value.message_dict == {"evidence_note": [expected]}
    with pytest.raises(ValidationError) as raised:
        services.triage_rebuttal_request(actor=people["officer"], decision=presumed, evidence_note="  ")
    assert raised.value.message_dict == {"evidence_note": [services.MSG_REBUTTAL_NOTE_REQUIRED]}
    presumed.refresh_from_db()
    assert presumed.rebuttal_status == RebuttalStatus.NONE


def test_request_leaves_the_presumption_standing(presumed, people):
    """A requested rebuttal is pending; no new decision exists and the presumption stands."""
    services.triage_rebuttal_request(actor=people["officer"], decision=presumed, evidence_note=STRONG_NOTE)
    presumed.refresh_from_db()
    assert presumed.rebuttal_status == RebuttalStatus.PENDING_APPROVAL
    assert presumed.presumption == "presumed_victim" and presumed.is_current
    assert TriageDecision.objects.filter(incident=presumed.incident).count() == 1
    with pytest.raises(ValidationError) as raised:
        services.triage_rebuttal_request(
            actor=people["officer2"], decision=presumed, evidence_note=STRONG_NOTE
        )
    assert "awaiting approval" in str(raised.value)
    assert AuditEvent.objects.filter(object_type="triage_rebuttal", detail="rebuttal requested").count() == 1


def test_only_a_presumption_can_be_rebutted(people):
    """A decision that does not presume the child a victim has nothing to rebut."""
    decision = services.incident_record_and_triage(
        actor=people["officer"], new_child=new_child(date_of_birth=None), **incident_values()
    )
    with pytest.raises(ValidationError) as raised:
        services.triage_rebuttal_request(
            actor=people["officer"], decision=decision, evidence_note=STRONG_NOTE
        )
    assert services.MSG_REBUTTAL_NOT_PRESUMED in str(raised.value)


@pytest.mark.parametrize("who", ["officer2", "sw"])
def test_only_approver_roles_may_approve(presumed, people, who):
    """A police officer or a social worker cannot approve (only a specialist or panel chair)."""
    services.triage_rebuttal_request(actor=people["officer"], decision=presumed, evidence_note=STRONG_NOTE)
    with pytest.raises(PermissionDenied) as raised:
        services.triage_rebuttal_approve(actor=people[who], decision=presumed, reason="Agreed")
    assert str(raised.value) == services.MSG_APPROVER_ROLE


def test_self_approval_is_refused(presumed, people):
    """A specialist who asked for the rebuttal cannot approve or refuse it; another one can."""
    services.triage_rebuttal_request(actor=people["specialist"], decision=presumed, evidence_note=STRONG_NOTE)
    for service in (services.triage_rebuttal_approve, services.triage_rebuttal_refuse):
        with pytest.raises(PermissionDenied) as raised:
            service(actor=people["specialist"], decision=presumed, reason="Agreed")
        assert str(raised.value) == services.MSG_SELF_APPROVAL
    presumed.refresh_from_db()
    assert presumed.rebuttal_status == RebuttalStatus.PENDING_APPROVAL
    new = services.triage_rebuttal_approve(actor=people["specialist2"], decision=presumed, reason="Agreed")
    assert new.supersedes == presumed


def test_approval_makes_a_new_decision_and_keeps_the_old(presumed, people):
    """Approval: a new decision on the same facts with clear_evidence_not_exploited true; the
    presumed decision is kept, marked approved, with the approver and reason; both audited."""
    services.triage_rebuttal_request(actor=people["officer"], decision=presumed, evidence_note=STRONG_NOTE)
    with pytest.raises(ValidationError) as raised:
        services.triage_rebuttal_approve(actor=people["specialist"], decision=presumed, reason=" ")
    assert raised.value.message_dict == {"reason": [services.MSG_DECISION_REASON_REQUIRED]}
    new = services.triage_rebuttal_approve(
        actor=people["specialist"], decision=presumed, reason="Download reviewed: he is the line's organiser"
    )
    presumed.refresh_from_db()
    assert presumed.rebuttal_status == RebuttalStatus.APPROVED
    assert presumed.rebuttal_decided_by_name == "t.specialist" and presumed.presumption == "presumed_victim"
    assert new.basis == DecisionBasis.REBUTTAL_APPROVED and new.supersedes == presumed
    assert new.inputs == {
        **presumed.inputs,
        "clear_evidence_not_exploited": True,
        "evidence_note": STRONG_NOTE,
    }
    assert new.outputs == triage(parse_triage_input(new.inputs)).to_json()
    assert new.presumption == "child_consider_exploitation" and new.priority != "crisis"
    assert new.decided_by_name == "t.specialist"
    details = set(
        AuditEvent.objects.filter(child_pid=presumed.child.pseudonymous_id).values_list("detail", flat=True)
    )
    assert "rebuttal approved" in details
    assert any(d.startswith("rebuttal_approved: child_consider_exploitation") for d in details)
    # A later re-triage does not quietly restore the presumption.
    again = services.triage_decide(actor=people["officer"], incident=presumed.incident)
    assert again.inputs["clear_evidence_not_exploited"] is True and again.presumption == new.presumption


def test_refusal_keeps_the_presumption(presumed, people):
    """Refused: the presumption stands, no new decision, and a fresh request is allowed."""
    services.triage_rebuttal_request(actor=people["officer"], decision=presumed, evidence_note=STRONG_NOTE)
    services.triage_rebuttal_refuse(actor=people["specialist"], decision=presumed, reason="Not clear enough")
    presumed.refresh_from_db()
    assert presumed.rebuttal_status == RebuttalStatus.REFUSED and presumed.is_current
    assert presumed.rebuttal_decision_reason == "Not clear enough"
    with pytest.raises(ValidationError):
        services.triage_rebuttal_approve(actor=people["specialist2"], decision=presumed, reason="late")
    services.triage_rebuttal_request(
        actor=people["officer"], decision=presumed, evidence_note=STRONG_NOTE + "."
    )
    presumed.refresh_from_db()
    assert presumed.rebuttal_status == RebuttalStatus.PENDING_APPROVAL


def test_panel_chair_can_approve_for_a_shared_case(presumed, people, agencies):
    """A panel chair approves once the child's case is shared with the panel (a recorded basis)."""
    from ccehub.panels.models import PanelCase

    services.triage_rebuttal_request(actor=people["officer"], decision=presumed, evidence_note=STRONG_NOTE)
    with pytest.raises(PermissionDenied):
        services.triage_rebuttal_approve(actor=people["chair"], decision=presumed, reason="Agreed")
    PanelCase.objects.create(
        panel=agencies["panel"],
        child=presumed.child,
        shared_by=agencies["islington"],
        shared_on=date(2024, 3, 2),
        reason="test",
    )
    new = services.triage_rebuttal_approve(actor=people["chair"], decision=presumed, reason="Agreed at panel")
    assert new.agency.code == agencies["panel"].code


def test_no_identity_no_triage(people, agencies, islington_child, system_actor):
    """An agency that sees a child without its identity (an agreement that excludes it) cannot
    triage: a decision must not silently lose the date of birth. (Writes under an agreement may be
    refused earlier still, as read-only; either way nothing is decided.)"""
    from ccehub.agencies.models import DataSharingAgreement

    incident = services.incident_record(
        actor=system_actor, child=islington_child, recording_agency=agencies["islington"], **incident_values()
    )
    DataSharingAgreement.objects.create(
        title="t",
        provider=agencies["islington"],
        recipient=agencies["kent"],
        purpose="test",
        includes_identity=False,
        starts_on=date(2020, 1, 1),
        expires_on=date(2099, 1, 1),
    )
    with pytest.raises(PermissionDenied):
        services.triage_decide(actor=people["officer"], incident=incident)
    assert not TriageDecision.objects.filter(incident=incident).exists()


# --- Missing days from recorded episodes -------------------------------------------------------------


def _episode(**values):
    return MissingEpisode(**values)


@pytest.mark.parametrize(
    ("episodes", "expected"),
    [
        ([], None),
        ([_episode(approximate_duration_days=58)], 58),
        ([_episode(approximate_duration_days=None)], None),
        (
            [_episode(started_at=INCIDENT_AT - timedelta(days=10), ended_at=INCIDENT_AT - timedelta(days=2))],
            8,
        ),
        ([_episode(started_at=INCIDENT_AT - timedelta(days=10))], None),
        ([_episode(approximate_duration_days=3, relative_to_incident="after")], None),
        ([_episode(approximate_duration_days=5, started_at=INCIDENT_AT + timedelta(days=1))], None),
        (
            [
                _episode(started_at=INCIDENT_AT - timedelta(days=90), approximate_duration_days=30),
                _episode(started_at=INCIDENT_AT - timedelta(days=5), approximate_duration_days=4),
            ],
            4,
        ),
        ([_episode(approximate_duration_days=2), _episode(approximate_duration_days=15)], 15),
        # reported missing on ccehub 20 days before an arrest and still missing: 20 days, even
        # though the episode is labelled "after" the child's first incident
        (
            [
                _episode(
                    started_at=INCIDENT_AT - timedelta(days=20, hours=3),
                    still_missing=True,
                    relative_to_incident="after",
                ),
                _episode(
                    started_at=INCIDENT_AT - timedelta(days=60), ended_at=INCIDENT_AT - timedelta(days=58)
                ),
            ],
            20,
        ),
        # found after the arrest (the arrest came first): counted to the arrest
        (
            [_episode(started_at=INCIDENT_AT - timedelta(days=9), ended_at=INCIDENT_AT + timedelta(days=3))],
            9,
        ),
        # a label without dates still excludes: the study's episodes after the identifying incident
        ([_episode(approximate_duration_days=3, relative_to_incident="after")], None),
    ],
)
def test_missing_days_from_episodes(episodes, expected):
    """The most recent episode of known length before the incident (R-30); open ends are not guessed."""
    assert services.missing_days_for(episodes, occurred_at=INCIDENT_AT) == expected


def test_outstanding_actions_for_the_dashboard(presumed, people):
    """One dashboard item per latest decision: most urgent action first, overdue flagged."""
    from ccehub.incidents.selectors import open_triage_actions

    items = open_triage_actions(actor=people["officer"], children=[presumed.child])
    assert len(items) == 1
    item = items[0]
    assert item["child"] == presumed.child and item["kind"] == "Triage" and item["overdue"] is True
    assert item["text"].startswith("Triage: Safeguard the child immediately, and ")
    assert item["due"] == "21:00 on 1 March 2024"
    for action in TriageAction.objects.filter(decision=presumed):
        services.triage_action_override(actor=people["officer"], action=action, reason="Handled elsewhere")
    assert open_triage_actions(actor=people["officer"], children=[presumed.child]) == []
