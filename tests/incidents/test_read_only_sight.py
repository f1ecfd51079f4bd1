"""Someone who sees a child only under a data-sharing agreement cannot record on the child's file, so
the child and decision pages do not offer them forms and buttons that end in "You cannot do this"
(a dead end after filling in a long form); they say why instead."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ccehub.children.services import MSG_READ_ONLY_BASIS

pytestmark = pytest.mark.django_db


@pytest.fixture
def health_client(client, health):
    assert client.login(username=health.username, password="a-long-test-password")
    return client


def test_decision_page_offers_no_actions_on_read_only_sight(health_client, presumed):
    page = health_client.get(reverse("incidents:decision", args=[presumed.pk])).content.decode()
    assert "Triage decision" in page
    for offer in (
        "/accept/",
        "/done/",
        "/override/",
        reverse("incidents:rebuttal", args=[presumed.pk]),
        reverse("incidents:retriage", args=[presumed.pk]),
    ):
        assert offer not in page, offer
    assert MSG_READ_ONLY_BASIS in page


def test_child_page_offers_no_incident_form_on_read_only_sight(health_client, presumed):
    pid = presumed.child.pseudonymous_id
    page = health_client.get(reverse("children:detail", args=[pid])).content.decode()
    assert "Triage: " in page
    assert f"{reverse('incidents:new')}?child={pid}" not in page
    assert MSG_READ_ONLY_BASIS in page


def test_the_holder_is_still_offered_them(client, people, presumed):
    assert client.login(username=people["users"]["officer"].username, password="a-long-test-password")
    page = client.get(reverse("incidents:decision", args=[presumed.pk])).content.decode()
    assert "/override/" in page and reverse("incidents:retriage", args=[presumed.pk]) in page
    assert MSG_READ_ONLY_BASIS not in page
    pid = presumed.child.pseudonymous_id
    page = client.get(reverse("children:detail", args=[pid])).content.decode()
    assert f"{reverse('incidents:new')}?child={pid}" in page
