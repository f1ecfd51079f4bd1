"""R-22: a panel case with no NRM referral (a concern before any arrest, a crisis response) listed for
discussion at a sitting, and what the sitting made of it: the service, the meeting page, the case page."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from ccehub.audit.models import AuditEvent
from ccehub.panels.crisis import crisis_open, crisis_step
from ccehub.panels.discussions import (
    MSG_ALREADY,
    MSG_HAS_REFERRAL,
    MSG_NOT_HELD,
    discussion_add,
    discussion_candidates,
    discussion_record,
)
from ccehub.panels.models import CaseDiscussion, PanelCase
from ccehub.panels.services import meeting_attendance_record, panel_meeting_schedule

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-test-password"
TODAY = timezone.localdate()


def _text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def case(world, child):
    """Jamie's case shared with the panel for a crisis response convened over a concern before any
    arrest: no referral."""
    response = crisis_open(actor=world["as_sw"], child=child, trigger="pre_arrest_concern", on=TODAY)
    crisis_step(actor=world["as_officer"], response=response, step="returned", on=TODAY)
    crisis_step(actor=world["as_sw"], response=response, step="convened", on=TODAY)
    return PanelCase.objects.get(child=child)


def _meeting(world, on=TODAY):
    return panel_meeting_schedule(
        actor=world["as_lead"], panel=world["panel"], held_on=on, extraordinary=True, reason="test sitting"
    )


def _hold(world, meeting):
    members = world["members"]
    return meeting_attendance_record(
        actor=world["as_lead"],
        meeting=meeting,
        present=[members["chair"], members["police"]],
        chair=members["chair"],
        today=meeting.held_on,
    )


def test_a_case_with_no_referral_is_listed_discussed_and_recorded(world, case):
    meeting = _meeting(world)
    assert list(discussion_candidates(meeting=meeting)) == [case]
    discussion, warning = discussion_add(actor=world["as_lead"], meeting=meeting, case=case)
    assert warning is None and list(discussion_candidates(meeting=meeting)) == []
    with pytest.raises(ValidationError) as again:
        discussion_add(actor=world["as_lead"], meeting=meeting, case=case)
    assert again.value.message_dict["case"] == [MSG_ALREADY]
    with pytest.raises(ValidationError) as early:
        discussion_record(actor=world["as_chair"], discussion=discussion, outcome="monitor")
    assert early.value.message_dict["__all__"] == [MSG_NOT_HELD]
    _hold(world, meeting)
    with pytest.raises(PermissionDenied):
        discussion_record(actor=world["as_lead"], discussion=discussion, outcome="monitor")
    recorded = discussion_record(
        actor=world["as_chair"],
        discussion=discussion,
        outcome="intelligence",
        notes="The police will look at the adults he was seen with",
    )
    assert recorded.outcome == "intelligence" and recorded.discussed_on == meeting.held_on
    corrected = discussion_record(actor=world["as_chair"], discussion=discussion, outcome="joint_plan")
    assert corrected.outcome == "joint_plan" and corrected.notes == ""
    details = list(
        AuditEvent.objects.filter(object_type="case_discussion")
        .order_by("at")
        .values_list("detail", flat=True)
    )
    assert details[0].startswith("listed for discussion") and details[-1].startswith("corrected: joint_plan")
    assert all("Jamie" not in d and "adults" not in d for d in details)


def test_a_case_with_a_referral_open_for_the_panel_is_heard_through_it(world, case, referral):
    """A case with a referral the panel is to decide is listed on the agenda, not for discussion; only
    the lead or a chair lists."""
    meeting = _meeting(world)
    referred_case = PanelCase.objects.get(pk=referral.panel_case_id)
    assert referred_case == case  # the referral was recorded in the same open case
    with pytest.raises(ValidationError) as has_referral:
        discussion_add(actor=world["as_lead"], meeting=meeting, case=case)
    assert has_referral.value.message_dict["case"] == [MSG_HAS_REFERRAL]
    with pytest.raises(PermissionDenied):
        discussion_add(actor=world["as_sw"], meeting=meeting, case=case)


def test_a_closed_case_or_a_held_sitting_cannot_take_a_listing(world, case):
    meeting = _meeting(world, on=TODAY - timedelta(days=1))
    _hold(world, meeting)
    with pytest.raises(ValidationError, match="held"):
        discussion_add(actor=world["as_lead"], meeting=meeting, case=case)
    PanelCase.objects.filter(pk=case.pk).update(closed_on=TODAY)
    case.refresh_from_db()
    later = _meeting(world, on=TODAY + timedelta(days=3))
    with pytest.raises(ValidationError, match="closed"):
        discussion_add(actor=world["as_lead"], meeting=later, case=case)
    assert list(discussion_candidates(meeting=later)) == []


def test_the_meeting_and_case_pages(client, world, case):
    meeting = _meeting(world)
    url = reverse("panels:meeting", args=[meeting.pk])
    assert client.login(username=world["users"]["lead"].username, password=PASSWORD)
    page = _text(client.get(url))
    assert "Cases with no referral, for discussion" in page and "No case listed for discussion" in page
    assert "List for discussion" in page
    listed = client.post(reverse("panels:discussion-add", args=[meeting.pk, case.pk]), follow=True)
    assert "Case listed for discussion (R-22)" in _text(listed)
    assert CaseDiscussion.objects.filter(meeting=meeting, case=case).count() == 1
    # twice is refused, audited, and lists nothing more
    again = client.post(reverse("panels:discussion-add", args=[meeting.pk, case.pk]))
    assert again.status_code == 403 and CaseDiscussion.objects.count() == 1
    _hold(world, meeting)
    client.logout()
    assert client.login(username=world["users"]["chair"].username, password=PASSWORD)
    discussion = CaseDiscussion.objects.get()
    form_url = reverse("panels:discussion", args=[meeting.pk, discussion.pk])
    assert "Record what the meeting made of it" in _text(client.get(url))
    refused = client.post(form_url, {})
    assert refused.status_code == 400 and "Choose what the meeting made of the case" in _text(refused)
    done = client.post(form_url, {"outcome": "refer_nrm", "notes": "Refer: he disclosed being made to carry"})
    assert done.status_code == 302
    page = _text(client.get(url))
    assert "Outcome: Refer to the NRM." in page and "made to carry" not in page  # notes: the case page
    assert "Change what the meeting made of it" in page
    case_page = _text(client.get(reverse("panels:case", args=[case.pk])))
    assert "Listed for discussion at panel meetings" in case_page and "Refer to the NRM" in case_page
    assert "he disclosed being made to carry" in case_page
    # a member who is not a chair cannot record it
    client.logout()
    assert client.login(username=world["users"]["member"].username, password=PASSWORD)
    assert client.post(form_url, {"outcome": "close"}).status_code == 403
    assert CaseDiscussion.objects.get().outcome == "refer_nrm"


def test_an_unknown_discussion_or_case_is_not_found(client, world, case):
    meeting = _meeting(world)
    assert client.login(username=world["users"]["chair"].username, password=PASSWORD)
    assert client.get(reverse("panels:discussion", args=[meeting.pk, "nonsense"])).status_code == 404
    assert client.post(reverse("panels:discussion-add", args=[meeting.pk, "nonsense"])).status_code == 404


def _young_case(world, system_actor, name: str) -> PanelCase:
    """A 15-year-old's case shared with the panel for a crisis response (no referral)."""
    from ccehub.children.services import child_create

    young = child_create(
        actor=system_actor,
        given_name=name,
        family_name="Testcase",
        sex="male",
        date_of_birth=TODAY.replace(year=TODAY.year - 15, day=1),
        home_local_authority=world["islington"],
        home_police_force=world["met"],
    )
    crisis = crisis_open(actor=world["as_sw"], child=young, trigger="pre_arrest_concern", on=TODAY)
    crisis_step(actor=world["as_officer"], response=crisis, step="returned", on=TODAY)
    crisis_step(actor=world["as_sw"], response=crisis, step="convened", on=TODAY)
    return PanelCase.objects.get(child=young)


def test_a_listed_case_whose_referral_goes_on_the_agenda_is_taken_off_the_discussion(world, system_actor):
    from ccehub.panels.services import agenda_item_add
    from tests.panels.conftest import make_incident, refer

    young = _young_case(world, system_actor, "Robin")
    meeting = _meeting(world, on=TODAY + timedelta(days=3))
    discussion_add(actor=world["as_lead"], meeting=meeting, case=young)
    made = refer(
        world,
        young.child,
        incident=make_incident(young.child, system_actor, world["met"], when=timezone.now()),
        referred_on=TODAY,
        today=TODAY,
    )
    assert made.panel_case_id == young.pk
    assert young not in discussion_candidates(meeting=_meeting(world, on=TODAY + timedelta(days=4)))
    agenda_item_add(actor=world["as_lead"], meeting=meeting, referral=made)
    assert not CaseDiscussion.objects.filter(meeting=meeting).exists()
    assert AuditEvent.objects.filter(
        object_type="case_discussion", action="delete", detail__contains="its referral is on the agenda"
    ).exists()


def test_a_case_closed_after_listing_leaves_the_sittings_still_to_be_held(world, case):
    from ccehub.panels.services import panel_case_close

    held = _meeting(world, on=TODAY - timedelta(days=2))
    discussed, _ = discussion_add(actor=world["as_lead"], meeting=held, case=case)
    _hold(world, held)
    later = _meeting(world, on=TODAY + timedelta(days=5))
    discussion_add(actor=world["as_lead"], meeting=later, case=case)
    panel_case_close(
        actor=world["as_chair"],
        case=case,
        closed_on=TODAY,
        reason="risk_reduced",
        risk_level="low",
        risk_reduced=True,
        note="Settled at home and in school",
        confirm_warnings=True,
        today=TODAY,
    )
    # the held sitting keeps its listing (it was discussed); the later one loses it
    assert list(CaseDiscussion.objects.values_list("meeting_id", flat=True)) == [held.pk]
    # the held sitting's outcome can still be recorded: the case closed after it
    assert (
        discussion_record(actor=world["as_chair"], discussion=discussed, outcome="close").outcome == "close"
    )


def test_a_concluded_referral_does_not_keep_a_case_from_discussion(world, case, referral):
    from ccehub.nrm.models import NRMDecision

    NRMDecision.objects.create(referral=referral, stage="rg", outcome="negative", decided_on=TODAY)
    meeting = _meeting(world)
    assert case in discussion_candidates(meeting=meeting)
    discussion_add(actor=world["as_lead"], meeting=meeting, case=case)


def test_listed_cases_count_towards_the_usual_number(world, system_actor):
    """R-16: a sitting hears about five cases; discussions count with the referrals in the warning."""
    meeting = _meeting(world)
    warnings = [
        discussion_add(
            actor=world["as_lead"], meeting=meeting, case=_young_case(world, system_actor, f"C{n}")
        )[1]
        for n in range(8)
    ]
    assert warnings[:7] == [None] * 7 and "8 cases listed" in (warnings[7] or "")
