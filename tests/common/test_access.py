"""Each agency sees its own children; any other sight needs a recorded basis."""

from datetime import timedelta

import pytest
from django.utils import timezone

from ccehub.agencies.services import agreement_create
from ccehub.audit.models import AuditEvent
from ccehub.children.selectors import ChildNotFound, child_get, child_list
from ccehub.panels.models import PanelCase


@pytest.fixture
def users(agencies, make_user, roles):
    return {
        "islington_sw": make_user("isw", agencies["islington"], roles.SOCIAL_WORKER),
        "camden_sw": make_user("csw", agencies["camden"], roles.SOCIAL_WORKER),
        "kent_officer": make_user("kpc", agencies["kent"], roles.POLICE_OFFICER),
        "health": make_user("hp", agencies["health"], roles.HEALTH_PRACTITIONER),
        "panel": make_user("pm", agencies["panel"], roles.PANEL_MEMBER),
        "analyst": make_user("an", agencies["islington"], roles.ANALYST),
        "admin": make_user("ad", agencies["islington"], roles.ADMIN),
    }


def test_home_authority_sees_its_child_with_identity(users, islington_child, actor_for):
    """The home local authority sees its own child, including identity, on the basis 'own records'."""
    record = child_get(actor=actor_for(users["islington_sw"]), pid=islington_child.pseudonymous_id)
    assert record.basis == "own_records"
    assert record.identity is not None and record.identity.given_name == "Jamie"


def test_home_force_sees_the_child(users, islington_child, agencies, make_user, roles, actor_for):
    """The home police force holds the record too."""
    met_officer = make_user("met1", agencies["met"], roles.POLICE_OFFICER)
    assert child_get(actor=actor_for(met_officer), pid=islington_child.pseudonymous_id).basis == "own_records"


@pytest.mark.parametrize("who", ["camden_sw", "kent_officer", "health", "panel"])
def test_other_agencies_cannot_see_the_child(users, islington_child, actor_for, who):
    """Without a recorded basis another agency gets 'not found' and the refusal is audited."""
    actor = actor_for(users[who])
    with pytest.raises(ChildNotFound):
        child_get(actor=actor, pid=islington_child.pseudonymous_id)
    assert islington_child not in child_list(actor=actor)
    denied = AuditEvent.objects.filter(
        action="denied", child_pid=islington_child.pseudonymous_id, username=users[who].username
    )
    assert denied.count() == 1


def test_unknown_child_and_unshared_child_are_indistinguishable(users, islington_child, actor_for):
    """A refusal does not reveal whether the child exists."""
    actor = actor_for(users["camden_sw"])
    with pytest.raises(ChildNotFound) as refused:
        child_get(actor=actor, pid=islington_child.pseudonymous_id)
    with pytest.raises(ChildNotFound) as missing:
        child_get(actor=actor, pid="CH-0000-0000")
    assert str(refused.value) == str(missing.value)


def test_panel_sees_a_shared_case_until_it_is_closed(users, islington_child, agencies, actor_for):
    """A case shared with the panel is a recorded basis; closing the case removes it."""
    case = PanelCase.objects.create(
        panel=agencies["panel"],
        child=islington_child,
        shared_by=agencies["islington"],
        shared_on=timezone.localdate(),
        reason="listed for panel",
    )
    actor = actor_for(users["panel"])
    assert child_get(actor=actor, pid=islington_child.pseudonymous_id).basis == "panel_case"
    case.closed_on = timezone.localdate()
    case.save()
    with pytest.raises(ChildNotFound):
        child_get(actor=actor, pid=islington_child.pseudonymous_id)


def test_agreement_gives_sight_only_while_active(users, islington_child, agencies, actor_for, system_actor):
    """A data-sharing agreement with purpose and expiry opens access; once expired it does not."""
    today = timezone.localdate()
    agreement = agreement_create(
        actor=system_actor,
        title="t",
        provider=agencies["islington"],
        recipient=agencies["health"],
        purpose="health assessment",
        starts_on=today - timedelta(days=10),
        expires_on=today,
        legal_basis="UK GDPR 6(1)(e)",
    )
    actor = actor_for(users["health"])
    record = child_get(actor=actor, pid=islington_child.pseudonymous_id)
    assert record.basis == f"data_sharing_agreement:{agreement.id}"
    assert record.identity is None, "the agreement does not include identity"
    from ccehub.common.access import access_basis

    assert access_basis(actor, islington_child, on=today + timedelta(days=1)) is None


def test_agreement_including_identity_shows_identity(
    users, islington_child, agencies, actor_for, system_actor
):
    """Identity crosses the boundary only when the agreement says so."""
    today = timezone.localdate()
    agreement_create(
        actor=system_actor,
        title="t",
        provider=agencies["islington"],
        recipient=agencies["health"],
        purpose="health assessment",
        starts_on=today,
        expires_on=today,
        includes_identity=True,
        child=islington_child,
        legal_basis="UK GDPR 6(1)(e)",
    )
    record = child_get(actor=actor_for(users["health"]), pid=islington_child.pseudonymous_id)
    assert record.identity is not None


def test_revoked_agreement_gives_no_sight(users, islington_child, agencies, actor_for, system_actor):
    """A revoked agreement is no basis."""
    today = timezone.localdate()
    agreement = agreement_create(
        actor=system_actor,
        title="t",
        provider=agencies["islington"],
        recipient=agencies["health"],
        purpose="p",
        starts_on=today,
        expires_on=today,
        legal_basis="UK GDPR 6(1)(e)",
    )
    agreement.revoked_at = timezone.now()
    agreement.save()
    with pytest.raises(ChildNotFound):
        child_get(actor=actor_for(users["health"]), pid=islington_child.pseudonymous_id)


def test_analyst_sees_pseudonymised_record_only(users, islington_child, actor_for):
    """Analysts see their agency's children without identity."""
    record = child_get(actor=actor_for(users["analyst"]), pid=islington_child.pseudonymous_id)
    assert record.identity is None and record.pseudonymised
    event = AuditEvent.objects.filter(
        username="an", action="view", child_pid=islington_child.pseudonymous_id
    ).get()
    assert "given_name" not in event.fields and "date_of_birth" not in event.fields


def test_admin_cannot_read_case_records(users, islington_child, actor_for):
    """Administrators manage accounts and read audit history, not case records."""
    with pytest.raises(ChildNotFound):
        child_get(actor=actor_for(users["admin"]), pid=islington_child.pseudonymous_id)


def test_every_read_writes_one_audit_row_with_fields_and_purpose(users, islington_child, actor_for):
    """A read leaves who, agency, role, what, which fields, purpose and when."""
    actor = actor_for(users["islington_sw"], purpose="Strategy meeting preparation")
    before = AuditEvent.objects.count()
    child_get(actor=actor, pid=islington_child.pseudonymous_id)
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.latest("id")
    assert (event.username, event.agency_code, event.role, event.action) == (
        "isw",
        "la-islington",
        "social_worker",
        "view",
    )
    assert event.child_pid == islington_child.pseudonymous_id
    assert event.purpose == "Strategy meeting preparation"
    assert {"given_name", "date_of_birth", "vulnerabilities"} <= set(event.fields)
    assert event.at is not None


def test_audit_row_rolls_back_with_the_read(users, islington_child, actor_for):
    """The audit row is written in the same transaction as the read."""
    from django.db import transaction

    before = AuditEvent.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        child_get(actor=actor_for(users["islington_sw"]), pid=islington_child.pseudonymous_id)
        raise RuntimeError("request failed after the read")
    assert AuditEvent.objects.count() == before


def test_pseudonymised_export_has_no_free_text_or_date_of_birth(
    users, islington_child, actor_for, system_actor
):
    """Analysts' exports carry codes and dates, never free text, names or the date of birth."""
    from datetime import timedelta

    from ccehub.children.export import child_export
    from ccehub.children.models import RecordConflict
    from ccehub.children.services import fact_record
    from ccehub.incidents.services import incident_record

    incident_record(
        actor=system_actor,
        child=islington_child,
        occurred_at=timezone.now() - timedelta(days=3),
        incident_type="arrest_pwits",
        recording_agency=islington_child.home_local_authority,
        summary="Found with Jamie's cousin at 4 Acacia Avenue",
        place="Acacia Avenue",
        offences=["pwits_class_a"],
    )
    fact_record(
        actor=system_actor,
        child=islington_child,
        model=RecordConflict,
        subject="Outcome",
        value_a="NFA per DC Smith",
        source_a="case study",
        value_b="charged",
        source_b="summary",
    )
    data = child_export(actor=actor_for(users["analyst"]), pid=islington_child.pseudonymous_id)
    text = str(data)
    for secret in ("Jamie", "Testcase", "Acacia", "Smith", "2008-05-01", "N1 1AA"):
        assert secret not in text, secret
    assert data["incidents"][0]["offences"] == ["pwits_class_a"]
    assert data["incidents"][0]["incident_type"] == "arrest_pwits"


def test_agreement_is_read_only_and_never_becomes_a_holding(
    users, islington_child, agencies, actor_for, system_actor
):
    """Sight under an agreement does not allow recording, so it cannot turn into permanent access."""
    from django.core.exceptions import PermissionDenied

    from ccehub.children.services import MSG_READ_ONLY_BASIS, vulnerability_flag_set
    from ccehub.incidents.services import incident_record

    today = timezone.localdate()
    agreement_create(
        actor=system_actor,
        title="t",
        provider=agencies["islington"],
        recipient=agencies["health"],
        purpose="health",
        starts_on=today,
        expires_on=today,
        legal_basis="UK GDPR 6(1)(e)",
    )
    actor = actor_for(users["health"])
    with pytest.raises(PermissionDenied, match=MSG_READ_ONLY_BASIS):
        incident_record(
            actor=actor,
            child=islington_child,
            occurred_at=timezone.now() - timedelta(days=1),
            incident_type="disclosure",
        )
    with pytest.raises(PermissionDenied):
        vulnerability_flag_set(
            actor=actor, child=islington_child, factor="domestic_abuse", value="recorded_present"
        )
    assert not islington_child.holdings.filter(agency=agencies["health"]).exists()


def test_panel_member_records_without_taking_a_holding(users, islington_child, agencies, actor_for):
    """A panel member may record on a shared case, but the panel gains no permanent holding."""
    from ccehub.children.services import vulnerability_flag_set

    PanelCase.objects.create(
        panel=agencies["panel"],
        child=islington_child,
        shared_by=agencies["islington"],
        shared_on=timezone.localdate(),
        reason="listed",
    )
    vulnerability_flag_set(
        actor=actor_for(users["panel"]),
        child=islington_child,
        factor="gang_involvement",
        value="recorded_present",
    )
    assert not islington_child.holdings.filter(agency=agencies["panel"]).exists()


def test_cannot_record_an_incident_as_another_agency(users, islington_child, agencies, actor_for):
    """An officer cannot record for another agency, and naming another arresting force gives it nothing."""
    from django.core.exceptions import ValidationError

    from ccehub.incidents.services import incident_record

    actor = actor_for(users["islington_sw"])
    with pytest.raises(ValidationError) as refused:
        incident_record(
            actor=actor,
            child=islington_child,
            occurred_at=timezone.now() - timedelta(days=1),
            incident_type="disclosure",
            recording_agency=agencies["kent"],
        )
    assert "recording_agency" in refused.value.message_dict
    incident_record(
        actor=actor,
        child=islington_child,
        occurred_at=timezone.now() - timedelta(days=1),
        incident_type="arrest_pwits",
        arresting_force=agencies["kent"],
    )
    assert not islington_child.holdings.filter(agency=agencies["kent"]).exists()
