"""Writing audit rows. Call inside the transaction that reads or changes the data."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ccehub.audit.models import AuditEvent
from ccehub.common.access import Actor


def audit_event(
    *,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: Any = "",
    child_pid: str = "",
    fields: Iterable[str] = (),
    purpose: str | None = None,
    basis: str = "",
    detail: str = "",
) -> AuditEvent:
    """The row :func:`audit_record` writes, not yet written (for :func:`audit_records`)."""
    user = actor.user
    user_id = getattr(user, "pk", None) if getattr(user, "is_authenticated", False) else None
    membership = actor.membership
    return AuditEvent(
        user_id=user_id,
        username=actor.username[:150],
        agency_code=membership.agency.code if membership else "",
        role=membership.role if membership else ("system" if actor.system else ""),
        action=action,
        channel=actor.channel,
        object_type=object_type,
        object_id=str(object_id)[:64],
        child_pid=child_pid,
        fields=sorted(set(fields)),
        purpose=(purpose if purpose is not None else actor.purpose)[:300],
        basis=basis[:64],
        detail=detail[:500],
        origin=actor.origin[:200],
    )


def audit_record(
    *,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: Any = "",
    child_pid: str = "",
    fields: Iterable[str] = (),
    purpose: str | None = None,
    basis: str = "",
    detail: str = "",
) -> AuditEvent:
    event = audit_event(
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        child_pid=child_pid,
        fields=fields,
        purpose=purpose,
        basis=basis,
        detail=detail,
    )
    event.save(force_insert=True)
    return event


def audit_records(events: Iterable[AuditEvent]) -> list[AuditEvent]:
    """Write ``events`` (from :func:`audit_event`), in their order: the same rows as
    :func:`audit_record` one at a time, in one INSERT when there are several (a page that reads every
    child on a meeting's agenda). Only inserts, which the append-only table allows."""
    rows = list(events)
    if len(rows) == 1:
        rows[0].save(force_insert=True)
    elif rows:
        AuditEvent.objects.bulk_create(rows)
    return rows
