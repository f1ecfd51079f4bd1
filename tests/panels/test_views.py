"""The panel pages through the Django test client: forms, refusals as responses (audited), downloads."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from ccehub.audit.models import AuditEvent
from ccehub.nrm.models import NRMReferral
from ccehub.panels import services as panels
from ccehub.panels.models import PanelDecision, PanelMeeting
from ccehub.panels.rules import MSG_QUORUM_SECTORS
from tests.panels.conftest import decide, held_meeting

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-test-password"


def _client(client, world, who):
    assert client.login(username=world["users"][who].username, password=PASSWORD)
    return client


def _date(prefix: str, day: date) -> dict[str, str]:
    return {f"{prefix}_day": str(day.day), f"{prefix}_month": str(day.month), f"{prefix}_year": str(day.year)}


@pytest.fixture
def young(world, system_actor):
    """A child who is 15 today (the real date: the web uses it), home Islington, with an arrest."""
    from ccehub.children.services import child_create
    from tests.panels.conftest import make_incident

    today = timezone.localdate()
    child = child_create(
        actor=system_actor,
        given_name="Kai",
        family_name="Webtest",
        date_of_birth=date(today.year - 15, 1, 15),
        home_local_authority=world["islington"],
        home_police_force=world["met"],
    )
    incident = make_incident(child, system_actor, world["met"], when=timezone.now() - timedelta(days=3))
    return child, incident


@pytest.mark.parametrize("who", ["lead", "chair", "member", "ho", "officer", "sw"])
def test_home_renders_for_everyone(client, world, referral, who):
    response = _client(client, world, who).get(reverse("panels:home"))
    assert response.status_code == 200
    if who in ("lead", "chair", "member"):
        assert referral.child.pseudonymous_id in response.content.decode()
    else:
        assert referral.child.pseudonymous_id not in response.content.decode()


def test_referral_journey_through_the_form(client, world, young):
    child, incident = young
    c = _client(client, world, "sw")
    page = c.get(reverse("panels:referral-new"))
    assert page.status_code == 200 and child.pseudonymous_id in page.content.decode()
    empty = c.get(reverse("panels:referral-new"), {"child": ""})
    assert empty.status_code == 400
    form = c.get(reverse("panels:referral-new"), {"child": child.pseudonymous_id})
    assert form.status_code == 200 and "Arrest for possession with intent to supply" in form.content.decode()
    bad = c.post(reverse("panels:referral-new"), {"child": child.pseudonymous_id})
    assert bad.status_code == 400 and "Enter why you are referring this child" in bad.content.decode()
    data = {
        "child": child.pseudonymous_id,
        **_date("referred_on", timezone.localdate()),
        "incident": str(incident.pk),
        "county_lines": "yes",
        "exploitation_type": "criminal_exploitation",
        "rationale_code": "suspicion",
        "rationale": "Found in a trap house with cash",
    }
    done = c.post(reverse("panels:referral-new"), data)
    referral = NRMReferral.objects.get(child=child)
    assert done.status_code == 302 and done["Location"] == reverse("panels:referral", args=[referral.pk])
    assert referral.route == "local_panel"
    again = c.post(reverse("panels:referral-new"), data)
    assert again.status_code == 400 and "already has an open NRM referral" in again.content.decode()
    detail = c.get(done["Location"])
    assert detail.status_code == 200 and "Route: local panel" in detail.content.decode()


def test_referral_refused_to_non_responders_and_outsiders(client, world, referral):
    response = _client(client, world, "member").get(reverse("panels:referral-new"))
    assert response.status_code == 403
    client.logout()
    outsider = _client(client, world, "kent").get(reverse("panels:referral", args=[referral.pk]))
    assert outsider.status_code == 404
    assert AuditEvent.objects.filter(username="p.kent", action="denied", object_type="nrm_referral").exists()


def test_lead_asks_and_recipient_answers(client, world, referral):
    c = _client(client, world, "lead")
    data = {
        "recipient_role": "health",
        "recipient_agency": str(world["health"].pk),
        "recipient_name": "Dr Pat Health",
        "question": "Any A&E attendances?",
        **_date("due_on", timezone.localdate() + timedelta(days=7)),
    }
    response = c.post(reverse("panels:request-new", args=[referral.pk]), data)
    assert response.status_code == 302
    request = referral.information_requests.get()
    client.logout()
    forbidden = _client(client, world, "sw").get(reverse("panels:request-new", args=[referral.pk]))
    assert forbidden.status_code == 403
    client.logout()
    h = _client(client, world, "health")
    inbox = h.get(reverse("panels:home")).content.decode()
    assert "Information requests for you" in inbox and referral.child.pseudonymous_id in inbox
    respond_url = reverse("panels:request-respond", args=[request.pk])
    dashboard = h.get(reverse("dashboard")).content.decode()
    assert f'href="{respond_url}"' in dashboard and "the CCE panel asks you for information" in dashboard
    assert (
        "Any A&amp;E attendances?"
        in h.get(reverse("panels:request-respond", args=[request.pk])).content.decode()
    )
    answered = h.post(reverse("panels:request-respond", args=[request.pk]), {"response": "Two attendances"})
    assert answered.status_code == 302
    request.refresh_from_db()
    assert request.status == "responded"
    assert f'href="{respond_url}"' not in h.get(reverse("dashboard")).content.decode()


def test_meeting_agenda_attendance_and_decision(client, world, young):
    """Lead schedules and builds the agenda; chair is refused without health, then decides.

    The sitting is today, so the referral is recent (a 2024 referral is past its 45-day limit today,
    and a decision on it is refused and escalated)."""
    from tests.panels.conftest import refer

    today = timezone.localdate()
    referral = refer(world, young[0], incident=young[1], referred_on=today - timedelta(days=2), today=today)
    c = _client(client, world, "lead")
    held_on = timezone.localdate()
    response = c.post(reverse("panels:meeting-new"), _date("held_on", held_on))
    meeting = PanelMeeting.objects.get()
    assert response.status_code == 302
    clash = c.post(reverse("panels:meeting-new"), _date("held_on", held_on))
    assert clash.status_code == 400 and "already meets on" in clash.content.decode()
    assert c.post(reverse("panels:agenda-build", args=[meeting.pk])).status_code == 302
    assert meeting.agenda.count() == 1
    page = c.get(reverse("panels:meeting", args=[meeting.pk]))
    assert referral.child.pseudonymous_id in page.content.decode()
    members = world["members"]
    att = c.post(
        reverse("panels:attendance", args=[meeting.pk]),
        {"present": [members["chair"].pk, members["police"].pk], "chair": members["chair"].pk},
    )
    assert att.status_code == 302
    client.logout()
    chair = _client(client, world, "chair")
    url = reverse("panels:decide", args=[meeting.pk, referral.pk])
    assert chair.get(url).status_code == 200
    decision = {
        "decision_type": "rg_positive",
        "rationale": "Consistent accounts",
        "evidence": "Police record\nSW",
    }
    refused = chair.post(url, decision)
    assert refused.status_code == 400
    assert MSG_QUORUM_SECTORS.format(missing="health") in refused.content.decode()
    assert AuditEvent.objects.filter(
        username="p.chair", action="denied", object_type="panel_decision"
    ).exists()
    assert not PanelDecision.objects.exists()
    client.logout()
    # Health joins: attendance recorded again; the decision is then recorded.
    _client(client, world, "lead").post(
        reverse("panels:attendance", args=[meeting.pk]),
        {
            "present": [members["chair"].pk, members["police"].pk, members["health"].pk],
            "chair": members["chair"].pk,
        },
    )
    client.logout()
    chair = _client(client, world, "chair")
    ok = chair.post(url, decision)
    assert ok.status_code == 302 and PanelDecision.objects.get().decision_type == "rg_positive"
    papers = chair.get(reverse("panels:papers", args=[meeting.pk]))
    assert papers.status_code == 200 and "Chronology so far" in papers.content.decode()
    client.logout()
    assert _client(client, world, "member").get(url).status_code == 403


def test_deferral_past_limit_refused_and_escalated(client, world, referral):
    meeting = held_meeting(world, referral, held_on=date(2024, 3, 20))
    c = _client(client, world, "chair")
    response = c.post(
        reverse("panels:decide", args=[meeting.pk, referral.pk]),
        {
            "decision_type": "defer",
            "rationale": "Not agreed",
            "evidence": "Police record",
            "dissent": "Health lead disagrees",
            "deferral_reason": "Awaiting CAMHS",
            **_date("defer_until", date(2024, 5, 30)),
        },
        follow=True,
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "The case cannot be deferred beyond 18 April 2024" in text
    assert "Referred to the Home Office SCA" in text
    referral.refresh_from_db()
    assert referral.escalated_on == date(2024, 3, 20)


def test_qa_pages_and_export(client, world, referral):
    meeting = held_meeting(world, referral, held_on=date(2024, 3, 20))
    rg = decide(world, meeting, referral, "rg_positive")
    ho = _client(client, world, "ho")
    queue = ho.get(reverse("panels:qa"))
    assert queue.status_code == 200 and "QA-" in queue.content.decode()
    assert referral.child.pseudonymous_id not in queue.content.decode()
    url = reverse("panels:qa-decision", args=[rg.pk])
    review = ho.get(url).content.decode()
    assert "Note (optional)" in review and "(optional) (optional)" not in review
    missing = ho.post(url, {"action": "return", "return-reason": ""})
    assert missing.status_code == 400
    returned = ho.post(url, {"action": "return", "return-reason": "Address the health evidence"})
    assert returned.status_code == 302
    export = ho.get(reverse("panels:qa-export", args=["csv"]))
    assert export.status_code == 200 and export["Content-Type"] == "text/csv"
    assert "Jamie" not in export.content.decode() and "returned" in export.content.decode()
    client.logout()
    chair = _client(client, world, "chair")
    assert chair.get(reverse("panels:qa-export", args=["json"])).status_code == 403
    responded = chair.post(url, {"action": "respond", "respond-response": "Health evidence was item 3"})
    assert responded.status_code == 302
    rg.refresh_from_db()
    assert rg.ho_qa_status == "pending"
    client.logout()
    assert (
        _client(client, world, "ho").post(url, {"action": "confirm", "confirm-note": ""}).status_code == 302
    )
    rg.refresh_from_db()
    assert rg.ho_qa_status == "confirmed"
    client.logout()
    assert _client(client, world, "officer").get(url).status_code == 404


def test_qa_export_honours_the_status_filter_and_the_page_links_carry_it(client, world, referral):
    """?status=confirmed exports only confirmed decisions (it exported every one, pending included);
    the list page's export links keep the filter; an unknown status is refused, not ignored."""
    import json

    meeting = held_meeting(world, referral, held_on=date(2024, 3, 20))
    rg = decide(world, meeting, referral, "rg_positive")
    decide(world, meeting, referral, "cg_positive")
    panels.qa_confirm(actor=world["as_ho"], decision=rg)
    ho = _client(client, world, "ho")
    json_url = reverse("panels:qa-export", args=["json"])
    everything = json.loads(ho.get(json_url).content)
    assert sorted(r["ho_qa_status"] for r in everything) == ["confirmed", "pending"]
    confirmed = json.loads(ho.get(json_url, {"status": "confirmed"}).content)
    assert [(r["decision_id"], r["ho_qa_status"]) for r in confirmed] == [(str(rg.pk), "confirmed")]
    csv_body = ho.get(reverse("panels:qa-export", args=["csv"]), {"status": "pending"}).content.decode()
    assert "pending" in csv_body and "confirmed" not in csv_body
    bad = ho.get(json_url, {"status": "confirmd"})
    assert bad.status_code == 400 and "Unknown status" in bad.content.decode()
    assert AuditEvent.objects.filter(username="p.ho", action="denied", object_type="qa_export").exists()
    page = ho.get(reverse("panels:qa"), {"status": "confirmed"}).content.decode()
    assert f'{json_url}?status=confirmed"' in page
    assert f'{reverse("panels:qa-export", args=["csv"])}?status=confirmed"' in page
    unfiltered = ho.get(reverse("panels:qa")).content.decode()
    assert f'{json_url}"' in unfiltered and f"{json_url}?status" not in unfiltered


def test_monitoring_page(client, world, referral):
    page = _client(client, world, "member").get(reverse("panels:monitoring"))
    assert page.status_code == 200 and referral.child.pseudonymous_id in page.content.decode()
    client.logout()
    assert _client(client, world, "officer").get(reverse("panels:monitoring")).status_code == 403


def test_refer_to_sca_service_is_reachable_from_lead(world, referral):
    """The lead may send a case to the SCA on purpose (the page is tested in test_views_case.py)."""
    assert panels.referral_refer_to_sca(actor=world["as_lead"], referral=referral, reason="Contested").pk


@pytest.mark.parametrize(
    ("who", "shown"),
    [
        ("lead", True),
        ("chair", True),
        ("member", True),
        ("sw", True),  # a first responder refers from the panel page
        ("officer", True),
        ("yot", True),
        ("health", True),  # and answers the panel's information requests there
        ("ho", True),  # Home Office QA reaches its queue from there
        ("analyst", False),
        ("ho_admin", False),
    ],
)
def test_panel_page_is_in_the_navigation_for_everyone_with_panel_work(client, world, who, shown):
    """Referring, answering an information request and Home Office QA all start on the panel page,
    so the service navigation must lead there for those roles (not only for the panel's people)."""
    page = _client(client, world, who).get("/").content.decode()
    assert (f'href="{reverse("panels:home")}"' in page) is shown


def test_the_referral_picker_lists_only_children_the_user_may_record_on(client, world, child, system_actor):
    """A health practitioner seeing a child under a data-sharing agreement (read-only) was offered the
    child, filled in the whole referral and was then refused; the picker now lists only the children
    they may record on, and says why it is empty."""
    from ccehub.agencies.services import agreement_create

    agreement_create(
        actor=system_actor,
        title="Health assessment",
        provider=world["islington"],
        recipient=world["health"],
        child=child,
        purpose="Health needs assessment",
        legal_basis="UK GDPR Art 6(1)(e)",
        includes_identity=True,
        starts_on=timezone.localdate(),
        expires_on=timezone.localdate() + timedelta(days=30),
    )
    c = _client(client, world, "health")
    assert child.pseudonymous_id in c.get(reverse("children:list")).content.decode()  # sees the child
    page = c.get(reverse("panels:referral-new")).content.decode()
    assert child.pseudonymous_id not in page and 'id="no-children"' in page
    client.logout()
    page = _client(client, world, "sw").get(reverse("panels:referral-new")).content.decode()
    assert child.pseudonymous_id in page and 'id="no-children"' not in page
