"""Drift between the three processes read from the record (ccehub.safeguarding.drift): each alert
from real rows, what answers it, the pages, the dashboard, and a fixed number of queries."""

from __future__ import annotations

import html
from datetime import datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ccehub.children.models import CaseHolding
from ccehub.justice.models import Arrest, Charge, ChargeStatus, CourtOutcome
from ccehub.nrm.models import NRMDecision, NRMReferral
from ccehub.rules.drift import DriftAlert
from ccehub.safeguarding.drift import drift_for
from ccehub.safeguarding.models import StrategyMeeting

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def child(agencies, system_actor):
    """A 15-year-old from Islington (the shared fixture's Jamie is 18 now: no drift for an adult)."""
    from ccehub.children.services import child_create

    return child_create(
        actor=system_actor,
        given_name="Kit",
        family_name="Testcase",
        sex="male",
        date_of_birth=TODAY.replace(year=TODAY.year - 15, day=1),
        postcode="N1 1AA",
        home_local_authority=agencies["islington"],
        home_police_force=agencies["met"],
    )


def ago(days: int):
    return TODAY - timedelta(days=days)


def codes(child) -> list[DriftAlert]:
    return [d.code for d in drift_for([child])[child.pk]]


def arrest(child, days: int, outcome: str = "charged") -> Arrest:
    # noon local time on the day: "days ago" in local days, whatever the hour and the clocks
    noon = timezone.make_aware(datetime.combine(ago(days), time(12)))
    return Arrest.objects.create(child=child, arrested_at=noon, outcome=outcome, offences=["pwits_class_a"])


def referral(child, days: int, rg_days: int | None = None, route: str = "national", **extra) -> NRMReferral:
    made = NRMReferral.objects.create(
        child=child, referred_on=ago(days), route=route, policy_profile="current", **extra
    )
    if rg_days is not None:
        NRMDecision.objects.create(referral=made, stage="rg", outcome="positive", decided_on=ago(rg_days))
    return made


def test_an_arrest_with_no_strategy_meeting_since(child):
    arrest(child, 40)
    assert codes(child) == [DriftAlert.NO_SAFEGUARDING_AFTER_ARREST]
    StrategyMeeting.objects.create(child=child, held_on=ago(45), trigger="other")
    assert codes(child) == [DriftAlert.NO_SAFEGUARDING_AFTER_ARREST]  # before the arrest
    StrategyMeeting.objects.create(child=child, held_on=ago(38), trigger="arrest")
    assert codes(child) == []


def test_a_plan_in_place_answers_an_arrest_and_a_youth_justice_plan_does_not(child):
    from ccehub.safeguarding.models import ChildPlan

    arrest(child, 40)
    ChildPlan.objects.create(child=child, plan_type="yot_intervention", started_on=ago(30))
    ChildPlan.objects.create(child=child, plan_type="early_help", started_on=ago(100))
    assert codes(child) == [DriftAlert.NO_SAFEGUARDING_AFTER_ARREST]
    ChildPlan.objects.create(child=child, plan_type="child_protection", started_on=ago(100))
    assert codes(child) == []


def test_an_undated_meeting_answers_the_arrests_before_it_was_recorded_only(child):
    arrest(child, 60)
    meeting = StrategyMeeting.objects.create(child=child, held_on=None, trigger="other")
    assert codes(child) == []
    StrategyMeeting.objects.filter(pk=meeting.pk).update(created_at=timezone.now() - timedelta(days=90))
    assert codes(child) == [DriftAlert.NO_SAFEGUARDING_AFTER_ARREST]


def test_a_charge_recorded_through_the_service_answers_a_release(
    child, agencies, make_user, roles, actor_for
):
    """The charge form records the incident, not the arrest: a charge from the arrest's incident, or
    dated on or after the arrest, is the decision R-36 waits for."""
    from ccehub.justice.services import charge_record

    officer = make_user("met.pc", agencies["met"], roles.POLICE_OFFICER)
    StrategyMeeting.objects.create(child=child, held_on=ago(39), trigger="arrest")
    held = arrest(child, 40, outcome="rui")
    assert codes(child) == [DriftAlert.NO_DECISION_AFTER_RELEASE]
    charge_record(actor=actor_for(officer), child=child, offence="pwits_class_a", charged_on=ago(10))
    assert codes(child) == []
    assert held.charges.count() == 0  # answered without the arrest link


def test_released_under_investigation_with_no_decision_until_a_charge(child):
    held = arrest(child, 40, outcome="rui")
    StrategyMeeting.objects.create(child=child, held_on=ago(39), trigger="arrest")
    (alert,) = drift_for([child])[child.pk]
    assert alert.code is DriftAlert.NO_DECISION_AFTER_RELEASE and "40 days ago" in alert.text
    Charge.objects.create(child=child, arrest=held, offence="pwits_class_a", charged_on=ago(1))
    assert codes(child) == []


def test_the_cg_long_awaited_on_the_national_route(child):
    # current profile: recovery period 30 days, so a CG could be made from 70 days ago
    made = referral(child, 110, rg_days=100)
    (alert,) = drift_for([child])[child.pk]
    assert alert.code is DriftAlert.CG_LONG_AWAITED
    assert f"awaited 70 days since it could first be made, on {ago(70):%-d %B %Y}" in alert.text
    NRMDecision.objects.create(referral=made, stage="cg", outcome="positive", decided_on=ago(1))
    assert codes(child) == []


def test_an_escalated_panel_referral_counts_from_the_escalation(child, agencies):
    made = referral(child, 110, rg_days=100, route="local_panel", panel=agencies["panel"])
    NRMReferral.objects.filter(pk=made.pk).update(escalated_on=ago(5))
    assert codes(child) == []  # the SCA has had it five days
    NRMReferral.objects.filter(pk=made.pk).update(escalated_on=ago(40))
    (alert,) = drift_for([child])[child.pk]
    assert f"awaited 40 days since it could first be made, on {ago(40):%-d %B %Y}" in alert.text


def test_a_panel_referral_is_left_to_its_clocks(child, agencies):
    referral(child, 110, rg_days=100, route="local_panel", panel=agencies["panel"])
    assert codes(child) == []


def test_a_charge_and_a_sentence_while_a_referral_awaits_its_decision(child):
    referral(child, 60, rg_days=50)
    charge = Charge.objects.create(child=child, offence="pwits_class_a", charged_on=ago(20))
    (alert,) = [d for d in drift_for([child])[child.pk] if d.rule == "J-04"]
    assert "1 charge going ahead" in alert.text and "conclusive-grounds decision" in alert.text
    # stayed pending the CG (J-02) is the system working, not drift
    Charge.objects.filter(pk=charge.pk).update(status=ChargeStatus.STAYED_PENDING_CG)
    assert DriftAlert.CRIMINAL_AHEAD_OF_NRM not in codes(child)
    CourtOutcome.objects.create(child=child, decided_on=ago(5), sentence_type="yro")
    (alert,) = [d for d in drift_for([child])[child.pk] if d.rule == "J-04"]
    assert f"a court outcome on {ago(5):%-d %B %Y}" in alert.text


def test_a_referral_whose_outcome_the_case_owner_does_not_know_is_not_open(child):
    referral(child, 60, outcome_known_to_case_owner=False)
    Charge.objects.create(child=child, offence="pwits_class_a", charged_on=ago(20))
    assert codes(child) == []


def test_the_pages_and_the_dashboard(client, child, make_user, agencies, roles):
    arrest(child, 40, outcome="rui")
    sw = make_user("isl.sw", agencies["islington"], roles.SOCIAL_WORKER)
    client.force_login(sw)
    pid = child.pseudonymous_id
    board = html.unescape(client.get("/").content.decode())
    assert "Released under investigation on" in board and f"/children/{pid}/early-warnings/#drift" in board
    detail = html.unescape(client.get(f"/children/{pid}/").content.decode())
    assert "Drift between the processes" in detail and "no strategy meeting" in detail
    page = html.unescape(client.get(f"/children/{pid}/early-warnings/").content.decode())
    assert "Early warnings and drift" in page and "“Long” is 28 days" in page
    assert "Child protection process, counted from" in page and "(J-01)" in page and "(R-36)" in page
    # an analyst's dashboard lists no case work
    analyst = make_user("analyst", agencies["islington"], roles.ANALYST)
    client.force_login(analyst)
    assert "Released under investigation on" not in html.unescape(client.get("/").content.decode())


def test_an_agency_reading_under_an_agreement_is_not_given_the_task(
    client, child, make_user, agencies, roles
):
    """Kent reads the child under a data-sharing agreement (its dashboard lists him) but the drift
    lines go to the agencies that may record on the child: once Kent holds him, Kent gets them."""
    from datetime import date

    from ccehub.agencies.models import DataSharingAgreement

    DataSharingAgreement.objects.create(
        title="Islington to Kent: county lines",
        provider=agencies["islington"],
        recipient=agencies["kent"],
        purpose="test",
        includes_identity=False,
        starts_on=date(2020, 1, 1),
        expires_on=date(2099, 1, 1),
    )
    arrest(child, 40, outcome="rui")
    officer = make_user("kent.pc", agencies["kent"], roles.POLICE_OFFICER)
    client.force_login(officer)
    board = html.unescape(client.get("/").content.decode())
    assert child.pseudonymous_id in board and "Released under investigation on" not in board
    CaseHolding.objects.create(child=child, agency=agencies["kent"], basis=CaseHolding.Basis.ARRESTING_FORCE)
    assert "Released under investigation on" in html.unescape(client.get("/").content.decode())


def test_the_queries_do_not_grow_with_the_children(agencies, system_actor):
    from ccehub.children.services import child_create

    def make(n: int) -> list:
        out = []
        for i in range(n):
            child = child_create(
                actor=system_actor,
                given_name=f"Child{i}",
                family_name="Drift",
                sex="male",
                date_of_birth=TODAY.replace(year=TODAY.year - 15, day=1),
                home_local_authority=agencies["islington"],
                home_police_force=agencies["met"],
            )
            arrest(child, 40, outcome="rui")
            referral(child, 110, rg_days=100)
            out.append(child)
        return out

    few, many = make(1), make(6)
    with CaptureQueriesContext(connection) as one:
        drift_for(few)
    with CaptureQueriesContext(connection) as six:
        result = drift_for(many)
    assert len(six) == len(one)
    assert all(len(alerts) == 3 for alerts in result.values())


def test_no_drift_for_someone_now_an_adult(islington_child):
    """The shared fixture's Jamie was born in May 2008: an adult now, whose drift is transitional
    safeguarding's business, not these alerts'."""
    arrest(islington_child, 40, outcome="rui")
    assert codes(islington_child) == []


def test_a_synthetic_date_is_not_counted_from(child):
    """The demo places the report's facts on made-up days ("synthetic: the source gives no date"):
    drift counted from one would be invented."""
    made = arrest(child, 400, outcome="rui")
    Arrest.objects.filter(pk=made.pk).update(arrested_at_basis="synthetic")
    assert codes(child) == []
    referral(child, 300, rg_days=290, referred_on_basis="synthetic")
    assert codes(child) == []
