"""The children tests may use the panel world (tests/panels/conftest.py): agencies, people by role,
and Jamie, whose history the query-count tests grow, with his arrest and NRM referral. The holdings
tests share the people of the two agencies that hold the Islington child (Islington and the Met) and a
way to end the Met's holding."""

import pytest

from tests.panels.conftest import child, incident, referral, world  # noqa: F401 - fixtures

#: Why the Met's holding of the Islington child ends, in the holdings tests.
HOLDING_END_REASON = "Moved to Kent in 2023; no open work with the Met since"


@pytest.fixture
def people(agencies, make_user, roles):
    """Administrators and case workers of the Met and Islington, and a Whittington practitioner."""
    return {
        "met_admin": make_user("met.admin", agencies["met"], roles.ADMIN),
        "met_pc": make_user("met.pc", agencies["met"], roles.POLICE_OFFICER),
        "isl_admin": make_user("isl.admin", agencies["islington"], roles.ADMIN),
        "isl_sw": make_user("isl.sw", agencies["islington"], roles.SOCIAL_WORKER),
        "isl_analyst": make_user("isl.analyst", agencies["islington"], roles.ANALYST),
        "health": make_user("hp", agencies["health"], roles.HEALTH_PRACTITIONER),
    }


@pytest.fixture
def end_met(people, actor_for):
    """``end_met(child, reason=...)``: the Met's administrator ends the Met's holdings of the child."""
    from ccehub.children.services import holding_end

    def end(held, reason=HOLDING_END_REASON):
        return holding_end(
            actor=actor_for(people["met_admin"]), child=held, agency=held.home_police_force, reason=reason
        )

    return end
