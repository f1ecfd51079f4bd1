"""Who may do what on a CCE panel. Checks raise :class:`PermissionDenied` with a constant message.

* **Panel lead** (R-15: "the local authority receives the referral and asks professionals for
  information"): an exploitation worker in a local authority the panel serves. The panel chair may do
  the lead's tasks too (a panel without a lead still has to run).
* **Chair**: a ``panel_chair`` of the panel agency. Only the chair records decisions.
* **Members**: ``panel_member`` and ``panel_chair`` of the panel agency read the panel's cases.
* **Home Office quality assurance** (R-20): a member of a Home Office SCA agency who is not an
  administrator (those agencies have analysts and administrators only; QA works on pseudonymised
  records, which is what the analyst role sees).
"""

from __future__ import annotations

from typing import Final

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from ccehub.agencies.models import Agency, AgencyKind, Role
from ccehub.common.access import Actor

MSG_NOT_PANEL_LEAD: Final = (
    "Only the panel lead (an exploitation worker in a local authority the panel serves) or the panel chair "
    "can do this"
)
MSG_NOT_PANEL_CHAIR: Final = "Only the chair of this panel can record the panel's decisions"
MSG_NOT_PANEL_READER: Final = "You are not a member or lead of this panel"
MSG_NOT_HO_QA: Final = "Only Home Office quality assurance can confirm or return a panel decision"

#: Roles that may lead a panel from a local authority (R-15).
PANEL_LEAD_ROLES: Final[frozenset[str]] = frozenset({Role.EXPLOITATION_WORKER})


def lead_panels(actor: Actor) -> QuerySet[Agency]:
    """Panels ``actor`` leads: those serving the actor's local authority, or the chair's own panel."""
    panels = Agency.objects.filter(kind=AgencyKind.CCE_PANEL, active=True)
    if actor.system:
        return panels
    agency = actor.agency
    if agency is None:
        return panels.none()
    if actor.role in PANEL_LEAD_ROLES and agency.kind == AgencyKind.LA_CHILDRENS_SERVICES:
        return panels.filter(panel_areas__local_authority=agency).distinct()
    if actor.role == Role.PANEL_CHAIR and agency.kind == AgencyKind.CCE_PANEL:
        return panels.filter(pk=agency.pk)
    return panels.none()


def is_panel_lead(actor: Actor, panel: Agency) -> bool:
    return lead_panels(actor).filter(pk=panel.pk).exists()


def is_panel_chair(actor: Actor, panel: Agency) -> bool:
    return actor.system or (actor.role == Role.PANEL_CHAIR and actor.agency == panel)


def is_panel_member(actor: Actor, panel: Agency) -> bool:
    return actor.role in (Role.PANEL_MEMBER, Role.PANEL_CHAIR) and actor.agency == panel


def reader_panels(actor: Actor) -> QuerySet[Agency]:
    """Panels whose cases ``actor`` may list: as lead, chair or member."""
    panels = Agency.objects.filter(kind=AgencyKind.CCE_PANEL, active=True)
    if actor.system:
        return panels
    agency = actor.agency
    if (
        agency is not None
        and agency.kind == AgencyKind.CCE_PANEL
        and actor.role
        in (
            Role.PANEL_MEMBER,
            Role.PANEL_CHAIR,
        )
    ):
        return panels.filter(pk=agency.pk)
    return lead_panels(actor)


def is_ho_qa(actor: Actor) -> bool:
    agency = actor.agency
    return actor.system or (
        agency is not None and agency.kind == AgencyKind.HOME_OFFICE_SCA and actor.role != Role.ADMIN
    )


def check_panel_lead(actor: Actor, panel: Agency) -> None:
    if not is_panel_lead(actor, panel):
        raise PermissionDenied(MSG_NOT_PANEL_LEAD)


def check_panel_chair(actor: Actor, panel: Agency) -> None:
    if not is_panel_chair(actor, panel):
        raise PermissionDenied(MSG_NOT_PANEL_CHAIR)


def check_panel_reader(actor: Actor, panel: Agency) -> None:
    if not reader_panels(actor).filter(pk=panel.pk).exists():
        raise PermissionDenied(MSG_NOT_PANEL_READER)


def check_ho_qa(actor: Actor) -> None:
    if not is_ho_qa(actor):
        raise PermissionDenied(MSG_NOT_HO_QA)
