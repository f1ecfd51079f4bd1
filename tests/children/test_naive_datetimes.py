"""A date-time without an offset is read as UK local time (Europe/London) on every channel.

Found in black-box testing: POST /api/children/{pid}/incidents with "2025-03-01T21:00:00" (or a bare
date) crashed with "can't compare offset-naive and offset-aware datetimes".
"""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from ccehub.agencies.tokens import token_create
from ccehub.incidents.models import IdentifyingIncident

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def officer_headers(agencies, make_user, roles):
    user = make_user("n.officer", agencies["met"], roles.POLICE_OFFICER)
    return {"HTTP_AUTHORIZATION": f"Bearer {token_create(user=user, name='t')}"}


def _post(client, path, body, headers):
    return client.post(path, data=json.dumps(body), content_type="application/json", **headers)


@pytest.mark.parametrize(
    ("occurred_at", "expected"),
    [
        ("2025-03-01T21:00:00", datetime(2025, 3, 1, 21, 0, tzinfo=LONDON)),
        ("2024-07-01T21:00:00", datetime(2024, 7, 1, 21, 0, tzinfo=LONDON)),  # BST
        ("2022-09-24", datetime(2022, 9, 24, 0, 0, tzinfo=LONDON)),
    ],
)
def test_incident_without_offset_is_uk_local_time(
    client, islington_child, officer_headers, occurred_at, expected
):
    body = {"occurred_at": occurred_at, "incident_type": "arrest_pwits", "arrested": True}
    response = _post(
        client, f"/api/children/{islington_child.pseudonymous_id}/incidents", body, officer_headers
    )
    assert response.status_code == 201, response.content
    incident = IdentifyingIncident.objects.get(child=islington_child)
    assert incident.occurred_at == expected


@pytest.mark.parametrize("occurred_at", ["2025-02-30T21:00:00", "yesterday", "2025-13-01"])
def test_impossible_incident_date_is_422_naming_occurred_at(
    client, islington_child, officer_headers, occurred_at
):
    body = {"occurred_at": occurred_at, "incident_type": "arrest_pwits", "arrested": True}
    response = _post(
        client, f"/api/children/{islington_child.pseudonymous_id}/incidents", body, officer_headers
    )
    assert response.status_code == 422, response.content
    data = response.json()
    assert data["detail"] == "invalid input" and "occurred_at" in data["errors"]


def test_naive_incident_before_birth_is_refused_not_crashed(client, islington_child, officer_headers):
    body = {"occurred_at": "2001-01-01T10:00:00", "incident_type": "arrest_pwits", "arrested": True}
    response = _post(
        client, f"/api/children/{islington_child.pseudonymous_id}/incidents", body, officer_headers
    )
    assert response.status_code == 422 and "occurred_at" in response.json()["errors"]


def test_check_incident_date_accepts_naive_values(islington_child):
    from django.core.exceptions import ValidationError

    from ccehub.children.services import check_incident_date

    check_incident_date(islington_child, datetime(2024, 3, 1, 21, 0))
    with pytest.raises(ValidationError) as exc:
        check_incident_date(islington_child, datetime(2999, 1, 1, 0, 0))
    assert "occurred_at" in exc.value.message_dict


def test_fact_record_reads_naive_datetimes_as_uk_time(islington_child, system_actor):
    from ccehub.children.models import MissingEpisode
    from ccehub.children.services import fact_record

    episode = fact_record(
        actor=system_actor, child=islington_child, model=MissingEpisode, started_at=datetime(2024, 7, 1, 9, 0)
    )
    episode.refresh_from_db()
    assert episode.started_at == datetime(2024, 7, 1, 9, 0, tzinfo=LONDON)
