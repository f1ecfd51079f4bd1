"""The panel journeys: a referral, information requests, meetings and their agenda, attendance,
decisions with the quorum enforced, Home Office quality assurance, and monitoring.

Views parse, scope, call one service and render. Refusals are *returned* (403 or 404 pages, or a
form with errors), never raised, so the audit row recording the refused attempt commits with the
request (``ATOMIC_REQUESTS``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from ccehub.audit.models import Action, Channel
from ccehub.audit.services import audit_record
from ccehub.children.presenters import vulnerability_rows
from ccehub.children.selectors import ChildNotFound, child_get, child_list
from ccehub.children.services import check_can_write
from ccehub.common.access import Actor, writable_children_q
from ccehub.common.web import actor_from_request, membership_required
from ccehub.incidents.models import IdentifyingIncident
from ccehub.incidents.presenters import redact
from ccehub.nrm.models import NRMReferral, Route
from ccehub.nrm.selectors import referral_clock, referral_concluded
from ccehub.nrm.services import FIRST_RESPONDER_ROLES, MSG_NOT_FIRST_RESPONDER, nrm_referral_create
from ccehub.panels import discussions, services
from ccehub.panels import forms as panel_forms
from ccehub.panels import presenters as p
from ccehub.panels.discussions import discussion_candidates, outcome_label
from ccehub.panels.models import (
    AgendaItem,
    CaseDiscussion,
    InformationRequest,
    JointPlan,
    MeetingStatus,
    PanelCase,
    PanelDecision,
    PanelMeeting,
    PanelMember,
    QAStatus,
    RequestStatus,
    SafeguardingOrder,
)
from ccehub.panels.permissions import (
    MSG_NOT_HO_QA,
    MSG_NOT_PANEL_CHAIR,
    MSG_NOT_PANEL_LEAD,
    MSG_NOT_PANEL_READER,
    is_ho_qa,
    is_panel_chair,
    is_panel_lead,
    lead_panels,
    reader_panels,
)
from ccehub.panels.rules import agenda_warning
from ccehub.panels.selectors import (
    QA_FILTER_STATUSES,
    NotAvailable,
    _scrubber,
    agenda_candidates,
    agenda_quorums,
    case_quorum,
    decision_for_view,
    may_answer,
    meeting_papers,
    monitoring_list,
    panel_referrals,
    panel_settings,
    qa_export,
    qa_queue,
    qa_reference,
    referral_for_view,
    referral_in_hand,
    referral_panel_case,
    referral_panel_status,
    requests_for_recipient,
    requests_overdue,
)
from ccehub.rules.policy import profile_in_force

MSG_REFERRED = "Referral made. Route: {route}"
MSG_REQUESTED = "Information requested from {name}"
MSG_RESPONDED = "Your answer has been sent to the panel"
MSG_WITHDRAWN = "Information request to {name} withdrawn"
MSG_SETTINGS_SAVED = "Panel settings saved"
MSG_SETTINGS_UNCHANGED = "No settings changed"
MSG_SCHEDULED = "Meeting scheduled for {day}"
MSG_AGENDA_BUILT = "Agenda built: {count} cases listed"
MSG_LISTED = "Case added to the agenda"
MSG_LISTED_FOR_DISCUSSION = "Case listed for discussion (R-22)"
MSG_DISCUSSION_RECORDED = "Recorded: what the meeting made of the case"
MSG_ATTENDANCE = "Attendance recorded: the meeting is held"
MSG_DECIDED = "Decision recorded: {label}"
MSG_QA_CONFIRMED = "Decision confirmed"
MSG_QA_RETURNED = "Decision returned to the panel"
MSG_QA_RESPONDED = "Response recorded: the decision is back with Home Office quality assurance"
MSG_NOT_FOUND = "No record with that reference is available to you"
#: What an analyst sees in place of free text on the panel's case pages (data-protection.md: analysts
#: work on pseudonymised data, and free text often names the child, their family or an address).
WITHHELD_FREE_TEXT = "Withheld: free text is not shown on pseudonymised views"


def free_text(actor: Actor, text: str | None) -> str:
    """``text`` for those who read the child's record in full; withheld from an analyst."""
    if actor.is_analyst and text:
        return WITHHELD_FREE_TEXT
    return text or ""


#: The requests table's last column on the lead's referral page, named for screen readers only.
WITHDRAW_HEAD = mark_safe('<span class="govuk-visually-hidden">Withdraw</span>')

#: How many concluded referrals the panel home lists (most recent first).
CONCLUDED_LISTED = 20


# --- Helpers ------------------------------------------------------------------------------------


def _not_found(request: HttpRequest, message: str = MSG_NOT_FOUND) -> HttpResponse:
    return render(request, "common/not_found.html", {"message": message}, status=404)


def _forbidden(
    request: HttpRequest,
    actor: Actor,
    message: str,
    *,
    object_type: str,
    object_id: Any = "",
    child_pid: str = "",
) -> HttpResponse:
    audit_record(
        actor=actor,
        action=Action.DENIED,
        object_type=object_type,
        object_id=object_id,
        child_pid=child_pid,
        detail=f"refused: {message}"[:500],
    )
    return render(
        request, "common/not_found.html", {"heading": "You cannot do this", "message": message}, status=403
    )


def _refusal_audited(
    actor: Actor, *, object_type: str, object_id: Any, child_pid: str, exc: Exception
) -> None:
    text = "; ".join(getattr(exc, "messages", [str(exc)]))
    audit_record(
        actor=actor,
        action=Action.DENIED,
        object_type=object_type,
        object_id=object_id,
        child_pid=child_pid,
        detail=f"refused: {text}"[:500],
    )


@dataclass(frozen=True, slots=True)
class Attempt:
    """What became of one service call made from a form page (see :func:`_attempt`)."""

    ok: bool = False
    value: Any = None
    refused: HttpResponse | None = None
    """The 403 page to return when the service refused the actor."""
    error: ValidationError | None = None
    """The service's refusal shown on the form (what it carries beyond the messages, e.g. warnings)."""


def _attempt(
    request: HttpRequest,
    actor: Actor,
    form: Any,
    call: Callable[[], Any],
    *,
    object_type: str,
    object_id: Any = "",
    child_pid: str = "",
    audit: bool = True,
    renames: Mapping[str, str] | None = None,
) -> Attempt:
    """Call one service for a valid form, the way every form page here does.

    ``PermissionDenied`` becomes the audited 403 page (``Attempt.refused``). A ``ValidationError`` is
    shown on the form (its fields renamed by ``renames`` where the service and the form name a field
    differently) and, when it concerns a child's case (``audit``), recorded as a refused attempt. The
    caller returns ``refused`` if set, redirects if ``ok``, and otherwise re-renders the form.
    """
    try:
        value = call()
    except ValidationError as exc:
        if audit:
            _refusal_audited(
                actor, object_type=object_type, object_id=object_id, child_pid=child_pid, exc=exc
            )
        shown = exc
        if renames and hasattr(exc, "error_dict"):
            shown = ValidationError({renames.get(k, k): v for k, v in exc.message_dict.items()})
        panel_forms.apply_service_errors(form, shown)
        return Attempt(error=exc)
    except PermissionDenied as exc:
        refused = _forbidden(
            request, actor, str(exc), object_type=object_type, object_id=object_id, child_pid=child_pid
        )
        return Attempt(refused=refused)
    return Attempt(ok=True, value=value)


def _form_page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    """Render a form page: 400 when ``context["form"]`` has errors, so a refused submission is not a 200."""
    return render(request, template, context, status=400 if context["form"].errors else 200)


def _meeting(actor: Actor, meeting_id: str) -> PanelMeeting | None:
    from ccehub.panels.selectors import _uuid

    key = _uuid(meeting_id)
    meeting = PanelMeeting.objects.select_related("panel", "chair").filter(pk=key).first() if key else None
    if meeting is None or not reader_panels(actor).filter(pk=meeting.panel_id).exists():
        audit_record(
            actor=actor,
            action=Action.DENIED,
            object_type="panel_meeting",
            object_id=key or "",
            detail="refused: no such meeting or not a reader of its panel",
        )
        return None
    return meeting


# --- Home ---------------------------------------------------------------------------------------


#: Open joint plans whose review falls within this many days are listed on the panel home.
PLAN_REVIEW_SOON_DAYS = 14


def _plan_reviews_due(panel: Any, today: date) -> list[list[Any]]:
    """The panel's open joint plans due for review within :data:`PLAN_REVIEW_SOON_DAYS` (or overdue),
    soonest first, with why a review was brought forward (R-50): for whoever runs the panel."""
    due = JointPlan.objects.filter(
        panel=panel, closed_on__isnull=True, review_on__lte=today + timedelta(days=PLAN_REVIEW_SOON_DAYS)
    ).select_related("child")
    return [
        [
            format_html(
                '<a class="govuk-link" href="{}">{}</a>',
                reverse("panels:plan", args=[plan.pk]),
                plan.child.label,
            ),
            format_html("{} {}", p.day(plan.review_on), p.tag("Overdue", "red"))
            if plan.review_on < today
            else p.day(plan.review_on),
            plan.review_trigger or "Scheduled",
        ]
        for plan in due.order_by("review_on", "pk")
    ]


def _crisis_listed(panel: Any) -> list[list[Any]]:
    """W-5: the crisis responses listed at the panel (convened by the home local authority), oldest
    first, each with its phase: phase 1 (the exit window) until the panel agrees a joint plan."""
    from ccehub.panels.selectors import listed_crisis_responses
    from ccehub.panels.views_panel_case import MSG_EXIT_WINDOW
    from ccehub.rules.phases import PHASE_LABELS, Phase

    return [
        [
            format_html(
                '<a class="govuk-link" href="{}">{}</a>',
                reverse("panels:case", args=[item.response.panel_case_id]),
                item.response.child.label,
            ),
            p.day(item.response.convened_on),
            item.response.convenor.name if item.response.convenor else "",
            PHASE_LABELS[Phase(item.plan.phase)] if item.plan is not None else MSG_EXIT_WINDOW,
        ]
        for item in listed_crisis_responses(panel=panel)
    ]


@membership_required
def home(request: HttpRequest) -> HttpResponse:
    """What the actor does on the panel: their panels' cases and meetings, their inbox, QA."""
    actor = actor_from_request(request, purpose="CCE panel work")
    today = timezone.localdate()
    sections = []
    for panel in reader_panels(actor):
        rows, concluded = [], []
        for referral in panel_referrals(panel=panel):
            if not referral_in_hand(referral):
                # Concluded referrals, and those whose panel case is closed, are listed apart, most
                # recent first, so the work in hand leads.
                case = referral_panel_case(referral)
                outcome = p.status_tag(referral_panel_status(referral, on=today))
                if case is not None and case.closed_on is not None:
                    outcome = format_html("{} Case closed on {}", outcome, p.day(case.closed_on))
                concluded.append([p.referral_link(referral), p.day(referral.referred_on), outcome])
                continue
            clock = referral_clock(referral, as_of=max(today, referral.referred_on or today))
            deadline = clock.decision_deadline if clock is not None else None
            overdue = bool(clock and clock.overdue)
            rows.append(
                [
                    p.referral_link(referral),
                    p.day(referral.referred_on),
                    p.status_tag(referral_panel_status(referral, on=today)),
                    format_html("{} {}", p.day(deadline), p.tag("Overdue", "red"))
                    if overdue
                    else (p.day(deadline) if deadline else "No deadline"),
                ]
            )
        concluded.reverse()
        meetings = [
            [
                format_html(
                    '<a class="govuk-link" href="{}">{}</a>',
                    reverse("panels:meeting", args=[m.pk]),
                    p.day(m.held_on),
                ),
                m.get_status_display(),
                str(m.cases),
            ]
            for m in PanelMeeting.objects.filter(panel=panel)
            .annotate(cases=Count("agenda"))
            .order_by("-held_on")[:8]
        ]
        can_run = is_panel_lead(actor, panel) or is_panel_chair(actor, panel)
        sections.append(
            {
                "panel": panel,
                "plan_reviews": _plan_reviews_due(panel, today) if can_run else [],
                "crisis": _crisis_listed(panel) if can_run else [],
                "rows": rows,
                "concluded": concluded[:CONCLUDED_LISTED],
                "concluded_count": len(concluded),
                "meetings": meetings,
                "can_run": can_run,
                "can_configure": is_panel_chair(actor, panel),
            }
        )
    audit_record(
        actor=actor,
        action=Action.VIEW,
        object_type="panel_home",
        fields=["nrm_referrals"]
        + (["joint_plans"] if any(s["plan_reviews"] for s in sections) else [])
        + (["crisis_responses"] if any(s["crisis"] for s in sections) else []),
        detail=f"{sum(len(s['rows']) + len(s['concluded']) for s in sections)} referrals listed"
        + (
            f"; {plans} joint plans due for review"
            if (plans := sum(len(s["plan_reviews"]) for s in sections))
            else ""
        )
        + (
            f"; {listed} crisis responses listed"
            if (listed := sum(len(s["crisis"]) for s in sections))
            else ""
        ),
    )
    inbox = [
        [
            format_html(
                '<a class="govuk-link" href="{}">{}</a>',
                reverse("panels:request-respond", args=[r.pk]),
                r.referral.child.pseudonymous_id,
            ),
            r.get_recipient_role_display(),
            p.day(r.due_on),
        ]
        for r in requests_for_recipient(actor=actor)
    ]
    overdue = [
        [
            p.referral_link(r.referral),
            f"{r.recipient_name} ({r.get_recipient_role_display()})",
            p.day(r.due_on),
        ]
        for r in (requests_overdue(actor=actor, as_of=today) if sections else [])
    ]
    return render(
        request,
        "panels/home.html",
        {
            "sections": sections,
            "inbox": inbox,
            "overdue": overdue,
            "can_refer": actor.role in FIRST_RESPONDER_ROLES,
            "is_qa": is_ho_qa(actor),
            "inbox_head": ["Child", "Asked of you as", "Due"],
            "meetings_head": ["Date", "Status", "Cases"],
            "plan_reviews_head": ["Child", "Review date", "Why then"],
            "crisis_head": ["Child", "Convened", "Convenor", "Phase (W-5)"],
            "referrals_head": ["Child", "Referred on", "Status", "Decision due"],
            "concluded_head": ["Child", "Referred on", "Outcome"],
            "overdue_head": ["Child", "Asked", "Was due"],
        },
    )


# --- Settings -----------------------------------------------------------------------------------


@membership_required
def settings(request: HttpRequest) -> HttpResponse:
    """The panel's switches (``panel_config_set``): a chair of the panel, as the service allows."""
    actor = actor_from_request(request, purpose="Change the panel's settings")
    panel = actor.agency
    if panel is None or not is_panel_chair(actor, panel):
        return _forbidden(request, actor, MSG_NOT_PANEL_CHAIR, object_type="panel_config")
    current = panel_forms.PanelSettingsForm.initial_from(panel_settings(panel))
    form = panel_forms.PanelSettingsForm(request.POST if request.method == "POST" else None, initial=current)
    if request.method == "POST" and form.is_valid():
        before = panel_forms.PanelSettingsForm(data=current)
        before.is_valid()
        changed = {k: v for k, v in form.values().items() if v != before.values()[k]}
        if not changed:
            messages.success(request, MSG_SETTINGS_UNCHANGED)
            return redirect("panels:settings")
        done = _attempt(
            request,
            actor,
            form,
            lambda: services.panel_config_set(actor=actor, panel=panel, **changed),
            object_type="panel_config",
            object_id=panel.pk,
        )
        if done.refused:
            return done.refused
        if done.ok:
            messages.success(request, MSG_SETTINGS_SAVED)
            return redirect("panels:settings")
    return _form_page(request, "panels/settings.html", {"form": form, "panel": panel})


# --- Referral -----------------------------------------------------------------------------------


@membership_required
def referral_new(request: HttpRequest) -> HttpResponse:
    """Make an NRM referral: choose the child, then the facts. The route is chosen by the rules."""
    actor = actor_from_request(request, purpose="Make an NRM referral")
    if actor.role not in FIRST_RESPONDER_ROLES:
        return _forbidden(request, actor, MSG_NOT_FIRST_RESPONDER, object_type="nrm_referral")
    pid = (request.GET.get("child") or request.POST.get("child") or "").strip()[:20]
    if not pid:
        # Only children the user may record on: one seen under a data-sharing agreement (read-only)
        # would be refused after the whole referral form had been filled in.
        listed = child_list(actor=actor)
        if not actor.system and actor.agency is not None:
            listed = listed.filter(writable_children_q(actor.agency)).distinct()
        children = [(c.pseudonymous_id, c.label) for c in listed[:500]]
        form = panel_forms.ChildChoiceForm(request.GET if "child" in request.GET else None, children=children)
        if form.is_bound:
            form.is_valid()
        return _form_page(request, "panels/referral_child.html", {"form": form, "no_children": not children})
    try:
        record = child_get(actor=actor, pid=pid, sections=("profile", "incidents"))
    except ChildNotFound as exc:
        return _not_found(request, str(exc))
    child = record.child
    incidents = [
        (str(i.pk), f"{i.get_incident_type_display()} on {timezone.localtime(i.occurred_at):%-d %B %Y}")
        for i in record.related.get("incidents", [])
    ]
    form = panel_forms.ReferralForm(
        request.POST or None, incidents=incidents, initial={"referred_on": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        incident = None
        if data["incident"] != panel_forms.NOT_LINKED:
            incident = IdentifyingIncident.objects.filter(pk=data["incident"], child=child).first()
        done = _attempt(
            request,
            actor,
            form,
            lambda: nrm_referral_create(
                actor=actor,
                child=child,
                referred_on=data["referred_on"],
                linked_incident=incident,
                county_lines_flag=data["county_lines"] == panel_forms.YES,
                rationale=data["rationale"],
                rationale_code=data["rationale_code"],
                exploitation_type=data["exploitation_type"],
            ),
            object_type="nrm_referral",
            child_pid=child.pseudonymous_id,
        )
        if done.refused:
            return done.refused
        if done.ok:
            messages.success(request, MSG_REFERRED.format(route=done.value.get_route_display()))
            return redirect("panels:referral", referral_id=done.value.pk)
    return _form_page(request, "panels/referral_new.html", {"form": form, "child": child})


@membership_required
def referral_detail(request: HttpRequest, referral_id: str) -> HttpResponse:
    actor = actor_from_request(request)
    try:
        referral = referral_for_view(actor=actor, referral_id=referral_id)
    except NotAvailable as exc:
        return _not_found(request, str(exc))
    today = timezone.localdate()
    clock = referral_clock(referral, as_of=max(today, referral.referred_on or today))
    panel = referral.panel
    decisions = [
        {
            "decision": d,
            "rationale": free_text(actor, d.rationale),
            "deferral_reason": free_text(actor, d.deferral_reason),
            "label": d.get_decision_type_display(),
            "when": p.day(d.decided_on),
            "qa": p.qa_tag(d.ho_qa_status, d.get_ho_qa_status_display()),
        }
        for d in referral.panel_decisions.order_by("decided_on", "created_at")
    ]
    may_withdraw = panel is not None and is_panel_lead(actor, panel)
    requests = [
        [
            f"{r.recipient_name} ({r.get_recipient_role_display()}, {r.recipient_agency.name})",
            free_text(actor, r.question),
            p.day(r.due_on),
            r.get_status_display(),
            (
                f"Withdrawn: {free_text(actor, r.withdrawn_reason)}"
                if r.status == RequestStatus.WITHDRAWN and r.withdrawn_reason
                else free_text(actor, r.response) or "—"
            ),
            *([_withdraw_link(r)] if may_withdraw else []),
        ]
        for r in referral.information_requests.select_related("recipient_agency").order_by("due_on")
    ]
    nrm_decisions = [
        [
            d.get_stage_display(),
            d.get_outcome_display(),
            p.decision_date_cell(d, free_text(actor, d.recovery_override_reason)),
            d.get_decision_maker_display(),
            free_text(actor, d.caveat) or "—",
        ]
        for d in referral.decisions.order_by("decided_on")
    ]
    rows = p.referral_rows(referral)
    if actor.is_analyst and referral.escalated_on:
        for row in rows:
            if row["key"] == "Referred to the Home Office":
                row["value"] = f"{p.day(referral.escalated_on)}: {WITHHELD_FREE_TEXT}"
    can_write = _may_write(actor, referral.child)
    if can_write:
        for row in rows:
            if row["key"] == "Lead social worker":
                row["actions"] = [
                    {
                        "href": reverse("panels:lead-social-worker", args=[referral.pk]),
                        "text": "Change" if referral.lead_social_worker_name else "Record",
                        "visually_hidden": "lead social worker",
                    }
                ]
    runs = panel is not None and (is_panel_lead(actor, panel) or is_panel_chair(actor, panel))
    concluded = referral_concluded(referral)
    under_panel = (
        panel is not None
        and PanelCase.objects.filter(panel=panel, child=referral.child, closed_on__isnull=True).exists()
    )
    plans = [
        [
            format_html(
                '<a class="govuk-link" href="{}">Agreed {}</a>',
                reverse("panels:plan", args=[plan.pk]),
                p.day(plan.agreed_on),
            ),
            free_text(actor, plan.summary),
            p.day(plan.review_on),
            p.open_or_closed_tag(plan.closed_on),
        ]
        for plan in (
            JointPlan.objects.filter(panel=panel, child=referral.child).order_by("-agreed_on")
            if panel
            else []
        )
    ]
    orders = [
        [
            format_html(
                '<a class="govuk-link" href="{}">{}</a>',
                reverse("panels:order", args=[order.pk]),
                order.get_legal_basis_display(),
            ),
            p.order_tag(order),
            f"{p.day(order.starts_on)} to {p.day(order.expires_on)}" if order.starts_on else "Not yet made",
        ]
        for order in (
            SafeguardingOrder.objects.filter(panel=panel, child=referral.child).order_by("-created_at")
            if panel
            else []
        )
    ]
    from ccehub.panels.views_case import closure_rows

    panel_cases = []
    holding = referral_panel_case(referral) if panel else None
    for case in (
        PanelCase.objects.filter(panel=panel, child=referral.child)
        .select_related("closure_meeting")
        .order_by("-shared_on", "-created_at")
        if panel
        else []
    ):
        rows_for_case = [
            {"key": "Shared with the panel", "value": p.day(case.shared_on)},
            {"key": "Status", "value": p.open_or_closed_tag(case.closed_on)},
        ]
        if case.closed_on is None:
            from ccehub.rules.phases import PHASE_LABELS, Phase, phase_of

            case_plans = JointPlan.objects.filter(
                panel=case.panel_id, child=case.child_id, agreed_on__gte=case.shared_on
            ).order_by("-agreed_on", "-created_at")
            latest = case_plans.values("phase", "phase_since", "closed_on").first()
            if latest is None:  # no plan yet: the exit window (W-5 phase 1)
                phase = phase_of(case_open=True, plan_phase=None)
                value = PHASE_LABELS[phase] if phase else ""
            elif latest["closed_on"] is None:
                value = PHASE_LABELS[Phase(latest["phase"])] + (
                    f" since {p.day(latest['phase_since'])}" if latest["phase_since"] else ""
                )
            else:
                value = f"No open joint plan (the last closed on {p.day(latest['closed_on'])})"
            rows_for_case.append({"key": "Phase (W-5)", "value": value})
        if case.closed_on is not None:
            rows_for_case += closure_rows(actor, case)
        panel_cases.append(
            {
                "case": case,
                "rows": rows_for_case,
                "holds_referral": holding is not None and holding.pk == case.pk,
            }
        )
    return render(
        request,
        "panels/referral_detail.html",
        {
            "referral": referral,
            "panel_cases": panel_cases,
            "can_close_case": under_panel and panel is not None and is_panel_chair(actor, panel),
            "rows": rows,
            # Day counts to the 18th birthday, with the referral date, would reveal the date of birth.
            "reasons": [redact(r) for r in referral.route_reasons]
            if actor.is_analyst
            else referral.route_reasons,
            "clock_rows": p.clock_rows(clock),
            "status": p.status_tag(referral_panel_status(referral, on=today)) if panel else None,
            "decisions": decisions,
            "nrm_decisions": nrm_decisions,
            "requests": requests,
            "can_request": panel is not None and is_panel_lead(actor, panel) and not referral.escalated_on,
            "can_refer_to_sca": runs
            and referral.route == Route.LOCAL_PANEL
            and not referral.escalated_on
            and not concluded,
            "can_record_sca": can_write
            and not concluded
            and (referral.route == Route.NATIONAL or referral.escalated_on is not None),
            "panel_case": panel is not None,
            "can_plan": runs and under_panel,
            "plans": plans,
            "orders": orders,
            "plans_head": ["Plan", "What it is for", "Review", "Status"],
            "orders_head": ["Order", "Status", "In force"],
            "requests_head": ["Asked", "Question", "Due", "Status", "Answer"]
            + ([WITHDRAW_HEAD] if may_withdraw else []),
            "nrm_head": ["Stage", "Outcome", "Date", "Decided by", "Label"],
        },
    )


def _may_write(actor: Actor, child: Any) -> bool:
    """Whether ``actor`` may record facts about ``child`` (own records or a panel case)."""
    try:
        check_can_write(actor, child)
    except PermissionDenied:
        return False
    return True


# --- Information requests -----------------------------------------------------------------------


@membership_required
def request_new(request: HttpRequest, referral_id: str) -> HttpResponse:
    actor = actor_from_request(request, purpose="Ask a professional for information for the panel")
    try:
        referral = referral_for_view(actor=actor, referral_id=referral_id)
    except NotAvailable as exc:
        return _not_found(request, str(exc))
    if referral.panel is None or not is_panel_lead(actor, referral.panel):
        return _forbidden(
            request,
            actor,
            MSG_NOT_PANEL_LEAD,
            object_type="information_request",
            child_pid=referral.child.pseudonymous_id,
        )
    form = panel_forms.InformationRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = _attempt(
            request,
            actor,
            form,
            lambda: services.information_request_create(
                actor=actor,
                referral=referral,
                recipient_role=data["recipient_role"],
                recipient_agency=data["recipient_agency"],
                recipient_name=data["recipient_name"],
                question=data["question"],
                due_on=data["due_on"],
            ),
            object_type="information_request",
            child_pid=referral.child.pseudonymous_id,
            audit=False,
        )
        if done.refused:
            return done.refused
        if done.ok:
            messages.success(request, MSG_REQUESTED.format(name=done.value.recipient_name))
            return redirect("panels:referral", referral_id=referral.pk)
    return _form_page(request, "panels/request_new.html", {"form": form, "referral": referral})


def _withdraw_link(info: InformationRequest) -> str:
    """The referral page's "Withdraw this request" button for an open request (the lead's page)."""
    if info.status != RequestStatus.OPEN:
        return ""
    return format_html(
        '<a class="govuk-button govuk-button--secondary govuk-!-margin-bottom-0" data-module="govuk-button" '
        'href="{}">Withdraw this request<span class="govuk-visually-hidden"> to {}</span></a>',
        reverse("panels:request-withdraw", args=[info.pk]),
        info.recipient_name,
    )


def _information_request(request_id: str) -> tuple[Any, InformationRequest | None]:
    """The request a URL names (its key, or ``None`` when the ID is not one), with what its pages show."""
    from ccehub.panels.selectors import _uuid

    key = _uuid(request_id)
    info = (
        InformationRequest.objects.select_related("referral__child", "referral__panel", "recipient_agency")
        .filter(pk=key)
        .first()
        if key
        else None
    )
    return key, info


@membership_required
def request_withdraw(request: HttpRequest, request_id: str) -> HttpResponse:
    """Withdraw an open information request, with the reason (the panel lead or chair, as the service)."""
    actor = actor_from_request(request, purpose="Withdraw a panel's information request")
    key, info = _information_request(request_id)
    if info is None:
        audit_record(
            actor=actor,
            action=Action.DENIED,
            object_type="information_request",
            object_id=key or "",
            detail="refused: no such request",
        )
        return _not_found(request)
    pid = info.referral.child.pseudonymous_id
    if info.referral.panel is None or not is_panel_lead(actor, info.referral.panel):
        return _forbidden(
            request,
            actor,
            MSG_NOT_PANEL_LEAD,
            object_type="information_request",
            object_id=info.pk,
            child_pid=pid,
        )
    form = panel_forms.WithdrawRequestForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        done = _attempt(
            request,
            actor,
            form,
            lambda: services.information_request_withdraw(
                actor=actor, request=info, reason=form.cleaned_data["reason"]
            ),
            object_type="information_request",
            object_id=info.pk,
            child_pid=pid,
        )
        if done.refused:
            return done.refused
        if done.ok:
            messages.success(request, MSG_WITHDRAWN.format(name=info.recipient_name))
            return redirect("panels:referral", referral_id=info.referral_id)
    return _form_page(request, "panels/request_withdraw.html", {"form": form, "info": info})


@membership_required
def request_respond(request: HttpRequest, request_id: str) -> HttpResponse:
    actor = actor_from_request(request, purpose="Answer a panel's information request")
    key, info = _information_request(request_id)
    if info is None or not (
        may_answer(actor, info) or (info.referral.panel and is_panel_lead(actor, info.referral.panel))
    ):
        audit_record(
            actor=actor,
            action=Action.DENIED,
            object_type="information_request",
            object_id=key or "",
            detail="refused: not the recipient",
        )
        return _not_found(request)
    form = panel_forms.ResponseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = _attempt(
            request,
            actor,
            form,
            lambda: services.information_request_respond(
                actor=actor, request=info, response=form.cleaned_data["response"]
            ),
            object_type="information_request",
            object_id=info.pk,
            audit=False,
        )
        if done.refused:
            return done.refused
        if done.ok:
            messages.success(request, MSG_RESPONDED)
            return redirect("panels:home")
    return _form_page(request, "panels/request_respond.html", {"form": form, "info": info})


# --- Meetings -----------------------------------------------------------------------------------


@membership_required
def meeting_new(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request, purpose="Schedule a panel meeting")
    panel = lead_panels(actor).order_by("name").first()
    if panel is None:
        return _forbidden(request, actor, MSG_NOT_PANEL_LEAD, object_type="panel_meeting")
    form = panel_forms.MeetingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = _attempt(
            request,
            actor,
            form,
            lambda: services.panel_meeting_schedule(
                actor=actor,
                panel=panel,
                held_on=data["held_on"],
                extraordinary=data["extraordinary"],
                reason=data["extraordinary_reason"],
            ),
            object_type="panel_meeting",
            audit=False,
            renames={"reason": "extraordinary_reason"},
        )
        if done.refused:
            return done.refused
        if done.ok:
            messages.success(request, MSG_SCHEDULED.format(day=p.day(done.value.held_on)))
            return redirect("panels:meeting", meeting_id=done.value.pk)
    return _form_page(request, "panels/meeting_new.html", {"form": form, "panel": panel})


@membership_required
def meeting_detail(request: HttpRequest, meeting_id: str) -> HttpResponse:
    actor = actor_from_request(request)
    meeting = _meeting(actor, meeting_id)
    if meeting is None:
        return _not_found(request)
    items = list(AgendaItem.objects.filter(meeting=meeting).select_related("referral__child", "acting_chair"))
    held = meeting.status == MeetingStatus.HELD
    chair = is_panel_chair(actor, meeting.panel)
    decided_at_meeting: dict[Any, list[PanelDecision]] = {}
    for decision in PanelDecision.objects.filter(meeting=meeting).order_by("created_at"):
        decided_at_meeting.setdefault(decision.referral_id, []).append(decision)
    quorums = agenda_quorums(meeting=meeting, items=items) if held else {}
    discussions = list(
        CaseDiscussion.objects.filter(meeting=meeting).select_related("case__child").order_by("created_at")
    )
    agenda = []
    for item in items:
        decided = decided_at_meeting.get(item.referral_id, [])
        quorum = quorums.get(item.pk)
        agenda.append(
            {
                "item": item,
                "link": p.referral_link(item.referral),
                "reasons": item.urgency.get("reasons", []),
                "quorum": p.quorum_text(quorum),
                "quorate": bool(quorum and quorum.may_decide),
                "decisions": [d.get_decision_type_display() for d in decided],
            }
        )
    runs = is_panel_lead(actor, meeting.panel) or chair
    waiting = (
        agenda_candidates(meeting=meeting, include_listed_later=True)
        if runs and meeting.status == MeetingStatus.SCHEDULED
        else []
    )
    audit_record(
        actor=actor,
        action=Action.VIEW,
        object_type="panel_meeting",
        object_id=meeting.pk,
        fields=["agenda"],
        detail=f"{len(items)} cases on the agenda, {len(discussions)} listed for discussion",
    )
    return render(
        request,
        "panels/meeting_detail.html",
        {
            "meeting": meeting,
            "agenda": agenda,
            "held": held,
            "runs": runs,
            "is_chair": chair,
            "scheduled": meeting.status == MeetingStatus.SCHEDULED,
            "can_record_attendance": runs
            and meeting.status != MeetingStatus.CANCELLED
            and meeting.held_on <= timezone.localdate()
            and not PanelDecision.objects.filter(meeting=meeting).exists(),
            "warning": agenda_warning(
                len(items) + len(discussions), profile_in_force(meeting.held_on).panel_cases_per_meeting
            ),
            "discussions": [
                {
                    "discussion": d,
                    "link": _case_link(d.case),
                    "outcome": outcome_label(d.outcome),
                }
                for d in discussions
            ],
            "to_discuss": [
                {
                    "case": c,
                    "link": _case_link(c),
                    "why": f"shared by {c.shared_by.name} on {p.day(c.shared_on)}",
                }
                for c in (
                    discussion_candidates(meeting=meeting)
                    if runs and meeting.status == MeetingStatus.SCHEDULED
                    else []
                )
            ],
            "waiting": [
                {"referral": c.referral, "link": p.referral_link(c.referral), "reasons": c.reasons}
                for c in waiting
                if c.listed_for is None
            ],
            "listed_later": [
                {
                    "referral": c.referral,
                    "link": p.referral_link(c.referral),
                    "reasons": [f"Listed for {p.day(c.listed_for)}", *c.reasons],
                }
                for c in waiting
                if c.listed_for is not None
            ],
            "attendance": [
                f"{a.name} ({a.get_sector_display()})" for a in meeting.attendance.filter(present=True)
            ],
        },
    )


def _uuid(value: str) -> Any:
    from ccehub.panels.selectors import _uuid as parse

    return parse(value)


def _case_link(case: Any) -> Any:
    return format_html(
        '<a class="govuk-link" href="{}">{}</a>',
        reverse("panels:case", args=[case.pk]),
        case.child.pseudonymous_id,
    )


def _audit_not_found(actor: Actor, object_type: str, key: Any) -> None:
    audit_record(
        actor=actor,
        action=Action.DENIED,
        object_type=object_type,
        object_id=key or "",
        detail="refused: no such row at this meeting",
    )


@require_POST
@membership_required
def discussion_add(request: HttpRequest, meeting_id: str, case_id: str) -> HttpResponse:
    """R-22: list a case with no referral for discussion at a scheduled sitting (lead or chair)."""
    actor = actor_from_request(request, purpose="List a case for discussion at a panel meeting")
    meeting = _meeting(actor, meeting_id)
    if meeting is None:
        return _not_found(request)
    key = _uuid(case_id)
    case = (
        PanelCase.objects.filter(pk=key, panel=meeting.panel).select_related("child").first() if key else None
    )
    if case is None:
        _audit_not_found(actor, "panel_case", key)
        return _not_found(request)
    try:
        _, warning = discussions.discussion_add(actor=actor, meeting=meeting, case=case)
    except (PermissionDenied, ValidationError) as exc:
        text = "; ".join(getattr(exc, "messages", [str(exc)]))
        return _forbidden(
            request,
            actor,
            text,
            object_type="case_discussion",
            object_id=meeting.pk,
            child_pid=case.child.pseudonymous_id,
        )
    messages.success(request, MSG_LISTED_FOR_DISCUSSION + (f". {warning}" if warning else ""))
    return redirect("panels:meeting", meeting_id=meeting.pk)


@membership_required
def discussion_record(request: HttpRequest, meeting_id: str, discussion_id: str) -> HttpResponse:
    """R-22: what the sitting made of a case with no referral (a chair, after the sitting)."""
    actor = actor_from_request(request, purpose="Record a panel discussion")
    meeting = _meeting(actor, meeting_id)
    if meeting is None:
        return _not_found(request)
    key = _uuid(discussion_id)
    discussion = discussions.discussion_for(meeting=meeting, discussion_id=key) if key else None
    if discussion is None:
        _audit_not_found(actor, "case_discussion", key)
        return _not_found(request)
    pid = discussion.case.child.pseudonymous_id
    refusal = None
    if not is_panel_chair(actor, meeting.panel):
        refusal = MSG_NOT_PANEL_CHAIR
    elif meeting.status != MeetingStatus.HELD:
        refusal = discussions.MSG_NOT_HELD
    if refusal is not None:
        return _forbidden(
            request, actor, refusal, object_type="case_discussion", object_id=discussion.pk, child_pid=pid
        )
    if request.method != "POST":
        audit_record(
            actor=actor,
            action=Action.VIEW,
            object_type="case_discussion",
            object_id=discussion.pk,
            child_pid=pid,
            fields=["outcome", "notes"],
        )
    initial = {"outcome": discussion.outcome, "notes": discussion.notes}
    form = panel_forms.DiscussionForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = _attempt(
            request,
            actor,
            form,
            lambda: discussions.discussion_record(
                actor=actor, discussion=discussion, outcome=data["outcome"], notes=data["notes"]
            ),
            object_type="case_discussion",
            object_id=discussion.pk,
            child_pid=pid,
        )
        if done.refused:
            return done.refused
        if done.ok:
            messages.success(request, MSG_DISCUSSION_RECORDED)
            return redirect("panels:meeting", meeting_id=meeting.pk)
    return _form_page(
        request,
        "panels/discussion_record.html",
        {"form": form, "meeting": meeting, "discussion": discussion, "link": _case_link(discussion.case)},
    )


@require_POST
@membership_required
def agenda_build(request: HttpRequest, meeting_id: str) -> HttpResponse:
    actor = actor_from_request(request, purpose="Build a panel agenda")
    meeting = _meeting(actor, meeting_id)
    if meeting is None:
        return _not_found(request)
    try:
        result = services.agenda_build(actor=actor, meeting=meeting)
    except PermissionDenied as exc:
        return _forbidden(request, actor, str(exc), object_type="panel_agenda", object_id=meeting.pk)
    except ValidationError as exc:
        return _forbidden(
            request, actor, "; ".join(exc.messages), object_type="panel_agenda", object_id=meeting.pk
        )
    messages.success(request, MSG_AGENDA_BUILT.format(count=len(result.items)))
    return redirect("panels:meeting", meeting_id=meeting.pk)


@require_POST
@membership_required
def agenda_add(request: HttpRequest, meeting_id: str, referral_id: str) -> HttpResponse:
    actor = actor_from_request(request, purpose="List a case at a panel meeting")
    meeting = _meeting(actor, meeting_id)
    if meeting is None:
        return _not_found(request)
    try:
        referral = referral_for_view(actor=actor, referral_id=referral_id)
        result = services.agenda_item_add(actor=actor, meeting=meeting, referral=referral)
    except NotAvailable as exc:
        return _not_found(request, str(exc))
    except (PermissionDenied, ValidationError) as exc:
        text = "; ".join(getattr(exc, "messages", [str(exc)]))
        return _forbidden(request, actor, text, object_type="panel_agenda", object_id=meeting.pk)
    messages.success(request, MSG_LISTED + (f". {result.warning}" if result.warning else ""))
    return redirect("panels:meeting", meeting_id=meeting.pk)


@membership_required
def attendance(request: HttpRequest, meeting_id: str) -> HttpResponse:
    actor = actor_from_request(request, purpose="Record panel attendance")
    meeting = _meeting(actor, meeting_id)
    if meeting is None:
        return _not_found(request)
    if not (is_panel_lead(actor, meeting.panel) or is_panel_chair(actor, meeting.panel)):
        return _forbidden(
            request, actor, MSG_NOT_PANEL_LEAD, object_type="panel_meeting", object_id=meeting.pk
        )
    members = PanelMember.objects.filter(panel=meeting.panel, active=True).order_by("sector", "name")
    initial = {}
    if meeting.status == MeetingStatus.HELD:
        initial = {
            "present": [a.member_id for a in meeting.attendance.filter(present=True)],
            "chair": meeting.chair_id,
        }
    form = panel_forms.AttendanceForm(request.POST or None, members=members, initial=initial)
    if request.method == "POST" and form.is_valid():
        present = list(form.cleaned_data["present"])
        absent = [m for m in members if m not in present]
        done = _attempt(
            request,
            actor,
            form,
            lambda: services.meeting_attendance_record(
                actor=actor, meeting=meeting, present=present, absent=absent, chair=form.cleaned_data["chair"]
            ),
            object_type="panel_meeting",
            object_id=meeting.pk,
            audit=False,
        )
        if done.refused:
            return done.refused
        if done.ok:
            messages.success(request, MSG_ATTENDANCE)
            return redirect("panels:meeting", meeting_id=meeting.pk)
    return _form_page(request, "panels/attendance.html", {"form": form, "meeting": meeting})


@membership_required
def papers(request: HttpRequest, meeting_id: str) -> HttpResponse:
    actor = actor_from_request(request, purpose="Read the panel papers")
    meeting = _meeting(actor, meeting_id)
    if meeting is None:
        return _not_found(request)
    try:
        compiled = meeting_papers(actor=actor, meeting=meeting)
    except PermissionDenied as exc:
        return _forbidden(request, actor, str(exc), object_type="panel_papers", object_id=meeting.pk)
    cases = []
    for paper in compiled:
        cases.append(
            {
                "paper": paper,
                "pid": paper.referral.child.pseudonymous_id,
                "clock_rows": p.clock_rows(paper.clock),
                "chronology": [[row["when"], row["process"], row["text"]] for row in paper.chronology],
                "vulnerabilities": vulnerability_rows(paper.record) if paper.record else [],
                "triage": paper.triage,
                "requests": [
                    [
                        f"{r.recipient_name} ({r.get_recipient_role_display()})",
                        r.get_status_display(),
                        r.response or "—",
                    ]
                    for r in paper.requests
                ],
            }
        )
    return render(
        request,
        "panels/papers.html",
        {
            "meeting": meeting,
            "cases": cases,
            "chronology_head": ["When", "Process", "What happened"],
            "vulnerability_head": ["Factor", "Recorded", "Source"],
            "requests_head": ["Asked", "Status", "Answer"],
        },
    )


@membership_required
def decide(request: HttpRequest, meeting_id: str, referral_id: str) -> HttpResponse:
    """The chair records the panel's decision on one case; the quorum is enforced by the service."""
    actor = actor_from_request(request, purpose="Record a panel decision")
    meeting = _meeting(actor, meeting_id)
    if meeting is None:
        return _not_found(request)
    try:
        referral = referral_for_view(actor=actor, referral_id=referral_id)
    except NotAvailable as exc:
        return _not_found(request, str(exc))
    pid = referral.child.pseudonymous_id
    if not is_panel_chair(actor, meeting.panel):
        return _forbidden(request, actor, MSG_NOT_PANEL_CHAIR, object_type="panel_decision", child_pid=pid)
    item = (
        AgendaItem.objects.filter(meeting=meeting, referral=referral).select_related("acting_chair").first()
    )
    quorum = (
        case_quorum(meeting=meeting, referral=referral, item=item)
        if meeting.status == MeetingStatus.HELD
        else None
    )
    form = panel_forms.DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            decision = services.panel_decision_record(
                actor=actor,
                meeting=meeting,
                referral=referral,
                decision_type=data["decision_type"],
                rationale=data["rationale"],
                evidence_considered=form.evidence_items(),
                dissent=data["dissent"],
                deferral_reason=data["deferral_reason"],
                defer_until=data["defer_until"],
            )
        except services.RefusedAndEscalated as exc:
            _refusal_audited(actor, object_type="panel_decision", object_id="", child_pid=pid, exc=exc)
            messages.warning(request, exc.text)
            return redirect("panels:referral", referral_id=referral.pk)
        except ValidationError as exc:
            _refusal_audited(actor, object_type="panel_decision", object_id="", child_pid=pid, exc=exc)
            panel_forms.apply_service_errors(form, exc)
        except PermissionDenied as exc:
            return _forbidden(request, actor, str(exc), object_type="panel_decision", child_pid=pid)
        else:
            messages.success(request, MSG_DECIDED.format(label=decision.get_decision_type_display()))
            return redirect("panels:meeting", meeting_id=meeting.pk)
    return render(
        request,
        "panels/decide.html",
        {
            "form": form,
            "meeting": meeting,
            "referral": referral,
            "quorum": p.quorum_text(quorum) if quorum else "The meeting's attendance has not been recorded",
            "quorate": bool(quorum and quorum.may_decide),
            "clock_rows": p.clock_rows(
                referral_clock(referral, as_of=max(meeting.held_on, referral.referred_on or meeting.held_on))
            ),
        },
        status=400 if form.errors else 200,
    )


# --- Home Office quality assurance --------------------------------------------------------------


def _qa_allowed(actor: Actor) -> bool:
    return is_ho_qa(actor) or reader_panels(actor).exists()


@membership_required
def qa_list(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request, purpose="Quality assurance of panel decisions")
    if not _qa_allowed(actor):
        return _forbidden(request, actor, MSG_NOT_PANEL_READER, object_type="qa_queue")
    status = request.GET.get("status") or ""
    if status not in QA_FILTER_STATUSES:
        status = ""
    home_office = is_ho_qa(actor)
    rows = []
    for d in qa_queue(actor=actor, status=status or None):
        who = qa_reference(d.referral.child) if home_office else d.referral.child.pseudonymous_id
        rows.append(
            [
                format_html(
                    '<a class="govuk-link" href="{}">{}</a>', reverse("panels:qa-decision", args=[d.pk]), who
                ),
                d.referral.panel.name if d.referral.panel else "",
                d.get_decision_type_display(),
                p.day(d.decided_on),
                p.qa_tag(d.ho_qa_status, d.get_ho_qa_status_display()),
            ]
        )
    filters = [{"code": "", "label": "All"}] + [
        {"code": code, "label": label} for code, label in QAStatus.choices if code != QAStatus.NOT_APPLICABLE
    ]
    return render(
        request,
        "panels/qa_list.html",
        {
            "rows": rows,
            "status": status,
            "status_label": QAStatus(status).label if status else "",
            "filters": filters,
            "home_office": home_office,
            "head": ["Child", "Panel", "Decision", "Decided on", "Status"],
        },
    )


@membership_required
def qa_detail(request: HttpRequest, decision_id: str) -> HttpResponse:
    actor = actor_from_request(request, purpose="Quality assurance of a panel decision")
    try:
        decision = decision_for_view(actor=actor, decision_id=decision_id)
    except NotAvailable as exc:
        return _not_found(request, str(exc))
    home_office = is_ho_qa(actor)
    panel = decision.referral.panel
    panel_side = panel is not None and (is_panel_lead(actor, panel) or is_panel_chair(actor, panel))
    confirm_form = panel_forms.QAConfirmForm(prefix="confirm")
    return_form = panel_forms.QAReturnForm(prefix="return")
    respond_form = panel_forms.QARespondForm(prefix="respond")
    errors_form = None
    if request.method == "POST":
        verb = request.POST.get("action", "")
        try:
            if verb == "confirm":
                confirm_form = panel_forms.QAConfirmForm(request.POST, prefix="confirm")
                errors_form = confirm_form
                if confirm_form.is_valid():
                    services.qa_confirm(
                        actor=actor, decision=decision, note=confirm_form.cleaned_data["note"]
                    )
                    messages.success(request, MSG_QA_CONFIRMED)
                    return redirect("panels:qa")
            elif verb == "return":
                return_form = panel_forms.QAReturnForm(request.POST, prefix="return")
                errors_form = return_form
                if return_form.is_valid():
                    services.qa_return(
                        actor=actor, decision=decision, reason=return_form.cleaned_data["reason"]
                    )
                    messages.success(request, MSG_QA_RETURNED)
                    return redirect("panels:qa")
            elif verb == "respond":
                respond_form = panel_forms.QARespondForm(request.POST, prefix="respond")
                errors_form = respond_form
                if respond_form.is_valid():
                    services.qa_respond(
                        actor=actor, decision=decision, response=respond_form.cleaned_data["response"]
                    )
                    messages.success(request, MSG_QA_RESPONDED)
                    return redirect("panels:qa-decision", decision_id=decision.pk)
        except PermissionDenied as exc:
            return _forbidden(
                request, actor, str(exc), object_type="panel_decision_qa", object_id=decision.pk
            )
        except ValidationError as exc:
            if errors_form is not None:
                panel_forms.apply_service_errors(errors_form, exc)
    # Home Office QA reads what the QA export gives it: the child's and the members' names are
    # replaced in the free text (panels.md 1.7); the panel's own people read their own words.
    scrub = (
        _scrubber(decision.referral.child, [m.get("name", "") for m in decision.members_present])
        if home_office
        else (lambda text: text or "")
    )
    rows = [
        {
            "key": "Child",
            "value": qa_reference(decision.referral.child)
            if home_office
            else decision.referral.child.pseudonymous_id,
        },
        {"key": "Panel", "value": panel.name if panel else ""},
        {"key": "Decision", "value": decision.get_decision_type_display()},
        {"key": "Decided on", "value": p.day(decision.decided_on)},
        {"key": "Rationale", "value": scrub(decision.rationale)},
        {
            "key": "Evidence considered",
            "value": "; ".join(scrub(str(e)) for e in decision.evidence_considered),
        },
        {
            "key": "Sectors present",
            "value": ", ".join(sorted({m["sector"].replace("_", " ") for m in decision.members_present})),
        },
        {"key": "Dissent", "value": scrub(decision.dissent) or "None"},
        {"key": "Policy profile", "value": f"{decision.policy_profile} (rules {decision.rule_version})"},
        {"key": "Status", "value": p.qa_tag(decision.ho_qa_status, decision.get_ho_qa_status_display())},
        {"key": "Label", "value": decision.caveat},
    ]
    events = [
        [e.get_kind_display(), e.at.strftime("%-d %B %Y"), scrub(e.note) or "—"]
        for e in decision.qa_events.all()
    ]
    return render(
        request,
        "panels/qa_detail.html",
        {
            "decision": decision,
            "rows": rows,
            "events": events,
            "can_review": home_office and decision.ho_qa_status == QAStatus.PENDING,
            "can_respond": panel_side and decision.ho_qa_status == QAStatus.RETURNED,
            "confirm_form": confirm_form,
            "return_form": return_form,
            "respond_form": respond_form,
            "form": errors_form,
            "events_head": ["Event", "Date", "Note"],
        },
        status=400 if errors_form is not None and errors_form.errors else 200,
    )


@membership_required
def qa_download(request: HttpRequest, fmt: str) -> HttpResponse:
    actor = actor_from_request(request, channel=Channel.EXPORT, purpose="Export panel decisions for QA")
    if not is_ho_qa(actor):
        return _forbidden(request, actor, MSG_NOT_HO_QA, object_type="qa_export")
    if fmt not in ("csv", "json"):
        return _not_found(request, "The export is available as CSV or JSON")
    try:
        body = qa_export(actor=actor, fmt=fmt, status=request.GET.get("status"))
    except ValidationError as exc:
        message = "; ".join(exc.messages)
        audit_record(
            actor=actor, action=Action.DENIED, object_type="qa_export", detail=f"refused: {message}"[:500]
        )
        return render(
            request,
            "common/not_found.html",
            {"heading": "Check the status filter", "message": message},
            status=400,
        )
    content_type = "application/json" if fmt == "json" else "text/csv"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="panel-decisions-qa.{fmt}"'
    response["Cache-Control"] = "no-store"
    return response


# --- Monitoring ---------------------------------------------------------------------------------


@membership_required
def monitoring(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request, purpose="Intensive monitoring by the panel")
    panel = reader_panels(actor).order_by("name").first()
    if panel is None:
        return _forbidden(request, actor, MSG_NOT_PANEL_READER, object_type="panel_monitoring")
    today = timezone.localdate()
    rows = []
    monitored = monitoring_list(actor=actor, panel=panel, as_of=today)
    latest = {}
    for referral in (
        NRMReferral.objects.filter(panel=panel, child__in=[m.child for m in monitored])
        .select_related("child")
        .order_by("referred_on", "created_at")
    ):
        latest[referral.child_id] = referral
    for m in monitored:
        referral = latest.get(m.child.pk)
        plan_text = (
            f"{m.actions_done} of {m.actions_total} done"
            + (f", {m.actions_overdue} overdue" if m.actions_overdue else "")
            if m.plan
            else "No joint plan"
        )
        rows.append(
            [
                p.referral_link(referral) if referral is not None else m.child.pseudonymous_id,
                p.status_tag(m.stage),
                format_html(
                    '<a class="govuk-link" href="{}">{}<span class="govuk-visually-hidden"> ({} joint plan)</span></a>',
                    reverse("panels:plan", args=[m.plan.pk]),
                    plan_text,
                    m.child.pseudonymous_id,
                )
                if m.plan
                else plan_text,
                f"{m.compliance}%" if m.compliance is not None else "Nothing due yet",
                str(m.missing_since_oversight) + (" (missing now)" if m.missing_ongoing else ""),
                f"{m.breaches} ({m.breaches_unanswered} awaiting the court)" if m.breaches else "0",
            ]
        )
    head = ["Child", "Stage", "Plan actions", "Compliance", "Missing since referral", "Order breaches"]
    return render(request, "panels/monitoring.html", {"panel": panel, "rows": rows, "head": head})
