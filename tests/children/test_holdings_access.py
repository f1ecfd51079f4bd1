"""An ended holding is a basis for nothing (known gap 4): not for sight, lists, writing, agreements
over the provider's children, the access history or reports; recording again makes the agency a
holder again, on a new row."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.utils import timezone

from ccehub.agencies.services import MSG_DSA_CHILD_NOT_HELD, agreement_create
from ccehub.children.models import CaseHolding, Child
from ccehub.children.selectors import ChildNotFound, child_get, child_list
from ccehub.children.services import emergency_access_start
from ccehub.common.access import access_basis, visible_children_q, writable_children_q
from tests.children.conftest import HOLDING_END_REASON as REASON

# --- An ended holding is no basis -----------------------------------------------------------------


def test_an_ended_holding_gives_no_sight(islington_child, people, actor_for, end_met):
    """The Met's officer saw the child on its own records; once ended, not at all (list or record)."""
    officer = actor_for(people["met_pc"])
    pid = islington_child.pseudonymous_id
    assert child_get(actor=officer, pid=pid).basis == "own_records"
    end_met(islington_child)
    assert access_basis(officer, islington_child) is None
    with pytest.raises(ChildNotFound):
        child_get(actor=officer, pid=pid)
    assert islington_child not in child_list(actor=officer)
    met = islington_child.home_police_force
    assert not Child.objects.filter(visible_children_q(met)).exists()
    assert not Child.objects.filter(writable_children_q(met)).exists()


def test_another_agencys_current_holding_does_not_stand_in_for_an_ended_one(
    islington_child, agencies, people, actor_for, end_met
):
    """The agency and 'not ended' conditions apply to one holding row: Islington's current holding
    does not make the Met's ended one count."""
    end_met(islington_child)
    met = agencies["met"]
    assert Child.objects.filter(visible_children_q(met)).count() == 0
    assert Child.objects.filter(writable_children_q(met)).count() == 0
    assert Child.objects.filter(visible_children_q(agencies["islington"])).get() == islington_child


def test_an_agreement_over_all_the_providers_children_ends_with_the_holding(
    islington_child, agencies, people, actor_for, system_actor, end_met
):
    """Health sees the Met's children under an agreement; not a child the Met no longer holds."""
    today = timezone.localdate()
    agreement_create(
        actor=system_actor,
        title="Met to Whittington",
        provider=agencies["met"],
        recipient=agencies["health"],
        purpose="health assessments of arrested children",
        starts_on=today - timedelta(days=1),
        expires_on=today + timedelta(days=30),
        legal_basis="UK GDPR 6(1)(e)",
    )
    health = actor_for(people["health"])
    assert access_basis(health, islington_child).startswith("data_sharing_agreement:")
    assert islington_child in child_list(actor=health)
    end_met(islington_child)
    assert access_basis(health, islington_child) is None
    assert islington_child not in child_list(actor=health)


def test_an_agreement_for_one_child_needs_a_current_holding(
    islington_child, agencies, people, actor_for, system_actor, end_met
):
    end_met(islington_child)
    today = timezone.localdate()
    with pytest.raises(ValidationError) as refused:
        agreement_create(
            actor=system_actor,
            title="Met to Whittington",
            provider=agencies["met"],
            recipient=agencies["health"],
            purpose="health assessment",
            starts_on=today,
            expires_on=today,
            child=islington_child,
            legal_basis="UK GDPR 6(1)(e)",
        )
    assert refused.value.message_dict["child"] == [MSG_DSA_CHILD_NOT_HELD]


def test_the_access_history_is_for_current_holders(
    client, islington_child, agencies, make_user, people, actor_for, end_met
):
    """The Met's administrator reads the child's access history while the Met holds the child."""
    from ccehub.children.views import audit_history_allowed

    admin = actor_for(people["met_admin"])
    pid = islington_child.pseudonymous_id
    assert audit_history_allowed(admin, pid)
    client.force_login(people["met_admin"])
    assert pid in client.get("/children/history/").content.decode()
    end_met(islington_child)
    assert not audit_history_allowed(admin, pid)
    assert pid not in client.get("/children/history/").content.decode()


def test_an_ended_holding_no_longer_brings_emergency_accesses_to_review(
    client, islington_child, make_user, agencies, roles, actor_for, end_met
):
    """The Met reviews break-glass access to a child while it holds the child, not after."""
    kent_pc = make_user("kent.pc", agencies["kent"], roles.POLICE_OFFICER)
    access = emergency_access_start(
        actor=actor_for(kent_pc),
        pid=islington_child.pseudonymous_id,
        reason="Found at a trap house in Margate, no answer from Islington out of hours",
    )
    reviewer = make_user("met.reviewer", agencies["met"], roles.ADMIN, is_staff=True)
    reviewer.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_emergencyaccess", "change_emergencyaccess"])
    )
    client.force_login(reviewer)
    assert islington_child.pseudonymous_id in client.get("/admin/children/emergencyaccess/").content.decode()
    end_met(islington_child)
    assert (
        islington_child.pseudonymous_id not in client.get("/admin/children/emergencyaccess/").content.decode()
    )
    client.post(
        f"/admin/children/emergencyaccess/{access.pk}/change/",
        {"review_outcome": "justified", "review_note": "fine"},
    )
    access.refresh_from_db()
    assert access.reviewed_at is None


def test_the_timeliness_report_counts_children_held_now(
    islington_child, agencies, people, actor_for, end_met
):
    from ccehub.nrm.models import NRMReferral
    from ccehub.reports.timeliness import timeliness_rows

    NRMReferral.objects.create(
        child=islington_child, route="national", referred_on=date(2024, 2, 1), referred_on_basis="recorded"
    )
    officer = actor_for(people["met_pc"])
    assert len(timeliness_rows(actor=officer)[0]) == 1
    end_met(islington_child)
    assert timeliness_rows(actor=officer)[0] == []
    assert len(timeliness_rows(actor=actor_for(people["isl_sw"]))[0]) == 1


# --- Recording again ------------------------------------------------------------------------------


def test_recording_again_makes_the_agency_a_holder_again(
    islington_child, agencies, people, actor_for, system_actor, end_met
):
    """An arrest recorded for the Met after its holdings (from an earlier arrest) ended: new current
    rows on the same bases; the ended rows stay ended, with their reason."""
    from ccehub.incidents.services import incident_record

    met = agencies["met"]

    def arrest(days_ago):
        incident_record(
            actor=system_actor,
            child=islington_child,
            occurred_at=timezone.now() - timedelta(days=days_ago),
            incident_type="arrest_pwits",
            recording_agency=met,
            arresting_force=met,
        )

    arrest(400)
    ended = end_met(islington_child)
    assert len(ended) == 3
    arrest(1)
    current = CaseHolding.objects.current().filter(child=islington_child, agency=met)
    assert sorted(current.values_list("basis", flat=True)) == ["arresting_force", "recording_agency"]
    assert not current.filter(pk__in=[h.pk for h in ended]).exists()
    for holding in ended:
        holding.refresh_from_db()
        assert holding.ended_on is not None and holding.end_reason == REASON
    assert access_basis(actor_for(people["met_pc"]), islington_child) == "own_records"
