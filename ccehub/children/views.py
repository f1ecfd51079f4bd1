"""Child pages: the list, the record, its JSON export, and (for administrators) its access history."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from ccehub.audit.models import Action, Channel
from ccehub.audit.selectors import child_access_history
from ccehub.audit.services import audit_record
from ccehub.children import presenters
from ccehub.children.export import child_export
from ccehub.children.forms import ChildCreateForm, EmergencyAccessForm, apply_service_errors
from ccehub.children.models import CaseHolding, Child, EmergencyAccess
from ccehub.children.selectors import ChildNotFound, child_get, child_list_page, reference_for_audit
from ccehub.children.services import (
    child_create,
    emergency_access_check,
    emergency_access_start,
    may_record_on,
    read_only_message,
)
from ccehub.common.access import Actor, is_emergency_basis
from ccehub.common.views import forbidden
from ccehub.common.web import actor_from_request, membership_required


def audit_history_allowed(actor: Actor, pid: str) -> bool:
    """Superusers (the service's data protection function) see any child's history; an agency's
    administrator only that of children their agency holds."""
    if actor.system or getattr(actor.user, "is_superuser", False):
        return True
    if not actor.can_read_audit or actor.agency is None:
        return False
    return CaseHolding.objects.current().filter(child__pseudonymous_id=pid, agency=actor.agency).exists()


def refused(request: HttpRequest, exc: Exception) -> HttpResponse:
    """A 404 *returned*, not raised: raising would roll back the request's transaction and with
    it the audit row that records the refused attempt."""
    return render(request, "common/not_found.html", {"message": str(exc)}, status=404)


#: Children on one page of the children list.
CHILDREN_PER_PAGE = 100
#: Rows on one page of a child's access history.
HISTORY_PER_PAGE = 100


@membership_required
def child_list_view(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    query = request.GET.get("q", "").strip()[:40]
    page = child_list_page(
        actor=actor, search=query, page=request.GET.get("page"), per_page=CHILDREN_PER_PAGE
    )
    return render(
        request, "children/list.html", {"children": page.object_list, "page_obj": page, "query": query}
    )


@membership_required
def child_detail(request: HttpRequest, pid: str) -> HttpResponse:
    actor = actor_from_request(request)
    try:
        record = child_get(actor=actor, pid=pid)
    except ChildNotFound as exc:
        return refused(request, exc)
    context: dict[str, Any] = {
        "record": record,
        "child": record.child,
        "profile_rows": presenters.profile_rows(record),
        "identity_rows": presenters.identity_rows(record),
        "vulnerability_rows": presenters.vulnerability_rows(record),
        "vulnerability_head": ["Factor", "Status", "Sources"],
        "chronology": presenters.chronology(record, pseudonymised=record.pseudonymised),
        "from_incident": request.GET.get("order") == "incident",
        "conflicts": record.related.get("conflicts", []) if not record.pseudonymised else [],
        "related": record.related,
        "is_analyst": actor.is_analyst,
        "can_record": may_record_on(actor, record.basis),
        "read_only_basis": actor.can_write_cases and not may_record_on(actor, record.basis),
        "read_only_message": read_only_message(record.basis),
        "emergency": (
            EmergencyAccess.objects.filter(pk=record.basis.split(":", 1)[1]).first()
            if is_emergency_basis(record.basis)
            else None
        ),
    }
    context["anchored"] = presenters.anchored_on_incident(context["chronology"])
    from ccehub.safeguarding.drift import drift_for
    from ccehub.safeguarding.early_warnings import warnings_for

    context["early_warnings"] = warnings_for([record.child])[record.child.pk]
    context["drift"] = drift_for([record.child])[record.child.pk]
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
        return refused(request, exc)
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, indent=2), content_type="application/json"
    )
    response["Content-Disposition"] = f'attachment; filename="{data["child"]["pseudonymous_id"]}.json"'
    response["Cache-Control"] = "no-store"
    return response


@membership_required
def child_history(request: HttpRequest, pid: str) -> HttpResponse:
    """A child's access history. Administrators only; the viewing itself is audited."""
    actor = actor_from_request(request, purpose="Access history review")
    pid = pid.strip().upper()
    if not audit_history_allowed(actor, pid):
        reference, why = (
            (pid[:16], "no recorded basis")
            if Child.objects.filter(pseudonymous_id=pid).exists()
            else reference_for_audit(pid)
        )
        audit_record(
            actor=actor,
            action=Action.DENIED,
            object_type="audit_history",
            child_pid=reference,
            detail=f"refused view: {why}",
        )
        return refused(request, ChildNotFound())
    page = Paginator(child_access_history(child_pid=pid), HISTORY_PER_PAGE).get_page(request.GET.get("page"))
    events = list(page.object_list)
    if not events and not Child.objects.filter(pseudonymous_id=pid).exists():
        # A mistyped ID is "not found", not an empty history (which reads as "nobody ever looked").
        # Rows outlive a deleted child's record, so an ID with rows is still shown.
        return _no_such_child_history(request, actor, pid)
    audit_record(
        actor=actor, action=Action.VIEW, object_type="audit_history", child_pid=pid[:16], fields=["audit"]
    )
    return render(request, "children/history.html", {"pid": pid, "events": events, "page_obj": page})


def _no_such_child_history(request: HttpRequest, actor: Actor, pid: str) -> HttpResponse:
    """Refuse (and audit) an access-history request for an ID that names no child."""
    reference, why = reference_for_audit(pid)
    audit_record(
        actor=actor,
        action=Action.DENIED,
        object_type="audit_history",
        child_pid=reference,
        detail=f"refused view: {why}",
    )
    return refused(request, ChildNotFound())


@membership_required
def history_index(request: HttpRequest) -> HttpResponse:
    """Where an administrator starts a child's access-history review: the pseudonymous ids of the
    children the agency holds, and a box for any id (the history page itself decides who may see it)."""
    actor = actor_from_request(request, purpose="Access history review")
    if not actor.can_read_audit:
        audit_record(actor=actor, action=Action.DENIED, object_type="audit_history_index")
        return refused(request, ChildNotFound())
    wanted = request.GET.get("pid", "").strip().upper()[:40]
    if wanted and "/" in wanted:
        # No pseudonymous ID has a slash, and no URL can carry one to the history page: refuse it
        # here (audited) rather than fail to build the redirect (a server error, unaudited).
        return _no_such_child_history(request, actor, wanted)
    if wanted:
        return redirect("children:history", pid=wanted)
    held = (
        sorted(
            set(
                CaseHolding.objects.current()
                .filter(agency=actor.agency)
                .values_list("child__pseudonymous_id", flat=True)
            )
        )
        if actor.agency is not None
        else []
    )
    audit_record(
        actor=actor,
        action=Action.VIEW,
        object_type="audit_history_index",
        fields=["pseudonymous_id"],
        detail=f"{len(held)} children held",
    )
    return render(request, "children/history_index.html", {"held": held})


@membership_required
def child_new(request: HttpRequest) -> HttpResponse:
    """Record a new child. Nothing is saved unless every field is valid."""
    actor = actor_from_request(request)
    if not actor.can_write_cases:
        raise PermissionDenied("Your role cannot record children")
    form = ChildCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            child = child_create(actor=actor, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"Child recorded as {child.pseudonymous_id}")
            return redirect("children:detail", pid=child.pseudonymous_id)
    return render(request, "children/new.html", {"form": form}, status=400 if form.errors else 200)


@membership_required
def emergency_access(request: HttpRequest, pid: str) -> HttpResponse:
    """Start emergency (break-glass) access to a child's record: say why, then read it for a few hours.

    Refusals are audited by the service and answered like the child's page answers them: 404 for no
    such child, 403 for a role that cannot use it or a record already visible (returned, not raised,
    so the refusal's audit row commits with the request).
    """
    actor = actor_from_request(request, purpose="Emergency access")
    try:
        child, existing = emergency_access_check(actor=actor, pid=pid)
    except ChildNotFound as exc:
        return refused(request, exc)
    except PermissionDenied as exc:
        return forbidden(request, exc)
    if existing is not None:
        return redirect("children:detail", pid=child.pseudonymous_id)
    form = EmergencyAccessForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            emergency_access_start(actor=actor, pid=child.pseudonymous_id, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            apply_service_errors(form, exc)
        except ChildNotFound as exc:
            return refused(request, exc)
        except PermissionDenied as exc:
            return forbidden(request, exc)
        else:
            return redirect("children:detail", pid=child.pseudonymous_id)
    context = {"form": form, "child": child, "hours": settings.CCEHUB_EMERGENCY_ACCESS_HOURS}
    return render(request, "children/emergency_access.html", context, status=400 if form.errors else 200)
