"""A child's case at a panel, on its own page: /panels/cases/CASE/.

A panel case is opened by an NRM referral on the local route or by the home local authority
convening a crisis response (W-5: "listed at the CCE panel"); a case opened by a crisis response has
no referral to hang its pages on, so the case has its own page, where the panel agrees the joint plan
that takes the child from phase 1 (the exit window) to phase 2, and where the chair closes it.

Read through :func:`ccehub.panels.selectors.case_for_view` (audited, the panel's people or a basis for
the child; anything else is a 404).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import format_html

from ccehub.common.web import actor_from_request, membership_required
from ccehub.nrm.models import NRMReferral
from ccehub.panels import presenters as p
from ccehub.panels import services
from ccehub.panels.discussions import discussions_of, outcome_label
from ccehub.panels.models import JointPlan, PanelCase
from ccehub.panels.permissions import is_panel_chair
from ccehub.panels.selectors import NotAvailable, case_for_view
from ccehub.panels.views import _forbidden, _not_found, free_text
from ccehub.panels.views_case import _lead_or_chair, case_closing_page, plan_new_page
from ccehub.rules.crisis import STAGE_LABELS, TRIGGER_LABELS, Trigger, stage_of
from ccehub.rules.phases import PHASE_LABELS, Phase

MSG_CASE_CLOSED = "This panel case closed on {day}: a new NRM referral or crisis response opens the next one"
MSG_EXIT_WINDOW = (
    "Phase 1: exit window (no joint plan yet): immediate safety, the debt threat, placement checks; "
    "agree a joint plan"
)


def _case(request: HttpRequest, purpose: str, case_id: str) -> tuple[Any, PanelCase | HttpResponse]:
    actor = actor_from_request(request, purpose=purpose)
    try:
        return actor, case_for_view(actor=actor, case_id=case_id)
    except NotAvailable as exc:
        return actor, _not_found(request, str(exc))


def case_plans(case: PanelCase) -> list[JointPlan]:
    """The joint plans the panel agreed for the child while this case was open, and, while it is
    open, the child's open plan there whatever its date (a plan may be dated from an earlier
    referral), latest first."""
    during = Q(agreed_on__gte=case.shared_on)
    if case.closed_on is not None:
        during &= Q(agreed_on__lte=case.closed_on)
    else:
        during |= Q(closed_on__isnull=True)
    plans = JointPlan.objects.filter(during, panel=case.panel, child=case.child)
    return list(plans.order_by("-agreed_on", "-created_at"))


@membership_required
def case_detail(request: HttpRequest, case_id: str) -> HttpResponse:
    """The case: why and by whom it was shared, the crisis response listed at it and its phase, the
    referrals and the joint plans; the lead or chair agrees a plan, the chair closes the case."""
    actor, found = _case(request, "Read a panel case", case_id)
    if isinstance(found, HttpResponse):
        return found
    case = found
    plans = case_plans(case)
    open_plan = next((plan for plan in plans if plan.closed_on is None), None)
    if case.closed_on is not None:
        phase = "Closed"
    elif open_plan is not None:
        phase = format_html(
            '<a class="govuk-link" href="{}">{}</a> since {}',
            reverse("panels:plan", args=[open_plan.pk]),
            PHASE_LABELS[Phase(open_plan.phase)],
            p.day(open_plan.phase_since or open_plan.agreed_on),
        )
    else:
        phase = MSG_EXIT_WINDOW
    rows = [
        {
            "key": "Child",
            "value": format_html(
                '<a class="govuk-link" href="{}">{}</a>',
                reverse("children:detail", args=[case.child.pseudonymous_id]),
                case.child.pseudonymous_id,
            ),
        },
        {"key": "Panel", "value": case.panel.name},
        {"key": "Shared by", "value": case.shared_by.name},
        {"key": "Shared on", "value": p.day(case.shared_on)},
        {"key": "Why", "value": free_text(actor, case.reason)},
        {"key": "Status", "value": p.open_or_closed_tag(case.closed_on)},
        {"key": "Phase (W-5)", "value": phase},
    ]
    crisis = [
        [
            format_html(
                '<a class="govuk-link" href="{}">{}</a>',
                reverse("children:crisis", args=[case.child.pseudonymous_id]),
                TRIGGER_LABELS[Trigger(r.trigger)],
            ),
            p.day(r.triggered_on),
            p.day(r.convened_on),
            r.convenor.name if r.convenor else "",
            STAGE_LABELS[
                stage_of(returned_on=r.returned_home_on, convened_on=r.convened_on, closed_on=r.closed_on)
            ],
        ]
        for r in case.crisis_responses.select_related("convenor").order_by("-triggered_on")
    ]
    referrals = [
        [p.referral_link(r), p.day(r.referred_on)]
        for r in NRMReferral.objects.filter(panel_case=case).select_related("child").order_by("referred_on")
    ]
    plan_rows = [
        [
            format_html(
                '<a class="govuk-link" href="{}">{}</a>',
                reverse("panels:plan", args=[plan.pk]),
                p.day(plan.agreed_on),
            ),
            PHASE_LABELS[Phase(plan.phase)] if plan.closed_on is None else "",
            p.open_or_closed_tag(plan.closed_on),
        ]
        for plan in plans
    ]
    context = {
        "case": case,
        "rows": rows,
        "crisis": crisis,
        "referrals": referrals,
        "plans": plan_rows,
        "crisis_head": ["What triggered it", "Triggered", "Convened", "Convenor", "Stage"],
        "referrals_head": ["Referral", "Referred"],
        "plans_head": ["Agreed", "Phase", "Status"],
        "discussions": [
            [
                format_html(
                    '<a class="govuk-link" href="{}">{}</a>',
                    reverse("panels:meeting", args=[d.meeting_id]),
                    p.day(d.meeting.held_on),
                ),
                d.meeting.get_status_display(),
                outcome_label(d.outcome),
                free_text(actor, d.notes),
            ]
            for d in discussions_of(case)
        ],
        "discussions_head": ["Meeting", "Meeting status", "Outcome", "Notes"],
        "can_plan": case.closed_on is None and _lead_or_chair(actor, case.panel),
        "can_close": case.closed_on is None and is_panel_chair(actor, case.panel),
    }
    return render(request, "panels/case.html", context)


@membership_required
def case_plan_new(request: HttpRequest, case_id: str) -> HttpResponse:
    """Agree a joint plan for the case's child (W-5: phase 1 to phase 2). Lead or chair."""
    actor, found = _case(request, "Agree a joint plan", case_id)
    if isinstance(found, HttpResponse):
        return found
    case = found
    if case.closed_on is not None:
        return _forbidden(
            request,
            actor,
            MSG_CASE_CLOSED.format(day=p.day(case.closed_on)),
            object_type="panel_case",
            object_id=case.pk,
            child_pid=case.child.pseudonymous_id,
        )
    latest = NRMReferral.objects.filter(panel_case=case).order_by("-referred_on", "-created_at").first()
    return plan_new_page(
        request,
        actor,
        panel=case.panel,
        child=case.child,
        referral=latest,
        back_url=reverse("panels:case", args=[case.pk]),
        back_text="Back to the panel case",
    )


@membership_required
def case_close(request: HttpRequest, case_id: str) -> HttpResponse:
    """Close the panel case (and its open joint plan, and the crisis response listed at it). Chair."""
    actor, found = _case(request, "Close a panel case", case_id)
    if isinstance(found, HttpResponse):
        return found
    case = found
    pid = case.child.pseudonymous_id
    if not is_panel_chair(actor, case.panel):
        return _forbidden(
            request,
            actor,
            services.MSG_CLOSE_CHAIR_ONLY,
            object_type="panel_case",
            object_id=case.pk,
            child_pid=pid,
        )
    return case_closing_page(
        request,
        actor,
        case=case,
        child_pid=pid,
        done_url=reverse("panels:case", args=[case.pk]),
        back_text="Back to the panel case",
    )
