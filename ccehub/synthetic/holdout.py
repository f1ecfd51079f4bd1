"""Split a population into children in the index and children who are not, for evaluation.

The children who are *not* in the index are the test of false matches, and the hard ones are those
whose twin or sibling *is* in the index: same family name, same address, for twins the same date of
birth. :func:`holdout` chooses absent children of three kinds in stated proportions.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from ccehub.synthetic.population import Person, Population


@dataclass(frozen=True, slots=True)
class Holdout:
    """Who is indexed and who is absent (by kind: ``"twin"``, ``"sibling"``, ``"unrelated"``)."""

    indexed: tuple[Person, ...]
    absent: dict[str, tuple[Person, ...]]

    def all_absent(self) -> tuple[Person, ...]:
        """Every absent person, kinds concatenated."""
        return tuple(p for kind in sorted(self.absent) for p in self.absent[kind])


def holdout(
    population: Population,
    n_absent: int,
    seed: int,
    *,
    twin_share: float = 0.2,
    sibling_share: float = 0.3,
) -> Holdout:
    """Choose ``n_absent`` people to leave out of the index.

    ``twin_share`` of them are one twin of a pair whose other twin stays in the index,
    ``sibling_share`` are a non-twin child whose brother or sister stays, and the rest are only
    children (their household is wholly absent). Shares are met as far as the population allows.
    """
    rng = random.Random(f"holdout:{population.seed}:{seed}")
    households = population.households()
    twins = [p for p in population if p.twin_of is not None and p.person_id < p.twin_of]
    siblings = [
        p for members in households.values() if len(members) > 1 for p in members if p.twin_of is None
    ]
    singles = [members[0] for members in households.values() if len(members) == 1]
    rng.shuffle(twins)
    rng.shuffle(siblings)
    rng.shuffle(singles)

    absent_ids: set[str] = set()
    chosen: dict[str, list[Person]] = {"twin": [], "sibling": [], "unrelated": []}
    touched: set[str] = set()  # households already contributing an absent child

    def take(kind: str, pool: list[Person], want: int) -> None:
        for p in pool:
            if len(chosen[kind]) >= want:
                return
            if p.household_id in touched:
                continue
            touched.add(p.household_id)
            absent_ids.add(p.person_id)
            chosen[kind].append(p)

    take("twin", twins, round(n_absent * twin_share))
    take("sibling", siblings, round(n_absent * sibling_share))
    take("unrelated", singles, n_absent - len(chosen["twin"]) - len(chosen["sibling"]))
    indexed = tuple(p for p in population if p.person_id not in absent_ids)
    return Holdout(indexed=indexed, absent={k: tuple(v) for k, v in chosen.items()})
