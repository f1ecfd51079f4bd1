"""Who is acting, and on what basis they may see a child.

An agency sees the children it holds records about: a current (not ended)
:class:`~ccehub.children.models.CaseHolding`; an ended holding is a basis for nothing.
Any other agency sees a child only through a recorded basis: an open case shared with its CCE panel,
or an active data-sharing agreement with an agency that holds the child. One person (not their
agency) may also see one child, read-only and for a few hours, under emergency access they started
with a reason (``ccehub.children.services.emergency_access_start``); it is reviewed afterwards. Every
check that refuses access is itself audited by the caller.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from ccehub.agencies.models import Agency, DataSharingAgreement, Membership, Role
from ccehub.agencies.permissions import AUDIT_ROLES, CASE_READ_ROLES, CASE_WRITE_ROLES, IDENTITY_ROLES

if TYPE_CHECKING:
    from ccehub.children.models import Child

BASIS_OWN = "own_records"
BASIS_PANEL = "panel_case"
BASIS_AGREEMENT = "data_sharing_agreement"
BASIS_SYSTEM = "system"
#: ``emergency_access:<id>``: one person's unexpired break-glass access (read-only, never in lists).
BASIS_EMERGENCY = "emergency_access"


@dataclass(frozen=True)
class Actor:
    """A person (or the system) acting through one channel for one purpose."""

    user: Any
    membership: Membership | None
    channel: str
    purpose: str = ""
    system: bool = field(default=False)
    origin: str = ""

    @property
    def agency(self) -> Agency | None:
        return self.membership.agency if self.membership else None

    @property
    def role(self) -> str:
        return self.membership.role if self.membership else ""

    @property
    def username(self) -> str:
        if self.user is not None and getattr(self.user, "is_authenticated", False):
            return str(self.user.get_username())
        return str(self.user) if isinstance(self.user, str) else ""

    @classmethod
    def for_system(cls, *, name: str, channel: str, purpose: str, origin: str = "") -> Actor:
        """An operator acting through the CLI on the server, or the system itself."""
        return cls(user=name, membership=None, channel=channel, purpose=purpose, system=True, origin=origin)

    @property
    def can_read_cases(self) -> bool:
        return self.system or self.role in CASE_READ_ROLES

    @property
    def can_write_cases(self) -> bool:
        return self.system or self.role in CASE_WRITE_ROLES

    @property
    def is_analyst(self) -> bool:
        return self.role == Role.ANALYST

    @property
    def can_read_audit(self) -> bool:
        return self.system or self.role in AUDIT_ROLES or bool(getattr(self.user, "is_superuser", False))


def active_agreements(*, recipient: Agency, on: date | None = None) -> QuerySet[DataSharingAgreement]:
    today = on or timezone.localdate()
    return DataSharingAgreement.objects.filter(
        recipient=recipient, starts_on__lte=today, expires_on__gte=today, revoked_at__isnull=True
    )


def _held_by(agencies: Any) -> Q:
    """Children with a current holding by ``agencies`` (one agency, or a queryset of agency ids).

    A subquery over current holdings, not a join: the agency and "not ended" conditions then always
    apply to the same holding row, however the caller combines this ``Q``.
    """
    from ccehub.children.models import CaseHolding

    current = CaseHolding.objects.current()
    held = (
        current.filter(agency=agencies)
        if isinstance(agencies, Agency)
        else current.filter(agency__in=agencies)
    )
    return Q(id__in=held.values("child"))


def visible_children_q(agency: Agency, *, on: date | None = None) -> Q:
    """Children ``agency`` may see: its own, its panel's open cases, and those under an agreement."""
    agreements = active_agreements(recipient=agency, on=on)
    return (
        _held_by(agency)
        | Q(panel_cases__panel=agency, panel_cases__closed_on__isnull=True)
        | _held_by(agreements.filter(child__isnull=True).values("provider"))
        | Q(id__in=agreements.filter(child__isnull=False).values("child"))
    )


def writable_children_q(agency: Agency) -> Q:
    """Children ``agency``'s people may record on: its own and its panel's open cases (sight under a
    data-sharing agreement is read-only; see ``ccehub.children.services.WRITE_BASES``)."""
    return _held_by(agency) | Q(panel_cases__panel=agency, panel_cases__closed_on__isnull=True)


def access_basis(actor: Actor, child: Child, *, on: date | None = None) -> str | None:
    """The basis on which ``actor`` may read ``child``, or ``None`` when there is none."""
    return access_bases(actor, [child], on=on)[child.pk]


def access_bases(actor: Actor, children: Iterable[Child], *, on: date | None = None) -> dict[Any, str | None]:
    """:func:`access_basis` for each of ``children`` (by primary key), in a fixed number of queries
    however many there are (a meeting's papers read every child on the agenda).

    In order, the first that applies: the actor's agency holds the child (own records); its CCE panel
    has an open case about the child; an active data-sharing agreement to the agency covers the child
    (one naming the child, or a blanket one from an agency holding it; the latest to start); the
    person's own emergency access to the child.
    """
    from ccehub.children.models import CaseHolding, Child

    ids = list(dict.fromkeys(child.pk for child in children))
    if actor.system:
        return dict.fromkeys(ids, BASIS_SYSTEM)
    agency = actor.agency
    bases: dict[Any, str | None] = dict.fromkeys(ids)
    if agency is None or not actor.can_read_cases or not ids:
        return bases
    holders: dict[Any, set[Any]] = {}
    for child_id, agency_id in (
        CaseHolding.objects.current().filter(child_id__in=ids).values_list("child_id", "agency_id")
    ):
        holders.setdefault(child_id, set()).add(agency_id)

    def rest() -> list[Any]:
        return [pk for pk in ids if bases[pk] is None]

    for pk in ids:
        if agency.pk in holders.get(pk, ()):
            bases[pk] = BASIS_OWN
    if rest():
        panel_cases = Child._meta.get_field("panel_cases").related_model._default_manager
        for pk in panel_cases.filter(child_id__in=rest(), panel=agency, closed_on__isnull=True).values_list(
            "child_id", flat=True
        ):
            bases[pk] = BASIS_PANEL
    if rest():
        providers = {holder for pk in rest() for holder in holders.get(pk, ())}
        agreements = list(
            active_agreements(recipient=agency, on=on)
            .filter(Q(child_id__in=rest()) | Q(child__isnull=True, provider_id__in=providers))
            .order_by("-starts_on")
        )
        for pk in rest():
            agreement = next(
                (
                    a
                    for a in agreements
                    if a.child_id == pk or (a.child_id is None and a.provider_id in holders.get(pk, ()))
                ),
                None,
            )
            if agreement is not None:
                bases[pk] = f"{BASIS_AGREEMENT}:{agreement.id}"
    if rest():
        for pk, emergency in emergency_accesses_of(actor, rest()).items():
            bases[pk] = f"{BASIS_EMERGENCY}:{emergency.id}"
    return bases


def is_emergency_basis(basis: str | None) -> bool:
    return bool(basis) and str(basis).startswith(BASIS_EMERGENCY + ":")


def emergency_access_of(actor: Actor, child: Child) -> Any:
    """``actor``'s own unexpired emergency access to ``child``, or ``None``.

    Personal: the same user, acting for the agency and in a role that works directly with children
    (as when it was started). Ends at ``expires_at`` (the first moment it no longer works), or as soon
    as a review finds it not justified.
    """
    return emergency_accesses_of(actor, [child.pk]).get(child.pk)


def emergency_accesses_of(actor: Actor, child_ids: Iterable[Any]) -> dict[Any, Any]:
    """:func:`emergency_access_of` for each of ``child_ids`` that has one (by child), in one query."""
    user = actor.user
    if actor.system or not getattr(user, "is_authenticated", False) or actor.agency is None:
        return {}
    if actor.role not in IDENTITY_ROLES:
        return {}
    from ccehub.children.models import EmergencyAccess

    found: dict[Any, Any] = {}
    for emergency in (
        EmergencyAccess.objects.filter(
            child_id__in=list(child_ids), user=user, agency=actor.agency, expires_at__gt=timezone.now()
        )
        .exclude(review_outcome="not_justified")
        .order_by("-expires_at")
    ):
        found.setdefault(emergency.child_id, emergency)
    return found


def identity_allowed(actor: Actor, basis: str | None) -> bool:
    """Identity only for roles that need it, on a basis that includes it."""
    if basis is None or actor.system:
        return basis is not None
    if actor.role not in IDENTITY_ROLES:
        return False
    if basis in (BASIS_OWN, BASIS_PANEL):
        return True
    if basis.startswith(BASIS_AGREEMENT + ":"):
        agreement_id = basis.split(":", 1)[1]
        return DataSharingAgreement.objects.filter(id=agreement_id, includes_identity=True).exists()
    # Emergency access is started to identify a child at risk now: the person needs to know who.
    return is_emergency_basis(basis)
