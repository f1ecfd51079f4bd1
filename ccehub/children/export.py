"""A child's record as JSON, exactly as the actor may see it (identity only where allowed)."""

from __future__ import annotations

from typing import Any

from django.forms.models import model_to_dict

from ccehub.audit.models import Action
from ccehub.children.selectors import ChildRecord, child_get
from ccehub.common.access import Actor

#: Free-text fields that may identify a child; analysts never receive them.
FREE_TEXT = {"summary", "notes", "source_note", "place", "postcode", "actions", "reason", "status_reason",
             "restraint_justification", "detail", "rationale", "found_location", "end_reason"}
INTERNAL = {"id", "child", "created_at", "updated_at", "recorded_by"}


def _row(obj: Any, pseudonymised: bool) -> dict[str, Any]:
    data = model_to_dict(obj)
    data = {k: v for k, v in data.items() if k not in INTERNAL}
    if pseudonymised:
        data = {k: v for k, v in data.items() if k not in FREE_TEXT}
    for key, value in list(data.items()):
        if hasattr(value, "pk"):
            data[key] = str(value.pk)
    return data


def record_to_dict(record: ChildRecord) -> dict[str, Any]:
    child = record.child
    out: dict[str, Any] = {
        "child": {
            "pseudonymous_id": child.pseudonymous_id,
            "display_pseudonym": child.display_pseudonym,
            "sex": child.sex,
            "home_local_authority": child.home_local_authority.code if child.home_local_authority else None,
            "home_police_force": child.home_police_force.code if child.home_police_force else None,
            "risk_level": child.risk_level,
            "looked_after": child.looked_after,
        },
        "access_basis": record.basis,
        "pseudonymised": record.pseudonymised,
        "vulnerabilities": record.vulnerabilities,
    }
    if record.identity is not None:
        identity = record.identity
        out["identity"] = {
            "given_name": identity.given_name,
            "family_name": identity.family_name,
            "date_of_birth": identity.date_of_birth.isoformat() if identity.date_of_birth else None,
            "aliases": [f"{a.given_name} {a.family_name}".strip() for a in identity.aliases.all()],
            "postcodes": [a.postcode for a in identity.addresses.all()],
            "ethnicity_ic_code": identity.ethnicity_ic_code,
            "nhs_number": identity.nhs_number,
        }
    for key, items in record.related.items():
        out[key] = [_row(item, record.pseudonymised) for item in items]
    return out


def child_export(*, actor: Actor, pid: str) -> dict[str, Any]:
    record = child_get(actor=actor, pid=pid, action=Action.EXPORT)
    return record_to_dict(record)
