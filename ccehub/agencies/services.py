"""Writes about agencies, memberships and data-sharing agreements (validate, change, audit)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.text import slugify

from ccehub.agencies import reference
from ccehub.agencies.models import Agency, AgencyKind, DataSharingAgreement, Membership
from ccehub.agencies.permissions import role_allowed_in
from ccehub.audit.models import Action
from ccehub.audit.services import audit_record
from ccehub.common.access import Actor

MSG_SELF_CHANGE = "You cannot change your own role, agency or groups; ask another administrator"
MSG_NOT_ADMIN = "Only an administrator can change memberships"
MSG_OTHER_AGENCY = "An agency's administrator can manage memberships of their own agency only"
MSG_ROLE_NOT_IN_AGENCY = "That role does not exist in this kind of agency"
MSG_AGENCY_CODE = "Agency code must be 2 to 64 letters, digits, hyphens or underscores"
MSG_AGENCY_KIND = "Unknown agency kind"
MSG_AGENCY_EXISTS = "An agency with this code already exists"
MSG_TOO_LONG = "{what} must be {limit} characters or fewer"
MSG_ONS_CODE = "ONS code {value!r} is not {what}"
MSG_ONS_CODE_HELD = "ONS code {value} is already held by {name} ({code})"

#: ONS (GSS) area codes by agency kind: a letter for the country and eight digits, with the entity
#: prefix that kind of area has. Children's services are upper-tier: unitary (E06), metropolitan
#: district (E08), London borough (E09), county (E10) and Welsh principal area (W06); a shire district
#: (E07) is not a children's services authority. Police force areas are E23 (England) and W15 (Wales).
ONS_CODE_PATTERNS: dict[str, tuple[re.Pattern[str], str]] = {
    AgencyKind.LA_CHILDRENS_SERVICES: (
        re.compile(r"^(E06|E08|E09|E10|W06)\d{6}$"),
        "a children's services authority's code (E06, E08, E09, E10 or W06 and six digits, e.g. E09000019)",
    ),
    AgencyKind.POLICE_FORCE: (
        re.compile(r"^(E23|W15)\d{6}$"),
        "a police force area's code (E23 or W15 and six digits, e.g. E23000001)",
    ),
}
ANY_ONS_CODE = (re.compile(r"^[EWSNK]\d{8}$"), "an ONS area code (a letter E, W, S, N or K and eight digits)")


def normalise_ons_code(value: str, kind: str) -> str:
    """Upper-cased and checked against the kind's ONS entity codes; '' stays ''."""
    code = (value or "").strip().upper()
    if not code:
        return ""
    pattern, what = ONS_CODE_PATTERNS.get(kind, ANY_ONS_CODE)
    if not pattern.match(code):
        raise ValidationError({"ons_code": [MSG_ONS_CODE.format(value=value.strip(), what=what)]})
    return code


MSG_DSA_DATES = "The agreement must expire on or after the day it starts"
MSG_DSA_SAME = "An agreement needs two different agencies"
MSG_DSA_PURPOSE = "Enter the purpose of the agreement"
MSG_DSA_LEGAL_BASIS = "Enter the lawful basis for sharing"
MSG_DSA_CHILD_NOT_HELD = "The providing agency holds no records on this child"

#: Friendly spellings accepted on the command line.
KIND_ALIASES: dict[str, str] = {
    "police": AgencyKind.POLICE_FORCE,
    "force": AgencyKind.POLICE_FORCE,
    "la": AgencyKind.LA_CHILDRENS_SERVICES,
    "local_authority": AgencyKind.LA_CHILDRENS_SERVICES,
    "childrens_services": AgencyKind.LA_CHILDRENS_SERVICES,
    "yot": AgencyKind.YOUTH_OFFENDING_TEAM,
    "youth_justice": AgencyKind.YOUTH_OFFENDING_TEAM,
    "sca": AgencyKind.HOME_OFFICE_SCA,
    "home_office": AgencyKind.HOME_OFFICE_SCA,
    "panel": AgencyKind.CCE_PANEL,
    "local_panel": AgencyKind.CCE_PANEL,
    "childrens_social_care": AgencyKind.LA_CHILDRENS_SERVICES,
    "children_services": AgencyKind.LA_CHILDRENS_SERVICES,
    "social_care": AgencyKind.LA_CHILDRENS_SERVICES,
    "csc": AgencyKind.LA_CHILDRENS_SERVICES,
    "youth_justice_service": AgencyKind.YOUTH_OFFENDING_TEAM,
    "nhs": AgencyKind.HEALTH,
}

_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{1,63}$")


def la_code(name: str) -> str:
    """Our agency code for a local authority's children's services, e.g. ``la-islington``."""
    return "la-" + slugify(name.replace(",", ""))


def normalise_kind(kind: str) -> str:
    value = kind.strip().lower().replace("-", "_").replace(" ", "_")
    value = KIND_ALIASES.get(value, value)
    if value not in AgencyKind.values:
        raise ValidationError(
            {"kind": [f"{MSG_AGENCY_KIND} {kind!r}; use one of: {', '.join(AgencyKind.values)}"]}
        )
    return value


@transaction.atomic
def agency_create(*, actor: Actor, code: str, name: str, kind: str, **extra: Any) -> Agency:
    # Kept as written (an agency's own code appears in look-up results); unique regardless of case.
    code = code.strip()
    errors: dict[str, list[str]] = {}
    if not _CODE_RE.match(code):
        errors["code"] = [MSG_AGENCY_CODE]
    if not name.strip():
        errors["name"] = ["Enter the agency's name"]
    # The columns' lengths: PostgreSQL refuses a longer value with an error, SQLite stores it.
    name_max = Agency._meta.get_field("name").max_length
    if len(name.strip()) > name_max:
        errors["name"] = [MSG_TOO_LONG.format(what="The agency's name", limit=name_max)]
    contact_max = Agency._meta.get_field("out_of_hours_contact").max_length
    if len(str(extra.get("out_of_hours_contact") or "")) > contact_max:
        errors["out_of_hours_contact"] = [
            MSG_TOO_LONG.format(what="The out-of-hours contact", limit=contact_max)
        ]
    if extra.get("duty_email"):
        try:
            extra["duty_email"] = clean_duty_email(str(extra["duty_email"]))
        except ValidationError as exc:
            errors.update(exc.message_dict)
    try:
        kind = normalise_kind(kind)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    else:
        try:
            extra["ons_code"] = normalise_ons_code(str(extra.get("ons_code") or ""), kind)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    if Agency.objects.filter(code__iexact=code).exists():
        raise ValidationError({"code": [MSG_AGENCY_EXISTS]})
    if extra.get("ons_code"):
        # An ONS code names one area: two agencies holding it would make look-ups by area ambiguous.
        holder = Agency.objects.filter(ons_code=extra["ons_code"]).order_by("code").first()
        if holder is not None:
            raise ValidationError(
                {
                    "ons_code": [
                        MSG_ONS_CODE_HELD.format(value=extra["ons_code"], name=holder.name, code=holder.code)
                    ]
                }
            )
    agency = Agency.objects.create(code=code, name=name.strip(), kind=kind, **extra)
    audit_record(
        actor=actor,
        action=Action.CREATE,
        object_type="agency",
        object_id=agency.code,
        fields=["code", "name", "kind"],
    )
    return agency


MSG_DUTY_EMAIL = "The duty mailbox must be an email address, like mash@camden.gov.uk"


def clean_duty_email(value: str) -> str:
    from django.core.validators import validate_email

    value = value.strip()
    if value:
        try:
            validate_email(value)
        except ValidationError:
            raise ValidationError({"duty_email": [MSG_DUTY_EMAIL]}) from None
    return value


def agency_update(*, actor: Actor, code: str, **values: str) -> Agency:
    """Change an agency's out-of-hours contact or duty mailbox (audited, the fields only)."""
    agency = Agency.objects.filter(code__iexact=code.strip()).first()
    if agency is None:
        raise ValidationError(
            {"code": [f"No agency with the code {code.strip()!r} (see `ccehub agencies list`)"]}
        )
    changed = []
    if "duty_email" in values:
        agency.duty_email = clean_duty_email(values["duty_email"])
        changed.append("duty_email")
    if "out_of_hours_contact" in values:
        contact = values["out_of_hours_contact"].strip()
        limit = Agency._meta.get_field("out_of_hours_contact").max_length
        if len(contact) > limit:
            raise ValidationError(
                {"out_of_hours_contact": [MSG_TOO_LONG.format(what="The out-of-hours contact", limit=limit)]}
            )
        agency.out_of_hours_contact = contact
        changed.append("out_of_hours_contact")
    if changed:
        agency.save(update_fields=[*changed, "updated_at"])
        audit_record(
            actor=actor, action=Action.UPDATE, object_type="agency", object_id=agency.code, fields=changed
        )
    return agency


@transaction.atomic
def agency_reference_load() -> tuple[int, int]:
    """Create or refresh every police force and local authority from the reference data.

    Returns ``(forces, local_authorities)`` counts. Idempotent.
    """
    forces: dict[str, Agency] = {}
    for force in reference.police_forces():
        agency, _ = Agency.objects.update_or_create(
            code=force.code,
            defaults={"name": force.name, "kind": AgencyKind.POLICE_FORCE, "ons_code": force.ons_code or ""},
        )
        forces[force.code] = agency
    count = 0
    for la in reference.local_authorities():
        Agency.objects.update_or_create(
            code=la_code(la.name),
            defaults={
                "name": la.name,
                "kind": AgencyKind.LA_CHILDRENS_SERVICES,
                "ons_code": la.ons_code,
                "police_force": forces.get(la.police_force),
            },
        )
        count += 1
    return len(forces), count


def _check_admin_may_change(actor: Actor, target_user: Any, *agencies: Agency | None) -> None:
    if actor.system:
        return
    if actor.user is not None and getattr(actor.user, "pk", None) == getattr(target_user, "pk", object()):
        raise PermissionDenied(MSG_SELF_CHANGE)
    if not actor.can_read_audit:  # administrators only
        raise PermissionDenied(MSG_NOT_ADMIN)
    if not getattr(actor.user, "is_superuser", False) and any(
        a is not None and a != actor.agency for a in agencies
    ):
        raise PermissionDenied(MSG_OTHER_AGENCY)


@transaction.atomic
def membership_grant(*, actor: Actor, user: Any, agency: Agency, role: str) -> Membership:
    """Give ``user`` a role in ``agency``. Nobody may grant themselves anything."""
    _check_admin_may_change(actor, user, agency)
    if not role_allowed_in(role, agency.kind):
        raise ValidationError({"role": [MSG_ROLE_NOT_IN_AGENCY]})
    granted_by = actor.user if getattr(actor.user, "is_authenticated", False) else None
    membership, created = Membership.objects.get_or_create(
        user=user, agency=agency, role=role, defaults={"granted_by": granted_by}
    )
    if not created and not membership.active:
        membership.active = True
        membership.save(update_fields=["active", "updated_at"])
    audit_record(
        actor=actor,
        action=Action.CREATE if created else Action.UPDATE,
        object_type="membership",
        object_id=membership.pk,
        fields=["user", "agency", "role"],
        detail=f"{user} → {role} at {agency.code}",
    )
    return membership


@transaction.atomic
def membership_change(
    *,
    actor: Actor,
    membership: Membership,
    agency: Agency | None = None,
    role: str | None = None,
    active: bool | None = None,
) -> Membership:
    """Change a membership. Refused for one's own membership (no self-escalation)."""
    _check_admin_may_change(actor, membership.user, membership.agency, agency)
    changed: list[str] = []
    if agency is not None and agency != membership.agency:
        membership.agency = agency
        changed.append("agency")
    if role is not None and role != membership.role:
        membership.role = role
        changed.append("role")
    if active is not None and active != membership.active:
        membership.active = active
        changed.append("active")
    if not role_allowed_in(membership.role, membership.agency.kind):
        raise ValidationError({"role": [MSG_ROLE_NOT_IN_AGENCY]})
    if changed:
        membership.save()
        audit_record(
            actor=actor,
            action=Action.UPDATE,
            object_type="membership",
            object_id=membership.pk,
            fields=changed,
        )
    return membership


@transaction.atomic
def agreement_create(
    *,
    actor: Actor,
    title: str,
    provider: Agency,
    recipient: Agency,
    purpose: str,
    starts_on: date,
    expires_on: date,
    child: Any = None,
    includes_identity: bool = False,
    legal_basis: str = "",
    dpia_reference: str = "",
) -> DataSharingAgreement:
    errors: dict[str, list[str]] = {}
    if provider == recipient:
        errors["recipient"] = [MSG_DSA_SAME]
    if expires_on < starts_on:
        errors["expires_on"] = [MSG_DSA_DATES]
    if not purpose.strip():
        errors["purpose"] = [MSG_DSA_PURPOSE]
    if not legal_basis.strip():
        errors["legal_basis"] = [MSG_DSA_LEGAL_BASIS]
    if child is not None and not child.holdings.current().filter(agency=provider).exists():
        errors["child"] = [MSG_DSA_CHILD_NOT_HELD]
    if errors:
        raise ValidationError(errors)
    agreement = DataSharingAgreement.objects.create(
        title=title,
        provider=provider,
        recipient=recipient,
        purpose=purpose.strip(),
        starts_on=starts_on,
        expires_on=expires_on,
        child=child,
        includes_identity=includes_identity,
        legal_basis=legal_basis,
        dpia_reference=dpia_reference,
        recorded_by=actor.user if getattr(actor.user, "is_authenticated", False) else None,
    )
    audit_record(
        actor=actor,
        action=Action.CREATE,
        object_type="data_sharing_agreement",
        object_id=agreement.pk,
        child_pid=child.pseudonymous_id if child is not None else "",
        fields=["provider", "recipient", "purpose", "starts_on", "expires_on", "includes_identity"],
    )
    return agreement
