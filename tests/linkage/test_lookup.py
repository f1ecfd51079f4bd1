"""Look-up behaviour: blanks allowed, threshold honoured, best first, only the agreed fields out."""

from __future__ import annotations

import time

from ccehub.linkage import DEFAULT_THRESHOLD
from ccehub.synthetic import custody_queries
from ccehub.synthetic.evaluate import query_fields

from .conftest import World


def _known_query(world: World, n: int = 0) -> tuple[dict[str, str], str]:
    person = world.split.indexed[n]
    q = custody_queries(world.population, [person], seed=3)[0]
    return query_fields(q), person.person_id


def _owner(world: World, person_id: str) -> set[str]:
    rows = world.index.records.merge(world.truth, on=["agency", "record_id"])
    return set(rows.loc[rows["true_person_id"] == person_id, "person_id"])


def test_exact_record_is_found_first(world: World) -> None:
    """A record typed exactly as an agency holds it finds that child first, with high probability."""
    row = world.raw.iloc[10]
    result = world.index.lookup(row.to_dict())
    assert result.candidates
    top = result.candidates[0]
    assert top.match_probability > 0.99
    assert any(r.agency == row["agency"] and r.record_id == row["record_id"] for r in top.records)
    assert [c.match_probability for c in result.candidates] == sorted(
        (c.match_probability for c in result.candidates), reverse=True
    )
    assert all(c.match_probability >= DEFAULT_THRESHOLD for c in result.candidates)


def test_blank_fields_are_allowed(world: World) -> None:
    """Any field may be blank or absent; an empty query finds nobody rather than failing."""
    q, _ = _known_query(world)
    assert world.index.lookup({}).candidates == ()
    assert world.index.lookup({"given_name": "", "family_name": "  ", "date_of_birth": ""}).candidates == ()
    no_postcode = world.index.lookup({**q, "postcode": "", "sex": ""})
    assert no_postcode.query_ms >= 0
    only_dob_and_postcode = world.index.lookup(
        {"date_of_birth": q["date_of_birth"], "postcode": q["postcode"]}
    )
    assert only_dob_and_postcode.candidates_scored >= 0


def test_threshold_and_limit(world: World) -> None:
    """Lowering the threshold can only add candidates; ``limit`` keeps the best."""
    q, _ = _known_query(world, 5)
    strict = world.index.lookup(q, threshold=0.99)
    loose = world.index.lookup(q, threshold=0.0)
    assert len(loose.candidates) >= len(strict.candidates)
    assert [c.person_id for c in world.index.lookup(q, threshold=0.0, limit=1).candidates] == [
        loose.candidates[0].person_id
    ]


def test_unseen_names_and_swapped_names(world: World) -> None:
    """Names the index has never seen are compared fuzzily; given and family names typed the wrong
    way round still find the child."""
    row = world.raw[(world.raw["given_name"] != "") & (world.raw["family_name"] != "")].iloc[3]
    q = {
        "given_name": row["given_name"],
        "family_name": row["family_name"],
        "date_of_birth": row["date_of_birth"],
        "postcode": row["postcode"],
    }
    swapped = {**q, "given_name": q["family_name"], "family_name": q["given_name"]}
    assert world.index.lookup(swapped).candidates
    typo = {**q, "given_name": q["given_name"] + "zq"}
    result = world.index.lookup(typo, threshold=0.0)
    assert result.candidates_scored > 0


def test_output_fields(world: World) -> None:
    """Only person id, probability and agency record references leave the index."""
    q, person_id = _known_query(world, 7)
    payload = world.index.lookup(q).as_dict()
    assert set(payload) == {"candidates", "query_ms"}
    for candidate in payload["candidates"]:
        assert set(candidate) == {"person_id", "match_probability", "records"}
        for record in candidate["records"]:
            assert set(record) == {"agency", "record_id"}
    assert payload["candidates"][0]["person_id"] in _owner(world, person_id)


def test_lookup_is_fast(world: World) -> None:
    """Single look-ups take milliseconds (generous bound for a shared test machine)."""
    queries = [query_fields(q) for q in custody_queries(world.population, world.split.indexed[:200], seed=8)]
    started = time.perf_counter()
    for q in queries:
        world.index.lookup(q)
    per_query_ms = (time.perf_counter() - started) * 1000 / len(queries)
    assert per_query_ms < 20


def test_guards_stop_a_twin_being_found_through_a_nameless_record(world: World) -> None:
    """A record with no given name that fits a family's indexed twin as well as the query cannot make
    the other (unindexed) twin 'known'; the indexed twin is still found by name."""
    import pandas as pd

    from ccehub.linkage.lookup import LookupEngine
    from ccehub.linkage.standardise import standardise_frame

    family = {"family_name": "Quixleyworth", "date_of_birth": "2010-04-17", "postcode": "B12 9QX", "sex": "M"}
    extra = pd.DataFrame(
        [
            {**family, "agency": "LA-TEST", "record_id": "1", "given_name": "Jordan"},
            {**family, "agency": "WMP", "record_id": "2", "given_name": "Jordan"},
            {**family, "agency": "NHS-TEST", "record_id": "3", "given_name": ""},
        ]
    )
    std = standardise_frame(extra)
    std["person_id"] = ["P-JORDAN", "P-JORDAN", "P-NAMELESS"]
    records = pd.concat([world.index.records, std], ignore_index=True)
    engine = LookupEngine(records, world.index.model.weights(), world.index.spec)
    twin = {**family, "given_name": "Tyler"}
    unguarded = engine.lookup(twin, guards=False)
    assert [c.person_id for c in unguarded.candidates] == ["P-NAMELESS"]
    assert engine.lookup(twin).candidates == ()
    assert engine.lookup({**family, "given_name": "Jordan"}).candidates[0].person_id == "P-JORDAN"


def test_family_name_guard_stops_a_namesake_found_through_a_surnameless_record(world: World) -> None:
    """A record with no family name cannot make "Ella Greenwood" known through "Ella Gough" when
    every other record of that child says Gough; Ella Gough herself is still found."""
    import pandas as pd

    from ccehub.linkage.lookup import LookupEngine
    from ccehub.linkage.standardise import standardise_frame

    child = {"given_name": "Ella", "date_of_birth": "2008-11-26", "sex": "F", "postcode": "LS14 1QD"}
    extra = pd.DataFrame(
        [
            {**child, "agency": "MPS", "record_id": "1", "family_name": ""},
            {**child, "agency": "LA-TEST", "record_id": "2", "family_name": "Goughworth"},
            {**child, "agency": "YOT-TEST", "record_id": "3", "family_name": "Goughworth"},
        ]
    )
    std = standardise_frame(extra)
    std["person_id"] = "P-GOUGH"
    records = pd.concat([world.index.records, std], ignore_index=True)
    engine = LookupEngine(records, world.index.model.weights(), world.index.spec)
    other = {**child, "family_name": "Greenwoodley", "postcode": "NR6 9LU"}
    assert [c.person_id for c in engine.lookup(other, guards=False).candidates] == ["P-GOUGH"]
    assert engine.lookup(other).candidates == ()
    assert engine.lookup({**child, "family_name": "Goughworth"}).candidates[0].person_id == "P-GOUGH"


def test_blocking_finds_a_diminutive_with_a_mistyped_surname_and_a_year_out(world: World) -> None:
    """Two ways the custody record can miss every older blocking rule: the same name group on the
    same date with a mistyped surname ("Theo Allen" / "Theodore Aklen", new address), and the same
    surname and birthday a year out with a mistyped given name ("Snny" / "Sonny", no address)."""
    import pandas as pd

    from ccehub.linkage.lookup import LookupEngine
    from ccehub.linkage.standardise import standardise_frame

    extra = pd.DataFrame(
        [
            {"agency": "LA-TEST", "record_id": "T1", "given_name": "Theodore", "family_name": "Aklen",
             "date_of_birth": "2010-07-23", "sex": "M", "postcode": "L8 4FT"},
            {"agency": "LA-TEST", "record_id": "S1", "given_name": "Sonny", "family_name": "Marfieldson",
             "date_of_birth": "2007-08-17", "sex": "M", "postcode": "LE4 5AE"},
        ]
    )  # fmt: skip
    std = standardise_frame(extra)
    std["person_id"] = ["P-THEO", "P-SONNY"]
    records = pd.concat([world.index.records, std], ignore_index=True)
    engine = LookupEngine(records, world.index.model.weights(), world.index.spec)
    theo = engine.lookup(
        {"given_name": "Theo", "family_name": "Allen", "date_of_birth": "2010-07-23", "sex": "M",
         "postcode": "L13 4HA"},
        threshold=0.0,
    )  # fmt: skip
    assert "P-THEO" in [c.person_id for c in theo.candidates]
    sonny = engine.lookup(
        {"given_name": "Snny", "family_name": "Marfieldson", "date_of_birth": "2006-08-17", "sex": "M"},
        threshold=0.0,
    )
    assert "P-SONNY" in [c.person_id for c in sonny.candidates]


def test_guard_weighs_the_co_twin_on_the_evidence_the_query_gives(world: World) -> None:
    """The co-twin's nameless record has the sex mis-keyed, and the officer typed no sex: the co-twin
    still claims that record on everything the query gives (family name, date of birth, address), so
    the unindexed twin is not found through it."""
    import pandas as pd

    from ccehub.linkage.lookup import LookupEngine
    from ccehub.linkage.standardise import standardise_frame

    family = {"family_name": "Quixleyworth", "date_of_birth": "2010-04-17", "postcode": "B12 9QX"}
    extra = pd.DataFrame(
        [
            {**family, "agency": "YOT-TEST", "record_id": "1", "given_name": "Jordan", "sex": "M"},
            {**family, "agency": "NHS-TEST", "record_id": "2", "given_name": "", "sex": "F"},
        ]
    )
    std = standardise_frame(extra)
    std["person_id"] = ["P-JORDAN", "P-NAMELESS"]
    records = pd.concat([world.index.records, std], ignore_index=True)
    engine = LookupEngine(records, world.index.model.weights(), world.index.spec)
    twin = {**family, "given_name": "Tyler"}
    # without sex the evidence is thin in this small index: look as low as 0.3
    unguarded = engine.lookup(twin, threshold=0.3, guards=False)
    assert [c.person_id for c in unguarded.candidates] == ["P-NAMELESS"]
    assert engine.lookup(twin, threshold=0.3).candidates == ()
    assert engine.lookup({**family, "given_name": "Jordan"}).candidates[0].person_id == "P-JORDAN"
