"""F-23 / R-57 over stored records: the return for a financial year, read from incidents and their
triage, NRM referrals and decisions, and the responses recorded; the page, chart, CSV and CLI."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from typer.testing import CliRunner

from ccehub.audit.models import AuditEvent
from ccehub.nrm.models import DecisionMaker, DecisionOutcome, DecisionStage, NRMDecision
from ccehub.panels.models import PanelCase
from ccehub.reports.returns import MSG_NOT_ALLOWED, period_for, returns_report
from ccehub.rules.disclosure import SUPPRESSED
from ccehub.rules.returns import AgeBand, ResponseKind, Status, financial_year
from tests.panels.conftest import DOB, make_incident, refer

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-test-password"
FY = financial_year(2023)  # 1 April 2023 to 31 March 2024: the panel world's incidents (1 March 2024)


def _child(world, system_actor, la, n):
    from ccehub.children.services import child_create

    return child_create(
        actor=system_actor,
        given_name="Synthetic",
        family_name=f"Returned{n}",
        date_of_birth=DOB,
        home_local_authority=la,
        home_police_force=world["met"],
    )


def _presumed(world, system_actor, child):
    from ccehub.incidents.services import triage_decide

    incident = make_incident(child, system_actor, world["met"])
    decision = triage_decide(actor=system_actor, incident=incident, policy=None)
    assert decision.presumption == "presumed_victim"
    return incident


def _decide(referral, stage, outcome, on):
    NRMDecision.objects.create(
        referral=referral,
        stage=stage,
        outcome=outcome,
        decided_on=on,
        decision_maker=DecisionMaker.LOCAL_PANEL,
    )


@pytest.fixture
def stored(world, system_actor):
    """Islington: six children presumed victims at a county-lines arrest (five with a strategy
    meeting the next day, one with a meeting in 2022 only); five presumed, referred and found
    victims (RG on 10 March 2024, CG 10 to 14 days later); one referred and found not to be at
    reasonable grounds. Camden: one child presumed."""
    from ccehub.safeguarding.models import StrategyMeeting

    islington = world["islington"]
    for n in range(6):
        child = _child(world, system_actor, islington, n)
        _presumed(world, system_actor, child)
        held = date(2024, 3, 2) if n < 5 else date(2022, 5, 1)
        StrategyMeeting.objects.create(child=child, held_on=held, trigger="arrest")
    for n in range(5):
        child = _child(world, system_actor, islington, 10 + n)
        referral = refer(world, child, incident=_presumed(world, system_actor, child))
        _decide(referral, DecisionStage.REASONABLE_GROUNDS, DecisionOutcome.POSITIVE, date(2024, 3, 10))
        _decide(referral, DecisionStage.CONCLUSIVE_GROUNDS, DecisionOutcome.POSITIVE, date(2024, 3, 20 + n))
    child = _child(world, system_actor, islington, 20)
    referral = refer(world, child)
    _decide(referral, DecisionStage.REASONABLE_GROUNDS, DecisionOutcome.NEGATIVE, date(2024, 3, 12))
    _presumed(world, system_actor, _child(world, system_actor, world["camden"], 30))
    return world


def test_the_return_counts_the_children_the_reader_sees(stored):
    result = returns_report(actor=stored["as_sw"], period=FY).result
    statuses = {status: count.shown for status, count in result.statuses}
    assert result.identified.shown == "11"  # Islington's: not Camden's child
    assert statuses == {
        Status.CONCLUSIVE: "5",
        Status.REASONABLE: "0",
        Status.REFERRED: "0",
        Status.PRESUMED: "6",
    }
    assert result.negative.shown == SUPPRESSED
    responses = {row.kind: (row.with_.shown, row.without.shown) for row in result.responses}
    assert responses[ResponseKind.STRATEGY_MEETING] == ("5", "6")  # the 2022 meeting is not this year's
    # the referrals' panel cases were shared on the services' "today", 30 June 2024: the next year
    assert responses[ResponseKind.PANEL_CASE] == ("0", "11")
    assert responses[ResponseKind.SAFEGUARDING_ORDER] == ("0", "11")
    bands = {band: count.shown for band, count in result.age_bands}
    assert result.flagged_referrals.shown == "6" and bands[AgeBand.UNDER_18] == "6"  # 15 at referral
    days = {row.route: (row.decisions.shown, row.median_days) for row in result.rg_to_cg}
    assert days["local_panel"] == ("5", "12") and days["all"] == ("5", "12")
    PanelCase.objects.filter(child__nrm_referrals__isnull=False).update(shared_on=date(2024, 3, 4))
    result = returns_report(actor=stored["as_sw"], period=FY).result
    responses = {row.kind: (row.with_.shown, row.without.shown) for row in result.responses}
    assert responses[ResponseKind.PANEL_CASE] == ("5", "6")  # the child found negative is not counted
    event = AuditEvent.objects.filter(object_type="statutory_return").latest("at")
    assert event.username == "p.sw" and event.child_pid == "" and "2023-24" in event.detail
    # an analyst counts every child, as aggregates
    assert returns_report(actor=stored["as_analyst"], period=FY).result.identified.shown == "12"
    # nothing happened in the next year
    assert returns_report(actor=stored["as_sw"], period=financial_year(2024)).result.identified.shown == "0"


STRONG_NOTE = "Full download of his phone shows he runs the line and recruits younger children"


def _heads(stored):
    from ccehub.incidents.models import TriageDecision

    return list(
        TriageDecision.objects.filter(
            child__home_local_authority=stored["islington"],
            child__nrm_referrals__isnull=True,
            superseded_by__isnull=True,
        ).order_by("child__pseudonymous_id")
    )


def _rebut(stored, make_user, actor_for, roles, decision):
    """A rebuttal requested by the Met's officer and approved by a Met specialist (R-25)."""
    from django.contrib.auth import get_user_model

    from ccehub.incidents.services import triage_rebuttal_approve, triage_rebuttal_request

    user = get_user_model().objects.filter(username="p.spec").first()
    specialist = actor_for(user or make_user("p.spec", stored["met"], roles.POLICE_SPECIALIST))
    triage_rebuttal_request(actor=stored["as_officer"], decision=decision, evidence_note=STRONG_NOTE)
    return triage_rebuttal_approve(actor=specialist, decision=decision, reason="Agreed: he runs the line")


def test_a_rebuttal_lifts_the_presumption_but_not_for_a_year_already_over(
    stored, make_user, actor_for, roles
):
    from ccehub.incidents.models import TriageDecision

    first = _heads(stored)[0]
    # the presumption was decided on the night of the arrest, 1 March 2024, in the year
    TriageDecision.objects.filter(child=first.child).update(decided_at=first.incident.occurred_at)
    _rebut(stored, make_user, actor_for, roles, first)  # approved today, after the year
    statuses = dict(returns_report(actor=stored["as_sw"], period=FY).result.statuses)
    assert statuses[Status.PRESUMED].n == 6  # the year's return stands as it was at its end
    # an incident first triaged after the year (recorded late) counts as it stands now
    second = _heads(stored)[1]
    _rebut(stored, make_user, actor_for, roles, second)
    statuses = dict(returns_report(actor=stored["as_sw"], period=FY).result.statuses)
    assert statuses[Status.PRESUMED].n == 5


def test_a_synthetic_date_counts_only_with_all_dates(stored):
    from ccehub.incidents.models import IdentifyingIncident

    IdentifyingIncident.objects.filter(pk=_heads(stored)[0].incident_id).update(occurred_at_basis="synthetic")
    statuses = dict(returns_report(actor=stored["as_sw"], period=FY).result.statuses)
    assert statuses[Status.PRESUMED].n == 5
    everything = dict(returns_report(actor=stored["as_sw"], period=FY, all_dates=True).result.statuses)
    assert everything[Status.PRESUMED].n == 6


def test_the_year_runs_on_london_days(stored, system_actor):
    """An arrest at 23:30 on 31 March 2024 (BST began on 31 March) is in 2023-24; at 00:30 on
    1 April it is in 2024-25."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from ccehub.incidents.services import incident_record, triage_decide

    london = ZoneInfo("Europe/London")
    for n, at in enumerate(
        (datetime(2024, 3, 31, 23, 30, tzinfo=london), datetime(2024, 4, 1, 0, 30, tzinfo=london))
    ):
        child = _child(stored, system_actor, stored["islington"], 50 + n)
        incident = incident_record(
            actor=system_actor,
            child=child,
            occurred_at=at,
            incident_type="arrest_pwits",
            is_arrest=True,
            recording_agency=stored["met"],
            arresting_force=stored["met"],
            county_lines_linked="recorded_present",
            offences=["pwits_class_a"],
        )
        triage_decide(actor=system_actor, incident=incident, policy=None)
    this_year = dict(returns_report(actor=stored["as_sw"], period=FY).result.statuses)
    next_year = dict(returns_report(actor=stored["as_sw"], period=financial_year(2024)).result.statuses)
    assert this_year[Status.PRESUMED].n == 7
    assert next_year[Status.PRESUMED].n == 1


def test_scope_holdings_that_ended_count_agreements_do_not_and_analysts_choose_a_council(
    stored, system_actor
):
    from ccehub.agencies.services import agreement_create
    from ccehub.children.models import CaseHolding

    # Islington stops working with two of its children: they still count in the year it held them
    ended = list(
        CaseHolding.objects.filter(agency=stored["islington"]).order_by("child__pseudonymous_id")[:2]
    )
    CaseHolding.objects.filter(pk__in=[h.pk for h in ended]).update(
        ended_on=date(2024, 6, 1), end_reason="Moved"
    )
    assert returns_report(actor=stored["as_sw"], period=FY).result.identified.n == 11
    # Camden's child, seen by Islington under an agreement, is Camden's to return
    from ccehub.children.selectors import child_list

    agreement_create(
        actor=system_actor,
        title="Joint work on county lines",
        provider=stored["camden"],
        recipient=stored["islington"],
        purpose="Joint work on county lines",
        starts_on=date(2024, 1, 1),
        expires_on=date(2030, 1, 1),
        legal_basis="Children Act 2004 s10",
    )
    assert child_list(actor=stored["as_sw"]).filter(home_local_authority=stored["camden"]).exists()
    assert returns_report(actor=stored["as_sw"], period=FY).result.identified.n == 11
    # an analyst counts one council's children, or everyone's; nobody else chooses
    by_la = returns_report(actor=stored["as_analyst"], period=FY, local_authority=stored["camden"])
    assert by_la.result.identified.shown == SUPPRESSED and "Camden" in by_la.scope
    assert returns_report(actor=stored["as_analyst"], period=FY).result.identified.n == 12
    with pytest.raises(ValueError, match="Only an analyst chooses"):
        returns_report(actor=stored["as_sw"], period=FY, local_authority=stored["camden"])
    # the panel counts the children whose cases it has had
    # (six referred: five found victims, one negative and not counted)
    assert returns_report(actor=stored["as_chair"], period=FY).result.identified.n == 5


def test_a_fixed_number_of_queries(stored, system_actor):
    with CaptureQueriesContext(connection) as before:
        returns_report(actor=stored["as_sw"], period=FY)
    for n in range(3):
        _presumed(stored, system_actor, _child(stored, system_actor, stored["islington"], 40 + n))
    with CaptureQueriesContext(connection) as after:
        result = returns_report(actor=stored["as_sw"], period=FY).result
    assert result.identified.n == 14
    assert len(after.captured_queries) == len(before.captured_queries)


def test_roles_that_read_no_cases_are_refused(stored):
    with pytest.raises(PermissionDenied, match=MSG_NOT_ALLOWED):
        returns_report(actor=stored["as_ho_admin"], period=FY)


@pytest.mark.parametrize("year", [1999, 2999])
def test_a_year_before_2000_or_not_started_has_no_return(year):
    with pytest.raises(ValueError, match=f"There is no return for {year}"):
        period_for(year, date(2026, 11, 28))
    assert period_for(None, date(2026, 3, 31)) == financial_year(2025)
    assert period_for(2026, date(2026, 4, 1)) == financial_year(2026)


def _client(client, world, who):
    assert client.login(username=world["users"][who].username, password=PASSWORD)
    return client


def test_page_chart_and_csv(client, stored):
    c = _client(client, stored, "sw")
    page = c.get(reverse("reports:returns"), {"year": "2023"})
    text = page.content.decode()
    assert page.status_code == 200
    assert "Children exploited in county lines, 2023-24" in text
    assert 'data-testid="returns-total">11<' in text
    assert f'href="{reverse("reports:returns")}"' in text  # in the navigation
    assert '<option value="2023" selected>2023-24</option>' in text
    assert "Victim: positive conclusive grounds decision: 5" in text  # the chart's text alternative
    assert f"{reverse('reports:returns-csv')}?year=2023" in text
    svg = c.get(reverse("reports:returns-svg"), {"year": "2023"})
    assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content
    export = c.get(reverse("reports:returns-csv"), {"year": "2023"})
    assert export.status_code == 200 and export["Content-Disposition"].endswith('return-2023-24.csv"')
    rows = list(csv.reader(io.StringIO(export.content.decode())))
    assert rows[0] == ["period", "section", "measure", "value"]
    assert [
        "2023-24",
        "Children exploited in county lines",
        "Children identified in the period (total)",
        "11",
    ] in rows
    assert ["2023-24", "Local authority responses", "A strategy meeting held: yes", "5"] in rows
    assert AuditEvent.objects.filter(object_type="statutory_return", action="export").exists()
    for bad in (
        {"year": "1999"},
        {"year": "soon"},
        {"year": "3000"},
        {"la": "la-nowhere"},
        {"la": "la-camden"},
    ):
        missing = c.get(reverse("reports:returns"), bad)
        assert missing.status_code == 404 and "There is no such return" in missing.content.decode()
    analyst = _client(client, stored, "analyst")
    assert analyst.get(reverse("reports:returns")).status_code == 200
    camden = analyst.get(reverse("reports:returns"), {"la": "la-camden", "year": "2023"}).content.decode()
    assert "home local authority is Camden" in camden and 'name="la" value="la-camden"' in camden
    refused = _client(client, stored, "ho_admin").get(reverse("reports:returns"))
    assert refused.status_code == 403
    assert AuditEvent.objects.filter(object_type="statutory_return", action="denied").exists()
    assert _client(client, stored, "ho_admin").get(reverse("reports:returns-csv")).status_code == 403


def test_the_cli_prints_json_csv_and_a_table_and_refuses_bad_input(stored):
    from ccehub.cli import app

    runner = CliRunner()
    out = runner.invoke(app, ["report", "returns", "--year", "2023", "--format", "json", "--user", "p.sw"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["period"] == {"label": "2023-24", "start": "2023-04-01", "end": "2024-03-31"}
    assert (
        data["scope"] == "Children Islington holds or has held records about" and data["all_dates"] is False
    )
    assert data["children_exploited_in_county_lines"]["total"] == "11"
    assert data["children_exploited_in_county_lines"]["by_status"]["conclusive_grounds_positive"] == "5"
    assert {"response": "strategy_meeting", "with": "5", "without": "6"} in data["local_authority_responses"]
    assert data["nrm_county_lines_referrals"]["by_age_band"]["under_18"] == "6"
    assert {"route": "local_panel", "decisions": "5", "median_days": "12"} in data["rg_to_cg_days"]
    table = runner.invoke(app, ["report", "returns", "--year", "2023", "--user", "p.sw"])
    assert (
        table.exit_code == 0
        and "Return for 2023-24" in table.stdout
        and "Recorded dates only" in table.stdout
    )
    as_csv = runner.invoke(app, ["report", "returns", "--year", "2023", "--format", "csv", "--user", "p.sw"])
    assert as_csv.exit_code == 0 and as_csv.stdout.startswith("period,section,measure,value\n")
    for args, message in (
        (["--format", "xml"], "--format"),
        (["--year", "1999"], "There is no return for 1999"),
        (["--year", "soon"], "--year"),
        (["--local-authority", "la-nowhere"], "--local-authority"),
        (["--local-authority", "la-camden", "--user", "p.sw"], "Only an analyst chooses"),
    ):
        bad = runner.invoke(app, ["report", "returns", *args])
        assert bad.exit_code == 2 and message in bad.output and "Traceback" not in bad.output
    refused = runner.invoke(app, ["report", "returns", "--user", "p.hoadmin"])
    assert refused.exit_code == 1 and MSG_NOT_ALLOWED in refused.output
