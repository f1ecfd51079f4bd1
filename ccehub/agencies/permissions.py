"""What each role may do. Pure data, so the rules are easy to read, test and review.

Identity (names, date of birth, addresses) is visible only to roles that need it for direct work
with the child. Analysts work on pseudonymised data only. Administrators manage accounts and read
audit history; they do not read case records.
"""

from __future__ import annotations

from ccehub.agencies.models import AgencyKind, Role

#: Roles that work directly with children and may see identity where the basis allows it.
IDENTITY_ROLES: frozenset[str] = frozenset(
    {
        Role.POLICE_OFFICER,
        Role.POLICE_SPECIALIST,
        Role.SOCIAL_WORKER,
        Role.EXPLOITATION_WORKER,
        Role.YOT_WORKER,
        Role.HEALTH_PRACTITIONER,
        Role.PANEL_MEMBER,
        Role.PANEL_CHAIR,
    }
)

#: Roles that may read case records at all (pseudonymised for analysts).
CASE_READ_ROLES: frozenset[str] = IDENTITY_ROLES | {Role.ANALYST}

#: Roles that may record facts about a child.
CASE_WRITE_ROLES: frozenset[str] = IDENTITY_ROLES

#: Roles that may read a child's access history.
AUDIT_ROLES: frozenset[str] = frozenset({Role.ADMIN})

#: Roles that may approve a rebuttal of the 100-day presumption (R-25).
REBUTTAL_APPROVER_ROLES: frozenset[str] = frozenset({Role.POLICE_SPECIALIST, Role.PANEL_CHAIR})

#: Which roles make sense in which kind of agency.
ROLES_BY_AGENCY_KIND: dict[str, frozenset[str]] = {
    AgencyKind.POLICE_FORCE: frozenset(
        {Role.POLICE_OFFICER, Role.POLICE_SPECIALIST, Role.ANALYST, Role.ADMIN}
    ),
    AgencyKind.LA_CHILDRENS_SERVICES: frozenset(
        {Role.SOCIAL_WORKER, Role.EXPLOITATION_WORKER, Role.ANALYST, Role.ADMIN}
    ),
    AgencyKind.YOUTH_OFFENDING_TEAM: frozenset({Role.YOT_WORKER, Role.ANALYST, Role.ADMIN}),
    AgencyKind.HEALTH: frozenset({Role.HEALTH_PRACTITIONER, Role.ANALYST, Role.ADMIN}),
    AgencyKind.CCE_PANEL: frozenset({Role.PANEL_MEMBER, Role.PANEL_CHAIR, Role.ANALYST, Role.ADMIN}),
    AgencyKind.CPS: frozenset({Role.ANALYST, Role.ADMIN}),
    AgencyKind.HOME_OFFICE_SCA: frozenset({Role.ANALYST, Role.ADMIN}),
}


def role_allowed_in(role: str, agency_kind: str) -> bool:
    return role in ROLES_BY_AGENCY_KIND.get(agency_kind, frozenset())
