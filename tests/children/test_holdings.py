"""Holdings end (known gap 4): an agency's holdings of a child are ended by its administrator or the
operator, with a reason, audited; the rows stay as history; nothing to end, and the last holder
ending its holding, are refused with a message and audited."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from ccehub.audit.models import AuditEvent
from ccehub.children.models import CaseHolding
from ccehub.children.services import (
    MSG_HOLDING_END_REASON,
    MSG_HOLDING_END_ROLE,
    MSG_HOLDING_LAST,
    MSG_HOLDING_NONE,
    HoldingEndRefused,
    holding_end,
)
from tests.children.conftest import HOLDING_END_REASON as REASON

LONDON = ZoneInfo("Europe/London")

# --- The model ------------------------------------------------------------------------------------


def test_history_is_kept_as_rows_but_only_one_current_holding_per_basis(islington_child, agencies, people):
    """Ended rows of one child, agency and basis may pile up; a second current one is refused."""
    met = agencies["met"]
    held = CaseHolding.objects.get(child=islington_child, agency=met)
    held.ended_on, held.end_reason = date(2024, 1, 1), REASON
    held.save()
    CaseHolding.objects.create(child=islington_child, agency=met, basis=held.basis)
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseHolding.objects.create(child=islington_child, agency=met, basis=held.basis)
    assert CaseHolding.objects.filter(child=islington_child, agency=met).count() == 2
    assert CaseHolding.objects.current().filter(child=islington_child, agency=met).count() == 1


def test_an_ended_holding_must_say_why(islington_child, agencies):
    held = CaseHolding.objects.get(child=islington_child, agency=agencies["met"])
    held.ended_on = date(2024, 1, 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        held.save()


# --- Ending one -----------------------------------------------------------------------------------


def test_the_agency_administrator_ends_all_its_current_holdings(
    islington_child, agencies, people, actor_for, system_actor, end_met
):
    """Every current holding of the Met (two bases) ends, dated today and signed; one audit row each,
    without the reason (it may name the child)."""
    from ccehub.incidents.services import incident_record

    met = agencies["met"]
    incident_record(
        actor=system_actor,
        child=islington_child,
        occurred_at=datetime(2023, 6, 1, 22, 0, tzinfo=LONDON),
        incident_type="arrest_pwits",
        recording_agency=met,
        arresting_force=met,
    )
    assert CaseHolding.objects.current().filter(child=islington_child, agency=met).count() == 3
    ended = end_met(islington_child, reason=f"   {REASON}   ")
    assert len(ended) == 3
    assert not CaseHolding.objects.current().filter(child=islington_child, agency=met).exists()
    for holding in CaseHolding.objects.filter(child=islington_child, agency=met):
        assert holding.ended_on == timezone.localdate()
        assert holding.ended_by == people["met_admin"]
        assert holding.end_reason == REASON
    rows = AuditEvent.objects.filter(action="update", object_type="case_holding")
    assert rows.count() == 3
    assert {r.object_id for r in rows} == {str(h.pk) for h in ended}
    for row in rows:
        assert row.child_pid == islington_child.pseudonymous_id
        assert row.username == "met.admin" and row.agency_code == "met"
        assert "Kent" not in row.detail and "met" in row.detail
        assert set(row.fields) == {"ended_on", "ended_by", "end_reason"}
    assert (
        CaseHolding.objects.current().filter(child=islington_child, agency=agencies["islington"]).count() == 1
    )


def test_the_operator_may_end_a_holding(islington_child, agencies, system_actor):
    ended = holding_end(actor=system_actor, child=islington_child, agency=agencies["met"], reason=REASON)
    assert [h.ended_by for h in ended] == [None]
    assert AuditEvent.objects.get(object_type="case_holding", action="update").role == "system"


def test_an_earlier_ended_holding_is_left_as_it_was(
    islington_child, agencies, people, actor_for, system_actor, end_met
):
    met = agencies["met"]
    old = CaseHolding.objects.get(child=islington_child, agency=met)
    old.ended_on, old.end_reason = date(2020, 2, 2), "Ended long ago, for a test"
    old.save()
    CaseHolding.objects.create(child=islington_child, agency=met, basis=old.basis)
    end_met(islington_child)
    old.refresh_from_db()
    assert old.ended_on == date(2020, 2, 2) and old.end_reason == "Ended long ago, for a test"


@pytest.mark.parametrize("who", ["met_pc", "isl_admin", "isl_sw", "isl_analyst"])
def test_only_the_agency_administrator_may_end_it(islington_child, agencies, people, actor_for, who):
    """Not the agency's case workers, and not another agency's administrator. Refused, audited."""
    actor = actor_for(people[who])
    with pytest.raises(PermissionDenied, match=MSG_HOLDING_END_ROLE):
        holding_end(actor=actor, child=islington_child, agency=agencies["met"], reason=REASON)
    assert CaseHolding.objects.current().filter(child=islington_child, agency=agencies["met"]).exists()
    denied = AuditEvent.objects.get(action="denied", object_type="case_holding")
    assert denied.username == people[who].username and denied.child_pid == islington_child.pseudonymous_id
    assert denied.detail == f"refused update: {MSG_HOLDING_END_ROLE}"


@pytest.mark.parametrize("reason", ["", "   ", " too short ", "x" * 2001])
def test_a_reason_is_required(islington_child, people, actor_for, reason, end_met):
    with pytest.raises(ValidationError) as refused:
        end_met(islington_child, reason=reason)
    assert "reason" in refused.value.message_dict
    assert CaseHolding.objects.current().filter(child=islington_child, agency__code="met").exists()


def test_ten_characters_are_enough(islington_child, people, actor_for, end_met):
    assert len(end_met(islington_child, reason="  Moved away  ")) == 1
    assert "10 characters" in MSG_HOLDING_END_REASON


def test_no_current_holding_is_refused(islington_child, agencies, people, actor_for, end_met):
    """Ending twice: the second time there is nothing to end (refused with a message, audited)."""
    end_met(islington_child)
    with pytest.raises(HoldingEndRefused) as refused:
        end_met(islington_child)
    assert str(refused.value) == MSG_HOLDING_NONE.format(agency="Metropolitan Police Service")
    assert AuditEvent.objects.filter(action="denied", object_type="case_holding").count() == 1


def test_the_last_holder_cannot_end_its_holding(islington_child, agencies, people, actor_for, end_met):
    """With the Met gone, Islington is the only holder: ending it would leave the record to nobody."""
    end_met(islington_child)
    islington = agencies["islington"]
    with pytest.raises(HoldingEndRefused) as refused:
        holding_end(
            actor=actor_for(people["isl_admin"]), child=islington_child, agency=islington, reason=REASON
        )
    message = MSG_HOLDING_LAST.format(agency="Islington")
    assert str(refused.value) == message and "nobody" in message
    assert CaseHolding.objects.current().filter(child=islington_child, agency=islington).exists()
    denied = AuditEvent.objects.get(action="denied", object_type="case_holding")
    assert denied.detail == f"refused update: {message}"
