"""Missing episodes on the web (F-14): record that a child went missing, see the days and the R-30
crisis flag, record that they were found; who may, and who sees the free text."""

from __future__ import annotations

import html
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from ccehub.audit.models import AuditEvent
from ccehub.children.missing import missing_episode_record
from ccehub.children.models import MissingEpisode
from ccehub.rules.missing import MSG_FOUND_BEFORE_START, MSG_START_FUTURE

pytestmark = pytest.mark.django_db


@pytest.fixture
def sw(make_user, agencies, roles):
    return make_user("isl.sw", agencies["islington"], roles.SOCIAL_WORKER)


@pytest.fixture
def analyst(make_user, agencies, roles):
    return make_user("isl.analyst", agencies["islington"], roles.ANALYST)


def page(response) -> str:
    return html.unescape(response.content.decode())


def moment_fields(prefix: str, when: datetime) -> dict[str, str]:
    local = timezone.localtime(when)
    return {
        f"{prefix}_on_day": str(local.day),
        f"{prefix}_on_month": str(local.month),
        f"{prefix}_on_year": str(local.year),
        f"{prefix}_time": local.strftime("%H:%M"),
    }


def test_record_missing_then_found(client, sw, islington_child):
    client.force_login(sw)
    pid = islington_child.pseudonymous_id
    listing = page(client.get(f"/children/{pid}/missing/"))
    assert "No missing episodes recorded." in listing and "Record that the child is missing" in listing
    assert client.get(f"/children/{pid}/missing/new/").status_code == 200
    went = timezone.now() - timedelta(days=15, hours=2)
    data = {"missing_from": "placement", "reported_by": "placement_staff", "notes": "Seen at Margate station"}
    response = client.post(
        f"/children/{pid}/missing/new/", data | moment_fields("started", went), follow=True
    )
    text = page(response)
    assert "Missing episode recorded" in text and "Still missing" in text
    assert "Crisis" in text and "missing for 14 days or more" in text  # 15 days ≥ the 14-day default
    assert "Seen at Margate station" in text
    (episode,) = MissingEpisode.objects.filter(child=islington_child)
    assert episode.still_missing and episode.source_agency == sw.memberships.first().agency
    assert episode.started_at.replace(second=0, microsecond=0) == went.replace(second=0, microsecond=0)
    assert AuditEvent.objects.filter(object_type="missingepisode", action="create").exists()

    found_at = timezone.now() - timedelta(hours=1)
    fields = moment_fields("ended", found_at) | {
        "found_location": "Margate",
        "found_in_home_area": "recorded_absent",
    }
    response = client.post(f"/children/{pid}/missing/{episode.pk}/found/", fields, follow=True)
    text = page(response)
    assert "Recorded: the child was found" in text and "Still missing" not in text and "Margate" in text
    episode.refresh_from_db()
    assert not episode.still_missing and episode.found_in_home_area == "recorded_absent"
    row = AuditEvent.objects.get(object_type="missingepisode", action="update")
    assert row.detail == "found" and "missing_episodes.ended_at" in row.fields
    # found once: the form is gone, and a second post is a 404 (no open episode), audited
    again = client.post(f"/children/{pid}/missing/{episode.pk}/found/", fields)
    assert again.status_code == 404
    assert AuditEvent.objects.filter(object_type="missingepisode", action="denied").exists()


def test_times_that_cannot_be_are_refused_against_the_field(client, sw, islington_child):
    client.force_login(sw)
    pid = islington_child.pseudonymous_id
    future = {"missing_from": "unknown", "reported_by": "unknown"} | moment_fields(
        "started", timezone.now() + timedelta(days=1)
    )
    response = client.post(f"/children/{pid}/missing/new/", future)
    assert response.status_code == 400 and MSG_START_FUTURE in page(response)
    bad_time = {"missing_from": "unknown", "reported_by": "unknown"} | moment_fields(
        "started", timezone.now() - timedelta(days=1)
    )
    bad_time["started_time"] = "25:10"
    response = client.post(f"/children/{pid}/missing/new/", bad_time)
    assert response.status_code == 400 and "real time on the 24-hour clock" in page(response)
    assert not MissingEpisode.objects.exists()
    episode = missing_episode_record(
        actor=_actor(sw), child=islington_child, started_at=timezone.now() - timedelta(days=2)
    )
    before = moment_fields("ended", timezone.now() - timedelta(days=3)) | {
        "found_in_home_area": "not_recorded"
    }
    response = client.post(f"/children/{pid}/missing/{episode.pk}/found/", before)
    assert response.status_code == 400 and MSG_FOUND_BEFORE_START in page(response)
    episode.refresh_from_db()
    assert episode.still_missing and episode.ended_at is None


def _actor(user):
    from ccehub.common.access import Actor

    return Actor(user=user, membership=user.memberships.first(), channel="web", purpose="test")


def test_an_analyst_sees_days_but_no_free_text_and_no_forms(client, sw, analyst, islington_child):
    missing_episode_record(
        actor=_actor(sw),
        child=islington_child,
        started_at=timezone.now() - timedelta(days=3),
        notes="With an older man called Dee",
    )
    client.force_login(analyst)
    pid = islington_child.pseudonymous_id
    response = client.get(f"/children/{pid}/missing/")
    text = page(response)
    assert response.status_code == 200 and "Still missing" in text and ">3<" in text.replace(" ", "")
    assert "Dee" not in text and "Record that the child is missing" not in text
    refused = client.post(f"/children/{pid}/missing/new/", {})
    assert refused.status_code == 403 and "Your role does not record" in page(refused)
    assert AuditEvent.objects.filter(object_type="missingepisode", action="denied").exists()


def test_a_child_you_cannot_see_is_not_found(client, make_user, agencies, roles, islington_child):
    client.force_login(make_user("camden.sw", agencies["camden"], roles.SOCIAL_WORKER))
    pid = islington_child.pseudonymous_id
    assert client.get(f"/children/{pid}/missing/").status_code == 404
    assert client.post(f"/children/{pid}/missing/new/", {}).status_code == 404


def test_a_record_without_an_end_is_not_still_missing(client, sw, islington_child, system_actor):
    """The study's episodes (Tom, June 2020: no end recorded) are not children missing for six years:
    only an episode reported on ccehub and not yet found keeps counting."""
    from ccehub.children.services import fact_record

    fact_record(
        actor=system_actor,
        child=islington_child,
        model=MissingEpisode,
        started_at=timezone.now() - timedelta(days=2000),
    )
    fact_record(actor=system_actor, child=islington_child, model=MissingEpisode, approximate_duration_days=58)
    client.force_login(sw)
    text = page(client.get(f"/children/{islington_child.pseudonymous_id}/missing/"))
    assert "Still missing" not in text and "Not known" in text
    assert text.count("Crisis") == 1  # Ethan's "almost two months" (58 days) is one
    assert "missing for 14 days or more" not in text  # no open crisis


def test_the_dashboard_says_how_long_a_child_has_been_missing(client, sw, islington_child):
    """R-32, F-14: the home authority's dashboard lists a child reported missing and not yet found,
    with the days and the crisis at 14; found, the item goes."""
    from ccehub.children.missing import missing_episode_found

    episode = missing_episode_record(
        actor=_actor(sw), child=islington_child, started_at=timezone.now() - timedelta(days=20)
    )
    client.force_login(sw)
    text = page(client.get("/"))
    assert "Missing for 20 days" in text and "trigger for crisis intervention (R-30)" in text
    assert f'href="/children/{islington_child.pseudonymous_id}/missing/"' in text
    missing_episode_found(actor=_actor(sw), episode=episode, ended_at=timezone.now())
    text = page(client.get("/"))
    assert "Missing for" not in text and "Missing now" not in text


def test_an_arrest_while_still_missing_is_triaged_with_the_days_missing(
    sw, islington_child, system_actor, agencies
):
    """R-30 through the triage: reported missing 20 days ago on ccehub, arrested now, no days typed:
    the triage counts 20 days and asks for crisis intervention."""
    from datetime import date

    from ccehub.children.models import Identity
    from ccehub.incidents.services import incident_record_and_triage

    today = timezone.localdate()
    fifteen = date(today.year - 15, today.month, 1)
    Identity.objects.filter(child=islington_child).update(date_of_birth=fifteen)
    missing_episode_record(
        actor=_actor(sw), child=islington_child, started_at=timezone.now() - timedelta(days=20, hours=1)
    )
    decision = incident_record_and_triage(
        actor=system_actor,
        child=islington_child,
        occurred_at=timezone.now() - timedelta(minutes=5),
        incident_type="arrest_pwits",
        is_arrest=True,
        county_lines_linked="recorded_present",
        offences=["pwits_class_a"],
        recording_agency=agencies["kent"],
        arresting_force=agencies["kent"],
    )
    assert decision.inputs["missing_days"] == 20
    codes = {action["code"] for action in decision.outputs["actions"]}
    assert "missing_crisis_intervention" in codes


def test_a_report_sent_twice_records_one_episode_and_a_second_open_one_is_refused(
    client, sw, islington_child
):
    client.force_login(sw)
    pid = islington_child.pseudonymous_id
    went = timezone.now() - timedelta(days=1)
    data = {"missing_from": "family_home", "reported_by": "parent"} | moment_fields("started", went)
    client.post(f"/children/{pid}/missing/new/", data)
    again = client.post(f"/children/{pid}/missing/new/", data, follow=True)
    assert "already recorded (the form was sent again)" in page(again)
    assert MissingEpisode.objects.filter(child=islington_child).count() == 1
    other = {"missing_from": "family_home", "reported_by": "parent"} | moment_fields(
        "started", went + timedelta(hours=3)
    )
    refused = client.post(f"/children/{pid}/missing/new/", other)
    assert refused.status_code == 400 and "already recorded as missing since" in page(refused)
    assert MissingEpisode.objects.filter(child=islington_child).count() == 1


def test_a_start_before_the_date_of_birth_is_refused_without_saying_the_date(client, sw, islington_child):
    """The fixture child was born on 1 May 2008; the message must not give the date away."""
    from datetime import datetime as dt

    from ccehub.rules.missing import MSG_START_BEFORE_BIRTH

    client.force_login(sw)
    pid = islington_child.pseudonymous_id
    before = timezone.make_aware(dt(2008, 4, 30, 12, 0))
    data = {"missing_from": "unknown", "reported_by": "unknown"} | moment_fields("started", before)
    response = client.post(f"/children/{pid}/missing/new/", data)
    assert response.status_code == 400 and MSG_START_BEFORE_BIRTH in page(response)
    assert "2008" not in page(response).split("govuk-error-summary", 1)[1].split("</ul>", 1)[0]
    assert not MissingEpisode.objects.exists()
