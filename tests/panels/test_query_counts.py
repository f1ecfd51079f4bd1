"""The panel's pages cost the same number of queries however many cases they list.

Each test reads a page with a few cases and again with more, and expects the same count (or, where
every case is read through the child's audited read, a fixed cost per case): one query per row (an
N+1) would make the busiest panels the slowest. Counts, never timings.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.panels.conftest import decide, make_incident, refer

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-test-password"


def referred_children(world, system_actor, count: int, *, sitting: date | None):
    """``count`` children, each arrested and referred to the panel (4 March 2024), all listed at a new
    sitting on ``sitting`` (still scheduled) unless it is ``None``. Returns the sitting and the
    referrals."""
    from ccehub.children.services import child_create
    from ccehub.panels import services as panels

    referrals = []
    for _ in range(count):
        child = child_create(
            actor=system_actor,
            given_name="Riley",
            family_name="Countcase",
            sex="male",
            date_of_birth=date(2008, 5, 1),
            home_local_authority=world["islington"],
            home_police_force=world["met"],
            allow_duplicate=True,
        )
        referrals.append(refer(world, child, incident=make_incident(child, system_actor, world["met"])))
    if sitting is None:
        return None, referrals
    meeting = panels.panel_meeting_schedule(
        actor=world["as_lead"], panel=world["panel"], held_on=sitting, extraordinary=True, reason="test"
    )
    for referral in referrals:
        panels.agenda_item_add(actor=world["as_lead"], meeting=meeting, referral=referral)
    return meeting, referrals


def queries(client, url: str) -> int:
    client.get(url)  # the first request of a session does its own one-off work
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return len(ctx.captured_queries)


def sign_in(client, world, who: str):
    assert client.login(username=world["users"][who].username, password=PASSWORD)
    return client


@pytest.mark.parametrize("who", ["lead", "chair"])
def test_panel_home_queries_do_not_grow_with_the_referrals(client, world, system_actor, who):
    """Each referral's status (listed at a sitting still scheduled?) and each sitting's number of
    cases came with a query per row."""
    sign_in(client, world, who)
    referred_children(world, system_actor, 2, sitting=date(2024, 3, 20))
    few = queries(client, reverse("panels:home"))
    referred_children(world, system_actor, 4, sitting=date(2024, 3, 22))
    page = client.get(reverse("panels:home")).content.decode()
    assert page.count("Listed") >= 6
    assert queries(client, reverse("panels:home")) == few


def held_and_decided(world, system_actor, count: int, *, sitting: date):
    """A sitting with ``count`` cases, held (quorate) and each given a positive RG decision."""
    from ccehub.panels.services import meeting_attendance_record

    meeting, referrals = referred_children(world, system_actor, count, sitting=sitting)
    members = world["members"]
    meeting = meeting_attendance_record(
        actor=world["as_lead"],
        meeting=meeting,
        present=[members["chair"], members["police"], members["health"]],
        chair=members["chair"],
        today=sitting,
    )
    for referral in referrals:
        decide(world, meeting, referral, "rg_positive")
    return meeting


def test_held_meeting_page_queries_do_not_grow_with_the_agenda(client, world, system_actor):
    """Each case's decisions, and its quorum (the panel's settings and the attendance, read again
    for every case), came with queries per case."""
    sign_in(client, world, "chair")
    small = held_and_decided(world, system_actor, 2, sitting=date(2024, 3, 20))
    large = held_and_decided(world, system_actor, 6, sitting=date(2024, 3, 22))
    page = client.get(reverse("panels:meeting", args=[large.pk])).content.decode()
    assert page.count("Quorate") == 6
    assert queries(client, reverse("panels:meeting", args=[large.pk])) == queries(
        client, reverse("panels:meeting", args=[small.pk])
    )


def test_scheduled_meeting_page_queries_do_not_grow_with_the_cases_waiting(client, world, system_actor):
    """The cases waiting for a sitting are ranked by urgency, which reads each one's latest triage
    priority: two queries per case before it was prefetched with the panel's referrals."""
    from ccehub.panels.services import panel_meeting_schedule

    sign_in(client, world, "lead")
    meeting = panel_meeting_schedule(
        actor=world["as_lead"],
        panel=world["panel"],
        held_on=date(2024, 4, 10),
        extraordinary=True,
        reason="x",
    )
    url = reverse("panels:meeting", args=[meeting.pk])
    referred_children(world, system_actor, 2, sitting=None)
    few = queries(client, url)
    _, referrals = referred_children(world, system_actor, 4, sitting=None)
    page = client.get(url).content.decode()
    assert all(r.child.pseudonymous_id in page for r in referrals)
    assert queries(client, url) == few


def test_qa_export_queries_do_not_grow_with_the_decisions(client, world, system_actor):
    """Each row's free text is scrubbed of the child's names: the identity and aliases were read
    with two queries per decision."""
    sign_in(client, world, "ho")
    held_and_decided(world, system_actor, 2, sitting=date(2024, 3, 20))
    url = reverse("panels:qa-export", args=["json"])
    few = queries(client, url)
    held_and_decided(world, system_actor, 4, sitting=date(2024, 3, 22))
    rows = client.get(url).json()
    assert len(rows) == 6 and all("Riley" not in str(row) for row in rows)
    assert queries(client, url) == few


def under_oversight(world, system_actor, count: int, *, sitting: date) -> None:
    """Children heard at a sitting, each with a joint plan and a missing episode since."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from ccehub.children.models import MissingEpisode
    from ccehub.children.services import fact_record
    from ccehub.panels.services import ActionSpec, joint_plan_create

    meeting = held_and_decided(world, system_actor, count, sitting=sitting)
    for item in meeting.agenda.select_related("referral__child"):
        child = item.referral.child
        joint_plan_create(
            actor=world["as_lead"],
            panel=world["panel"],
            child=child,
            referral=item.referral,
            agreed_on=sitting,
            review_on=sitting + timedelta(days=90),
            summary="Exit the line safely",
            actions=[ActionSpec("School place", world["islington"], sitting + timedelta(days=14))],
        )
        fact_record(
            actor=world["as_sw"],
            child=child,
            model=MissingEpisode,
            started_at=datetime(2024, 4, 2, 22, 0, tzinfo=ZoneInfo("Europe/London")),
        )


def test_monitoring_queries_do_not_grow_with_the_children(client, world, system_actor):
    """Each child's missing episodes, its latest referral's panel decisions and listings, and the
    referral's child for the link came with queries per child."""
    sign_in(client, world, "chair")
    under_oversight(world, system_actor, 2, sitting=date(2024, 3, 20))
    url = reverse("panels:monitoring")
    few = queries(client, url)
    under_oversight(world, system_actor, 4, sitting=date(2024, 3, 22))
    page = client.get(url).content.decode()
    assert page.count("1 (missing now)") == 6
    assert queries(client, url) == few


def papers_meeting(world, system_actor, count: int, *, sitting: date):
    """A sitting with ``count`` cases, each child with what the papers show: a vulnerability, a
    missing episode, a triage decision superseded by a second one, and an information request
    answered."""
    from datetime import timedelta

    from ccehub.children.models import MissingEpisode
    from ccehub.children.services import fact_record, vulnerability_flag_set
    from ccehub.incidents.services import triage_decide
    from ccehub.panels import services as panels

    meeting, referrals = referred_children(world, system_actor, count, sitting=sitting)
    for referral in referrals:
        child = referral.child
        vulnerability_flag_set(
            actor=system_actor,
            child=child,
            factor="reported_missing",
            value="recorded_present",
            source_agency=world["islington"],
        )
        fact_record(
            actor=system_actor,
            child=child,
            model=MissingEpisode,
            approximate_duration_days=3,
            started_at=referral.linked_incident.occurred_at - timedelta(days=20),
        )
        triage_decide(actor=system_actor, incident=referral.linked_incident)
        triage_decide(actor=system_actor, incident=referral.linked_incident)
        request = panels.information_request_create(
            actor=world["as_lead"],
            referral=referral,
            recipient_role="health",
            recipient_agency=world["health"],
            recipient_name="Dr Pat Health",
            question="Any A&E attendances?",
            due_on=date(2024, 3, 15),
            today=date(2024, 3, 5),
        )
        panels.information_request_respond(
            actor=world["as_health"], request=request, response="Two attendances", today=date(2024, 3, 8)
        )
    return meeting


@pytest.mark.parametrize("who", ["chair", "lead", "camden_lead"])
def test_papers_queries_do_not_grow_with_the_agenda(client, world, system_actor, who):
    """Each case's child was read on its own through ``child_get`` (its basis, every section of the
    record, the triage decisions' supersession, one audit row), and its referral's clock, requests
    and earlier decisions: 24 or 25 queries per case here (1 case 36, 4 cases 111 for the chair),
    9 for the Camden lead, who has no basis to see these Islington children and gets unavailable
    papers, each refusal still audited. Now the same whatever the number of cases."""
    from ccehub.audit.models import AuditEvent

    sign_in(client, world, who)
    one = papers_meeting(world, system_actor, 1, sitting=date(2024, 3, 20))
    four = papers_meeting(world, system_actor, 4, sitting=date(2024, 3, 22))
    page = client.get(reverse("panels:papers", args=[four.pk])).content.decode()
    available = who != "camden_lead"
    assert page.count("Two attendances") == 4
    assert page.count("Missing episode (about 3 days)") == (4 if available else 0)
    assert page.count("Triage: priority") == (4 if available else 0)
    username = world["users"][who].username
    before = AuditEvent.objects.filter(username=username, object_type="child").count()
    small = queries(client, reverse("panels:papers", args=[one.pk]))
    large = queries(client, reverse("panels:papers", args=[four.pk]))
    # Both reads of each page (the warm-up and the counted one) audit every child on the agenda.
    assert AuditEvent.objects.filter(username=username, object_type="child").count() == before + 2 * (1 + 4)
    last_four = AuditEvent.objects.filter(username=username, object_type="child").order_by("-id")[:4]
    expected = {
        "chair": ("view", "panel_case"),
        "lead": ("view", "own_records"),
        "camden_lead": ("denied", ""),
    }
    assert {(row.action, row.basis) for row in last_four} == {expected[who]}
    assert large == small
