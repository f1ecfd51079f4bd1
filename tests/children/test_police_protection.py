"""E-22 police protection on a child's record (R-35) and the police-LA placement dispute (F-32): who
records what, the home authority told and owing a reassessment, the dashboards, the page and the
chronology."""

from __future__ import annotations

import html
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from ccehub.audit.models import AuditEvent
from ccehub.children.models import CaseHolding, PoliceProtection
from ccehub.children.police_protection import (
    MSG_HOME_AUTHORITY_ONLY,
    MSG_POLICE_ONLY,
    MSG_SAME_FORCE,
    ProtectionStart,
    protection_end,
    protection_reassess,
    protection_start,
    protection_view,
)
from ccehub.notifications.models import Notification
from ccehub.rules.police_protection import REASSESSMENT_OUTCOMES, ProtectionState

pytestmark = pytest.mark.django_db


@pytest.fixture
def young(agencies, system_actor):
    """A 14-year-old from Islington (the Met is his home force), held by Kent after an arrest there."""
    from ccehub.children.services import child_create

    child = child_create(
        actor=system_actor,
        given_name="Rio",
        family_name="Testcase",
        sex="male",
        date_of_birth=timezone.localdate().replace(year=timezone.localdate().year - 14, day=1),
        postcode="N1 1AA",
        home_local_authority=agencies["islington"],
        home_police_force=agencies["met"],
    )
    CaseHolding.objects.create(child=child, agency=agencies["kent"], basis=CaseHolding.Basis.ARRESTING_FORCE)
    return child


@pytest.fixture
def kent_pc(make_user, agencies, roles):
    return make_user("kent.pc", agencies["kent"], roles.POLICE_OFFICER)


@pytest.fixture
def isl_sw(make_user, agencies, roles):
    return make_user("isl.sw", agencies["islington"], roles.SOCIAL_WORKER)


def _start(**kw):
    values = {
        "started_at": timezone.now() - timedelta(hours=2),
        "officer": "PC Kent Demo",
        "grounds": "Found in a dealing base with a knife; says he will be hurt if he goes back",
    } | kw
    return ProtectionStart(**values)


def _disputed(**kw):
    return _start(
        disputes_plan=True,
        disputed_plan="Placement with his father",
        dispute_reason="His father is known to police for supplying Class A drugs",
        **kw,
    )


def test_the_force_records_it_and_the_home_authority_is_told_and_owes_a_reassessment(
    kent_pc, isl_sw, actor_for, young
):
    protection = protection_start(actor=actor_for(kent_pc), child=young, data=_disputed())
    assert protection.max_hours == 72 and protection.force.code == "kent"
    view = protection_view(protection)
    assert view.state is ProtectionState.IN_PROTECTION and view.hours_left in (69, 70)
    assert view.reassessment_owed and view.reassessment_due == view.limit
    told = Notification.objects.get(kind="police_protection")
    assert told.agency.code == "la-islington" and young.pseudonymous_id in told.text
    assert "Rio" not in told.text and "reassess the plan" in told.text and "F-32" in told.text
    assert AuditEvent.objects.filter(object_type="policeprotection", action="create").exists()
    # the same force ends it; where the child went is required
    with pytest.raises(ValidationError) as where:
        protection_end(
            actor=actor_for(kent_pc), protection=protection, ended_at=timezone.now(), released_to=""
        )
    assert "released_to" in where.value.message_dict
    protection_end(
        actor=actor_for(kent_pc),
        protection=protection,
        ended_at=timezone.now() - timedelta(minutes=5),
        released_to="la_accommodation",
    )
    protection.refresh_from_db()
    assert protection_view(protection).state is ProtectionState.ENDED
    # still due by the limit, not overdue because it ended early; the home authority is told
    assert protection_view(protection).reassessment_due == view.limit
    assert not protection_view(protection).reassessment_overdue
    ended = Notification.objects.get(kind="police_protection_ended")
    assert ended.agency.code == "la-islington" and "accommodated by the local authority" in ended.text
    assert "Reassess your placement plan by" in ended.text and "Rio" not in ended.text
    # the home authority reassesses (once)
    protection_reassess(
        actor=actor_for(isl_sw),
        protection=protection,
        on=timezone.localdate(),
        outcome="plan_changed",
        notes="A registered children's home near his school instead",
    )
    protection.refresh_from_db()
    assert protection.reassessment_outcome == "plan_changed" and protection.reassessed_by == isl_sw
    assert not protection_view(protection).reassessment_owed
    with pytest.raises(ValidationError):
        protection_reassess(
            actor=actor_for(isl_sw),
            protection=protection,
            on=timezone.localdate(),
            outcome="other",
            notes="x",
        )


def test_only_the_police_start_it_only_the_force_ends_it_only_the_home_authority_reassesses(
    kent_pc, isl_sw, make_user, agencies, roles, actor_for, young
):
    with pytest.raises(PermissionDenied, match=MSG_POLICE_ONLY):
        protection_start(actor=actor_for(isl_sw), child=young, data=_disputed())
    protection = protection_start(actor=actor_for(kent_pc), child=young, data=_disputed())
    met = make_user("met.pc", agencies["met"], roles.POLICE_OFFICER)  # the home force holds him too
    with pytest.raises(PermissionDenied, match=MSG_SAME_FORCE):
        protection_end(
            actor=actor_for(met), protection=protection, ended_at=timezone.now(), released_to="home"
        )
    with pytest.raises(PermissionDenied, match=MSG_HOME_AUTHORITY_ONLY):
        protection_reassess(
            actor=actor_for(kent_pc),
            protection=protection,
            on=timezone.localdate(),
            outcome="other",
            notes="x",
        )
    assert set(PoliceProtection.Outcome.values) == set(REASSESSMENT_OUTCOMES)


def test_one_open_episode_no_end_beyond_72_hours_and_none_for_an_adult(
    kent_pc, actor_for, young, islington_child, agencies
):
    protection = protection_start(actor=actor_for(kent_pc), child=young, data=_start())
    with pytest.raises(ValidationError) as again:
        protection_start(actor=actor_for(kent_pc), child=young, data=_start())
    assert "already in police protection" in again.value.message_dict["started_at"][0]
    with pytest.raises(ValidationError) as beyond:
        protection_end(
            actor=actor_for(kent_pc),
            protection=protection,
            ended_at=protection.started_at + timedelta(hours=73),
            released_to="home",
        )
    assert "at most 72 hours" in beyond.value.message_dict["ended_at"][0]
    # Jamie (the shared fixture) was born on 1 May 2008: 18 by now
    CaseHolding.objects.create(
        child=islington_child, agency=agencies["kent"], basis=CaseHolding.Basis.ARRESTING_FORCE
    )
    assert timezone.localdate() >= date(2026, 5, 1)
    with pytest.raises(ValidationError) as adult:
        protection_start(actor=actor_for(kent_pc), child=islington_child, data=_start())
    assert "for children" in adult.value.message_dict["started_at"][0]
    assert PoliceProtection.objects.count() == 1


def test_dashboards_warn_before_the_limit_and_ask_for_the_reassessment(
    client, kent_pc, isl_sw, actor_for, young
):
    protection_start(
        actor=actor_for(kent_pc), child=young, data=_disputed(started_at=timezone.now() - timedelta(hours=61))
    )
    client.force_login(kent_pc)
    board = html.unescape(client.get("/").content.decode())
    assert "In police protection since" in board and "10 hours from now (R-35)" in board
    client.force_login(isl_sw)
    board = html.unescape(client.get("/").content.decode())
    assert "In police protection since" in board
    assert "The police used protection against your placement plan: reassess the plan by" in board


def test_a_protection_past_its_limit_with_no_end_is_flagged(client, kent_pc, actor_for, young, system_actor):
    from ccehub.children.services import fact_record

    fact_record(  # an import: begun four days ago, no end recorded
        actor=system_actor,
        child=young,
        model=PoliceProtection,
        force=young.home_police_force,
        officer="PC Import",
        started_at=timezone.now() - timedelta(days=4),
        max_hours=72,
        grounds="Imported",
    )
    client.force_login(kent_pc)
    page = html.unescape(client.get(f"/children/{young.pseudonymous_id}/police-protection/").content.decode())
    assert "Past the limit" in page and "record when it ended" in page
    assert "Record police protection" not in page  # one open at a time
    assert "Record when police protection ended" not in page  # another force's episode


def _post(client, url, **fields):
    moment = timezone.localtime(fields.pop("at", timezone.now() - timedelta(hours=1)))
    data = {
        "step": "start",
        "started_on_day": moment.day,
        "started_on_month": moment.month,
        "started_on_year": moment.year,
        "started_time": f"{moment:%H:%M}",
        "officer": "PC Kent Demo",
        "held_at": "police_premises",
        "grounds": "At risk of significant harm from the line's holders",
    } | fields
    return client.post(url, data)


def test_the_page_records_ends_and_reassesses_and_the_chronology_shows_it(
    client, kent_pc, isl_sw, young, make_user, agencies, roles
):
    url = f"/children/{young.pseudonymous_id}/police-protection/"
    client.force_login(kent_pc)
    page = html.unescape(client.get(url).content.decode())
    assert page.count("Record police protection") >= 1 and "No police protection is recorded" in page
    refused = _post(client, url, grounds="", disputes_plan="on")
    text = html.unescape(refused.content.decode())
    assert refused.status_code == 400 and "Error:" in text and "risk of significant harm" in text
    assert "Describe the local authority's placement plan" in text
    future = _post(client, url, at=timezone.now() + timedelta(hours=3))
    assert future.status_code == 400 and "cannot be in the future" in html.unescape(future.content.decode())
    done = _post(
        client,
        url,
        disputes_plan="on",
        disputed_plan="Placement with his father",
        dispute_reason="Known for supplying Class A",
    )
    assert done.status_code == 302
    page = html.unescape(client.get(url).content.decode())
    assert (
        "Police protection recorded. It lasts at most 72 hours" in page
        and "home local authority has been told" in page
    )
    assert "In police protection" in page and "Record when police protection ended" in page
    assert "At risk of significant harm from the line's holders" in page and "Known for supplying" in page
    analyst = make_user("isl.analyst", agencies["islington"], roles.ANALYST)
    client.force_login(analyst)  # sees the facts, not the free text (it can name people)
    seen = html.unescape(client.get(url).content.decode())
    assert "In police protection" in seen and "Withheld on a pseudonymised view" in seen
    assert "line's holders" not in seen and "Known for supplying" not in seen and "PC Kent Demo" not in seen
    client.force_login(kent_pc)
    protection = PoliceProtection.objects.get(child=young)
    now = timezone.localtime()
    ended = client.post(
        url,
        {
            "step": "end",
            "protection": str(protection.pk),
            "ended_on_day": now.day,
            "ended_on_month": now.month,
            "ended_on_year": now.year,
            "ended_time": f"{now:%H:%M}",
            "released_to": "la_accommodation",
        },
    )
    assert ended.status_code == 302
    # the home authority reassesses on the page
    client.force_login(isl_sw)
    page = html.unescape(client.get(url).content.decode())
    assert "Record the reassessment of the placement plan" in page and "Record police protection" not in page
    today = timezone.localdate()
    blank = client.post(url, {"step": "reassess", "protection": str(protection.pk)})
    assert blank.status_code == 400 and "Say what the reassessment decided" in html.unescape(
        blank.content.decode()
    )
    done = client.post(
        url,
        {
            "step": "reassess",
            "protection": str(protection.pk),
            "reassessed_on_day": today.day,
            "reassessed_on_month": today.month,
            "reassessed_on_year": today.year,
            "outcome": "plan_changed",
            "notes": "A children's home near his school",
        },
    )
    assert done.status_code == 302
    detail = html.unescape(client.get(f"/children/{young.pseudonymous_id}/").content.decode())
    assert "Police protection by Kent Police" in detail and "(accommodated by the local authority)" in detail
    assert "Placement plan reassessed after police protection: the plan changed" in detail
    # the social worker is not police: a start is refused and audited
    assert _post(client, url).status_code == 403
    assert AuditEvent.objects.filter(object_type="policeprotection", action="denied").exists()


def test_a_stale_or_mangled_post_is_told_not_crashed(client, kent_pc, isl_sw, actor_for, young):
    url = f"/children/{young.pseudonymous_id}/police-protection/"
    client.force_login(kent_pc)
    for bad in ("not-a-uuid", "", "1"):
        stale = client.post(url, {"step": "end", "protection": bad}, follow=True)
        assert stale.status_code == 200 and "This police protection has already ended" in html.unescape(
            stale.content.decode()
        )
    odd = client.post(url, {"step": "sideways"}, follow=True)
    assert odd.status_code == 200 and "Choose what to record" in html.unescape(odd.content.decode())
    client.force_login(isl_sw)  # not police: refused before anything is read
    assert client.post(url, {"step": "end", "protection": "x"}).status_code == 403
    stale = client.post(url, {"step": "reassess", "protection": "x"}, follow=True)
    assert "There is no placement plan waiting to be reassessed" in html.unescape(stale.content.decode())
    assert not PoliceProtection.objects.exists()


def test_the_disputed_placement_must_be_the_childs_own(kent_pc, actor_for, young, system_actor, agencies):
    from ccehub.children.models import Placement
    from ccehub.children.services import child_create, fact_record

    other = child_create(
        actor=system_actor,
        given_name="Other",
        family_name="Testcase",
        sex="male",
        home_local_authority=agencies["islington"],
        home_police_force=agencies["met"],
    )
    theirs = fact_record(actor=system_actor, child=other, model=Placement, setting_type="foster")
    with pytest.raises(ValidationError) as wrong:
        protection_start(
            actor=actor_for(kent_pc), child=young, data=_disputed(disputed_placement_id=theirs.pk)
        )
    assert "disputed_placement" in wrong.value.message_dict
    mine = fact_record(actor=system_actor, child=young, model=Placement, setting_type="foster")
    protection = protection_start(
        actor=actor_for(kent_pc), child=young, data=_disputed(disputed_placement_id=mine.pk)
    )
    assert protection.disputed_placement == mine
