"""Withdrawing an information request from the referral page: the button for the panel lead (or
chair) on an open request, a confirmation form asking why, the banner, and the request gone from the
recipient's inbox and dashboard."""

from __future__ import annotations

import html
from datetime import date

import pytest
from django.urls import reverse

from ccehub.audit.models import AuditEvent
from ccehub.panels import forms as panel_forms
from ccehub.panels import services as panels
from ccehub.panels.models import RequestStatus
from ccehub.panels.permissions import MSG_NOT_PANEL_LEAD
from ccehub.panels.selectors import requests_for_recipient

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-test-password"
REASON = "The referral has gone to the Home Office; the panel no longer needs the answer"


def _client(client, world, who):
    client.logout()
    assert client.login(username=world["users"][who].username, password=PASSWORD)
    return client


def _text(response) -> str:
    return html.unescape(response.content.decode())


def _ask(world, referral):
    return panels.information_request_create(
        actor=world["as_lead"],
        referral=referral,
        recipient_role="health",
        recipient_agency=world["health"],
        recipient_name="Dr Pat Health",
        question="Any attendances or concerns since January?",
        due_on=date(2024, 3, 15),
        today=date(2024, 3, 5),
    )


def test_a_withdrawn_request_leaves_the_recipients_inbox_and_dashboard(client, world, referral):
    request = _ask(world, referral)
    respond_url = reverse("panels:request-respond", args=[request.pk])
    assert requests_for_recipient(actor=world["as_health"]) == [request]
    assert respond_url in _text(_client(client, world, "health").get(reverse("dashboard")))
    panels.information_request_withdraw(actor=world["as_lead"], request=request, reason=REASON)
    assert requests_for_recipient(actor=world["as_health"]) == []
    dashboard = _text(client.get(reverse("dashboard")))
    assert respond_url not in dashboard and "the CCE panel asks you for information" not in dashboard
    assert respond_url not in _text(client.get(reverse("panels:home")))


@pytest.mark.parametrize("who", ["lead", "chair"])
def test_the_lead_or_chair_withdraws_a_request_from_the_referral_page(client, world, referral, who):
    request = _ask(world, referral)
    url = reverse("panels:request-withdraw", args=[request.pk])
    c = _client(client, world, who)
    page = _text(c.get(reverse("panels:referral", args=[referral.pk])))
    assert url in page and "Withdraw this request" in page
    form = c.get(url)
    assert form.status_code == 200
    assert "Why are you withdrawing this request?" in _text(form) and "Dr Pat Health" in _text(form)
    empty = c.post(url, {"reason": "  "})
    assert empty.status_code == 400
    assert "govuk-error-summary" in _text(empty) and panel_forms.MSG_WITHDRAW_REASON in _text(empty)
    done = c.post(url, {"reason": REASON}, follow=True)
    page = _text(done)
    assert done.redirect_chain[-1][0] == reverse("panels:referral", args=[referral.pk])
    assert "Information request to Dr Pat Health withdrawn" in page and "govuk-notification-banner" in page
    assert "Withdrawn" in page and url not in page
    request.refresh_from_db()
    assert request.status == RequestStatus.WITHDRAWN
    event = AuditEvent.objects.get(
        object_type="information_request", object_id=str(request.pk), action="update"
    )
    # the reason is free text (it may name people): kept on the request and shown on the referral,
    # not copied into the append-only audit log
    assert event.detail == "withdrawn" and REASON not in event.detail
    assert request.withdrawn_reason == REASON and request.withdrawn_on is not None
    assert f"Withdrawn: {REASON}" in page


def test_a_request_no_longer_open_cannot_be_withdrawn(client, world, referral):
    request = _ask(world, referral)
    panels.information_request_respond(actor=world["as_health"], request=request, response="Nothing new")
    c = _client(client, world, "lead")
    url = reverse("panels:request-withdraw", args=[request.pk])
    assert url not in _text(c.get(reverse("panels:referral", args=[referral.pk])))
    refused = c.post(url, {"reason": REASON})
    assert refused.status_code == 400 and "This request has already been answered" in _text(refused)
    request.refresh_from_db()
    assert request.status == RequestStatus.RESPONDED


@pytest.mark.parametrize("who", ["member", "health", "officer"])
def test_others_see_no_button_and_are_refused(client, world, referral, who):
    request = _ask(world, referral)
    url = reverse("panels:request-withdraw", args=[request.pk])
    c = _client(client, world, who)
    referral_page = c.get(reverse("panels:referral", args=[referral.pk]))
    assert url not in _text(referral_page)
    refused = c.post(url, {"reason": REASON})
    assert refused.status_code in (403, 404)
    if refused.status_code == 403:
        assert MSG_NOT_PANEL_LEAD in _text(refused)
    assert AuditEvent.objects.filter(
        username=world["users"][who].username, action="denied", object_type="information_request"
    ).exists()
    request.refresh_from_db()
    assert request.status == RequestStatus.OPEN
