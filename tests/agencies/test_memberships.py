"""Nobody can change their own role, agency or groups."""

import pytest
from django.core.exceptions import PermissionDenied

from ccehub.agencies.services import MSG_SELF_CHANGE, membership_change, membership_grant


def test_admin_cannot_change_own_role(agencies, make_user, roles, actor_for):
    """Self-escalation through the service is refused with a clear message."""
    admin = make_user("boss", agencies["islington"], roles.ADMIN)
    membership = admin.memberships.get()
    with pytest.raises(PermissionDenied, match=MSG_SELF_CHANGE):
        membership_change(actor=actor_for(admin), membership=membership, role=roles.SOCIAL_WORKER)


def test_user_cannot_grant_themselves_another_agency(agencies, make_user, roles, actor_for):
    """Granting oneself a membership elsewhere is refused."""
    admin = make_user("boss", agencies["islington"], roles.ADMIN)
    with pytest.raises(PermissionDenied, match=MSG_SELF_CHANGE):
        membership_grant(actor=actor_for(admin), user=admin, agency=agencies["kent"], role=roles.ADMIN)


def test_non_admin_cannot_change_anyone(agencies, make_user, roles, actor_for):
    """A social worker cannot change another user's role."""
    sw = make_user("sw", agencies["islington"], roles.SOCIAL_WORKER)
    other = make_user("other", agencies["islington"], roles.SOCIAL_WORKER)
    with pytest.raises(PermissionDenied):
        membership_change(actor=actor_for(sw), membership=other.memberships.get(), role=roles.ADMIN)


def test_another_admin_can_change_a_role_and_it_is_audited(agencies, make_user, roles, actor_for):
    """An administrator changes someone else's role; the change is audited."""
    from ccehub.audit.models import AuditEvent

    admin = make_user("boss", agencies["islington"], roles.ADMIN)
    sw = make_user("sw", agencies["islington"], roles.SOCIAL_WORKER)
    membership_change(actor=actor_for(admin), membership=sw.memberships.get(), role=roles.EXPLOITATION_WORKER)
    assert sw.memberships.get().role == roles.EXPLOITATION_WORKER
    assert AuditEvent.objects.filter(object_type="membership", action="update", username="boss").exists()
