"""`agencies list --kind` and `agencies add --ons-code` refuse what is not a kind or an ONS code
(found in black-box testing: both were accepted silently)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from typer.testing import CliRunner

from ccehub.agencies.models import Agency
from ccehub.agencies.services import agency_create

pytestmark = pytest.mark.django_db


def run(*args):
    from ccehub.cli import app

    return CliRunner().invoke(app, list(args))


def test_list_refuses_an_unknown_kind(agencies):
    result = run("agencies", "list", "--kind", "nonsense")
    assert result.exit_code == 2 and "--kind" in result.stderr and "police_force" in result.stderr
    ok = run("agencies", "list", "--kind", "police_force")
    assert ok.exit_code == 0 and "met\tpolice_force" in ok.stdout


@pytest.mark.parametrize(
    ("kind", "ons_code"),
    [
        ("la_childrens_services", "nonsense"),
        ("la_childrens_services", "E23000001"),  # a police force area, not a local authority
        ("la_childrens_services", "E07000001"),  # a shire district: not a children's services authority
        ("police_force", "E09000019"),
        ("health", "12345"),
    ],
)
def test_service_refuses_a_malformed_or_wrong_kind_ons_code(system_actor, kind, ons_code):
    with pytest.raises(ValidationError) as refused:
        agency_create(actor=system_actor, code="newco", name="New", kind=kind, ons_code=ons_code)
    assert "ons_code" in refused.value.message_dict
    assert not Agency.objects.filter(code="newco").exists()


@pytest.mark.parametrize(
    ("kind", "ons_code"),
    [
        ("la_childrens_services", "w06000015"),
        ("police_force", "W15000004"),
        ("health", ""),
        ("health", "E54000027"),
    ],
)
def test_service_accepts_real_codes(system_actor, kind, ons_code):
    agency = agency_create(actor=system_actor, code="newco", name="New", kind=kind, ons_code=ons_code)
    assert agency.ons_code == ons_code.upper()


def test_cli_add_names_the_option(db):
    result = run(
        "agencies",
        "add",
        "newco",
        "--name",
        "New",
        "--kind",
        "la_childrens_services",
        "--ons-code",
        "nonsense",
    )
    assert result.exit_code == 2 and "--ons-code" in result.stderr
    assert not Agency.objects.filter(code="newco").exists()


def test_cli_add_refuses_an_ons_code_another_agency_holds(agencies):
    held = agencies["islington"]
    assert held.ons_code
    result = run(
        "agencies",
        "add",
        "qa-la4",
        "--name",
        "QA LA4",
        "--kind",
        "la_childrens_services",
        "--ons-code",
        held.ons_code.lower(),
    )
    assert result.exit_code == 2
    assert (
        f"--ons-code: ONS code {held.ons_code} is already held by {held.name} ({held.code})" in result.stderr
    )
    assert not Agency.objects.filter(code="qa-la4").exists()
