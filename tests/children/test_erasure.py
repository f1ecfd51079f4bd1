"""Erasing a child's record (``child_erase``, ``ccehub children erase``): everything that is only about
the child goes, in one transaction, and nothing else; the audit log keeps its rows; a tombstone with
no identity evidences the erasure and keeps the pseudonymous ID from ever being given again.

Jamie is built with one of everything that can hang off a child (through the services where there
is one), and Remi, another child of the same panel, shares his meeting: the tests compare every
table before and after."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from typer.testing import CliRunner

from ccehub.audit.models import AuditEvent
from ccehub.children.models import Child, ErasedChild
from ccehub.children.services import (
    MSG_ERASE_ALREADY,
    MSG_ERASE_NO_CHILD,
    MSG_ERASE_OPEN,
    MSG_ERASE_REASON,
    MSG_ERASE_ROLE,
    ErasureRefused,
    child_erase,
)
from ccehub.rules.retention import OpenMatter
from tests.panels.conftest import LONDON, decide, refer

pytestmark = pytest.mark.django_db
REASON = "Erasure request ER-2031-0042, upheld by the DPO on 3 March 2031"
SKIPPED = {"audit.AuditEvent", "sessions.Session", "contenttypes.ContentType", "auth.Permission"}


def run(*args):
    from ccehub.cli import app

    return CliRunner().invoke(app, list(args))


# --- what "everything about the child" is -----------------------------------------------------------


def _kept_on_delete(field: models.Field) -> bool:
    """A reference that outlives what it points at (set to null): the row is not about the child."""
    return field.remote_field.on_delete in (models.SET_NULL, models.DO_NOTHING)


def rows_about(child: Child) -> set[tuple[str, object]]:
    """Every row reachable from the child through references that cascade or protect: the rows that
    exist only because of the child. Walked here, independently of the service."""
    found = {(Child._meta.label, child.pk)}
    frontier: list[models.Model] = [child]
    while frontier:
        row = frontier.pop()
        for rel in row._meta.related_objects:
            if not (rel.one_to_many or rel.one_to_one) or _kept_on_delete(rel.field):
                continue
            for other in rel.related_model._base_manager.filter(**{rel.field.name: row.pk}):
                key = (other._meta.label, other.pk)
                if key not in found:
                    found.add(key)
                    frontier.append(other)
    return found


def models_about_a_child() -> set[str]:
    """Every model a row about a child can be in, from the schema."""
    found: set[str] = set()
    frontier = [Child]
    while frontier:
        model = frontier.pop()
        for rel in model._meta.related_objects:
            if (rel.one_to_many or rel.one_to_one) and not _kept_on_delete(rel.field):
                label = rel.related_model._meta.label
                if label not in found:
                    found.add(label)
                    frontier.append(rel.related_model)
    return found | {Child._meta.label}


def snapshot() -> dict[str, set[object]]:
    return {
        model._meta.label: set(model._base_manager.values_list("pk", flat=True))
        for model in apps.get_models()
        if model._meta.label not in SKIPPED
    }


def removed_between(before, after) -> set[tuple[str, object]]:
    return {(label, pk) for label, pks in before.items() for pk in pks - after.get(label, set())}


def added_between(before, after) -> set[tuple[str, object]]:
    return {(label, pk) for label, pks in after.items() for pk in pks - before.get(label, set())}


# --- Jamie, with one of everything, and Remi beside him ------------------------------------------


@pytest.fixture
def everything(world, child, incident, referral, system_actor):
    """Jamie with a row in every model about a child, and Remi sharing his panel meeting."""
    from ccehub.agencies.services import agreement_create
    from ccehub.children.models import (
        Alias,
        EmergencyAccess,
        IdempotencyKey,
        MissingEpisode,
        Placement,
        PoliceProtection,
        RecordConflict,
    )
    from ccehub.children.services import emergency_access_start, fact_record, vulnerability_flag_set
    from ccehub.incidents.services import triage_from_incident
    from ccehub.justice.models import Arrest, CourtOutcome
    from ccehub.justice.services import charge_record
    from ccehub.panels import services as panels
    from ccehub.records.models import AgencyRecord
    from ccehub.safeguarding.models import CareOrder, SecureAccommodationOrder, StrategyMeeting
    from tests.panels.test_plans_orders import _active_order, _breach, _plan

    remi = _remi(world, system_actor)
    remi_referral = refer(world, remi["child"], incident=remi["incident"], actor=world["as_camden_lead"])
    # one sitting, both children on its agenda; a decision on Jamie's referral (with Home Office QA)
    meeting = panels.panel_meeting_schedule(
        actor=world["as_lead"],
        panel=world["panel"],
        held_on=date(2024, 3, 20),
        extraordinary=True,
        reason="test",
    )
    panels.agenda_item_add(actor=world["as_lead"], meeting=meeting, referral=referral)
    panels.agenda_item_add(actor=world["as_lead"], meeting=meeting, referral=remi_referral)
    members = world["members"]
    meeting = panels.meeting_attendance_record(
        actor=world["as_lead"],
        meeting=meeting,
        present=[members["chair"], members["police"], members["health"]],
        chair=members["chair"],
        today=date(2024, 3, 20),
    )
    decide(world, meeting, referral, "rg_positive")
    panels.information_request_create(
        actor=world["as_lead"],
        referral=referral,
        recipient_role="police",
        recipient_agency=world["met"],
        recipient_name="DI Pat Police",
        question="Any intelligence on the address?",
        due_on=date(2024, 3, 28),
        today=date(2024, 3, 21),
    )
    plan = _plan(world, child, referral=referral)
    panels.joint_plan_review(
        actor=world["as_lead"],
        plan=plan,
        reviewed_on=date(2024, 4, 2),
        risk_level="high",
        note="Still going missing",
        next_review_on=date(2024, 5, 2),
    )
    order = _active_order(world, child)
    _breach(world, order, date(2024, 5, 1), date(2024, 5, 2), "Out after curfew with INT-2024-0117")
    # the incident triaged twice: a chain of two decisions, each with its actions
    triage_from_incident(actor=system_actor, incident=incident)
    triage_from_incident(actor=system_actor, incident=incident)
    arrest = fact_record(
        actor=system_actor, child=child, model=Arrest, incident=incident, arrested_at=incident.occurred_at
    )
    charge = charge_record(
        actor=system_actor, child=child, offence="pwits_class_a", incident=incident, arrest=arrest
    )
    fact_record(
        actor=system_actor, child=child, model=CourtOutcome, charge=charge, decided_on=date(2024, 5, 1)
    )
    for model, values in (
        (MissingEpisode, {"started_at": datetime(2023, 6, 1, 22, 0, tzinfo=LONDON)}),
        (Placement, {"setting_type": "foster", "started_on": date(2023, 7, 1)}),
        (StrategyMeeting, {"held_on": date(2023, 8, 1)}),
        (CareOrder, {"started_on": date(2023, 9, 1)}),
        (SecureAccommodationOrder, {"made_on": date(2023, 10, 1)}),
        (
            PoliceProtection,
            {
                "force": world["met"],
                "officer": "PC Pat Police",
                "started_at": datetime(2023, 11, 1, 22, 0, tzinfo=LONDON),
                "ended_at": datetime(2023, 11, 2, 9, 0, tzinfo=LONDON),
                "max_hours": 72,
                "grounds": "Found at a dealing address with a knife",
                "disputed_plan": "Placement with an uncle in Margate",
                "dispute_reason": "The uncle's address is a known dealing base",
            },
        ),
    ):
        fact_record(actor=system_actor, child=child, model=model, **values)
    from ccehub.safeguarding.models import YotCscCheck

    YotCscCheck.objects.create(
        child=child,
        agency=world["met"],
        asked_on=date(2023, 12, 1),
        setting_harmful="yes",
        csc_answer="Known address",
    )
    from ccehub.panels.crisis import crisis_open

    crisis_open(actor=system_actor, child=child, trigger="pre_arrest_concern", on=date(2024, 3, 1))
    # reported missing by the Met: Islington (his home authority) is notified
    from ccehub.children.missing import missing_episode_record

    missing_episode_record(
        actor=world["as_officer"], child=child, started_at=datetime(2024, 6, 1, 22, 0, tzinfo=LONDON)
    )
    vulnerability_flag_set(
        actor=world["as_sw"], child=child, factor="reported_missing", value="recorded_present"
    )
    Alias.objects.create(identity=child.identity, given_name="J-Man", kind="nickname")
    RecordConflict.objects.create(
        child=child,
        subject="Date of arrest",
        value_a="1 March",
        source_a="Met",
        value_b="2 March",
        source_b="LA",
    )
    agreement_create(
        actor=system_actor,
        title="Jamie: health follow-up",
        provider=world["islington"],
        recipient=world["health"],
        purpose="Health follow-up after the arrest",
        legal_basis="UK GDPR Article 6(1)(e)",
        starts_on=date(2024, 1, 1),
        expires_on=date(2024, 12, 31),
        child=child,
    )
    emergency_access_start(
        actor=world["as_kent"],
        pid=child.pseudonymous_id,
        reason="Stopped in Kent tonight; checking for flags",
    )
    assert EmergencyAccess.objects.filter(child=child).exists()
    # the API's Idempotency-Key of the request that created him (ccehub.children.idempotency)
    IdempotencyKey.objects.create(
        scope=f"user:{world['users']['sw'].pk}",
        key="created-jamie",
        user=world["users"]["sw"],
        fingerprint="0" * 64,
        child=child,
        response_status=201,
        response_body={"pseudonymous_id": child.pseudonymous_id},
    )
    linked = AgencyRecord.objects.create(
        agency=world["met"], record_id="MET-0001", given_name="Jamie", child=child
    )
    from ccehub.panels.models import CaseDiscussion, PanelCase
    from ccehub.safeguarding.models import ContextualRisk

    ContextualRisk.objects.create(  # F-16
        child=child,
        kind="adult_relationship",
        recorded_on=date(2024, 3, 1),
        description="Jamie is driven about by an older man",
        agency=world["islington"],
    )
    from ccehub.safeguarding.models import DebtRisk, ServiceReferral

    DebtRisk.objects.create(  # F-31
        child=child,
        cause="police_seizure",
        known_on=date(2024, 3, 1),
        description="Owes the line",
        agency=world["met"],
    )
    ServiceReferral.objects.create(  # E-17
        child=child,
        service="camhs",
        made_on=date(2024, 3, 2),
        reason="Low mood since the arrest",
        agency=world["islington"],
    )
    CaseDiscussion.objects.create(  # R-22, as a loader writes it
        meeting=meeting, case=PanelCase.objects.get(child=child), outcome="monitor", notes="Jamie seen again"
    )
    return {"jamie": child, "remi": remi["child"], "meeting": meeting, "agency_record": linked}


def _remi(world, system_actor):
    from ccehub.agencies.services import agreement_create
    from ccehub.children.services import child_create
    from ccehub.incidents.services import triage_from_incident
    from tests.panels.conftest import make_incident

    remi = child_create(
        actor=system_actor,
        given_name="Remi",
        family_name="Other",
        date_of_birth=date(2008, 9, 9),
        postcode="NW1 1AA",
        home_local_authority=world["camden"],
        home_police_force=world["met"],
    )
    incident = make_incident(remi, system_actor, world["met"])
    triage_from_incident(actor=system_actor, incident=incident)
    agreement_create(
        actor=system_actor,
        title="Remi: health follow-up",
        provider=world["camden"],
        recipient=world["health"],
        purpose="Health follow-up",
        legal_basis="UK GDPR Article 6(1)(e)",
        starts_on=date(2024, 1, 1),
        expires_on=date(2024, 12, 31),
        child=remi,
    )
    return {"child": remi, "incident": incident}


def test_the_fixture_has_a_row_in_every_model_about_a_child(everything):
    """If a model about children is added, this fails until the fixture (and the erasure) cover it."""
    covered = {label for label, _ in rows_about(everything["jamie"])}
    assert covered == models_about_a_child()


# --- erasing --------------------------------------------------------------------------------------


def test_erasure_removes_every_row_about_the_child_and_nothing_else(everything, system_actor):
    jamie, remi = everything["jamie"], everything["remi"]
    pid = jamie.pseudonymous_id
    about_jamie, about_remi = rows_about(jamie), rows_about(remi)
    audit_rows = set(AuditEvent.objects.filter(child_pid=pid).values_list("pk", flat=True))
    before = snapshot()

    result = child_erase(actor=system_actor, pid=pid, reason=REASON, even_if_open=True, dry_run=False)

    after = snapshot()
    assert removed_between(before, after) == about_jamie
    assert result.counts == dict(Counter(label for label, _ in about_jamie))
    assert result.total == len(about_jamie)
    # what was added: the tombstone, and one audit row
    assert {label for label, _ in added_between(before, after)} == {ErasedChild._meta.label}
    # Remi, his agenda item at the same sitting, and the sitting itself are untouched
    assert rows_about(remi) == about_remi
    assert everything["meeting"].agenda.count() == 1
    # the agencies' own record stays; only its link to the erased child goes
    everything["agency_record"].refresh_from_db()
    assert everything["agency_record"].child is None and result.agency_records_unlinked == 1
    # the audit log keeps every row about the child, and gains one
    kept = AuditEvent.objects.filter(child_pid=pid)
    assert audit_rows < set(kept.values_list("pk", flat=True))
    (erased,) = kept.filter(action="delete")
    assert erased.object_type == "child" and erased.channel == "system" and erased.role == "system"
    assert erased.detail.startswith(
        f"erased {len(about_jamie)} rows, even though open: open NRM referral, open panel case, "
    )
    assert f"; tombstone {result.tombstone.pk}; Child 1, DataSharingAgreement 1, Address 1, " in erased.detail
    assert len(erased.detail) <= 500
    assert set(erased.fields) == set(result.counts)
    assert not AuditEvent.objects.filter(detail__contains="ER-2031").exists()
    assert not AuditEvent.objects.filter(purpose__contains="ER-2031").exists()


def test_the_tombstone_evidences_the_erasure_without_identity(everything, system_actor):
    pid = everything["jamie"].pseudonymous_id
    result = child_erase(actor=system_actor, pid=pid, reason=f"  {REASON} ", even_if_open=True, dry_run=False)
    tomb = ErasedChild.objects.get(pseudonymous_id=pid)
    assert tomb == result.tombstone
    assert tomb.reason == REASON and tomb.erased_by == "test-system" and tomb.counts == result.counts
    assert tomb.open_matters == [m.value for m in result.review.open_matters]
    assert OpenMatter.NRM_REFERRAL.value in tomb.open_matters
    names = {f.name for f in ErasedChild._meta.get_fields()}
    assert names == {
        "id",
        "pseudonymous_id",
        "erased_at",
        "erased_by",
        "origin",
        "reason",
        "counts",
        "open_matters",
    }


def test_an_erased_id_is_never_given_again(islington_child, system_actor):
    """The database refuses a child with an erased ID, however it is written (save or bulk)."""
    pid = islington_child.pseudonymous_id
    child_erase(actor=system_actor, pid=pid, reason=REASON, dry_run=False)
    for write in (
        lambda: Child.objects.create(pseudonymous_id=pid),
        lambda: Child.objects.bulk_create([Child(pseudonymous_id=pid)]),
    ):
        with pytest.raises(IntegrityError, match="erased"), transaction.atomic():
            write()
    assert not Child.objects.filter(pseudonymous_id=pid).exists()
    other = Child.objects.create()
    assert other.pseudonymous_id != pid  # a fresh ID is still given


def test_a_dry_run_deletes_nothing_and_counts_what_would_go(everything, system_actor):
    pid = everything["jamie"].pseudonymous_id
    about_jamie = rows_about(everything["jamie"])
    before = snapshot()
    result = child_erase(actor=system_actor, pid=pid, reason=REASON, even_if_open=True)
    assert snapshot() == before
    assert result.tombstone is None and result.counts == dict(Counter(label for label, _ in about_jamie))
    row = AuditEvent.objects.get(child_pid=pid, object_type="child_erasure")
    assert row.action == "view" and row.detail.startswith(f"dry run: would erase {len(about_jamie)} rows")


def test_a_record_with_nothing_open_is_erased_without_the_override(islington_child, system_actor):
    result = child_erase(
        actor=system_actor, pid=islington_child.pseudonymous_id, reason=REASON, dry_run=False
    )
    assert result.review.open_matters == () and result.tombstone.open_matters == []
    assert not Child.objects.filter(pk=islington_child.pk).exists()
    assert "even though open" not in AuditEvent.objects.get(action="delete").detail


# --- refusals -------------------------------------------------------------------------------------


@pytest.mark.parametrize("dry_run", [True, False])
def test_open_matters_refuse_the_erasure(world, child, referral, system_actor, dry_run):
    before = snapshot()
    with pytest.raises(ErasureRefused) as info:
        child_erase(actor=system_actor, pid=child.pseudonymous_id, reason=REASON, dry_run=dry_run)
    assert str(info.value) == MSG_ERASE_OPEN.format(matters="open NRM referral, open panel case")
    assert snapshot() == before
    row = AuditEvent.objects.get(action="denied", child_pid=child.pseudonymous_id)
    assert row.object_type == "child" and row.detail == f"refused delete: {info.value}"


def test_only_the_operator_may_erase(islington_child, people, actor_for):
    with pytest.raises(PermissionDenied, match=MSG_ERASE_ROLE):
        child_erase(
            actor=actor_for(people["isl_admin"]),
            pid=islington_child.pseudonymous_id,
            reason=REASON,
            dry_run=False,
        )
    assert Child.objects.filter(pk=islington_child.pk).exists()
    row = AuditEvent.objects.get(action="denied")
    assert row.username == "isl.admin" and row.detail == f"refused delete: {MSG_ERASE_ROLE}"


@pytest.mark.parametrize("reason", ["", "   ", "too short", "x" * 2001])
def test_a_reason_is_required(islington_child, system_actor, reason):
    with pytest.raises(ValidationError) as info:
        child_erase(actor=system_actor, pid=islington_child.pseudonymous_id, reason=reason, dry_run=False)
    assert "reason" in info.value.message_dict
    assert Child.objects.filter(pk=islington_child.pk).exists()


def test_an_unknown_or_erased_id_is_refused(islington_child, system_actor):
    pid = islington_child.pseudonymous_id
    with pytest.raises(ErasureRefused, match=MSG_ERASE_NO_CHILD):
        child_erase(actor=system_actor, pid="CH-00000-00000", reason=REASON)
    child_erase(actor=system_actor, pid=pid.lower(), reason=REASON, dry_run=False)
    with pytest.raises(ErasureRefused) as info:
        child_erase(actor=system_actor, pid=pid, reason=REASON, dry_run=False)
    erased_on = ErasedChild.objects.get().erased_at
    assert str(info.value) == MSG_ERASE_ALREADY.format(pid=pid, day=f"{erased_on:%-d %B %Y}")
    assert AuditEvent.objects.filter(action="denied", child_pid__in=["CH-00000-00000", pid]).count() == 2


def test_the_reason_message_says_not_to_name_the_child():
    assert "do not name the child" in MSG_ERASE_REASON


# --- the command ----------------------------------------------------------------------------------


def test_without_yes_the_command_is_a_dry_run(islington_child):
    pid = islington_child.pseudonymous_id
    result = run("children", "erase", pid, "--reason", REASON)
    assert result.exit_code == 0, result.stderr
    assert "dry run: nothing was deleted" in result.stdout
    assert "children.Child" in result.stdout and "children.Identity" in result.stdout
    assert Child.objects.filter(pk=islington_child.pk).exists()


def test_with_yes_the_command_erases_and_says_what_it_cannot(islington_child):
    pid = islington_child.pseudonymous_id
    result = run("children", "erase", pid, "--reason", REASON, "--yes")
    assert result.exit_code == 0, result.stderr
    assert f"erased {pid}" in result.stdout and "children.CaseHolding" in result.stdout
    assert "person index" in result.stdout and "erase them at source" in result.stdout
    assert "audit log keeps" in result.stdout
    assert not Child.objects.filter(pk=islington_child.pk).exists()
    tomb = ErasedChild.objects.get(pseudonymous_id=pid)
    assert tomb.erased_by.startswith("cli:") and tomb.origin.startswith("cli:")


def test_a_named_requester_who_has_no_account_is_recorded(islington_child):
    result = run(
        "children", "erase", islington_child.pseudonymous_id, "--reason", REASON, "--yes", "--user", "dpo"
    )
    assert result.exit_code == 0, result.stderr
    assert ErasedChild.objects.get().erased_by == "dpo"


def test_the_command_refuses_open_matters_and_names_the_override(world, child, referral):
    result = run("children", "erase", child.pseudonymous_id, "--reason", REASON, "--yes")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert MSG_ERASE_OPEN.format(matters="open NRM referral, open panel case") in result.stderr
    assert "--even-if-open" in result.stderr
    assert Child.objects.filter(pk=child.pk).exists()
    forced = run("children", "erase", child.pseudonymous_id, "--reason", REASON, "--yes", "--even-if-open")
    assert forced.exit_code == 0, forced.stderr
    assert not Child.objects.filter(pk=child.pk).exists()


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--reason", "short"], 2, "--reason:"),
        (["--reason", REASON, "--user", "isl.admin"], 1, MSG_ERASE_ROLE),
    ],
)
def test_command_refusals(islington_child, people, args, code, message):
    result = run("children", "erase", islington_child.pseudonymous_id, *args, "--yes")
    assert result.exit_code == code and message in result.stderr and "Traceback" not in result.output
    assert Child.objects.filter(pk=islington_child.pk).exists()


def test_the_command_refuses_an_unknown_id(db):
    result = run("children", "erase", "CH-00000-00000", "--reason", REASON, "--yes")
    assert result.exit_code == 1 and MSG_ERASE_NO_CHILD in result.stderr


def test_the_reason_option_is_required(islington_child):
    result = run("children", "erase", islington_child.pseudonymous_id, "--yes")
    assert result.exit_code == 2 and "--reason" in result.output
    assert Child.objects.filter(pk=islington_child.pk).exists()
