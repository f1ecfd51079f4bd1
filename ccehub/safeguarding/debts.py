"""E-25, F-31, the debt-risk register: drug debts that put a child at risk of violence and
re-exploitation (R-39), recorded by an agency that may record on the child; the safety plan made for
each; and when it is cleared. A debt with neither raises the early warning
(:mod:`ccehub.rules.triggers`). Who is owed and the plan are free text (they can name people): shown
to those who see the record in full, left out of pseudonymised views, exports and the audit log.
Audited (``debtrisk``).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Final

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from ccehub.audit.models import Action
from ccehub.audit.services import audit_record
from ccehub.children.models import Child, Identity
from ccehub.children.services import check_can_write
from ccehub.common.access import Actor
from ccehub.common.models import TriState
from ccehub.safeguarding.models import DebtRisk

MSG_CAUSE: Final = "Choose what the debt came from"
MSG_FUTURE: Final = "The date cannot be in the future"
MSG_BEFORE_BIRTH: Final = "The date cannot be before the child was born"
MSG_AMOUNT: Final = "The amount cannot be negative"
MSG_ARREST: Final = "Choose one of the child's arrests, or none"
MSG_AGENCY: Final = "A debt is recorded by an agency: act as a member of one"
MSG_PLAN: Final = "Say what the safety plan is"
MSG_PLAN_SET: Final = "A safety plan is already recorded for this debt"
MSG_BEFORE_KNOWN: Final = "The date cannot be before the debt became known"
MSG_CLEARED: Final = "This debt was already recorded as cleared on {day}"
MSG_CLEAR_REASON: Final = "Say why it is no longer a risk (paid, written off, or recorded in error)"


def _check_day(on: date, child: Child, field: str, problems: dict[str, str]) -> None:
    if on > timezone.localdate():
        problems[field] = MSG_FUTURE
        return
    born = Identity.objects.filter(child=child).values_list("date_of_birth", flat=True).first()
    if born is not None and on < born:
        problems[field] = MSG_BEFORE_BIRTH


@transaction.atomic
def debt_record(
    *,
    actor: Actor,
    child: Child,
    cause: str,
    known_on: date,
    amount_pounds: Decimal | None = None,
    threats: str = TriState.NOT_RECORDED,
    arrest_id: object = None,
    description: str = "",
    request_key: str = "",
) -> DebtRisk:
    """Record a drug debt (an agency that may record on the child)."""
    from ccehub.justice.models import Arrest

    basis = check_can_write(actor, child)
    if actor.agency is None:
        raise PermissionDenied(MSG_AGENCY)
    problems: dict[str, str] = {}
    if cause not in DebtRisk.Cause.values:
        problems["cause"] = MSG_CAUSE
    _check_day(known_on, child, "known_on", problems)
    if amount_pounds is not None and amount_pounds < 0:
        problems["amount_pounds"] = MSG_AMOUNT
    if threats not in TriState.values:
        problems["threats"] = "Choose whether threats are recorded"
    arrest = None
    if arrest_id not in (None, ""):
        arrest = Arrest.objects.filter(child=child, pk=arrest_id).first()
        if arrest is None:
            problems["arrest"] = MSG_ARREST
    if problems:
        raise ValidationError({field: [message] for field, message in problems.items()})
    debt = DebtRisk(
        child=child,
        cause=cause,
        known_on=known_on,
        amount_pounds=amount_pounds,
        threats=threats,
        arrest=arrest,
        description=description.strip(),
        agency=actor.agency,
        recorded_by=actor.user if getattr(actor.user, "pk", None) is not None else None,
        request_key=request_key,
    )
    debt.full_clean()
    debt.save()
    audit_record(
        actor=actor,
        action=Action.CREATE,
        object_type="debtrisk",
        object_id=debt.pk,
        child_pid=child.pseudonymous_id,
        fields=["debt_risks"],
        basis=basis,
        detail=f"drug debt known on {known_on}: {cause} (R-39, F-31)",
    )
    return debt


def _locked(debt: DebtRisk) -> DebtRisk:
    return DebtRisk.objects.select_for_update(of=("self",)).select_related("child").get(pk=debt.pk)


@transaction.atomic
def debt_safety_plan(*, actor: Actor, debt: DebtRisk, on: date, plan: str) -> DebtRisk:
    """Record the safety plan made for the debt (R-39): it answers the early warning."""
    debt = _locked(debt)
    basis = check_can_write(actor, debt.child)
    problems: dict[str, str] = {}
    if debt.cleared_on is not None:
        problems["safety_plan_on"] = MSG_CLEARED.format(day=f"{debt.cleared_on:%-d %B %Y}")
    elif debt.safety_plan_on is not None:
        problems["safety_plan_on"] = MSG_PLAN_SET
    elif on > timezone.localdate():
        problems["safety_plan_on"] = MSG_FUTURE
    elif on < debt.known_on:
        problems["safety_plan_on"] = MSG_BEFORE_KNOWN
    if not plan.strip():
        problems["safety_plan"] = MSG_PLAN
    if problems:
        raise ValidationError({field: [message] for field, message in problems.items()})
    debt.safety_plan_on = on
    debt.safety_plan = plan.strip()
    debt.save(update_fields=["safety_plan_on", "safety_plan", "updated_at"])
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        object_type="debtrisk",
        object_id=debt.pk,
        child_pid=debt.child.pseudonymous_id,
        fields=["debt_risks.safety_plan_on", "debt_risks.safety_plan"],
        basis=basis,
        detail=f"safety plan for a drug debt made on {on} (R-39)",
    )
    return debt


@transaction.atomic
def debt_clear(*, actor: Actor, debt: DebtRisk, on: date, reason: str) -> DebtRisk:
    """Record that the debt is no longer a risk (paid, written off, recorded in error), and why. The
    row stays as history."""
    debt = _locked(debt)
    basis = check_can_write(actor, debt.child)
    problems: dict[str, str] = {}
    if debt.cleared_on is not None:
        problems["cleared_on"] = MSG_CLEARED.format(day=f"{debt.cleared_on:%-d %B %Y}")
    elif on > timezone.localdate():
        problems["cleared_on"] = MSG_FUTURE
    elif on < debt.known_on:
        problems["cleared_on"] = MSG_BEFORE_KNOWN
    if not reason.strip():
        problems["cleared_reason"] = MSG_CLEAR_REASON
    if problems:
        raise ValidationError({field: [message] for field, message in problems.items()})
    debt.cleared_on = on
    debt.cleared_reason = reason.strip()
    debt.save(update_fields=["cleared_on", "cleared_reason", "updated_at"])
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        object_type="debtrisk",
        object_id=debt.pk,
        child_pid=debt.child.pseudonymous_id,
        fields=["debt_risks.cleared_on", "debt_risks.cleared_reason"],
        basis=basis,
        detail=f"drug debt cleared on {on} (R-39)",
    )
    return debt


def incident_debts_not_registered(child: Child, debts: list[DebtRisk]) -> list[date]:
    """The days of the child's incidents at which a seizure or debt was recorded and whose triage's
    safety-plan action is outstanding, with no debt in the register known on or after that day
    (R-39, J-06): they raise the early warning until the debt is entered here."""
    from ccehub.incidents.models import ActionStatus, TriageAction
    from ccehub.rules.actions import ActionCode

    days = []
    for at in (
        TriageAction.objects.filter(
            decision__child=child,
            decision__superseded_by__isnull=True,
            code=ActionCode.DEBT_SAFETY_PLAN,
            status__in=[ActionStatus.OPEN, ActionStatus.ACCEPTED],
        )
        .order_by("decision__incident__occurred_at")
        .values_list("decision__incident__occurred_at", flat=True)
    ):
        on = timezone.localtime(at).date() if timezone.is_aware(at) else at.date()
        if not any(d.known_on >= on for d in debts):
            days.append(on)
    return days
