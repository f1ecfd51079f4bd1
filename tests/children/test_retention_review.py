"""``ccehub retention review``: the children whose record here is due for a retention review (known
gap 10), from the pure rule and the facts on the record: date of birth, last activity (the holdings
review's own measure, for the whole record), open matters and current holders. Operator only,
audited as an export, no names or dates of birth.

Children recorded through the services are active today, so most tests review as of a day years
ahead rather than freezing the clock; records loaded in bulk (no audit rows) are backdated."""

from __future__ import annotations

import csv
import io
import os
import stat
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from typer.testing import CliRunner

from ccehub.audit.models import AuditEvent
from ccehub.children.models import CaseHolding, Child, Identity
from ccehub.children.selectors import (
    MSG_RETENTION_ROLE,
    RETENTION_REVIEW_COLUMNS,
    child_retention,
    retention_review_list,
)
from ccehub.rules.retention import MSG_DOB_UNKNOWN, OpenMatter, RetentionPolicy, years_after

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
FAR = date(2100, 1, 1)


def run(*args):
    from ccehub.cli import app

    return CliRunner().invoke(app, list(args))


def rows_of(text):
    return list(csv.DictReader(io.StringIO(text)))


def listed(system_actor, on, **extra):
    return {row.pseudonymous_id: row for row in retention_review_list(actor=system_actor, as_of=on, **extra)}


def today():
    return timezone.localdate()


def stored_child(agency, *, dob, loaded_on, pid=None):
    """A child loaded in bulk (as the generator and the demo history do): no audit rows, so the only
    activity is the day the record was made."""
    child = Child.objects.create(home_local_authority=agency, **({"pseudonymous_id": pid} if pid else {}))
    Identity.objects.create(child=child, given_name="Bulk", date_of_birth=dob)
    CaseHolding.objects.create(child=child, agency=agency, basis=CaseHolding.Basis.HOME_LOCAL_AUTHORITY)
    Child.objects.filter(pk=child.pk).update(
        created_at=datetime.combine(loaded_on, datetime.min.time(), LONDON)
    )
    return child


# --- which children, and why ------------------------------------------------------------------------


def test_a_child_past_both_dates_is_listed_without_identity(islington_child, system_actor):
    """Jamie (born 2008-05-01, recorded today) is due on the later of the 25th birthday and six
    years after today; the row says so without a name or a date of birth."""
    pid = islington_child.pseudonymous_id
    row = listed(system_actor, FAR)[pid]
    due_on = max(date(2033, 5, 1), years_after(today(), 6))
    assert row.review.due and row.review.due_on == due_on
    assert row.last_activity == today()
    assert row.holders == ("la-islington", "met")
    assert row.cells() == [
        pid,
        "due",
        due_on.strftime("%Y-%m"),
        "25th birthday passed; no activity for 6 years",
        today().isoformat(),
        "la-islington;met",
    ]
    assert not any(secret in ",".join(row.cells()) for secret in ("Jamie", "Testcase", "2008-05-01"))


def test_a_child_is_not_listed_the_day_before_it_is_due(islington_child, system_actor):
    due_on = max(date(2033, 5, 1), years_after(today(), 6))
    assert islington_child.pseudonymous_id not in listed(system_actor, due_on - timedelta(days=1))
    assert islington_child.pseudonymous_id in listed(system_actor, due_on)


def test_an_unknown_date_of_birth_is_due_on_activity_alone(agencies, system_actor):
    from ccehub.children.services import child_create

    child = child_create(actor=system_actor, given_name="Unknown", home_local_authority=agencies["camden"])
    due_on = years_after(today(), 6)
    assert child.pseudonymous_id not in listed(system_actor, due_on - timedelta(days=1))
    row = listed(system_actor, due_on)[child.pseudonymous_id]
    assert row.review.reasons == (MSG_DOB_UNKNOWN, "no activity for 6 years")


def test_the_policy_comes_from_the_settings(islington_child, system_actor, settings):
    settings.CCEHUB_RETENTION_YEARS_AFTER_18 = 100
    assert islington_child.pseudonymous_id not in listed(system_actor, FAR)
    settings.CCEHUB_RETENTION_YEARS_AFTER_18 = 1
    settings.CCEHUB_RETENTION_YEARS_AFTER_ACTIVITY = 1
    row = listed(system_actor, years_after(today(), 1))[islington_child.pseudonymous_id]
    assert row.review.reasons == ("19th birthday passed", "no activity for 1 year")


def test_a_bulk_loaded_record_is_active_on_the_day_it_was_made(agencies, system_actor):
    child = stored_child(agencies["islington"], dob=date(1990, 1, 1), loaded_on=date(2012, 3, 4))
    row = listed(system_actor, today())[child.pseudonymous_id]
    assert row.last_activity == date(2012, 3, 4) and row.review.due_on == date(2018, 3, 4)


# --- last activity: the holdings review's measure, for the whole record -----------------------------


def _write(pid, *, on, **extra):
    values = {"action": "update", "channel": "web", "object_type": "vulnerability_flag", "agency_code": "met"}
    values.update(extra)
    return AuditEvent.objects.create(
        child_pid=pid, at=datetime.combine(on, datetime.min.time(), LONDON), **values
    )


def test_last_activity_is_the_latest_write(agencies, system_actor):
    """Any agency's create or update on the web, API or CLI counts; reads, exports, refusals, work in
    the admin and ending a holding (bookkeeping of who holds the record) do not."""
    child = stored_child(agencies["islington"], dob=date(1990, 1, 1), loaded_on=date(2012, 3, 4))
    pid = child.pseudonymous_id
    _write(pid, on=date(2015, 5, 5))
    _write(pid, on=date(2016, 1, 1), channel="api", action="create", agency_code="la-camden")
    _write(pid, on=date(2019, 1, 1), action="view")
    _write(pid, on=date(2019, 1, 2), action="export")
    _write(pid, on=date(2019, 1, 3), action="denied")
    _write(pid, on=date(2019, 1, 4), channel="admin")
    _write(pid, on=date(2019, 1, 5), object_type="case_holding")
    _write("CH-00000-00000", on=date(2020, 1, 1))
    row = listed(system_actor, FAR)[pid]
    assert row.last_activity == date(2016, 1, 1) and row.review.due_on == date(2022, 1, 1)


def test_an_incident_after_the_last_write_is_the_last_activity(agencies, system_actor):
    from ccehub.incidents.models import IdentifyingIncident

    child = stored_child(agencies["islington"], dob=date(1990, 1, 1), loaded_on=date(2012, 3, 4))
    _write(child.pseudonymous_id, on=date(2013, 1, 1))
    IdentifyingIncident.objects.create(
        child=child,
        occurred_at=datetime(2014, 6, 1, 23, 30, tzinfo=LONDON),
        incident_type="arrest_pwits",
        is_arrest=True,
        recording_agency=agencies["met"],
    )
    row = listed(system_actor, FAR)[child.pseudonymous_id]
    assert row.last_activity == date(2014, 6, 1) and row.review.due_on == date(2020, 6, 1)


def test_the_holdings_review_still_measures_only_the_agencys_own_activity(agencies, system_actor):
    """The shared measure, scoped to one agency: another agency's write is not the Met's activity."""
    from ccehub.children.selectors import holdings_review

    child = stored_child(agencies["islington"], dob=date(1990, 1, 1), loaded_on=date(2012, 3, 4))
    CaseHolding.objects.create(child=child, agency=agencies["met"], basis=CaseHolding.Basis.HOME_POLICE_FORCE)
    _write(child.pseudonymous_id, on=date(2015, 5, 5))
    _write(child.pseudonymous_id, on=date(2017, 7, 7), agency_code="la-islington")
    _write(child.pseudonymous_id, on=date(2018, 8, 8), object_type="case_holding")
    rows = holdings_review(actor=system_actor, agency=agencies["met"])
    assert [r.last_activity for r in rows if r.pseudonymous_id == child.pseudonymous_id] == [date(2015, 5, 5)]
    assert listed(system_actor, FAR)[child.pseudonymous_id].last_activity == date(2017, 7, 7)


# --- open matters -------------------------------------------------------------------------------


def test_an_open_referral_and_panel_case_hold_the_record(world, child, referral, system_actor):
    """Listed only with include_held, as held open, the open matters first in the reasons."""
    pid = child.pseudonymous_id
    assert pid not in listed(system_actor, FAR)
    row = listed(system_actor, FAR, include_held=True)[pid]
    assert row.status == "held open" and not row.review.due
    assert row.review.open_matters == (OpenMatter.NRM_REFERRAL, OpenMatter.PANEL_CASE)
    assert row.cells()[1:4] == [
        "held open",
        row.review.due_on.strftime("%Y-%m"),
        "open NRM referral; open panel case; 25th birthday passed; no activity for 6 years",
    ]


def test_a_held_record_is_listed_only_once_its_dates_have_passed(world, child, referral, system_actor):
    assert child.pseudonymous_id not in listed(system_actor, today(), include_held=True)


@pytest.mark.parametrize(
    ("decisions", "open_"),
    [
        ([], True),
        ([("rg", "positive")], True),
        ([("rg", "negative")], False),
        ([("rg", "positive"), ("cg", "positive")], False),
        ([("rg", "positive"), ("cg", "negative")], False),
        ([("unstated", "positive")], False),
    ],
)
def test_a_referral_is_open_until_it_is_concluded(world, child, referral, decisions, open_):
    """The NRM's own meaning of concluded (ccehub.nrm.selectors.referral_concluded): a negative RG,
    any CG, or a report row whose stage was not stated."""
    from ccehub.nrm.models import NRMDecision
    from ccehub.nrm.selectors import referral_concluded
    from ccehub.panels.models import PanelCase

    PanelCase.objects.filter(child=child).update(closed_on=date(2024, 7, 1))
    for stage, outcome in decisions:
        NRMDecision.objects.create(
            referral=referral, stage=stage, outcome=outcome, decided_on=date(2024, 5, 1)
        )
    review = child_retention(child=child, on=FAR)
    assert (OpenMatter.NRM_REFERRAL in review.open_matters) == open_
    assert referral_concluded(referral) == (not open_)
    assert review.due == (not open_)


@pytest.mark.parametrize(
    ("matter", "model", "values", "closed"),
    [
        (OpenMatter.CRIMINAL_CHARGE, "justice.Charge", {"offence": "pwits"}, {"status": "convicted"}),
        (
            OpenMatter.CRIMINAL_CHARGE,
            "justice.Charge",
            {"offence": "pwits", "status": "court_proceedings"},
            {"status": "acquitted_s45"},
        ),
        (OpenMatter.INVESTIGATION, "justice.Arrest", {"outcome": "rui"}, {"outcome": "nfa"}),
        (OpenMatter.INVESTIGATION, "justice.Arrest", {"outcome": "bailed"}, {"outcome": "charged"}),
        (
            OpenMatter.CHILD_PLAN,
            "safeguarding.ChildPlan",
            {"plan_type": "child_protection", "started_on": date(2024, 1, 1)},
            {"ended_on": date(2024, 6, 1)},
        ),
        (
            OpenMatter.CARE_ORDER,
            "safeguarding.CareOrder",
            {"started_on": date(2024, 1, 1)},
            {"ended_on": date(2024, 6, 1)},
        ),
    ],
    ids=["charge", "in court", "rui", "bail", "child plan", "care order"],
)
def test_live_criminal_and_care_matters_hold_the_record(
    islington_child, system_actor, matter, model, values, closed
):
    from django.apps import apps

    from ccehub.children.services import fact_record

    kind = apps.get_model(model)
    row = fact_record(actor=system_actor, child=islington_child, model=kind, **values)
    assert child_retention(child=islington_child, on=FAR).open_matters == (matter,)
    kind.objects.filter(pk=row.pk).update(**closed)
    review = child_retention(child=islington_child, on=FAR)
    assert review.open_matters == () and review.due


def test_a_current_safeguarding_order_and_an_open_joint_plan_hold_the_record(world, child, referral):
    from ccehub.panels.models import JointPlan, PanelCase, SafeguardingOrder
    from ccehub.safeguarding.models import ChildPlan
    from tests.panels.test_plans_orders import _order, _plan

    order = _order(world, child, referral=referral)
    plan = _plan(world, child, referral=referral)
    review = child_retention(child=child, on=FAR)
    assert review.open_matters == (
        OpenMatter.NRM_REFERRAL,
        OpenMatter.PANEL_CASE,
        OpenMatter.SAFEGUARDING_ORDER,
        OpenMatter.JOINT_PLAN,
        OpenMatter.CHILD_PLAN,  # the joint plan's mirror on the safeguarding record
    )
    for status in ("refused", "discharged", "expired"):
        SafeguardingOrder.objects.filter(pk=order.pk).update(status=status)
        assert OpenMatter.SAFEGUARDING_ORDER not in child_retention(child=child, on=FAR).open_matters
    JointPlan.objects.filter(pk=plan.pk).update(closed_on=date(2024, 7, 1))
    PanelCase.objects.filter(child=child).update(closed_on=date(2024, 7, 1))
    ChildPlan.objects.filter(pk=plan.child_plan_id).update(ended_on=date(2024, 7, 1))
    assert child_retention(child=child, on=FAR).open_matters == (OpenMatter.NRM_REFERRAL,)


# --- holders, access and the audit row ------------------------------------------------------------


def test_holders_are_the_current_holdings_only(islington_child, system_actor, end_met):
    end_met(islington_child)
    assert listed(system_actor, FAR)[islington_child.pseudonymous_id].holders == ("la-islington",)


def test_only_the_operator_may_list(islington_child, people, actor_for):
    with pytest.raises(PermissionDenied, match=MSG_RETENTION_ROLE):
        retention_review_list(actor=actor_for(people["isl_admin"]), as_of=FAR)
    row = AuditEvent.objects.get(action="denied", object_type="retention_review")
    assert row.username == "isl.admin" and row.detail == f"refused export: {MSG_RETENTION_ROLE}"


def test_each_list_is_audited_as_an_export(islington_child, world, child, referral, system_actor):
    retention_review_list(actor=system_actor, as_of=FAR, include_held=True)
    row = AuditEvent.objects.get(action="export", object_type="retention_review")
    assert row.fields == sorted(RETENTION_REVIEW_COLUMNS)
    assert row.detail.startswith("1 child due for retention review on 2100-01-01 listed, 1 held open")
    assert "7 years after 18, 6 after last activity" in row.detail


def test_progress_is_reported_for_every_child(islington_child, agencies, system_actor):
    stored_child(agencies["islington"], dob=date(1990, 1, 1), loaded_on=date(2012, 3, 4))
    calls = []
    retention_review_list(
        actor=system_actor, as_of=today(), progress=lambda advance, total: calls.append((advance, total))
    )
    assert sum(advance for advance, _ in calls) == 2 and {total for _, total in calls} == {2}


def test_a_policy_may_be_given(islington_child, system_actor):
    policy = RetentionPolicy(years_after_18=1, years_after_activity=1)
    rows = retention_review_list(actor=system_actor, as_of=years_after(today(), 1), policy=policy)
    assert [r.pseudonymous_id for r in rows] == [islington_child.pseudonymous_id]


# --- the command --------------------------------------------------------------------------------


def test_the_command_writes_an_owner_only_csv(islington_child, agencies, tmp_path):
    old = stored_child(agencies["islington"], dob=date(1990, 1, 1), loaded_on=date(2012, 3, 4))
    out = tmp_path / "due.csv"
    result = run("retention", "review", "--as-of", "2100-01-01", "--out", str(out))
    assert result.exit_code == 0, result.stderr
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    text = out.read_text()
    assert text.splitlines()[0] == ",".join(RETENTION_REVIEW_COLUMNS)
    rows = rows_of(text)
    assert [r["pseudonymous_id"] for r in rows] == [old.pseudonymous_id, islington_child.pseudonymous_id]
    assert rows[0]["due_month"] == "2018-03" and rows[0]["last_activity"] == "2012-03-04"
    assert "2 children due for retention review on 2100-01-01" in result.stderr
    assert f"written to {out}" in result.stderr
    for secret in ("Jamie", "Testcase", "Bulk", "2008-05-01", "1990-01-01"):
        assert secret not in text


def test_the_command_defaults_to_today_and_standard_output(agencies):
    old = stored_child(agencies["islington"], dob=date(1990, 1, 1), loaded_on=date(2012, 3, 4))
    result = run("retention", "review")
    assert result.exit_code == 0, result.stderr
    assert [r["pseudonymous_id"] for r in rows_of(result.stdout)] == [old.pseudonymous_id]
    assert f"on {today().isoformat()}" in result.stderr


def test_the_command_can_include_held_records(world, child, referral):
    result = run("retention", "review", "--as-of", "2100-01-01", "--include-held")
    assert result.exit_code == 0, result.stderr
    (row,) = rows_of(result.stdout)
    assert row["status"] == "held open" and row["reasons"].startswith("open NRM referral; open panel case")


def test_the_cells_are_spreadsheet_safe(agencies, system_actor):
    """An agency code is not typed by a user today, but a cell a spreadsheet would run never goes out."""
    from ccehub.agencies.models import Agency, AgencyKind

    odd = Agency.objects.create(code="=hyperlink", name="Odd", kind=AgencyKind.LA_CHILDRENS_SERVICES)
    stored_child(odd, dob=date(1990, 1, 1), loaded_on=date(2012, 3, 4))
    result = run("retention", "review")
    assert result.exit_code == 0, result.stderr
    assert rows_of(result.stdout)[0]["holders"] == "'=hyperlink"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--as-of", "2100-02-30"], "--as-of: '2100-02-30' is not a real date written YYYY-MM-DD"),
        (["--as-of", "1/1/2100"], "--as-of: '1/1/2100' is not a real date written YYYY-MM-DD"),
        (["--out", "/nonexistent-folder/due.csv"], "--out: cannot write"),
    ],
)
def test_usage_errors_exit_2(args, message, db):
    result = run("retention", "review", *args)
    assert result.exit_code == 2 and message in result.stderr and "Traceback" not in result.output
    assert not AuditEvent.objects.filter(object_type="retention_review").exists()
