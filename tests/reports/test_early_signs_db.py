"""R-34 over stored records: first missing episodes and first arrests, scoped to the actor; the page,
the chart, the CSV and the CLI; and the report's own figure (John, six days) from the demo."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from typer.testing import CliRunner

from ccehub.audit.models import AuditEvent
from ccehub.children.models import MissingEpisode
from ccehub.justice.models import Arrest
from ccehub.reports.early_signs import MSG_NOT_ALLOWED, early_signs_report
from ccehub.rules.disclosure import SUPPRESSED, WITHHELD
from ccehub.rules.early_signs import Order

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-test-password"


def _at(day: date) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, 20, 0))


def _child(world, system_actor, la, *, missing=None, arrested=None, basis="recorded", cohort=""):
    from ccehub.children.services import child_create, fact_record

    child = child_create(
        actor=system_actor,
        given_name="Synthetic",
        family_name="Early-Signs",
        date_of_birth=date(2009, 1, 1),
        home_local_authority=la,
        home_police_force=world["met"],
        cohort=cohort,
    )
    if missing is not None:
        fact_record(
            actor=system_actor,
            child=child,
            model=MissingEpisode,
            started_at=_at(missing),
            started_at_basis=basis,
        )
        # a later episode is not the first
        fact_record(
            actor=system_actor,
            child=child,
            model=MissingEpisode,
            started_at=_at(missing + timedelta(days=40)),
        )
    if arrested is not None:
        fact_record(actor=system_actor, child=child, model=Arrest, arrested_at=_at(arrested))
        fact_record(actor=system_actor, child=child, model=Arrest, arrested_at=None)  # undated: not first
    return child


@pytest.fixture
def stored(world, system_actor):
    """Islington: six children missing first (1, 2, 3, 4, 6 and 40 days), one arrested first, one
    with a synthetic first date. Camden: one child missing first (not Islington's)."""
    day = date(2024, 1, 10)
    for gap in (1, 2, 3, 4, 6, 40):
        _child(world, system_actor, world["islington"], missing=day, arrested=day + timedelta(days=gap))
    _child(world, system_actor, world["islington"], missing=day + timedelta(days=9), arrested=day)
    _child(world, system_actor, world["islington"], missing=day, arrested=day, basis="synthetic")
    _child(world, system_actor, world["camden"], missing=day, arrested=day + timedelta(days=500))
    return world


def test_counts_for_the_children_the_actor_sees(stored):
    report = early_signs_report(actor=stored["as_sw"])
    result = report.result
    assert result.children.n == 8  # Islington's only
    orders = {order: count for order, count in result.orders}
    assert orders[Order.MISSING_FIRST].n == 6 and orders[Order.ARRESTED_FIRST].n == 1
    assert orders[Order.DATES_NOT_RECORDED].n == 1
    assert orders[Order.ARRESTED_FIRST].shown == SUPPRESSED
    # the two hidden counts (1 and 1) would add up to 2 (the 8 children less the 6 shown): the 6 is
    # withheld too (complementary suppression of a pair that sums to under 5)
    assert orders[Order.MISSING_FIRST].shown == WITHHELD
    assert result.children.shown == "8"
    bands = dict(result.bands)
    # one band of fewer than 5 takes the five with it (6 - 5 would give it back); and "fewer than 5"
    # beside a withheld count (5 or more) adding up to 6 would still pin them to 1 and 5, so both
    # say only "not shown"
    assert bands["Within a week (0 to 7 days)"].shown == WITHHELD and bands["31 to 90 days"].shown == WITHHELD
    assert result.median_days == 3.5 and result.median_shown == "4"
    assert report.per_child is False and "per_child" not in report.to_json()
    event = AuditEvent.objects.filter(object_type="early_signs_report").latest("at")
    assert event.username == "p.sw" and event.child_pid == "" and "8 children" in event.detail
    camden = early_signs_report(actor=stored["as_camden_sw"]).result
    assert camden.children.n == 1 and dict(camden.bands)["More than a year"].shown == SUPPRESSED


def test_all_dates_measures_the_synthetic_one(stored):
    result = early_signs_report(actor=stored["as_sw"], all_dates=True).result
    assert dict(result.orders)[Order.MISSING_FIRST].n == 7
    assert dict(result.orders)[Order.DATES_NOT_RECORDED].n == 0


def test_a_cohort_is_listed_child_by_child_and_each_read_audited(world, system_actor):
    day = date(2024, 1, 10)
    child = _child(
        world,
        system_actor,
        world["islington"],
        missing=day,
        arrested=day + timedelta(days=6),
        cohort="crest-2022",
    )
    report = early_signs_report(actor=world["as_sw"], cohort="crest-2022")
    (row,) = report.result.per_child
    assert row.days == 6 and report.result.children.shown == "1"  # listed: nothing to suppress
    assert report.to_json()["per_child"][0]["first_missing_to_first_arrest_days"] == 6
    assert AuditEvent.objects.filter(
        object_type="early_signs_report", child_pid=child.pseudonymous_id
    ).exists()


def test_roles_that_read_no_cases_are_refused(stored):
    with pytest.raises(PermissionDenied, match=MSG_NOT_ALLOWED):
        early_signs_report(actor=stored["as_ho_admin"])


def _client(client, world, who):
    assert client.login(username=world["users"][who].username, password=PASSWORD)
    return client


def test_page_chart_and_csv(client, stored):
    c = _client(client, stored, "sw")
    page = c.get(reverse("reports:early-signs"))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Missing before the first arrest" in text and SUPPRESSED in text
    assert reverse("reports:early-signs-svg") in text and f"31 to 90 days: {WITHHELD}" in text
    assert 'data-testid="early-signs-median">4<' in text
    assert "List the report’s boys" not in text  # no demo boys here
    assert c.get(reverse("reports:early-signs") + "?cohort=synthetic-42").status_code == 404
    svg = c.get(reverse("reports:early-signs-svg"))
    assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content
    export = c.get(reverse("reports:early-signs-csv") + "?dates=all")
    assert export.status_code == 200 and export["Content-Disposition"].endswith('missing-before-arrest.csv"')
    rows = list(csv.reader(io.StringIO(export.content.decode())))
    # seven went missing first with the synthetic one, one was arrested first: the seven is withheld,
    # or 8 - 7 gives the one back
    assert ["Missing first, then arrested", WITHHELD] in rows and ["Children in scope", "8"] in rows
    assert AuditEvent.objects.filter(object_type="early_signs_report", action="export").exists()
    refused = _client(client, stored, "ho_admin").get(reverse("reports:early-signs"))
    assert refused.status_code == 403
    assert AuditEvent.objects.filter(object_type="early_signs_report", action="denied").exists()


def test_the_cli_prints_json_and_refuses_a_bad_format(stored, settings):
    from ccehub.cli import app

    runner = CliRunner()
    out = runner.invoke(app, ["report", "missing-before-arrest", "--format", "json", "--user", "p.sw"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["orders"]["missing_first"] == WITHHELD and data["median_days_missing_to_arrest"] == "4"
    assert data["orders"]["arrested_first"] == SUPPRESSED
    assert data["missing_first_gap_bands"][0] == {"band": "Within a week (0 to 7 days)", "children": WITHHELD}
    assert data["all_dates"] is False
    bad = runner.invoke(app, ["report", "missing-before-arrest", "--format", "xml"])
    assert bad.exit_code == 2 and "--format" in bad.output
    other = runner.invoke(app, ["report", "missing-before-arrest", "--cohort", "nobody", "--user", "p.sw"])
    assert other.exit_code == 2 and "--cohort" in other.output
    none = runner.invoke(app, ["report", "missing-before-arrest", "--cohort", "crest-2022", "--user", "p.sw"])
    assert none.exit_code == 1 and "no children in cohort" in none.output
