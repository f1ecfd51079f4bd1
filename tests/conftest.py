"""Shared fixtures: agencies, users with memberships, and actors."""

from __future__ import annotations

from datetime import date

import pytest


@pytest.fixture
def agencies(db):
    from ccehub.agencies.models import Agency, AgencyKind

    def make(code: str, name: str, kind: str, **extra) -> Agency:
        return Agency.objects.create(code=code, name=name, kind=kind, **extra)

    met = make("met", "Metropolitan Police Service", AgencyKind.POLICE_FORCE, ons_code="E23000001")
    kent = make("kent", "Kent Police", AgencyKind.POLICE_FORCE, ons_code="E23000032", is_importing_area=True)
    islington = make(
        "la-islington", "Islington", AgencyKind.LA_CHILDRENS_SERVICES, ons_code="E09000019", police_force=met
    )
    camden = make(
        "la-camden", "Camden", AgencyKind.LA_CHILDRENS_SERVICES, ons_code="E09000007", police_force=met
    )
    health = make("whittington-health", "Whittington Health NHS Trust", AgencyKind.HEALTH, parent=islington)
    panel = make(
        "islington-camden-panel",
        "Islington and Camden CCE Panel",
        AgencyKind.CCE_PANEL,
        runs_local_panel=True,
    )
    return {
        "met": met,
        "kent": kent,
        "islington": islington,
        "camden": camden,
        "health": health,
        "panel": panel,
    }


@pytest.fixture
def make_user(db, django_user_model):
    from ccehub.agencies.models import Membership

    def make(username: str, agency, role: str, **extra) -> object:
        user = django_user_model.objects.create_user(
            username=username, password="a-long-test-password", **extra
        )
        Membership.objects.create(user=user, agency=agency, role=role)
        return user

    return make


@pytest.fixture
def actor_for():
    from ccehub.agencies.selectors import active_memberships
    from ccehub.common.access import Actor

    def make(user, channel: str = "web", purpose: str = "test") -> Actor:
        return Actor(user=user, membership=active_memberships(user=user)[0], channel=channel, purpose=purpose)

    return make


@pytest.fixture
def system_actor():
    from ccehub.common.access import Actor

    return Actor.for_system(name="test-system", channel="system", purpose="test set-up")


@pytest.fixture
def islington_child(agencies, system_actor):
    from ccehub.children.services import child_create

    return child_create(
        actor=system_actor,
        given_name="Jamie",
        family_name="Testcase",
        sex="male",
        date_of_birth=date(2008, 5, 1),
        postcode="N1 1AA",
        home_local_authority=agencies["islington"],
        home_police_force=agencies["met"],
    )


@pytest.fixture
def roles():
    from ccehub.agencies.models import Role

    return Role
