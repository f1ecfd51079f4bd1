"""GET /api/children/ comes in pages: a client that pages gets every child once, in a stable order,
with the total and a link to the next page; an agency with thousands of children no longer gets them
all in one answer. The body stays a list (the shape clients already read)."""

from __future__ import annotations

import pytest

from ccehub.audit.models import AuditEvent
from ccehub.children.api import LIST_LIMIT_DEFAULT, LIST_LIMIT_MAX
from ccehub.children.services import child_create


@pytest.fixture
def sw(agencies, make_user, roles):
    return make_user("isw", agencies["islington"], roles.SOCIAL_WORKER)


@pytest.fixture
def seven(agencies, system_actor):
    return {
        child_create(
            actor=system_actor, given_name=f"Child{n}", home_local_authority=agencies["islington"]
        ).pseudonymous_id
        for n in range(7)
    }


def test_paging_returns_every_child_once_with_total_and_links(client, sw, seven):
    client.force_login(sw)
    seen: list[str] = []
    url = "/api/children/?limit=3"
    pages = 0
    while url:
        response = client.get(url)
        assert response.status_code == 200
        assert response.headers["X-Total-Count"] == "7"
        body = response.json()
        assert len(body) <= 3
        seen += [c["pseudonymous_id"] for c in body]
        pages += 1
        links = response.headers.get("Link", "")
        nxt = [part for part in links.split(",") if 'rel="next"' in part]
        url = nxt[0].split(";")[0].strip().strip("<>").removeprefix("http://testserver") if nxt else ""
        if pages > 1:
            assert 'rel="prev"' in links
    assert pages == 3
    assert sorted(seen) == sorted(seven) and len(seen) == 7


def test_the_search_is_kept_in_the_next_link(client, sw, seven):
    client.force_login(sw)
    response = client.get("/api/children/?q=CH-&limit=2")
    assert "q=CH-" in response.headers["Link"] and "offset=2" in response.headers["Link"]


def test_no_next_link_on_the_last_page(client, sw, seven):
    client.force_login(sw)
    response = client.get("/api/children/?limit=5&offset=5")
    assert len(response.json()) == 2
    assert 'rel="next"' not in response.headers.get("Link", "")
    assert client.get("/api/children/?offset=50").json() == []


def test_default_page_holds_everything_a_small_agency_has(client, sw, seven):
    client.force_login(sw)
    response = client.get("/api/children/")
    assert len(response.json()) == 7 and "Link" not in response.headers
    assert 1 <= LIST_LIMIT_DEFAULT <= LIST_LIMIT_MAX


@pytest.mark.parametrize(
    "query, field", [("limit=0", "limit"), (f"limit={LIST_LIMIT_MAX + 1}", "limit"), ("offset=-1", "offset")]
)
def test_out_of_range_paging_is_refused_naming_the_field(client, sw, seven, query, field):
    client.force_login(sw)
    response = client.get(f"/api/children/?{query}")
    assert response.status_code == 422
    assert field in response.json()["errors"]


def test_the_audit_row_says_which_page(client, sw, seven):
    client.force_login(sw)
    client.get("/api/children/?limit=3&offset=3")
    row = AuditEvent.objects.filter(username="isw", object_type="child_list").latest("id")
    assert row.detail.startswith("3 of 7 children listed")
