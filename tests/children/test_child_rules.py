"""child_create refuses what no channel should store: unknown categories, over-long names, implausible
dates of birth and exact duplicates (found in black-box testing of issue 2)."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from ccehub.children.models import Child, Identity
from ccehub.children.services import MAX_NAME_LENGTH, child_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def sw(agencies, make_user, roles):
    return make_user("r.sw", agencies["islington"], roles.SOCIAL_WORKER)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"ethnicity_ic_code": "IC99"}, "ethnicity_ic_code"),
        ({"family_name": "x" * 5000}, "family_name"),
        ({"given_name": "y" * (MAX_NAME_LENGTH + 1)}, "given_name"),
        ({"date_of_birth": date(1900, 1, 1)}, "date_of_birth"),
    ],
)
def test_service_refuses_and_names_the_field(sw, actor_for, kwargs, field):
    with pytest.raises(ValidationError) as refused:
        child_create(actor=actor_for(sw), **{"given_name": "Jo", **kwargs})
    assert field in refused.value.message_dict
    assert not Child.objects.exists() and not Identity.objects.exists()


def test_known_ic_code_and_long_enough_name_are_kept(sw, actor_for):
    child = child_create(
        actor=actor_for(sw), given_name="Jo", family_name="z" * MAX_NAME_LENGTH, ethnicity_ic_code="IC3"
    )
    assert Identity.objects.get(child=child).ethnicity_ic_code == "IC3"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"given_name": "Api", "ethnicity_ic_code": "IC99"}, "ethnicity_ic_code"),
        ({"given_name": "Api", "family_name": "x" * 5000}, "family_name"),
        ({"given_name": "Api", "date_of_birth": "1900-01-01"}, "date_of_birth"),
    ],
)
def test_api_refuses_with_422_naming_the_field(client, sw, body, field):
    client.force_login(sw)
    response = client.post("/api/children/", body, content_type="application/json")
    assert response.status_code == 422 and field in response.json()["errors"]
    assert not Child.objects.exists()


def test_exact_duplicate_is_refused_naming_the_existing_child(sw, actor_for, agencies):
    args = {
        "given_name": "Jo",
        "family_name": "Bloggs",
        "date_of_birth": date(2009, 1, 2),
        "home_local_authority": agencies["islington"],
    }
    first = child_create(actor=actor_for(sw), **args)
    with pytest.raises(ValidationError) as refused:
        child_create(actor=actor_for(sw), **{**args, "given_name": "JO"})
    assert first.pseudonymous_id in str(refused.value)
    assert Child.objects.count() == 1
    child_create(actor=actor_for(sw), allow_duplicate=True, **args)
    assert Child.objects.count() == 2


def test_duplicate_check_does_not_reveal_another_agencys_child(sw, actor_for, agencies, make_user, roles):
    """Camden cannot learn that Islington holds a 'Jo Bloggs' born on that day by trying to add one."""
    camden = make_user("r.camden", agencies["camden"], roles.SOCIAL_WORKER)
    args = {"given_name": "Jo", "family_name": "Bloggs", "date_of_birth": date(2009, 1, 2)}
    child_create(actor=actor_for(sw), **args)
    child_create(actor=actor_for(camden), **args)
    assert Child.objects.count() == 2


def test_unknown_children_of_unknown_age_are_not_duplicates(sw, actor_for):
    child_create(actor=actor_for(sw), given_name="Unknown")
    child_create(actor=actor_for(sw), given_name="Unknown")
    assert Child.objects.count() == 2


def test_system_loaders_are_not_checked_for_duplicates(system_actor):
    """The system actor (demo loader, generator, operator without --user) acts for no agency."""
    for _ in range(2):
        child_create(
            actor=system_actor, given_name="Jo", family_name="Bloggs", date_of_birth=date(2009, 1, 2)
        )
    assert Child.objects.count() == 2
