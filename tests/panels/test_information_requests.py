"""Information requests (R-15): to named professionals by role, due dates, reminders, in-app responses."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from ccehub.audit.models import AuditEvent
from ccehub.panels import services as panels
from ccehub.panels.selectors import reminders_due, requests_for_recipient, requests_overdue

pytestmark = pytest.mark.django_db

TODAY = date(2024, 3, 5)


def _ask(
    world, referral, role="health", agency="health", name="Dr Pat Health", due=date(2024, 3, 15), **extra
):
    values = {
        "actor": world["as_lead"],
        "referral": referral,
        "recipient_role": role,
        "recipient_agency": world[agency],
        "recipient_name": name,
        "question": "Any attendances or concerns since January?",
        "due_on": due,
        "today": TODAY,
    }
    values.update(extra)
    return panels.information_request_create(**values)


# the Islington and Camden list, each to the right kind of agency.
STANDARD = [
    ("social_worker", "islington"),
    ("social_work_manager", "islington"),
    ("yot", "yot_agency"),
    ("gangs_team", "islington"),
    ("police", "met"),
    ("health", "health"),
]


@pytest.mark.parametrize(("role", "agency"), STANDARD)
def test_requests_to_each_r15_role(world, referral, role, agency):
    request = _ask(world, referral, role=role, agency=agency, name=f"Named {role}")
    assert request.status == "open" and request.requested_on == TODAY
    event = AuditEvent.objects.get(object_type="information_request", object_id=str(request.pk))
    assert event.child_pid == referral.child.pseudonymous_id and f"to {role}" in event.detail


@pytest.mark.parametrize(("role", "agency"), [("police", "health"), ("health", "islington"), ("yot", "met")])
def test_request_to_the_wrong_kind_of_agency_refused(world, referral, role, agency):
    with pytest.raises(ValidationError) as info:
        _ask(world, referral, role=role, agency=agency)
    assert "recipient_agency" in info.value.message_dict


def test_request_refusals(world, referral):
    with pytest.raises(ValidationError) as info:
        _ask(world, referral, due=date(2024, 3, 4))
    assert info.value.message_dict["due_on"] == [panels.MSG_DUE_BEFORE_REQUEST]
    with pytest.raises(ValidationError) as info:
        _ask(world, referral, recipient_user=world["users"]["officer"])
    assert info.value.message_dict["recipient_user"] == [
        panels.MSG_RECIPIENT_NOT_MEMBER.format(agency="Whittington Health NHS Trust")
    ]
    with pytest.raises(ValidationError):
        _ask(world, referral, question=" ")
    with pytest.raises(PermissionDenied):
        _ask(world, referral, actor=world["as_sw"])


def test_national_referral_has_no_panel_requests(world, child, incident):
    from tests.panels.conftest import refer

    national = refer(world, child, incident=incident, flag=False)
    with pytest.raises(ValidationError) as info:
        _ask(world, national)
    assert info.value.message_dict["__all__"] == [panels.MSG_NOT_THIS_PANEL]


def test_named_recipient_answers_in_the_app(world, referral):
    """The person asked sees it in their inbox and answers; nobody else at their agency can."""
    request = _ask(world, referral, recipient_user=world["users"]["health"])
    assert requests_for_recipient(actor=world["as_health"]) == [request]
    assert requests_for_recipient(actor=world["as_officer"]) == []
    with pytest.raises(ValidationError):
        panels.information_request_respond(
            actor=world["as_health"], request=request, response=" ", today=TODAY
        )
    answered = panels.information_request_respond(
        actor=world["as_health"],
        request=request,
        response="Two A&E attendances in February",
        today=date(2024, 3, 9),
    )
    assert answered.status == "responded" and answered.responded_on == date(2024, 3, 9)
    assert answered.response_recorded_on_behalf is False
    with pytest.raises(ValidationError) as info:
        panels.information_request_respond(
            actor=world["as_health"], request=request, response="more", today=TODAY
        )
    assert info.value.message_dict["__all__"] == ["This request has already been answered"]


def test_team_answers_when_no_account_is_named(world, referral):
    """A request to 'police' at the Met is answered by a Met officer; a Kent officer cannot."""
    request = _ask(world, referral, role="police", agency="met", name="Exploitation desk")
    with pytest.raises(PermissionDenied) as info:
        panels.information_request_respond(actor=world["as_kent"], request=request, response="x", today=TODAY)
    assert str(info.value) == panels.MSG_NOT_RECIPIENT
    done = panels.information_request_respond(
        actor=world["as_officer"], request=request, response="Intel: 3 logs", today=TODAY
    )
    assert done.responded_by_name == "p.officer"


def test_lead_records_a_reply_received_another_way(world, referral):
    request = _ask(world, referral)
    done = panels.information_request_respond(
        actor=world["as_lead"], request=request, response="By phone: none", today=TODAY
    )
    assert done.response_recorded_on_behalf is True


def test_reminders_and_overdue(world, referral):
    """Reminders go out two days before the due date and daily once overdue; overdue shows to the lead."""
    soon = _ask(world, referral, due=date(2024, 3, 12))
    late = _ask(world, referral, role="police", agency="met", name="Desk", due=date(2024, 3, 8))
    _ask(world, referral, role="yot", agency="yot_agency", name="YOT", due=date(2024, 3, 30))
    due = reminders_due(as_of=date(2024, 3, 10))
    assert [(r.request, r.kind, r.days) for r in due] == [(late, "overdue", 2), (soon, "due_soon", 2)]
    out = StringIO()
    call_command("panel_reminders", "--as-of", "2024-03-10", stdout=out)
    assert out.getvalue().strip().endswith("listed: 2; reminders recorded: 2; failed: 0")
    assert reminders_due(as_of=date(2024, 3, 10)) == []  # not twice the same day
    assert len(reminders_due(as_of=date(2024, 3, 11))) == 2
    soon.refresh_from_db()
    assert soon.reminder_count == 1 and soon.last_reminded_on == date(2024, 3, 10)
    assert requests_overdue(actor=world["as_lead"], as_of=date(2024, 3, 10)) == [late]
    assert requests_overdue(actor=world["as_officer"], as_of=date(2024, 3, 10)) == []
    dry = StringIO()
    call_command("panel_reminders", "--as-of", "2024-03-11", "--dry-run", stdout=dry)
    assert "reminders recorded: 0" in dry.getvalue()


def test_withdraw(world, referral):
    request = _ask(world, referral)
    with pytest.raises(ValidationError):
        panels.information_request_withdraw(actor=world["as_lead"], request=request, reason="")
    panels.information_request_withdraw(actor=world["as_lead"], request=request, reason="No longer needed")
    request.refresh_from_db()
    assert request.status == "withdrawn"
    assert reminders_due(as_of=date(2024, 3, 20)) == []


@pytest.mark.parametrize(
    ("role", "agency", "message"),
    [
        ("health", "islington", "A request to health must go to a health organisation"),
        ("police", "health", "A request to police must go to a police force"),
        ("yot", "met", "A request to youth offending team must go to a youth offending team"),
        (
            "social_worker",
            "met",
            "A request to social worker must go to a local authority's children's services",
        ),
    ],
)
def test_wrong_kind_of_agency_message_reads_whole(world, referral, role, agency, message):
    with pytest.raises(ValidationError) as info:
        _ask(world, referral, role=role, agency=agency)
    assert info.value.message_dict["recipient_agency"] == [message]


def test_reminder_lines_count_days_in_english(world, referral):
    _ask(world, referral, due=date(2024, 3, 9))
    _ask(world, referral, role="police", agency="met", name="Desk", due=date(2024, 3, 11))
    _ask(world, referral, role="yot", agency="yot_agency", name="YOT", due=date(2024, 3, 10))
    out = StringIO()
    call_command("panel_reminders", "--as-of", "2024-03-10", "--dry-run", stdout=out)
    text = out.getvalue()
    assert "\t1 day overdue" in text and "\tdue in 1 day" in text and "\tdue today" in text
    assert "1 days" not in text


@pytest.mark.parametrize(
    ("value", "why"), [("-5", "must be 0 or more days, got -5"), ("two", "expected a whole number of days")]
)
def test_reminders_refuse_a_negative_or_non_numeric_lead(world, value, why):
    """A usage error (argparse: exit status 2 on the command line), recording nothing."""
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match=why):
        call_command("panel_reminders", "--lead-days", value, "--dry-run")
