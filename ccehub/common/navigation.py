"""The service navigation: what each role can reach."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from ccehub.agencies.models import AgencyKind
from ccehub.agencies.permissions import AUDIT_ROLES, IDENTITY_ROLES
from ccehub.nrm.services import FIRST_RESPONDER_ROLES

#: Everyone with work on the panel page: its people, and the first responders who refer a child
#: and answer the panel's information requests there. Home Office QA staff are added by agency
#: kind in ``nav_items_for``.
PANEL_ROLES = frozenset({"panel_member", "panel_chair"}) | FIRST_RESPONDER_ROLES

_ITEMS: list[tuple[str, str, frozenset[str] | None]] = [
    ("dashboard", "Dashboard", None),
    ("children:list", "Children", None),
    ("records:lookup", "Is this child known?", IDENTITY_ROLES),
    ("reports:vulnerabilities", "Vulnerability matrix", None),
    ("reports:timeliness", "NRM timeliness", IDENTITY_ROLES | {"analyst"}),
    ("reports:early-signs", "Missing before arrest", IDENTITY_ROLES | {"analyst"}),
    ("reports:placements", "Placement sufficiency", IDENTITY_ROLES | {"analyst"}),
    ("reports:returns", "Annual return", IDENTITY_ROLES | {"analyst"}),
    ("incidents:new", "Record an incident", frozenset({"police_officer", "police_specialist"})),
    ("panels:home", "CCE panel", PANEL_ROLES),
    ("children:history-index", "Access history", AUDIT_ROLES),
]


def nav_items_for(request: HttpRequest) -> list[dict[str, Any]]:
    membership = getattr(request, "membership", None)
    if membership is None:
        return []
    items = []
    for name, text, roles in _ITEMS:
        if roles is not None and membership.role not in roles and not _home_office_qa(membership, name):
            continue
        try:
            href = reverse(name)
        except NoReverseMatch:
            continue
        active = request.path == href or (href != "/" and request.path.startswith(href))
        items.append({"href": href, "text": text, "active": active})
    return items


def _home_office_qa(membership: Any, name: str) -> bool:
    """Home Office SCA staff (not its administrators) quality-assure panel decisions from the panel page."""
    return (
        name == "panels:home"
        and membership.agency.kind == AgencyKind.HOME_OFFICE_SCA
        and membership.role != "admin"
    )
