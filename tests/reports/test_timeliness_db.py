"""The timeliness report over stored referrals: scope by actor, the page, the chart, the CSV and the CLI."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from typer.testing import CliRunner

from ccehub.audit.models import AuditEvent
from ccehub.reports.timeliness import (
    EXCLUDED_ROUTE,
    LOCAL_PANEL,
    MSG_NOT_ALLOWED,
    NATIONAL,
    SUPPRESSED,
    timeliness_report,
)

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-test-password"


def _child(world, system_actor, la):
    from ccehub.children.services import child_create

    return child_create(
        actor=system_actor,
        given_name="Synthetic",
        family_name="Timeliness",
        date_of_birth=date(2009, 1, 1),
        home_local_authority=la,
        home_police_force=world["met"],
    )


def _referral(child, *, route, referred_on, rg_days=None, cg_days=None, panel=None, basis="recorded"):
    from ccehub.nrm.models import NRMDecision, NRMReferral

    referral = NRMReferral.objects.create(
        child=child, route=route, referred_on=referred_on, referred_on_basis=basis, panel=panel
    )
    if rg_days is not None:
        rg_on = referred_on + timedelta(days=rg_days)
        NRMDecision.objects.create(referral=referral, stage="rg", outcome="positive", decided_on=rg_on)
        if cg_days is not None:
            NRMDecision.objects.create(
                referral=referral, stage="cg", outcome="positive", decided_on=rg_on + timedelta(days=cg_days)
            )
    return referral


@pytest.fixture
def stored(world, system_actor):
    """Five Islington panel referrals (Q1 2024), five Camden national ones (Q1), one Hackney national
    one (Q2), and one Islington report row with no route and a synthetic date."""
    for i in range(5):
        child = _child(world, system_actor, world["islington"])
        _referral(
            child,
            route=LOCAL_PANEL,
            referred_on=date(2024, 1, 10),
            rg_days=30 + i,
            cg_days=0,
            panel=world["panel"],
        )
        camden = _child(world, system_actor, world["camden"])
        _referral(camden, route=NATIONAL, referred_on=date(2024, 2, 1), rg_days=10 + i, cg_days=60 + i)
    _referral(
        _child(world, system_actor, world["hackney"]), route=NATIONAL, referred_on=date(2024, 5, 1), rg_days=3
    )
    _referral(
        _child(world, system_actor, world["islington"]),
        route="unknown",
        referred_on=date(2016, 6, 1),
        basis="synthetic",
    )
    return world


@pytest.mark.parametrize(
    ("who", "referrals", "panel_q1", "national_q1", "national_q2"),
    [
        ("chair", 5, 5, 0, 0),  # the panel: its own referrals
        ("member", 5, 5, 0, 0),
        ("sw", 6, 5, 0, 0),  # Islington: the children it holds records about (one has no route)
        ("camden_sw", 5, 0, 5, 0),
        ("analyst", 12, 5, 5, 1),  # analysts: every referral, as suppressed aggregates
        ("ho", 12, 5, 5, 1),
    ],
)
def test_scope_follows_the_actor(stored, who, referrals, panel_q1, national_q1, national_q2):
    report = timeliness_report(actor=stored[f"as_{who}"])
    assert report.referrals == referrals
    assert report.cell("2024 Q1", LOCAL_PANEL).referrals == panel_q1
    assert report.cell("2024 Q1", NATIONAL).referrals == national_q1
    if national_q2:
        assert report.cell("2024 Q2", NATIONAL).referrals_shown == SUPPRESSED


def test_numbers_from_stored_decisions_and_the_audit_row(stored):
    report = timeliness_report(actor=stored["as_analyst"])
    panel, national = report.cell("2024 Q1", LOCAL_PANEL), report.cell("2024 Q1", NATIONAL)
    assert (panel.referral_to_rg.median, panel.referral_to_rg.p90) == (32, 34)
    assert (panel.rg_to_cg.median, panel.rg_to_cg.p90) == (0, 0)
    assert (national.referral_to_rg.median, national.referral_to_rg.p90) == (12, 14)
    assert (national.rg_to_cg.median, national.rg_to_cg.p90) == (62, 64)
    assert report.excluded == ((EXCLUDED_ROUTE, 1),)
    event = AuditEvent.objects.filter(object_type="timeliness_report").latest("at")
    assert event.username == "p.analyst" and event.action == "view" and event.child_pid == ""
    assert "All referrals" in event.detail and "12 referrals" in event.detail


def test_roles_that_read_no_cases_are_refused(stored):
    with pytest.raises(PermissionDenied, match=MSG_NOT_ALLOWED):
        timeliness_report(actor=stored["as_ho_admin"])


def _client(client, world, who):
    assert client.login(username=world["users"][who].username, password=PASSWORD)
    return client


def test_page_chart_and_csv(client, stored):
    c = _client(client, stored, "analyst")
    page = c.get(reverse("reports:timeliness"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "NRM decision timeliness" in html and "Referral to reasonable grounds: days" in html
    assert SUPPRESSED in html and reverse("reports:timeliness-svg") in html
    assert "median 32 days on the local panel route, 12 on the national route" in html
    assert "Route not known: 1" not in html and "Route not known: fewer than 5" in html
    svg = c.get(reverse("reports:timeliness-svg"))
    assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml"
    export = c.get(reverse("reports:timeliness-csv"))
    assert export.status_code == 200 and export["Content-Disposition"].endswith('nrm-timeliness.csv"')
    rows = list(csv.DictReader(io.StringIO(export.content.decode())))
    assert [(r["quarter"], r["route"], r["referrals"]) for r in rows][:2] == [
        ("2024 Q1", "local_panel", "5"),
        ("2024 Q1", "national", "5"),
    ]
    assert AuditEvent.objects.filter(object_type="timeliness_report", action="export").exists()
    assert 'href="/reports/timeliness/"' in c.get("/").content.decode()  # the navigation item


def test_page_refused_to_an_administrator_and_audited(client, stored):
    c = _client(client, stored, "ho_admin")
    for name in ("reports:timeliness", "reports:timeliness-svg", "reports:timeliness-csv"):
        response = c.get(reverse(name))
        assert response.status_code == 403 and MSG_NOT_ALLOWED in response.content.decode()
    assert AuditEvent.objects.filter(object_type="timeliness_report", action="denied").count() == 3


def _run(*args):
    from ccehub.cli import app

    return CliRunner().invoke(app, ["report", "timeliness", *args])


def test_cli_csv_json_and_table(stored):
    result = _run("--format", "csv", "--user", "p.analyst")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].startswith("quarter,route,referrals,referral_to_rg_decisions")
    assert "2024 Q2,national,fewer than 5,fewer than 5" in result.output
    data = json.loads(_run("--format", "json", "--user", "p.chair").output)
    assert data["scope"] == "Referrals to Islington and Camden CCE Panel"
    assert data["rows"][0]["referral_to_rg"] == {"decisions": 5, "median_days": 32.0, "p90_days": 34}
    table = _run("--user", "p.analyst")
    assert (
        table.exit_code == 0 and "Local panel" in table.output and "Left out: Route not known" in table.output
    )
    assert AuditEvent.objects.filter(
        object_type="timeliness_report", action="export", channel="cli", username="p.analyst"
    ).exists()


def test_cli_refusals(stored):
    bad = _run("--format", "xml")
    assert bad.exit_code == 2 and "--format" in bad.output
    admin = _run("--user", "p.hoadmin")
    assert admin.exit_code == 1 and MSG_NOT_ALLOWED in admin.output


def test_stored_n02_overrides_are_counted_on_the_page_and_the_cli(client, stored, system_actor):
    """Five national CGs recorded inside the recovery period with the N-02 override's reason: the
    page, the JSON and the CLI table say so; a blank reason is not an override."""
    from ccehub.nrm.models import NRMDecision

    national_cgs = NRMDecision.objects.filter(referral__route=NATIONAL, stage="cg")
    assert national_cgs.count() == 5
    national_cgs.update(recovery_override_reason="   ")
    assert timeliness_report(actor=system_actor).cg_overrides == 0
    national_cgs.update(recovery_override_reason="Child's solicitor asked for an early decision")
    assert timeliness_report(actor=system_actor).cg_overrides == 5
    html = _client(client, stored, "analyst").get(reverse("reports:timeliness")).content.decode()
    assert "Conclusive grounds decided inside the recovery period (N-02 override)" in html
    data = json.loads(_run("--format", "json", "--user", "p.analyst").output)
    assert data["conclusive_grounds_within_recovery_period_by_override"] == 5
    assert "inside the recovery period (N-02 override): 5." in _run("--user", "p.analyst").output
