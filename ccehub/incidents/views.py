"""The arresting officer's journey: record an incident, see the triage, respond to each action,
print or download the decision record, and ask for (or decide on) a rebuttal of the presumption.

Views parse, scope, call one service and render. Refusals are *returned* (404 or 403 pages), never
raised, so that the audit row recording the refused attempt commits with the request.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from ccehub.agencies.permissions import REBUTTAL_APPROVER_ROLES
from ccehub.audit.models import Action, Channel
from ccehub.audit.services import audit_record
from ccehub.children.models import Child
from ccehub.children.selectors import ChildNotFound, child_get
from ccehub.children.services import may_record_on, read_only_message
from ccehub.common.access import Actor
from ccehub.common.refusals import RefusedObject, audit_refusal
from ccehub.common.web import actor_from_request, membership_required
from ccehub.incidents import presenters, services
from ccehub.incidents.forms import (
    IncidentForm,
    OverrideForm,
    RebuttalDecisionForm,
    RebuttalRequestForm,
    apply_service_errors,
)
from ccehub.incidents.models import ActionStatus, IdentifyingIncident, RebuttalStatus, TriageDecision
from ccehub.incidents.selectors import DecisionView, action_get, decision_get
from ccehub.notifications.models import Notification
from ccehub.notifications.services import MSG_NO_MAIL_SERVER
from ccehub.rules.presumption import PresumptionCategory

MSG_RECORDED = "Incident recorded and triaged"
MSG_ALREADY_RECORDED = (
    "This incident was already recorded (the form was sent again, e.g. after going back): here is its "
    "triage decision"
)
#: The web form's one-time token is stored as the incident's ``request_key`` under this prefix (an API
#: client's ``Idempotency-Key`` is stored as sent; both are unique per user).
WEB_KEY_PREFIX = "web:"
MSG_ACCEPTED = "Action accepted: {label}"
MSG_DONE = "Action marked as done: {label}"
MSG_OVERRIDDEN = "Action overridden: {label}"
MSG_RETRIAGED = "Triaged again with the facts recorded now"
MSG_REBUTTAL_REQUESTED = "Rebuttal sent for approval. The presumption stands until it is approved."
MSG_REBUTTAL_APPROVED = "Rebuttal approved. This is the new decision; the earlier one is kept in the history."
MSG_REBUTTAL_REFUSED = "Rebuttal refused. The presumption stands."
MSG_CANNOT_RECORD = "Your role cannot record incidents"


def _not_found(request: HttpRequest, exc: Exception | None = None) -> HttpResponse:
    return render(
        request,
        "common/not_found.html",
        {"message": str(exc) if exc else "No decision with that reference is available to you"},
        status=404,
    )


def _forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(
        request, "common/not_found.html", {"heading": "You cannot do this", "message": message}, status=403
    )


def _refusal_audited(actor: Actor, *, object_type: str, object_id: Any, child: Child, exc: Exception) -> None:
    audit_record(
        actor=actor,
        action=Action.DENIED,
        object_type=object_type,
        object_id=object_id,
        child_pid=child.pseudonymous_id,
        detail=str(exc)[:300],
    )


def _resolver(actor: Actor) -> Any:
    def resolve(pid: str) -> Child | None:
        try:
            return child_get(actor=actor, pid=pid, sections=("profile",)).child
        except ChildNotFound:
            return None

    return resolve


@membership_required
def incident_new(request: HttpRequest) -> HttpResponse:
    """Record an identifying incident for a known child (``?child=PID``), or a new or unknown one."""
    actor = actor_from_request(request, purpose="Record an identifying incident and triage it")
    if not actor.can_write_cases:
        audit_refusal(request, actor=actor, reason=MSG_CANNOT_RECORD)
        return _forbidden(request, MSG_CANNOT_RECORD)
    fixed: Child | None = None
    fixed_label = ""
    pid = (request.GET.get("child") or request.POST.get("child") or "").strip()[:20]
    if pid:
        try:
            record = child_get(actor=actor, pid=pid, sections=("profile", "identity"))
        except ChildNotFound as exc:
            return _not_found(request, exc)
        if not may_record_on(actor, record.basis):
            # Read-only sight (an agreement, emergency access): no form that could only be refused.
            refused = read_only_message(record.basis)
            target = RefusedObject(object_type="identifying_incident", child_pid=record.child.pseudonymous_id)
            audit_refusal(request, actor=actor, reason=refused, target=target)
            return _forbidden(request, refused)
        fixed = record.child
        identity = record.identity
        fixed_label = (
            f"{identity.given_name} {identity.family_name}".strip() + f" ({fixed.pseudonymous_id})"
            if identity is not None
            else fixed.label
        )
    # A one-time token per form, kept on the incident it recorded (``request_key``, unique per user):
    # sending the same form again (Back, then submit; a second click without JavaScript; two clicks
    # at once, from any session) shows the incident already recorded instead of recording it twice.
    submission = str(request.POST.get("submission") or "")[:64] or secrets.token_urlsafe(16)
    key = f"{WEB_KEY_PREFIX}{submission}"

    def already_recorded() -> HttpResponse | None:
        if request.method != "POST":
            return None
        incident = IdentifyingIncident.objects.filter(recorded_by=request.user, request_key=key).first()
        decision = (
            TriageDecision.objects.filter(incident=incident).order_by("decided_at", "pk").first()
            if incident is not None
            else None
        )
        if decision is None:
            return None
        messages.info(request, MSG_ALREADY_RECORDED)
        return redirect("incidents:decision", decision_id=decision.pk)

    if (shown := already_recorded()) is not None:
        return shown
    form = IncidentForm(request.POST or None, fixed_child=fixed, resolve_child=_resolver(actor))
    if request.method == "POST" and form.is_valid():
        values = form.incident_values()
        try:
            decision = services.incident_record_and_triage(
                actor=actor,
                child=form.child,
                new_child=form.new_child_values() if form.is_new_child else None,
                request_key=key,
                **values,
            )
        except IntegrityError:
            # the same form sent twice at once: the other request recorded the incident first
            if (shown := already_recorded()) is None:
                raise
            return shown
        except ValidationError as exc:
            if (shown := already_recorded()) is not None:
                return shown
            apply_service_errors(form, exc)
        except PermissionDenied as exc:
            target = RefusedObject(
                object_type="identifying_incident",
                child_pid=form.child.pseudonymous_id if form.child is not None else "",
            )
            audit_refusal(request, actor=actor, reason=str(exc), target=target)
            form.add_error(None, str(exc))
        else:
            messages.success(request, MSG_RECORDED)
            return redirect("incidents:decision", decision_id=decision.pk)
    return render(
        request,
        "incidents/new.html",
        {"form": form, "fixed_child": fixed, "fixed_label": fixed_label, "submission": submission},
        status=400 if form.errors else 200,
    )


def _decision_context(request: HttpRequest, actor: Actor, view: DecisionView) -> dict[str, Any]:
    decision = view.decision
    pseudonymised = view.pseudonymised
    latest = view.latest
    is_current = latest.pk == decision.pk
    requester = decision.rebuttal_requested_by_id == getattr(request.user, "pk", None)
    may_record = may_record_on(actor, view.record.basis)
    return {
        "view": view,
        "decision": decision,
        "child": view.record.child,
        "record": view.record,
        "incident": decision.incident,
        "is_current": is_current,
        "latest": latest,
        "result_rows": presenters.result_rows(decision, pseudonymised=pseudonymised),
        "record_rows": presenters.record_rows(decision),
        "input_rows": presenters.input_rows(decision, pseudonymised=pseudonymised),
        "reasons": presenters.reasons(decision, pseudonymised=pseudonymised),
        "actions": presenters.action_items(view.actions),
        "no_mail_server": MSG_NO_MAIL_SERVER,
        "notifications": list(
            Notification.objects.filter(
                object_type="identifying_incident", object_id=str(decision.incident_id)
            )
            .select_related("agency")
            .order_by("created_at")
        ),
        "history": [
            {
                "decision": d,
                "presumption": presenters.label("presumption", d.presumption),
                "priority": presenters.label("priority", d.priority),
                "when": presenters.local_time_text(d.decided_at),
                "basis": d.get_basis_display(),
                "this": d.pk == decision.pk,
            }
            for d in view.history
        ],
        "can_write": may_record and is_current,
        "read_only_basis": actor.can_write_cases and not may_record,
        "read_only_message": read_only_message(view.record.basis),
        "presumed": decision.presumption == PresumptionCategory.PRESUMED_VICTIM,
        "can_request_rebuttal": may_record
        and is_current
        and decision.presumption == PresumptionCategory.PRESUMED_VICTIM
        and decision.rebuttal_status in (RebuttalStatus.NONE, RebuttalStatus.REFUSED),
        "can_decide_rebuttal": is_current
        and actor.role in REBUTTAL_APPROVER_ROLES
        and decision.rebuttal_status == RebuttalStatus.PENDING_APPROVAL
        and not requester,
        "rebuttal_pending": decision.rebuttal_status == RebuttalStatus.PENDING_APPROVAL,
        "is_requester": requester,
        "pseudonymised": pseudonymised,
    }


@membership_required
def decision_detail(request: HttpRequest, decision_id: str) -> HttpResponse:
    actor = actor_from_request(request)
    try:
        view = decision_get(actor=actor, decision_id=decision_id)
    except ChildNotFound as exc:
        return _not_found(request, exc)
    return render(request, "incidents/decision.html", _decision_context(request, actor, view))


@membership_required
def decision_record(request: HttpRequest, decision_id: str) -> HttpResponse:
    """The printable decision record (one page, with a print stylesheet). Audited as an export."""
    actor = actor_from_request(request, channel=Channel.EXPORT, purpose="Print the triage decision record")
    try:
        view = decision_get(actor=actor, decision_id=decision_id, action=Action.EXPORT)
    except ChildNotFound as exc:
        return _not_found(request, exc)
    context = _decision_context(request, actor, view)
    context["printed_at"] = presenters.local_time_text(timezone.now())
    response = render(request, "incidents/record.html", context)
    response["Cache-Control"] = "no-store"
    return response


@membership_required
def decision_record_json(request: HttpRequest, decision_id: str) -> HttpResponse:
    """The decision record as JSON: the exact rules input and output plus what people did."""
    actor = actor_from_request(request, channel=Channel.EXPORT, purpose="Download the triage decision record")
    try:
        view = decision_get(actor=actor, decision_id=decision_id, action=Action.EXPORT)
    except ChildNotFound as exc:
        return _not_found(request, exc)
    data = presenters.decision_record(
        view.decision, view.actions, pseudonymised=view.pseudonymised, history=view.history
    )
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False), content_type="application/json"
    )
    name = f"triage-{view.record.child.pseudonymous_id}-{str(view.decision.pk)[:8]}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@membership_required
def decision_retriage(request: HttpRequest, decision_id: str) -> HttpResponse:
    actor = actor_from_request(request, purpose="Triage the incident again")
    try:
        view = decision_get(actor=actor, decision_id=decision_id)
    except ChildNotFound as exc:
        return _not_found(request, exc)
    try:
        new = services.triage_decide(
            actor=actor, incident=view.decision.incident, policy=view.decision.policy
        )
    except (PermissionDenied, ValidationError) as exc:
        _refusal_audited(
            actor, object_type="triage_decision", object_id=view.decision.pk, child=view.record.child, exc=exc
        )
        return _forbidden(request, "; ".join(getattr(exc, "messages", [str(exc)])))
    messages.success(request, MSG_RETRIAGED)
    return redirect("incidents:decision", decision_id=new.pk)


@require_POST
@membership_required
def action_respond(request: HttpRequest, action_id: str, verb: str) -> HttpResponse:
    """Accept an action, or mark it done (buttons on the decision page)."""
    actor = actor_from_request(request, purpose="Respond to a triage action")
    try:
        action, view = action_get(actor=actor, action_id=action_id)
    except ChildNotFound as exc:
        return _not_found(request, exc)
    service = services.triage_action_accept if verb == "accept" else services.triage_action_complete
    message = MSG_ACCEPTED if verb == "accept" else MSG_DONE
    try:
        service(actor=actor, action=action, reason=request.POST.get("reason", ""))
    except (PermissionDenied, ValidationError) as exc:
        _refusal_audited(
            actor, object_type="triage_action", object_id=action.pk, child=view.record.child, exc=exc
        )
        return _forbidden(request, "; ".join(getattr(exc, "messages", [str(exc)])))
    messages.success(request, message.format(label=presenters.action_label(action.code)))
    return redirect(f"{_decision_url(view.decision)}#action-{action.code}")


def _decision_url(decision: TriageDecision) -> str:
    return reverse("incidents:decision", args=[decision.pk])


@membership_required
def action_override(request: HttpRequest, action_id: str) -> HttpResponse:
    actor = actor_from_request(request, purpose="Override a triage action")
    try:
        action, view = action_get(actor=actor, action_id=action_id)
    except ChildNotFound as exc:
        return _not_found(request, exc)
    form = OverrideForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.triage_action_override(actor=actor, action=action, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            apply_service_errors(form, exc)
        except PermissionDenied as exc:
            _refusal_audited(
                actor, object_type="triage_action", object_id=action.pk, child=view.record.child, exc=exc
            )
            form.add_error(None, str(exc))
        else:
            messages.success(request, MSG_OVERRIDDEN.format(label=presenters.action_label(action.code)))
            return redirect(f"{_decision_url(view.decision)}#action-{action.code}")
    closed = action.status not in (ActionStatus.OPEN, ActionStatus.ACCEPTED)
    return render(
        request,
        "incidents/action_override.html",
        {
            "form": form,
            "action": action,
            "action_label": presenters.action_label(action.code),
            "due": presenters.due_text(action),
            "decision": view.decision,
            "child": view.record.child,
            "closed": closed,
        },
        status=400 if form.errors else 200,
    )


@membership_required
def rebuttal_request(request: HttpRequest, decision_id: str) -> HttpResponse:
    actor = actor_from_request(request, purpose="Request a rebuttal of the presumption")
    try:
        view = decision_get(actor=actor, decision_id=decision_id)
    except ChildNotFound as exc:
        return _not_found(request, exc)
    form = RebuttalRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.triage_rebuttal_request(
                actor=actor, decision=view.decision, evidence_note=form.cleaned_data["evidence_note"]
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        except PermissionDenied as exc:
            _refusal_audited(
                actor,
                object_type="triage_rebuttal",
                object_id=view.decision.pk,
                child=view.record.child,
                exc=exc,
            )
            form.add_error(None, str(exc))
        else:
            messages.success(request, MSG_REBUTTAL_REQUESTED)
            return redirect("incidents:decision", decision_id=view.decision.pk)
    return render(
        request,
        "incidents/rebuttal_request.html",
        {"form": form, "decision": view.decision, "child": view.record.child},
        status=400 if form.errors else 200,
    )


def _decide_refusal(request: HttpRequest, actor: Actor, decision: TriageDecision) -> str:
    """Why this person cannot decide on the rebuttal (the service checks again), or ''."""
    if actor.role not in REBUTTAL_APPROVER_ROLES:
        return services.MSG_APPROVER_ROLE
    if decision.rebuttal_requested_by_id == getattr(request.user, "pk", None):
        return services.MSG_SELF_APPROVAL
    return ""


@membership_required
def rebuttal_decide(request: HttpRequest, decision_id: str) -> HttpResponse:
    actor = actor_from_request(request, purpose="Decide on a rebuttal of the presumption")
    try:
        view = decision_get(actor=actor, decision_id=decision_id)
    except ChildNotFound as exc:
        return _not_found(request, exc)
    decision = view.decision
    refusal = _decide_refusal(request, actor, decision)
    if refusal:
        # Someone who can never decide is refused the page as well as the POST, the same way: 403,
        # audited (the service checks again on POST in case this changes between the two).
        _refusal_audited(
            actor,
            object_type="triage_rebuttal",
            object_id=decision.pk,
            child=view.record.child,
            exc=PermissionDenied(refusal),
        )
        return _forbidden(request, refusal)
    form = RebuttalDecisionForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        approve = form.cleaned_data["outcome"] == "approve"
        service = services.triage_rebuttal_approve if approve else services.triage_rebuttal_refuse
        try:
            result = service(actor=actor, decision=decision, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            apply_service_errors(form, exc)
        except PermissionDenied as exc:
            _refusal_audited(
                actor, object_type="triage_rebuttal", object_id=decision.pk, child=view.record.child, exc=exc
            )
            form.add_error(None, str(exc))
            status = 403
        else:
            messages.success(request, MSG_REBUTTAL_APPROVED if approve else MSG_REBUTTAL_REFUSED)
            return redirect("incidents:decision", decision_id=result.pk)
    if form.errors and status == 200:
        status = 400
    return render(
        request,
        "incidents/rebuttal_decide.html",
        {
            "form": form,
            "decision": decision,
            "child": view.record.child,
            "presumption": presenters.label("presumption", decision.presumption),
            "pending": decision.rebuttal_status == RebuttalStatus.PENDING_APPROVAL,
        },
        status=status,
    )
