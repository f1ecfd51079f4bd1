"""The synthetic generator: deterministic, household-shaped, and realistically messy."""

from __future__ import annotations

import pandas as pd

from ccehub.linkage.standardise import normalise_postcode, parse_dob, standardise_given_name
from ccehub.synthetic import (
    RECORD_COLUMNS,
    agency_records,
    custody_queries,
    generate_population,
    holdout,
    records_frame,
)


def test_same_seed_same_data() -> None:
    """Same seed gives identical people and records; another seed gives different ones."""
    a = generate_population(800, seed=3)
    b = generate_population(800, seed=3)
    c = generate_population(800, seed=4)
    assert a.persons == b.persons
    assert a.persons != c.persons
    ra = records_frame(agency_records(a, seed=5))
    rb = records_frame(agency_records(b, seed=5))
    pd.testing.assert_frame_equal(ra, rb)
    assert not ra.equals(records_frame(agency_records(a, seed=6)))


def test_population_shape() -> None:
    """Ages are 10–24 (mostly 13–17); twins share family, birth date and address, not given names."""
    pop = generate_population(3_000, seed=1)
    assert len(pop) == 3_000
    ref = pop.reference_date
    ages = [
        ref.year
        - p.date_of_birth.year
        - ((ref.month, ref.day) < (p.date_of_birth.month, p.date_of_birth.day))
        for p in pop
    ]
    assert min(ages) >= 10 and max(ages) <= 24
    assert sum(13 <= a <= 17 for a in ages) / len(ages) > 0.55
    twins = [p for p in pop if p.twin_of]
    assert twins, "expected some twins"
    for p in twins:
        other = pop.person(p.twin_of or "")
        assert other.twin_of == p.person_id
        assert (other.family_name, other.date_of_birth, other.postcode) == (
            p.family_name,
            p.date_of_birth,
            p.postcode,
        )
        assert other.given_name != p.given_name
    # no two children of a household share a name group (Amelia and Millie, Thomas and Tommy)
    for members in pop.households().values():
        groups = [standardise_given_name(p.given_name).canonical for p in members]
        assert len(groups) == len(set(groups)), members
    assert all(normalise_postcode(p.postcode) is not None for p in pop)
    assert any("-" in p.family_name for p in pop)


def test_records_are_messy_but_valid_csv_rows() -> None:
    """Records carry the import columns, the truth, and each kind of corruption at some rate."""
    pop = generate_population(3_000, seed=2)
    frame = records_frame(agency_records(pop, seed=2))
    assert list(frame.columns) == list(RECORD_COLUMNS)
    assert frame["true_person_id"].isin({p.person_id for p in pop}).all()
    assert not frame.duplicated(["agency", "record_id"]).any()
    assert set(frame["agency_kind"]) == {"police", "local_authority", "yot", "health"}
    truth = {p.person_id: p for p in pop}
    given_differs = frame.apply(
        lambda r: r.given_name.strip().lower() != truth[r.true_person_id].given_name.lower(), axis=1
    )
    assert 0.05 < given_differs.mean() < 0.4
    assert (frame["date_of_birth"] == "").mean() > 0
    assert (frame["postcode"] == "").mean() > 0.03
    assert frame["given_name"].str.isupper().mean() > 0.1
    parsed = frame["date_of_birth"].map(parse_dob)
    moved = parsed.notna() & (parsed != frame["true_person_id"].map(lambda t: truth[t].date_of_birth))
    assert 0.01 < moved.mean() < 0.15
    la = frame[frame["agency_kind"] == "local_authority"]
    assert (la["home_local_authority"] != "").all()
    assert la["allocated_worker_contact"].str.contains(r"496 0|7946 0|01632 960|2018 0").all()


def test_holdout_keeps_the_twin_or_sibling_in_the_index() -> None:
    """Absent twins and siblings have a brother or sister in the index; 'unrelated' ones do not."""
    pop = generate_population(3_000, seed=1)
    split = holdout(pop, 200, seed=1, twin_share=0.2, sibling_share=0.3)
    indexed = {p.person_id for p in split.indexed}
    households = pop.households()
    for p in split.absent["twin"]:
        assert p.twin_of in indexed
    for p in split.absent["sibling"]:
        assert any(o.person_id in indexed for o in households[p.household_id] if o is not p)
    for p in split.absent["unrelated"]:
        assert all(o.person_id not in indexed for o in households[p.household_id])
    assert len(split.all_absent()) == 200
    queries = custody_queries(pop, split.all_absent(), seed=1)
    assert {q.true_person_id for q in queries} == {p.person_id for p in split.all_absent()}


def test_given_names_have_a_long_tail() -> None:
    """The listed names are each tradition's most common; a long tail of rarer names holds a large
    share of children, as in England and Wales, so namesakes are not several times too common."""
    from ccehub.synthetic import names as nm

    for origin in nm.ORIGINS:
        for sex in ("M", "F"):
            pool = nm.given_names(sex, origin)
            weights = [b - a for a, b in zip((0.0, *pool.cum_weights), pool.cum_weights, strict=False)]
            total = sum(weights)
            top = sorted(weights, reverse=True)[:100]
            assert len(pool.names) == len(set(pool.names)) > 250
            assert 0.5 <= sum(top) / total <= 0.8, (origin, sex)
            # chance that two children of the tradition and sex share a given name
            assert sum((w / total) ** 2 for w in weights) < 0.015, (origin, sex)


def test_twin_references_name_the_co_twins_records_in_the_same_agency() -> None:
    from ccehub.synthetic import twin_references

    records = [("LA-A", "p1", "A1"), ("LA-A", "p2", "A2"), ("LA-A", "p2", "A3"), ("LA-B", "p1", "B1")]
    refs = twin_references(records, {"p1": "p2", "p2": "p1"})
    assert refs == {("LA-A", "A1"): ["A2", "A3"], ("LA-A", "A2"): ["A1"], ("LA-A", "A3"): ["A1"]}
    assert twin_references(records, {}) == {}
