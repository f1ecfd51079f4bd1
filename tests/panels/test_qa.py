"""Home Office quality assurance (R-20): the queue, confirm, return, the panel's response, the export."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ccehub.audit.models import AuditEvent
from ccehub.panels import services as panels
from ccehub.panels.permissions import MSG_NOT_HO_QA
from ccehub.panels.selectors import EXPORT_FIELDS, agenda_candidates, qa_export, qa_queue, qa_reference
from tests.panels.conftest import decide, held_meeting

pytestmark = pytest.mark.django_db


@pytest.fixture
def decided(world, referral):
    """RG positive (pending QA) and a deferral (no QA) at one meeting."""
    meeting = held_meeting(world, referral, held_on=date(2024, 3, 20))
    rg = decide(
        world,
        meeting,
        referral,
        "rg_positive",
        rationale="Jamie Testcase was found with Testcase family phones; consistent accounts",
    )
    defer = decide(
        world, meeting, referral, "defer", deferral_reason="Health report", defer_until=date(2024, 4, 9)
    )
    return rg, defer


def test_queue_holds_nrm_decisions_only(world, decided):
    rg, _defer = decided
    assert qa_queue(actor=world["as_ho"]) == [rg]
    assert qa_queue(actor=world["as_ho"], status="confirmed") == []
    assert qa_queue(actor=world["as_chair"]) == [rg]  # the panel sees its own
    assert qa_queue(actor=world["as_officer"]) == []  # not a panel reader
    assert AuditEvent.objects.filter(object_type="qa_queue", username="p.ho").exists()


def test_confirm(world, decided):
    rg, _ = decided
    confirmed = panels.qa_confirm(actor=world["as_ho"], decision=rg, note="Sound")
    assert confirmed.ho_qa_status == "confirmed"
    assert [e.kind for e in confirmed.qa_events.all()] == ["submitted", "confirmed"]
    with pytest.raises(ValidationError) as info:
        panels.qa_confirm(actor=world["as_ho"], decision=rg)
    assert info.value.message_dict["__all__"] == [panels.MSG_QA_NOT_PENDING.format(status="confirmed")]
    event = AuditEvent.objects.get(object_type="panel_decision_qa", detail__startswith="confirmed")
    assert event.basis == "home_office_qa" and event.agency_code == "home-office-sca"


def test_return_relists_and_the_panel_responds(world, decided):
    """A returned decision goes back on the agenda; the panel's response sends it back to QA."""
    rg, _ = decided
    with pytest.raises(ValidationError) as info:
        panels.qa_return(actor=world["as_ho"], decision=rg, reason=" ")
    assert "reason" in info.value.message_dict
    with pytest.raises(ValidationError) as info:
        panels.qa_respond(actor=world["as_chair"], decision=rg, response="Why?")
    assert info.value.message_dict["__all__"] == [panels.MSG_QA_NOT_RETURNED]
    returned = panels.qa_return(
        actor=world["as_ho"], decision=rg, reason="Rationale does not address the health evidence"
    )
    assert returned.ho_qa_status == "returned"
    meeting = panels.panel_meeting_schedule(
        actor=world["as_lead"], panel=world["panel"], held_on=date(2024, 4, 9)
    )
    candidates = agenda_candidates(meeting=meeting)
    assert [c.referral for c in candidates] == [rg.referral]
    assert candidates[0].reasons[0] == "Returned by Home Office quality assurance"
    with pytest.raises(PermissionDenied):
        panels.qa_respond(actor=world["as_member"], decision=rg, response="x")
    with pytest.raises(ValidationError):
        panels.qa_respond(actor=world["as_chair"], decision=rg, response="")
    answered = panels.qa_respond(
        actor=world["as_chair"],
        decision=rg,
        response="The health report (A&E attendances) was considered; see evidence item 3",
    )
    assert answered.ho_qa_status == "pending"
    assert [e.kind for e in answered.qa_events.all()] == ["submitted", "returned", "panel_response"]
    assert panels.qa_confirm(actor=world["as_ho"], decision=rg).ho_qa_status == "confirmed"


@pytest.mark.parametrize("who", ["as_chair", "as_lead", "as_ho_admin", "as_officer"])
def test_only_home_office_qa_confirms_or_returns(world, decided, who):
    rg, _ = decided
    with pytest.raises(PermissionDenied) as info:
        panels.qa_confirm(actor=world[who], decision=rg)
    assert str(info.value) == MSG_NOT_HO_QA
    with pytest.raises(PermissionDenied):
        panels.qa_return(actor=world[who], decision=rg, reason="x")
    with pytest.raises(PermissionDenied):
        qa_export(actor=world[who])


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_export_is_pseudonymised(world, decided, fmt):
    """The QA export carries a QA reference, sectors not names, and no child names in the free text."""
    rg, _ = decided
    panels.qa_return(actor=world["as_ho"], decision=rg, reason="Jamie's age is not addressed")
    text = qa_export(actor=world["as_ho"], fmt=fmt)
    rows = json.loads(text) if fmt == "json" else list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 1
    row = rows[0]
    assert list(row) == list(EXPORT_FIELDS)
    assert row["qa_reference"] == qa_reference(rg.referral.child) and row["qa_reference"].startswith("QA-")
    assert row["decision_type"] == "rg_positive" and row["policy_profile"] == "current"
    assert row["caveat"] == "Not expert evidence; not binding on a court (R v Breani)"
    for name in (
        "Jamie",
        "Testcase",
        "Morgan Chair",
        "DI Pat Police",
        rg.referral.child.pseudonymous_id,
        "2008",
    ):
        assert name not in text
    assert "[child]" in text
    expected_days = "16" if fmt == "csv" else 16
    assert row["days_from_referral"] == expected_days
    event = AuditEvent.objects.get(action="export", object_type="qa_export")
    assert event.username == "p.ho" and "1 panel decisions" in event.detail


def test_export_scrubs_each_part_of_a_name_and_members_named_in_the_text(world, referral):
    """A part of a two-word or hyphenated name ("Mary" of "Mary Ann") is as identifying as the whole;
    a member named in the rationale is shown by role, as the members are."""
    from ccehub.children.models import Identity

    Identity.objects.filter(child=referral.child).update(given_name="Mary Ann", family_name="Jones-Smith")
    meeting = held_meeting(world, referral, held_on=date(2024, 3, 20))
    chair = world["members"]["chair"].name
    decide(
        world,
        meeting,
        referral,
        "rg_positive",
        rationale=f"mary said little; Ann's phone and the Smith family address; {chair} noted the risk",
    )
    text = qa_export(actor=world["as_ho"], fmt="json")
    (row,) = json.loads(text)
    assert row["rationale"] == "[child] said little; [child]'s phone and the [child] family address; " + (
        "[member] noted the risk"
    )
    for part in ("Mary", "Ann", "Jones", "Smith", chair):
        assert part.casefold() not in text.casefold()


def test_qa_reference_is_stable_and_not_the_pseudonym(world, child):
    assert qa_reference(child) == qa_reference(child)
    assert child.pseudonymous_id not in qa_reference(child)
