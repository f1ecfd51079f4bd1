"""Fixtures for the triage journey: Kent Police officers, an Islington social worker, a panel chair,
and a 15-year-old arrested in county lines out of area (presumed a potential victim)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

LONDON = ZoneInfo("Europe/London")
#: A 15-year-old (DOB 2008-05-01) arrested on 1 March 2024 at 21:00: well over 100 days before 18.
INCIDENT_AT = datetime(2024, 3, 1, 21, 0, tzinfo=LONDON)
DOB = date(2008, 5, 1)
#: How the birth date, the 18th birthday and the 791 days between the incident and it could be
#: written. Tests look for these, not for bare "2008" or "791": ids and timestamps are random digits.
DOB_REVEALING = (
    "2008-05-01", "01/05/2008", "1 May 2008", "2026-05-01", "01/05/2026", "1 May 2026", "791 day",
)  # fmt: skip


def revealing(value) -> list[str]:
    """The forms of the birth date (or days to 18) found in a page's text or anywhere in JSON data;
    a JSON number 791 counts too."""
    if isinstance(value, dict):
        return [found for item in value.values() for found in revealing(item)]
    if isinstance(value, list):
        return [found for item in value for found in revealing(item)]
    if value == 791 and not isinstance(value, bool):
        return ["791"]
    return [form for form in DOB_REVEALING if isinstance(value, str) and form in value]


@pytest.fixture
def people(agencies, make_user, actor_for, roles):
    users = {
        "officer": make_user("t.officer", agencies["kent"], roles.POLICE_OFFICER),
        "officer2": make_user("t.officer2", agencies["kent"], roles.POLICE_OFFICER),
        "specialist": make_user("t.specialist", agencies["kent"], roles.POLICE_SPECIALIST),
        "specialist2": make_user("t.specialist2", agencies["kent"], roles.POLICE_SPECIALIST),
        "sw": make_user("t.sw", agencies["islington"], roles.SOCIAL_WORKER),
        "camden": make_user("t.camden", agencies["camden"], roles.SOCIAL_WORKER),
        "analyst": make_user("t.analyst", agencies["islington"], roles.ANALYST),
        "chair": make_user("t.chair", agencies["panel"], roles.PANEL_CHAIR),
    }
    return {"users": users, **{name: actor_for(user) for name, user in users.items()}}


def incident_values(**overrides):
    values = {
        "occurred_at": INCIDENT_AT,
        "incident_type": "arrest_pwits",
        "is_arrest": True,
        "county_lines_linked": "recorded_present",
        "in_home_area": "recorded_absent",
        "place": "Margate",
        "offences": ["pwits_class_a"],
        "indicators": ["cash", "multiple_phones"],
    }
    values.update(overrides)
    return values


def new_child(**overrides):
    values = {
        "given_name": "Unknown",
        "date_of_birth": DOB,
        "home_local_authority": None,
        "home_police_force": None,
    }
    values.update(overrides)
    return values


@pytest.fixture
def presumed(people, agencies):
    """The officer records an unknown child (DOB known, home Islington) and triages the arrest."""
    from ccehub.incidents.services import incident_record_and_triage

    return incident_record_and_triage(
        actor=people["officer"],
        new_child=new_child(home_local_authority=agencies["islington"], home_police_force=agencies["met"]),
        **incident_values(),
    )


@pytest.fixture
def health(agencies, make_user, roles, system_actor, presumed):
    """A health practitioner who sees Kent's children under an agreement: read-only sight."""
    from django.utils import timezone

    from ccehub.agencies.services import agreement_create

    today = timezone.localdate()
    agreement_create(
        actor=system_actor,
        title="Health sight of Kent's children",
        provider=agencies["kent"],
        recipient=agencies["health"],
        purpose="health safeguarding",
        starts_on=today,
        expires_on=today + timedelta(days=30),
        legal_basis="UK GDPR 6(1)(e)",
    )
    return make_user("t.health", agencies["health"], roles.HEALTH_PRACTITIONER)
