"""``ccehub holdings end`` and ``ccehub holdings list``: ending a holding from the command line, and
the periodic review list (pseudonymous IDs only, audited as an export). In-process (CliRunner)."""

from __future__ import annotations

import csv
import io
import os
import stat
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from typer.testing import CliRunner

from ccehub.audit.models import AuditEvent
from ccehub.children.models import CaseHolding
from ccehub.children.selectors import HOLDING_REVIEW_COLUMNS, holdings_review, months_before
from ccehub.children.services import MSG_HOLDING_END_ROLE, MSG_HOLDING_LAST, MSG_HOLDING_NONE

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
REASON = "Moved to Kent in 2023; no open work with the Met since"


def run(*args):
    from ccehub.cli import app

    return CliRunner().invoke(app, list(args))


def current(child, agency):
    return CaseHolding.objects.current().filter(child=child, agency=agency)


# --- holdings end ---------------------------------------------------------------------------------


def test_the_operator_ends_a_holding(islington_child, agencies):
    pid = islington_child.pseudonymous_id
    result = run("holdings", "end", pid, "--agency", "met", "--reason", REASON)
    assert result.exit_code == 0, result.stderr
    assert pid in result.stdout and "home_police_force" in result.stdout
    assert not current(islington_child, agencies["met"]).exists()
    row = AuditEvent.objects.get(action="update", object_type="case_holding")
    assert row.channel == "cli" and row.role == "system" and row.origin.startswith("cli:")


def test_an_agency_administrator_ends_it_as_themselves(islington_child, agencies, people):
    result = run(
        "holdings",
        "end",
        islington_child.pseudonymous_id.lower(),
        "--agency",
        "met",
        "--reason",
        REASON,
        "--user",
        "met.admin",
    )
    assert result.exit_code == 0, result.stderr
    ended = CaseHolding.objects.get(child=islington_child, agency=agencies["met"])
    assert ended.ended_by == people["met_admin"] and ended.end_reason == REASON


def test_a_user_who_is_not_its_administrator_is_refused(islington_child, agencies, people):
    pid = islington_child.pseudonymous_id
    result = run("holdings", "end", pid, "--agency", "met", "--reason", REASON, "--user", "met.pc")
    assert result.exit_code == 1 and MSG_HOLDING_END_ROLE in result.stderr
    assert "Traceback" not in result.output
    assert current(islington_child, agencies["met"]).exists()
    assert AuditEvent.objects.get(action="denied", object_type="case_holding").username == "met.pc"


def test_the_last_holder_is_refused(islington_child, agencies):
    pid = islington_child.pseudonymous_id
    assert run("holdings", "end", pid, "--agency", "met", "--reason", REASON).exit_code == 0
    result = run("holdings", "end", pid, "--agency", "la-islington", "--reason", REASON)
    assert result.exit_code == 1
    assert MSG_HOLDING_LAST.format(agency="Islington") in result.stderr
    assert current(islington_child, agencies["islington"]).exists()


@pytest.mark.parametrize("pid", ["held-by-islington-only", "CH-00000-00000"])
def test_nothing_to_end_is_refused_and_audited(islington_child, agencies, pid):
    """The Met holds nothing of a child it never held, nor of one that does not exist: one answer."""
    if pid == "held-by-islington-only":
        CaseHolding.objects.filter(child=islington_child, agency=agencies["met"]).delete()
        pid = islington_child.pseudonymous_id
    result = run("holdings", "end", pid, "--agency", "met", "--reason", REASON)
    assert result.exit_code == 1
    assert MSG_HOLDING_NONE.format(agency="Metropolitan Police Service") in result.stderr
    assert AuditEvent.objects.get(action="denied", object_type="case_holding").child_pid == pid


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--agency", "nonsense", "--reason", REASON], "--agency"),
        (["--agency", "met", "--reason", "  short "], "--reason"),
        (["--agency", "met", "--reason", REASON, "--user", "met.admin", "--purpose", "  "], "--purpose"),
    ],
)
def test_usage_errors_exit_2_with_a_message(islington_child, agencies, people, args, option):
    result = run("holdings", "end", islington_child.pseudonymous_id, *args)
    assert result.exit_code == 2 and option in result.stderr and "Traceback" not in result.output
    assert current(islington_child, agencies["met"]).exists()


# --- holdings list --------------------------------------------------------------------------------


@pytest.fixture
def old_child(agencies, system_actor, people, actor_for):
    """A Camden child the Met has held since 2020 and last arrested in March 2021. Since then the Met
    has only read the record and reviewed it in the admin, which is not work with the child."""
    from ccehub.children.selectors import child_get
    from ccehub.children.services import child_create
    from ccehub.incidents.services import incident_record

    child = child_create(
        actor=system_actor,
        given_name="Robin",
        family_name="Oldcase",
        date_of_birth=date(2006, 2, 2),
        home_local_authority=agencies["camden"],
        home_police_force=agencies["met"],
    )
    incident_record(
        actor=system_actor,
        child=child,
        occurred_at=datetime(2021, 3, 1, 23, 0, tzinfo=LONDON),
        incident_type="arrest_pwits",
        recording_agency=agencies["met"],
        arresting_force=agencies["met"],
    )
    CaseHolding.objects.filter(child=child).update(created_at=datetime(2020, 1, 6, 9, 0, tzinfo=LONDON))
    child_get(actor=actor_for(people["met_pc"]), pid=child.pseudonymous_id)
    AuditEvent.objects.create(
        agency_code="met",
        role="admin",
        action="update",
        channel="admin",
        object_type="emergency_access",
        child_pid=child.pseudonymous_id,
    )
    return child


@pytest.fixture
def recent_write(islington_child, people, actor_for):
    """A Met officer records a vulnerability of the Islington child today: the Met's latest activity."""
    from ccehub.children.services import vulnerability_flag_set

    vulnerability_flag_set(
        actor=actor_for(people["met_pc"]),
        child=islington_child,
        factor="reported_missing",
        value="recorded_present",
    )
    return AuditEvent.objects.get(action="create", object_type="vulnerability_flag")


def rows_of(text):
    return list(csv.DictReader(io.StringIO(text)))


def test_the_list_has_one_row_per_current_holding_and_no_identity(old_child, recent_write, islington_child):
    result = run("holdings", "list", "--agency", "met")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0] == ",".join(HOLDING_REVIEW_COLUMNS)
    rows = rows_of(result.stdout)
    by = {(r["pseudonymous_id"], r["basis"]): r for r in rows}
    assert set(by) == {
        (islington_child.pseudonymous_id, "home_police_force"),
        (old_child.pseudonymous_id, "home_police_force"),
        (old_child.pseudonymous_id, "recording_agency"),
        (old_child.pseudonymous_id, "arresting_force"),
    }
    assert by[(old_child.pseudonymous_id, "arresting_force")]["held_since"] == "2020-01-06"
    assert {by[k]["last_activity"] for k in by if k[0] == old_child.pseudonymous_id} == {"2021-03-01"}
    written_on = timezone.localtime(recent_write.at).date().isoformat()
    assert by[(islington_child.pseudonymous_id, "home_police_force")]["last_activity"] == written_on
    for secret in ("Jamie", "Testcase", "Robin", "Oldcase", "2008-05-01", "2006-02-02"):
        assert secret not in result.stdout
    export = AuditEvent.objects.get(action="export", object_type="case_holding")
    assert export.channel == "cli" and export.fields == sorted(HOLDING_REVIEW_COLUMNS)
    assert "4 current holdings" in export.detail and "met" in export.detail


def test_the_list_can_keep_only_holdings_not_active_lately(old_child, recent_write, islington_child):
    result = run("holdings", "list", "--agency", "met", "--not-active-for-months", "12")
    assert result.exit_code == 0, result.stderr
    assert {r["pseudonymous_id"] for r in rows_of(result.stdout)} == {old_child.pseudonymous_id}
    assert "not active for 12 months" in AuditEvent.objects.get(action="export").detail


def test_ended_holdings_are_not_listed(old_child, islington_child, agencies, system_actor):
    from ccehub.children.services import holding_end

    holding_end(actor=system_actor, child=old_child, agency=agencies["met"], reason=REASON)
    rows = rows_of(run("holdings", "list", "--agency", "met").stdout)
    assert {r["pseudonymous_id"] for r in rows} == {islington_child.pseudonymous_id}


def test_the_list_written_to_a_file_is_owner_only(old_child, tmp_path):
    out = tmp_path / "met-holdings.csv"
    result = run("holdings", "list", "--agency", "met", "--out", str(out))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "" and "3 current holdings" in result.stderr and str(out) in result.stderr
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    assert len(rows_of(out.read_text(encoding="utf-8"))) == 3


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--agency", "nonsense"], "--agency"),
        (["--agency", "met", "--not-active-for-months", "0"], "--not-active-for-months"),
        (["--agency", "met", "--out", "/no/such/folder/x.csv"], "--out"),
    ],
)
def test_list_usage_errors_exit_2(agencies, args, option):
    result = run("holdings", "list", *args)
    assert result.exit_code == 2 and option in result.stderr and "Traceback" not in result.output
    assert not AuditEvent.objects.filter(action="export").exists()


def test_the_review_is_for_the_agencys_administrator_or_the_operator(
    old_child, agencies, people, actor_for, system_actor
):
    from django.core.exceptions import PermissionDenied

    assert len(holdings_review(actor=system_actor, agency=agencies["met"])) == 3
    assert len(holdings_review(actor=actor_for(people["met_admin"]), agency=agencies["met"])) == 3
    with pytest.raises(PermissionDenied):
        holdings_review(actor=actor_for(people["met_pc"]), agency=agencies["met"])
    assert AuditEvent.objects.filter(action="denied", object_type="case_holding").count() == 1


def test_a_holding_with_no_activity_counts_from_when_it_began(agencies, system_actor):
    """The home-force holding of a child recorded on 6 January 2020, with nothing since: not active
    for 12 months from 7 January 2021, not before."""
    from ccehub.children.services import child_create

    child = child_create(actor=system_actor, given_name="Sam", home_police_force=agencies["met"])
    CaseHolding.objects.filter(child=child).update(created_at=datetime(2020, 1, 6, 9, 0, tzinfo=LONDON))
    met = agencies["met"]
    (row,) = holdings_review(actor=system_actor, agency=met)
    assert row.last_activity is None and row.held_since == date(2020, 1, 6)
    assert (
        holdings_review(actor=system_actor, agency=met, not_active_for_months=12, today=date(2021, 1, 6))
        == []
    )
    (stale,) = holdings_review(
        actor=system_actor, agency=met, not_active_for_months=12, today=date(2021, 1, 7)
    )
    assert stale.pseudonymous_id == child.pseudonymous_id


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2025, 3, 31), 1, date(2025, 2, 28)),
        (date(2024, 3, 31), 1, date(2024, 2, 29)),
        (date(2025, 1, 15), 1, date(2024, 12, 15)),
        (date(2025, 6, 30), 18, date(2023, 12, 30)),
        (date(2025, 6, 1), 12, date(2024, 6, 1)),
    ],
)
def test_months_before(day, months, expected):
    assert months_before(day, months) == expected


def test_a_user_who_may_not_end_holdings_learns_nothing_of_an_unknown_id(agencies, people):
    """For a user who is not the agency's administrator, no such child is refused like any child."""
    result = run(
        "holdings", "end", "CH-00000-00000", "--agency", "met", "--reason", REASON, "--user", "met.pc"
    )
    assert result.exit_code == 1 and MSG_HOLDING_END_ROLE in result.stderr
