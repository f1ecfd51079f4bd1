"""The support-escalation guard as a side effect (F-22, R-50, J-11): a trigger event recorded anywhere
brings the child's open joint plans' reviews forward, and a re-exploitation indicator (missing, a new
incident, an order breach) takes a plan in phase 3 back to phase 2, intensive support (W-5).

Called inside the transaction of the write that records the event (an incident, a charge, a
conviction, a remand or sentence, an NRM referral, a Safeguarding Order breach), and audited as the
actor who recorded it, as the criminal stay is (J-02). Imports nothing from the other services, so
any of them may call it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Max

from ccehub.audit.models import Action
from ccehub.audit.services import audit_record
from ccehub.common.access import Actor
from ccehub.panels.models import JointPlan, JointPlanReview
from ccehub.rules.escalation import TriggerEvent, review_after_trigger, trigger_text
from ccehub.rules.phases import Phase, escalates, escalation_reason


@transaction.atomic
def plans_review_for_event(
    *, actor: Actor, child: Any, event: TriggerEvent, on: date | None
) -> list[JointPlan]:
    """Bring each open joint plan's review to within N days of the event (R-50). Returns the plans
    whose review moved. An event without a date triggers nothing: the rule cannot place it."""
    if on is None:
        return []
    moved = []
    # Locked first, then their last reviews read apart: PostgreSQL refuses FOR UPDATE with GROUP BY.
    plans = list(
        JointPlan.objects.select_for_update(of=("self",)).filter(child=child, closed_on__isnull=True)
    )
    last_reviewed = dict(
        JointPlanReview.objects.filter(plan__in=plans)
        .values("plan")
        .annotate(last=Max("reviewed_on"))
        .values_list("plan", "last")
    )
    for plan in plans:
        if escalates(phase=plan.phase, event=event) and (plan.phase_since is None or on >= plan.phase_since):
            # W-5: a re-exploitation indicator takes a plan in phase 3 back to intensive support
            plan.phase, plan.phase_since, plan.phase_reason = (
                Phase.INTENSIVE,
                on,
                escalation_reason(event, on),
            )
            plan.save(update_fields=["phase", "phase_since", "phase_reason", "updated_at"])
            _audit(
                actor,
                plan,
                child,
                "joint_plans.phase",
                f"back to phase 2, intensive support: {event.value} on {on} (W-5, R-50)",
            )
        new = review_after_trigger(
            review_on=plan.review_on,
            agreed_on=plan.agreed_on,
            event_on=on,
            last_reviewed_on=last_reviewed.get(plan.pk),
        )
        if new is None:
            continue
        plan.review_on = new
        plan.review_trigger = trigger_text(event, on)
        plan.review_trigger_on = on
        plan.save(update_fields=["review_on", "review_trigger", "review_trigger_on", "updated_at"])
        _audit(
            actor,
            plan,
            child,
            "joint_plans.review_on",
            f"review brought forward to {new}: {event.value} on {on} (R-50)",
        )
        moved.append(plan)
    return moved


def _audit(actor: Actor, plan: JointPlan, child: Any, field: str, detail: str) -> None:
    """One plan change a trigger event made, audited as the actor who recorded the event."""
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        object_type="joint_plan",
        object_id=plan.pk,
        child_pid=child.pseudonymous_id,
        fields=[field],
        detail=detail,
    )
