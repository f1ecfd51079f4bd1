"""A seeded synthetic population of children and young people living in households.

Households matter for linkage: siblings share a family name and an address, twins share those and a
date of birth, and only their given names (and often sex) tell them apart. The generator therefore
builds households first and people inside them, so the hard cases occur at realistic rates.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Final

import jellyfish

from ccehub.linkage.standardise import standardise_given_name
from ccehub.synthetic import names as nm

#: Relative weight of each age (at the reference date); most children known to agencies for criminal
#: exploitation are 13 to 17, the tail runs from 10 to 24 (care leavers, transitional safeguarding).
AGE_WEIGHTS: Final[dict[int, float]] = {
    10: 2,
    11: 3,
    12: 5,
    13: 9,
    14: 12,
    15: 14,
    16: 14,
    17: 12,
    18: 8,
    19: 6,
    20: 5,
    21: 4,
    22: 3,
    23: 2,
    24: 1,
}
#: Children per household (within the age range).
HOUSEHOLD_SIZE_WEIGHTS: Final[dict[int, float]] = {1: 50, 2: 32, 3: 13, 4: 5}
DEFAULT_REFERENCE_DATE: Final[date] = date(2025, 1, 1)
#: Probability that a birth is a twin birth (about 3% of children are twins).
DEFAULT_TWIN_BIRTH_RATE: Final[float] = 0.015
MALE_SHARE: Final[float] = 0.65
DOUBLE_BARRELLED_SHARE: Final[float] = 0.03
_INWARD_LETTERS: Final[str] = "ABDEFGHJLNPQRSTUWXYZ"


@dataclass(frozen=True, slots=True)
class Person:
    """One synthetic child or young person as they really are (before any agency mis-records them)."""

    person_id: str
    given_name: str
    family_name: str
    sex: str
    date_of_birth: date
    postcode: str
    area: str
    household_id: str
    origin: str
    twin_of: str | None = None


@dataclass(frozen=True, slots=True)
class Population:
    """A generated population; ``persons`` are in household order."""

    persons: tuple[Person, ...]
    seed: int
    reference_date: date
    _by_id: dict[str, Person] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_id.update({p.person_id: p for p in self.persons})

    def __len__(self) -> int:
        return len(self.persons)

    def __iter__(self) -> Iterator[Person]:
        return iter(self.persons)

    def person(self, person_id: str) -> Person:
        """The person with ``person_id``."""
        return self._by_id[person_id]

    def households(self) -> dict[str, list[Person]]:
        """Persons grouped by household, in generation order."""
        out: dict[str, list[Person]] = {}
        for p in self.persons:
            out.setdefault(p.household_id, []).append(p)
        return out


def random_postcode(rng: random.Random, outcode: str) -> str:
    """A syntactically valid postcode in a real district (the unit itself is made up)."""
    return f"{outcode} {rng.randrange(10)}{rng.choice(_INWARD_LETTERS)}{rng.choice(_INWARD_LETTERS)}"


def _choose(rng: random.Random, weighted: nm.Weighted) -> str:
    return rng.choices(weighted.names, cum_weights=weighted.cum_weights)[0]


def _family_name(rng: random.Random, origin: str) -> str:
    name = _choose(rng, nm.family_names(origin))
    if rng.random() < DOUBLE_BARRELLED_SHARE:
        other = _choose(rng, nm.family_names(origin))
        if other != name:
            name = f"{name}-{other}"
    return name


def _birth_date(rng: random.Random, reference: date) -> date:
    ages = list(AGE_WEIGHTS)
    age = rng.choices(ages, weights=[AGE_WEIGHTS[a] for a in ages])[0]
    latest = reference.replace(year=reference.year - age) - timedelta(days=1)
    return latest - timedelta(days=rng.randrange(365))


def _distinct_given(rng: random.Random, sex: str, origin: str, taken: list[str]) -> str:
    """A given name clearly different from the siblings' (parents do not call twins Jayden and Jaden,
    nor a brother and sister Amelia and Millie, one name and its diminutive)."""
    pool = nm.given_names(sex, origin)
    taken_groups = {standardise_given_name(t).canonical for t in taken}
    for _ in range(50):
        name = _choose(rng, pool)
        if standardise_given_name(name).canonical not in taken_groups and all(
            name[:3].lower() != t[:3].lower()
            and jellyfish.jaro_winkler_similarity(name.lower(), t.lower()) < 0.8
            for t in taken
        ):
            return name
    return name


def generate_population(
    n_people: int,
    seed: int,
    *,
    reference_date: date = DEFAULT_REFERENCE_DATE,
    twin_birth_rate: float = DEFAULT_TWIN_BIRTH_RATE,
) -> Population:
    """Generate ``n_people`` synthetic people in households, deterministically from ``seed``.

    Args:
        n_people: How many people (the last household is cut to fit).
        seed: Same seed, same population (no global random state is used).
        reference_date: The date ages are measured at (the generator never reads the clock).
        twin_birth_rate: Probability that a birth in a household is a twin birth.
    """
    rng = random.Random(f"population:{seed}")
    area_list = nm.areas()
    area_cum: list[float] = []
    total = 0.0
    for a in area_list:
        total += a.weight
        area_cum.append(total)
    sizes = list(HOUSEHOLD_SIZE_WEIGHTS)
    size_weights = [HOUSEHOLD_SIZE_WEIGHTS[s] for s in sizes]

    persons: list[Person] = []
    household_no = 0
    while len(persons) < n_people:
        household_no += 1
        household_id = f"H{household_no:07d}"
        origin = rng.choices(nm.ORIGINS, weights=nm.ORIGIN_WEIGHTS)[0]
        family = _family_name(rng, origin)
        area = rng.choices(area_list, cum_weights=area_cum)[0]
        postcode = random_postcode(rng, rng.choice(area.outcodes))
        births = rng.choices(sizes, weights=size_weights)[0]
        taken: list[str] = []
        used_dobs: set[date] = set()
        for _ in range(births):
            dob = _birth_date(rng, reference_date)
            while dob in used_dobs:
                dob = _birth_date(rng, reference_date)
            used_dobs.add(dob)
            twins = 2 if rng.random() < twin_birth_rate else 1
            # Two-thirds of twin pairs are the same sex (all identical and half of fraternal twins).
            first_sex = "M" if rng.random() < MALE_SHARE else "F"
            first_id: str | None = None
            for k in range(twins):
                other_sex = "F" if first_sex == "M" else "M"
                sex = first_sex if k == 0 or rng.random() < 2 / 3 else other_sex
                given = _distinct_given(rng, sex, origin, taken)
                taken.append(given)
                person_id = f"T{len(persons) + 1:07d}"
                persons.append(
                    Person(
                        person_id=person_id,
                        given_name=given,
                        family_name=family,
                        sex=sex,
                        date_of_birth=dob,
                        postcode=postcode,
                        area=area.code,
                        household_id=household_id,
                        origin=origin,
                        twin_of=first_id,
                    )
                )
                if k == 0:
                    first_id = person_id
                if len(persons) >= n_people:
                    break
            if len(persons) >= n_people:
                break
    # The second twin points at the first; make the relation symmetric for callers.
    twins_of = {p.twin_of: p.person_id for p in persons if p.twin_of}
    persons = [replace(p, twin_of=twins_of[p.person_id]) if p.person_id in twins_of else p for p in persons]
    return Population(persons=tuple(persons), seed=seed, reference_date=reference_date)
