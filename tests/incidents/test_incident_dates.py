"""An incident names its date as every other page does ("5 June 2024", the GOV.UK style), on the
London calendar day: it read "04 Jun 2024" for a 00:30 arrest on 5 June in summer time (the stored UTC
day), in the caption of the decision page and the "Triage: …" headings of the child page."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from ccehub.incidents.models import IdentifyingIncident


def test_incident_names_its_london_day_in_full():
    arrest = IdentifyingIncident(
        incident_type="stop_search", occurred_at=datetime(2024, 6, 4, 23, 30, tzinfo=UTC)
    )
    assert str(arrest) == "Stop and search on 5 June 2024"


@pytest.mark.django_db
def test_decision_and_child_pages_use_the_full_date(client, people, presumed):
    assert client.login(username=people["users"]["officer"].username, password="a-long-test-password")
    decision = client.get(reverse("incidents:decision", args=[presumed.pk])).content.decode()
    child = client.get(reverse("children:detail", args=[presumed.child.pseudonymous_id])).content.decode()
    for page in (decision, child):
        assert "on 1 March 2024" in page
        assert "01 Mar 2024" not in page


@pytest.mark.django_db
def test_the_reasons_write_dates_in_full(client, people, presumed):
    """The rules' reasons carry ISO dates ("18th birthday 2026-05-01"); the page writes them as the
    rest of the service does ("1 May 2026"). The JSON record keeps the rules' own text."""
    assert client.login(username=people["users"]["officer"].username, password="a-long-test-password")
    page = client.get(reverse("incidents:decision", args=[presumed.pk])).content.decode()
    why = page.split('id="reasons"', 1)[1].split('id="facts"', 1)[0]
    assert "1 May 2026" in why
    assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", why), why
