"""Child pages: the list, the record, its JSON export, and (for administrators) its access history."""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from ccehub.audit.models import Action, Channel
from ccehub.audit.selectors import child_access_history
from ccehub.audit.services import audit_record
from ccehub.children import presenters
from ccehub.children.export import child_export
from ccehub.children.selectors import ChildNotFound, child_get, child_list_audited
from ccehub.common.web import actor_from_request, membership_required


@membership_required
def child_list_view(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    query = request.GET.get("q", "").strip()[:40]
    children = child_list_audited(actor=actor, search=query)
    return render(request, "children/list.html", {"children": children, "query": query})


@membership_required
def child_detail(request: HttpRequest, pid: str) -> HttpResponse:
    actor = actor_from_request(request)
    try:
        record = child_get(actor=actor, pid=pid)
    except ChildNotFound as exc:
        raise Http404(str(exc)) from None
    context: dict[str, Any] = {
        "record": record,
        "child": record.child,
        "profile_rows": presenters.profile_rows(record),
        "identity_rows": presenters.identity_rows(record),
        "vulnerability_rows": presenters.vulnerability_rows(record),
        "vulnerability_head": ["Factor", "Status", "Sources"],
        "chronology": presenters.chronology(record, pseudonymised=record.pseudonymised),
        "conflicts": record.related.get("conflicts", []) if not record.pseudonymised else [],
        "related": record.related,
        "is_analyst": actor.is_analyst,
    }
    try:
        from ccehub.incidents.presenters import triage_panels

        context["triage_panels"] = triage_panels(record)
    except ImportError:
        context["triage_panels"] = []
    return render(request, "children/detail.html", context)


@membership_required
def child_export_view(request: HttpRequest, pid: str) -> HttpResponse:
    actor = actor_from_request(request, channel=Channel.EXPORT)
    try:
        data = child_export(actor=actor, pid=pid)
    except ChildNotFound as exc:
        raise Http404(str(exc)) from None
    response = HttpResponse(json.dumps(data, cls=DjangoJSONEncoder, indent=2), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{data["child"]["pseudonymous_id"]}.json"'
    response["Cache-Control"] = "no-store"
    return response


@membership_required
def child_history(request: HttpRequest, pid: str) -> HttpResponse:
    """A child's access history. Administrators only; the viewing itself is audited."""
    actor = actor_from_request(request, purpose="Access history review")
    pid = pid.strip().upper()
    if not actor.can_read_audit:
        audit_record(actor=actor, action=Action.DENIED, object_type="audit_history", child_pid=pid[:16])
        raise Http404("Not available")
    events = list(child_access_history(child_pid=pid)[:500])
    audit_record(actor=actor, action=Action.VIEW, object_type="audit_history", child_pid=pid[:16], fields=["audit"])
    return render(request, "children/history.html", {"pid": pid, "events": events})
