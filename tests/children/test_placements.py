"""F-20: recording a placement through the suitability checker (R-41 to R-45), what a move into a new
area sets off (R-44 health support, W-5 crisis response), and the page."""

from __future__ import annotations

import html
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from ccehub.audit.models import AuditEvent
from ccehub.children.models import Placement
from ccehub.children.placements import (
    MSG_HOME_AUTHORITY_ONLY,
    PlacementInput,
    PlacementWarnings,
    placement_health_started,
    placement_record,
)
from ccehub.panels.crisis import open_response
from ccehub.rules.placement import MSG_INTEL_NEEDED, WARN_NEW_AREA

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def sw(make_user, agencies, roles):
    return make_user("isl.sw", agencies["islington"], roles.SOCIAL_WORKER)


@pytest.fixture
def high_risk(islington_child):
    islington_child.risk_level = "high"
    islington_child.save(update_fields=["risk_level"])
    return islington_child


def _input(**kw):
    values = {
        "setting_type": "foster",
        "started_on": TODAY,
        "distance_miles": Decimal("4"),
        "in_home_area": True,
        "intel_outcome": "suitable",
        "intel_findings": "Nothing known about the carers or the street",
        "intel_by": "DC Local Intel",
        "intel_on": TODAY,
    } | kw
    return PlacementInput(**values)


def test_a_local_placement_is_recorded_with_what_was_checked(sw, actor_for, high_risk):
    placement = placement_record(actor=actor_for(sw), child=high_risk, data=_input())
    assert placement.risk_level_at_decision == "high" and placement.police_intel_outcome == "suitable"
    assert placement.health_support_due_on is None and open_response(high_risk) is None
    assert AuditEvent.objects.filter(object_type="placement", action="create").exists()


def test_refusals_record_nothing(sw, actor_for, high_risk):
    with pytest.raises(ValidationError) as banned:
        placement_record(actor=actor_for(sw), child=high_risk, data=_input(setting_type="holiday_let"))
    assert "R-43" in banned.value.message_dict["setting_type"][0]
    with pytest.raises(ValidationError) as no_intel:
        placement_record(actor=actor_for(sw), child=high_risk, data=_input(intel_outcome="not_checked"))
    assert no_intel.value.message_dict["intel_outcome"] == [MSG_INTEL_NEEDED]
    with pytest.raises(ValidationError) as details:
        placement_record(actor=actor_for(sw), child=high_risk, data=_input(intel_by=""))
    assert "intel_findings" in details.value.message_dict
    assert not Placement.objects.filter(child=high_risk).exists()


def test_only_the_home_authority_records_a_placement(make_user, agencies, roles, actor_for, high_risk):
    from ccehub.children.models import CaseHolding

    kent = make_user("kent.pc", agencies["kent"], roles.POLICE_OFFICER)
    # Kent holds the child (an arrest there), so it may record on him, but it does not place him
    CaseHolding.objects.create(
        child=high_risk, agency=agencies["kent"], basis=CaseHolding.Basis.ARRESTING_FORCE
    )
    with pytest.raises(PermissionDenied, match=MSG_HOME_AUTHORITY_ONLY):
        placement_record(actor=actor_for(kent), child=high_risk, data=_input())


def test_a_new_area_at_distance_by_wish_needs_confirming_then_sets_off_health_and_crisis(
    sw, actor_for, high_risk
):
    first = placement_record(
        actor=actor_for(sw), child=high_risk, data=_input(started_on=TODAY - timedelta(days=30))
    )
    far = _input(
        distance_miles=Decimal("72"),
        in_home_area=False,
        express_wish=True,
        express_wish_words="I want to be near my nan, away from the boys who know me",
    )
    with pytest.raises(PlacementWarnings) as warned:
        placement_record(actor=actor_for(sw), child=high_risk, data=far)
    assert WARN_NEW_AREA in warned.value.warnings
    placement = placement_record(
        actor=actor_for(sw),
        child=high_risk,
        data=PlacementInput(**{**far.__dict__, "confirm_warnings": True}),
    )
    first.refresh_from_db()
    assert first.ended_on == TODAY  # the new one ends the current one
    assert placement.health_support_due_on == TODAY and placement.express_wish_words.startswith("I want")
    response = open_response(high_risk)
    assert response.trigger == "new_area_placement" and response.source_id == str(placement.pk)
    with pytest.raises(ValidationError):
        placement_health_started(actor=actor_for(sw), placement=placement, on=TODAY + timedelta(days=1))
    placement_health_started(actor=actor_for(sw), placement=placement, on=TODAY)
    placement.refresh_from_db()
    assert placement.health_support_started_on == TODAY
    with pytest.raises(ValidationError):  # not due any more
        placement_health_started(actor=actor_for(sw), placement=placement, on=TODAY)


def test_a_placement_cannot_start_before_the_current_one(sw, actor_for, high_risk):
    placement_record(actor=actor_for(sw), child=high_risk, data=_input())
    with pytest.raises(ValidationError) as early:
        placement_record(
            actor=actor_for(sw), child=high_risk, data=_input(started_on=TODAY - timedelta(days=2))
        )
    assert "started_on" in early.value.message_dict


def _post(client, url, **fields):
    day = fields.pop("started_on", TODAY)
    data = {
        "step": "record",
        "setting_type": "foster",
        "started_on_day": day.day,
        "started_on_month": day.month,
        "started_on_year": day.year,
        "in_home_area": "no",
        "distance_miles": "30",
        "intel_outcome": "suitable",
        "intel_findings": "Nothing known",
        "intel_by": "DC Intel",
        "intel_on_day": TODAY.day,
        "intel_on_month": TODAY.month,
        "intel_on_year": TODAY.year,
    } | fields
    return client.post(url, data)


def test_the_page_refuses_warns_records_and_the_dashboard_asks_for_health_support(
    client, sw, high_risk, make_user, agencies, roles
):
    client.force_login(sw)
    url = f"/children/{high_risk.pseudonymous_id}/placements/"
    page = client.get(url)
    assert page.status_code == 200 and "Record a placement" in page.content.decode()
    refused = _post(client, url)  # 30 miles, high risk, no wish
    text = html.unescape(refused.content.decode())
    assert refused.status_code == 400 and "30 miles from home" in text and "Error:" in text
    assert not Placement.objects.filter(child=high_risk).exists()
    warned = _post(client, url, express_wish="on", express_wish_words="Near my dad")
    text = html.unescape(warned.content.decode())
    assert warned.status_code == 400 and "support for physical and mental health starts at once" in text
    assert "I confirm the placement goes ahead" in text
    done = _post(client, url, express_wish="on", express_wish_words="Near my dad", confirm_warnings="on")
    assert done.status_code == 302
    text = html.unescape(client.get(url).content.decode())
    assert "health support is due at once (R-44) and the crisis response is open (W-5)" in text
    board = html.unescape(client.get("/").content.decode())
    assert "physical and mental health support starts at once (R-44)" in board
    placement = Placement.objects.get(child=high_risk)
    assert client.post(url, {"step": "health", "placement": str(placement.pk)}).status_code == 302
    assert "starts at once (R-44)" not in html.unescape(client.get("/").content.decode())
    # another agency that cannot record on the child: refused and audited
    analyst = make_user("isl.analyst", agencies["islington"], roles.ANALYST)
    client.force_login(analyst)
    assert _post(client, url).status_code == 403
    assert AuditEvent.objects.filter(object_type="placement", action="denied").exists()


def test_a_placement_is_recorded_once_it_has_started(sw, actor_for, high_risk):
    from ccehub.children.placements import MSG_NOT_STARTED

    with pytest.raises(ValidationError) as future:
        placement_record(
            actor=actor_for(sw), child=high_risk, data=_input(started_on=TODAY + timedelta(days=1))
        )
    assert future.value.message_dict["started_on"] == [MSG_NOT_STARTED]


def test_the_ended_placement_is_audited_and_its_health_support_leaves_the_dashboard(
    client, sw, actor_for, high_risk
):
    far = _input(
        started_on=TODAY - timedelta(days=10),
        distance_miles=Decimal("40"),
        in_home_area=False,
        express_wish=True,
        express_wish_words="Near my aunt",
        confirm_warnings=True,
    )
    first = placement_record(actor=actor_for(sw), child=high_risk, data=far)
    client.force_login(sw)
    assert "starts at once (R-44)" in html.unescape(client.get("/").content.decode())
    placement_record(actor=actor_for(sw), child=high_risk, data=_input())  # back home: the first ends
    assert AuditEvent.objects.filter(
        object_type="placement", object_id=str(first.pk), action="update"
    ).exists()
    assert "starts at once (R-44)" not in html.unescape(client.get("/").content.decode())
    with pytest.raises(ValidationError):  # support for a placement that ended is not recorded as started now
        placement_health_started(actor=actor_for(sw), placement=first, on=TODAY)


def test_someone_who_may_record_but_does_not_place_is_refused_before_the_form_is_read(
    client, make_user, agencies, roles, high_risk
):
    from ccehub.children.models import CaseHolding

    CaseHolding.objects.create(
        child=high_risk, agency=agencies["kent"], basis=CaseHolding.Basis.ARRESTING_FORCE
    )
    kent = make_user("kent.pc2", agencies["kent"], roles.POLICE_OFFICER)
    client.force_login(kent)
    url = f"/children/{high_risk.pseudonymous_id}/placements/"
    page = html.unescape(client.get(url).content.decode())
    assert "Only the child’s home local authority records a placement" in page
    refused = client.post(url, {"step": "record"})
    assert refused.status_code == 403
    assert AuditEvent.objects.filter(object_type="placement", action="denied").exists()


def test_a_current_placement_made_before_the_checker_is_flagged(client, sw, system_actor, high_risk):
    from ccehub.children.services import fact_record

    fact_record(
        actor=system_actor,
        child=high_risk,
        model=Placement,
        setting_type="holiday_let",
        started_on=TODAY - timedelta(days=20),
        distance_from_home_miles=Decimal("85"),
    )
    client.force_login(sw)
    page = html.unescape(client.get(f"/children/{high_risk.pseudonymous_id}/placements/").content.decode())
    assert "The current placement would not be recorded today" in page
    assert "(R-43)" in page and "85 miles from home" in page and "(R-45)" in page


def test_what_is_known_about_the_area_is_kept_and_shown(client, sw, high_risk):
    """R-47: care homes sit where county lines and local drug markets operate; the area's risks are
    recorded with the placement."""
    client.force_login(sw)
    url = f"/children/{high_risk.pseudonymous_id}/placements/"
    done = _post(
        client,
        url,
        in_home_area="yes",
        distance_miles="3",
        area_risk_notes="A bail hostel two streets away; a line runs from the estate",
    )
    assert done.status_code == 302
    assert Placement.objects.get(child=high_risk).area_risk_notes.startswith("A bail hostel")
    page = html.unescape(client.get(url).content.decode())
    assert "The area: A bail hostel two streets away" in page


def _custody(system_actor, child, on, **kw):
    """A remand in custody on ``on`` (or the sentence given in ``kw``), recorded as a study fact."""
    from ccehub.children.services import fact_record
    from ccehub.justice.models import CourtOutcome

    values = {"decided_on": on, "remanded_in_custody": not kw} | kw
    return fact_record(actor=system_actor, child=child, model=CourtOutcome, **values)


def test_custody_calls_for_the_breakdown_check_until_the_placement_ends_or_is_kept(
    client, sw, actor_for, high_risk, system_actor
):
    from ccehub.children.placements import placement_end, placement_kept_through_custody

    placement = placement_record(
        actor=actor_for(sw), child=high_risk, data=_input(started_on=TODAY - timedelta(days=20))
    )
    client.force_login(sw)
    url = f"/children/{high_risk.pseudonymous_id}/placements/"
    assert "(J-11)" not in html.unescape(client.get("/").content.decode())
    _custody(system_actor, high_risk, TODAY - timedelta(days=3))
    board = html.unescape(client.get("/").content.decode())
    assert "Remanded or sentenced to custody on" in board and "(J-11)" in board
    page = html.unescape(client.get(url).content.decode())
    assert "Keep the placement for the child’s return" in page
    kept = client.post(url, {"step": "keep", "placement": str(placement.pk)})
    assert kept.status_code == 302
    placement.refresh_from_db()
    assert placement.kept_through_custody_at is not None and placement.ended_on is None
    assert "(J-11)" not in html.unescape(client.get("/").content.decode())
    with pytest.raises(ValidationError):  # nothing to answer now
        placement_kept_through_custody(actor=actor_for(sw), placement=placement)
    # a sentence recorded after the keep: asked again; this time the placement ends
    _custody(system_actor, high_risk, TODAY, sentence_type="dto", length_months=8)
    assert "(J-11)" in html.unescape(client.get("/").content.decode())
    placement_end(actor=actor_for(sw), placement=placement, ended_on=TODAY, end_kind="custody")
    placement.refresh_from_db()
    assert placement.end_kind == "custody" and placement.end_reason == "Custody (remanded or sentenced)"
    assert "(J-11)" not in html.unescape(client.get("/").content.decode())
    assert (
        AuditEvent.objects.filter(
            object_type="placement", object_id=str(placement.pk), action="update"
        ).count()
        == 2
    )


def test_the_page_ends_a_placement_and_refuses_a_bad_end(client, sw, actor_for, high_risk):
    placement = placement_record(
        actor=actor_for(sw), child=high_risk, data=_input(started_on=TODAY - timedelta(days=20))
    )
    client.force_login(sw)
    url = f"/children/{high_risk.pseudonymous_id}/placements/"
    start = placement.started_on - timedelta(days=1)
    refused = client.post(
        url,
        {
            "step": "end",
            "placement": str(placement.pk),
            "ended_on_day": start.day,
            "ended_on_month": start.month,
            "ended_on_year": start.year,
            "end_kind": "other",
        },
    )
    text = html.unescape(refused.content.decode())
    assert refused.status_code == 400 and "cannot end before it started" in text and "Say in the note" in text
    done = client.post(
        url,
        {
            "step": "end",
            "placement": str(placement.pk),
            "ended_on_day": TODAY.day,
            "ended_on_month": TODAY.month,
            "ended_on_year": TODAY.year,
            "end_kind": "breakdown",
        },
    )
    assert done.status_code == 302
    placement.refresh_from_db()
    assert placement.ended_on == TODAY and placement.end_kind == "breakdown"
    again = client.post(url, {"step": "end", "placement": str(placement.pk)}, follow=True)
    assert "This placement has already ended" in html.unescape(again.content.decode())
    mangled = client.post(url, {"step": "keep", "placement": "not-an-id"}, follow=True)
    assert mangled.status_code == 200 and "No such placement for this child" in html.unescape(
        mangled.content.decode()
    )


def test_a_new_placement_cannot_overlap_one_ended_by_hand(sw, actor_for, high_risk):
    from ccehub.children.placements import MSG_BEFORE_LAST_ENDED, placement_end

    first = placement_record(
        actor=actor_for(sw), child=high_risk, data=_input(started_on=TODAY - timedelta(days=30))
    )
    placement_end(
        actor=actor_for(sw), placement=first, ended_on=TODAY - timedelta(days=10), end_kind="breakdown"
    )
    with pytest.raises(ValidationError) as overlap:
        placement_record(
            actor=actor_for(sw), child=high_risk, data=_input(started_on=TODAY - timedelta(days=20))
        )
    day = TODAY - timedelta(days=10)
    assert overlap.value.message_dict["started_on"] == [MSG_BEFORE_LAST_ENDED.format(day=f"{day:%-d %B %Y}")]
    placement_record(actor=actor_for(sw), child=high_risk, data=_input(started_on=TODAY - timedelta(days=10)))


def test_only_the_home_authority_ends_or_keeps_a_placement(
    client, sw, actor_for, high_risk, make_user, agencies, roles
):
    from ccehub.children.models import CaseHolding

    placement = placement_record(actor=actor_for(sw), child=high_risk, data=_input())
    CaseHolding.objects.create(
        child=high_risk, agency=agencies["kent"], basis=CaseHolding.Basis.ARRESTING_FORCE
    )
    kent = make_user("kent.pc3", agencies["kent"], roles.POLICE_OFFICER)
    client.force_login(kent)
    url = f"/children/{high_risk.pseudonymous_id}/placements/"
    for step in ("end", "keep"):
        assert client.post(url, {"step": step, "placement": str(placement.pk)}).status_code == 403
    assert AuditEvent.objects.filter(object_type="placement", action="denied").count() == 2
    placement.refresh_from_db()
    assert placement.ended_on is None and placement.kept_through_custody_at is None
