"""CLI refusals are audited as ``denied`` (like web and API), blank purposes are refused, and a
``--user`` that is not an account with a membership is warned about. In-process (CliRunner)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from ccehub.audit.models import AuditEvent
from ccehub.children.models import VulnerabilityFlag

pytestmark = pytest.mark.django_db


@pytest.fixture
def users(agencies, make_user, roles):
    return {
        "sw": make_user("c.sw", agencies["islington"], roles.SOCIAL_WORKER),
        "camden": make_user("c.camden", agencies["camden"], roles.SOCIAL_WORKER),
        "analyst": make_user("c.analyst", agencies["islington"], roles.ANALYST),
    }


def run(*args):
    from ccehub.cli import app

    return CliRunner().invoke(app, list(args))


def flag_args(pid, *extra):
    return ["flags", "set", "--child", pid, "--factor", "Domestic Abuse", "--value", "present", *extra]


def test_refused_export_is_audited_and_exits_1(users, islington_child):
    pid = islington_child.pseudonymous_id
    result = run("children", "export", pid, "--user", "c.camden", "--purpose", "Case review")
    assert result.exit_code == 1 and "No child with that reference" in result.stderr
    event = AuditEvent.objects.get(action="denied", child_pid=pid)
    assert event.username == "c.camden" and event.channel == "cli" and "refused export" in event.detail
    assert event.purpose == "Case review"


def test_export_of_no_such_child_exits_the_same_way(users):
    result = run("children", "export", "CH-0000-0000", "--user", "c.camden", "--purpose", "Case review")
    assert result.exit_code == 1
    assert AuditEvent.objects.filter(action="denied", child_pid="CH-0000-0000").exists()


def test_refused_flag_for_another_agencys_child_is_audited(users, islington_child):
    pid = islington_child.pseudonymous_id
    result = run(*flag_args(pid, "--user", "c.camden"))
    assert result.exit_code == 2 and "--child" in result.stderr
    event = AuditEvent.objects.get(action="denied", child_pid=pid)
    assert event.username == "c.camden" and "no recorded basis" in event.detail
    assert not VulnerabilityFlag.objects.filter(child=islington_child).exists()


def test_refused_flag_by_a_read_only_role_is_audited(users, islington_child):
    pid = islington_child.pseudonymous_id
    result = run(*flag_args(pid, "--user", "c.analyst"))
    assert result.exit_code == 2 and "cannot record" in result.stderr
    event = AuditEvent.objects.get(action="denied", child_pid=pid)
    assert event.username == "c.analyst" and event.object_type == "vulnerability_flag"
    assert not VulnerabilityFlag.objects.filter(child=islington_child).exists()


@pytest.mark.parametrize("purpose", ["", "   "])
def test_blank_purpose_is_refused(users, islington_child, purpose):
    pid = islington_child.pseudonymous_id
    before = AuditEvent.objects.count()
    export = run("children", "export", pid, "--user", "c.sw", "--purpose", purpose)
    assert export.exit_code == 2 and "--purpose" in export.stderr and export.stdout == ""
    flag = run(*flag_args(pid, "--user", "c.sw", "--purpose", purpose))
    assert flag.exit_code == 2 and "--purpose" in flag.stderr
    assert AuditEvent.objects.count() == before
    assert not VulnerabilityFlag.objects.filter(child=islington_child).exists()


def test_export_service_refuses_a_blank_purpose(users, islington_child, actor_for):
    from django.core.exceptions import ValidationError

    from ccehub.children.export import child_export

    with pytest.raises(ValidationError) as refused:
        child_export(actor=actor_for(users["sw"], purpose=" "), pid=islington_child.pseudonymous_id)
    assert "purpose" in refused.value.message_dict


def test_unknown_user_is_warned_about(users, islington_child):
    pid = islington_child.pseudonymous_id
    result = run("children", "export", pid, "--user", "analys", "--purpose", "Custody enquiry")
    assert result.exit_code == 0
    assert "warning: no account 'analys' here: acting with the operator's access" in result.stderr
    assert "recorded as asked by 'analys'" in result.stderr
    assert AuditEvent.objects.get(action="export", child_pid=pid).username == "analys"
    known = run("children", "export", pid, "--user", "c.sw", "--purpose", "Case review")
    assert known.exit_code == 0 and "warning" not in known.stderr


def test_flag_source_must_be_a_known_type(users, islington_child):
    pid = islington_child.pseudonymous_id
    result = run(*flag_args(pid, "--user", "c.sw", "--source", "foo"))
    assert result.exit_code == 2 and "--source" in result.stderr and "la_record" in result.stderr
    assert not VulnerabilityFlag.objects.filter(child=islington_child).exists()


def test_flag_records_the_users_agency_and_the_date(users, islington_child, agencies):
    from django.utils import timezone

    pid = islington_child.pseudonymous_id
    result = run(*flag_args(pid, "--user", "c.sw", "--source", "la_record"))
    assert result.exit_code == 0, result.output
    flag = VulnerabilityFlag.objects.get(child=islington_child)
    assert flag.source_type == "la_record" and flag.source_agency == agencies["islington"]
    assert flag.recorded_on == timezone.localdate()
    dated = run(*flag_args(pid, "--user", "c.sw", "--source", "police_record", "--recorded-on", "2024-02-03"))
    assert dated.exit_code == 0, dated.output
    assert VulnerabilityFlag.objects.get(source_type="police_record").recorded_on.isoformat() == "2024-02-03"


@pytest.mark.parametrize("on", ["2024-02-30", "2999-01-01"])
def test_flag_date_must_be_real_and_not_future(users, islington_child, on):
    result = run(*flag_args(islington_child.pseudonymous_id, "--user", "c.sw", "--recorded-on", on))
    assert result.exit_code == 2 and "--recorded-on" in result.stderr
    assert not VulnerabilityFlag.objects.exists()


@pytest.mark.parametrize(
    ("on", "message"),
    [
        ("2000-01-01", "--recorded-on: Date recorded cannot be before the child's date of birth"),
        ("1850-01-01", "--recorded-on: Date recorded must be in 1900 or later"),
    ],
)
def test_flag_date_cannot_be_before_birth_or_1900(users, islington_child, on, message):
    result = run(*flag_args(islington_child.pseudonymous_id, "--user", "c.sw", "--recorded-on", on))
    assert result.exit_code == 2 and message in result.stderr
    assert not VulnerabilityFlag.objects.exists()
    on_birthday = run(
        *flag_args(islington_child.pseudonymous_id, "--user", "c.sw", "--recorded-on", "2008-05-01")
    )
    assert on_birthday.exit_code == 0, on_birthday.output


def test_operator_flag_without_membership_has_no_source_agency(users, islington_child):
    """Without --user the operator has no agency: the flag is the source type's alone (as the demo's)."""
    result = run(*flag_args(islington_child.pseudonymous_id))
    assert result.exit_code == 0, result.output
    assert VulnerabilityFlag.objects.get(child=islington_child).source_agency is None


@pytest.fixture
def no_search(monkeypatch):
    """An index that must not be searched: each refusal below comes before any look-up runs."""

    class Untouchable:
        model_version = "test"

        def lookup(self, *args, **kwargs):  # pragma: no cover - reaching it is the failure
            raise AssertionError("a refused look-up searched the index")

    monkeypatch.setattr("ccehub.records.services.active_index", lambda: Untouchable())


LOOKUP = ["lookup", "--given-name", "A", "--family-name", "B", "--dob", "2008-01-01"]


def test_refused_lookup_by_role_is_audited_and_exits_2(users, no_search):
    result = run(*LOOKUP, "--user", "c.analyst", "--purpose", "cli deny test")
    assert result.exit_code == 2 and "Your role cannot look children up" in result.stderr
    event = AuditEvent.objects.get(action="denied", object_type="person_lookup")
    assert (event.username, event.channel, event.purpose) == ("c.analyst", "cli", "cli deny test")


def test_refused_lookup_threshold_is_audited_and_exits_2(agencies, make_user, roles, no_search):
    make_user("c.pc", agencies["kent"], roles.POLICE_OFFICER)
    result = run(*LOOKUP, "--user", "c.pc", "--purpose", "custody", "--threshold", "0.1")
    assert result.exit_code == 2 and "threshold" in result.stderr
    event = AuditEvent.objects.get(action="denied", object_type="person_lookup")
    assert (event.username, event.purpose) == ("c.pc", "custody") and "0.1" in event.detail
    assert not AuditEvent.objects.filter(action="lookup").exists()


def test_refused_batch_lookup_is_audited_once(users, no_search, tmp_path):
    queries = tmp_path / "q.csv"
    queries.write_text(
        "query_id,given_name,family_name,date_of_birth,sex,postcode\nq1,A,B,2008-01-01,,\nq2,,,,,\n"
    )
    result = run("lookup", "--batch", str(queries), "--user", "c.analyst", "--purpose", "batch deny")
    assert result.exit_code == 2 and "Your role cannot look children up" in result.stderr
    assert result.stdout == ""  # not even the empty query is answered
    event = AuditEvent.objects.get(action="denied", object_type="person_lookup")
    assert (event.username, event.purpose) == ("c.analyst", "batch deny")
    assert not AuditEvent.objects.filter(action="lookup").exists()
