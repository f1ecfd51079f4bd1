"""Refusals the pages, the admin and the API answer, audited as ``denied`` (known gap 16).

The CLI audits a refusal with :func:`ccehub.commands._actor.cli_refused`; the selectors audit a
refused read ("no such child", "no recorded basis") themselves. What was left was a refusal *raised*
as ``PermissionDenied`` out of a page (Django's 403 handler answers it, after ``ATOMIC_REQUESTS``
has rolled back any row the view wrote), one answered by the API's ``PermissionDenied`` handler, and
a signed-in user with no membership. Those are audited here, in the same shape: action ``denied``,
who (user, agency, role, origin), the object the URL names (type, id, child's pseudonymous ID) and
``refused <view|create|update|delete>: <why>`` in ``detail``. The reasons are the services' constant
messages; nothing a user typed into a form goes into the row.

Anonymous requests are not audited (they are sent to sign in), nor pages that name no child or case
object when the refusal is only "no membership".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from ccehub.audit.models import Action, AuditEvent, Channel
from ccehub.audit.services import audit_record
from ccehub.common.access import Actor

#: What a signed-in user without an active membership is refused (the audit row's reason).
MSG_NO_MEMBERSHIP = "no active membership of an agency"

#: Pages whose URL has no object id but which make or show one kind of object ("<namespace>:<name>").
_OBJECT_OF_VIEW = {
    "children:new": "child",
    "incidents:new": "identifying_incident",
    "panels:referral-new": "nrm_referral",
    "panels:meeting-new": "panel_meeting",
    "api:list_children": "child",
    "api:child_incident_create": "identifying_incident",
    "api:lookup": "person_lookup",
    "api:triage_stateless": "triage",
}
#: The object a URL's id names, by its keyword; the most specific (last) keyword in a URL wins.
_OBJECT_OF_KWARG = {
    "pid": "child",
    "referral_id": "nrm_referral",
    "request_id": "information_request",
    "meeting_id": "panel_meeting",
    "plan_id": "joint_plan",
    "order_id": "safeguarding_order",
    "breach_id": "order_breach",
}
#: Keywords that name a different object in each part of the site.
_OBJECT_OF_NAMESPACED_KWARG = {
    ("incidents", "decision_id"): "triage_decision",
    ("incidents", "action_id"): "triage_action",
    ("panels", "decision_id"): "panel_decision",
    ("panels", "action_id"): "plan_action",
}
_SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


@dataclass(frozen=True, slots=True)
class RefusedObject:
    object_type: str
    object_id: str = ""
    child_pid: str = ""


class RefusalRecorded(PermissionDenied):
    """A refusal whose ``denied`` row the code that raised it has already written (the look-up's).

    The API's handler does not write a second one. Django's 403 handler still does: by the time it
    runs, ``ATOMIC_REQUESTS`` has rolled the first one back with the rest of the request.
    """


def refused_object(request: HttpRequest) -> RefusedObject | None:
    """The child or case object the request's URL names, or ``None`` for any other page."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return None
    namespace = match.namespace or ""
    kwargs = {k: str(v) for k, v in match.kwargs.items()}
    child_pid = kwargs["pid"].strip().upper()[:16] if "pid" in kwargs else ""
    if namespace == "admin":
        # admin URLs are "<app>_<model>_<change|delete|history>" with the object's id
        parts = (match.url_name or "").split("_")
        if "object_id" not in kwargs or len(parts) < 3:
            return None
        return RefusedObject(object_type=parts[-2], object_id=kwargs["object_id"][:64])
    named = _OBJECT_OF_VIEW.get(match.view_name)
    if named == "child" and request.method in _SAFE_METHODS:
        named = "child_list"  # GET /api/children/ lists; POST records one
    if named is not None:
        return RefusedObject(object_type=named, child_pid=child_pid)
    for key in reversed(list(kwargs)):
        kind = _OBJECT_OF_NAMESPACED_KWARG.get((namespace, key)) or _OBJECT_OF_KWARG.get(key)
        if kind is not None:
            object_id = "" if kind == "child" else kwargs[key][:64]
            return RefusedObject(object_type=kind, object_id=object_id, child_pid=child_pid)
    return None


def attempted(request: HttpRequest) -> str:
    """What the request tried to do, in the audit log's words: view, create, update or delete."""
    if request.method in _SAFE_METHODS:
        return "view"
    name = getattr(getattr(request, "resolver_match", None), "url_name", "") or ""
    if name.endswith("delete"):
        return "delete"
    if name.endswith(("new", "_add")) or name in ("list_children", "child_incident_create"):
        return "create"
    return "update"


def audit_refusal(
    request: HttpRequest, *, actor: Actor, reason: str, target: RefusedObject | None = None
) -> AuditEvent | None:
    """One ``denied`` row for a signed-in user refused ``target`` (by default what the URL names).

    Anonymous requests are not audited. Returns the row, or ``None`` when nothing was written.
    """
    if not _signed_in(request):
        return None
    target = target or refused_object(request) or RefusedObject(object_type=_page(request))
    return audit_record(
        actor=actor,
        action=Action.DENIED,
        object_type=target.object_type,
        object_id=target.object_id,
        child_pid=target.child_pid,
        detail=f"refused {attempted(request)}: {reason or 'not permitted'}",
    )


def audit_no_membership(request: HttpRequest, *, channel: str = Channel.WEB) -> AuditEvent | None:
    """A signed-in user with no active membership refused a child or case object (not other pages)."""
    target = refused_object(request)
    if target is None:
        return None
    actor = Actor(user=request.user, membership=None, channel=channel, purpose="", origin=_origin(request))
    return audit_refusal(request, actor=actor, reason=MSG_NO_MEMBERSHIP, target=target)


def audit_raised_refusal(request: HttpRequest, exc: Any, *, channel: str) -> AuditEvent | None:
    """A ``PermissionDenied`` answered by Django's 403 handler or the API's: audited as refused."""
    from ccehub.common.web import actor_from_request

    if not _signed_in(request):
        return None
    match = getattr(request, "resolver_match", None)
    if match is not None and match.namespace == "admin":
        channel = Channel.ADMIN
    purpose = "Administration" if channel == Channel.ADMIN else None
    actor = actor_from_request(request, channel=channel, purpose=purpose)
    return audit_refusal(request, actor=actor, reason=str(exc) if exc is not None else "")


def _signed_in(request: HttpRequest) -> bool:
    return bool(getattr(getattr(request, "user", None), "is_authenticated", False))


def _page(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    return (match.view_name if match is not None else request.path)[:64]


def _origin(request: HttpRequest) -> str:
    from ccehub.common.web import client_address

    return client_address(request)
