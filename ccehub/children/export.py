"""A child's record as JSON, exactly as the actor may see it (identity only where allowed)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import ForeignKey
from django.forms.models import model_to_dict

from ccehub.audit.models import Action
from ccehub.children.selectors import ChildRecord, child_get
from ccehub.common.access import Actor

INTERNAL = {"id", "child", "created_at", "updated_at", "recorded_by", "request_key", "request_hash"}
#: JSON fields that hold only reference codes or numbers, and so may reach a pseudonymised viewer.
SAFE_JSON = {"offences", "indicators", "co_present_ages"}
#: Figures a pseudonymised reader does not get: an exact sum, with its day and force, can be matched
#: to a press release or a court report (a drug debt's amount, F-31).
PSEUDONYMISED_WITHHELD = {"amount_pounds"}
#: Derived fields that would reveal a date of birth when combined with an incident date.
DOB_REVEALING = {"days_until_18"}


def _pseudonymised_field_ok(field: Any) -> bool:
    """An allow-list, not a deny-list: a new free-text field stays hidden until someone decides."""
    from django.db import models

    if field.name in PSEUDONYMISED_WITHHELD:
        return False
    if isinstance(field, models.JSONField):
        return field.name in SAFE_JSON
    if isinstance(field, models.TextField):
        return False
    if isinstance(field, models.CharField):
        return bool(field.choices)  # codes only; free text may name people and places
    if isinstance(field, models.ForeignKey):
        return field.related_model._meta.label in {"agencies.Agency"}  # not people (users)
    return isinstance(
        field,
        models.BooleanField
        | models.IntegerField
        | models.DecimalField
        | models.FloatField
        | models.DateField,
    )


def _row(obj: Any, pseudonymised: bool, *, staff_withheld: str | None = None) -> dict[str, Any]:
    """``obj`` as JSON-ready values; a reference to a person is their username, or ``staff_withheld``
    in its place when given (a subject-access response withholds staff names unless asked)."""
    data = model_to_dict(obj)
    if pseudonymised:
        allowed = {f.name for f in obj._meta.concrete_fields if _pseudonymised_field_ok(f)}
        data = {k: v for k, v in data.items() if k in allowed}
    data = {k: v for k, v in data.items() if k not in INTERNAL}
    foreign = {f.name: f.related_model for f in obj._meta.concrete_fields if isinstance(f, ForeignKey)}
    user_model = get_user_model()
    for key, value in list(data.items()):
        related = foreign.get(key)
        if related is not None and related._meta.label == "agencies.Agency":
            # The agency's code, as for the child's home areas (a UUID means nothing to a reader).
            agency = getattr(obj, key)
            data[key] = agency.code if agency is not None else None
        elif related is user_model:
            # The person's username, not a database id (only identified readers get here: the
            # pseudonymised allow-list drops every foreign key to a person).
            person = getattr(obj, key)
            if person is None:
                data[key] = None
            else:
                data[key] = staff_withheld if staff_withheld is not None else person.get_username()
        elif hasattr(value, "pk"):
            data[key] = str(value.pk)
    return data


def _decision_row(decision: Any, pseudonymised: bool, staff_withheld: str | None) -> dict[str, Any]:
    """A decision; a conclusive-grounds one says its standard of proof (R-11)."""
    from ccehub.nrm.models import STANDARD_OF_PROOF, DecisionStage

    row = _row(decision, pseudonymised, staff_withheld=staff_withheld)
    if decision.stage == DecisionStage.CONCLUSIVE_GROUNDS:
        row["standard_of_proof"] = STANDARD_OF_PROOF
    return row


def _nrm_rows(
    referrals: list[Any], pseudonymised: bool, *, staff_withheld: str | None = None
) -> list[dict[str, Any]]:
    """Each referral with its RG and CG decisions (stage, outcome, date, decision maker and agency)."""
    rows = []
    for referral in referrals:
        row = _row(referral, pseudonymised, staff_withheld=staff_withheld)
        row["decisions"] = [
            _decision_row(decision, pseudonymised, staff_withheld) for decision in referral.decisions.all()
        ]
        rows.append(row)
    return rows


def record_to_dict(record: ChildRecord, *, staff_withheld: str | None = None) -> dict[str, Any]:
    """The record as JSON. ``staff_withheld``: put in place of every staff username (a reference to a
    person: who resolved a conflict, who reassessed a placement plan)."""
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
        if key == "nrm_referrals":
            out[key] = _nrm_rows(items, record.pseudonymised, staff_withheld=staff_withheld)
        else:
            out[key] = [_row(item, record.pseudonymised, staff_withheld=staff_withheld) for item in items]
    if record.pseudonymised and "triage_decisions" in record.related:
        # Categories only: the rules' input holds the date of birth, and days-until-18 or the reasons
        # (which quote dates) would let anyone work it back out.
        for row, decision in zip(out["triage_decisions"], record.related["triage_decisions"], strict=True):
            outputs = getattr(decision, "outputs", None) or {}
            row["outcome"] = {
                key: outputs.get(key)
                for key in (
                    "presumption",
                    "priority",
                    "panel_eligible",
                    "section45",
                    "policy",
                    "rule_version",
                )
            }
            row["outcome"]["age_years"] = outputs.get("age_years")
            row["outcome"]["actions"] = [a.get("code") for a in outputs.get("actions", [])]
    return out


MSG_EXPORT_PURPOSE = "Say why the record is exported (the purpose is audited)"


def child_export(*, actor: Actor, pid: str) -> dict[str, Any]:
    """Raises ``ValidationError`` for a blank purpose and ``ChildNotFound`` (audited) on refusal."""
    if not (actor.purpose or "").strip():
        raise ValidationError({"purpose": [MSG_EXPORT_PURPOSE]})
    record = child_get(actor=actor, pid=pid, action=Action.EXPORT)
    return record_to_dict(record)
