"""The crisis response (W-5's start): open it on a trigger, record the child's return to the home
area, the home local authority convening it, and its closing. Rules: :mod:`ccehub.rules.crisis`.

* Opened automatically when a triage decision's priority is ``crisis`` (the presumption applies,
  F-01), when a child still missing reaches the crisis threshold (R-30), and when the home authority
  records a placement in a new area for a child at high risk (``ccehub.children.placements``); by hand, by a user of the
  child's home local authority or of a CCE panel that sees the child, for a concern before any arrest
  (R-22) or a placement in a new area. A child has one open response: a second trigger while one is
  open is kept on the audit log, not as a second response.
* The return to the home area may be recorded by anyone who may record on the child (the importing
  force, typically); convening and closing by the home local authority (the convenor) only.
* Convening lists the response at the CCE panel that covers the convenor (W-5: "listed at the CCE
  panel"): the child's panel case there, opened now if none is open (the convenor shares the case,
  the basis for the panel's members to see the child), and the panel is told. The panel then runs
  the phases: phase 1, the exit window, until it agrees a joint plan. A listed response closes with
  its panel case; one convened where no panel covers the convenor is closed by the convenor. A
  response convened before the child's case reached the panel is listed when an NRM referral opens
  the case there (:func:`crisis_list_on_case`).
* Every step is audited; the open response is listed on the convenor's dashboard until convened.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from ccehub.audit.models import Action
from ccehub.audit.services import audit_record
from ccehub.children.models import Child
from ccehub.children.services import check_can_write
from ccehub.common.access import Actor
from ccehub.panels.areas import panel_covering
from ccehub.panels.models import CrisisResponse, PanelCase
from ccehub.panels.sharing import panel_case_share
from ccehub.rules.crisis import Trigger, step_problems

MSG_CONVENOR_ONLY = "Only the child's home local authority convenes or closes the crisis response (R-49)"
MSG_OPEN_WHO = "Only the child's home local authority or a CCE panel opens a crisis response by hand"
MSG_MANUAL_TRIGGERS = (Trigger.PRE_ARREST_CONCERN, Trigger.NEW_AREA_PLACEMENT)


def convenor_of(response: CrisisResponse) -> Any:
    """The home local authority that convenes: the one recorded when it opened, or the child's home
    authority recorded since (a child first recorded as "Unknown")."""
    return response.convenor or response.child.home_local_authority


def is_listed(response: CrisisResponse) -> bool:
    """Listed at a CCE panel: linked to a panel case that is still open (a case closed in a race with
    the listing leaves the response to its convenor, rather than open for ever)."""
    case = response.panel_case if response.panel_case_id is not None else None
    return case is not None and case.closed_on is None


def _list_at_panel(*, actor: Actor, response: CrisisResponse) -> PanelCase | None:
    """W-5: a convened response is listed at the CCE panel covering its convenor: the child's open
    case there (locked, so a chair closing it at the same moment closes the response too), or a case
    the convenor shares now, dated today. The panel is told (dashboard and duty mailbox)."""
    convenor = convenor_of(response)
    panel = panel_covering(convenor)
    if panel is None:
        return None
    case = panel_case_share(
        actor=actor,
        panel=panel,
        child=response.child,
        shared_by=convenor,
        on=timezone.localdate(),
        reason=f"Crisis response convened by {convenor.name} (W-5)",
        detail=f"case shared with {panel.code} by {convenor.code}: crisis response convened (W-5)",
    )
    _link(actor=actor, response=response, case=case)
    return case


def _link(*, actor: Actor, response: CrisisResponse, case: PanelCase) -> None:
    """Record where the response is listed, audit it and tell the panel (no identity in the text)."""
    from ccehub.notifications.models import Notification
    from ccehub.notifications.services import notify

    response.panel_case = case
    response.save(update_fields=["panel_case", "updated_at"])
    child = response.child
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        object_type="crisis_response",
        object_id=response.pk,
        child_pid=child.pseudonymous_id,
        fields=["crisis_responses.panel_case"],
        detail=f"listed at {case.panel.code}, panel case {case.pk} (W-5)",
    )
    convenor = convenor_of(response)
    convened = f"{response.convened_on:%-d %B %Y}" if response.convened_on else "an earlier date"
    notify(
        agency=case.panel,
        kind=Notification.Kind.CRISIS_LISTED,
        text=(
            f"Crisis response for {child.pseudonymous_id} convened by "
            f"{convenor.name if convenor else 'the home local authority'} on {convened}: listed at the "
            "panel (W-5 phase 1, the exit window, until a joint plan is agreed)"
        ),
        link=reverse("panels:case", args=[case.pk]),
        child=child,
        from_agency=convenor,
        about=("crisis_response", response.pk),
    )


def crisis_list_on_case(*, actor: Actor, case: PanelCase) -> None:
    """An NRM referral opened (or joined) the child's panel case: a response convened but listed
    nowhere yet, whose convenor that panel covers, is listed there."""
    response = (
        CrisisResponse.objects.select_for_update(of=("self",))
        .select_related("child", "convenor", "panel_case")
        .filter(child=case.child, closed_on__isnull=True)
        .first()
    )
    if response is None or response.convened_on is None or is_listed(response):
        return
    panel = panel_covering(convenor_of(response))
    if panel is not None and panel.pk == case.panel_id:
        _link(actor=actor, response=response, case=case)


def crisis_close_with_panel_case(*, actor: Actor, case: PanelCase, on: date) -> None:
    """W-5: the panel case closes (after phase 3, with the panel's approval): so does the crisis
    response listed at it."""
    response = CrisisResponse.objects.filter(panel_case=case, closed_on__isnull=True).first()
    if response is None or response.convened_on is None:
        return
    closed_on = max(on, response.convened_on)
    _close(
        actor=actor,
        response=response,
        child=case.child,
        on=closed_on,
        note="Closed with the panel case",
        detail=f"closed with the panel case on {closed_on} (W-5)",
    )


def _close(*, actor: Actor, response: CrisisResponse, child: Child, on: date, note: str, detail: str) -> None:
    """Close ``response`` on ``on`` with ``note`` (not by its convenor's hand), audited."""
    response.closed_on = on
    response.close_note = note
    response.save(update_fields=["closed_on", "close_note", "updated_at"])
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        object_type="crisis_response",
        object_id=response.pk,
        child_pid=child.pseudonymous_id,
        fields=["crisis_responses.closed_on"],
        detail=detail,
    )


MSG_REBUTTED = "The presumption was rebutted: clear evidence that the child is not exploited (R-25)"


def crisis_close_on_rebuttal(
    *, actor: Actor, child: Child, incident_id: Any, on: date
) -> CrisisResponse | None:
    """R-25: an approved rebuttal lifts the presumption that opened the response (F-01). A response
    not yet convened closes, with the reason; one convened is the panel's, which is told on the
    audit log and decides (a rebuttal of the presumption does not end the panel's work by itself)."""
    response = (
        CrisisResponse.objects.select_for_update(of=("self",))
        .filter(
            child=child,
            closed_on__isnull=True,
            source_type="identifying_incident",
            source_id=str(incident_id),
        )
        .first()
    )
    if response is None:
        return None
    if response.convened_on is not None:
        audit_record(
            actor=actor,
            action=Action.UPDATE,
            object_type="crisis_response",
            object_id=response.pk,
            child_pid=child.pseudonymous_id,
            detail=f"presumption rebutted on {on}; convened, so it stays open for the panel (R-25, W-5)",
        )
        return response
    closed_on = max(on, response.triggered_on, response.returned_home_on or response.triggered_on)
    _close(
        actor=actor,
        response=response,
        child=child,
        on=closed_on,
        note=MSG_REBUTTED,
        detail=f"closed on {closed_on}: presumption rebutted (R-25)",
    )
    return response


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
        .select_related("child", "convenor", "panel_case")
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
        listed=is_listed(response),
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
    if step == "convened":
        _list_at_panel(actor=actor, response=response)
    return response
