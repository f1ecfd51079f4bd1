"""The web form's error messages name the field (GOV.UK error summary), not Django's defaults."""

from __future__ import annotations

import pytest

from ccehub.children.forms import ChildCreateForm

pytestmark = pytest.mark.django_db


def test_required_and_invalid_choice_name_the_field(agencies):
    form = ChildCreateForm(
        {
            "given_name": "Jo",
            "ethnicity_ic_code": "IC99",
            "home_local_authority": "00000000-0000-0000-0000-000000000000",
            "family_name": "x" * 101,
        }
    )
    assert not form.is_valid()
    errors = form.errors
    assert errors["sex"] == ["Select sex"]
    assert errors["ethnicity_ic_code"] == [
        "Ethnicity (police IC code, apparent): select one of the options listed"
    ]
    assert errors["home_local_authority"] == ["Home local authority: select one of the options listed"]
    assert errors["family_name"] == ["Family name must be 100 characters or fewer"]
    text = str(errors)
    assert "This field is required" not in text and "Select a valid choice" not in text


def test_fields_own_messages_are_kept(agencies):
    form = ChildCreateForm({"sex": "male"})
    assert not form.is_valid()
    assert form.errors["given_name"] == ["Enter the child's given name, or 'Unknown'"]


def test_page_shows_the_named_errors(client, agencies, make_user, roles):
    user = make_user("f.sw", agencies["islington"], roles.SOCIAL_WORKER)
    client.force_login(user)
    response = client.post("/children/new/", {"given_name": "Jo", "ethnicity_ic_code": "IC99"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "govuk-error-summary" in page and "Select sex" in page
    assert "This field is required" not in page
