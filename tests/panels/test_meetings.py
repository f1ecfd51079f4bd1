"""Meetings: monthly scheduling, attendance, the agenda by urgency, and the papers for each case."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ccehub.audit.models import AuditEvent
from ccehub.panels import services as panels
from ccehub.panels.models import AgendaItem, Attendance, PanelMeeting
from ccehub.panels.permissions import MSG_NOT_PANEL_LEAD
from ccehub.panels.selectors import meeting_papers, referral_panel_status
from tests.panels.conftest import INCIDENT_2024, decide, held_meeting, make_incident, refer

pytestmark = pytest.mark.django_db


def _schedule(world, held_on, **extra):
    return panels.panel_meeting_schedule(
        actor=world["as_lead"], panel=world["panel"], held_on=held_on, **extra
    )


def test_one_ordinary_sitting_a_month(world):
    """R-16: monthly. A second sitting in a month must be extraordinary, with a reason."""
    _schedule(world, date(2024, 4, 9))
    with pytest.raises(ValidationError) as info:
        _schedule(world, date(2024, 4, 23))
    assert info.value.message_dict["held_on"] == [
        panels.MSG_ONE_MEETING_A_MONTH.format(held_on="9 April 2024")
    ]
    with pytest.raises(ValidationError) as info:
        _schedule(world, date(2024, 4, 23), extraordinary=True, reason=" ")
    assert "reason" in info.value.message_dict
    extra = _schedule(world, date(2024, 4, 23), extraordinary=True, reason="Deferred case cannot wait")
    assert extra.extraordinary and extra.extraordinary_reason == "Deferred case cannot wait"


def test_monthly_schedule_skips_months_already_covered(world):
    _schedule(world, date(2024, 5, 21))
    created = panels.panel_meetings_schedule_monthly(
        actor=world["as_lead"], panel=world["panel"], first=date(2024, 4, 9), count=3
    )
    assert [m.held_on for m in created] == [date(2024, 4, 9), date(2024, 6, 11)]
    assert AuditEvent.objects.filter(object_type="panel_meeting", action="create").count() == 3


@pytest.mark.parametrize("who", ["as_sw", "as_member", "as_officer", "as_camden_sw", "as_ho"])
def test_only_the_lead_or_chair_schedules(world, who):
    with pytest.raises(PermissionDenied) as info:
        panels.panel_meeting_schedule(actor=world[who], panel=world["panel"], held_on=date(2024, 4, 9))
    assert str(info.value) == MSG_NOT_PANEL_LEAD


def test_lead_from_either_area_and_the_chair_schedule(world):
    """The exploitation lead of any LA in the panel's area (or the chair) runs the panel."""
    for who, day in (("as_camden_lead", date(2024, 4, 9)), ("as_chair", date(2024, 5, 14))):
        assert panels.panel_meeting_schedule(actor=world[who], panel=world["panel"], held_on=day).pk


def test_attendance_records_sectors_and_chair(world, referral):
    members = world["members"]
    meeting = _schedule(world, date(2024, 3, 20))
    with pytest.raises(ValidationError) as info:
        panels.meeting_attendance_record(
            actor=world["as_lead"],
            meeting=meeting,
            present=[members["police"]],
            chair=members["chair"],
            today=date(2024, 3, 20),
        )
    assert info.value.message_dict["chair"] == [panels.MSG_CHAIR_NOT_PRESENT]
    with pytest.raises(ValidationError) as info:
        panels.meeting_attendance_record(
            actor=world["as_lead"],
            meeting=meeting,
            present=[members["police"]],
            chair=members["police"],
            today=date(2024, 3, 20),
        )
    assert info.value.message_dict["chair"] == [panels.MSG_MAY_NOT_CHAIR.format(name="DI Pat Police")]
    with pytest.raises(ValidationError) as info:
        panels.meeting_attendance_record(
            actor=world["as_lead"],
            meeting=meeting,
            present=[members["chair"]],
            chair=members["chair"],
            today=date(2024, 3, 19),
        )
    assert info.value.message_dict["held_on"] == [panels.MSG_MEETING_IN_FUTURE]
    held = panels.meeting_attendance_record(
        actor=world["as_lead"],
        meeting=meeting,
        present=[members["chair"], members["police"], members["health"]],
        absent=[members["yot"]],
        chair=members["chair"],
        today=date(2024, 3, 20),
    )
    assert held.status == "held" and held.chair == members["chair"]
    rows = {(a.name, a.sector, a.present) for a in Attendance.objects.filter(meeting=meeting)}
    assert ("Lee Yot", "yot", False) in rows and ("DI Pat Police", "police", True) in rows


def test_attendance_locked_after_decisions(world, referral):
    meeting = held_meeting(world, referral, held_on=date(2024, 3, 20))
    decide(world, meeting, referral, "rg_positive")
    members = world["members"]
    with pytest.raises(ValidationError) as info:
        panels.meeting_attendance_record(
            actor=world["as_lead"],
            meeting=meeting,
            present=[members["chair"]],
            chair=members["chair"],
            today=date(2024, 3, 20),
        )
    assert info.value.message_dict["__all__"] == [panels.MSG_ATTENDANCE_LOCKED]


def test_member_of_another_panel_refused(world, referral):
    from ccehub.agencies.models import Agency
    from ccehub.panels.models import PanelMember

    other = Agency.objects.create(code="other-panel", name="Other Panel", kind="cce_panel")
    stranger = PanelMember.objects.create(panel=other, name="Stranger", sector="health")
    meeting = _schedule(world, date(2024, 3, 20))
    with pytest.raises(ValidationError) as info:
        panels.meeting_attendance_record(
            actor=world["as_lead"],
            meeting=meeting,
            present=[world["members"]["chair"], stranger],
            chair=world["members"]["chair"],
            today=date(2024, 3, 20),
        )
    assert info.value.message_dict["present"] == [panels.MSG_MEMBER_OTHER_PANEL.format(name="Stranger")]


@pytest.fixture
def many_referrals(world, system_actor):
    """Seven local-panel referrals on different dates, with different triage priorities."""
    from ccehub.children.services import child_create
    from ccehub.incidents.services import triage_decide

    out = []
    for i in range(7):
        child = child_create(
            actor=system_actor,
            given_name=f"Child{i}",
            date_of_birth=date(2009, 1, 1 + i),
            home_local_authority=world["islington"],
            home_police_force=world["met"],
        )
        incident = make_incident(child, system_actor, world["met"], when=INCIDENT_2024 + timedelta(days=i))
        triage_decide(actor=system_actor, incident=incident)
        out.append(refer(world, child, incident=incident, referred_on=date(2024, 3, 4) + timedelta(days=i)))
    return out


def test_agenda_takes_about_five_most_urgent(world, many_referrals):
    """R-16: about five cases, by urgency: nearest deadline first; the rest wait (and are reported)."""
    from ccehub.incidents.models import TriageDecision

    meeting = _schedule(world, date(2024, 4, 9))
    result = panels.agenda_build(actor=world["as_lead"], meeting=meeting)
    assert len(result.items) == 5 and result.warning is None
    assert [i.referral for i in result.items] == many_referrals[:5]  # oldest referral = nearest RG deadline
    assert [c.referral for c in result.waiting] == many_referrals[5:]
    first = result.items[0]
    assert first.position == 1
    assert first.urgency["deadline"] == "2024-04-18"
    assert "Decision due by 18 April 2024 (9 days after this meeting)" in first.urgency["reasons"]
    assert {d.priority for d in TriageDecision.objects.all()} == {"crisis"}
    # A lead may add more; the agenda then warns when it goes well beyond five.
    for referral in many_referrals[5:]:
        result = panels.agenda_item_add(actor=world["as_lead"], meeting=meeting, referral=referral)
    assert len(result.items) == 7 and result.warning is None
    with pytest.raises(ValidationError) as info:
        panels.agenda_item_add(actor=world["as_lead"], meeting=meeting, referral=many_referrals[0])
    assert info.value.message_dict["referral"] == [panels.MSG_ALREADY_LISTED]


def test_priority_breaks_a_deadline_tie(world, system_actor):
    """Same referral date (same deadline): the crisis-priority case is heard first."""
    from ccehub.children.services import child_create
    from ccehub.incidents.services import triage_decide

    referrals = []
    for i, presumed in enumerate((False, True)):
        child = child_create(
            actor=system_actor,
            given_name=f"Tie{i}",
            date_of_birth=date(2009, 6, 1),
            home_local_authority=world["islington"],
            home_police_force=world["met"],
        )
        incident = make_incident(child, system_actor, world["met"])
        if not presumed:  # not linked to county lines: no presumption, no crisis
            incident.county_lines_linked = "recorded_absent"
            incident.save()
        decision = triage_decide(actor=system_actor, incident=incident)
        referrals.append((refer(world, child, incident=incident), decision.priority))
    meeting = _schedule(world, date(2024, 4, 9))
    items = panels.agenda_build(actor=world["as_lead"], meeting=meeting).items
    assert referrals[0][1] != referrals[1][1]
    ranked = sorted(referrals, key=lambda r: {"crisis": 0, "high": 1, "standard": 2}[r[1]])
    assert [i.referral for i in items] == [r for r, _ in ranked]


def test_concluded_and_escalated_cases_are_not_listed(world, referral):
    meeting = held_meeting(world, referral, held_on=date(2024, 3, 20))
    decide(world, meeting, referral, "rg_positive")
    decide(world, meeting, referral, "cg_positive")
    assert referral_panel_status(referral, on=date(2024, 3, 21)) == "concluded_positive"
    later = _schedule(world, date(2024, 4, 9))
    assert panels.agenda_build(actor=world["as_lead"], meeting=later).items == []
    with pytest.raises(ValidationError) as info:
        panels.agenda_item_add(actor=world["as_lead"], meeting=later, referral=referral)
    assert info.value.message_dict["referral"] == [panels.MSG_NOT_LISTABLE]


def test_a_case_past_its_limit_by_the_sitting_is_not_listed_there(world, referral):
    """R-19 (never beyond 45 days): referral 4 March 2024, limit 18 April. A sitting on 2 May could only
    refuse its decision and refer it to the SCA, so the case waits, saying why, and cannot be added;
    a sitting on the limit day itself can still hear it."""
    late = _schedule(world, date(2024, 5, 2))
    result = panels.agenda_build(actor=world["as_lead"], meeting=late)
    reason = panels.MSG_PAST_LIMIT_AT_SITTING.format(deadline="18 April 2024")
    assert result.items == []
    assert [c.referral for c in result.waiting] == [referral]
    assert reason in result.waiting[0].reasons
    with pytest.raises(ValidationError) as info:
        panels.agenda_item_add(actor=world["as_lead"], meeting=late, referral=referral)
    assert info.value.message_dict["referral"] == [reason]
    assert not AgendaItem.objects.filter(referral=referral).exists()
    on_the_day = _schedule(world, date(2024, 4, 18))
    items = panels.agenda_build(actor=world["as_lead"], meeting=on_the_day).items
    assert [i.referral for i in items] == [referral]
    assert reason not in items[0].urgency["reasons"]


def test_national_referral_cannot_be_listed(world, child, incident):
    national = refer(world, child, incident=incident, flag=False)
    meeting = _schedule(world, date(2024, 4, 9))
    with pytest.raises(ValidationError) as info:
        panels.agenda_item_add(actor=world["as_lead"], meeting=meeting, referral=national)
    assert info.value.message_dict["referral"] == [panels.MSG_NOT_THIS_PANEL]


def test_held_meeting_agenda_is_closed(world, referral):
    meeting = held_meeting(world, referral, held_on=date(2024, 3, 20))
    with pytest.raises(ValidationError) as info:
        panels.agenda_build(actor=world["as_lead"], meeting=meeting)
    assert info.value.message_dict["__all__"] == [panels.MSG_MEETING_NOT_SCHEDULED.format(status="held")]


def test_papers_compiled_from_the_record(world, referral, child, system_actor):
    """Papers: chronology up to the meeting, vulnerabilities, triage, information returned; read audited."""
    from ccehub.children.models import MissingEpisode
    from ccehub.children.services import fact_record, vulnerability_flag_set
    from ccehub.incidents.services import triage_decide

    vulnerability_flag_set(
        actor=system_actor,
        child=child,
        factor="reported_missing",
        value="recorded_present",
        source_agency=world["islington"],
    )
    fact_record(
        actor=system_actor,
        child=child,
        model=MissingEpisode,
        approximate_duration_days=10,
        started_at=referral.linked_incident.occurred_at - timedelta(days=20),
    )
    triage_decide(actor=system_actor, incident=referral.linked_incident)
    request = panels.information_request_create(
        actor=world["as_lead"],
        referral=referral,
        recipient_role="health",
        recipient_agency=world["health"],
        recipient_name="Dr Pat Health",
        question="Any A&E attendances?",
        due_on=date(2024, 3, 15),
        today=date(2024, 3, 5),
    )
    panels.information_request_respond(
        actor=world["as_health"], request=request, response="Two attendances", today=date(2024, 3, 8)
    )
    meeting = held_meeting(world, referral, held_on=date(2024, 3, 20))
    papers = meeting_papers(actor=world["as_member"], meeting=meeting)
    assert len(papers) == 1
    paper = papers[0]
    assert paper.available and paper.record.basis == "panel_case"
    assert paper.vulnerabilities["reported_missing"] == "recorded_present"
    assert paper.triage is not None and paper.triage.incident_id == referral.linked_incident_id
    assert [r.response for r in paper.requests] == ["Two attendances"]
    assert paper.clock.stage == "awaiting_rg" and paper.quorum.quorate
    processes = [row["process_code"] for row in paper.chronology]
    assert "incident" in processes and "nrm" in processes and "missing" in processes
    assert all(row["sort"] is None or row["sort"] <= meeting.held_on for row in paper.chronology)
    assert AuditEvent.objects.filter(object_type="child", username="p.member", basis="panel_case").exists()


def test_papers_unavailable_without_a_basis(world, referral):
    """The Camden lead may run the agenda but does not see an Islington child's record in the papers."""
    meeting = held_meeting(world, referral, held_on=date(2024, 3, 20))
    paper = meeting_papers(actor=world["as_camden_lead"], meeting=meeting)[0]
    assert paper.available is False and paper.record is None and paper.chronology == []
    assert AuditEvent.objects.filter(action="denied", username="p.camdenlead").exists()


def test_papers_refused_to_outsiders(world, referral):
    meeting = held_meeting(world, referral, held_on=date(2024, 3, 20))
    with pytest.raises(PermissionDenied):
        meeting_papers(actor=world["as_officer"], meeting=meeting)


def test_status_through_the_panel_route(world, referral):
    """DOMAIN §4.2.2 states as the panel sees them."""
    on = date(2024, 3, 10)
    assert referral_panel_status(referral, on=on) == "info_gathering"
    meeting = _schedule(world, date(2024, 3, 20))
    panels.agenda_item_add(actor=world["as_lead"], meeting=meeting, referral=referral)
    assert referral_panel_status(referral, on=on) == "listed"
    members = world["members"]
    panels.meeting_attendance_record(
        actor=world["as_lead"],
        meeting=meeting,
        present=[members["chair"], members["police"], members["health"]],
        chair=members["chair"],
        today=date(2024, 3, 20),
    )
    decide(world, meeting, referral, "rg_positive")
    assert referral_panel_status(referral, on=date(2024, 3, 21)) == "rg_positive_awaiting_cg"
    decide(world, meeting, referral, "defer", deferral_reason="Health report", defer_until=date(2024, 4, 9))
    assert referral_panel_status(referral, on=date(2024, 3, 21)) == "deferred"
    assert AgendaItem.objects.count() == 1 and PanelMeeting.objects.count() == 1


# --- Agendas stay true after escalation, decisions and QA returns (black-box test) ----------------


def _listed(meeting):
    return [i.referral for i in AgendaItem.objects.filter(meeting=meeting).order_by("position")]


def test_an_escalated_case_comes_off_agendas_still_to_be_held(world, referral, system_actor):
    """A case referred to the SCA has nothing left for the panel: it does not sit on a coming agenda
    with stale reasons. Held sittings keep their record. (A sitting after the 18 April limit: listed
    directly, as a case listed before the listing service refused that.)"""
    april = _schedule(world, date(2024, 4, 22))
    AgendaItem.objects.create(meeting=april, referral=referral, position=1, urgency={})
    assert _listed(april) == [referral]
    panels.referrals_escalate_overdue(actor=system_actor, as_of=date(2024, 4, 18))
    assert _listed(april) == []
    assert AuditEvent.objects.filter(
        object_type="panel_agenda",
        object_id=str(april.pk),
        detail__contains="referred to the Home Office SCA",
    ).exists()


def test_a_decision_refreshes_or_clears_later_listings(world, referral):
    """RG at an extra sitting: the case stays on the coming agenda with its new deadline; a CG
    concludes it, and it comes off."""
    april = _schedule(world, date(2024, 4, 9))
    panels.agenda_build(actor=world["as_lead"], meeting=april)
    before = AgendaItem.objects.get(meeting=april).urgency["reasons"]
    assert before[0].startswith("Decision due by 18 April 2024")
    extra = held_meeting(world, referral, held_on=date(2024, 3, 20))  # brought forward
    decide(world, extra, referral, "rg_positive")
    after = AgendaItem.objects.get(meeting=april).urgency["reasons"]
    assert after[0].startswith("Decision due by 4 May 2024")  # the CG limit now
    decide(world, extra, referral, "cg_positive")
    assert _listed(april) == []


def test_cases_on_a_later_agenda_are_not_waiting_but_can_be_brought_forward(world, referral):
    """The earlier sitting's page no longer shows a case listed later as 'waiting'; it shows where it
    is listed, and the lead may still bring it forward."""
    from ccehub.panels.selectors import agenda_candidates

    november = _schedule(world, date(2024, 3, 26))
    december = _schedule(world, date(2024, 4, 16))
    panels.agenda_build(actor=world["as_lead"], meeting=december)
    assert _listed(december) == [referral]
    assert agenda_candidates(meeting=november) == []
    assert panels.agenda_build(actor=world["as_lead"], meeting=november).items == []
    (later,) = agenda_candidates(meeting=november, include_listed_later=True)
    assert later.referral == referral and later.listed_for == date(2024, 4, 16)
    panels.agenda_item_add(actor=world["as_lead"], meeting=november, referral=referral)
    assert _listed(november) == [referral]


def test_a_returned_decision_is_listable_despite_an_older_unheld_listing(world, referral):
    """§4.2.2 'A returned decision goes back to LISTED': a listing at a sitting dated before the return
    (never recorded as held) cannot hear the return, so it does not block the next sitting."""
    from ccehub.panels.models import QAEvent
    from ccehub.panels.selectors import agenda_candidates

    extra = held_meeting(world, referral, held_on=date(2024, 3, 20))
    rg = decide(world, extra, referral, "rg_positive")
    stale = _schedule(world, date(2024, 4, 9))
    panels.agenda_build(actor=world["as_lead"], meeting=stale)  # listed for the CG; never held
    assert _listed(stale) == [referral]
    panels.qa_return(actor=world["as_ho"], decision=rg, reason="Say how the health evidence was weighed")
    QAEvent.objects.filter(kind="returned").update(at=datetime(2024, 4, 15, 12, tzinfo=UTC))
    assert AgendaItem.objects.get(meeting=stale).urgency["reasons"][0] == (
        "Returned by Home Office quality assurance"
    )
    may = _schedule(world, date(2024, 5, 14))  # after the limit: a return is answered, not re-decided
    assert [c.referral for c in agenda_candidates(meeting=may)] == [referral]
    panels.agenda_build(actor=world["as_lead"], meeting=may)
    assert _listed(may) == [referral]
