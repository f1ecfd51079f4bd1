"""Fixtures shared by the charge tests: an incident in Kent for the Islington child, a Kent officer."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone


@pytest.fixture
def incident(islington_child, system_actor, agencies):
    from ccehub.incidents.services import incident_record

    return incident_record(
        actor=system_actor,
        child=islington_child,
        occurred_at=timezone.now() - timedelta(days=20),
        incident_type="arrest_pwits",
        recording_agency=agencies["kent"],
        arresting_force=agencies["kent"],
    )


@pytest.fixture
def kent_pc(make_user, agencies, roles):
    return make_user("kent.pc", agencies["kent"], roles.POLICE_OFFICER)
