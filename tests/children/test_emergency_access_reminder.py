"""The dashboard reminds an administrator who may review emergency accesses that some are waiting
(data-protection.md, known gap 9: "Not built: a reminder to review"). The reminder follows the admin's
own rule: the agency that holds the child reviews; nobody reviews their own."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from ccehub.children.models import EmergencyAccess
from ccehub.children.selectors import EMERGENCY_REVIEW_DAYS, emergency_accesses_to_review
from ccehub.children.services import emergency_access_start

REASON = "Found at a trap house in Margate, says he is from Islington, no answer on the line"
REVIEW_LINK = "/admin/children/emergencyaccess/?reviewed=no"


@pytest.fixture
def access(agencies, make_user, roles, actor_for, islington_child):
    pc = make_user("kent.pc", agencies["kent"], roles.POLICE_OFFICER)
    return emergency_access_start(actor=actor_for(pc), pid=islington_child.pseudonymous_id, reason=REASON)


def reviewer(make_user, agency, username, *, perms=("view_emergencyaccess", "change_emergencyaccess")):
    user = make_user(username, agency, "admin", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=perms))
    return user


def test_the_holding_agencys_reviewer_is_reminded(client, agencies, make_user, access):
    client.force_login(reviewer(make_user, agencies["islington"], "isl.admin"))
    page = client.get("/").content.decode()
    assert "1 emergency access to a child your agency holds is waiting for review" in page
    assert REVIEW_LINK in page


def test_the_reminder_counts_and_says_when_a_review_is_overdue(
    client, agencies, make_user, roles, actor_for, access
):
    other = make_user("kent.pc2", agencies["kent"], roles.POLICE_OFFICER)
    emergency_access_start(actor=actor_for(other), pid=access.child.pseudonymous_id, reason=REASON)
    user = reviewer(make_user, agencies["islington"], "isl.admin")
    client.force_login(user)
    page = client.get("/").content.decode()
    assert "2 emergency accesses to children your agency holds are waiting for review" in page
    assert ">Overdue<" not in page
    # the oldest ended more than EMERGENCY_REVIEW_DAYS ago: its review is overdue
    long_ago = timezone.now() - timedelta(days=EMERGENCY_REVIEW_DAYS + 2)
    EmergencyAccess.objects.filter(pk=access.pk).update(
        started_at=long_ago - timedelta(hours=24), expires_at=long_ago
    )
    page = client.get("/").content.decode()
    assert ">Overdue<" in page


def test_no_reminder_once_reviewed(client, agencies, make_user, access):
    user = reviewer(make_user, agencies["islington"], "isl.admin")
    EmergencyAccess.objects.filter(pk=access.pk).update(
        reviewed_at=timezone.now(), reviewed_by=user, review_outcome="justified"
    )
    client.force_login(user)
    assert "waiting for review" not in client.get("/").content.decode()


@pytest.mark.parametrize(
    "who",
    [
        "accessing agency's admin",
        "other agency's admin",
        "holding agency without the permission",
        "not staff",
    ],
)
def test_no_reminder_for_someone_who_may_not_review(client, agencies, make_user, access, who):
    if who == "accessing agency's admin":
        user = reviewer(make_user, agencies["kent"], "kent.admin")
    elif who == "other agency's admin":
        user = reviewer(make_user, agencies["health"], "health.admin")
    elif who == "holding agency without the permission":
        user = reviewer(make_user, agencies["islington"], "isl.viewer", perms=("view_emergencyaccess",))
    else:
        user = make_user("isl.sw", agencies["islington"], "social_worker")
        user.user_permissions.add(*Permission.objects.filter(codename="change_emergencyaccess"))
    client.force_login(user)
    assert "waiting for review" not in client.get("/").content.decode()
    assert not emergency_accesses_to_review(user=user, agency=user.memberships.get().agency).exists()


def test_nobody_is_reminded_of_their_own(agencies, make_user, actor_for, islington_child):
    both = make_user("kent.super", agencies["kent"], "police_officer", is_staff=True, is_superuser=True)
    emergency_access_start(actor=actor_for(both), pid=islington_child.pseudonymous_id, reason=REASON)
    assert not emergency_accesses_to_review(user=both, agency=agencies["kent"]).exists()
    boss = make_user("boss", agencies["kent"], "admin", is_staff=True, is_superuser=True)
    assert emergency_accesses_to_review(user=boss, agency=agencies["kent"]).count() == 1
