"""The service navigation: what each role can reach."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from ccehub.agencies.permissions import IDENTITY_ROLES

_ITEMS: list[tuple[str, str, frozenset[str] | None]] = [
    ("dashboard", "Dashboard", None),
    ("children:list", "Children", None),
    ("records:lookup", "Is this child known?", IDENTITY_ROLES),
    ("reports:vulnerabilities", "Vulnerability matrix", None),
    ("reports:timeliness", "NRM timeliness", IDENTITY_ROLES | {"analyst"}),
    ("incidents:new", "Record an incident", frozenset({"police_officer", "police_specialist"})),
    ("panels:home", "CCE panel", frozenset({"panel_member", "panel_chair", "exploitation_worker"})),
]


def nav_items_for(request: HttpRequest) -> list[dict[str, Any]]:
    membership = getattr(request, "membership", None)
    if membership is None:
        return []
    items = []
    for name, text, roles in _ITEMS:
        if roles is not None and membership.role not in roles:
            continue
        try:
            href = reverse(name)
        except NoReverseMatch:
            continue
        active = request.path == href or (href != "/" and request.path.startswith(href))
        items.append({"href": href, "text": text, "active": active})
    return items
