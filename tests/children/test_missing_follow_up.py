"""R-32 in full: a missing report tells the child's home children's social care (dashboard, an email
to its duty mailbox with no identity in it), and the episode tracks the strategy discussion and the
return home interview until they are recorded."""

from __future__ import annotations

import html
import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone
from typer.testing import CliRunner

from ccehub.audit.models import AuditEvent
from ccehub.children.missing import (
    MSG_NOT_TRACKED,
    missing_episode_found,
    missing_episode_record,
    missing_follow_up,
)
from ccehub.children.models import CaseHolding, MissingEpisode
from ccehub.children.services import fact_record, holding_end
from ccehub.notifications.models import Notification
from ccehub.notifications.services import send_pending
from ccehub.rules.missing import MSG_RHI_NOT_FOUND, MSG_TOLD_FUTURE
from ccehub.safeguarding.models import StrategyMeeting

pytestmark = pytest.mark.django_db


@pytest.fixture
def met_officer(make_user, agencies, roles):
    return make_user("met.pc", agencies["met"], roles.POLICE_OFFICER)


@pytest.fixture
def isl_sw(make_user, agencies, roles):
    return make_user("isl.sw", agencies["islington"], roles.SOCIAL_WORKER)


@pytest.fixture
def duty_mailbox(agencies):
    islington = agencies["islington"]
    islington.duty_email = "mash@islington.example"
    islington.save()
    return islington.duty_email


def page(response) -> str:
    return html.unescape(response.content.decode())


def report(actor, child, *, days_ago: float = 1, capture=None):
    went = timezone.now() - timedelta(days=days_ago)
    return missing_episode_record(actor=actor, child=child, started_at=went, missing_from="family_home")


def test_police_report_notifies_the_home_authority_by_email_without_identity(
    met_officer, actor_for, islington_child, duty_mailbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        episode = report(actor_for(met_officer), islington_child)
    assert episode.follow_up_tracked and episode.social_care_notified_at is None
    (note,) = Notification.objects.all()
    assert note.agency.code == "la-islington" and note.from_agency.code == "met"
    assert note.kind == "missing_reported" and note.object_id == str(episode.pk)
    assert note.emailed_at is not None and note.email_attempts == 1 and not note.email_error
    (email,) = mail.outbox
    assert email.to == [duty_mailbox] and "missing" in email.subject
    pid = islington_child.pseudonymous_id
    assert f"/children/{pid}/missing/" in email.body and "Metropolitan Police Service" in email.body
    # nothing that identifies the child crosses by email
    for secret in ("Jamie", "Testcase", "2008", "N1 1AA", "1 May 2008", "2008-05-01"):
        assert secret not in email.body and secret not in email.subject
    # an email that went to the home authority's duty mailbox is social care told, at that time
    episode.refresh_from_db()
    assert episode.social_care_notified_at == note.emailed_at
    row = AuditEvent.objects.get(object_type="missingepisode", action="update")
    assert row.fields == ["missing_episodes.social_care_notified_at"] and "duty mailbox" in row.detail


def test_no_duty_mailbox_means_the_dashboard_only(
    met_officer, actor_for, islington_child, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        report(actor_for(met_officer), islington_child)
    (note,) = Notification.objects.all()
    assert note.email_to == "" and note.emailed_at is None and not note.pending
    assert mail.outbox == []


def test_the_home_authoritys_own_report_means_social_care_knows_and_tells_the_home_force(
    isl_sw, actor_for, islington_child, duty_mailbox
):
    episode = report(actor_for(isl_sw), islington_child)
    assert episode.social_care_notified_at is not None
    # J-05, both ways: the home police force hears of it; the authority is not told what it knows
    (note,) = Notification.objects.all()
    assert note.agency.code == "met" and note.from_agency.code == "la-islington"
    assert "home police force" in note.text


def test_a_home_authority_whose_holding_ended_holds_the_child_again(
    met_officer, isl_sw, actor_for, agencies, islington_child, make_user, roles
):
    admin = make_user("isl.admin", agencies["islington"], roles.ADMIN)
    holding_end(
        actor=actor_for(admin),
        child=islington_child,
        agency=agencies["islington"],
        reason="Case closed in 2025 after review",
    )
    assert (
        not CaseHolding.objects.current().filter(child=islington_child, agency=agencies["islington"]).exists()
    )
    report(actor_for(met_officer), islington_child)
    assert (
        CaseHolding.objects.current()
        .filter(child=islington_child, agency=agencies["islington"], basis="home_local_authority")
        .exists()
    )
    row = AuditEvent.objects.get(object_type="case_holding", action="create")
    assert "R-32" in row.detail and row.child_pid == islington_child.pseudonymous_id


def test_found_notifies_the_home_authority_of_the_return_home_interview(
    met_officer, actor_for, islington_child, duty_mailbox, django_capture_on_commit_callbacks
):
    actor = actor_for(met_officer)
    episode = report(actor, islington_child)
    with django_capture_on_commit_callbacks(execute=True):
        missing_episode_found(actor=actor, episode=episode, ended_at=timezone.now() - timedelta(hours=2))
    kinds = sorted(Notification.objects.values_list("kind", flat=True))
    assert kinds == ["missing_found", "missing_reported"]
    found_email = next(m for m in mail.outbox if "found" in m.subject)
    assert "return home interview within 72 hours" in found_email.body


def test_follow_up_records_told_strategy_and_interview_once(met_officer, isl_sw, actor_for, islington_child):
    police, sw = actor_for(met_officer), actor_for(isl_sw)
    episode = report(police, islington_child, days_ago=2)
    told = timezone.now() - timedelta(days=1, hours=20)
    missing_follow_up(actor=police, episode=episode, social_care_notified_at=told)
    episode.refresh_from_db()
    assert abs(episode.social_care_notified_at - told) < timedelta(seconds=1)
    with pytest.raises(ValidationError) as again:
        missing_follow_up(actor=sw, episode=episode, social_care_notified_at=timezone.now())
    assert "already records" in str(again.value)

    today = timezone.localdate()
    missing_follow_up(actor=sw, episode=episode, strategy_held_on=today, strategy_actions="Move to an aunt")
    episode.refresh_from_db()
    meeting = episode.strategy_meeting
    assert meeting.trigger == StrategyMeeting.Trigger.MISSING and meeting.held_on == today
    assert meeting.convening_agency.code == "la-islington" and meeting.child == islington_child
    assert meeting.actions == "Move to an aunt"

    with pytest.raises(ValidationError) as early:
        missing_follow_up(
            actor=sw, episode=episode, return_home_interview="offered", return_home_interview_on=today
        )
    assert MSG_RHI_NOT_FOUND in str(early.value)
    missing_episode_found(actor=police, episode=episode, ended_at=timezone.now() - timedelta(hours=1))
    missing_follow_up(
        actor=sw, episode=episode, return_home_interview="completed", return_home_interview_on=today
    )
    episode.refresh_from_db()
    assert episode.return_home_interview == "completed" and episode.return_home_interview_on == today
    updates = AuditEvent.objects.filter(object_type="missingepisode", action="update", detail="follow-up")
    assert updates.count() == 3
    assert AuditEvent.objects.filter(object_type="strategymeeting", action="create").exists()


def test_follow_up_refuses_a_future_time_and_an_untracked_episode(
    met_officer, actor_for, islington_child, system_actor
):
    police = actor_for(met_officer)
    episode = report(police, islington_child)
    with pytest.raises(ValidationError) as future:
        missing_follow_up(
            actor=police, episode=episode, social_care_notified_at=timezone.now() + timedelta(hours=1)
        )
    assert MSG_TOLD_FUTURE in str(future.value)
    missing_episode_found(actor=police, episode=episode, ended_at=timezone.now())
    old = fact_record(
        actor=system_actor,
        child=islington_child,
        model=MissingEpisode,
        started_at=timezone.now() - timedelta(days=400),
        ended_at=timezone.now() - timedelta(days=390),
    )
    with pytest.raises(ValidationError) as untracked:
        missing_follow_up(actor=police, episode=old, strategy_held_on=timezone.localdate())
    assert MSG_NOT_TRACKED in str(untracked.value)


def test_a_failed_email_is_kept_and_sent_again(
    met_officer, actor_for, islington_child, duty_mailbox, django_capture_on_commit_callbacks, monkeypatch
):
    import ccehub.notifications.services as services

    def down(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    monkeypatch.setattr(services, "send_mail", down)
    with django_capture_on_commit_callbacks(execute=True):
        episode = report(actor_for(met_officer), islington_child)
    episode.refresh_from_db()  # the report itself stands
    (note,) = Notification.objects.all()
    assert (
        note.emailed_at is None and note.email_attempts == 1 and "SMTPServerDisconnected" in note.email_error
    )
    monkeypatch.undo()
    from ccehub.cli import app

    result = CliRunner().invoke(app, ["notifications", "send"])
    assert result.exit_code == 0 and "Emailed 1 notification." in result.stdout
    note.refresh_from_db()
    assert note.emailed_at is not None and note.email_attempts == 2 and note.email_error == ""
    assert len(mail.outbox) == 1
    assert send_pending().sent == 0  # sent once only


def test_send_exits_1_when_emails_still_fail(
    met_officer, actor_for, islington_child, duty_mailbox, monkeypatch
):
    import ccehub.notifications.services as services

    report(actor_for(met_officer), islington_child)  # no on-commit run: the email waits
    monkeypatch.setattr(services, "send_mail", lambda *a, **k: (_ for _ in ()).throw(OSError("no route")))
    from ccehub.cli import app

    result = CliRunner().invoke(app, ["notifications", "send"])
    assert result.exit_code == 1 and "could not be emailed" in result.stderr
    for _ in range(3):
        send_pending()
    result = CliRunner().invoke(app, ["notifications", "send"])  # the fifth try
    assert result.exit_code == 1 and "no longer tried" in result.stderr
    # reported once: later runs leave it alone, and cron is not mailed every few minutes for ever
    result = CliRunner().invoke(app, ["notifications", "send"])
    assert result.exit_code == 0 and "Emailed 0 notifications." in result.stdout
    assert Notification.objects.get().email_attempts == 5


def test_without_a_mail_server_nothing_is_called_emailed(
    met_officer, actor_for, islington_child, duty_mailbox, django_capture_on_commit_callbacks, settings
):
    from ccehub.notifications.services import MSG_NO_MAIL_SERVER

    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        episode = report(actor_for(met_officer), islington_child)
    (note,) = Notification.objects.all()
    assert note.emailed_at is None and note.email_error == MSG_NO_MAIL_SERVER
    episode.refresh_from_db()
    assert episode.social_care_notified_at is None  # the log tells nobody: the reporter still must
    from ccehub.cli import app

    result = CliRunner().invoke(app, ["notifications", "send"])
    assert result.exit_code == 1 and "No mail server is configured" in result.stderr


# -- the web: the follow-up page, the home authority's one click, the dashboards --------------------


def test_home_authority_sees_it_on_its_dashboard_and_records_it_knows(
    client, met_officer, isl_sw, actor_for, islington_child
):
    episode = report(actor_for(met_officer), islington_child, days_ago=0.5)
    client.force_login(isl_sw)
    board = page(client.get("/"))
    assert "Metropolitan Police Service reported the child missing" in board
    assert "Hold a strategy discussion" in board
    url = f"/children/{islington_child.pseudonymous_id}/missing/{episode.pk}/follow-up/"
    assert url in board
    text = page(client.get(url))
    assert (
        "Record that children's social care knows now" in text
        and "Tell the child's home children's social care" in text
    )
    response = client.post(url, {"knows_now": "1"}, follow=True)
    text = page(response)
    assert "children's social care knows that the child is missing" in text
    episode.refresh_from_db()
    assert episode.social_care_notified_at is not None
    assert "reported the child missing" not in page(client.get("/"))


def test_the_reporting_force_is_reminded_to_tell_social_care(client, met_officer, actor_for, islington_child):
    report(actor_for(met_officer), islington_child)
    client.force_login(met_officer)
    board = page(client.get("/"))
    assert "Tell children's social care at Islington that the child is missing" in board
    assert "Hold a strategy discussion" not in board  # the home authority's task, not the force's


def test_follow_up_form_records_a_strategy_discussion_and_shows_errors(
    client, met_officer, isl_sw, actor_for, islington_child
):
    episode = report(actor_for(met_officer), islington_child, days_ago=3)
    client.force_login(isl_sw)
    url = f"/children/{islington_child.pseudonymous_id}/missing/{episode.pk}/follow-up/"
    tomorrow = timezone.localdate() + timedelta(days=1)
    bad = client.post(
        url,
        {
            "strategy_held_on_day": tomorrow.day,
            "strategy_held_on_month": tomorrow.month,
            "strategy_held_on_year": tomorrow.year,
        },
    )
    assert bad.status_code == 400 and "cannot be in the future" in page(bad)
    nothing = client.post(url, {})
    assert nothing.status_code == 400 and "Record at least one thing" in page(nothing)
    today = timezone.localdate()
    ok = client.post(
        url,
        {
            "strategy_held_on_day": today.day,
            "strategy_held_on_month": today.month,
            "strategy_held_on_year": today.year,
            "strategy_actions": "Safety plan with the family",
        },
        follow=True,
    )
    assert "Recorded what followed the missing episode" in page(ok)
    episode.refresh_from_db()
    assert episode.strategy_meeting is not None
    # asked once: the field is gone from the form
    assert "Date of the strategy discussion" not in page(client.get(url))
    listing = page(client.get(f"/children/{islington_child.pseudonymous_id}/missing/"))
    assert "1 to do" in listing  # telling social care is still unrecorded


def test_analyst_sees_no_form_and_no_strategy_text(
    client, met_officer, isl_sw, actor_for, islington_child, make_user, agencies, roles
):
    police = actor_for(met_officer)
    episode = report(police, islington_child)
    missing_follow_up(
        actor=actor_for(isl_sw),
        episode=episode,
        strategy_held_on=timezone.localdate(),
        strategy_actions="Move to an aunt",
    )
    analyst = make_user("isl.analyst", agencies["islington"], roles.ANALYST)
    client.force_login(analyst)
    url = f"/children/{islington_child.pseudonymous_id}/missing/{episode.pk}/follow-up/"
    text = page(client.get(url))
    assert "What followed the missing episode" in text and "Move to an aunt" not in text
    assert "Record what followed" not in text
    refused = client.post(url, {"knows_now": "1"})
    assert refused.status_code == 403
    assert AuditEvent.objects.filter(object_type="missingepisode", action="denied").exists()
    episode.refresh_from_db()
    assert episode.social_care_notified_at is None


def test_an_untracked_episode_has_no_follow_up_page(client, isl_sw, islington_child, system_actor):
    old = fact_record(
        actor=system_actor,
        child=islington_child,
        model=MissingEpisode,
        started_at=timezone.now() - timedelta(days=400),
        ended_at=timezone.now() - timedelta(days=390),
    )
    client.force_login(isl_sw)
    response = client.get(f"/children/{islington_child.pseudonymous_id}/missing/{old.pk}/follow-up/")
    assert response.status_code == 404
    listing = page(client.get(f"/children/{islington_child.pseudonymous_id}/missing/"))
    assert "Not reported on ccehub" in listing


def test_the_subject_access_response_lists_who_was_told(met_officer, isl_sw, actor_for, islington_child):
    from ccehub.children.subject_access import subject_access_compile

    report(actor_for(met_officer), islington_child)
    response = subject_access_compile(actor=actor_for(isl_sw), pid=islington_child.pseudonymous_id)
    (row,) = [r for r in response.agencies if r[0] == "notification"]
    assert row[1] == "la-islington" and row[3] == "" and row[6] == "met"
    assert "went missing" in row[8] and row[10].startswith("Child reported missing")


def test_dashboard_shows_the_interview_overdue_then_nothing_once_all_is_recorded(
    client, met_officer, isl_sw, actor_for, islington_child
):
    police, sw = actor_for(met_officer), actor_for(isl_sw)
    episode = report(police, islington_child, days_ago=6)
    missing_follow_up(
        actor=police,
        episode=episode,
        social_care_notified_at=timezone.now() - timedelta(days=5, hours=23),
        strategy_held_on=timezone.localdate() - timedelta(days=5),
    )
    missing_episode_found(actor=police, episode=episode, ended_at=timezone.now() - timedelta(days=4))
    client.force_login(isl_sw)
    board = page(client.get("/"))
    assert "Offer a return home interview: overdue since" in board
    assert "Hold a strategy discussion" not in board and "reported the child missing" not in board
    missing_follow_up(
        actor=sw,
        episode=episode,
        return_home_interview="declined",
        return_home_interview_on=timezone.localdate(),
    )
    board = page(client.get("/"))
    assert "return home interview" not in board.lower()


def test_dates_are_local_days_a_start_at_half_past_midnight_bst_is_that_day(
    met_officer, actor_for, islington_child
):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    police = actor_for(met_officer)
    went = datetime(2026, 7, 1, 0, 30, tzinfo=ZoneInfo("Europe/London"))  # 30 June 23:30 UTC
    episode = missing_episode_record(actor=police, child=islington_child, started_at=went)
    with pytest.raises(ValidationError) as early:
        missing_follow_up(actor=police, episode=episode, strategy_held_on=went.date() - timedelta(days=1))
    assert "before the day the child went missing" in str(early.value)
    missing_follow_up(actor=police, episode=episode, strategy_held_on=went.date())


def test_police_record_the_discussion_social_care_convened_and_the_offer_date_is_kept(
    met_officer, actor_for, islington_child
):
    police = actor_for(met_officer)
    episode = report(police, islington_child, days_ago=5)
    missing_follow_up(
        actor=police, episode=episode, strategy_held_on=timezone.localdate() - timedelta(days=4)
    )
    episode.refresh_from_db()
    assert episode.strategy_meeting.convening_agency.code == "la-islington"  # not the Met
    missing_episode_found(actor=police, episode=episode, ended_at=timezone.now() - timedelta(days=3))
    offered = timezone.localdate() - timedelta(days=2)
    missing_follow_up(
        actor=police, episode=episode, return_home_interview="offered", return_home_interview_on=offered
    )
    with pytest.raises(ValidationError):
        missing_follow_up(
            actor=police, episode=episode, return_home_interview="offered", return_home_interview_on=offered
        )
    missing_follow_up(
        actor=police,
        episode=episode,
        return_home_interview="completed",
        return_home_interview_on=timezone.localdate(),
    )
    episode.refresh_from_db()
    assert episode.return_home_interview_offered_on == offered
    assert episode.return_home_interview_on == timezone.localdate()


def test_a_child_with_no_home_authority_still_tracks_what_must_follow(
    met_officer, actor_for, agencies, client
):
    from ccehub.children.services import child_create

    police = actor_for(met_officer)
    child = child_create(
        actor=police,
        given_name="Sol",
        family_name="Nohome",
        sex="male",
        date_of_birth=timezone.localdate().replace(year=2009),
    )
    episode = report(police, child)
    assert not Notification.objects.filter(agency__kind="la_childrens_services").exists()
    client.force_login(met_officer)
    board = page(client.get("/"))
    assert "Tell children's social care at the home local authority" in board
    text = page(client.get(f"/children/{child.pseudonymous_id}/missing/{episode.pk}/follow-up/"))
    assert "Home local authority" in text and "Not recorded" in text


def test_found_by_the_home_authority_tells_the_home_force_not_itself(isl_sw, actor_for, islington_child):
    sw = actor_for(isl_sw)
    episode = report(sw, islington_child)
    missing_episode_found(actor=sw, episode=episode, ended_at=timezone.now())
    assert sorted(Notification.objects.values_list("agency__code", "kind")) == [
        ("met", "missing_found"),
        ("met", "missing_reported"),
    ]


def test_agencies_update_sets_and_clears_the_duty_mailbox(agencies):
    from ccehub.agencies.models import Agency
    from ccehub.cli import app

    runner = CliRunner()
    bad = runner.invoke(app, ["agencies", "update", "la-camden", "--duty-email", "not an address"])
    assert bad.exit_code == 2 and "--duty-email" in bad.stderr
    none = runner.invoke(app, ["agencies", "update", "la-camden"])
    assert none.exit_code == 2 and "Nothing to change" in none.stderr
    unknown = runner.invoke(app, ["agencies", "update", "la-nowhere", "--duty-email", "a@b.example"])
    assert unknown.exit_code == 2 and "la-nowhere" in unknown.stderr
    ok = runner.invoke(app, ["agencies", "update", "la-camden", "--duty-email", " mash@camden.example "])
    assert ok.exit_code == 0 and "mash@camden.example" in ok.stdout
    assert Agency.objects.get(code="la-camden").duty_email == "mash@camden.example"
    assert AuditEvent.objects.filter(object_type="agency", action="update", object_id="la-camden").exists()
    cleared = runner.invoke(app, ["agencies", "update", "la-camden", "--duty-email", ""])
    assert cleared.exit_code == 0 and Agency.objects.get(code="la-camden").duty_email == ""
    added = runner.invoke(
        app,
        [
            "agencies",
            "add",
            "la-test",
            "--name",
            "Test LA",
            "--kind",
            "la_childrens_services",
            "--duty-email",
            "x@y",
        ],
    )
    assert added.exit_code == 2 and "--duty-email" in added.stderr


def test_deploy_check_warns_when_the_home_authority_cannot_be_emailed(settings):
    from ccehub.notifications.checks import mail_configured_check

    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    settings.CCEHUB_BASE_URL = "http://127.0.0.1:8000"
    assert [w.id for w in mail_configured_check()] == ["ccehub.W001", "ccehub.W002"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.CCEHUB_BASE_URL = "https://ccehub.example.org"
    assert mail_configured_check() == []


def test_often_and_long_shows_on_the_missing_page_and_the_dashboard(
    client, isl_sw, actor_for, islington_child
):
    sw = actor_for(isl_sw)
    for days_ago, hours in ((70, 30), (40, 3)):
        episode = report(sw, islington_child, days_ago=days_ago)
        missing_episode_found(actor=sw, episode=episode, ended_at=episode.started_at + timedelta(hours=hours))
    client.force_login(isl_sw)
    url = f"/children/{islington_child.pseudonymous_id}/missing/"
    assert "Heightened risk" not in page(client.get(url))  # two episodes: not yet "often"
    assert "Heightened risk" not in page(client.get("/"))
    episode = report(sw, islington_child, days_ago=2)
    text = page(client.get(url))
    # the open one counts to now: two days and counting, longer than the 30-hour one
    assert "Heightened risk: 3 missing episodes in the last 90 days, the longest 2 days" in text
    assert "(R-31)" in text and episode.still_missing
    board = page(client.get("/"))
    assert "Heightened risk: 3 missing episodes in the last 90 days" in board


def test_the_missing_page_shows_how_late_the_police_were_told(client, isl_sw, actor_for, islington_child):
    went = timezone.now() - timedelta(days=2)
    missing_episode_record(
        actor=actor_for(isl_sw),
        child=islington_child,
        started_at=went,
        reported_by="parent",
        reported_to_police_at=went + timedelta(hours=30, minutes=10),
    )
    client.force_login(isl_sw)
    text = page(client.get(f"/children/{islington_child.pseudonymous_id}/missing/"))
    assert "to the police after 30 hours" in text


def test_often_but_never_long_is_not_flagged_on_the_dashboard(client, isl_sw, actor_for, islington_child):
    sw = actor_for(isl_sw)
    for days_ago in (60, 30, 10):
        episode = report(sw, islington_child, days_ago=days_ago)
        missing_episode_found(actor=sw, episode=episode, ended_at=episode.started_at + timedelta(hours=5))
    client.force_login(isl_sw)
    assert "Heightened risk" not in page(client.get("/"))  # three episodes, none of 24 hours


def test_an_analysts_dashboard_has_no_follow_ups_to_do(
    client, met_officer, actor_for, islington_child, make_user, agencies, roles
):
    report(actor_for(met_officer), islington_child)
    analyst = make_user("isl.analyst", agencies["islington"], roles.ANALYST)
    client.force_login(analyst)
    board = page(client.get("/"))
    assert "Hold a strategy discussion" not in board and "reported the child missing" not in board


def test_reaching_the_crisis_threshold_while_missing_is_notified_once(
    met_officer, isl_sw, actor_for, islington_child, duty_mailbox, system_actor
):
    from ccehub.children.missing import missing_crises_notify
    from ccehub.cli import app

    police = actor_for(met_officer)
    episode = report(police, islington_child, days_ago=13.5)
    assert missing_crises_notify().crossed == 0  # 13 days: not yet
    assert missing_crises_notify(now=timezone.now() + timedelta(days=1)).crossed == 1  # 14 days
    episode.refresh_from_db()
    assert episode.crisis_trigger_fired
    crisis = Notification.objects.filter(kind="missing_crisis")
    assert sorted(crisis.values_list("agency__code", flat=True)) == ["la-islington", "met"]
    assert "missing for 14 days" in crisis.first().text and "R-30" in crisis.first().text
    assert missing_crises_notify(now=timezone.now() + timedelta(days=5)).crossed == 0  # once
    row = AuditEvent.objects.get(object_type="missingepisode", detail__contains="crisis notified")
    assert row.fields == ["missing_episodes.crisis_trigger_fired"]
    # found, untracked or not yet long: never
    missing_episode_found(actor=police, episode=episode, ended_at=timezone.now())
    old = fact_record(
        actor=system_actor,
        child=islington_child,
        model=MissingEpisode,
        started_at=timezone.now() - timedelta(days=60),
    )
    assert not old.follow_up_tracked
    assert missing_crises_notify(now=timezone.now() + timedelta(days=30)).crossed == 0
    # the cron command runs the check first
    report(police, islington_child, days_ago=20)
    result = CliRunner().invoke(app, ["notifications", "send"])
    assert result.exit_code == 0 and "1 child still missing reached the crisis threshold" in result.stdout


def test_one_failing_crisis_does_not_stop_the_others_nor_the_emails(
    met_officer, actor_for, islington_child, agencies, system_actor, monkeypatch, make_user, roles
):
    import ccehub.children.missing as missing
    from ccehub.children.missing import missing_crises_notify
    from ccehub.children.services import child_create
    from ccehub.cli import app

    police = actor_for(met_officer)
    other = child_create(
        actor=police,
        given_name="Rio",
        family_name="Second",
        sex="male",
        date_of_birth=timezone.localdate().replace(year=2010),
        home_local_authority=agencies["islington"],
        home_police_force=agencies["met"],
    )
    first = report(police, islington_child, days_ago=20)
    second = report(police, other, days_ago=20)
    real = missing.notify_agency

    def broken(**kwargs):
        if kwargs["child"].pk == islington_child.pk:
            raise RuntimeError("mail queue full")
        return real(**kwargs)

    monkeypatch.setattr(missing, "notify_agency", broken)
    result = CliRunner().invoke(app, ["notifications", "send"])
    assert result.exit_code == 1 and "1 crisis notification(s) failed" in result.stderr
    first.refresh_from_db()
    second.refresh_from_db()
    assert not first.crisis_trigger_fired and second.crisis_trigger_fired  # the first is tried again
    monkeypatch.undo()
    assert missing_crises_notify().crossed == 1


def test_notifications_list_shows_what_was_sent_and_what_waits(
    met_officer, actor_for, islington_child, duty_mailbox
):
    from ccehub.cli import app

    report(actor_for(met_officer), islington_child)  # no on-commit run: the email waits
    runner = CliRunner()
    listed = runner.invoke(app, ["notifications", "list", "--pending"])
    assert listed.exit_code == 0 and "la-islington" in listed.stdout and "not sent (0 tries)" in listed.stdout
    assert "1 notification." in listed.stdout
    assert "Jamie" not in listed.stdout and islington_child.pseudonymous_id in listed.stdout
    other = runner.invoke(app, ["notifications", "list", "--agency", "la-camden"])
    assert other.exit_code == 0 and "0 notifications." in other.stdout
    bad = runner.invoke(app, ["notifications", "list", "--agency", "nowhere"])
    assert bad.exit_code == 2 and "--agency" in bad.stderr


def test_the_childs_chronology_shows_what_followed_the_episode(
    client, met_officer, isl_sw, actor_for, islington_child
):
    police, sw = actor_for(met_officer), actor_for(isl_sw)
    episode = report(police, islington_child, days_ago=6)
    missing_follow_up(actor=sw, episode=episode, social_care_notified_at=timezone.now() - timedelta(days=5))
    missing_episode_found(actor=police, episode=episode, ended_at=timezone.now() - timedelta(days=3))
    offered = timezone.localdate() - timedelta(days=2)
    missing_follow_up(
        actor=sw, episode=episode, return_home_interview="offered", return_home_interview_on=offered
    )
    missing_follow_up(
        actor=sw,
        episode=episode,
        return_home_interview="completed",
        return_home_interview_on=timezone.localdate(),
    )
    client.force_login(isl_sw)
    text = page(client.get(f"/children/{islington_child.pseudonymous_id}/"))
    events = text.split("Events so far")[1]
    for line in (
        "Missing episode",
        "Children's social care told of the episode",
        "Found after 3 days",
        "Return home interview offered",
        "Return home interview: held",
    ):
        assert line in events, line
    assert (
        events.index("Missing episode")
        < events.index("Found after 3 days")
        < events.index("Return home interview: held")
    )
