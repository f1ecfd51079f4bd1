"""Pages for a referral after intake: the child's lead social worker, a referral to the Home Office SCA
on purpose, the SCA's decisions as received, joint plans (actions, owners, due dates, review) and
Safeguarding Orders (the §4.5 machine, conditions, breaches and the court's responses).

Same rules as :mod:`ccehub.panels.views`: parse, scope, call one service, render. Refusals are
*returned* (403/404 pages, or the form with a GOV.UK error summary) and audited, never raised, so the
audit row of the refused attempt commits with the request.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from ccehub.agencies.models import Role
from ccehub.audit.models import Action
from ccehub.audit.services import audit_record
from ccehub.common.access import Actor
from ccehub.common.refusals import audit_refusal
from ccehub.common.web import actor_from_request, membership_required
from ccehub.nrm.models import NRMReferral
from ccehub.nrm.selectors import referral_clock
from ccehub.nrm.services import nrm_decision_record, referral_lead_social_worker_set
from ccehub.panels import forms as panel_forms
from ccehub.panels import presenters as p
from ccehub.panels import services
from ccehub.panels.models import (
    CloseReason,
    OrderBreach,
    PanelCase,
    PanelDecision,
    PanelDecisionType,
    PlanAction,
    PlanActionStatus,
)
from ccehub.panels.permissions import MSG_NOT_PANEL_LEAD, is_panel_chair, is_panel_lead
from ccehub.panels.rules import ORDER_IN_FORCE, ORDER_TRANSITIONS
from ccehub.panels.selectors import (
    NotAvailable,
    _uuid,
    closure_sittings,
    order_for_view,
    plan_for_view,
    referral_for_view,
)
from ccehub.panels.views import _attempt, _forbidden, _form_page, _not_found, free_text
from ccehub.rules.phases import PHASE_LABELS, Phase

MSG_LEAD_SW_SET = "Lead social worker recorded: {name}"
MSG_SENT_TO_SCA = "The case has been referred to the Home Office Single Competent Authority"
MSG_SCA_DECISION = "Home Office decision recorded: {label}"
MSG_PLAN_AGREED = "Joint plan recorded with {count}"
MSG_ACTION_ADDED = "Action added to the plan"
MSG_ACTION_DONE = "Action marked as done: {description}"
MSG_ACTION_DROPPED = "Action dropped: {description}"
MSG_ORDER_DRAFTED = "Safeguarding Order drafted"
MSG_ORDER_MOVED = "Order updated: {label}"
MSG_BREACH_RECORDED = "Breach recorded: the order awaits the court's response"
MSG_RESPONSE_RECORDED = "The court's response is recorded"
MSG_CASE_CLOSED = "Panel case closed on {day}: the panel no longer sees the child's record"
MSG_PLAN_CLOSED = "Joint plan closed on {day}"
MSG_PLAN_REVIEWED = "Review recorded: the next review is on {day}"
#: Clock stages in which a CG is still to come (the SCA decision page then names the earliest day).
AWAITING_CG = ("recovery_period", "awaiting_cg")


def _posted(request: HttpRequest) -> Any:
    """The POST data to bind, even when empty (``request.POST or None`` leaves an empty POST unbound)."""
    return request.POST if request.method == "POST" else None


def _lead_or_chair(actor: Actor, panel: Any) -> bool:
    return panel is not None and (is_panel_lead(actor, panel) or is_panel_chair(actor, panel))


def _decision_for_plan(referral: NRMReferral) -> PanelDecision | None:
    """The panel's latest positive decision on the referral (the plan follows it), if any."""
    return (
        referral.panel_decisions.filter(
            decision_type__in=[PanelDecisionType.RG_POSITIVE, PanelDecisionType.CG_POSITIVE]
        )
        .order_by("-decided_on", "-created_at")
        .first()
    )


# --- Lead social worker, referral to the SCA, the SCA's decisions ---------------------------------


@membership_required
def lead_social_worker(request: HttpRequest, referral_id: str) -> HttpResponse:
    """Record the child's lead social worker on the referral (who may not chair the decision)."""
    actor = actor_from_request(request, purpose="Record the child's lead social worker")
    try:
        referral = referral_for_view(actor=actor, referral_id=referral_id)
    except NotAvailable as exc:
        return _not_found(request, str(exc))
    pid = referral.child.pseudonymous_id
    users = (
        get_user_model()
        .objects.filter(
            memberships__role=Role.SOCIAL_WORKER,
            memberships__active=True,
            memberships__agency=referral.child.home_local_authority,
        )
        .distinct()
        .order_by("last_name", "first_name", "username")
    )
    form = panel_forms.LeadSocialWorkerForm(
        _posted(request),
        users=users,
        initial={"user": referral.lead_social_worker_id, "name": referral.lead_social_worker_name},
    )
    if request.method == "POST" and form.is_valid():
        done = _attempt(
            request,
            actor,
            form,
            lambda: referral_lead_social_worker_set(
                actor=actor, referral=referral, user=form.cleaned_data["user"], name=form.cleaned_data["name"]
            ),
            object_type="nrm_referral",
            object_id=referral.pk,
            child_pid=pid,
        )
        if done.refused:
            return done.refused
        if done.ok:
            messages.success(request, MSG_LEAD_SW_SET.format(name=done.value.lead_social_worker_name))
            return redirect("panels:referral", referral_id=referral.pk)
    return _form_page(request, "panels/lead_social_worker.html", {"form": form, "referral": referral})


@membership_required
def refer_to_sca(request: HttpRequest, referral_id: str) -> HttpResponse:
    """Send a local-panel case to the Home Office SCA on purpose (Q-08). Lead or chair."""
    actor = actor_from_request(request, purpose="Refer a panel case to the Home Office SCA")
    try:
        referral = referral_for_view(actor=actor, referral_id=referral_id)
    except NotAvailable as exc:
        return _not_found(request, str(exc))
    pid = referral.child.pseudonymous_id
    if not _lead_or_chair(actor, referral.panel):
        return _forbidden(request, actor, MSG_NOT_PANEL_LEAD, object_type="nrm_referral", child_pid=pid)
    form = panel_forms.ReferToScaForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        done = _attempt(
            request,
            actor,
            form,
            lambda: services.referral_refer_to_sca(
                actor=actor, referral=referral, reason=form.cleaned_data["reason"]
            ),
            object_type="nrm_referral",
            object_id=referral.pk,
            child_pid=pid,
        )
        if done.refused:
            return done.refused
        if done.ok:
            messages.success(request, MSG_SENT_TO_SCA)
            return redirect("panels:referral", referral_id=referral.pk)
    return _form_page(request, "panels/refer_to_sca.html", {"form": form, "referral": referral})


@membership_required
def sca_decision(request: HttpRequest, referral_id: str) -> HttpResponse:
    """Record a Home Office SCA decision as received (national route, or a case the panel sent on)."""
    actor = actor_from_request(request, purpose="Record a Home Office NRM decision")
    try:
        referral = referral_for_view(actor=actor, referral_id=referral_id)
    except NotAvailable as exc:
        return _not_found(request, str(exc))
    pid = referral.child.pseudonymous_id
    today = timezone.localdate()
    clock = referral_clock(referral, as_of=max(today, referral.referred_on or today))
    awaiting_cg = clock is not None and clock.route == "national" and clock.stage in AWAITING_CG
    form = panel_forms.ScaDecisionForm(
        _posted(request), earliest_cg=clock.earliest_cg if clock is not None and awaiting_cg else None
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = _attempt(
            request,
            actor,
            form,
            lambda: nrm_decision_record(
                actor=actor,
                referral=referral,
                stage=data["stage"],
                outcome=data["outcome"],
                decided_on=data["decided_on"],
                rationale=data["rationale"],
                recovery_override_reason=data["recovery_override_reason"],
            ),
            object_type="nrm_decision",
            child_pid=pid,
        )
        if done.refused:
            return done.refused
        if done.ok:
            decision = done.value
            label = f"{decision.get_stage_display()}, {decision.get_outcome_display().lower()}"
            messages.success(request, MSG_SCA_DECISION.format(label=label))
            return redirect("panels:referral", referral_id=referral.pk)
    return _form_page(request, "panels/sca_decision.html", {"form": form, "referral": referral})


# --- Joint plans ----------------------------------------------------------------------------------


@membership_required
def plan_new(request: HttpRequest, referral_id: str) -> HttpResponse:
    """Agree a joint plan for a child under the panel's oversight. Lead or chair."""
    actor = actor_from_request(request, purpose="Agree a joint plan")
    try:
        referral = referral_for_view(actor=actor, referral_id=referral_id)
    except NotAvailable as exc:
        return _not_found(request, str(exc))
    return plan_new_page(
        request,
        actor,
        panel=referral.panel,
        child=referral.child,
        referral=referral,
        back_url=reverse("panels:referral", args=[referral.pk]),
        back_text="Back to the referral",
    )


def plan_new_page(
    request: HttpRequest,
    actor: Actor,
    *,
    panel: Any,
    child: Any,
    referral: NRMReferral | None,
    back_url: str,
    back_text: str,
) -> HttpResponse:
    """The "agree a joint plan" form, for a referral's child or a panel case's (a crisis response
    listed with no referral, W-5)."""
    pid = child.pseudonymous_id
    if panel is None or not _lead_or_chair(actor, panel):
        return _forbidden(request, actor, MSG_NOT_PANEL_LEAD, object_type="joint_plan", child_pid=pid)
    today = timezone.localdate()
    form = panel_forms.JointPlanForm(_posted(request), initial={"agreed_on": today})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = _attempt(
            request,
            actor,
            form,
            lambda: services.joint_plan_create(
                actor=actor,
                panel=panel,
                child=child,
                agreed_on=data["agreed_on"],
                review_on=data["review_on"],
                summary=data["summary"],
                actions=[services.ActionSpec(**a) for a in form.actions()],
                referral=referral,
                decision=_decision_for_plan(referral) if referral is not None else None,
            ),
            object_type="joint_plan",
            child_pid=pid,
            renames={"actions": "action1_description"},
        )
        if done.refused:
            return done.refused
        if done.ok:
            count = done.value.actions.count()
            messages.success(
                request, MSG_PLAN_AGREED.format(count=f"{count} action" + ("s" if count != 1 else ""))
            )
            return redirect("panels:plan", plan_id=done.value.pk)
    return _form_page(
        request,
        "panels/plan_new.html",
        {"form": form, "child": child, "back_url": back_url, "back_text": back_text},
    )


@membership_required
def plan_detail(request: HttpRequest, plan_id: str) -> HttpResponse:
    """A joint plan: its actions with owners and due dates, marking them done, adding more."""
    actor = actor_from_request(request, purpose="Read a joint plan")
    try:
        plan = plan_for_view(actor=actor, plan_id=plan_id)
    except NotAvailable as exc:
        return _not_found(request, str(exc))
    runs = _lead_or_chair(actor, plan.panel)
    form = panel_forms.PlanActionForm(_posted(request)) if runs and plan.closed_on is None else None
    if request.method == "POST":
        if form is None:
            return _forbidden(
                request,
                actor,
                MSG_NOT_PANEL_LEAD,
                object_type="plan_action",
                child_pid=plan.child.pseudonymous_id,
            )
        if form.is_valid():
            done = _attempt(
                request,
                actor,
                form,
                lambda: services.plan_action_add(
                    actor=actor, plan=plan, spec=services.ActionSpec(**form.spec())
                ),
                object_type="plan_action",
                object_id=plan.pk,
                audit=False,
                renames={"description": "action_description", "due_on": "action_due_on"},
            )
            if done.refused:
                return done.refused
            if done.ok:
                messages.success(request, MSG_ACTION_ADDED)
                return redirect("panels:plan", plan_id=plan.pk)
    today = timezone.localdate()
    actions = []
    for action in plan.actions.select_related("owner_agency").order_by("due_on", "created_at"):
        overdue = action.status == PlanActionStatus.OPEN and action.due_on < today
        status = (
            p.tag("Overdue", "red")
            if overdue
            else p.tag(action.get_status_display(), p.ACTION_COLOURS[action.status])
        )
        may_close = (
            plan.closed_on is None
            and action.status == PlanActionStatus.OPEN
            and (runs or actor.agency == action.owner_agency)
        )
        actions.append(
            {
                "action": action,
                "cells": [
                    free_text(actor, action.description),
                    f"{action.owner_agency.name}" + (f" ({action.owner_name})" if action.owner_name else ""),
                    p.day(action.due_on),
                    format_html(
                        "{}{}", status, f" on {p.day(action.completed_on)}" if action.completed_on else ""
                    ),
                ],
                "may_close": may_close,
                "may_drop": plan.closed_on is None and action.status == PlanActionStatus.OPEN and runs,
            }
        )
    rows = [
        {"key": "Child", "value": plan.child.pseudonymous_id},
        {"key": "What the plan is for", "value": free_text(actor, plan.summary)},
        {"key": "Agreed on", "value": p.day(plan.agreed_on)},
        {
            "key": "Review date",
            "value": format_html(
                "{}{}{}",
                p.day(plan.review_on),
                format_html(" {}", p.tag("Review overdue", "red"))
                if plan.review_on < today and plan.closed_on is None
                else "",
                format_html('<br><span class="govuk-body-s">Brought forward: {}</span>', plan.review_trigger)
                if plan.review_trigger and plan.closed_on is None
                else "",
            ),
        },
        {"key": "Panel", "value": plan.panel.name},
    ]
    if plan.closed_on is None:
        rows.append(
            {
                "key": "Phase (W-5)",
                "value": format_html(
                    "{}{}{}",
                    PHASE_LABELS[Phase(plan.phase)],
                    f" since {p.day(plan.phase_since)}" if plan.phase_since else "",
                    format_html('<br><span class="govuk-body-s">{}</span>', plan.phase_reason)
                    if plan.phase_reason
                    else "",
                ),
            }
        )
    rows.append({"key": "Status", "value": p.open_or_closed_tag(plan.closed_on)})
    if plan.closed_on is not None:
        rows.extend(closure_rows(actor, plan))
    return render(
        request,
        "panels/plan_detail.html",
        {
            "plan": plan,
            "case": None
            if plan.referral_id
            else PanelCase.objects.filter(panel=plan.panel, child=plan.child, shared_on__lte=plan.agreed_on)
            .order_by("-shared_on", "-created_at")
            .first(),
            "rows": rows,
            "actions": actions,
            "form": form,
            "head": ["Action", "Owner", "Due", "Status"],
            "can_close": plan.closed_on is None and is_panel_chair(actor, plan.panel),
            "can_review": plan.closed_on is None and runs,
            "reviews": [
                {
                    "cells": [
                        p.day(r.reviewed_on),
                        r.get_risk_level_display(),
                        free_text(actor, r.note),
                        p.day(r.next_review_on),
                        r.trigger or "Scheduled",
                    ]
                }
                for r in plan.reviews.order_by("-reviewed_on", "-created_at")
            ],
        },
        status=400 if form is not None and form.errors else 200,
    )


@membership_required
def plan_review(request: HttpRequest, plan_id: str) -> HttpResponse:
    """Record a review of a joint plan (R-50, F-22): lead or chair, as for the plan's actions."""
    actor = actor_from_request(request, purpose="Review a joint plan")
    try:
        plan = plan_for_view(actor=actor, plan_id=plan_id)
    except NotAvailable as exc:
        return _not_found(request, str(exc))
    pid = plan.child.pseudonymous_id
    if not _lead_or_chair(actor, plan.panel):
        return _forbidden(
            request, actor, MSG_NOT_PANEL_LEAD, object_type="joint_plan", object_id=plan.pk, child_pid=pid
        )
    form = panel_forms.PlanReviewForm(_posted(request), phase=plan.phase)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = _attempt(
            request,
            actor,
            form,
            lambda: services.joint_plan_review(
                actor=actor,
                plan=plan,
                reviewed_on=data["reviewed_on"],
                risk_level=data["risk_level"],
                note=data["note"],
                next_review_on=data["next_review_on"],
                step_down=bool(data.get("step_down")),
            ),
            object_type="joint_plan",
            object_id=plan.pk,
            child_pid=pid,
        )
        if done.refused:
            return done.refused
        if done.ok:
            messages.success(request, MSG_PLAN_REVIEWED.format(day=p.day(data["next_review_on"])))
            return redirect("panels:plan", plan_id=plan.pk)
    return _form_page(request, "panels/plan_review.html", {"form": form, "plan": plan})


@require_POST
@membership_required
def plan_action_done(request: HttpRequest, action_id: str) -> HttpResponse:
    actor = actor_from_request(request, purpose="Mark a joint plan action done")
    key = _uuid(action_id)
    action = PlanAction.objects.select_related("plan").filter(pk=key).first() if key else None
    if action is None:
        # "not found", as for one the user may not see, and audited as every other case object is
        audit_refusal(request, actor=actor, reason="no such plan action")
        return _not_found(request)
    try:
        plan_for_view(actor=actor, plan_id=action.plan_id)
    except NotAvailable as exc:
        return _not_found(request, str(exc))
    try:
        done = services.plan_action_complete(actor=actor, action=action, on=timezone.localdate())
    except PermissionDenied as exc:
        return _forbidden(request, actor, str(exc), object_type="plan_action", object_id=action.pk)
    except ValidationError as exc:
        return _forbidden(
            request, actor, "; ".join(exc.messages), object_type="plan_action", object_id=action.pk
        )
    messages.success(request, MSG_ACTION_DONE.format(description=done.description))
    return redirect("panels:plan", plan_id=action.plan_id)


@membership_required
def plan_action_drop(request: HttpRequest, action_id: str) -> HttpResponse:
    """Drop an action no longer needed, with why (lead or chair, as the service allows)."""
    actor = actor_from_request(request, purpose="Drop a joint plan action")
    key = _uuid(action_id)
    action = PlanAction.objects.select_related("plan", "owner_agency").filter(pk=key).first() if key else None
    if action is None:
        audit_refusal(request, actor=actor, reason="no such plan action")
        return _not_found(request)
    try:
        plan = plan_for_view(actor=actor, plan_id=action.plan_id)
    except NotAvailable as exc:
        return _not_found(request, str(exc))
    pid = plan.child.pseudonymous_id
    if not _lead_or_chair(actor, plan.panel):
        return _forbidden(
            request, actor, MSG_NOT_PANEL_LEAD, object_type="plan_action", object_id=action.pk, child_pid=pid
        )
    form = panel_forms.DropActionForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        done = _attempt(
            request,
            actor,
            form,
            lambda: services.plan_action_drop(actor=actor, action=action, reason=form.cleaned_data["reason"]),
            object_type="plan_action",
            object_id=action.pk,
            child_pid=pid,
        )
        if done.refused:
            return done.refused
        if done.ok:
            messages.success(request, MSG_ACTION_DROPPED.format(description=action.description))
            return redirect("panels:plan", plan_id=plan.pk)
    return _form_page(
        request,
        "panels/plan_action_drop.html",
        {"form": form, "action": action, "plan": plan, "description": free_text(actor, action.description)},
    )


# --- Closing a panel case or a joint plan (R-50, W-5) ---------------------------------------------


def closure_rows(actor: Actor, record: Any) -> list[dict[str, Any]]:
    """Summary rows for a closed panel case or joint plan: when and why, the reassessment, who
    approved it, the chair's reasons (withheld from analysts) and who closed it."""
    if record.close_reason in ("", CloseReason.REPLACED) and not record.close_note:
        # Closed without a reassessment: a plan replaced by a later one (before this was recorded, the
        # only way a plan closed), or a case from the demo's history.
        why = CloseReason.REPLACED.label if hasattr(record, "agreed_on") else "Not recorded"
        return [{"key": "Reason for closing", "value": why}]
    rows: list[dict[str, Any]] = [{"key": "Reason for closing", "value": record.get_close_reason_display()}]
    if record.risk_at_close:
        reduced = {True: "reduced", False: "not reduced", None: "not recorded whether reduced"}
        rows.append(
            {
                "key": "Risk at closing",
                "value": f"{record.get_risk_at_close_display()}, {reduced[record.risk_reduced_at_close]}",
            }
        )
    if record.closure_meeting_id is not None:
        approval = f"Approved at the meeting on {p.day(record.closure_meeting.held_on)}"
    else:
        approval = "The chair's sign-off (the risk had reduced)"
    rows.append({"key": "Approval", "value": approval})
    if record.closure_warnings:
        rows.append({"key": "Warnings confirmed", "value": "; ".join(record.closure_warnings)})
    rows.append({"key": "In the chair's words", "value": free_text(actor, record.close_note)})
    if record.closed_by_name:
        rows.append({"key": "Closed by", "value": record.closed_by_name})
    return rows


def _closing(
    request: HttpRequest,
    actor: Actor,
    *,
    noun: str,
    record: Any,
    opened_on: Any,
    service: Any,
    done_message: str,
    done_url: str,
    back_text: str,
) -> HttpResponse:
    """The closing form for a panel case (``noun="case"``) or a joint plan: chair only; refusals as an
    error summary, the rule's warnings as warning text with an "I confirm" checkbox."""
    pid = record.child.pseudonymous_id
    object_type = "panel_case" if noun == "case" else "joint_plan"
    if not is_panel_chair(actor, record.panel):
        return _forbidden(
            request,
            actor,
            services.MSG_CLOSE_CHAIR_ONLY,
            object_type=object_type,
            object_id=record.pk,
            child_pid=pid,
        )
    form = panel_forms.ClosureForm(
        _posted(request),
        noun=noun,
        sittings=closure_sittings(panel=record.panel, since=opened_on),
        initial={"closed_on": timezone.localdate(), "approved_at": panel_forms.NO_SITTING},
    )
    warnings: tuple[str, ...] = ()
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = _attempt(
            request,
            actor,
            form,
            lambda: service(
                actor=actor,
                closed_on=data["closed_on"],
                risk_level=data["risk_level"],
                risk_reduced=data["risk_reduced"] == panel_forms.YES,
                reason=data["reason"],
                note=data["note"],
                approved_at=form.sitting(),
                confirm_warnings=data["confirm_warnings"],
            ),
            object_type=object_type,
            object_id=record.pk,
            child_pid=pid,
        )
        if done.refused:
            return done.refused
        if done.ok:
            messages.success(request, done_message.format(day=p.day(data["closed_on"])))
            return redirect(done_url)
        warnings = getattr(done.error, "warnings", ())
    heading = "Close this panel case" if noun == "case" else "Close this joint plan"
    return _form_page(
        request,
        "panels/close.html",
        {
            "form": form,
            "child": record.child,
            "heading": heading,
            "noun": noun,
            "warnings": warnings,
            "back_url": done_url,
            "back_text": back_text,
        },
    )


@membership_required
def case_close(request: HttpRequest, referral_id: str) -> HttpResponse:
    """Close the child's open panel case (and its open joint plan). The panel's chair."""
    actor = actor_from_request(request, purpose="Close a panel case")
    try:
        referral = referral_for_view(actor=actor, referral_id=referral_id)
    except NotAvailable as exc:
        return _not_found(request, str(exc))
    pid = referral.child.pseudonymous_id
    panel = referral.panel
    if panel is None or not is_panel_chair(actor, panel):
        return _forbidden(
            request, actor, services.MSG_CLOSE_CHAIR_ONLY, object_type="panel_case", child_pid=pid
        )
    case = PanelCase.objects.filter(panel=panel, child=referral.child, closed_on__isnull=True).first()
    return case_closing_page(
        request,
        actor,
        case=case,
        child_pid=pid,
        done_url=reverse("panels:referral", args=[referral.pk]),
        back_text="Back to the referral",
    )


def case_closing_page(
    request: HttpRequest,
    actor: Actor,
    *,
    case: PanelCase | None,
    child_pid: str,
    done_url: str,
    back_text: str,
) -> HttpResponse:
    """The closing form for an open panel case (the chair's), or a 404 when there is none."""
    if case is None or case.closed_on is not None:
        audit_record(
            actor=actor,
            action=Action.DENIED,
            object_type="panel_case",
            object_id=case.pk if case is not None else "",
            child_pid=child_pid,
            detail=f"refused: {panel_forms.MSG_NO_OPEN_CASE}",
        )
        return _not_found(request, panel_forms.MSG_NO_OPEN_CASE)
    return _closing(
        request,
        actor,
        noun="case",
        record=case,
        opened_on=case.shared_on,
        service=lambda **values: services.panel_case_close(case=case, **values),
        done_message=MSG_CASE_CLOSED,
        done_url=done_url,
        back_text=back_text,
    )


@membership_required
def plan_close(request: HttpRequest, plan_id: str) -> HttpResponse:
    """Close a joint plan; the panel case stays open. The panel's chair."""
    actor = actor_from_request(request, purpose="Close a joint plan")
    try:
        plan = plan_for_view(actor=actor, plan_id=plan_id)
    except NotAvailable as exc:
        return _not_found(request, str(exc))
    if plan.closed_on is not None and is_panel_chair(actor, plan.panel):
        message = services.MSG_PLAN_ALREADY_CLOSED.format(day=p.day(plan.closed_on))
        audit_record(
            actor=actor,
            action=Action.DENIED,
            object_type="joint_plan",
            object_id=plan.pk,
            child_pid=plan.child.pseudonymous_id,
            detail=f"refused: {message}",
        )
        return _not_found(request, message)
    return _closing(
        request,
        actor,
        noun="plan",
        record=plan,
        opened_on=plan.agreed_on,
        service=lambda **values: services.joint_plan_close(plan=plan, **values),
        done_message=MSG_PLAN_CLOSED,
        done_url=reverse("panels:plan", args=[plan.pk]),
        back_text="Back to the joint plan",
    )


# --- Safeguarding Orders --------------------------------------------------------------------------


@membership_required
def order_new(request: HttpRequest, referral_id: str) -> HttpResponse:
    """Draft a Safeguarding Order: legal basis, conditions, persons by record reference. Lead or chair."""
    actor = actor_from_request(request, purpose="Draft a Safeguarding Order")
    try:
        referral = referral_for_view(actor=actor, referral_id=referral_id)
    except NotAvailable as exc:
        return _not_found(request, str(exc))
    pid = referral.child.pseudonymous_id
    if referral.panel is None or not _lead_or_chair(actor, referral.panel):
        return _forbidden(request, actor, MSG_NOT_PANEL_LEAD, object_type="safeguarding_order", child_pid=pid)
    form = panel_forms.OrderDraftForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = _attempt(
            request,
            actor,
            form,
            lambda: services.safeguarding_order_draft(
                actor=actor,
                panel=referral.panel,
                child=referral.child,
                legal_basis=data["legal_basis"],
                legal_basis_detail=data["legal_basis_detail"],
                court=data["court"],
                conditions=form.conditions(),
                protected_against=[services.ProtectedSpec(**spec) for spec in form.protected()],
                referral=referral,
            ),
            object_type="safeguarding_order",
            child_pid=pid,
            renames={"conditions": "condition1_type", "protected_against": "protected1_reference"},
        )
        if done.refused:
            return done.refused
        if done.ok:
            messages.success(request, MSG_ORDER_DRAFTED)
            return redirect("panels:order", order_id=done.value.pk)
    return _form_page(request, "panels/order_new.html", {"form": form, "referral": referral})


@membership_required
def order_detail(request: HttpRequest, order_id: str) -> HttpResponse:
    actor = actor_from_request(request, purpose="Read a Safeguarding Order")
    try:
        order = order_for_view(actor=actor, order_id=order_id)
    except NotAvailable as exc:
        return _not_found(request, str(exc))
    runs = _lead_or_chair(actor, order.panel)
    rows = [
        {"key": "Child", "value": order.child.pseudonymous_id},
        {"key": "Status", "value": p.order_tag(order)},
        {
            "key": "Legal basis",
            "value": f"{order.get_legal_basis_display()}: {free_text(actor, order.legal_basis_detail)}",
        },
        {"key": "Court", "value": order.court or "Not recorded"},
        {"key": "Applied for", "value": p.day(order.applied_on)},
        {"key": "Made", "value": p.day(order.made_on)},
        {"key": "In force", "value": f"{p.day(order.starts_on)} to {p.day(order.expires_on)}"},
    ]
    if order.ended_on:
        rows.append({"key": "Ended", "value": p.day(order.ended_on)})
    conditions = [
        [c.get_condition_type_display(), free_text(actor, c.detail)] for c in order.conditions.all()
    ]
    protected = [
        [x.reference, x.held_by.name, free_text(actor, x.relationship) or "—"]
        for x in order.protected_against.select_related("held_by").order_by("reference")
    ]
    breaches = []
    for b in order.breaches.order_by("occurred_on"):
        response = (
            f"{b.get_court_response_display()} on {p.day(b.response_on)}"
            + (f": {free_text(actor, b.response_detail)}" if b.response_detail else "")
            if b.court_response
            else (
                format_html(
                    '<a class="govuk-link" href="{}">Record the court\'s response'
                    '<span class="govuk-visually-hidden"> to the breach on {}</span></a>',
                    reverse("panels:breach-response", args=[b.pk]),
                    p.day(b.occurred_on),
                )
                if runs
                else p.tag("Awaiting the court", "orange")
            )
        )
        breaches.append([p.day(b.occurred_on), p.day(b.reported_on), free_text(actor, b.nature), response])
    events = [
        [
            p.day(e.on),
            f"{e.get_from_status_display()} to {e.get_to_status_display()}",
            free_text(actor, e.note) or "—",
            e.by_name or "—",
        ]
        for e in order.events.order_by("on", "created_at")
    ]
    steps = []
    if runs:
        for target in sorted(ORDER_TRANSITIONS.get(order.status, frozenset()), key=_STEP_ORDER.index):
            if target == "breach_reported":
                continue
            steps.append(
                {
                    "href": reverse("panels:order-step", args=[order.pk, target]),
                    "text": panel_forms.ORDER_STEPS[target][0],
                }
            )
    return render(
        request,
        "panels/order_detail.html",
        {
            "order": order,
            "rows": rows,
            "conditions": conditions,
            "protected": protected,
            "breaches": breaches,
            "events": events,
            "steps": steps,
            "can_breach": order.status in ORDER_IN_FORCE,
            "conditions_head": ["Type", "Condition"],
            "protected_head": ["Record reference", "Held by", "Relationship"],
            "breaches_head": ["Breach on", "Reported on", "What happened", "Court's response"],
            "events_head": ["Date", "Change", "Note", "By"],
        },
    )


_STEP_ORDER = [
    "applied",
    "granted",
    "refused",
    "active",
    "varied",
    "breach_reported",
    "discharged",
    "expired",
    "withdrawn",
]


@membership_required
def order_step(request: HttpRequest, order_id: str, to_status: str) -> HttpResponse:
    """Move the order through DOMAIN §4.5; the service refuses a step the machine does not allow."""
    actor = actor_from_request(request, purpose="Update a Safeguarding Order")
    try:
        order = order_for_view(actor=actor, order_id=order_id)
    except NotAvailable as exc:
        return _not_found(request, str(exc))
    if to_status not in panel_forms.ORDER_STEPS:
        return _not_found(request)
    pid = order.child.pseudonymous_id
    if not _lead_or_chair(actor, order.panel):
        return _forbidden(request, actor, MSG_NOT_PANEL_LEAD, object_type="safeguarding_order", child_pid=pid)
    form = panel_forms.OrderStepForm(_posted(request), to_status=to_status)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = _attempt(
            request,
            actor,
            form,
            lambda: services.safeguarding_order_transition(
                actor=actor,
                order=order,
                to_status=to_status,
                on=data["on"],
                note=data["note"],
                made_on=data.get("made_on"),
                starts_on=data.get("starts_on"),
                expires_on=data.get("expires_on"),
            ),
            object_type="safeguarding_order",
            object_id=order.pk,
            child_pid=pid,
        )
        if done.refused:
            return done.refused
        if done.ok:
            messages.success(request, MSG_ORDER_MOVED.format(label=done.value.get_status_display()))
            return redirect("panels:order", order_id=order.pk)
    return _form_page(
        request,
        "panels/order_step.html",
        {"form": form, "order": order, "heading": panel_forms.ORDER_STEPS[to_status][0]},
    )


@membership_required
def breach_new(request: HttpRequest, order_id: str) -> HttpResponse:
    """Report a breach (anyone with a basis to see the child, or the lead or chair)."""
    actor = actor_from_request(request, purpose="Report a Safeguarding Order breach")
    try:
        order = order_for_view(actor=actor, order_id=order_id)
    except NotAvailable as exc:
        return _not_found(request, str(exc))
    pid = order.child.pseudonymous_id
    form = panel_forms.BreachForm(_posted(request), initial={"reported_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = _attempt(
            request,
            actor,
            form,
            lambda: services.order_breach_record(
                actor=actor,
                order=order,
                occurred_on=data["occurred_on"],
                reported_on=data["reported_on"],
                nature=data["nature"],
            ),
            object_type="order_breach",
            child_pid=pid,
        )
        if done.refused:
            return done.refused
        if done.ok:
            messages.success(request, MSG_BREACH_RECORDED)
            return redirect("panels:order", order_id=order.pk)
    return _form_page(request, "panels/breach_new.html", {"form": form, "order": order})


@membership_required
def breach_response(request: HttpRequest, breach_id: str) -> HttpResponse:
    """Record the court's response to a breach; the order returns to active, or varied (§4.5)."""
    actor = actor_from_request(request, purpose="Record the court's response to a breach")
    key = _uuid(breach_id)
    breach = OrderBreach.objects.select_related("order").filter(pk=key).first() if key else None
    if breach is None:
        audit_refusal(request, actor=actor, reason="no such breach")
        return _not_found(request)
    try:
        order = order_for_view(actor=actor, order_id=breach.order_id)
    except NotAvailable as exc:
        return _not_found(request, str(exc))
    pid = order.child.pseudonymous_id
    if not _lead_or_chair(actor, order.panel):
        return _forbidden(request, actor, MSG_NOT_PANEL_LEAD, object_type="order_breach", child_pid=pid)
    form = panel_forms.BreachResponseForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = _attempt(
            request,
            actor,
            form,
            lambda: services.order_breach_response_record(
                actor=actor,
                breach=breach,
                court_response=data["court_response"],
                response_on=data["response_on"],
                detail=data["detail"],
            ),
            object_type="order_breach",
            object_id=breach.pk,
            child_pid=pid,
        )
        if done.refused:
            return done.refused
        if done.ok:
            messages.success(request, MSG_RESPONSE_RECORDED)
            return redirect("panels:order", order_id=order.pk)
    return _form_page(
        request, "panels/breach_response.html", {"form": form, "order": order, "breach": breach}
    )
