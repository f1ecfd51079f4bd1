"""Writes about children: validate, change and audit in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone

from ccehub.agencies.models import Agency, AgencyKind, Role
from ccehub.agencies.permissions import IDENTITY_ROLES
from ccehub.audit.models import Action
from ccehub.audit.services import audit_record
from ccehub.children.models import (
    Address,
    CaseHolding,
    Child,
    EmergencyAccess,
    ErasedChild,
    EthnicityIC,
    Identity,
    RelativeToIncident,
    Sex,
    VulnerabilityFactor,
    VulnerabilityFlag,
)
from ccehub.common.access import (
    BASIS_EMERGENCY,
    BASIS_OWN,
    BASIS_PANEL,
    BASIS_SYSTEM,
    Actor,
    access_basis,
    emergency_access_of,
    is_emergency_basis,
)
from ccehub.common.models import SourceType, TriState
from ccehub.common.validators import (
    MSG_DATE_FUTURE,
    MSG_DOB_FUTURE,
    MSG_INCIDENT_BEFORE_BIRTH,
    normalise_postcode,
    validate_nhs_number,
)
from ccehub.rules.retention import RetentionReview

MSG_NO_WRITE = "Your role cannot record information about children"
MSG_HOME_LA_KIND = "Home local authority must be a local authority children's services"
MSG_HOME_FORCE_KIND = "Home police force must be a police force"
MSG_UNKNOWN_CHOICE = "Unknown value {value!r}; use one of: {choices}"
MSG_GIVEN_NAME = "Enter the child's given name, or 'Unknown'"
MSG_NAME_TOO_LONG = "{label} must be {limit} characters or fewer"
#: Nothing a source records about a child predates 1900 (nor the child's birth, when known).
EARLIEST_RECORDED_ON = date(1900, 1, 1)
MSG_RECORDED_TOO_EARLY = "Date recorded must be in 1900 or later"
MSG_RECORDED_BEFORE_BIRTH = "Date recorded cannot be before the child's date of birth"
MSG_DOB_TOO_EARLY = "Date of birth must be on or after {earliest}: nobody on record is older than {years}"
MSG_DUPLICATE_CHILD = (
    "Your agency already has this child ({pid}: same name, date of birth and home local authority); "
    "record on that child instead"
)

#: Longest name accepted (the identity table's columns; a name, not a paragraph).
MAX_NAME_LENGTH = 100
#: Oldest plausible age, in years, for a date of birth. The same bound as ages elsewhere (an estimated
#: age, co-present people's ages). Not 25 (the oldest age band): records are kept, and loaded, long
#: after the child grew up (the report's 13 boys), so an age-today limit would expire them.
MAX_AGE_YEARS = 120

M = TypeVar("M", bound=models.Model)


MSG_READ_ONLY_BASIS = (
    "You can see this child under a data-sharing agreement, which does not let you record on their file"
)
MSG_READ_ONLY_EMERGENCY = (
    "You can see this child under emergency access, which is read-only: you cannot record on their file"
)
#: Bases on which an agency may record facts about a child. A data-sharing agreement is read-only,
#: and so is emergency access (``emergency_access:<id>``).
WRITE_BASES = (BASIS_OWN, BASIS_PANEL, BASIS_SYSTEM, "new")


def may_record_on(actor: Actor, basis: str | None) -> bool:
    """Whether ``actor``, seeing a child on ``basis``, may record on the child's file: what the pages
    ask before offering a form or button that :func:`check_can_write` would refuse."""
    return actor.can_write_cases and basis in WRITE_BASES


def check_can_write(actor: Actor, child: Child | None = None) -> str:
    """Raise unless ``actor`` may record facts (about ``child``, when given). Returns the basis."""
    if not actor.can_write_cases:
        raise PermissionDenied(MSG_NO_WRITE)
    if child is None:
        return "new"
    basis = access_basis(actor, child)
    if basis is None:
        raise PermissionDenied("No child with that reference is available to you")
    if basis not in WRITE_BASES:
        raise PermissionDenied(read_only_message(basis))
    return basis


def read_only_message(basis: str | None) -> str:
    """Why a basis one may read on does not let one record: the words the pages and refusals use."""
    return MSG_READ_ONLY_EMERGENCY if is_emergency_basis(basis) else MSG_READ_ONLY_BASIS


def may_take_holding(basis: str) -> bool:
    """Only an agency already holding the child (or creating it) becomes a holder by writing.

    Recording on a panel case must not turn temporary, purpose-bound sight into a permanent holding.
    """
    return basis in (BASIS_OWN, BASIS_SYSTEM, "new")


def _choice(field: str, value: str, choices: type[models.TextChoices]) -> str:
    if value not in choices.values:
        raise ValidationError(
            {field: [MSG_UNKNOWN_CHOICE.format(value=value, choices=", ".join(choices.values))]}
        )
    return value


def _hold(child: Child, agency: Agency | None, basis: str) -> None:
    """Make ``agency`` a current holder of ``child`` on ``basis``, unless it is one already.

    An ended holding is history and stays ended: recording again starts a new holding.
    """
    if agency is not None:
        CaseHolding.objects.current().get_or_create(child=child, agency=agency, basis=basis)


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _visible_duplicate(
    actor: Actor, given_name: str, family_name: str, date_of_birth: date | None, home_la: Agency | None
) -> Child | None:
    """A child the actor can see with the same names, date of birth and home local authority.

    Only named children with a date of birth: several 'Unknown' children of unknown age are normal.
    Only for a person acting for an agency: the system actor (loaders, generators, the operator
    without --user) has no agency whose records it could be duplicating.
    """
    from ccehub.children.selectors import child_list

    if actor.system or actor.agency is None:
        return None
    if date_of_birth is None or given_name.strip().lower() in {"", "unknown"}:
        return None
    return (
        child_list(actor=actor)
        .filter(
            identity__given_name__iexact=given_name.strip(),
            identity__family_name__iexact=family_name.strip(),
            identity__date_of_birth=date_of_birth,
            home_local_authority=home_la,
        )
        .first()
    )


@transaction.atomic
def child_create(
    *,
    actor: Actor,
    given_name: str,
    family_name: str = "",
    sex: str = Sex.UNKNOWN,
    date_of_birth: date | None = None,
    date_of_birth_estimated: bool = False,
    postcode: str = "",
    home_local_authority: Agency | None = None,
    home_police_force: Agency | None = None,
    ethnicity_ic_code: str = "",
    nhs_number: str = "",
    display_pseudonym: str = "",
    cohort: str = "",
    cohort_position: int | None = None,
    provenance_note: str = "",
    risk_level: str = "not_assessed",
    looked_after: str = TriState.NOT_RECORDED,
    today: date | None = None,
    allow_duplicate: bool = False,
) -> Child:
    """Create a child and their restricted identity. The recording agency holds the record.

    Every channel (form, API, CLI, triage journey) comes through here, so categories, lengths and
    dates are checked here whatever the door. An exact duplicate, recorded by someone acting for an
    agency, of a named child that agency can already see (same names, date of birth and home local authority) is refused with that child's
    pseudonymous ID unless ``allow_duplicate``; children the actor cannot see are not checked, so the
    refusal cannot be used to find out who another agency holds (that is the look-up's job).
    """
    check_can_write(actor)
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}
    if not given_name.strip():
        errors["given_name"] = [MSG_GIVEN_NAME]
    for field, label, value in (
        ("given_name", "Given name", given_name),
        ("family_name", "Family name", family_name),
    ):
        if len(value.strip()) > MAX_NAME_LENGTH:
            errors[field] = [MSG_NAME_TOO_LONG.format(label=label, limit=MAX_NAME_LENGTH)]
    if sex not in Sex.values:
        errors["sex"] = [MSG_UNKNOWN_CHOICE.format(value=sex, choices=", ".join(Sex.values))]
    if ethnicity_ic_code and ethnicity_ic_code not in EthnicityIC.values:
        errors["ethnicity_ic_code"] = [
            MSG_UNKNOWN_CHOICE.format(value=ethnicity_ic_code, choices=", ".join(EthnicityIC.values))
        ]
    earliest = _years_before(today, MAX_AGE_YEARS)
    if date_of_birth is not None and date_of_birth >= today:
        errors["date_of_birth"] = [MSG_DOB_FUTURE]
    elif date_of_birth is not None and date_of_birth < earliest:
        errors["date_of_birth"] = [
            MSG_DOB_TOO_EARLY.format(earliest=f"{earliest.day} {earliest:%B %Y}", years=MAX_AGE_YEARS)
        ]
    if postcode:
        try:
            postcode = normalise_postcode(postcode)
        except ValidationError as exc:
            errors["postcode"] = list(exc.messages)
    if nhs_number:
        try:
            validate_nhs_number(nhs_number)
        except ValidationError as exc:
            errors["nhs_number"] = list(exc.messages)
    if home_local_authority is not None and home_local_authority.kind != AgencyKind.LA_CHILDRENS_SERVICES:
        errors["home_local_authority"] = [MSG_HOME_LA_KIND]
    if home_police_force is not None and home_police_force.kind != AgencyKind.POLICE_FORCE:
        errors["home_police_force"] = [MSG_HOME_FORCE_KIND]
    if errors:
        raise ValidationError(errors)
    if not allow_duplicate:
        existing = _visible_duplicate(actor, given_name, family_name, date_of_birth, home_local_authority)
        if existing is not None:
            raise ValidationError({"__all__": [MSG_DUPLICATE_CHILD.format(pid=existing.pseudonymous_id)]})
    child = Child.objects.create(
        sex=sex,
        home_local_authority=home_local_authority,
        home_police_force=home_police_force,
        originating_agency=actor.agency,
        display_pseudonym=display_pseudonym,
        cohort=cohort,
        cohort_position=cohort_position,
        provenance_note=provenance_note,
        risk_level=risk_level,
        looked_after=looked_after,
    )
    identity = Identity.objects.create(
        child=child,
        given_name=given_name.strip(),
        family_name=family_name.strip(),
        date_of_birth=date_of_birth,
        date_of_birth_estimated=date_of_birth_estimated,
        ethnicity_ic_code=ethnicity_ic_code,
        nhs_number=nhs_number.replace(" ", ""),
    )
    if postcode:
        Address.objects.create(identity=identity, postcode=postcode, is_current=True)
    _hold(child, home_local_authority, CaseHolding.Basis.HOME_LOCAL_AUTHORITY)
    _hold(child, home_police_force, CaseHolding.Basis.HOME_POLICE_FORCE)
    _hold(child, actor.agency, CaseHolding.Basis.RECORDING_AGENCY)
    audit_record(
        actor=actor,
        action=Action.CREATE,
        object_type="child",
        object_id=child.pk,
        child_pid=child.pseudonymous_id,
        fields=[
            "sex",
            "home_local_authority",
            "home_police_force",
            "given_name",
            "family_name",
            "date_of_birth",
        ]
        + (["postcode"] if postcode else []),
    )
    return child


@transaction.atomic
def vulnerability_flag_set(
    *,
    actor: Actor,
    child: Child,
    factor: str,
    value: str,
    relative_to_incident: str = RelativeToIncident.BEFORE,
    source_agency: Agency | None = None,
    source_type: str = "",
    recorded_on: date | None = None,
    detail: str = "",
) -> VulnerabilityFlag:
    """Record one source's tri-state value for one factor; the same source's earlier value is replaced."""
    basis = check_can_write(actor, child)
    _choice("factor", factor, VulnerabilityFactor)
    _choice("value", value, TriState)
    _choice("relative_to_incident", relative_to_incident, RelativeToIncident)
    if source_type:
        _choice("source_type", source_type, SourceType)
    if recorded_on is not None and recorded_on > timezone.localdate():
        raise ValidationError({"recorded_on": [MSG_DATE_FUTURE]})
    if recorded_on is not None and recorded_on < EARLIEST_RECORDED_ON:
        raise ValidationError({"recorded_on": [MSG_RECORDED_TOO_EARLY]})
    if recorded_on is not None:
        # Only checked against a known date of birth (not an estimate); the message does not reveal it.
        born = (
            Identity.objects.filter(child=child, date_of_birth_estimated=False)
            .values_list("date_of_birth", flat=True)
            .first()
        )
        if born is not None and recorded_on < born:
            raise ValidationError({"recorded_on": [MSG_RECORDED_BEFORE_BIRTH]})
    flag, created = VulnerabilityFlag.objects.update_or_create(
        child=child,
        factor=factor,
        relative_to_incident=relative_to_incident,
        source_agency=source_agency,
        source_type=source_type,
        defaults={
            "value": value,
            "recorded_on": recorded_on,
            "detail": detail,
            "recorded_by": actor.user if getattr(actor.user, "is_authenticated", False) else None,
        },
    )
    audit_record(
        actor=actor,
        action=Action.CREATE if created else Action.UPDATE,
        object_type="vulnerability_flag",
        object_id=flag.pk,
        child_pid=child.pseudonymous_id,
        fields=[f"vulnerabilities.{factor}"],
        basis=basis,
        detail=f"{factor} = {value}",
    )
    return flag


@transaction.atomic
def fact_record(
    *, actor: Actor, child: Child, model: type[M], holder_basis: str | None = None, **values: Any
) -> M:
    """Record a dated fact about a child (missing episode, plan, arrest, referral, ...).

    Runs the model's own validation (choices, constraints) before saving and audits the write.
    """
    basis = check_can_write(actor, child)
    # A date-time without an offset is UK local time (as on the CLI and /api/triage), never a crash
    # when compared with an aware "now".
    values = {k: as_local_aware(v) if isinstance(v, datetime) else v for k, v in values.items()}
    instance = model(child=child, **values)
    instance.full_clean()
    for name, value in values.items():
        if isinstance(value, datetime | date) and name not in {
            "decided_on",
            "review_on",
            "expires_on",
            "ended_on",
        }:
            current = timezone.now() if isinstance(value, datetime) else timezone.localdate()
            if value > current:
                raise ValidationError({name: [MSG_DATE_FUTURE]})
    instance.save()
    if holder_basis is not None and may_take_holding(basis):
        _hold(child, actor.agency, holder_basis)
    audit_record(
        actor=actor,
        action=Action.CREATE,
        object_type=model._meta.model_name or model.__name__,
        object_id=instance.pk,
        child_pid=child.pseudonymous_id,
        fields=sorted(values),
        basis=basis,
    )
    return instance


def as_local_aware(value: datetime) -> datetime:
    """An aware date-time; a naive one is read as UK local time (``TIME_ZONE``, Europe/London).

    The CLI and ``/api/triage`` read a date-time written without an offset the same way.
    """
    if timezone.is_aware(value):
        return value
    return timezone.make_aware(value, timezone.get_default_timezone())


def check_incident_date(child: Child, occurred_at: datetime) -> None:
    """An incident cannot precede the child's birth or lie in the future.

    A naive ``occurred_at`` is read as UK local time rather than compared with aware values.
    """
    occurred_at = as_local_aware(occurred_at)
    identity = Identity.objects.filter(child=child).only("date_of_birth").first()
    local = timezone.localtime(occurred_at)
    if identity and identity.date_of_birth and local.date() < identity.date_of_birth:
        raise ValidationError({"occurred_at": [MSG_INCIDENT_BEFORE_BIRTH]})
    if occurred_at > timezone.now():
        raise ValidationError({"occurred_at": [MSG_DATE_FUTURE]})


# --- Emergency (break-glass) access ------------------------------------------------------------

MSG_EMERGENCY_ROLE = "Only people who work directly with children can use emergency access"
MSG_EMERGENCY_REASON = (
    "Reason: say why this child is at risk now and why the agency that holds the record cannot be "
    "reached, in at least {minimum} characters"
)
MSG_EMERGENCY_REASON_LONG = "Reason must be {limit} characters or fewer"
MSG_ALREADY_VISIBLE = "You can already see this record: open it from the child's page"
MSG_EMERGENCY_NOT_JUSTIFIED = (
    "Your emergency access to this child was reviewed and found not justified: ask the agency that "
    "holds the record"
)
#: The fewest characters, after stripping, that a reason may have ("urgent" says nothing).
MIN_REASON_LENGTH = 20
#: The most: a reason, not a case note (the record is read-only under emergency access).
MAX_REASON_LENGTH = 2000
MSG_EMERGENCY_REASON = MSG_EMERGENCY_REASON.format(minimum=MIN_REASON_LENGTH)
MSG_EMERGENCY_REASON_LONG = MSG_EMERGENCY_REASON_LONG.format(limit=MAX_REASON_LENGTH)


def _emergency_refused(actor: Actor, pid: str, reason: str) -> None:
    audit_record(
        actor=actor,
        action=Action.DENIED,
        object_type="emergency_access",
        child_pid=pid[:16],
        detail=f"refused create: {reason}",
    )


def emergency_access_check(*, actor: Actor, pid: str) -> tuple[Child, EmergencyAccess | None]:
    """Whether ``actor`` may start emergency access to the child ``pid``: the child, and the actor's
    unexpired emergency access to them if there already is one.

    Refusals are audited (``denied``) before they are raised, outside any transaction of this
    module's, so their rows stand: a role that does not work directly with children (analysts,
    administrators) or the system (:data:`MSG_EMERGENCY_ROLE`, ``PermissionDenied``); no such child
    (:class:`~ccehub.children.selectors.ChildNotFound`, as every read refuses it); a basis the actor
    already has (:data:`MSG_ALREADY_VISIBLE`, ``PermissionDenied``); an access of the actor's to the
    child that a review found not justified, until it would have expired
    (:data:`MSG_EMERGENCY_NOT_JUSTIFIED`, ``PermissionDenied``).
    """
    from ccehub.children.selectors import ChildNotFound

    pid = pid.strip().upper()
    person = getattr(actor.user, "is_authenticated", False) and actor.membership is not None
    if actor.system or not person or actor.role not in IDENTITY_ROLES:
        _emergency_refused(actor, pid, MSG_EMERGENCY_ROLE)
        raise PermissionDenied(MSG_EMERGENCY_ROLE)
    child = Child.objects.filter(pseudonymous_id=pid).first()
    if child is None:
        from ccehub.children.selectors import reference_for_audit

        reference, why = reference_for_audit(pid)
        _emergency_refused(actor, reference, why)
        raise ChildNotFound()
    basis = access_basis(actor, child)
    if basis is not None and not is_emergency_basis(basis):
        _emergency_refused(actor, pid, MSG_ALREADY_VISIBLE)
        raise PermissionDenied(MSG_ALREADY_VISIBLE)
    if basis is None and (
        child.emergency_accesses.filter(
            user=actor.user,
            agency=actor.agency,
            review_outcome=EmergencyAccess.Outcome.NOT_JUSTIFIED,
            expires_at__gt=timezone.now(),
        ).exists()
    ):
        # A review that ended an access is not undone by typing a new reason: not until the ended
        # access would have expired anyway.
        _emergency_refused(actor, pid, MSG_EMERGENCY_NOT_JUSTIFIED)
        raise PermissionDenied(MSG_EMERGENCY_NOT_JUSTIFIED)
    return child, emergency_access_of(actor, child) if basis is not None else None


def clean_emergency_reason(reason: str) -> str:
    """The reason, stripped; raises ``ValidationError`` on ``reason`` when it says too little or too much."""
    text = (reason or "").strip()
    if len(text) < MIN_REASON_LENGTH:
        raise ValidationError({"reason": [MSG_EMERGENCY_REASON]})
    if len(text) > MAX_REASON_LENGTH:
        raise ValidationError({"reason": [MSG_EMERGENCY_REASON_LONG]})
    return text


def emergency_access_start(*, actor: Actor, pid: str, reason: str) -> EmergencyAccess:
    """Start ``actor``'s emergency access to the child ``pid``, for ``CCEHUB_EMERGENCY_ACCESS_HOURS``.

    See :func:`emergency_access_check` for who is refused. An actor who already has an unexpired
    emergency access to the child gets that one back (not a second). The reason is kept on the row for
    the reviewer and never copied into the audit log, whose row says only for how long.
    """
    child, existing = emergency_access_check(actor=actor, pid=pid)
    if existing is not None:
        return existing
    text = clean_emergency_reason(reason)
    hours = int(settings.CCEHUB_EMERGENCY_ACCESS_HOURS)
    with transaction.atomic():
        # Two submissions at once make one access: the second waits here, then finds the first.
        Child.objects.select_for_update().filter(pk=child.pk).first()
        existing = emergency_access_of(actor, child)
        if existing is not None:
            return existing
        now = timezone.now()
        access = EmergencyAccess.objects.create(
            child=child,
            user=actor.user,
            agency=actor.agency,
            role=actor.role,
            reason=text,
            started_at=now,
            expires_at=now + timedelta(hours=hours),
        )
        audit_record(
            actor=actor,
            action=Action.CREATE,
            object_type="emergency_access",
            object_id=access.pk,
            child_pid=child.pseudonymous_id,
            basis=f"{BASIS_EMERGENCY}:{access.pk}",
            detail=f"emergency access for {hours} hour{'s' if hours != 1 else ''}",
        )
    return access


# --- Ending a holding (known gap 4) ---------------------------------------------------------------

MSG_HOLDING_END_ROLE = (
    "Only an administrator of the agency that holds the record, or the operator, can end its holding"
)
#: The fewest characters, after stripping, that a reason for ending a holding may have.
MIN_HOLDING_END_REASON = 10
#: The most: a reason, not a case note.
MAX_HOLDING_END_REASON = 2000
MSG_HOLDING_END_REASON = (
    f"Reason: say why the agency no longer holds records about this child, in at least "
    f"{MIN_HOLDING_END_REASON} characters"
)
MSG_HOLDING_END_REASON_LONG = f"Reason must be {MAX_HOLDING_END_REASON} characters or fewer"
MSG_HOLDING_NONE = "{agency} holds no current record of this child: there is no holding to end"
MSG_HOLDING_LAST = (
    "{agency} is the only agency that holds this child's record: ending its holding would leave the "
    "record seen by nobody. Another agency must hold the child first"
)


class HoldingEndRefused(Exception):
    """A holding that cannot be ended (none is current, or it is the child's last); the message says
    which, for the caller to show."""


def clean_holding_end_reason(reason: str) -> str:
    """The reason, stripped; raises ``ValidationError`` on ``reason`` when it says too little or too much."""
    text = (reason or "").strip()
    if len(text) < MIN_HOLDING_END_REASON:
        raise ValidationError({"reason": [MSG_HOLDING_END_REASON]})
    if len(text) > MAX_HOLDING_END_REASON:
        raise ValidationError({"reason": [MSG_HOLDING_END_REASON_LONG]})
    return text


def may_end_holdings(actor: Actor, agency: Agency) -> bool:
    """The operator (the system actor), or an administrator acting for ``agency`` itself."""
    if actor.system:
        return True
    return actor.role == Role.ADMIN and actor.agency is not None and actor.agency.pk == agency.pk


def holding_end(*, actor: Actor, child: Child, agency: Agency, reason: str) -> list[CaseHolding]:
    """End every current holding of ``child`` by ``agency``: dated today, signed and reasoned.

    The rows stay as history; from now on they are a basis for nothing. Recording about the child for
    the agency again makes it a holder again, on a new row. One audit row (``update`` of
    ``case_holding``) per holding ended; the reason is kept on the row, not in the log, because it
    may name the child.

    Raises:
        PermissionDenied: ``actor`` is neither the operator nor an administrator of ``agency``
            (:data:`MSG_HOLDING_END_ROLE`).
        ValidationError: the reason is shorter than 10 characters or longer than 2,000.
        HoldingEndRefused: ``agency`` holds the child on no current holding (:data:`MSG_HOLDING_NONE`),
            or no other agency does, so that nobody would hold the record (:data:`MSG_HOLDING_LAST`).

    A refusal (but not a reason too short) is audited as ``denied`` before it is raised, outside this
    function's transaction, so the row stands unless the caller's own transaction rolls back.
    """
    try:
        with transaction.atomic():
            return _holding_end(actor=actor, child=child, agency=agency, reason=reason)
    except (PermissionDenied, HoldingEndRefused) as exc:
        audit_record(
            actor=actor,
            action=Action.DENIED,
            object_type="case_holding",
            child_pid=child.pseudonymous_id,
            detail=f"refused update: {exc}",
        )
        raise


def _holding_end(*, actor: Actor, child: Child, agency: Agency, reason: str) -> list[CaseHolding]:
    if not may_end_holdings(actor, agency):
        raise PermissionDenied(MSG_HOLDING_END_ROLE)
    text = clean_holding_end_reason(reason)
    # Two agencies ending their holdings of one child at once must not both leave it to the other:
    # the second waits here, then finds itself the last holder.
    Child.objects.select_for_update().filter(pk=child.pk).first()
    holdings = list(CaseHolding.objects.current().filter(child=child, agency=agency).order_by("basis"))
    if not holdings:
        raise HoldingEndRefused(MSG_HOLDING_NONE.format(agency=agency.name))
    if not CaseHolding.objects.current().filter(child=child).exclude(agency=agency).exists():
        raise HoldingEndRefused(MSG_HOLDING_LAST.format(agency=agency.name))
    today = timezone.localdate()
    user = actor.user if getattr(actor.user, "is_authenticated", False) else None
    for holding in holdings:
        holding.ended_on, holding.ended_by, holding.end_reason = today, user, text
        holding.save(update_fields=["ended_on", "ended_by", "end_reason", "updated_at"])
        audit_record(
            actor=actor,
            action=Action.UPDATE,
            object_type="case_holding",
            object_id=holding.pk,
            child_pid=child.pseudonymous_id,
            fields=["ended_on", "ended_by", "end_reason"],
            detail=f"holding ended: {agency.code} ({holding.basis})",
        )
    return holdings


# --- Erasing a child's record (known gap 10; data-subject rights: erasure) ------------------------

MSG_ERASE_ROLE = "Only the operator can erase a child's record"
MSG_ERASE_NO_CHILD = "No child with that pseudonymous ID"
MSG_ERASE_ALREADY = "{pid} was erased on {day}"
MSG_ERASE_OPEN = (
    "Not erased: the record has open matters ({matters}). While a matter is open the shared work "
    "still needs the record, and an erasure request can be refused where the processing is needed "
    "for a legal obligation or a public task (UK GDPR Article 17(3)(b)). Close them at source first, "
    "or erase even so only on the data protection officer's decision"
)
#: The fewest characters, after stripping, that a reason for erasing may have; and the most.
MIN_ERASE_REASON = 20
MAX_ERASE_REASON = 2000
MSG_ERASE_REASON = (
    f"Reason: say why the record is erased (for example the erasure request's reference, or the "
    f"retention review), in at least {MIN_ERASE_REASON} characters; do not name the child"
)
MSG_ERASE_REASON_LONG = f"Reason must be {MAX_ERASE_REASON} characters or fewer"


class ErasureRefused(Exception):
    """A record that cannot be erased (no such child, already erased, open matters); the message says
    which, for the caller to show."""


@dataclass(frozen=True)
class ErasureResult:
    """What an erasure deleted (or, for a dry run, would delete), and what it left."""

    pseudonymous_id: str
    #: Rows deleted per kind (model label, e.g. ``children.Identity``): the child first, then by label.
    counts: dict[str, int]
    #: The retention review on the day: open matters overridden, and whether the record was due.
    review: RetentionReview
    #: Agencies' own records (``records.AgencyRecord``) that pointed at the child: kept, unlinked.
    agency_records_unlinked: int
    #: Audit rows about the child, which stay (append-only).
    audit_rows_kept: int
    #: The tombstone; ``None`` for a dry run.
    tombstone: ErasedChild | None

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def clean_erasure_reason(reason: str) -> str:
    """The reason, stripped; raises ``ValidationError`` on ``reason`` when it says too little or too much."""
    text = (reason or "").strip()
    if len(text) < MIN_ERASE_REASON:
        raise ValidationError({"reason": [MSG_ERASE_REASON]})
    if len(text) > MAX_ERASE_REASON:
        raise ValidationError({"reason": [MSG_ERASE_REASON_LONG]})
    return text


def child_erase(
    *,
    actor: Actor,
    pid: str,
    reason: str,
    even_if_open: bool = False,
    dry_run: bool = True,
    today: date | None = None,
) -> ErasureResult:
    """Erase the child ``pid`` from ccehub: the child and every row that exists only because of them
    (identity, aliases, addresses, holdings, flags, episodes, placements, conflicts, emergency
    accesses, agreements for that one child, incidents and their triage, arrests, charges, outcomes,
    NRM referrals and decisions, the panel's agenda entries, decisions, QA, information requests,
    plans and orders about them, safeguarding plans and orders, the API's retry key of the request
    that created them), in one transaction.

    Kept: the audit log's rows (append-only; they carry the pseudonymous ID, never identity), the
    agencies' own records (``records.AgencyRecord``, their data, re-imported from their extracts: a
    link to the child is cleared), panel meetings and what else is not only about this child. A
    tombstone (:class:`ErasedChild`) records when, who, why and the counts, and keeps the ID from being
    given again. One audit row (``delete`` of ``child``) has the counts, not the reason, which may
    name someone.

    With ``dry_run`` (the default) the same deletion runs and is rolled back, so the counts are
    exactly what an erasure would delete; it is audited as a ``view`` of ``child_erasure``.

    Only the operator (the system actor). Refused while the retention rule finds a matter still open
    (:data:`MSG_ERASE_OPEN`) unless ``even_if_open``: the tombstone and the audit row then say which.

    Raises:
        PermissionDenied: ``actor`` is not the operator (:data:`MSG_ERASE_ROLE`).
        ValidationError: the reason is shorter than 20 characters or longer than 2,000 (on ``reason``).
        ErasureRefused: no such child (:data:`MSG_ERASE_NO_CHILD`), already erased
            (:data:`MSG_ERASE_ALREADY`), or open matters (:data:`MSG_ERASE_OPEN`).

    A refusal (but not a reason too short or too long) is audited as ``denied`` before it is raised,
    outside this function's transaction, so the row stands unless the caller's own transaction rolls
    back.
    """
    pid = pid.strip().upper()
    try:
        with transaction.atomic():
            return _child_erase(
                actor=actor,
                pid=pid,
                reason=reason,
                even_if_open=even_if_open,
                dry_run=dry_run,
                today=today or timezone.localdate(),
            )
    except (PermissionDenied, ErasureRefused) as exc:
        from ccehub.children.selectors import reference_for_audit

        known = (
            Child.objects.filter(pseudonymous_id=pid).exists()
            or ErasedChild.objects.filter(pseudonymous_id=pid).exists()
        )
        audit_record(
            actor=actor,
            action=Action.DENIED,
            object_type="child",
            child_pid=pid[:16] if known else reference_for_audit(pid)[0],
            detail=f"refused delete: {exc}",
        )
        raise


def _child_erase(
    *, actor: Actor, pid: str, reason: str, even_if_open: bool, dry_run: bool, today: date
) -> ErasureResult:
    from ccehub.audit.models import AuditEvent
    from ccehub.children.selectors import child_retention
    from ccehub.records.models import AgencyRecord

    if not actor.system:
        raise PermissionDenied(MSG_ERASE_ROLE)
    text = clean_erasure_reason(reason)
    tombstone = ErasedChild.objects.filter(pseudonymous_id=pid).first()
    if tombstone is not None:
        erased_on = timezone.localtime(tombstone.erased_at)
        raise ErasureRefused(MSG_ERASE_ALREADY.format(pid=pid, day=f"{erased_on:%-d %B %Y}"))
    # Nothing is recorded about the child while it is erased: writers wait here, then find it gone.
    child = Child.objects.select_for_update().filter(pseudonymous_id=pid).first()
    if child is None:
        raise ErasureRefused(MSG_ERASE_NO_CHILD)
    review = child_retention(child=child, on=today)
    if review.open_matters and not even_if_open:
        raise ErasureRefused(MSG_ERASE_OPEN.format(matters=", ".join(review.open_matters)))
    unlinked = AgencyRecord.objects.filter(child=child).count()
    audit_rows = AuditEvent.objects.filter(child_pid=pid).count()
    child_pk = child.pk
    if dry_run:
        with transaction.atomic():
            counts = _erase_rows(child)
            transaction.set_rollback(True)  # a rehearsal: the counts are real, the rows stay
    else:
        counts = _erase_rows(child)
    total = sum(counts.values())
    # Class names, not labels, so that a record with rows of almost every kind still fits the audit
    # row's detail; the labels are its fields, and the tombstone has every count.
    counted = ", ".join(f"{label.partition('.')[2]} {n}" for label, n in counts.items())
    overridden = [str(matter) for matter in review.open_matters]
    if dry_run:
        audit_record(
            actor=actor,
            action=Action.VIEW,
            object_type="child_erasure",
            object_id=child_pk,
            child_pid=pid,
            fields=list(counts),
            detail=_fit(f"dry run: would erase {total} rows: {counted}"),
        )
        return ErasureResult(pid, counts, review, unlinked, audit_rows, None)
    tombstone = ErasedChild.objects.create(
        pseudonymous_id=pid,
        erased_at=timezone.now(),
        erased_by=actor.username[:150],
        origin=actor.origin[:200],
        reason=text,
        counts=counts,
        open_matters=overridden,
    )
    audit_record(
        actor=actor,
        action=Action.DELETE,
        object_type="child",
        object_id=child_pk,
        child_pid=pid,
        fields=list(counts),
        detail=_fit(
            f"erased {total} rows"
            + (f", even though open: {', '.join(overridden)}" if overridden else "")
            + f"; tombstone {tombstone.pk}; {counted}"
        ),
    )
    return ErasureResult(pid, counts, review, unlinked, audit_rows, tombstone)


def _fit(detail: str, limit: int = 500) -> str:
    """``detail`` cut to the audit row's 500 characters, with an ellipsis when cut."""
    return detail if len(detail) <= limit else detail[: limit - 1] + "…"


def _erase_rows(child: Child) -> dict[str, int]:
    """Delete ``child`` and every row that exists only because of them; rows deleted per model label.

    Most of the graph cascades from the child. Three references protect on purpose, so that a panel's
    decision or a triage decision never vanishes when one referral or incident is deleted by mistake:
    erasing the child removes them deliberately, first. The panel's decisions and agenda entries on
    the child's referrals go before the referrals; triage decisions go from the newest end of each
    chain, since each protects the one it superseded, before the incidents. References from rows that
    are not about the child (an agency's own record) are set to null by the schema and kept.
    """
    from collections import Counter

    from django.db.models import Q

    from ccehub.incidents.models import TriageDecision
    from ccehub.panels.models import AgendaItem, PanelDecision

    deleted: Counter[str] = Counter()

    def count(result: tuple[int, dict[str, int]]) -> None:
        deleted.update({label: n for label, n in result[1].items() if n})

    count(PanelDecision.objects.filter(referral__child=child).delete())
    count(AgendaItem.objects.filter(referral__child=child).delete())
    decisions = TriageDecision.objects.filter(Q(child=child) | Q(incident__child=child))
    while decisions.exists():
        heads = decisions.filter(superseded_by__isnull=True)
        before = sum(deleted.values())
        count(heads.delete())
        if sum(deleted.values()) == before:  # pragma: no cover - a chain always has a newest end
            raise RuntimeError("triage decisions of this child form a loop: nothing to delete first")
    count(child.delete())
    label = Child._meta.label
    return {label: deleted.pop(label)} | dict(sorted(deleted.items()))
