"""Telling a child's home agencies what another agency recorded (J-01 arrest, J-05 / R-32 missing).

The home local authority (children's social care) and the home police force are the agencies with
the duty to act for the child. When another agency records an arrest or a missing episode, they are
notified (``ccehub.notifications``: the dashboard, and an email to the duty mailbox with no identity
in it). Each holds the child again if its holding had ended, so that it can see what it must act on.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from ccehub.agencies.models import Agency
from ccehub.audit.models import Action
from ccehub.audit.services import audit_record
from ccehub.children.models import CaseHolding, Child
from ccehub.common.access import Actor


def agency_name(actor: Actor) -> str:
    return actor.agency.name if actor.agency is not None else "ccehub"


def when(moment: datetime | None) -> str:
    if moment is None:
        return "a time not recorded"
    local = timezone.localtime(moment)
    return f"{local:%H:%M} on {local:%-d %B %Y}"


def is_actors(actor: Actor, agency: Agency | None) -> bool:
    return agency is not None and actor.agency is not None and actor.agency.pk == agency.pk


def rehold_home_agency(*, actor: Actor, child: Child, agency: Agency, basis: str, why: str) -> None:
    """A home agency holds the child again if its holding had ended (audited, with ``why``): it is
    told because it must act, and it cannot act on a record it cannot see."""
    if CaseHolding.objects.current().filter(child=child, agency=agency).exists():
        return
    CaseHolding.objects.create(child=child, agency=agency, basis=basis)
    audit_record(
        actor=actor,
        action=Action.CREATE,
        object_type="case_holding",
        child_pid=child.pseudonymous_id,
        fields=["agency", "basis"],
        detail=f"{agency.code} holds the child again: {why}",
    )


def rehold_home_authority(*, actor: Actor, child: Child, home: Agency, why: str) -> None:
    rehold_home_agency(
        actor=actor, child=child, agency=home, basis=CaseHolding.Basis.HOME_LOCAL_AUTHORITY, why=why
    )


def notify_agency(
    *, actor: Actor, child: Child, agency: Agency, kind: str, text: str, link: str, about: tuple[str, object]
) -> None:
    from ccehub.notifications.services import notify

    notify(agency=agency, kind=kind, text=text, link=link, child=child, from_agency=actor.agency, about=about)
