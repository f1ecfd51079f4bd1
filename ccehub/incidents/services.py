"""Recording identifying incidents."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from ccehub.agencies.models import Agency, AgencyKind
from ccehub.audit.models import Action
from ccehub.audit.services import audit_record
from ccehub.children.models import CaseHolding, Child
from ccehub.children.services import _hold, check_can_write, check_incident_date
from ccehub.common.access import Actor
from ccehub.incidents.models import NON_ARREST_TYPES, IdentifyingIncident, IncidentType

MSG_ARRESTING_FORCE_KIND = "Arresting force must be a police force"
MSG_UNKNOWN_CODE = "Unknown {what} code {code!r}"


def _known_codes(kind: str) -> frozenset[str] | None:
    """Offence and indicator codes come from the triage rules' reference data."""
    try:
        if kind == "offence":
            from ccehub.rules.offences import offence_codes

            return frozenset(offence_codes())
        from ccehub.rules.indicators import indicator_codes

        return frozenset(indicator_codes())
    except ImportError:  # pragma: no cover - the rules package ships with the app
        return None


@transaction.atomic
def incident_record(
    *,
    actor: Actor,
    child: Child,
    occurred_at: datetime,
    incident_type: str,
    recording_agency: Agency | None = None,
    arresting_force: Agency | None = None,
    is_arrest: bool | None = None,
    offences: list[str] | None = None,
    indicators: list[str] | None = None,
    **values: Any,
) -> IdentifyingIncident:
    basis = check_can_write(actor, child)
    errors: dict[str, list[str]] = {}
    if incident_type not in IncidentType.values:
        errors["incident_type"] = [f"Unknown incident type {incident_type!r}; use one of: {', '.join(IncidentType.values)}"]
    if arresting_force is not None and arresting_force.kind != AgencyKind.POLICE_FORCE:
        errors["arresting_force"] = [MSG_ARRESTING_FORCE_KIND]
    for what, codes, field in (("offence", offences or [], "offences"), ("indicator", indicators or [], "indicators")):
        known = _known_codes(what)
        if known is not None:
            bad = [c for c in codes if c not in known]
            if bad:
                errors[field] = [MSG_UNKNOWN_CODE.format(what=what, code=bad[0])]
    if errors:
        raise ValidationError(errors)
    check_incident_date(child, occurred_at)
    if is_arrest is None:
        is_arrest = incident_type not in NON_ARREST_TYPES and incident_type != IncidentType.STOP_SEARCH
    recorder = recording_agency or actor.agency
    if recorder is None:
        raise ValidationError({"recording_agency": ["Say which agency recorded the incident"]})
    incident = IdentifyingIncident(
        child=child,
        occurred_at=occurred_at,
        incident_type=incident_type,
        is_arrest=is_arrest,
        recording_agency=recorder,
        arresting_force=arresting_force,
        offences=list(offences or []),
        indicators=list(indicators or []),
        recorded_by=actor.user if getattr(actor.user, "is_authenticated", False) else None,
        **values,
    )
    incident.full_clean()
    incident.save()
    _hold(child, recorder, CaseHolding.Basis.RECORDING_AGENCY)
    _hold(child, arresting_force, CaseHolding.Basis.ARRESTING_FORCE)
    audit_record(
        actor=actor,
        action=Action.CREATE,
        object_type="identifying_incident",
        object_id=incident.pk,
        child_pid=child.pseudonymous_id,
        fields=["incidents"],
        basis=basis,
    )
    return incident
