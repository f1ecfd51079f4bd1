"""Children endpoints."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError

from ccehub.audit.models import Action
from ccehub.children.export import record_to_dict
from ccehub.children.selectors import ChildNotFound, child_get, child_list_audited

router = Router(tags=["children"])


class ChildSummary(Schema):
    pseudonymous_id: str
    display_pseudonym: str
    sex: str
    home_local_authority: str | None
    home_police_force: str | None


@router.get("/", response=list[ChildSummary], summary="Children your agency can see")
def list_children(request: HttpRequest, q: str = "") -> list[dict[str, Any]]:
    from ccehub.api import api_actor

    children = child_list_audited(actor=api_actor(request), search=q[:40])
    return [
        {
            "pseudonymous_id": c.pseudonymous_id,
            "display_pseudonym": c.display_pseudonym,
            "sex": c.sex,
            "home_local_authority": c.home_local_authority.code if c.home_local_authority else None,
            "home_police_force": c.home_police_force.code if c.home_police_force else None,
        }
        for c in children
    ]


@router.get("/{pid}", summary="One child's record, as you may see it")
def get_child(request: HttpRequest, pid: str) -> dict[str, Any]:
    from ccehub.api import api_actor

    try:
        return record_to_dict(child_get(actor=api_actor(request), pid=pid))
    except ChildNotFound as exc:
        raise HttpError(404, str(exc)) from None


@router.get("/{pid}/export", summary="Export one child's record (audited as an export)")
def export_child(request: HttpRequest, pid: str) -> dict[str, Any]:
    from ccehub.api import api_actor

    try:
        return record_to_dict(child_get(actor=api_actor(request), pid=pid, action=Action.EXPORT))
    except ChildNotFound as exc:
        raise HttpError(404, str(exc)) from None
