"""The crisis response (W-5's start): opened by a presumption arrest (F-01) and by a missing crisis
(R-30), or by hand by the home authority or a panel; the return, convening and closing; the page and
the convenor's dashboard."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from ccehub.audit.models import AuditEvent
from ccehub.incidents.services import incident_record_and_triage
from ccehub.panels.crisis import MSG_CONVENOR_ONLY, crisis_open_by_hand, crisis_step, open_response
from ccehub.panels.models import CrisisResponse

pytestmark = pytest.mark.django_db


def _presumed_arrest(actor, agencies, *, age_days=16 * 365):
    today = timezone.localdate()
    return incident_record_and_triage(
        actor=actor,
        new_child={
            "given_name": "Jordan",
            "family_name": "Crisis",
            "sex": "male",
            "date_of_birth": today - timedelta(days=age_days),
            "home_local_authority": agencies["islington"],
            "home_police_force": agencies["met"],
        },
        occurred_at=timezone.now() - timedelta(hours=3),
        incident_type="arrest_pwits",
        is_arrest=True,
        county_lines_linked="recorded_present",
        in_home_area="recorded_absent",
    )


@pytest.fixture
def kent(make_user, agencies, roles):
    return make_user("kent.pc", agencies["kent"], roles.POLICE_OFFICER)


@pytest.fixture
def isl_sw(make_user, agencies, roles):
    return make_user("isl.sw", agencies["islington"], roles.SOCIAL_WORKER)


def test_a_presumption_arrest_opens_the_crisis_response_once(kent, actor_for, agencies):
    from ccehub.incidents.services import triage_decide

    decision = _presumed_arrest(actor_for(kent), agencies)
    assert decision.priority == "crisis"
    response = open_response(decision.child)
    assert response.trigger == "presumption_arrest" and response.convenor.code == "la-islington"
    assert response.source_type == "identifying_incident" and response.source_id == str(decision.incident_id)
    triage_decide(actor=actor_for(kent), incident=decision.incident)  # re-triage: still one
    assert CrisisResponse.objects.filter(child=decision.child).count() == 1
    # the same incident again is the same trigger: nothing new; another trigger while open is audited
    from ccehub.panels.crisis import crisis_open

    crisis_open(
        actor=actor_for(kent), child=decision.child, trigger="missing_crisis", on=timezone.localdate()
    )
    assert CrisisResponse.objects.filter(child=decision.child).count() == 1
    assert AuditEvent.objects.filter(
        object_type="crisis_response", detail__contains="another trigger"
    ).exists()


def test_no_presumption_no_crisis_response(kent, actor_for, agencies):
    decision = _presumed_arrest(actor_for(kent), agencies, age_days=19 * 365)  # an adult
    assert decision.priority != "crisis" and open_response(decision.child) is None


def test_the_steps_and_who_may_take_them(kent, isl_sw, actor_for, agencies):
    decision = _presumed_arrest(actor_for(kent), agencies)
    response = open_response(decision.child)
    today = timezone.localdate()
    with pytest.raises(PermissionDenied) as not_home:
        crisis_step(actor=actor_for(kent), response=response, step="convened", on=today)
    assert MSG_CONVENOR_ONLY in str(not_home.value)
    with pytest.raises(ValidationError):
        crisis_step(actor=actor_for(isl_sw), response=response, step="convened", on=today)  # not back yet
    crisis_step(actor=actor_for(kent), response=response, step="returned", on=today)  # the importing force
    crisis_step(actor=actor_for(isl_sw), response=response, step="convened", on=today)
    response.refresh_from_db()
    assert response.returned_home_on == today and response.convened_on == today
    assert response.panel_case is None  # no CCE panel covers Islington here: listed nowhere
    assert AuditEvent.objects.filter(object_type="crisis_response", action="update").count() == 2
    with pytest.raises(ValidationError):  # a reason is needed
        crisis_step(actor=actor_for(isl_sw), response=response, step="closed", on=today)
    with pytest.raises(PermissionDenied):  # only the convenor closes it
        crisis_step(actor=actor_for(kent), response=response, step="closed", on=today, note="Work done")
    crisis_step(actor=actor_for(isl_sw), response=response, step="closed", on=today, note="Work done")
    assert open_response(decision.child) is None


def test_closed_before_convening_and_a_re_triage_does_not_reopen_it(kent, isl_sw, actor_for, agencies):
    from ccehub.incidents.services import triage_decide

    decision = _presumed_arrest(actor_for(kent), agencies)
    response = open_response(decision.child)
    crisis_step(
        actor=actor_for(isl_sw),
        response=response,
        step="closed",
        on=timezone.localdate(),
        note="Moved to Wales",
    )
    triage_decide(actor=actor_for(kent), incident=decision.incident)
    assert open_response(decision.child) is None
    assert CrisisResponse.objects.filter(child=decision.child).count() == 1


def test_a_child_with_no_home_authority_yet_is_convened_by_the_one_recorded_later(
    kent, isl_sw, actor_for, agencies
):
    decision = _presumed_arrest(actor_for(kent), agencies)
    child = decision.child
    child.home_local_authority = None
    child.save()
    CrisisResponse.objects.filter(child=child).update(convenor=None)
    today = timezone.localdate()
    crisis_step(actor=actor_for(kent), response=open_response(child), step="returned", on=today)
    with pytest.raises(PermissionDenied):  # nobody convenes while no home authority is recorded
        crisis_step(actor=actor_for(isl_sw), response=open_response(child), step="convened", on=today)
    child.home_local_authority = agencies["islington"]
    child.save()
    crisis_step(actor=actor_for(isl_sw), response=open_response(child), step="convened", on=today)
    assert open_response(child).convened_on == today


def test_closing_the_panel_case_closes_a_convened_response(world, child, referral, system_actor):
    from ccehub.panels import services as panels
    from ccehub.panels.crisis import crisis_open

    response = crisis_open(
        actor=system_actor, child=child, trigger="pre_arrest_concern", on=referral.referred_on
    )
    crisis_step(actor=system_actor, response=response, step="returned", on=referral.referred_on)
    crisis_step(actor=system_actor, response=response, step="convened", on=referral.referred_on)
    panels.referral_refer_to_sca(
        actor=world["as_lead"], referral=referral, reason="Contested", on=referral.referred_on
    )
    case = child.panel_cases.get(closed_on__isnull=True)
    panels.panel_case_close(
        actor=world["as_chair"],
        case=case,
        closed_on=timezone.localdate(),
        risk_level="low",
        risk_reduced=True,
        reason="risk_reduced",
        note="Risk reassessed as low",
    )
    response.refresh_from_db()
    assert response.closed_on == timezone.localdate() and response.close_note == "Closed with the panel case"


def test_a_missing_crisis_opens_the_response(isl_sw, actor_for, islington_child):
    from ccehub.children.missing import missing_crises_notify, missing_episode_record

    missing_episode_record(
        actor=actor_for(isl_sw), child=islington_child, started_at=timezone.now() - timedelta(days=15)
    )
    assert missing_crises_notify().crossed == 1
    response = open_response(islington_child)
    assert response.trigger == "missing_crisis" and response.source_type == "missingepisode"


def test_opened_by_hand_only_by_the_home_authority_or_a_panel(
    make_user, agencies, roles, actor_for, islington_child
):
    met = make_user("met.pc", agencies["met"], roles.POLICE_OFFICER)
    with pytest.raises(PermissionDenied):
        crisis_open_by_hand(
            actor=actor_for(met), child=islington_child, trigger="pre_arrest_concern", on=timezone.localdate()
        )
    sw = make_user("isl.sw2", agencies["islington"], roles.SOCIAL_WORKER)
    with pytest.raises(ValidationError):
        crisis_open_by_hand(
            actor=actor_for(sw), child=islington_child, trigger="presumption_arrest", on=timezone.localdate()
        )
    response = crisis_open_by_hand(
        actor=actor_for(sw), child=islington_child, trigger="pre_arrest_concern", on=timezone.localdate()
    )
    assert response.trigger == "pre_arrest_concern"


def test_the_page_and_the_convenors_dashboard(client, kent, isl_sw, actor_for, agencies, make_user, roles):
    decision = _presumed_arrest(actor_for(kent), agencies)
    pid = decision.child.pseudonymous_id
    client.force_login(isl_sw)
    board = html.unescape(client.get("/").content.decode())
    assert "Crisis response triggered (Arrest within the 100-day presumption (F-01)" in board
    url = f"/children/{pid}/crisis/"
    text = html.unescape(client.get(url).content.decode())
    assert "Triggered: return the child to the home area" in text
    assert "Record that the child is back in the home area" in text
    tomorrow = timezone.localdate() + timedelta(days=1)
    bad = client.post(
        url,
        {
            "step": "returned",
            "returned-on_day": tomorrow.day,
            "returned-on_month": tomorrow.month,
            "returned-on_year": tomorrow.year,
        },
    )
    assert bad.status_code == 400 and "cannot be in the future" in html.unescape(bad.content.decode())
    today = timezone.localdate()
    day = {"returned-on_day": today.day, "returned-on_month": today.month, "returned-on_year": today.year}
    done = client.post(url, {"step": "returned", **day}, follow=True)
    assert "the child is back in the home area" in html.unescape(done.content.decode())
    convene = {
        "step": "convened",
        "convened-on_day": today.day,
        "convened-on_month": today.month,
        "convened-on_year": today.year,
    }
    text = html.unescape(client.post(url, convene, follow=True).content.decode())
    assert "Convened by the home local authority" in text
    assert "No CCE panel covers Islington" in text and "Not listed at a CCE panel" in text
    assert "Crisis response triggered" not in html.unescape(client.get("/").content.decode())
    analyst = make_user("isl.analyst", agencies["islington"], roles.ANALYST)
    client.force_login(analyst)
    refused = client.post(url, {"step": "closed", "closed-note": "x"})
    assert refused.status_code == 403
    assert AuditEvent.objects.filter(object_type="crisis_response", action="denied").exists()
    # the page read is audited with the crisis section
    views = AuditEvent.objects.filter(object_type="child", child_pid=pid, action="view")
    assert any("crisis_responses" in (event.fields or []) for event in views)


def test_opening_again_while_one_is_open_is_refused_on_the_page(client, isl_sw, islington_child):
    today = timezone.localdate()
    client.force_login(isl_sw)
    url = f"/children/{islington_child.pseudonymous_id}/crisis/"
    fields = {
        "step": "opened",
        "opened-trigger": "pre_arrest_concern",
        "opened-on_day": today.day,
        "opened-on_month": today.month,
        "opened-on_year": today.year,
    }
    assert client.post(url, fields).status_code == 302
    again = client.post(url, fields)
    assert again.status_code == 400 and "already open" in html.unescape(again.content.decode())
    assert CrisisResponse.objects.filter(child=islington_child).count() == 1


def test_an_approved_rebuttal_closes_the_response_it_opened(make_user, agencies, roles, actor_for, kent):
    """R-25: clear evidence the child is not exploited lifts the presumption (F-01) that opened the
    response: not yet convened, it closes with the reason; a re-triage does not reopen it."""
    from ccehub.incidents.services import triage_decide, triage_rebuttal_approve, triage_rebuttal_request
    from ccehub.panels.crisis import MSG_REBUTTED

    decision = _presumed_arrest(actor_for(kent), agencies)
    response = open_response(decision.child)
    specialist = make_user("kent.ds", agencies["kent"], roles.POLICE_SPECIALIST)
    triage_rebuttal_request(
        actor=actor_for(kent),
        decision=decision,
        evidence_note="Phone download shows he recruits and runs the younger boys on the line; he says so",
    )
    triage_rebuttal_approve(actor=actor_for(specialist), decision=decision, reason="Download reviewed")
    response.refresh_from_db()
    assert response.closed_on == timezone.localdate() and response.close_note == MSG_REBUTTED
    triage_decide(actor=actor_for(kent), incident=decision.incident)
    assert open_response(decision.child) is None


def test_a_rebuttal_leaves_a_convened_response_to_the_panel(
    make_user, agencies, roles, actor_for, kent, isl_sw
):
    from ccehub.incidents.services import triage_rebuttal_approve, triage_rebuttal_request

    decision = _presumed_arrest(actor_for(kent), agencies)
    today = timezone.localdate()
    response = open_response(decision.child)
    crisis_step(actor=actor_for(kent), response=response, step="returned", on=today)
    crisis_step(actor=actor_for(isl_sw), response=response, step="convened", on=today)
    specialist = make_user("kent.ds2", agencies["kent"], roles.POLICE_SPECIALIST)
    triage_rebuttal_request(
        actor=actor_for(kent),
        decision=decision,
        evidence_note="Phone download shows he recruits and runs the younger boys on the line; he says so",
    )
    triage_rebuttal_approve(actor=actor_for(specialist), decision=decision, reason="Download reviewed")
    assert open_response(decision.child) is not None
    assert AuditEvent.objects.filter(
        object_type="crisis_response", detail__contains="stays open for the panel"
    ).exists()
