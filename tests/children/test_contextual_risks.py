"""F-16, contextual safeguarding: recording a risk from outside the family, the page, the chronology,
R-56's second limb, and what a pseudonymised viewer sees."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from ccehub.audit.models import AuditEvent
from ccehub.rules.triggers import EarlyWarning
from ccehub.safeguarding.context import MSG_BEFORE_BIRTH, MSG_DESCRIPTION, MSG_FUTURE, contextual_risk_record
from ccehub.safeguarding.early_warnings import warnings_for
from ccehub.safeguarding.models import ContextualRisk

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
DESCRIPTION = "Picked up from school by a man in his thirties known as 'Uncle'"


@pytest.fixture
def young(agencies, system_actor):
    from ccehub.children.services import child_create

    return child_create(
        actor=system_actor,
        given_name="Kit",
        family_name="Testcase",
        sex="male",
        date_of_birth=TODAY.replace(year=TODAY.year - 14, day=1),
        home_local_authority=agencies["islington"],
        home_police_force=agencies["met"],
    )


@pytest.fixture
def sw(agencies, make_user, roles):
    return make_user("isl.sw", agencies["islington"], roles.SOCIAL_WORKER)


def _text(response) -> str:
    return html.unescape(response.content.decode())


def test_a_relationship_with_an_adult_raises_the_organised_exploitation_prompt(young, sw, actor_for):
    assert [w.code for w in warnings_for([young])[young.pk]] == []
    risk = contextual_risk_record(
        actor=actor_for(sw),
        child=young,
        kind="adult_relationship",
        recorded_on=TODAY,
        description=DESCRIPTION,
    )
    assert risk.agency.code == "la-islington" and risk.recorded_by == sw
    (warning,) = warnings_for([young])[young.pk]
    assert warning.code is EarlyWarning.ORGANISED_EXPLOITATION and warning.rule == "R-56"
    audit = AuditEvent.objects.get(object_type="contextualrisk", action="create")
    assert audit.child_pid == young.pseudonymous_id and "Uncle" not in audit.detail
    # a place of concern is a contextual risk, not an adult relationship
    contextual_risk_record(actor=actor_for(sw), child=young, kind="place", recorded_on=TODAY, description="x")
    assert len(warnings_for([young])[young.pk]) == 1


def test_bad_input_is_refused_field_by_field(young, sw, actor_for, system_actor):
    with pytest.raises(ValidationError) as bad:
        contextual_risk_record(
            actor=actor_for(sw),
            child=young,
            kind="nonsense",
            recorded_on=TODAY + timedelta(days=1),
            description="  ",
        )
    problems = bad.value.message_dict
    assert problems["description"] == [MSG_DESCRIPTION] and problems["recorded_on"] == [MSG_FUTURE]
    assert "kind" in problems
    with pytest.raises(ValidationError) as early:
        contextual_risk_record(
            actor=actor_for(sw),
            child=young,
            kind="place",
            recorded_on=date(TODAY.year - 20, 1, 1),
            description="x",
        )
    assert early.value.message_dict["recorded_on"] == [MSG_BEFORE_BIRTH]
    with pytest.raises(PermissionDenied):
        contextual_risk_record(
            actor=system_actor, child=young, kind="place", recorded_on=TODAY, description="x"
        )
    assert not ContextualRisk.objects.exists()


def test_the_page_the_form_sent_twice_and_the_chronology(client, young, sw):
    client.force_login(sw)
    url = f"/children/{young.pseudonymous_id}/context/"
    page = _text(client.get(url))
    assert "No contextual risk is recorded" in page and "Record a contextual risk" in page
    refused = client.post(url, {})
    assert refused.status_code == 400 and "Choose what kind of risk it is" in _text(refused)
    token = re.search(r'name="submission" value="([^"]+)"', page).group(1)
    data = {
        "kind": "adult_relationship",
        "recorded_on_day": TODAY.day,
        "recorded_on_month": TODAY.month,
        "recorded_on_year": TODAY.year,
        "description": DESCRIPTION,
        "submission": token,
    }
    assert client.post(url, data).status_code == 302
    again = client.post(url, data, follow=True)
    assert "That contextual risk was already recorded" in _text(again)
    assert ContextualRisk.objects.filter(child=young).count() == 1
    page = _text(client.get(url))
    assert "Recorded by" in page and DESCRIPTION in page
    detail = _text(client.get(f"/children/{young.pseudonymous_id}/"))
    assert "Contextual safeguarding</a> (1 risk recorded)" in detail
    assert "Contextual risk recorded by Islington (F-16): a relationship with an adult" in detail
    assert "Organised exploitation risk: a relationship with an adult is recorded" in detail


def test_a_reader_who_may_not_record_sees_no_form_and_a_pseudonymised_view_no_description(
    client, young, sw, actor_for, make_user, agencies, roles
):
    contextual_risk_record(
        actor=actor_for(sw),
        child=young,
        kind="adult_relationship",
        recorded_on=TODAY,
        description=DESCRIPTION,
    )
    analyst = make_user("isl.analyst", agencies["islington"], roles.ANALYST)
    client.force_login(analyst)
    url = f"/children/{young.pseudonymous_id}/context/"
    page = _text(client.get(url))
    assert "Withheld on a pseudonymised view" in page and "Uncle" not in page
    assert "Record a contextual risk" not in page
    assert client.post(url, {"kind": "place"}).status_code == 403
    assert AuditEvent.objects.filter(object_type="contextualrisk", action="denied").exists()
    assert ContextualRisk.objects.count() == 1


def test_a_risk_that_is_over_stops_raising_the_prompt_and_stays_as_history(client, young, sw, actor_for):
    from ccehub.safeguarding.context import MSG_END_BEFORE, MSG_END_REASON, contextual_risk_end

    risk = contextual_risk_record(
        actor=actor_for(sw),
        child=young,
        kind="adult_relationship",
        recorded_on=TODAY - timedelta(days=30),
        description=DESCRIPTION,
    )
    with pytest.raises(ValidationError) as bad:
        contextual_risk_end(actor=actor_for(sw), risk=risk, ended_on=TODAY - timedelta(days=31), reason=" ")
    assert bad.value.message_dict == {"ended_on": [MSG_END_BEFORE], "end_reason": [MSG_END_REASON]}
    client.force_login(sw)
    url = f"/children/{young.pseudonymous_id}/context/{risk.pk}/end/"
    assert "Record that it is over" in _text(client.get(f"/children/{young.pseudonymous_id}/context/"))
    refused = client.post(url, {})
    assert refused.status_code == 400 and "Enter the date it stopped being a risk" in _text(refused)
    done = client.post(
        url,
        {
            "ended_on_day": TODAY.day,
            "ended_on_month": TODAY.month,
            "ended_on_year": TODAY.year,
            "end_reason": "Recorded in error: he is the child's uncle, checked by the police",
        },
    )
    assert done.status_code == 302
    risk.refresh_from_db()
    assert risk.ended_on == TODAY and risk.description == DESCRIPTION  # kept, as history
    assert warnings_for([young])[young.pk] == []
    page = _text(client.get(f"/children/{young.pseudonymous_id}/context/"))
    assert f"Over since {TODAY:%-d %b %Y}" in page
    assert client.post(url, {"end_reason": "x"}).status_code == 400  # already over
    assert AuditEvent.objects.filter(object_type="contextualrisk", detail__contains="ended on").exists()


def test_a_form_token_sent_again_for_another_child_records_nothing_more(
    client, young, sw, agencies, system_actor
):
    from ccehub.children.services import child_create

    other = child_create(
        actor=system_actor,
        given_name="Lee",
        family_name="Testcase",
        sex="male",
        date_of_birth=TODAY.replace(year=TODAY.year - 14, day=1),
        home_local_authority=agencies["islington"],
        home_police_force=agencies["met"],
    )
    client.force_login(sw)
    data = {
        "kind": "place",
        "recorded_on_day": TODAY.day,
        "recorded_on_month": TODAY.month,
        "recorded_on_year": TODAY.year,
        "description": "The park by the estate",
        "submission": "same-token",
    }
    assert client.post(f"/children/{young.pseudonymous_id}/context/", data).status_code == 302
    again = client.post(f"/children/{other.pseudonymous_id}/context/", data)
    assert again.status_code == 302 and ContextualRisk.objects.count() == 1
