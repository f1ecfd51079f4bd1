"""near_joins: the persons a lower clustering threshold would join, for a data steward to review."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ccehub.linkage import DEFAULT_CLUSTER_THRESHOLD, PersonIndex, build_index, near_joins
from ccehub.linkage.index import NEAR_JOIN_COLUMNS

from .conftest import World
from .test_constraints import _frame

pytestmark = pytest.mark.slow


def test_near_joins_are_pairs_of_persons_below_the_clustering_threshold(world: World) -> None:
    review = near_joins(world.index)
    assert list(review.columns) == list(NEAR_JOIN_COLUMNS) and len(review) > 0
    assert (review["match_probability"] >= 0.5).all()
    assert (review["match_probability"] < DEFAULT_CLUSTER_THRESHOLD).all() and not review["kept_apart"].any()
    assert (review["person_a"] < review["person_b"]).all()
    assert not review.duplicated(["person_a", "person_b"]).any()
    assert list(review["match_probability"]) == sorted(review["match_probability"], reverse=True)
    # each row's records are exactly its two persons' records
    members = world.index.records.groupby("person_id")["unique_id"].apply(sorted)
    first = review.iloc[0]
    assert (
        first["records_a"] == members[first["person_a"]] and first["records_b"] == members[first["person_b"]]
    )
    # a split child shows up: some near-join is two parts of one true child
    owner = dict(
        zip(
            world.truth["agency"] + ":" + world.truth["record_id"], world.truth["true_person_id"], strict=True
        )
    )
    same_child = [
        {owner[u] for u in a} & {owner[u] for u in b}
        for a, b in zip(review["records_a"], review["records_b"], strict=True)
    ]
    assert any(same_child)
    # a higher floor keeps a subset
    stricter = near_joins(world.index, min_probability=0.8)
    assert 0 < len(stricter) < len(review) and (stricter["match_probability"] >= 0.8).all()


def test_declared_twins_are_listed_as_kept_apart(tmp_path: Path) -> None:
    from ccehub.records.default_model import default_model

    build_index(_frame(), tmp_path, model=default_model(), cannot_link=[("LA-CAMDEN:CS1", "LA-CAMDEN:CS2")])
    review = near_joins(PersonIndex.load(tmp_path))
    kept = review[review["kept_apart"]]
    assert len(kept) == 1
    row = kept.iloc[0]
    assert {tuple(row["records_a"]), tuple(row["records_b"])} == {
        ("LA-CAMDEN:CS1", "MET:PN1"),
        ("LA-CAMDEN:CS2", "NHS-LON:NH1"),
    }
    assert row["match_probability"] >= DEFAULT_CLUSTER_THRESHOLD and row["record_pairs"] == 4


def test_an_index_of_strangers_has_nothing_to_review(tmp_path: Path) -> None:
    from ccehub.records.default_model import default_model

    frame = _frame().iloc[4:]
    build_index(frame, tmp_path, model=default_model())
    review = near_joins(PersonIndex.load(tmp_path))
    assert review.empty and list(review.columns) == list(NEAR_JOIN_COLUMNS)
    assert isinstance(review, pd.DataFrame)
