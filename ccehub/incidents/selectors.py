"""Reads of triage decisions. Always through the child's scoped, audited read (``child_get``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from ccehub.audit.models import Action
from ccehub.audit.services import audit_record
from ccehub.children.models import Child
from ccehub.children.selectors import ChildNotFound, ChildRecord, child_get
from ccehub.common.access import Actor
from ccehub.incidents.models import OUTSTANDING_STATUSES, TriageAction, TriageDecision

#: What a decision page reveals about the child.
DECISION_SECTIONS: tuple[str, ...] = ("profile", "identity", "incidents", "triage")


@dataclass
class DecisionView:
    """One decision as one actor may see it, with its incident's whole decision history."""

    decision: TriageDecision
    record: ChildRecord
    actions: list[TriageAction] = field(default_factory=list)
    history: list[TriageDecision] = field(default_factory=list)

    @property
    def pseudonymised(self) -> bool:
        return self.record.pseudonymised

    @property
    def latest(self) -> TriageDecision:
        return self.history[-1] if self.history else self.decision


def _as_uuid(value: Any) -> UUID | None:
    try:
        return value if isinstance(value, UUID) else UUID(str(value))
    except (TypeError, ValueError):
        return None


def decision_get(*, actor: Actor, decision_id: Any, action: str = Action.VIEW) -> DecisionView:
    """A decision, if the actor may see its child. Raises :class:`ChildNotFound`; audits either way."""
    key = _as_uuid(decision_id)
    decision = (
        TriageDecision.objects.select_related("child", "incident", "agency", "supersedes")
        .filter(pk=key)
        .first()
        if key is not None
        else None
    )
    if decision is None:
        audit_record(
            actor=actor,
            action=Action.DENIED,
            object_type="triage_decision",
            object_id=str(decision_id)[:64],
            detail=f"refused {action}: no such decision",
        )
        raise ChildNotFound()
    record = child_get(
        actor=actor, pid=decision.child.pseudonymous_id, sections=DECISION_SECTIONS, action=action
    )
    history = list(
        TriageDecision.objects.filter(incident_id=decision.incident_id)
        .select_related("agency")
        .order_by("decided_at", "created_at")
    )
    return DecisionView(
        decision=decision,
        record=record,
        actions=list(decision.actions.order_by("position")),
        history=history,
    )


def action_get(*, actor: Actor, action_id: Any) -> tuple[TriageAction, DecisionView]:
    """One proposed action and its decision, read through :func:`decision_get`."""
    key = _as_uuid(action_id)
    action = (
        TriageAction.objects.filter(pk=key).only("id", "decision_id").first() if key is not None else None
    )
    if action is None:
        audit_record(
            actor=actor,
            action=Action.DENIED,
            object_type="triage_action",
            object_id=str(action_id)[:64],
            detail="refused view: no such action",
        )
        raise ChildNotFound()
    view = decision_get(actor=actor, decision_id=action.decision_id)
    found = next(a for a in view.actions if a.pk == action.pk)
    return found, view


#: What the list of a child's decisions reveals. It asks for the identity as the decision page does
#: (:data:`DECISION_SECTIONS`), so that a user who may see the date of birth sees it and the days to
#: the 18th birthday in both places; :func:`child_get` still withholds it from anyone who may not.
CHILD_DECISIONS_SECTIONS: tuple[str, ...] = ("profile", "identity", "incidents", "triage")


def child_decisions(*, actor: Actor, pid: str) -> tuple[ChildRecord, list[TriageDecision]]:
    """Every triage decision about a child (newest first), via the child's audited read."""
    record = child_get(actor=actor, pid=pid, sections=CHILD_DECISIONS_SECTIONS)
    decisions = list(
        TriageDecision.objects.filter(child=record.child)
        # Each decision names its child (the API's "child"): joined, not one query per decision.
        .select_related("child", "incident", "agency")
        .prefetch_related("actions")
        .order_by("-decided_at", "-created_at")
    )
    return record, decisions


def open_triage_actions(*, actor: Actor, children: Sequence[Child]) -> list[dict[str, Any]]:
    """Outstanding actions of the latest decisions about ``children`` (already scoped by the caller),
    one dashboard item per decision: the most urgent action, how many more, and whether any is overdue.
    """
    from ccehub.incidents.presenters import action_label, is_due_now, is_overdue, local_time_text

    by_id = {child.pk: child for child in children}
    if not by_id:
        return []
    actions = (
        TriageAction.objects.filter(
            decision__child_id__in=list(by_id),
            decision__superseded_by__isnull=True,
            status__in=OUTSTANDING_STATUSES,
        )
        .select_related("decision")
        .order_by(F("due_at").asc(nulls_last=True), "position")
    )
    now = timezone.now()
    grouped: dict[Any, list[TriageAction]] = {}
    for action in actions:
        grouped.setdefault(action.decision_id, []).append(action)
    items: list[dict[str, Any]] = []
    for group in grouped.values():
        first = group[0]
        timed = [a.due_at for a in group if a.due_at is not None]
        more = len(group) - 1
        text = f"Triage: {action_label(first.code)}"
        if more:
            text += f", and {more} more open action{'s' if more != 1 else ''}"
        items.append(
            {
                "child": by_id[first.decision.child_id],
                "text": text,
                "kind": "Triage",
                "due": local_time_text(min(timed)) if timed else None,
                "overdue": any(is_overdue(a, now) for a in group),
                "due_now": any(is_due_now(a) for a in group),
                "href": reverse("incidents:decision", args=[first.decision_id]),
                "_sort": (min(timed) if timed else None),
            }
        )
    items.sort(key=lambda i: (i["_sort"] is None, i["_sort"] or now))
    for entry in items:
        del entry["_sort"]
    return items
