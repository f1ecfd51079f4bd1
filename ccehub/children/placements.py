"""Recording a placement through the suitability checker (F-20, R-41 to R-45), and what follows a
move into a new area (R-44's health support, W-5's crisis response). Rules:
:mod:`ccehub.rules.placement`.

* Only the child's home local authority (the commissioning authority) records a placement [D]: it
  makes the placement decision the rules govern.
* The checker's refusals are refusals (nothing is recorded, every reason is given); its warnings must
  be confirmed. The checked facts are kept on the placement: the child's risk then, the police
  intelligence check, the young person's wish in their words, the warnings confirmed.
* A new placement ends the child's current one on its start day.
* A move into a new area makes health support due on the start day (R-44) until recorded as
  started, and, for a child at high risk, opens the crisis response (W-5, trigger
  ``new_area_placement``).
* The home local authority ends a placement for one of E-21's reasons, and after a remand in
  custody or a custodial sentence says whether the placement ends or is kept for the child's
  return (J-11, :func:`ccehub.rules.placement.custody_check_due`).
* Every write is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Final

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ccehub.audit.models import Action
from ccehub.audit.services import audit_record
from ccehub.children.models import Child, Placement, PlacementEnd, SettingType
from ccehub.children.services import check_can_write
from ccehub.common.access import Actor
from ccehub.rules.placement import (
    PlacementCheck,
    PlacementFacts,
    check_placement,
    custody_check_due,
    end_problems,
)

MSG_HOME_AUTHORITY_ONLY: Final = (
    "Only the child's home local authority records a placement: it makes the placement decision"
)
MSG_CONFIRM: Final = "Confirm that the placement goes ahead despite the warnings"
MSG_BEFORE_CURRENT: Final = "The placement cannot start before the current one, which started on {day}"
MSG_INTEL_DETAILS: Final = "Say who did the police intelligence check, when, and what it found"
MSG_HEALTH_NOT_DUE: Final = "No health support is due for this placement"
MSG_HEALTH_BEFORE: Final = "Health support cannot have started before the placement did, on {day}"
MSG_FUTURE: Final = "The date cannot be in the future"
MSG_NOT_STARTED: Final = (
    "Record the placement on or after the day it starts: the date cannot be in the future"
)


MSG_BEFORE_LAST_ENDED: Final = "The placement cannot start before the last one ended, on {day}"
MSG_NO_CUSTODY_CHECK: Final = "No remand in custody or custodial sentence calls for a check on this placement"
#: J-11: sentences that take the child into custody.
CUSTODIAL_SENTENCES: Final = ("dto", "custody")


class PlacementWarnings(ValidationError):
    """Refused until the warnings are confirmed; ``warnings`` holds their text."""

    def __init__(self, warnings: tuple[str, ...]) -> None:
        super().__init__({"confirm_warnings": [MSG_CONFIRM]})
        self.warnings = warnings


@dataclass(frozen=True)
class PlacementInput:
    setting_type: str
    started_on: date
    distance_miles: Decimal | None = None
    in_home_area: bool | None = None
    postcode: str = ""
    express_wish: bool = False
    express_wish_words: str = ""
    intel_outcome: str = "not_checked"
    intel_findings: str = ""
    intel_by: str = ""
    intel_on: date | None = None
    #: R-47: what is known about the area (drug markets, gangs, a bail hostel nearby).
    area_risk_notes: str = ""
    notes: str = ""
    confirm_warnings: bool = False


def placement_check(child: Child, data: PlacementInput) -> PlacementCheck:
    """What the checker says about ``data`` for ``child`` now (its risk level as recorded)."""
    return check_placement(
        PlacementFacts(
            setting_type=data.setting_type,
            setting_label=str(SettingType(data.setting_type).label)
            if data.setting_type in SettingType.values
            else data.setting_type,
            risk_level=child.risk_level,
            starts_on=data.started_on,
            distance_miles=data.distance_miles,
            in_home_area=data.in_home_area,
            express_wish=data.express_wish,
            express_wish_words=data.express_wish_words,
            intel_outcome=data.intel_outcome,
            notes=data.notes,
        )
    )


def _check_home_authority(actor: Actor, child: Child) -> str:
    basis = check_can_write(actor, child)
    home = child.home_local_authority
    if not actor.system and (home is None or actor.agency is None or actor.agency.pk != home.pk):
        raise PermissionDenied(MSG_HOME_AUTHORITY_ONLY)
    return basis


@transaction.atomic
def placement_record(*, actor: Actor, child: Child, data: PlacementInput) -> Placement:
    """Check and record a placement; raises ``ValidationError`` (field → reasons) when the checker
    refuses it, :class:`PlacementWarnings` when its warnings are not confirmed."""
    child = Child.objects.select_for_update().get(pk=child.pk)
    basis = _check_home_authority(actor, child)
    if data.setting_type not in SettingType.values:
        raise ValidationError({"setting_type": ["Choose the kind of placement"]})
    check = placement_check(child, data)
    problems = dict(check.problems)
    if data.intel_outcome in ("suitable", "unsuitable") and not (
        data.intel_findings.strip() and data.intel_by.strip() and data.intel_on is not None
    ):
        problems.setdefault("intel_findings", MSG_INTEL_DETAILS)
    if data.intel_on is not None and data.intel_on > timezone.localdate():
        problems.setdefault("intel_on", MSG_FUTURE)
    if data.started_on > timezone.localdate():
        # recorded once it has started: a move that has not happened ends nothing and triggers nothing
        problems.setdefault("started_on", MSG_NOT_STARTED)
    current = Placement.objects.filter(child=child, ended_on__isnull=True, started_on__isnull=False).order_by(
        "-started_on"
    )
    latest = current.first()
    if latest is not None and latest.started_on is not None and data.started_on < latest.started_on:
        problems.setdefault("started_on", MSG_BEFORE_CURRENT.format(day=f"{latest.started_on:%-d %B %Y}"))
    # nor overlap the last placement that ended (one ended by hand, E-21)
    last_ended = Placement.objects.filter(child=child, ended_on__isnull=False).order_by("-ended_on").first()
    if last_ended is not None and last_ended.ended_on is not None and data.started_on < last_ended.ended_on:
        problems.setdefault(
            "started_on", MSG_BEFORE_LAST_ENDED.format(day=f"{last_ended.ended_on:%-d %B %Y}")
        )
    if problems:
        raise ValidationError({field: [message] for field, message in problems.items()})
    if check.warnings and not data.confirm_warnings:
        raise PlacementWarnings(check.warnings)
    placement = Placement(
        child=child,
        setting_type=data.setting_type,
        started_on=data.started_on,
        postcode=data.postcode.strip().upper(),
        distance_from_home_miles=data.distance_miles,
        in_home_area=data.in_home_area,
        commissioning_authority=child.home_local_authority,
        young_person_express_wish=data.express_wish,
        express_wish_words=data.express_wish_words.strip() if data.express_wish else "",
        police_intel_outcome=data.intel_outcome,
        police_intel_findings=data.intel_findings.strip(),
        police_intel_by=data.intel_by.strip()[:150],
        police_intel_on=data.intel_on,
        risk_level_at_decision=child.risk_level,
        health_support_due_on=check.health_support_due_on,
        checker_warnings=list(check.warnings),
        area_risk_notes=data.area_risk_notes.strip(),
        notes=data.notes.strip(),
    )
    placement.full_clean()  # the model's own checks (postcode, distance digits) before anything changes
    ended = list(current)
    for old in ended:
        old.ended_on = data.started_on
        old.end_reason = old.end_reason or "Moved to a new placement"
        old.save(update_fields=["ended_on", "end_reason", "updated_at"])
        audit_record(
            actor=actor,
            action=Action.UPDATE,
            object_type="placement",
            object_id=old.pk,
            child_pid=child.pseudonymous_id,
            fields=["placements.ended_on", "placements.end_reason"],
            basis=basis,
            detail=f"ended on {data.started_on}: moved to a new placement",
        )
    placement.save()
    audit_record(
        actor=actor,
        action=Action.CREATE,
        object_type="placement",
        object_id=placement.pk,
        child_pid=child.pseudonymous_id,
        fields=["placements"],
        basis=basis,
        detail=(
            f"{data.setting_type} from {data.started_on}; risk {child.risk_level}; intel {data.intel_outcome}"
            + ("; at distance, the young person's wish (R-42)" if check.at_distance else "")
            + ("; new area: health support due (R-44)" if check.new_area else "")
            + (f"; {len(ended)} earlier placement(s) ended" if ended else "")
        )[:500],
    )
    if check.triggers_crisis:
        from ccehub.panels.crisis import crisis_open
        from ccehub.rules.crisis import Trigger

        crisis_open(
            actor=actor,
            child=child,
            trigger=Trigger.NEW_AREA_PLACEMENT,
            on=min(data.started_on, timezone.localdate()),
            source=("placement", placement.pk),
        )
    return placement


@transaction.atomic
def placement_health_started(*, actor: Actor, placement: Placement, on: date) -> Placement:
    """R-44: record that health support started for a move into a new area."""
    placement = Placement.objects.select_for_update(of=("self",)).select_related("child").get(pk=placement.pk)
    basis = check_can_write(actor, placement.child)
    if (
        placement.health_support_due_on is None
        or placement.health_support_started_on is not None
        or placement.ended_on is not None
    ):
        raise ValidationError({"on": [MSG_HEALTH_NOT_DUE]})
    if on > timezone.localdate():
        raise ValidationError({"on": [MSG_FUTURE]})
    if placement.started_on is not None and on < placement.started_on:
        raise ValidationError({"on": [MSG_HEALTH_BEFORE.format(day=f"{placement.started_on:%-d %B %Y}")]})
    placement.health_support_started_on = on
    placement.save(update_fields=["health_support_started_on", "updated_at"])
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        object_type="placement",
        object_id=placement.pk,
        child_pid=placement.child.pseudonymous_id,
        fields=["placements.health_support_started_on"],
        basis=basis,
        detail=f"health support started on {on} (R-44)",
    )
    return placement


def custody_outcomes(child: Child) -> tuple[tuple[date, datetime], ...]:
    """J-11: each remand in custody or custodial sentence of the child: its day and when it was
    recorded."""
    from ccehub.justice.models import CourtOutcome

    rows = (
        CourtOutcome.objects.filter(child=child, decided_on__isnull=False)
        .filter(Q(remanded_in_custody=True) | Q(sentence_type__in=CUSTODIAL_SENTENCES))
        .order_by()
        .values_list("decided_on", "created_at")
    )
    return tuple((day, at) for day, at in rows if day is not None)


def placement_custody_check(placement: Placement, custody: tuple[tuple[date, datetime], ...]) -> date | None:
    """J-11: the custody day that calls for the breakdown check on ``placement``, if any."""
    return custody_check_due(
        setting_type=placement.setting_type,
        started_on=placement.started_on,
        ended=placement.ended_on is not None,
        kept_at=placement.kept_through_custody_at,
        custody=custody,
        today=timezone.localdate(),
    )


@transaction.atomic
def placement_end(
    *, actor: Actor, placement: Placement, ended_on: date, end_kind: str, note: str = ""
) -> Placement:
    """End a placement for one of E-21's reasons (the home local authority)."""
    placement = Placement.objects.select_for_update(of=("self",)).select_related("child").get(pk=placement.pk)
    basis = _check_home_authority(actor, placement.child)
    problems = end_problems(
        started_on=placement.started_on,
        ended_on=ended_on,
        already_ended=placement.ended_on is not None,
        reason=end_kind,
        note=note,
        today=timezone.localdate(),
    )
    if problems:
        raise ValidationError({field: [message] for field, message in problems.items()})
    placement.ended_on = ended_on
    placement.end_kind = end_kind
    placement.end_reason = (note.strip() or str(PlacementEnd(end_kind).label))[:200]
    placement.save(update_fields=["ended_on", "end_kind", "end_reason", "updated_at"])
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        object_type="placement",
        object_id=placement.pk,
        child_pid=placement.child.pseudonymous_id,
        fields=["placements.ended_on", "placements.end_kind", "placements.end_reason"],
        basis=basis,
        detail=f"ended on {ended_on}: {end_kind}",
    )
    return placement


@transaction.atomic
def placement_kept_through_custody(*, actor: Actor, placement: Placement) -> Placement:
    """J-11: the home local authority keeps the placement open for the child's return from custody."""
    placement = Placement.objects.select_for_update(of=("self",)).select_related("child").get(pk=placement.pk)
    basis = _check_home_authority(actor, placement.child)
    if placement_custody_check(placement, custody_outcomes(placement.child)) is None:
        raise ValidationError({NON_FIELD_ERRORS: [MSG_NO_CUSTODY_CHECK]})
    placement.kept_through_custody_at = timezone.now()
    placement.save(update_fields=["kept_through_custody_at", "updated_at"])
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        object_type="placement",
        object_id=placement.pk,
        child_pid=placement.child.pseudonymous_id,
        fields=["placements.kept_through_custody_at"],
        basis=basis,
        detail="kept open for the child's return from custody (J-11)",
    )
    return placement
