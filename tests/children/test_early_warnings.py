"""Early warnings read from the record (R-53, R-56, R-08) and the YOT-CSC check (F-17): the
service, the page, the child page and the youth offending team's dashboard."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from ccehub.audit.models import AuditEvent
from ccehub.children.models import CaseHolding
from ccehub.rules.triggers import EarlyWarning
from ccehub.safeguarding.early_warnings import (
    MSG_NO_INDICATORS,
    MSG_YOT_ONLY,
    warnings_for,
    yot_check_record,
)
from ccehub.safeguarding.models import YotCscCheck

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def yjs(agencies):
    from ccehub.agencies.models import Agency, AgencyKind

    return Agency.objects.create(
        code="islington-yjs",
        name="Islington Youth Justice Service",
        kind=AgencyKind.YOUTH_OFFENDING_TEAM,
        parent=agencies["islington"],
    )


@pytest.fixture
def young(agencies, system_actor, yjs):
    """A 15-year-old from Islington the youth justice service works with."""
    from ccehub.children.services import child_create

    child = child_create(
        actor=system_actor,
        given_name="Kit",
        family_name="Testcase",
        sex="male",
        date_of_birth=TODAY.replace(year=TODAY.year - 15, day=1),
        home_local_authority=agencies["islington"],
        home_police_force=agencies["met"],
    )
    CaseHolding.objects.create(child=child, agency=yjs, basis=CaseHolding.Basis.YOUTH_JUSTICE)
    return child


@pytest.fixture
def yot_worker(make_user, yjs, roles):
    return make_user("yot.worker", yjs, roles.YOT_WORKER)


def _arrest(system_actor, child, days_ago=10, offences=("pwits_class_a",)):
    from ccehub.children.services import fact_record
    from ccehub.justice.models import Arrest

    return fact_record(
        actor=system_actor,
        child=child,
        model=Arrest,
        arrested_at=timezone.now() - timedelta(days=days_ago),
        offences=list(offences),
    )


def _codes(child):
    return [w.code for w in warnings_for([child])[child.pk]]


def test_a_drug_arrest_calls_for_the_check_until_the_yot_records_it(
    system_actor, young, yot_worker, actor_for
):
    assert _codes(young) == []
    _arrest(system_actor, young)
    assert _codes(young) == [EarlyWarning.YOT_CSC_CHECK]
    check = yot_check_record(
        actor=actor_for(yot_worker),
        child=young,
        asked_on=TODAY,
        setting_harmful="yes",
        csc_answer="The flat his mother lets his cousin use is known to the police",
        next_steps="Risk assessment; referral to the exploitation team",
    )
    assert check.indicators == ["drug_offences"] and check.agency.code == "islington-yjs"
    assert _codes(young) == []
    assert AuditEvent.objects.filter(object_type="yotcsccheck", action="create").exists()
    _arrest(system_actor, young, days_ago=0)  # a later drug arrest today: answered (same day)
    assert _codes(young) == []


def test_an_arrest_for_another_offence_does_not_call_for_it(system_actor, young):
    _arrest(system_actor, young, offences=("robbery",))
    assert _codes(young) == []


def test_only_a_youth_offending_team_records_the_check_and_only_with_an_indicator(
    system_actor, young, yot_worker, actor_for, make_user, agencies, roles
):
    sw = make_user("isl.sw", agencies["islington"], roles.SOCIAL_WORKER)
    with pytest.raises(ValidationError) as nothing:
        yot_check_record(
            actor=actor_for(yot_worker), child=young, asked_on=TODAY, setting_harmful="no", csc_answer="x"
        )
    assert nothing.value.message_dict["__all__"] == [MSG_NO_INDICATORS]
    _arrest(system_actor, young)
    with pytest.raises(PermissionDenied, match=re.escape(MSG_YOT_ONLY)):
        yot_check_record(
            actor=actor_for(sw), child=young, asked_on=TODAY, setting_harmful="no", csc_answer="x"
        )
    with pytest.raises(ValidationError) as bad:
        yot_check_record(
            actor=actor_for(yot_worker),
            child=young,
            asked_on=TODAY + timedelta(days=1),
            setting_harmful="perhaps",
            csc_answer=" ",
        )
    assert set(bad.value.message_dict) == {"asked_on", "setting_harmful", "csc_answer"}
    assert not YotCscCheck.objects.exists()


def _incident(system_actor, child, **kw):
    from ccehub.incidents.services import incident_record

    values = {
        "occurred_at": timezone.now() - timedelta(days=3),
        "incident_type": "stop_search",
        "is_arrest": False,
        "recording_agency": child.home_police_force,
    } | kw
    return incident_record(actor=system_actor, child=child, **values)


def test_signs_with_no_referral_and_domestic_abuse_with_offending_involving_adults(system_actor, young):
    from ccehub.children.services import vulnerability_flag_set
    from ccehub.common.models import TriState

    # a stop and search with an adult present and no offence: signs of exploitation, not an offence
    _incident(
        system_actor,
        young,
        indicators=["cash"],
        county_lines_linked=TriState.RECORDED_PRESENT,
        co_present_ages=[15, 24],
    )
    assert _codes(young) == [EarlyWarning.NO_NRM_REFERRAL]
    vulnerability_flag_set(actor=system_actor, child=young, factor="domestic_abuse", value="recorded_present")
    assert EarlyWarning.ORGANISED_EXPLOITATION not in _codes(young)
    # an arrest with two adults (Max, R-27): an offence involving adults
    _incident(
        system_actor,
        young,
        incident_type="arrest_other",
        is_arrest=True,
        arresting_force=young.home_police_force,
        offences=["robbery"],
        co_present_ages=[19, 23],
    )
    codes = _codes(young)
    assert EarlyWarning.YOT_CSC_CHECK in codes and EarlyWarning.ORGANISED_EXPLOITATION in codes


def test_an_arrest_for_pwits_with_no_codes_is_a_drug_offence(system_actor, young):
    _incident(
        system_actor,
        young,
        incident_type="arrest_pwits",
        is_arrest=True,
        arresting_force=young.home_police_force,
    )
    assert EarlyWarning.YOT_CSC_CHECK in _codes(young)


def test_a_referral_answers_the_incidents_up_to_it_and_not_a_later_one(system_actor, young):
    from ccehub.children.services import fact_record
    from ccehub.nrm.models import NRMReferral

    first = _incident(
        system_actor, young, indicators=["cash"], occurred_at=timezone.now() - timedelta(days=40)
    )
    fact_record(
        actor=system_actor,
        child=young,
        model=NRMReferral,
        linked_incident=first,
        referred_on=TODAY - timedelta(days=39),
    )
    assert EarlyWarning.NO_NRM_REFERRAL not in _codes(young)
    _incident(system_actor, young, indicators=["plugging"])
    assert EarlyWarning.NO_NRM_REFERRAL in _codes(young)


def test_no_date_of_birth_is_a_child_unless_the_officer_estimated_18_or_more(system_actor, agencies):
    from ccehub.children.services import child_create

    def unknown(estimate):
        child = child_create(
            actor=system_actor,
            given_name="Unknown",
            family_name=f"Age{estimate}",
            sex="male",
            home_local_authority=agencies["islington"],
            home_police_force=agencies["met"],
        )
        _incident(system_actor, child, indicators=["cash"], estimated_age=estimate)
        return _codes(child)

    assert unknown(None) == [EarlyWarning.NO_NRM_REFERRAL]
    assert unknown(16) == [EarlyWarning.NO_NRM_REFERRAL]
    assert unknown(25) == []


def test_the_pages_and_the_yot_dashboard(client, system_actor, young, yot_worker, make_user, agencies, roles):
    _arrest(system_actor, young)
    client.force_login(yot_worker)
    board = html.unescape(client.get("/").content.decode())
    assert "Offending indicators recorded (drug offences)" in board
    detail = html.unescape(client.get(f"/children/{young.pseudonymous_id}/").content.decode())
    assert "Early warnings" in detail and "(R-53)" in detail
    url = f"/children/{young.pseudonymous_id}/early-warnings/"
    page = html.unescape(client.get(url).content.decode())
    assert "Record the YOT–CSC check" in page
    refused = client.post(url, {"setting_harmful": "yes"})
    text = html.unescape(refused.content.decode())
    assert refused.status_code == 400 and "Error:" in text and "Enter the date you asked" in text
    done = client.post(
        url,
        {
            "asked_on_day": TODAY.day,
            "asked_on_month": TODAY.month,
            "asked_on_year": TODAY.year,
            "setting_harmful": "not_known",
            "csc_answer": "Social care will visit the placement this week",
        },
    )
    assert done.status_code == 302
    page = html.unescape(client.get(url).content.decode())
    assert "Recorded: the YOT-CSC check (R-53)" in page and "Social care will visit" in page
    assert "No early warning stands on the record" in page
    assert "Offending indicators recorded" not in html.unescape(client.get("/").content.decode())
    # a social worker sees the checks but does not record them
    sw = make_user("isl.sw2", agencies["islington"], roles.SOCIAL_WORKER)
    client.force_login(sw)
    page = html.unescape(client.get(url).content.decode())
    assert "Record the YOT–CSC check" not in page and "Social care will visit" in page
    assert client.post(url, {}).status_code == 403
    assert AuditEvent.objects.filter(object_type="yotcsccheck", action="denied").exists()


def test_what_social_care_said_is_left_out_for_a_pseudonymised_viewer(
    client, system_actor, young, yot_worker, actor_for, make_user, agencies, roles
):
    _arrest(system_actor, young)
    yot_check_record(
        actor=actor_for(yot_worker),
        child=young,
        asked_on=TODAY,
        setting_harmful="yes",
        csc_answer="His uncle Dev Example lets the line use the flat",
        next_steps="Strategy discussion",
    )
    analyst = make_user("isl.analyst", agencies["islington"], roles.ANALYST)
    client.force_login(analyst)
    page = html.unescape(client.get(f"/children/{young.pseudonymous_id}/early-warnings/").content.decode())
    assert "Yes, the setting may be harmful" in page and "Withheld on a pseudonymised view" in page
    assert "Dev Example" not in page
    detail = html.unescape(client.get(f"/children/{young.pseudonymous_id}/").content.decode())
    assert "YOT-CSC check by Islington Youth Justice Service (R-53)" in detail and "Dev Example" not in detail
    export = client.get(f"/children/{young.pseudonymous_id}/export.json")
    assert export.status_code == 200 and "Dev Example" not in export.content.decode()


def test_the_same_form_sent_twice_records_one_check(client, system_actor, young, yot_worker):
    """Back then send, or a second click without JavaScript: the form's one-time token finds the
    check already recorded (ccehub.common.once); a new form makes a new check."""
    _arrest(system_actor, young)
    client.force_login(yot_worker)
    url = f"/children/{young.pseudonymous_id}/early-warnings/"
    page = client.get(url).content.decode()
    token = re.search(r'name="submission" value="([^"]+)"', page).group(1)
    data = {
        "asked_on_day": TODAY.day,
        "asked_on_month": TODAY.month,
        "asked_on_year": TODAY.year,
        "setting_harmful": "no",
        "csc_answer": "Social care know the family well",
        "submission": token,
    }
    assert client.post(url, data).status_code == 302
    again = client.post(url, data, follow=True)
    assert "That YOT-CSC check was already recorded" in html.unescape(again.content.decode())
    assert YotCscCheck.objects.filter(child=young).count() == 1
    fresh = re.search(r'name="submission" value="([^"]+)"', client.get(url).content.decode()).group(1)
    assert fresh != token
    assert client.post(url, {**data, "submission": fresh}).status_code == 302
    assert YotCscCheck.objects.filter(child=young).count() == 2
    # a post that dropped the token still records (it cannot be matched to an earlier one)
    assert client.post(url, {k: v for k, v in data.items() if k != "submission"}).status_code == 302
    assert YotCscCheck.objects.filter(child=young).count() == 3
