"""E-17, referrals to services: recording, the outcome and the end, R-54's voluntary reading from the
charges, R-51's count of services working with the child now, the page, the chronology, and what a
pseudonymised viewer sees."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from ccehub.audit.models import AuditEvent
from ccehub.safeguarding.models import ServiceReferral
from ccehub.safeguarding.service_referrals import (
    MSG_BEFORE_BIRTH,
    MSG_FUTURE,
    service_referral_end,
    service_referral_outcome,
    service_referral_record,
)

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
REASON = "Says he owes £300 to the older boys who gave him the cannabis"


@pytest.fixture
def young(agencies, system_actor):
    from ccehub.children.services import child_create

    return child_create(
        actor=system_actor,
        given_name="Sam",
        family_name="Testcase",
        sex="male",
        date_of_birth=TODAY.replace(year=TODAY.year - 15, day=1),
        home_local_authority=agencies["islington"],
        home_police_force=agencies["met"],
    )


@pytest.fixture
def sw(agencies, make_user, roles):
    return make_user("svc.sw", agencies["islington"], roles.SOCIAL_WORKER)


def _text(response) -> str:
    return html.unescape(response.content.decode())


def test_record_answer_and_end_a_referral(young, sw, actor_for):
    actor = actor_for(sw)
    made = TODAY - timedelta(days=20)
    referral = service_referral_record(
        actor=actor, child=young, service="demand_reduction", made_on=made, reason=REASON
    )
    assert referral.agency.code == "la-islington" and referral.outcome == "awaiting"
    service_referral_outcome(actor=actor, referral=referral, outcome="accepted", on=made + timedelta(days=2))
    with pytest.raises(ValidationError) as twice:
        service_referral_outcome(actor=actor, referral=referral, outcome="not_engaged", on=TODAY)
    assert "already recorded" in str(twice.value)
    with pytest.raises(ValidationError):
        service_referral_end(actor=actor, referral=referral, ended_on=made)  # before it was accepted
    service_referral_end(actor=actor, referral=referral, ended_on=TODAY)
    referral.refresh_from_db()
    assert (referral.outcome, referral.ended_on) == ("accepted", TODAY)
    assert (
        AuditEvent.objects.filter(object_type="servicereferral", child_pid=young.pseudonymous_id).count() == 3
    )


def test_bad_dates_and_services_are_refused(young, sw, actor_for, agencies, make_user, roles):
    actor = actor_for(sw)
    with pytest.raises(ValidationError) as bad:
        service_referral_record(
            actor=actor, child=young, service="nowhere", made_on=TODAY + timedelta(days=1)
        )
    assert bad.value.message_dict == {
        "service": ["Choose the service the child was referred to"],
        "made_on": [MSG_FUTURE],
    }
    with pytest.raises(ValidationError) as born:
        service_referral_record(
            actor=actor, child=young, service="camhs", made_on=TODAY.replace(year=TODAY.year - 16)
        )
    assert born.value.message_dict == {"made_on": [MSG_BEFORE_BIRTH]}
    analyst = actor_for(make_user("svc.analyst", agencies["islington"], roles.ANALYST))
    with pytest.raises(PermissionDenied):
        service_referral_record(actor=analyst, child=young, service="camhs", made_on=TODAY)
    assert not ServiceReferral.objects.exists()


def test_the_page_reads_r54_on_each_answers_day_and_counts_r51(client, young, sw, actor_for):
    from ccehub.justice.models import Charge

    actor = actor_for(sw)
    early = TODAY - timedelta(days=40)
    declined = service_referral_record(actor=actor, child=young, service="yot", made_on=early)
    service_referral_outcome(actor=actor, referral=declined, outcome="declined_by_young_person", on=early)
    for service in ("camhs", "drug_alcohol", "mash"):
        accepted = service_referral_record(actor=actor, child=young, service=service, made_on=TODAY)
        service_referral_outcome(actor=actor, referral=accepted, outcome="accepted", on=TODAY)
    client.force_login(sw)
    url = f"/children/{young.pseudonymous_id}/services/"
    voluntary = "Voluntary, declined by the young person: no live charge or court order recorded"
    page = _text(client.get(url))
    assert voluntary in page  # no charge when he declined
    # CAMHS and drug and alcohol; the MASH is a front door
    assert "through the referrals recorded here: 2 services" in page
    # charged since: the decline, read on its own day, stays voluntary; a new YOT referral may be required
    Charge.objects.create(child=young, offence="pwits_class_a", charged_on=TODAY - timedelta(days=10))
    service_referral_record(actor=actor, child=young, service="yot", made_on=TODAY)
    page = _text(client.get(url))
    assert voluntary in page
    assert "Charged or under a court order: engagement may be required" in page
    # a charge whose state is not recorded: not known, not "not charged"
    Charge.objects.update(status="unknown", charged_on=early - timedelta(days=5))
    page = _text(client.get(url))
    assert "Declined by the young person: whether engagement could be required is not known" in page
    detail = _text(client.get(f"/children/{young.pseudonymous_id}/"))
    assert "Referrals to services</a> (5 referrals)" in detail
    assert "Referral to Youth offending team by Islington (E-17)" in detail
    assert "whether engagement could be required is not known" in detail  # the chronology reads it too
    # the audit log names no service (CAMHS is health data)
    assert not AuditEvent.objects.filter(object_type="servicereferral", detail__icontains="camhs").exists()


def test_an_answer_recorded_in_error_is_taken_back_with_why(client, young, sw, actor_for):
    from ccehub.safeguarding.service_referrals import MSG_NOTHING_TO_CORRECT, service_referral_correct

    actor = actor_for(sw)
    referral = service_referral_record(actor=actor, child=young, service="camhs", made_on=TODAY)
    with pytest.raises(ValidationError) as nothing:
        service_referral_correct(actor=actor, referral=referral, reason="wrong")
    assert nothing.value.message_dict == {"reason": [MSG_NOTHING_TO_CORRECT]}
    service_referral_outcome(actor=actor, referral=referral, outcome="not_engaged", on=TODAY)
    client.force_login(sw)
    url = f"/children/{young.pseudonymous_id}/services/{referral.pk}/correct/"
    assert "Take back, recorded in error" in _text(client.get(f"/children/{young.pseudonymous_id}/services/"))
    blank = client.post(url, {"reason": " "})
    assert blank.status_code == 400 and "Say what was wrong with the answer recorded" in _text(blank)
    assert client.post(url, {"reason": "It was his brother who did not engage"}).status_code == 302
    referral.refresh_from_db()
    assert (referral.outcome, referral.outcome_on) == ("awaiting", None)
    assert "The young person did not engage on" in referral.corrections
    assert "It was his brother" in referral.corrections
    page = _text(client.get(f"/children/{young.pseudonymous_id}/services/"))
    assert "Taken back:" in page and "Record what became of it" in page
    assert client.get(url).status_code == 302  # nothing to take back now
    assert AuditEvent.objects.filter(object_type="servicereferral", detail__contains="taken back").exists()


def test_the_form_the_outcome_page_and_the_token(client, young, sw):
    client.force_login(sw)
    url = f"/children/{young.pseudonymous_id}/services/"
    page = _text(client.get(url))
    assert "No referral to a service is recorded" in page and "Record a referral to a service" in page
    refused = client.post(url, {})
    assert refused.status_code == 400 and "Choose the service the child was referred to" in _text(refused)
    token = re.search(r'name="submission" value="([^"]+)"', page).group(1)
    data = {
        "service": "camhs",
        "made_on_day": TODAY.day,
        "made_on_month": TODAY.month,
        "made_on_year": TODAY.year,
        "reason": REASON,
        "submission": token,
    }
    assert client.post(url, data).status_code == 302
    again = client.post(url, data, follow=True)
    assert "That referral was already recorded" in _text(again)
    referral = ServiceReferral.objects.get(child=young)
    assert REASON in _text(client.get(url))
    answer = f"{url}{referral.pk}/"
    assert client.post(answer, {}).status_code == 400
    day = {"outcome_on_day": TODAY.day, "outcome_on_month": TODAY.month, "outcome_on_year": TODAY.year}
    assert client.post(answer, {"outcome": "accepted", **day}).status_code == 302
    end = _text(client.get(answer))
    assert "The service stopped" in end and "Record that the service stopped" in end
    stop = {"ended_on_day": TODAY.day, "ended_on_month": TODAY.month, "ended_on_year": TODAY.year}
    assert client.post(answer, stop).status_code == 302
    # answered and ended: nothing more to record here
    assert client.get(answer).status_code == 302
    assert client.get(f"{url}999999/").status_code == 404


def test_a_reader_who_may_not_record_sees_no_form_and_a_pseudonymised_view_no_reason(
    client, young, sw, actor_for, make_user, agencies, roles
):
    referral = service_referral_record(
        actor=actor_for(sw), child=young, service="demand_reduction", made_on=TODAY, reason=REASON
    )
    client.force_login(make_user("svc.analyst2", agencies["islington"], roles.ANALYST))
    url = f"/children/{young.pseudonymous_id}/services/"
    page = _text(client.get(url))
    assert "Withheld on a pseudonymised view" in page and "£300" not in page
    assert "Record a referral to a service" not in page and "Record what became of it" not in page
    assert client.post(url, {"service": "camhs"}).status_code == 403
    assert client.post(f"{url}{referral.pk}/", {"outcome": "accepted"}).status_code == 403
    assert AuditEvent.objects.filter(object_type="servicereferral", action="denied").count() == 2
    detail = _text(client.get(f"/children/{young.pseudonymous_id}/"))
    assert "£300" not in detail
