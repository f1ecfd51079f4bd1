"""F-30: the chronology read from the identifying incident: the incident and what followed, then
what came before, most recent first, then what has no date."""

from __future__ import annotations

import html
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ccehub.children.presenters import anchored_on_incident

LONDON = ZoneInfo("Europe/London")


def item(day: date | None, process: str = "safeguarding", text: str = "") -> dict[str, object]:
    return {"sort": day, "process_code": process, "text": text or f"{process} {day}"}


def in_order(items: list[dict[str, object]]) -> list[dict[str, object]]:
    """As :func:`ccehub.children.presenters.chronology` returns them: dated in order, then undated."""
    dated = sorted((i for i in items if i["sort"] is not None), key=lambda i: i["sort"])
    return dated + [i for i in items if i["sort"] is None]


def test_no_dated_incident_means_no_anchor() -> None:
    assert anchored_on_incident([]) is None
    assert anchored_on_incident(in_order([item(date(2024, 1, 1)), item(None, "incident")])) is None


def test_the_latest_incident_opens_and_what_came_before_runs_backwards() -> None:
    first = item(date(2023, 5, 1), "incident", "first arrest")
    missing = item(date(2024, 2, 20), "missing")
    latest = item(date(2024, 3, 1), "incident", "arrest in a dealing base")
    same_day = item(date(2024, 3, 1), "criminal", "arrest")
    meeting = item(date(2024, 3, 4), "safeguarding", "strategy meeting")
    undated = item(None, "nrm", "NRM outcome not recorded")
    result = anchored_on_incident(in_order([meeting, first, undated, same_day, missing, latest]))
    assert result is not None
    assert result["anchor"] is latest
    assert [i["text"] for i in result["after"]] == ["arrest in a dealing base", "arrest", "strategy meeting"]
    assert [i["text"] for i in result["before"]] == [missing["text"], "first arrest"]
    assert result["undated"] == [undated]


days = st.none() | st.dates(min_value=date(2020, 1, 1), max_value=date(2026, 12, 31))
items = st.lists(
    st.builds(item, days, st.sampled_from(["incident", "criminal", "nrm", "safeguarding", "missing"])),
    max_size=30,
)


@given(items)
def test_every_event_appears_once(raw: list[dict[str, object]]) -> None:
    ordered = in_order(raw)
    result = anchored_on_incident(ordered)
    if result is None:
        assert not any(i["process_code"] == "incident" and i["sort"] is not None for i in raw)
        return
    shown = result["after"] + result["before"] + result["undated"]
    assert sorted(map(id, shown)) == sorted(map(id, ordered))
    anchor_day = result["anchor"]["sort"]
    assert all(i["sort"] >= anchor_day for i in result["after"])
    assert all(i["sort"] < anchor_day for i in result["before"])
    before_days = [i["sort"] for i in result["before"]]
    assert before_days == sorted(before_days, reverse=True)


@pytest.mark.django_db
def test_the_child_page_reads_from_the_incident(client, agencies, make_user, roles, system_actor):
    from ccehub.children.services import child_create
    from ccehub.incidents.services import incident_record
    from ccehub.safeguarding.models import StrategyMeeting

    child = child_create(
        actor=system_actor,
        given_name="Rory",
        family_name="Testcase",
        date_of_birth=date(2009, 2, 1),
        home_local_authority=agencies["islington"],
        home_police_force=agencies["met"],
    )
    incident_record(
        actor=system_actor,
        child=child,
        occurred_at=datetime(2024, 3, 1, 21, 0, tzinfo=LONDON),
        incident_type="arrest_pwits",
        is_arrest=True,
        recording_agency=agencies["met"],
        arresting_force=agencies["met"],
        county_lines_linked="recorded_present",
        offences=["pwits_class_a"],
    )
    StrategyMeeting.objects.create(child=child, held_on=date(2024, 3, 4), trigger="arrest")
    StrategyMeeting.objects.create(child=child, held_on=date(2023, 11, 9), trigger="missing")
    client.force_login(make_user("anchor.sw", agencies["islington"], roles.SOCIAL_WORKER))
    url = f"/children/{child.pseudonymous_id}/"
    default = html.unescape(client.get(url).content.decode())
    assert "Read from the identifying incident, then back through what came before" in default
    assert "The identifying incident and what followed" not in default
    page = html.unescape(client.get(url, {"order": "incident"}).content.decode())
    assert "Show everything in date order" in page
    after = page.index("The identifying incident and what followed")
    before = page.index("Before the incident, most recent first")
    assert (
        after
        < page.index("Strategy meeting (arrest)")
        < before
        < page.index("Strategy meeting (missing episode)")
    )
    assert page.index("9 November 2023") > before
