"""F-16, contextual safeguarding: risks to a child from outside the family (a relationship with an
adult, associates, a place, a gang or group), recorded by an agency that may record on the child.

A relationship with an adult raises R-56's organised exploitation prompt
(:mod:`ccehub.rules.triggers`). The description is free text: it can name people and places, so it
is shown to those who see the record in full and left out of pseudonymised views, exports and the
audit log. Audited (``contextualrisk``).
"""

from __future__ import annotations

from datetime import date
from typing import Final

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from ccehub.audit.models import Action
from ccehub.audit.services import audit_record
from ccehub.children.models import Child, Identity
from ccehub.children.services import check_can_write
from ccehub.common.access import Actor
from ccehub.safeguarding.models import ContextualRisk

MSG_KIND: Final = "Choose what kind of risk it is"
MSG_DESCRIPTION: Final = "Say what is known about the risk"
MSG_FUTURE: Final = "The date cannot be in the future"
MSG_BEFORE_BIRTH: Final = "The date cannot be before the child was born"
MSG_ALREADY_ENDED: Final = "This risk was already recorded as over on {day}"
MSG_END_BEFORE: Final = "The risk cannot be over before the day it became known"
MSG_END_REASON: Final = "Say why it is no longer a risk (or that it was recorded in error)"
MSG_AGENCY: Final = "A contextual risk is recorded by an agency: act as a member of one"


@transaction.atomic
def contextual_risk_record(
    *,
    actor: Actor,
    child: Child,
    kind: str,
    recorded_on: date,
    description: str,
    request_key: str = "",
) -> ContextualRisk:
    """Record a risk from outside the family (an agency that may record on the child)."""
    basis = check_can_write(actor, child)
    if actor.agency is None:
        raise PermissionDenied(MSG_AGENCY)
    problems: dict[str, str] = {}
    if kind not in ContextualRisk.Kind.values:
        problems["kind"] = MSG_KIND
    if not description.strip():
        problems["description"] = MSG_DESCRIPTION
    if recorded_on > timezone.localdate():
        problems["recorded_on"] = MSG_FUTURE
    born = Identity.objects.filter(child=child).values_list("date_of_birth", flat=True).first()
    if born is not None and recorded_on < born:
        problems["recorded_on"] = MSG_BEFORE_BIRTH
    if problems:
        raise ValidationError({field: [message] for field, message in problems.items()})
    risk = ContextualRisk(
        child=child,
        kind=kind,
        recorded_on=recorded_on,
        description=description.strip(),
        agency=actor.agency,
        recorded_by=actor.user if getattr(actor.user, "pk", None) is not None else None,
        request_key=request_key,
    )
    risk.full_clean()
    risk.save()
    audit_record(
        actor=actor,
        action=Action.CREATE,
        object_type="contextualrisk",
        object_id=risk.pk,
        child_pid=child.pseudonymous_id,
        fields=["contextual_risks"],
        basis=basis,
        detail=f"contextual risk on {recorded_on}: {kind} (F-16)",
    )
    return risk


@transaction.atomic
def contextual_risk_end(*, actor: Actor, risk: ContextualRisk, ended_on: date, reason: str) -> ContextualRisk:
    """Record that the risk is over (or was recorded in error) from ``ended_on``, and why. The row
    stays, as history; an ended relationship with an adult no longer raises R-56's prompt."""
    risk = ContextualRisk.objects.select_for_update(of=("self",)).select_related("child").get(pk=risk.pk)
    basis = check_can_write(actor, risk.child)
    problems: dict[str, str] = {}
    if risk.ended_on is not None:
        problems["ended_on"] = MSG_ALREADY_ENDED.format(day=f"{risk.ended_on:%-d %B %Y}")
    elif ended_on > timezone.localdate():
        problems["ended_on"] = MSG_FUTURE
    elif ended_on < risk.recorded_on:
        problems["ended_on"] = MSG_END_BEFORE
    if not reason.strip():
        problems["end_reason"] = MSG_END_REASON
    if problems:
        raise ValidationError({field: [message] for field, message in problems.items()})
    risk.ended_on = ended_on
    risk.end_reason = reason.strip()
    risk.save(update_fields=["ended_on", "end_reason", "updated_at"])
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        object_type="contextualrisk",
        object_id=risk.pk,
        child_pid=risk.child.pseudonymous_id,
        fields=["contextual_risks.ended_on", "contextual_risks.end_reason"],
        basis=basis,
        detail=f"contextual risk ended on {ended_on} (F-16)",
    )
    return risk
