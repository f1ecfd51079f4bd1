"""A child's record costs the same number of queries however long the child's history is.

Each test reads the same page (or API answer) for a child with one step of history and again with
three (an arrest triaged by a police officer, an NRM referral with a decision, a missing episode, a
placement, a strategy meeting), and expects the same count: a query per row (an N+1) would make a
long chronology, the children most at risk, the slowest to open. Counts, never timings.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.panels.conftest import refer

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-test-password"
LONDON = ZoneInfo("Europe/London")


def add_history(world, child, steps: int) -> None:
    """``steps`` more episodes of the child's history, each recorded by the people who would."""
    from ccehub.children.models import MissingEpisode, Placement
    from ccehub.children.services import fact_record
    from ccehub.incidents.services import incident_record_and_triage
    from ccehub.nrm.models import NRMDecision
    from ccehub.safeguarding.models import StrategyMeeting

    start = child.incidents.count()
    for i in range(start, start + steps):
        decision = incident_record_and_triage(
            actor=world["as_officer"],
            child=child,
            occurred_at=datetime(2024, 1, 1 + i, 21, 0, tzinfo=LONDON),
            incident_type="arrest_pwits",
            is_arrest=True,
            recording_agency=world["met"],
            county_lines_linked="recorded_present",
            offences=["pwits_class_a"],
        )
        referral = refer(world, child, incident=decision.incident, referred_on=date(2024, 1, 2 + i))
        NRMDecision.objects.create(
            referral=referral,
            stage="rg",
            outcome="negative",
            decided_on=date(2024, 2, 1 + i),
            decision_maker="local_panel",
            decision_maker_agency=world["panel"],
            recorded_by=world["users"]["chair"],
        )
        sw = world["as_sw"]
        fact_record(
            actor=sw,
            child=child,
            model=MissingEpisode,
            started_at=datetime(2023, 6, 1 + i, 22, 0, tzinfo=LONDON),
            ended_at=datetime(2023, 6, 2 + i, 9, 0, tzinfo=LONDON),
            source_agency=world["met"],
        )
        fact_record(
            actor=sw,
            child=child,
            model=Placement,
            setting_type="foster",
            started_on=date(2023, 7, 1) + timedelta(days=i),
            commissioning_authority=world["islington"],
        )
        fact_record(
            actor=sw,
            child=child,
            model=StrategyMeeting,
            held_on=date(2023, 8, 1) + timedelta(days=i),
            convening_agency=world["islington"],
        )


def queries(client, url: str) -> int:
    client.get(url)  # the first request of a session does its own one-off work
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return len(ctx.captured_queries)


def counts_at_one_and_three(client, world, child, who: str, url: str) -> tuple[int, int]:
    assert client.login(username=world["users"][who].username, password=PASSWORD)
    add_history(world, child, 1)
    one = queries(client, url)
    add_history(world, child, 2)
    return one, queries(client, url)


@pytest.mark.parametrize("who", ["sw", "analyst", "chair"])
def test_child_page_queries_do_not_grow_with_the_chronology(client, world, child, who):
    """Identified (social worker, panel chair) and pseudonymised (analyst) readers alike."""
    url = reverse("children:detail", args=[child.pseudonymous_id])
    one, three = counts_at_one_and_three(client, world, child, who, url)
    assert three == one, f"{one} queries with one step of history, {three} with three"


@pytest.mark.parametrize(
    "url",
    [
        lambda pid: reverse("children:export", args=[pid]),
        lambda pid: f"/api/children/{pid}",
        lambda pid: f"/api/children/{pid}/export",
    ],
    ids=["export.json", "api", "api-export"],
)
def test_child_json_queries_do_not_grow_with_the_history(client, world, child, url):
    """The JSON record writes each row's agency code and person's username: joined, not per row."""
    one, three = counts_at_one_and_three(client, world, child, "sw", url(child.pseudonymous_id))
    assert three == one, f"{one} queries with one step of history, {three} with three"


def test_child_list_queries_do_not_grow_with_the_children(client, world, system_actor):
    """The list page and ``GET /api/children/`` (a guard: they were already constant)."""
    from ccehub.children.services import child_create

    def more(count: int) -> None:
        for _ in range(count):
            child_create(
                actor=system_actor,
                given_name="Listed",
                sex="female",
                home_local_authority=world["islington"],
                home_police_force=world["met"],
                allow_duplicate=True,
            )

    assert client.login(username=world["users"]["sw"].username, password=PASSWORD)
    more(2)
    before = [queries(client, reverse("children:list")), queries(client, "/api/children/")]
    more(4)
    after = [queries(client, reverse("children:list")), queries(client, "/api/children/")]
    assert after == before
