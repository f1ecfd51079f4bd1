"""The crisis response (W-5's start): open it on a trigger, record the child's return to the home
area, the home local authority convening it, and its closing. Rules: :mod:`ccehub.rules.crisis`.

* Opened automatically when a triage decision's priority is ``crisis`` (the presumption applies,
  F-01) and when a child still missing reaches the crisis threshold (R-30); by hand, by a user of the
  child's home local authority or of a CCE panel that sees the child, for a concern before any arrest
  (R-22) or a placement in a new area. A child has one open response: a second trigger while one is
  open is kept on the audit log, not as a second response.
* The return to the home area may be recorded by anyone who may record on the child (the importing
  force, typically); convening and closing by the home local authority (the convenor) only.
* Every step is audited; the open response is listed on the convenor's dashboard until convened.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from ccehub.audit.models import Action
from ccehub.audit.services import audit_record
from ccehub.children.models import Child
from ccehub.children.services import check_can_write
from ccehub.common.access import Actor
from ccehub.panels.models import CrisisResponse
from ccehub.rules.crisis import Trigger, step_problems

MSG_CONVENOR_ONLY = "Only the child's home local authority convenes or closes the crisis response (R-49)"
MSG_OPEN_WHO = "Only the child's home local authority or a CCE panel opens a crisis response by hand"
MSG_MANUAL_TRIGGERS = (Trigger.PRE_ARREST_CONCERN, Trigger.NEW_AREA_PLACEMENT)


def convenor_of(response: CrisisResponse) -> Any:
    """The home local authority that convenes: the one recorded when it opened, or the child's home
    authority recorded since (a child first recorded as "Unknown")."""
    return response.convenor or response.child.home_local_authority


def crisis_close_with_panel_case(*, actor: Actor, child: Child, on: date) -> None:
    """W-5: the panel case closes (after phase 3, with the panel's approval): so does a convened
    crisis response."""
    response = open_response(child)
    if response is None or response.convened_on is None:
        return
    response.closed_on = max(on, response.convened_on)
    response.close_note = "Closed with the panel case"
    response.save(update_fields=["closed_on", "close_note", "updated_at"])
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        object_type="crisis_response",
        object_id=response.pk,
        child_pid=child.pseudonymous_id,
        fields=["crisis_responses.closed_on"],
        detail=f"closed with the panel case on {response.closed_on} (W-5)",
    )


def open_response(child: Child) -> CrisisResponse | None:
    return CrisisResponse.objects.filter(child=child, closed_on__isnull=True).first()


def crisis_open(
    *, actor: Actor, child: Child, trigger: str, on: date, source: tuple[str, Any] | None = None
) -> CrisisResponse:
    """Open the child's crisis response, or return the one already open (the trigger is audited)."""
    if trigger not in set(Trigger):
        raise ValidationError({"trigger": [f"Unknown trigger {trigger!r}"]})
    if not actor.system:
        check_can_write(actor, child)
    if source is not None:
        earlier = CrisisResponse.objects.filter(
            child=child, source_type=source[0], source_id=str(source[1])
        ).first()
        if earlier is not None:
            return earlier  # the same trigger again (a re-triage): never a second response, nor a reopening
    existing = open_response(child)
    if existing is not None:
        audit_record(
            actor=actor,
            action=Action.UPDATE,
            object_type="crisis_response",
            object_id=existing.pk,
            child_pid=child.pseudonymous_id,
            detail=f"another trigger while open: {trigger} on {on} (W-5)",
        )
        return existing
    try:
        with transaction.atomic():
            response = CrisisResponse.objects.create(
                child=child,
                convenor=child.home_local_authority,
                trigger=trigger,
                triggered_on=on,
                source_type=source[0] if source else "",
                source_id=str(source[1]) if source else "",
                opened_by_name=actor.username[:150],
            )
    except IntegrityError:  # opened at the same moment by another request
        again = open_response(child)
        if again is None:
            raise
        return again
    audit_record(
        actor=actor,
        action=Action.CREATE,
        object_type="crisis_response",
        object_id=response.pk,
        child_pid=child.pseudonymous_id,
        fields=["crisis_responses"],
        detail=f"triggered: {trigger} on {on} (W-5)",
    )
    return response


def crisis_open_by_hand(*, actor: Actor, child: Child, trigger: str, on: date) -> CrisisResponse:
    """A user of the home local authority, or of a CCE panel that may record on the child, opens the
    response for a concern before any arrest (R-22) or a placement in a new area."""
    from ccehub.agencies.models import AgencyKind

    check_can_write(actor, child)
    agency = actor.agency
    home = child.home_local_authority
    if not actor.system and not (
        agency is not None
        and ((home is not None and agency.pk == home.pk) or agency.kind == AgencyKind.CCE_PANEL)
    ):
        raise PermissionDenied(MSG_OPEN_WHO)
    if trigger not in MSG_MANUAL_TRIGGERS:
        raise ValidationError(
            {"trigger": ["Choose a concern before any arrest, or a placement in a new area"]}
        )
    if on > timezone.localdate():
        raise ValidationError({"on": ["The date cannot be in the future"]})
    return crisis_open(actor=actor, child=child, trigger=trigger, on=on)


@transaction.atomic
def crisis_step(
    *, actor: Actor, response: CrisisResponse, step: str, on: date, note: str = ""
) -> CrisisResponse:
    """Record ``returned`` (the child is back in the home area), ``convened`` or ``closed``."""
    # "of self": PostgreSQL refuses FOR UPDATE on the nullable side of the convenor's outer join
    response = (
        CrisisResponse.objects.select_for_update(of=("self",))
        .select_related("child", "convenor")
        .get(pk=response.pk)
    )
    basis = check_can_write(actor, response.child)
    if step in ("convened", "closed") and not actor.system:
        convenor = convenor_of(response)
        if convenor is None or actor.agency is None or actor.agency.pk != convenor.pk:
            raise PermissionDenied(MSG_CONVENOR_ONLY)
    if step not in ("returned", "convened", "closed"):
        raise ValidationError({"step": [f"Unknown step {step!r}"]})
    problems = step_problems(
        step=step,
        on=on,
        today=timezone.localdate(),
        triggered_on=response.triggered_on,
        returned_on=response.returned_home_on,
        convened_on=response.convened_on,
        closed_on=response.closed_on,
        note=note,
    )
    if problems:
        raise ValidationError({k: [v] for k, v in problems.items()})
    field = {"returned": "returned_home_on", "convened": "convened_on", "closed": "closed_on"}[step]
    setattr(response, field, on)
    fields = [field, "updated_at"]
    if step == "closed":
        response.close_note = note.strip()
        fields.append("close_note")
    response.save(update_fields=fields)
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        object_type="crisis_response",
        object_id=response.pk,
        child_pid=response.child.pseudonymous_id,
        fields=[f"crisis_responses.{field}"],
        basis=basis,
        detail=f"{step} on {on} (W-5)",
    )
    return response
