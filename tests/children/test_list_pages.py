"""The children page comes in pages of CHILDREN_PER_PAGE (GOV.UK pagination), so an agency with
thousands of children gets a page it can read, and each page's read is audited as that page."""

from __future__ import annotations

import pytest

from ccehub.audit.models import AuditEvent
from ccehub.children.services import child_create
from ccehub.children.views import CHILDREN_PER_PAGE


@pytest.fixture
def sw(agencies, make_user, roles):
    return make_user("isw", agencies["islington"], roles.SOCIAL_WORKER)


@pytest.fixture
def many(agencies, system_actor):
    return [
        child_create(actor=system_actor, given_name=f"C{n}", home_local_authority=agencies["islington"])
        for n in range(CHILDREN_PER_PAGE + 3)
    ]


def test_the_first_page_and_the_last(client, sw, many):
    client.force_login(sw)
    first = client.get("/children/").content.decode()
    assert f"Children 1 to {CHILDREN_PER_PAGE} of {CHILDREN_PER_PAGE + 3}" in first
    assert 'class="govuk-pagination"' in first and 'rel="next"' in first and 'rel="prev"' not in first
    assert first.count('<tr class="govuk-table__row">') == CHILDREN_PER_PAGE + 1  # and the header row
    last = client.get("/children/?page=2").content.decode()
    assert f"Children {CHILDREN_PER_PAGE + 1} to {CHILDREN_PER_PAGE + 3} of {CHILDREN_PER_PAGE + 3}" in last
    assert 'rel="prev"' in last and 'rel="next"' not in last
    row = AuditEvent.objects.filter(username="isw", object_type="child_list").latest("id")
    assert row.detail.startswith(f"3 of {CHILDREN_PER_PAGE + 3} children listed")


def test_a_page_beyond_the_end_or_not_a_number_shows_the_nearest(client, sw, many):
    client.force_login(sw)
    assert "Children 1 to" in client.get("/children/?page=abc").content.decode()
    assert f"to {CHILDREN_PER_PAGE + 3} of" in client.get("/children/?page=99").content.decode()


def test_the_search_is_kept_across_pages(client, sw, many):
    client.force_login(sw)
    page = client.get("/children/?q=CH-").content.decode()
    assert "q=CH-&amp;page=2" in page


def test_one_page_has_no_pagination(client, sw, agencies, system_actor):
    child_create(actor=system_actor, given_name="Solo", home_local_authority=agencies["islington"])
    client.force_login(sw)
    page = client.get("/children/").content.decode()
    assert "govuk-pagination" not in page and "1 child" in page


def test_the_dashboard_lists_the_first_children_and_links_to_all(client, sw, many):
    from ccehub.common.dashboard import DASHBOARD_CHILDREN

    client.force_login(sw)
    page = client.get("/").content.decode()
    assert f"See all {CHILDREN_PER_PAGE + 3} children" in page
    table = page.split("Children your agency can see</caption>")[1].split("</table>")[0]
    assert table.count('<tr class="govuk-table__row">') == DASHBOARD_CHILDREN + 1  # and the header row


@pytest.mark.parametrize("where", ["/children/?q=", "/api/children/?q="])
def test_a_search_that_finds_nobody_is_not_kept_as_typed(client, sw, agencies, system_actor, where):
    """Only pseudonymous IDs and case-study names are searched, so a search that found someone is one
    of those; one that found nobody may be a real name typed into the wrong box, and the audit log is
    append-only: it keeps a keyed digest instead (the same text, the same digest)."""
    child = child_create(actor=system_actor, given_name="Jamie", home_local_authority=agencies["islington"])
    client.force_login(sw)
    client.get(where + "Jamie%20Smith")
    client.get(where + "Jamie%20Smith")
    client.get(where + child.pseudonymous_id[:6])
    rows = list(AuditEvent.objects.filter(username="isw", object_type="child_list").order_by("id"))
    assert "Jamie" not in rows[0].detail and "Smith" not in rows[0].detail
    assert "search not kept" in rows[0].detail and rows[0].detail == rows[1].detail
    assert repr(child.pseudonymous_id[:6]) in rows[2].detail


def test_a_url_reference_that_is_not_a_pseudonymous_id_is_not_kept_as_typed(client, sw):
    """/children/<anything>/: a reference shaped like a pseudonymous ID is kept (a probe for a real
    one); anything else (a name typed into the address bar) is kept as a keyed digest."""
    client.force_login(sw)
    assert client.get("/children/Jamie%20Smith/").status_code == 404
    assert client.get("/children/CH-00000-00000/").status_code == 404
    rows = list(AuditEvent.objects.filter(username="isw", action="denied").order_by("id"))
    assert len(rows) == 2
    assert rows[0].child_pid == "" and "JAMIE" not in rows[0].detail.upper()
    assert "reference not kept" in rows[0].detail
    assert rows[1].child_pid == "CH-00000-00000"
