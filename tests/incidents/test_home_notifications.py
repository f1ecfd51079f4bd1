"""J-01: an arrest recorded by another agency tells the child's home local authority and home police
force at once (dashboard, and an email with no identity in it to each duty mailbox); the decision
page says who was told; loading data (the system) tells nobody."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from ccehub.audit.models import AuditEvent
from ccehub.children.models import CaseHolding
from ccehub.children.services import holding_end
from ccehub.incidents.services import incident_record, incident_record_and_triage
from ccehub.notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def kent_officer(make_user, agencies, roles):
    return make_user("kent.pc", agencies["kent"], roles.POLICE_OFFICER)


def _new_child(agencies):
    return {
        "given_name": "Jordan",
        "family_name": "Testchild",
        "sex": "male",
        "date_of_birth": timezone.localdate().replace(year=timezone.localdate().year - 16)
        - timedelta(days=3),
        "postcode": "N1 1AA",
        "home_local_authority": agencies["islington"],
        "home_police_force": agencies["met"],
    }


def _kent_arrest(actor, agencies):
    """Kent arrests a new child whose home is Islington (the Met's area)."""
    return incident_record_and_triage(
        actor=actor,
        new_child=_new_child(agencies),
        occurred_at=timezone.now() - timedelta(hours=1),
        incident_type="arrest_pwits",
        is_arrest=True,
    )


def test_an_arrest_in_kent_tells_islington_and_the_met_by_email(
    kent_officer, actor_for, agencies, django_capture_on_commit_callbacks
):
    for agency, mailbox in (
        (agencies["islington"], "mash@islington.example"),
        (agencies["met"], "mash@met.example"),
    ):
        agency.duty_email = mailbox
        agency.save()
    with django_capture_on_commit_callbacks(execute=True):
        decision = incident_record_and_triage(
            actor=actor_for(kent_officer),
            new_child=_new_child(agencies),
            occurred_at=timezone.now() - timedelta(hours=1),
            incident_type="arrest_pwits",
            is_arrest=True,
        )
    notes = {n.agency.code: n for n in Notification.objects.all()}
    assert set(notes) == {"la-islington", "met"}
    for note in notes.values():
        assert note.kind == "incident_recorded" and note.from_agency.code == "kent"
        assert note.object_id == str(decision.incident_id) and note.emailed_at is not None
    assert sorted(m.to[0] for m in mail.outbox) == ["mash@islington.example", "mash@met.example"]
    for email in mail.outbox:
        assert "arrested" in email.subject and decision.child.pseudonymous_id in email.body
        for secret in ("Jordan", "Testchild", "N1 1AA"):
            assert secret not in email.body and secret not in email.subject
    assert "home local authority" in notes["la-islington"].text and "home police force" in notes["met"].text


def test_the_home_force_recording_tells_only_the_home_authority(
    make_user, agencies, roles, actor_for, islington_child
):
    met = make_user("met.pc", agencies["met"], roles.POLICE_OFFICER)
    incident_record(
        actor=actor_for(met),
        child=islington_child,
        occurred_at=timezone.now() - timedelta(hours=3),
        incident_type="stop_search",
    )
    (note,) = Notification.objects.all()
    assert note.agency.code == "la-islington" and "came to the police's notice" in note.text


def test_loading_data_as_the_system_tells_nobody(system_actor, islington_child):
    incident_record(
        actor=system_actor,
        child=islington_child,
        occurred_at=timezone.now() - timedelta(days=300),
        incident_type="arrest_pwits",
        recording_agency=islington_child.home_police_force,
    )
    assert not Notification.objects.exists()


def test_the_home_authority_holds_the_child_again_and_the_decision_page_says_who_was_told(
    client, make_user, agencies, roles, actor_for, islington_child
):
    admin = make_user("isl.admin", agencies["islington"], roles.ADMIN)
    holding_end(
        actor=actor_for(admin),
        child=islington_child,
        agency=agencies["islington"],
        reason="Closed after review in 2025",
    )
    met = make_user("met.pc", agencies["met"], roles.POLICE_OFFICER)
    decision = incident_record_and_triage(
        actor=actor_for(met),
        child=islington_child,
        occurred_at=timezone.now() - timedelta(hours=2),
        incident_type="arrest_pwits",
        is_arrest=True,
    )
    assert CaseHolding.objects.current().filter(child=islington_child, agency=agencies["islington"]).exists()
    assert "J-01" in AuditEvent.objects.get(object_type="case_holding", action="create").detail
    client.force_login(met)
    text = html.unescape(client.get(f"/incidents/decisions/{decision.pk}/").content.decode())
    assert "ccehub told the child's home agencies" in text
    assert "Child arrested or stopped: Islington" in text and "no duty mailbox recorded" in text


def test_the_home_authoritys_dashboard_shows_the_arrest(
    client, kent_officer, make_user, agencies, roles, actor_for
):
    decision = _kent_arrest(actor_for(kent_officer), agencies)
    sw = make_user("isl.sw", agencies["islington"], roles.SOCIAL_WORKER)
    client.force_login(sw)
    board = html.unescape(client.get("/").content.decode())
    assert f"Kent Police recorded on ccehub that child {decision.child.pseudonymous_id} was arrested" in board
    camden = make_user("cam.sw", agencies["camden"], roles.SOCIAL_WORKER)
    client.force_login(camden)
    assert "was arrested" not in html.unescape(client.get("/").content.decode())  # not Camden's child


def test_the_home_force_sees_the_arrest_on_its_dashboard_and_holds_the_child_again(
    client, kent_officer, make_user, agencies, roles, actor_for
):
    decision = _kent_arrest(actor_for(kent_officer), agencies)
    child = decision.child
    met_admin = make_user("met.admin", agencies["met"], roles.ADMIN)
    holding_end(
        actor=actor_for(met_admin), child=child, agency=agencies["met"], reason="Not ours to work with now"
    )
    incident_record(
        actor=actor_for(kent_officer),
        child=child,
        occurred_at=timezone.now() - timedelta(minutes=30),
        incident_type="stop_search",
    )
    assert CaseHolding.objects.current().filter(child=child, agency=agencies["met"]).exists()
    met = make_user("met.pc", agencies["met"], roles.POLICE_OFFICER)
    client.force_login(met)
    board = html.unescape(client.get("/").content.decode())
    assert (
        f"Kent Police recorded on ccehub that child {child.pseudonymous_id} came to the police's notice"
        in board
    )
    # no offence or incident type in what crosses
    assert "PWITS" not in Notification.objects.filter(agency=agencies["met"]).first().text


def test_a_disclosure_or_intelligence_tells_nobody(make_user, agencies, roles, actor_for, islington_child):
    sw = make_user("isl.sw", agencies["islington"], roles.SOCIAL_WORKER)
    for kind in ("disclosure", "intelligence"):
        incident_record(
            actor=actor_for(sw),
            child=islington_child,
            occurred_at=timezone.now() - timedelta(hours=2),
            incident_type=kind,
        )
    assert not Notification.objects.exists()


def test_an_analyst_sees_no_dates_of_who_was_told_and_no_notes_on_the_dashboard(
    client, kent_officer, make_user, agencies, roles, actor_for
):
    decision = _kent_arrest(actor_for(kent_officer), agencies)
    analyst = make_user("isl.analyst", agencies["islington"], roles.ANALYST)
    client.force_login(analyst)
    text = html.unescape(client.get(f"/incidents/decisions/{decision.pk}/").content.decode())
    assert "ccehub told the child's home agencies" in text and "Child arrested or stopped: Islington" in text
    year = str(timezone.localdate().year)
    block = text.split("ccehub told the child's home agencies")[1].split("</div>")[0]
    assert year not in block
    assert "was arrested" not in html.unescape(client.get("/").content.decode())


def test_an_arrest_recorded_as_a_disclosure_still_tells(
    make_user, agencies, roles, actor_for, islington_child
):
    met = make_user("met.pc", agencies["met"], roles.POLICE_OFFICER)
    incident_record(
        actor=actor_for(met),
        child=islington_child,
        occurred_at=timezone.now() - timedelta(hours=2),
        incident_type="disclosure",
        is_arrest=True,
    )
    (note,) = Notification.objects.all()
    assert note.agency.code == "la-islington" and "was arrested" in note.text
