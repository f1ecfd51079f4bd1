"""Reference data: police forces and children's-services local authorities of England and Wales.

Pure Python (no Django): safe to import from settings, migrations, management commands and
tests alike. The data lives in ``ccehub/agencies/data/*.csv`` (sources and as-of date in the
README beside them) and is read once, through :mod:`importlib.resources`, then cached.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Literal, cast, get_args

__all__ = [
    "SUPERSEDED_LA_CODES",
    "LocalAuthority",
    "LocalAuthorityKind",
    "PoliceForce",
    "local_authorities",
    "local_authority",
    "police_force",
    "police_forces",
]

LocalAuthorityKind = Literal["london_borough", "metropolitan_borough", "unitary", "county", "welsh_principal"]
Country = Literal["England", "Wales"]

_KINDS: frozenset[str] = frozenset(get_args(LocalAuthorityKind))
_COUNTRIES: frozenset[str] = frozenset(get_args(Country))

# ONS codes reissued for the *same* authority. A record keyed on the old code (many
# 2024-25 publications still use them) must still find its authority.
# Barnsley and Sheffield were recoded on 1 April 2025 after a minor boundary change.
SUPERSEDED_LA_CODES: dict[str, str] = {
    "E08000016": "E08000038",  # Barnsley
    "E08000019": "E08000039",  # Sheffield
}


@dataclass(frozen=True, slots=True)
class PoliceForce:
    """A police force. ``code`` is our stable agency code (a slug, e.g. ``met``)."""

    code: str
    name: str
    # ONS Police Force Area code (E23/W15); None for British Transport Police, which has no PFA.
    ons_code: str | None
    # None for British Transport Police, which polices the railways across Great Britain.
    country: Country | None

    @property
    def territorial(self) -> bool:
        """True for the 43 territorial forces of England and Wales."""
        return self.ons_code is not None


@dataclass(frozen=True, slots=True)
class LocalAuthority:
    """An authority with children's social care duties (upper tier in England; principal in Wales)."""

    ons_code: str
    name: str
    kind: LocalAuthorityKind
    # ONS region name in England ("North West", "London", ...), or "Wales".
    region: str
    # ``PoliceForce.code`` of the force whose area contains the authority.
    police_force: str

    @property
    def country(self) -> Country:
        return "Wales" if self.ons_code.startswith("W") else "England"


def _read_rows(filename: str) -> list[dict[str, str]]:
    text = (files("ccehub.agencies") / "data" / filename).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


@cache
def police_forces() -> tuple[PoliceForce, ...]:
    """All forces: the 43 territorial forces (in ONS code order), then British Transport Police."""
    forces: list[PoliceForce] = []
    for row in _read_rows("police_forces.csv"):
        country = row["country"] or None
        if country is not None and country not in _COUNTRIES:
            raise ValueError(f"police_forces.csv: unknown country {country!r} for {row['code']!r}")
        forces.append(
            PoliceForce(
                code=row["code"],
                name=row["name"],
                ons_code=row["ons_code"] or None,
                country=cast("Country | None", country),
            )
        )
    return tuple(forces)


@cache
def local_authorities() -> tuple[LocalAuthority, ...]:
    """All 175 authorities (153 English, 22 Welsh), in ONS code order."""
    authorities: list[LocalAuthority] = []
    for row in _read_rows("local_authorities.csv"):
        if row["kind"] not in _KINDS:
            raise ValueError(f"local_authorities.csv: unknown kind {row['kind']!r} for {row['ons_code']!r}")
        authorities.append(
            LocalAuthority(
                ons_code=row["ons_code"],
                name=row["name"],
                kind=cast(LocalAuthorityKind, row["kind"]),
                region=row["region"],
                police_force=row["police_force"],
            )
        )
    return tuple(authorities)


@cache
def _forces_by_code() -> dict[str, PoliceForce]:
    return {force.code: force for force in police_forces()}


@cache
def _authorities_by_code() -> dict[str, LocalAuthority]:
    return {authority.ons_code: authority for authority in local_authorities()}


def police_force(code: str) -> PoliceForce:
    """The force with agency code ``code`` (e.g. ``"met"``). Raises KeyError if unknown."""
    try:
        return _forces_by_code()[code]
    except KeyError:
        raise KeyError(f"no police force with code {code!r}") from None


def local_authority(ons_code: str) -> LocalAuthority:
    """The authority with ONS code ``ons_code``; superseded codes resolve to their successor.

    Raises KeyError if unknown, including for codes of abolished authorities (e.g. Cumbria
    County Council, E10000006), which have no single successor.
    """
    code = ons_code.strip().upper()
    code = SUPERSEDED_LA_CODES.get(code, code)
    try:
        return _authorities_by_code()[code]
    except KeyError:
        raise KeyError(f"no local authority with ONS code {ons_code!r}") from None
