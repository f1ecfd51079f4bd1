"""Sharing a child's case with a CCE panel: the panel case, the basis for its members to see the
child (docs/data-protection.md). Opened by an NRM referral on the local route and by the home local
authority convening a crisis response (W-5); one open case per panel and child."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import IntegrityError, transaction

from ccehub.audit.models import Action
from ccehub.audit.services import audit_record
from ccehub.common.access import Actor
from ccehub.panels.models import PanelCase


def panel_case_share(
    *, actor: Actor, panel: Any, child: Any, shared_by: Any, on: date, reason: str, detail: str
) -> PanelCase:
    """The child's open case at ``panel`` (locked, so a chair closing it at the same moment waits), or
    one shared now, audited as a ``create`` of ``panel_case``. Two requests sharing at once meet the
    one-open-case constraint: the second takes the first's case."""
    open_cases = PanelCase.objects.select_for_update(of=("self",)).filter(
        panel=panel, child=child, closed_on__isnull=True
    )
    case = open_cases.first()
    if case is not None:
        return case
    try:
        with transaction.atomic():
            case = PanelCase.objects.create(
                panel=panel,
                child=child,
                shared_by=shared_by,
                shared_on=on,
                reason=reason,
                recorded_by=actor.user if getattr(actor.user, "is_authenticated", False) else None,
            )
    except IntegrityError:
        again = open_cases.first()
        if again is None:
            raise
        return again
    audit_record(
        actor=actor,
        action=Action.CREATE,
        object_type="panel_case",
        object_id=case.pk,
        child_pid=child.pseudonymous_id,
        fields=["panel_cases"],
        basis="new",
        detail=detail,
    )
    return case
