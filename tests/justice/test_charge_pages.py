"""The charges pages: police record a charge and what happened to it; the charging screen shows every
open NRM referral (J-04); a stayed charge takes the prosecution decision (J-03); others read only."""

from __future__ import annotations

import html
from datetime import date, timedelta

import pytest
from django.utils import timezone

from ccehub.audit.models import AuditEvent
from ccehub.justice.models import Charge, ChargeStatus
from ccehub.nrm.models import NRMDecision, NRMReferral

pytestmark = pytest.mark.django_db


@pytest.fixture
def earlier_referral(islington_child):
    """Tom's case: an earlier referral, about something else, awaiting its CG after a positive RG."""
    referral = NRMReferral.objects.create(
        child=islington_child, referred_on=date.today() - timedelta(days=300)
    )
    NRMDecision.objects.create(
        referral=referral, stage="rg", outcome="positive", decided_on=date.today() - timedelta(days=290)
    )
    return referral


def page(response) -> str:
    return html.unescape(response.content.decode())


def date_fields(name: str, day: date) -> dict[str, str]:
    return {f"{name}_day": str(day.day), f"{name}_month": str(day.month), f"{name}_year": str(day.year)}


def test_charging_screen_shows_unlinked_open_referral_then_records(
    client, kent_pc, islington_child, incident, earlier_referral
):
    client.force_login(kent_pc)
    pid = islington_child.pseudonymous_id
    listing = page(client.get(f"/children/{pid}/charges/"))
    assert "No charges recorded." in listing and "Record a charge for the incident" in listing
    form = client.get(f"/children/{pid}/charges/new/?incident={incident.pk}")
    assert form.status_code == 200
    text = page(form)
    assert "not linked to this incident" in text and "J-04" in text
    token = form.context["form"].initial["submission"]
    data = {"incident": str(incident.pk), "offence": "pwits_class_a", "submission": token}
    data |= date_fields("charged_on", date.today() - timedelta(days=1))
    response = client.post(f"/children/{pid}/charges/new/", data, follow=True)
    assert "Charge recorded" in page(response)
    (charge,) = Charge.objects.filter(child=islington_child)
    assert charge.status == ChargeStatus.CHARGED and charge.incident_id == incident.pk
    # Sent again (Back, then submit): shown, not recorded twice.
    again = client.post(f"/children/{pid}/charges/new/", data, follow=True)
    assert "already recorded" in page(again) and Charge.objects.filter(child=islington_child).count() == 1
    # The charge page shows the notice too, and takes it to court.
    detail = page(client.get(f"/children/{pid}/charges/{charge.pk}/"))
    assert "not linked to this incident" in detail
    response = client.post(f"/children/{pid}/charges/{charge.pk}/", {"to_status": "court_proceedings"})
    assert response.status_code == 302
    charge.refresh_from_db()
    assert charge.status == ChargeStatus.COURT_PROCEEDINGS


def test_bad_form_is_a_400_with_messages_and_nothing_saved(client, kent_pc, islington_child, incident):
    client.force_login(kent_pc)
    pid = islington_child.pseudonymous_id
    data = {"offence": "jaywalking"} | date_fields("charged_on", date.today() + timedelta(days=3))
    response = client.post(f"/children/{pid}/charges/new/", data)
    assert response.status_code == 400
    assert "Choose an offence from the list" in page(response)
    data = {"offence": "pwits_class_a"} | date_fields("charged_on", date.today() + timedelta(days=3))
    response = client.post(f"/children/{pid}/charges/new/", data)
    assert response.status_code == 400 and "The date charged must be today or in the past" in page(response)
    assert not Charge.objects.exists()
    charge_less = client.post(f"/children/{pid}/charges/new/?incident=not-an-incident", data)
    assert charge_less.status_code == 404


def test_dropping_needs_a_reason_on_the_page(client, kent_pc, islington_child, incident):
    client.force_login(kent_pc)
    pid = islington_child.pseudonymous_id
    charge = Charge.objects.create(child=islington_child, incident=incident, offence="pwits_class_a")
    response = client.post(
        f"/children/{pid}/charges/{charge.pk}/", {"to_status": "discontinued", "reason": ""}
    )
    assert response.status_code == 400 and "Enter why the charge was dropped" in page(response)
    response = client.post(
        f"/children/{pid}/charges/{charge.pk}/", {"to_status": "discontinued", "reason": "Likely exploited"}
    )
    assert response.status_code == 302
    charge.refresh_from_db()
    assert charge.status == ChargeStatus.DISCONTINUED and charge.status_reason == "Likely exploited"


def test_stayed_charge_takes_the_prosecution_decision(client, kent_pc, islington_child, incident):
    """R-09/J-03: continuing waits for the CG; discontinuing does not."""
    from ccehub.common.access import Actor
    from ccehub.justice.services import charge_record

    referral = NRMReferral.objects.create(
        child=islington_child, linked_incident=incident, referred_on=date.today() - timedelta(days=10)
    )
    NRMDecision.objects.create(
        referral=referral, stage="rg", outcome="positive", decided_on=date.today() - timedelta(days=5)
    )
    system = Actor.for_system(name="t", channel="system", purpose="t")
    charge = charge_record(actor=system, child=islington_child, offence="pwits_class_a", incident=incident)
    assert charge.status == ChargeStatus.STAYED_PENDING_CG
    client.force_login(kent_pc)
    url = f"/children/{islington_child.pseudonymous_id}/charges/{charge.pk}/"
    text = page(client.get(url))
    assert "Prosecution decision" in text and "the charge is stayed" in text
    response = client.post(url, {"decision": "continue", "text": "Serious violence"})
    assert response.status_code == 400 and "cannot continue until the conclusive-grounds decision" in page(
        response
    )
    response = client.post(url, {"decision": "discontinue", "text": "Victim of exploitation"})
    assert response.status_code == 302
    charge.refresh_from_db()
    assert charge.status == ChargeStatus.DISCONTINUED


def test_social_worker_reads_but_cannot_record(client, make_user, agencies, roles, islington_child, incident):
    sw = make_user("isl.sw", agencies["islington"], roles.SOCIAL_WORKER)
    charge = Charge.objects.create(child=islington_child, incident=incident, offence="pwits_class_a")
    client.force_login(sw)
    pid = islington_child.pseudonymous_id
    listing = client.get(f"/children/{pid}/charges/")
    assert listing.status_code == 200 and "Record a charge" not in page(listing)
    assert "<form" not in page(client.get(f"/children/{pid}/charges/{charge.pk}/")).split("</header>")[-1]
    assert client.get(f"/children/{pid}/charges/new/").status_code == 403
    response = client.post(f"/children/{pid}/charges/{charge.pk}/", {"to_status": "court_proceedings"})
    assert response.status_code == 403
    charge.refresh_from_db()
    assert charge.status == ChargeStatus.CHARGED
    assert AuditEvent.objects.filter(action="denied", object_type="charge", child_pid=pid).count() == 2


def test_no_basis_no_page(client, make_user, agencies, roles, islington_child):
    stranger = make_user("camden.sw", agencies["camden"], roles.SOCIAL_WORKER)
    client.force_login(stranger)
    assert client.get(f"/children/{islington_child.pseudonymous_id}/charges/").status_code == 404
    assert client.get(f"/children/{islington_child.pseudonymous_id}/charges/new/").status_code == 404


def test_child_page_links_to_charges(client, kent_pc, islington_child, incident):
    Charge.objects.create(child=islington_child, incident=incident, offence="pwits_class_a")
    client.force_login(kent_pc)
    text = page(client.get(f"/children/{islington_child.pseudonymous_id}/"))
    assert f"/children/{islington_child.pseudonymous_id}/charges/" in text and "(1 charge)" in text


def test_court_outcomes_remand_then_sentence(client, kent_pc, islington_child, incident):
    """Daniel-like: remanded while before the court; then convicted and sentenced."""
    from ccehub.justice.models import CourtOutcome

    charge = Charge.objects.create(
        child=islington_child,
        incident=incident,
        offence="pwits_class_a",
        charged_on=date.today() - timedelta(days=30),
        status=ChargeStatus.COURT_PROCEEDINGS,
    )
    client.force_login(kent_pc)
    pid = islington_child.pseudonymous_id
    url = f"/children/{pid}/charges/{charge.pk}/court/"
    assert "Record a court outcome" in page(client.get(f"/children/{pid}/charges/{charge.pk}/"))
    # A sentence before a conviction is refused, on the form, and nothing is saved.
    data = date_fields("decided_on", date.today() - timedelta(days=20)) | {"sentence_type": "custody"}
    response = client.post(url, data)
    assert response.status_code == 400 and "only be recorded on a charge that ended in a conviction" in page(
        response
    )
    assert not CourtOutcome.objects.exists()
    response = client.post(
        url, date_fields("decided_on", date.today() - timedelta(days=20)) | {"remanded_in_custody": "on"}
    )
    assert response.status_code == 302
    client.post(f"/children/{pid}/charges/{charge.pk}/", {"to_status": "convicted"})
    data = date_fields("decided_on", date.today() - timedelta(days=2)) | {
        "sentence_type": "dto",
        "length_months": "12",
    }
    assert client.post(url, data).status_code == 302
    text = page(client.get(f"/children/{pid}/charges/{charge.pk}/"))
    assert "remanded in custody" in text and "Detention and training order, 12 months" in text
    assert CourtOutcome.objects.filter(charge=charge).count() == 2
    assert AuditEvent.objects.filter(object_type="courtoutcome", child_pid=pid, action="create").count() == 2


def test_yot_records_court_outcomes_but_not_charges(
    client, make_user, agencies, roles, islington_child, incident
):
    from ccehub.agencies.models import Agency, AgencyKind
    from ccehub.children.models import CaseHolding

    yot = Agency.objects.create(
        code="islington-yjs", name="Islington YJS", kind=AgencyKind.YOUTH_OFFENDING_TEAM
    )
    CaseHolding.objects.create(child=islington_child, agency=yot, basis="youth_justice")
    worker = make_user("yot.worker", yot, roles.YOT_WORKER)
    charge = Charge.objects.create(
        child=islington_child, incident=incident, offence="pwits_class_a", status=ChargeStatus.CONVICTED
    )
    client.force_login(worker)
    pid = islington_child.pseudonymous_id
    assert client.get(f"/children/{pid}/charges/new/").status_code == 403
    data = date_fields("decided_on", date.today() - timedelta(days=2)) | {
        "sentence_type": "yro",
        "length_months": "12",
    }
    assert client.post(f"/children/{pid}/charges/{charge.pk}/court/", data).status_code == 302
    assert "Youth rehabilitation order, 12 months" in page(
        client.get(f"/children/{pid}/charges/{charge.pk}/")
    )


def test_social_worker_cannot_record_court_outcome(
    client, make_user, agencies, roles, islington_child, incident
):
    sw = make_user("isl.sw2", agencies["islington"], roles.SOCIAL_WORKER)
    charge = Charge.objects.create(
        child=islington_child, incident=incident, offence="pwits_class_a", status=ChargeStatus.CONVICTED
    )
    client.force_login(sw)
    pid = islington_child.pseudonymous_id
    assert "Record a court outcome" not in page(client.get(f"/children/{pid}/charges/{charge.pk}/"))
    response = client.post(
        f"/children/{pid}/charges/{charge.pk}/court/", date_fields("decided_on", date.today())
    )
    assert response.status_code == 403 and "youth offending team" in page(response)


def test_dashboard_asks_the_police_for_the_prosecution_decision_after_the_cg(
    client, kent_pc, make_user, agencies, roles, islington_child, incident
):
    """J-03: a positive CG does not lift the stay; the police are told a decision is waiting."""
    from ccehub.common.access import Actor
    from ccehub.justice.services import charge_record

    referral = NRMReferral.objects.create(
        child=islington_child, linked_incident=incident, referred_on=date.today() - timedelta(days=100)
    )
    NRMDecision.objects.create(
        referral=referral, stage="rg", outcome="positive", decided_on=date.today() - timedelta(days=95)
    )
    system = Actor.for_system(name="t", channel="system", purpose="t")
    charge = charge_record(actor=system, child=islington_child, offence="pwits_class_a", incident=incident)
    client.force_login(kent_pc)
    assert "record the prosecution decision" not in page(client.get("/")), "no CG yet: nothing to decide"
    NRMDecision.objects.create(
        referral=referral, stage="cg", outcome="positive", decided_on=date.today() - timedelta(days=1)
    )
    text = page(client.get("/"))
    assert "record the prosecution decision" in text
    assert f"/children/{islington_child.pseudonymous_id}/charges/{charge.pk}/" in text
    # Not for social care, who cannot make it.
    client.force_login(make_user("isl.sw3", agencies["islington"], roles.SOCIAL_WORKER))
    assert "record the prosecution decision" not in page(client.get("/"))
    # Decided: no longer asked.
    client.force_login(kent_pc)
    client.post(
        f"/children/{islington_child.pseudonymous_id}/charges/{charge.pk}/",
        {"decision": "discontinue", "text": "Victim of exploitation"},
    )
    assert "record the prosecution decision" not in page(client.get("/"))


def test_sentence_ended_early(client, kent_pc, islington_child, incident):
    """Tom: a 12-month YRO that ended at 5 months for good progress."""
    from ccehub.justice.models import CourtOutcome

    charge = Charge.objects.create(
        child=islington_child, incident=incident, offence="pwits_class_a", status=ChargeStatus.CONVICTED
    )
    outcome = CourtOutcome.objects.create(
        child=islington_child,
        charge=charge,
        decided_on=date.today() - timedelta(days=200),
        sentence_type="yro",
        length_months=12,
    )
    client.force_login(kent_pc)
    pid = islington_child.pseudonymous_id
    assert "Record that it ended early" in page(client.get(f"/children/{pid}/charges/{charge.pk}/"))
    url = f"/children/{pid}/charges/{charge.pk}/court/{outcome.pk}/ended-early/"
    bad = client.post(url, {"months": "12", "reason": "Completed"})
    assert bad.status_code == 400 and "did not end early" in page(bad)
    response = client.post(url, {"months": "5", "reason": "Revoked early for good progress"}, follow=True)
    text = page(response)
    assert "the sentence ended after 5 months" in text and "(ended after 5 months)" in text
    assert "Record that it ended early" not in text
    outcome.refresh_from_db()
    assert outcome.ended_early_after_months == 5
    assert client.post(url, {"months": "4", "reason": "again"}).status_code == 400
    assert (
        client.get(f"/children/{pid}/charges/{charge.pk}/court/{charge.pk}/ended-early/").status_code == 404
    )


def test_analyst_sees_the_offence_not_the_free_text(
    client, make_user, agencies, roles, islington_child, incident
):
    """Pseudonymised sight: the catalogue's offence, the status, dates; never the description, the reasons,
    the justification or why a sentence ended early (free text can name people)."""
    from ccehub.justice.models import CourtOutcome

    charge = Charge.objects.create(
        child=islington_child,
        incident=incident,
        offence="pwits_class_a",
        offence_description="Supplied heroin with Tyler Example at 12 Acacia Road",
        status=ChargeStatus.CONVICTED,
        status_reason="Convicted; Tyler Example gave evidence",
        prosecution_justification="Public interest per DCI Someone",
    )
    CourtOutcome.objects.create(
        child=islington_child,
        charge=charge,
        decided_on=date.today() - timedelta(days=100),
        sentence_type="yro",
        length_months=12,
        ended_early_after_months=5,
        ended_early_reason="Revoked after Tyler Example moved away",
    )
    client.force_login(make_user("isl.analyst", agencies["islington"], roles.ANALYST))
    pid = islington_child.pseudonymous_id
    for url in (f"/children/{pid}/charges/", f"/children/{pid}/charges/{charge.pk}/"):
        response = client.get(url)
        assert response.status_code == 200
        text = page(response)
        assert "Possession with intent to supply a Class A drug" in text
        for secret in ("Tyler", "Acacia", "DCI Someone"):
            assert secret not in text, (url, secret)


def test_child_page_chronology_hides_offence_descriptions_from_analysts(
    client, make_user, agencies, roles, islington_child, incident
):
    from ccehub.justice.models import Arrest

    Charge.objects.create(
        child=islington_child,
        incident=incident,
        offence="pwits_class_a",
        offence_description="Supplied with Tyler Example",
        charged_on=date.today() - timedelta(days=3),
    )
    Arrest.objects.create(
        child=islington_child,
        offences=["pwits_class_a"],
        offence_description="Arrested with Tyler Example",
        arrested_at=timezone.now() - timedelta(days=4),
    )
    pid = islington_child.pseudonymous_id
    client.force_login(make_user("isl.analyst2", agencies["islington"], roles.ANALYST))
    text = page(client.get(f"/children/{pid}/"))
    assert "Tyler" not in text
    assert "Charge Possession with intent to supply a Class A drug: charged" in text
    client.force_login(make_user("isl.sw4", agencies["islington"], roles.SOCIAL_WORKER))
    text = page(client.get(f"/children/{pid}/"))
    assert "Charge Supplied with Tyler Example: charged" in text and "Arrested with Tyler Example" in text


def test_police_with_full_sight_see_the_free_text(client, kent_pc, islington_child, incident):
    """The counterpart of the analyst test: the officer who recorded them sees the description, the
    reason and the justification (the pages load no identity, so sight is decided by the basis)."""
    charge = Charge.objects.create(
        child=islington_child,
        incident=incident,
        offence="pwits_class_a",
        offence_description="Supplied heroin at the Acacia Road address",
        status=ChargeStatus.COURT_PROCEEDINGS,
        status_reason="First hearing listed",
        prosecution_justification="Serious violence alongside the supply",
    )
    client.force_login(kent_pc)
    pid = islington_child.pseudonymous_id
    assert "Supplied heroin at the Acacia Road address" in page(client.get(f"/children/{pid}/charges/"))
    text = page(client.get(f"/children/{pid}/charges/{charge.pk}/"))
    for shown in ("Supplied heroin at the Acacia Road address", "First hearing listed", "Serious violence"):
        assert shown in text


def test_a_charge_of_another_child_is_not_found(
    client, kent_pc, system_actor, agencies, islington_child, incident
):
    from ccehub.children.services import child_create

    other = child_create(
        actor=system_actor,
        given_name="Other",
        family_name="Child",
        sex="male",
        home_local_authority=agencies["islington"],
    )
    from ccehub.children.models import CaseHolding

    CaseHolding.objects.create(child=other, agency=agencies["kent"], basis="arresting_force")
    charge = Charge.objects.create(child=islington_child, incident=incident, offence="pwits_class_a")
    client.force_login(kent_pc)
    url = f"/children/{other.pseudonymous_id}/charges/{charge.pk}/"
    assert client.get(url).status_code == 404
    assert client.post(url, {"to_status": "discontinued", "reason": "x"}).status_code == 404
    charge.refresh_from_db()
    assert charge.status == ChargeStatus.CHARGED
    assert AuditEvent.objects.filter(action="denied", object_type="charge", object_id=str(charge.pk)).exists()


def test_incident_is_labelled_with_its_uk_day(client, kent_pc, islington_child, system_actor, agencies):
    """00:30 BST on 5 June is 23:30 UTC on 4 June: the pages say 5 June."""
    from datetime import UTC, datetime

    from ccehub.incidents.services import incident_record

    incident_record(
        actor=system_actor,
        child=islington_child,
        occurred_at=datetime(2025, 6, 4, 23, 30, tzinfo=UTC),
        incident_type="arrest_pwits",
        recording_agency=agencies["kent"],
        arresting_force=agencies["kent"],
    )
    client.force_login(kent_pc)
    text = page(client.get(f"/children/{islington_child.pseudonymous_id}/charges/"))
    assert "on 5 June 2025" in text and "on 4 June 2025" not in text
