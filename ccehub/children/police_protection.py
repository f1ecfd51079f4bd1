"""Police protection on a child's record (E-22, R-35) and the police-LA placement dispute (F-32).
Rules: :mod:`ccehub.rules.police_protection`.

* A **police force** that may record on the child records that its officers took the child into
  police protection: when, where, the officer, the grounds (a risk of significant harm) and, when it
  is used against the local authority's placement plan, that plan and why the police disagree.
  The limit (the policy profile's 72 hours) is kept on the episode.
* The **home local authority** is told (its dashboard, and an email with no name in it), holds the
  child again if its holding had ended, and, for a disputed plan, owes a reassessment by the
  protection's limit (F-32). Open joint plans come up for review (R-50 [D]).
* The **same force** records when protection ended (never beyond the limit) and where the child went;
  the home local authority is told.
* The **home local authority** records its reassessment of the disputed plan.
* Every write is audited; the notification carries the child's pseudonymous ID only.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Final

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from ccehub.agencies.models import AgencyKind
from ccehub.audit.models import Action
from ccehub.audit.services import audit_record
from ccehub.children.home_agencies import agency_name, is_actors, notify_agency, rehold_home_authority, when
from ccehub.children.models import Child, Identity, Placement, PoliceProtection
from ccehub.children.services import as_local_aware, check_can_write
from ccehub.common.access import Actor
from ccehub.rules.escalation import TriggerEvent
from ccehub.rules.police_protection import (
    Episode,
    ProtectionState,
    StartFacts,
    check_end,
    check_reassessment,
    check_start,
    hours_left,
    limit_at,
    protection_state,
    reassessment_due_at,
)
from ccehub.rules.policy import profile_in_force

MSG_POLICE_ONLY: Final = "Only a police force records police protection: it is a police power"
MSG_SAME_FORCE: Final = "Only the force that took the child into police protection records when it ended"
MSG_HOME_AUTHORITY_ONLY: Final = (
    "Only the child's home local authority records the reassessment of its placement plan"
)
MSG_OFFICER: Final = "Enter the name of the officer who used the power"
MSG_NOT_THE_CHILDS: Final = "Choose one of the child's placements, or none"


@dataclass(frozen=True)
class ProtectionStart:
    started_at: datetime
    officer: str
    grounds: str
    held_at: str = PoliceProtection.HeldAt.POLICE_PREMISES
    disputes_plan: bool = False
    disputed_plan: str = ""
    dispute_reason: str = ""
    #: The child's current placement, when the plan disputed is about it (optional).
    disputed_placement_id: object | None = None


@dataclass(frozen=True)
class ProtectionView:
    """An episode as the pages and dashboards show it at ``now``."""

    protection: PoliceProtection
    state: ProtectionState
    limit: datetime
    hours_left: int
    #: F-32: the reassessment is owed (a disputed plan not yet reassessed), and by when.
    reassessment_owed: bool
    reassessment_due: datetime | None
    reassessment_overdue: bool


def protection_view(protection: PoliceProtection, *, now: datetime | None = None) -> ProtectionView:
    now = now or timezone.now()
    owed = protection.disputed and protection.reassessed_on is None
    due = reassessment_due_at(protection.started_at, protection.max_hours) if owed else None
    return ProtectionView(
        protection=protection,
        state=protection_state(
            protection.started_at, protection.ended_at, now=now, max_hours=protection.max_hours
        ),
        limit=limit_at(protection.started_at, protection.max_hours),
        hours_left=hours_left(protection.started_at, now=now, max_hours=protection.max_hours),
        reassessment_owed=owed,
        reassessment_due=due,
        reassessment_overdue=owed and due is not None and now > due,
    )


def is_police(actor: Actor) -> bool:
    return actor.agency is not None and actor.agency.kind == AgencyKind.POLICE_FORCE


def _raise(problems: dict[str, str]) -> None:
    if problems:
        raise ValidationError({field: [message] for field, message in problems.items()})


@transaction.atomic
def protection_start(*, actor: Actor, child: Child, data: ProtectionStart) -> PoliceProtection:
    """Record that the actor's force took ``child`` into police protection."""
    from ccehub.panels.escalation import plans_review_for_event

    basis = check_can_write(actor, child)
    if not is_police(actor) or actor.agency is None:
        raise PermissionDenied(MSG_POLICE_ONLY)
    # a time without an offset is UK local time (as everywhere on ccehub), never a crash
    data = replace(data, started_at=as_local_aware(data.started_at))
    # one open episode per child: the child row is locked so two reports at once cannot both pass
    child = Child.objects.select_for_update().get(pk=child.pk)
    now = timezone.now()
    dob = Identity.objects.filter(child=child).values_list("date_of_birth", flat=True).first()
    others = tuple(
        # local times: the messages quote them as people in England read them
        Episode(
            started_at=timezone.localtime(p.started_at),
            ended_at=timezone.localtime(p.ended_at) if p.ended_at is not None else None,
        )
        for p in PoliceProtection.objects.filter(child=child)
    )
    problems = check_start(
        StartFacts(
            started_at=data.started_at,
            grounds=data.grounds,
            date_of_birth=dob,
            disputes_plan=data.disputes_plan,
            disputed_plan=data.disputed_plan,
            dispute_reason=data.dispute_reason,
            others=others,
        ),
        now=now,
        local_day=timezone.localtime(data.started_at).date(),
    )
    if not data.officer.strip():
        problems.setdefault("officer", MSG_OFFICER)
    placement = None
    if data.disputes_plan and data.disputed_placement_id not in (None, ""):
        try:
            placement = Placement.objects.filter(child=child, pk=data.disputed_placement_id).first()
        except (ValidationError, ValueError):  # not an id at all
            placement = None
        if placement is None:
            problems.setdefault("disputed_placement", MSG_NOT_THE_CHILDS)
    _raise(problems)
    started_on = timezone.localtime(data.started_at).date()
    protection = PoliceProtection(
        child=child,
        force=actor.agency,
        officer=data.officer.strip()[:150],
        started_at=data.started_at,
        max_hours=profile_in_force(started_on).police_protection_max_hours,
        grounds=data.grounds.strip(),
        held_at=data.held_at,
        disputed_plan=data.disputed_plan.strip() if data.disputes_plan else "",
        dispute_reason=data.dispute_reason.strip() if data.disputes_plan else "",
        disputed_placement=placement,
    )
    protection.full_clean()
    protection.save()
    audit_record(
        actor=actor,
        action=Action.CREATE,
        object_type="policeprotection",
        object_id=protection.pk,
        child_pid=child.pseudonymous_id,
        fields=["police_protections"],
        basis=basis,
        detail=(
            f"police protection from {timezone.localtime(data.started_at):%Y-%m-%d %H:%M %Z}, "
            f"at most {protection.max_hours} hours"
            + ("; used against the local authority's placement plan (F-32)" if protection.disputed else "")
        ),
    )
    plans_review_for_event(actor=actor, child=child, event=TriggerEvent.POLICE_PROTECTION, on=started_on)
    home = child.home_local_authority
    if home is not None and not is_actors(actor, home):
        rehold_home_authority(
            actor=actor,
            child=child,
            home=home,
            why="taken into police protection, and the home authority must act",
        )
        limit = limit_at(protection.started_at, protection.max_hours)
        text = (
            f"{agency_name(actor)} took child {child.pseudonymous_id} into police protection at "
            f"{when(protection.started_at)}. It lasts at most {protection.max_hours} hours, until "
            f"{when(limit)} (R-35)."
        )
        if protection.disputed:
            text += (
                " The police used it against your authority's placement plan: reassess the plan by "
                f"{when(limit)} and record the outcome (F-32)."
            )
        notify_agency(
            actor=actor,
            child=child,
            agency=home,
            kind="police_protection",
            text=text,
            link=reverse("children:police_protection", args=[child.pseudonymous_id]),
            about=("policeprotection", protection.pk),
        )
    return protection


@transaction.atomic
def protection_end(
    *, actor: Actor, protection: PoliceProtection, ended_at: datetime, released_to: str, outcome: str = ""
) -> PoliceProtection:
    """Record when police protection ended and where the child went (the force that used it)."""
    protection = (
        PoliceProtection.objects.select_for_update(of=("self",)).select_related("child").get(pk=protection.pk)
    )
    basis = check_can_write(actor, protection.child)
    if not is_actors(actor, protection.force):
        raise PermissionDenied(MSG_SAME_FORCE)
    ended_at = as_local_aware(ended_at)
    problems = check_end(
        timezone.localtime(protection.started_at),
        timezone.localtime(ended_at),
        already_ended=protection.ended_at is not None,
        released_to=released_to if released_to in PoliceProtection.ReleasedTo.values else "",
        now=timezone.now(),
        max_hours=protection.max_hours,
    )
    _raise(problems)
    protection.ended_at = ended_at
    protection.released_to = released_to
    protection.outcome = outcome.strip()
    protection.save(update_fields=["ended_at", "released_to", "outcome", "updated_at"])
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        object_type="policeprotection",
        object_id=protection.pk,
        child_pid=protection.child.pseudonymous_id,
        fields=[
            "police_protections.ended_at",
            "police_protections.released_to",
            "police_protections.outcome",
        ],
        basis=basis,
        detail=f"ended {timezone.localtime(ended_at):%Y-%m-%d %H:%M %Z}: {released_to}",
    )
    home = protection.child.home_local_authority
    if home is not None and not is_actors(actor, home):
        # the home authority acts on where the child went (and, for a disputed plan, still owes
        # the reassessment)
        text = (
            f"{agency_name(actor)} recorded that police protection of child {protection.child.pseudonymous_id} "
            f"ended at {when(ended_at)}: {protection.get_released_to_display().lower()}."
        )
        if protection.disputed and protection.reassessed_on is None:
            due = reassessment_due_at(protection.started_at, protection.max_hours)
            text += f" Reassess your placement plan by {when(due)} and record the outcome (F-32)."
        notify_agency(
            actor=actor,
            child=protection.child,
            agency=home,
            kind="police_protection_ended",
            text=text,
            link=reverse("children:police_protection", args=[protection.child.pseudonymous_id]),
            about=("policeprotection", protection.pk),
        )
    return protection


@transaction.atomic
def protection_reassess(
    *, actor: Actor, protection: PoliceProtection, on: date, outcome: str, notes: str
) -> PoliceProtection:
    """F-32: the home local authority records its reassessment of the plan the police disputed."""
    protection = (
        PoliceProtection.objects.select_for_update(of=("self",)).select_related("child").get(pk=protection.pk)
    )
    basis = check_can_write(actor, protection.child)
    if not is_actors(actor, protection.child.home_local_authority):
        raise PermissionDenied(MSG_HOME_AUTHORITY_ONLY)
    problems = check_reassessment(
        disputed=protection.disputed,
        already_reassessed=protection.reassessed_on is not None,
        outcome=outcome,
        notes=notes,
        on=on,
        protection_began_on=timezone.localtime(protection.started_at).date(),
        today=timezone.localdate(),
    )
    _raise(problems)
    protection.reassessed_on = on
    protection.reassessment_outcome = outcome
    protection.reassessment_notes = notes.strip()
    protection.reassessed_by = actor.user if getattr(actor.user, "pk", None) is not None else None
    protection.save(
        update_fields=[
            "reassessed_on",
            "reassessment_outcome",
            "reassessment_notes",
            "reassessed_by",
            "updated_at",
        ]
    )
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        object_type="policeprotection",
        object_id=protection.pk,
        child_pid=protection.child.pseudonymous_id,
        fields=[
            "police_protections.reassessed_on",
            "police_protections.reassessment_outcome",
            "police_protections.reassessment_notes",
        ],
        basis=basis,
        detail=f"placement plan reassessed on {on}: {outcome} (F-32)",
    )
    return protection
