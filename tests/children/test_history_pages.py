"""A child's access history comes in pages, newest first: it showed the latest 500 rows and said
nothing of the rest, so a reviewer could not see who looked at the record before them."""

from __future__ import annotations

import pytest

from ccehub.audit.models import AuditEvent
from ccehub.children.views import HISTORY_PER_PAGE


@pytest.fixture
def admin_user(agencies, make_user):
    return make_user("isl.admin", agencies["islington"], "admin")


@pytest.fixture
def long_history(islington_child):
    rows = [
        AuditEvent(
            username=f"reader{n}",
            action="view",
            channel="web",
            object_type="child",
            child_pid=islington_child.pseudonymous_id,
        )
        for n in range(HISTORY_PER_PAGE + 5)
    ]
    AuditEvent.objects.bulk_create(rows)
    return AuditEvent.objects.filter(child_pid=islington_child.pseudonymous_id).count()


def test_every_row_is_reachable_page_by_page(client, admin_user, islington_child, long_history):
    client.force_login(admin_user)
    url = f"/children/{islington_child.pseudonymous_id}/history/"
    first = client.get(url).content.decode()
    assert f"Events 1 to {HISTORY_PER_PAGE} of {long_history}" in first
    assert 'rel="next"' in first
    last = client.get(url + "?page=2").content.decode()
    # the oldest row, written first, is on the last page
    assert ">reader0<" in last and ">reader0<" not in first
    # the first page's own view is in the history now, one row more
    assert f"to {long_history + 1} of {long_history + 1}" in last


def test_a_short_history_has_no_pages(client, admin_user, islington_child):
    client.force_login(admin_user)
    page = client.get(f"/children/{islington_child.pseudonymous_id}/history/").content.decode()
    assert "govuk-pagination" not in page and "Audit events" in page
