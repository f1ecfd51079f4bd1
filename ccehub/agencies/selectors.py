"""Reads about agencies and memberships."""

from __future__ import annotations

from typing import Any

from ccehub.agencies.models import Membership

SESSION_KEY = "ccehub_membership_id"


def active_memberships(*, user: Any) -> list[Membership]:
    return list(
        Membership.objects.filter(user=user, active=True, agency__active=True)
        .select_related("agency")
        .order_by("created_at")
    )


def current_membership(*, user: Any, session: Any) -> Membership | None:
    """The membership the user chose for this session, else their first active one."""
    memberships = active_memberships(user=user)
    if not memberships:
        return None
    chosen = session.get(SESSION_KEY) if session is not None else None
    for membership in memberships:
        if str(membership.id) == chosen:
            return membership
    return memberships[0]
