"""Reference data for police forces and children's-services local authorities."""

from __future__ import annotations

import dataclasses
import re
from collections import Counter

import pytest

from ccehub.agencies.reference import (
    SUPERSEDED_LA_CODES,
    LocalAuthority,
    PoliceForce,
    local_authorities,
    local_authority,
    police_force,
    police_forces,
)

SLUG = re.compile(r"^[a-z]+(-[a-z]+)*$")
PFA_CODE = re.compile(r"^(E23|W15)\d{6}$")
LA_CODE = re.compile(r"^(E06|E08|E09|E10|W06)\d{6}$")
KIND_PREFIX = {
    "unitary": "E06",
    "metropolitan_borough": "E08",
    "london_borough": "E09",
    "county": "E10",
    "welsh_principal": "W06",
}
ENGLISH_REGIONS = {
    "North East",
    "North West",
    "Yorkshire and The Humber",
    "East Midlands",
    "West Midlands",
    "East of England",
    "London",
    "South East",
    "South West",
}


def territorial() -> list[PoliceForce]:
    return [force for force in police_forces() if force.territorial]


# --- police forces -----------------------------------------------------------------------


def test_43_territorial_forces_plus_btp() -> None:
    forces = police_forces()
    assert len(forces) == 44
    assert len(territorial()) == 43
    assert Counter(force.country for force in territorial()) == {"England": 39, "Wales": 4}
    btp = police_force("btp")
    assert btp.name == "British Transport Police"
    assert btp.ons_code is None
    assert btp.country is None
    assert not btp.territorial


def test_force_codes_and_ons_codes_are_unique_and_well_formed() -> None:
    forces = police_forces()
    codes = [force.code for force in forces]
    assert len(set(codes)) == len(codes)
    assert all(SLUG.fullmatch(code) for code in codes), codes
    assert len({force.name for force in forces}) == len(forces)
    ons_codes = [force.ons_code for force in territorial() if force.ons_code is not None]
    assert len(set(ons_codes)) == 43
    for force in territorial():
        assert force.ons_code is not None
        assert PFA_CODE.fullmatch(force.ons_code), force
        assert force.ons_code.startswith("E23" if force.country == "England" else "W15"), force
    # The ONS series are contiguous: E23000001-E23000039 and W15000001-W15000004.
    assert sorted(ons_codes) == [f"E23{n:06d}" for n in range(1, 40)] + [f"W15{n:06d}" for n in range(1, 5)]


@pytest.mark.parametrize(
    ("code", "name", "ons_code"),
    [
        ("met", "Metropolitan Police Service", "E23000001"),
        ("city-of-london", "City of London Police", "E23000034"),
        ("kent", "Kent Police", "E23000032"),
        ("west-midlands", "West Midlands Police", "E23000014"),
        ("avon-and-somerset", "Avon and Somerset Constabulary", "E23000036"),
        ("hampshire", "Hampshire and Isle of Wight Constabulary", "E23000030"),
        ("cumbria", "Cumbria Constabulary", "E23000002"),
        ("north-yorkshire", "North Yorkshire Police", "E23000009"),
        ("north-wales", "North Wales Police", "W15000001"),
        ("gwent", "Gwent Police", "W15000002"),
        ("south-wales", "South Wales Police", "W15000003"),
        ("dyfed-powys", "Dyfed-Powys Police", "W15000004"),
    ],
)
def test_force_spot_checks(code: str, name: str, ons_code: str) -> None:
    force = police_force(code)
    assert force.name == name
    assert force.ons_code == ons_code


def test_unknown_force_raises_key_error() -> None:
    with pytest.raises(KeyError):
        police_force("metropolitan")


# --- local authorities -------------------------------------------------------------------


def test_counts() -> None:
    authorities = local_authorities()
    by_country = Counter(authority.country for authority in authorities)
    # 153 English children's services authorities (incl. City of London and Isles of Scilly,
    # as in DfE's list and ONS CTYUA 2024/2025) and the 22 Welsh principal councils.
    assert by_country == {"England": 153, "Wales": 22}
    assert Counter(authority.kind for authority in authorities) == {
        "london_borough": 33,  # 32 boroughs and the City of London
        "metropolitan_borough": 36,
        "unitary": 63,  # includes the Isles of Scilly
        "county": 21,
        "welsh_principal": 22,
    }


def test_la_codes_unique_and_well_formed() -> None:
    authorities = local_authorities()
    codes = [authority.ons_code for authority in authorities]
    assert len(set(codes)) == len(codes)
    assert codes == sorted(codes)
    for authority in authorities:
        assert LA_CODE.fullmatch(authority.ons_code), authority
        assert authority.ons_code.startswith(KIND_PREFIX[authority.kind]), authority
        assert authority.name and authority.name == authority.name.strip(), authority
    assert len({authority.name for authority in authorities}) == len(authorities)


def test_regions() -> None:
    for authority in local_authorities():
        if authority.country == "Wales":
            assert authority.region == "Wales", authority
        else:
            assert authority.region in ENGLISH_REGIONS, authority
    assert {a.region for a in local_authorities() if a.country == "England"} == ENGLISH_REGIONS
    assert all(a.region == "London" for a in local_authorities() if a.kind == "london_borough")


def test_every_la_maps_to_an_existing_territorial_force_in_its_country() -> None:
    for authority in local_authorities():
        force = police_force(authority.police_force)
        assert force.territorial, authority
        assert force.country == authority.country, authority


def test_every_territorial_force_covers_at_least_one_la() -> None:
    covered = {authority.police_force for authority in local_authorities()}
    assert covered == {force.code for force in territorial()}


def test_london_policing() -> None:
    london = [a for a in local_authorities() if a.kind == "london_borough"]
    assert {a.police_force for a in london if a.ons_code != "E09000001"} == {"met"}
    assert local_authority("E09000001").police_force == "city-of-london"


@pytest.mark.parametrize(
    ("ons_code", "name", "kind", "region", "force"),
    [
        ("E09000019", "Islington", "london_borough", "London", "met"),
        ("E09000007", "Camden", "london_borough", "London", "met"),
        ("W06000015", "Cardiff", "welsh_principal", "Wales", "south-wales"),
        ("E10000016", "Kent", "county", "South East", "kent"),
        ("E06000063", "Cumberland", "unitary", "North West", "cumbria"),
        ("E06000064", "Westmorland and Furness", "unitary", "North West", "cumbria"),
        ("E06000065", "North Yorkshire", "unitary", "Yorkshire and The Humber", "north-yorkshire"),
        ("E06000066", "Somerset", "unitary", "South West", "avon-and-somerset"),
        ("E06000053", "Isles of Scilly", "unitary", "South West", "devon-and-cornwall"),
        ("E06000060", "Buckinghamshire", "unitary", "South East", "thames-valley"),
        ("E06000058", "Bournemouth, Christchurch and Poole", "unitary", "South West", "dorset"),
        ("E08000037", "Gateshead", "metropolitan_borough", "North East", "northumbria"),
        ("E08000038", "Barnsley", "metropolitan_borough", "Yorkshire and The Humber", "south-yorkshire"),
        ("W06000023", "Powys", "welsh_principal", "Wales", "dyfed-powys"),
    ],
)
def test_la_spot_checks(ons_code: str, name: str, kind: str, region: str, force: str) -> None:
    authority = local_authority(ons_code)
    assert (authority.name, authority.kind, authority.region, authority.police_force) == (
        name,
        kind,
        region,
        force,
    )


def test_reorganised_authorities_are_gone() -> None:
    # Abolished on 1 April 2023 (Cumbria, North Yorkshire, Somerset counties) or earlier.
    for code in ("E10000006", "E10000023", "E10000027", "E10000002", "E10000021", "E10000009", "E06000028"):
        with pytest.raises(KeyError):
            local_authority(code)


def test_superseded_codes_resolve_to_successor() -> None:
    assert local_authority("E08000016").name == "Barnsley"
    assert local_authority("E08000019").name == "Sheffield"
    for old, new in SUPERSEDED_LA_CODES.items():
        assert local_authority(old) is local_authority(new)
        assert old not in {a.ons_code for a in local_authorities()}


def test_lookup_normalises_case_and_whitespace() -> None:
    assert local_authority(" e09000019 ").name == "Islington"


def test_loaders_are_cached_and_records_frozen() -> None:
    assert police_forces() is police_forces()
    assert local_authorities() is local_authorities()
    assert isinstance(local_authorities()[0], LocalAuthority)
    with pytest.raises(dataclasses.FrozenInstanceError):
        police_force("kent").name = "x"  # type: ignore[misc]
