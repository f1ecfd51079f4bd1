"""R-46 over stored records: current placements of the children the actor may see, counted by setting,
distance, area and risk, with the R-43 and R-41 counts; the page, the chart, the CSV and the CLI."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from typer.testing import CliRunner

from ccehub.audit.models import AuditEvent
from ccehub.children.models import Placement
from ccehub.reports.sufficiency import MSG_NOT_ALLOWED, sufficiency_report
from ccehub.rules.disclosure import SUPPRESSED, WITHHELD
from ccehub.rules.sufficiency import Breach, Coverage, Distance, Risk

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-test-password"
STARTED = date(2024, 1, 10)


def _child(world, system_actor, la, *, risk="low", placements=()):
    from ccehub.children.services import child_create, fact_record

    child = child_create(
        actor=system_actor,
        given_name="Synthetic",
        family_name="Placed",
        date_of_birth=date(2008, 1, 1),
        home_local_authority=la,
        home_police_force=world["met"],
        risk_level=risk,
    )
    for values in placements:
        fact_record(actor=system_actor, child=child, model=Placement, **values)
    return child


def _placed(setting, miles, home, started_on=STARTED, **extra):
    distance = None if miles is None else Decimal(str(miles))
    return {
        "setting_type": setting,
        "distance_from_home_miles": distance,
        "in_home_area": home,
        "started_on": started_on,
        **extra,
    }


def _add(world, system_actor, la, n, **kwargs):
    return [_child(world, system_actor, la, **kwargs) for _ in range(n)]


@pytest.fixture
def stored(world, system_actor):
    """Islington (14 children): five at high risk in holiday lets 30 miles away (each after a foster
    placement that ended, one with an older foster placement still open), six at low risk fostered 3
    miles away at home, two with open placements with no start date, five with no placement.
    Camden: one child in an unregistered setting (not Islington's)."""
    islington = world["islington"]
    ended = _placed("foster", 2, True, started_on=date(2023, 3, 1), ended_on=date(2024, 1, 9))
    let = _placed("holiday_let", 30, False)
    _add(world, system_actor, islington, 4, risk="high", placements=[ended, let])
    _add(
        world,
        system_actor,
        islington,
        1,
        risk="high",
        # two open placements: the latest started counts
        placements=[_placed("foster", 2, True, started_on=date(2023, 6, 1)), let],
    )
    _add(world, system_actor, islington, 6, placements=[_placed("foster", 3, True)])
    _add(world, system_actor, islington, 2, placements=[_placed("unregistered", 50, False, started_on=None)])
    _add(world, system_actor, islington, 5)
    _add(
        world, system_actor, world["camden"], 1, risk="high", placements=[_placed("unregistered", 40, False)]
    )
    return world


def test_counts_current_placements_for_the_children_the_actor_sees(stored):
    result = sufficiency_report(actor=stored["as_sw"]).result
    assert result.children.shown == "18"  # Islington's only
    coverage = dict(result.coverage)
    assert coverage[Coverage.PLACED_NOW].shown == "11"
    assert coverage[Coverage.START_NOT_RECORDED].shown == SUPPRESSED
    assert coverage[Coverage.NO_OPEN_PLACEMENT].shown == WITHHELD  # else 18 - 11 - 5 gives the two
    settings = {s.code: s.count.shown for s in result.settings}
    assert settings["holiday_let"] == "5" and settings["foster"] == "6"  # the latest open one counts
    assert settings["unregistered"] == "0"  # undated placements are not current
    assert dict(result.distances)[Distance.AT_DISTANCE].shown == "5"
    assert dict(result.risks)[Risk.HIGH].shown == "5"
    against = dict(result.against_rules)
    assert against[Breach.BANNED_SETTING].shown == "5"
    assert against[Breach.AT_DISTANCE_WITHOUT_WISH].shown == "5"
    event = AuditEvent.objects.filter(object_type="placement_sufficiency_report").latest("at")
    assert event.username == "p.sw" and event.child_pid == "" and "11 placed now" in event.detail
    camden = sufficiency_report(actor=stored["as_camden_sw"]).result
    assert camden.placed.shown == SUPPRESSED
    assert dict(camden.against_rules)[Breach.BANNED_SETTING].shown == SUPPRESSED


def test_the_risk_now_counts_not_the_risk_when_placed(stored, system_actor):
    from ccehub.children.models import Child

    Child.objects.filter(risk_level="low", home_local_authority=stored["islington"]).update(
        risk_level="not_assessed"
    )
    result = sufficiency_report(actor=stored["as_sw"]).result
    assert dict(result.risks)[Risk.NOT_ASSESSED].shown == "6"
    assert result.high_or_not_assessed.shown == "11"


def test_a_fixed_number_of_queries(stored, system_actor):
    with CaptureQueriesContext(connection) as before:
        sufficiency_report(actor=stored["as_sw"])
    _add(stored, system_actor, stored["islington"], 4, placements=[_placed("supported", 12, True)])
    with CaptureQueriesContext(connection) as after:
        result = sufficiency_report(actor=stored["as_sw"]).result
    assert result.placed.n == 15
    assert len(after.captured_queries) == len(before.captured_queries)


def test_roles_that_read_no_cases_are_refused(stored):
    with pytest.raises(PermissionDenied, match=MSG_NOT_ALLOWED):
        sufficiency_report(actor=stored["as_ho_admin"])


def _client(client, world, who):
    assert client.login(username=world["users"][who].username, password=PASSWORD)
    return client


def test_page_chart_and_csv(client, stored):
    c = _client(client, stored, "sw")
    page = c.get(reverse("reports:placements"))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Placement sufficiency" in text and SUPPRESSED in text
    assert f'href="{reverse("reports:placements")}"' in text  # in the navigation
    assert (
        reverse("reports:placements-svg") in text
        and "Short-term holiday let (banned at high risk): 5" in text
    )
    assert 'data-testid="placed-now">11<' in text
    assert f'href="{reverse("reports:placements-csv")}">Download CSV' in text
    svg = c.get(reverse("reports:placements-svg"))
    assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content
    export = c.get(reverse("reports:placements-csv"))
    assert export.status_code == 200 and export["Content-Disposition"].endswith('placement-sufficiency.csv"')
    rows = list(csv.reader(io.StringIO(export.content.decode())))
    assert rows[0] == ["section", "measure", "children"]
    assert ["Kind of setting", "Short-term holiday let (banned at high risk, R-43)", "5"] in rows
    assert ["Children", "Children in scope", "18"] in rows
    assert AuditEvent.objects.filter(object_type="placement_sufficiency_report", action="export").exists()
    assert _client(client, stored, "analyst").get(reverse("reports:placements")).status_code == 200
    refused = _client(client, stored, "ho_admin").get(reverse("reports:placements"))
    assert refused.status_code == 403 and MSG_NOT_ALLOWED in refused.content.decode().replace("&#x27;", "'")
    assert AuditEvent.objects.filter(object_type="placement_sufficiency_report", action="denied").exists()
    assert _client(client, stored, "ho_admin").get(reverse("reports:placements-csv")).status_code == 403


def test_the_cli_prints_json_csv_and_a_table_and_refuses_bad_input(stored):
    from ccehub.cli import app

    runner = CliRunner()
    out = runner.invoke(app, ["report", "placements", "--format", "json", "--user", "p.sw"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["coverage"]["placed_now"] == "11" and data["scope"] == "The children you can see"
    assert data["high_risk_or_not_assessed_against_the_rules"] == {
        "banned_setting": "5",
        "at_distance_without_wish": "5",
    }
    assert data["distance_from_home"]["20_miles_or_more"] == "5"
    table = runner.invoke(app, ["report", "placements", "--user", "p.sw"])
    assert table.exit_code == 0 and "Short-term holiday let" in table.stdout
    as_csv = runner.invoke(app, ["report", "placements", "--format", "csv", "--user", "p.sw"])
    assert as_csv.exit_code == 0 and as_csv.stdout.startswith("section,measure,children\n")
    bad = runner.invoke(app, ["report", "placements", "--format", "xml"])
    assert bad.exit_code == 2 and "--format" in bad.output and "Traceback" not in bad.output
    blank = runner.invoke(app, ["report", "placements", "--purpose", " ", "--user", "p.sw"])
    assert blank.exit_code == 2 and "--purpose" in blank.output
    refused = runner.invoke(app, ["report", "placements", "--user", "p.hoadmin"])
    assert refused.exit_code == 1 and MSG_NOT_ALLOWED in refused.output
