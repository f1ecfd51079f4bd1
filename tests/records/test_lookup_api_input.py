"""POST /api/lookup reads its body as strictly as the other endpoints (API review, seventh issue-4
session). Each case is refused before any index is searched, so no index is built here; where the
input is valid the answer is the "no index" 503, which shows the body was accepted."""

from __future__ import annotations

import json

import pytest

from ccehub.agencies.tokens import token_create
from ccehub.audit.models import AuditEvent


@pytest.fixture
def officer_token(agencies, make_user, roles):
    return token_create(user=make_user("pc.input", agencies["kent"], roles.POLICE_OFFICER), name="t")


def _post(client, token, body):
    return client.post(
        "/api/lookup", json.dumps(body), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )


def test_an_unknown_field_is_refused_not_dropped(client, officer_token):
    """A "birth_date" typo was dropped and the look-up run on the name alone; a "threshhold" typo ran
    at the default threshold. Both are refused naming the field, as POST /api/children/ does."""
    body = {"given_name": "Tom", "birth_date": "2010-02-03", "purpose": "custody"}
    response = _post(client, officer_token, body)
    assert response.status_code == 422
    assert response.json()["errors"] == {"birth_date": ["is not a recognised field"]}
    assert not AuditEvent.objects.filter(object_type="person_lookup", action="lookup").exists()


def test_dob_is_read_as_the_date_of_birth(client, officer_token):
    """`dob` is the command line's name (`--dob`): the API reads it as date_of_birth, checked the
    same way, and refuses two different dates given under both names."""
    response = _post(client, officer_token, {"given_name": "Tom", "dob": "2010-02-03", "purpose": "custody"})
    assert response.status_code == 503  # accepted; no index is built here
    response = _post(client, officer_token, {"given_name": "Tom", "dob": "03/02/2010", "purpose": "custody"})
    assert response.status_code == 422 and "date_of_birth" in response.json()["errors"]
    both = {"given_name": "Tom", "dob": "2010-02-03", "date_of_birth": "2010-02-04", "purpose": "custody"}
    response = _post(client, officer_token, both)
    assert response.status_code == 422 and "not both" in json.dumps(response.json())


@pytest.mark.parametrize("threshold", [2, -0.5])
def test_a_threshold_out_of_range_has_the_common_error_shape(client, officer_token, threshold):
    response = _post(
        client, officer_token, {"given_name": "Tom", "purpose": "custody", "threshold": threshold}
    )
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "invalid input" and list(body["errors"]) == ["threshold"]


def test_a_threshold_given_as_true_is_refused(client, officer_token):
    """`true` was read as a threshold of 1.0 (every candidate below it dropped, silently)."""
    response = _post(client, officer_token, {"given_name": "Tom", "purpose": "custody", "threshold": True})
    assert response.status_code == 422 and "threshold" in response.json()["errors"]


def test_an_analyst_is_refused_whatever_the_threshold(client, agencies, make_user, roles):
    """The role is the first refusal (403, audited), not the threshold's range (422)."""
    token = token_create(user=make_user("an.input", agencies["islington"], roles.ANALYST), name="t")
    response = _post(client, token, {"given_name": "Tom", "purpose": "research", "threshold": 2})
    assert response.status_code == 403
    assert AuditEvent.objects.filter(
        username="an.input", action="denied", object_type="person_lookup"
    ).exists()


def test_null_means_not_given(client, officer_token):
    """`null` for a field not known (as /api/triage and /api/children/ take it) was a 422 "Input
    should be a valid string"."""
    body = {
        "given_name": "Tom",
        "family_name": None,
        "date_of_birth": None,
        "sex": None,
        "postcode": None,
        "threshold": None,
        "purpose": "custody",
    }
    response = _post(client, officer_token, body)
    assert response.status_code == 503, response.json()


@pytest.mark.parametrize("written", ["2010-W05-3", "20100203", "2010-034"])
def test_date_of_birth_only_as_yyyy_mm_dd(client, officer_token, written):
    """An ISO week, compact or ordinal date was read as some day (the message says YYYY-MM-DD, and
    /api/children/ refuses these), so "2010-W05-3" searched for 3 February."""
    response = _post(client, officer_token, {"given_name": "Tom", "date_of_birth": written, "purpose": "c"})
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["date_of_birth"]
