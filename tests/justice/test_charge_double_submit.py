"""The charge form sent twice records one charge: again later, from another session, or twice at once.

The form's one-time token used to be remembered in the session, so two posts at the same moment (both
read the session before either wrote it) recorded two charges. It is now kept on the charge itself,
under a unique constraint, scoped to the user who sent it. (A test of two real requests at once needs
committed data, and the suite's PostgreSQL database cannot be flushed after one: the audit table is
append-only. The constraint is tested, and the losing request's two paths are reached by letting the
"other request" record its charge just before this one's insert.)
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client

from ccehub.justice.models import Charge
from tests.justice.test_charge_pages import date_fields, page


def form_data(client: Client, pid: str, incident) -> dict[str, str]:
    form = client.get(f"/children/{pid}/charges/new/?incident={incident.pk}")
    assert form.status_code == 200
    data = {
        "incident": str(incident.pk),
        "offence": "pwits_class_a",
        "submission": form.context["form"].initial["submission"],
    }
    return data | date_fields("charged_on", date.today() - timedelta(days=1))


@pytest.mark.django_db
def test_the_same_form_from_a_new_session_finds_the_charge(kent_pc, islington_child, incident):
    """Signed out and in again (a new session) between the two sends: still one charge."""
    pid = islington_child.pseudonymous_id
    first = Client()
    first.force_login(kent_pc)
    data = form_data(first, pid, incident)
    assert "Charge recorded" in page(first.post(f"/children/{pid}/charges/new/", data, follow=True))
    second = Client()
    second.force_login(kent_pc)
    again = second.post(f"/children/{pid}/charges/new/", data)
    (charge,) = Charge.objects.filter(child=islington_child)
    assert again.status_code == 302 and again["Location"] == f"/children/{pid}/charges/{charge.pk}/"
    assert "already recorded" in page(second.get(again["Location"]))


@pytest.mark.django_db
def test_a_token_is_the_users_own(make_user, agencies, roles, kent_pc, islington_child, incident):
    """Another officer who sends the same token records a charge of their own: a token never shows one
    user what another recorded, nor stops them."""
    pid = islington_child.pseudonymous_id
    one = Client()
    one.force_login(kent_pc)
    data = form_data(one, pid, incident)
    one.post(f"/children/{pid}/charges/new/", data)
    other = Client()
    other.force_login(make_user("kent.dc", agencies["kent"], roles.POLICE_OFFICER))
    response = other.post(f"/children/{pid}/charges/new/", data, follow=True)
    assert "Charge recorded" in page(response) and "already recorded" not in page(response)
    assert Charge.objects.filter(child=islington_child).count() == 2


@pytest.mark.django_db
def test_one_key_once_in_the_database(islington_child, incident):
    """The race is decided here: two sends at once both pass the look-up for an earlier charge, and
    the unique key makes the second insert fail (on PostgreSQL, after waiting for the first's
    transaction); the view then shows the first's charge. Blank keys (charges from services and
    imports) are not constrained."""
    Charge.objects.create(child=islington_child, offence="pwits_class_a", request_key="7:token")
    with pytest.raises(IntegrityError), transaction.atomic():
        Charge.objects.create(child=islington_child, offence="pwits_class_a", request_key="7:token")
    Charge.objects.create(child=islington_child, offence="pwits_class_a")
    Charge.objects.create(child=islington_child, offence="pwits_class_a")
    assert Charge.objects.filter(child=islington_child).count() == 3


@pytest.mark.django_db
def test_the_service_refuses_a_key_already_used_and_records_nothing(system_actor, islington_child, incident):
    from ccehub.justice.services import charge_record

    actor = system_actor
    values = {"child": islington_child, "offence": "pwits_class_a", "incident": incident}
    first = charge_record(actor=actor, request_key="7:token", **values)
    with pytest.raises((ValidationError, IntegrityError)), transaction.atomic():
        charge_record(actor=actor, request_key="7:token", **values)
    assert list(Charge.objects.filter(child=islington_child)) == [first]


@pytest.mark.django_db
@pytest.mark.parametrize("lost_at", ["validation", "insert"])
def test_the_request_that_loses_the_race_shows_the_winners_charge(
    monkeypatch, client, kent_pc, islington_child, incident, lost_at
):
    """Between this request's look-up and its insert, the other send of the same form recorded the
    charge. The loser fails either when the model's constraint check sees the winner's row
    (``validation``) or, when both checks ran before either insert, on the database's unique index
    (``insert``); both paths show the winner's charge and record nothing more."""
    from ccehub.justice import services

    real = services.charge_record
    winner: dict[str, Charge] = {}

    def the_other_request_commits_first(**kwargs):
        winner["charge"] = Charge.objects.create(
            child=kwargs["child"], offence=kwargs["offence"], request_key=kwargs["request_key"]
        )
        if lost_at == "insert":
            raise IntegrityError("duplicate key value violates unique constraint charge_request_key_once")
        return real(**kwargs)

    monkeypatch.setattr(services, "charge_record", the_other_request_commits_first)
    client.force_login(kent_pc)
    pid = islington_child.pseudonymous_id
    response = client.post(f"/children/{pid}/charges/new/", form_data(client, pid, incident))
    assert response.status_code == 302
    assert response["Location"] == f"/children/{pid}/charges/{winner['charge'].pk}/"
    assert list(Charge.objects.filter(child=islington_child)) == [winner["charge"]]


@pytest.mark.django_db
def test_a_form_sent_back_with_errors_and_no_token_gets_one(client, kent_pc, islington_child, incident):
    client.force_login(kent_pc)
    pid = islington_child.pseudonymous_id
    response = client.post(f"/children/{pid}/charges/new/", {"incident": str(incident.pk), "offence": ""})
    assert response.status_code == 400
    token = response.context["form"]["submission"].value()
    assert token and len(token) >= 16
