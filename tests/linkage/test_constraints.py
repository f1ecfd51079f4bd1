"""Known different children (cannot-link pairs) are never one person; nothing else changes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ccehub.linkage import PersonIndex, build_index
from ccehub.linkage.constraints import cannot_link_pairs, split_cannot_link


def _clusters(**members: str) -> pd.DataFrame:
    rows = [(uid, cid) for cid, uids in members.items() for uid in uids.split()]
    return pd.DataFrame(rows, columns=["unique_id", "cluster_id"])


def _edges(*edges: tuple[str, str, float]) -> pd.DataFrame:
    return pd.DataFrame(edges, columns=["unique_id_l", "unique_id_r", "match_probability"])


def _persons(frame: pd.DataFrame) -> set[frozenset[str]]:
    return {frozenset(group) for group in frame.groupby("cluster_id")["unique_id"].apply(set)}


def test_pairs_are_undirected_and_never_self() -> None:
    assert cannot_link_pairs([("b", "a"), ("a", "b"), ("c", "c")]) == {("a", "b")}


def test_a_cluster_without_a_pair_is_untouched() -> None:
    clusters = _clusters(c1="a b", c2="x y")
    out, added = split_cannot_link(clusters, _edges(("a", "b", 0.99), ("x", "y", 0.99)), [("a", "x")])
    assert added == 0 and out is clusters
    out, added = split_cannot_link(clusters, _edges(), [])
    assert added == 0 and out is clusters


def test_twins_joined_only_through_each_other_are_split() -> None:
    """Harry's two records and Henry's one, joined because Henry scored as Harry's diminutive."""
    clusters = _clusters(c1="h1 h2 e1")
    edges = _edges(("h1", "h2", 0.999), ("h1", "e1", 0.97), ("h2", "e1", 0.96))
    out, added = split_cannot_link(clusters, edges, [("h1", "e1")])
    assert added == 1
    assert _persons(out) == {frozenset({"h1", "h2"}), frozenset({"e1"})}
    assert set(out["cluster_id"]) == {"c1/1", "c1/2"}


def test_a_third_record_joins_the_twin_it_matches_more_strongly() -> None:
    """A nameless record (same surname, birth date, address) joins the side of its stronger edge;
    processing edges strongest first is what decides it, whatever order they come in."""
    clusters = _clusters(c1="h e n")
    edges = _edges(("e", "n", 0.96), ("h", "n", 0.98), ("h", "e", 0.97))
    out, added = split_cannot_link(clusters, edges, [("e", "h")])
    assert added == 1 and _persons(out) == {frozenset({"h", "n"}), frozenset({"e"})}
    out2, _ = split_cannot_link(clusters, edges.iloc[::-1].reset_index(drop=True), [("h", "e")])
    assert _persons(out2) == _persons(out) and list(out2["cluster_id"]) == list(out["cluster_id"])


def test_a_chain_is_cut_where_it_must_be() -> None:
    """a–b–c–d with a and d different children: the weakest link that separates them goes."""
    clusters = _clusters(k="a b c d")
    edges = _edges(("a", "b", 0.99), ("b", "c", 0.96), ("c", "d", 0.98))
    out, added = split_cannot_link(clusters, edges, [("a", "d")])
    assert added == 1 and _persons(out) == {frozenset({"a", "b"}), frozenset({"c", "d"})}


def test_triplets_all_apart() -> None:
    clusters = _clusters(t="a b c")
    edges = _edges(("a", "b", 0.99), ("b", "c", 0.98), ("a", "c", 0.97))
    out, added = split_cannot_link(clusters, edges, [("a", "b"), ("b", "c"), ("a", "c")])
    assert added == 2 and _persons(out) == {frozenset("a"), frozenset("b"), frozenset("c")}


def test_integer_cluster_ids_are_fine() -> None:
    clusters = pd.DataFrame({"unique_id": ["a", "b", "z"], "cluster_id": [7, 7, 8]})
    out, added = split_cannot_link(clusters, _edges(("a", "b", 0.99)), [("a", "b")])
    assert added == 1 and out.loc[out["unique_id"] == "z", "cluster_id"].item() == "8"


def test_many_split_clusters() -> None:
    """Ten thousand clusters to split at once (a national index's declared twins), each with its own
    result. Each cluster's edges and pairs are gathered once: a scan of all of them per cluster took
    about 40 s here (quadratic), now about a second. Speed is not asserted (no timed tests)."""
    n = 10_000
    clusters = _clusters(**{f"k{i}": f"{i}a {i}b {i}c" for i in range(n)})
    edges = _edges(
        *(
            e
            for i in range(n)
            for e in ((f"{i}a", f"{i}b", 0.99), (f"{i}a", f"{i}c", 0.97), (f"{i}b", f"{i}c", 0.96))
        )
    )
    out, added = split_cannot_link(clusters, edges, [(f"{i}a", f"{i}b") for i in range(n)])
    assert added == n and out.loc[out["unique_id"] == "7c", "cluster_id"].item() == "k7/1"


TWINS = [
    # Harry and Henry Jones: twins, one birth date, one address. Henry is Harry's diminutive to the
    # model, so without the agency's word they are one person.
    ("LA-CAMDEN", "CS1", "Harry", "Jones", "2010-04-02", "male", "NW1 8NH"),
    ("LA-CAMDEN", "CS2", "Henry", "Jones", "2010-04-02", "male", "NW1 8NH"),
    ("MET", "PN1", "Harry", "Jones", "2010-04-02", "male", "NW1 8NH"),
    ("NHS-LON", "NH1", "Henry", "Jones", "2010-04-02", "male", "NW1 8NH"),
]
OTHERS = [
    ("LA-CAMDEN", f"CS{n + 10}", given, family, f"20{n % 9 + 1:02d}-0{n % 9 + 1}-1{n % 9}", sex, "N7 6PA")
    for n, (given, family, sex) in enumerate(
        [
            ("Amira", "Khan", "female"),
            ("Tom", "Price", "male"),
            ("Ella", "Gough", "female"),
            ("Sam", "Ode", "male"),
        ]
    )
]


def _frame() -> pd.DataFrame:
    columns = ["agency", "record_id", "given_name", "family_name", "date_of_birth", "sex", "postcode"]
    return pd.DataFrame(TWINS + OTHERS, columns=columns)


@pytest.mark.slow
def test_build_index_keeps_known_twins_apart(tmp_path: Path) -> None:
    from ccehub.records.default_model import default_model

    model = default_model()
    joined = build_index(_frame(), tmp_path / "joined", model=model)
    index = PersonIndex.load(tmp_path / "joined")
    twins = index.records[index.records["family_std"] == "jones"]
    assert twins["person_id"].nunique() == 1 and joined.separated == 0 and joined.cannot_link == 0

    summary = build_index(
        _frame(),
        tmp_path / "apart",
        model=model,
        cannot_link=[("LA-CAMDEN:CS1", "LA-CAMDEN:CS2"), ("LA-CAMDEN:CS1", "NOWHERE:X9")],
    )
    assert summary.cannot_link == 1 and summary.separated == 1 and summary.persons == joined.persons + 1
    index = PersonIndex.load(tmp_path / "apart")
    person = dict(zip(index.records["unique_id"], index.records["person_id"], strict=True))
    assert person["LA-CAMDEN:CS1"] == person["MET:PN1"] != person["LA-CAMDEN:CS2"] == person["NHS-LON:NH1"]
    # every other person is as it was
    others = [f"LA-CAMDEN:CS{n + 10}" for n in range(len(OTHERS))]
    before = PersonIndex.load(tmp_path / "joined").records.set_index("unique_id")["person_id"]
    assert [person[o] for o in others] == [before[o] for o in others]

    # a look-up of Harry finds Harry first and Henry as a separate candidate, not one merged child
    result = index.lookup(
        {"given_name": "Harry", "family_name": "Jones", "date_of_birth": "2010-04-02", "sex": "male"}
    )
    found = [{(r.agency, r.record_id) for r in c.records} for c in result.candidates]
    assert found == [{("LA-CAMDEN", "CS1"), ("MET", "PN1")}, {("LA-CAMDEN", "CS2"), ("NHS-LON", "NH1")}]
    assert result.candidates[0].match_probability > result.candidates[1].match_probability
    assert PersonIndex.load(tmp_path / "apart").manifest["separated"] == 1
