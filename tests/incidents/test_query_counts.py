"""A child's triage decisions cost the same number of queries however many there are (counts, never
timings): the API lists every decision of a child, and one query per decision would make the
children arrested most often the slowest to read."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.incidents.conftest import INCIDENT_AT, incident_values

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-test-password"


def triage_more(people, child, count: int) -> None:
    from ccehub.incidents.services import incident_record_and_triage

    start = child.incidents.count()
    for i in range(start, start + count):
        incident_record_and_triage(
            actor=people["officer"],
            child=child,
            **incident_values(occurred_at=INCIDENT_AT + timedelta(days=i)),
        )


def queries(client, url: str) -> int:
    client.get(url)  # the first request of a session does its own one-off work
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return len(ctx.captured_queries)


@pytest.mark.parametrize("who", ["officer", "analyst"])
def test_child_triage_list_queries_do_not_grow_with_the_decisions(client, people, presumed, who):
    """``GET /api/children/{pid}/triage``, to an identified reader and a pseudonymised one."""
    child = presumed.child
    assert client.login(username=people["users"][who].username, password=PASSWORD)
    url = f"/api/children/{child.pseudonymous_id}/triage"
    one = queries(client, url)
    triage_more(people, child, 4)
    assert len(client.get(url).json()) == 5
    assert queries(client, url) == one
