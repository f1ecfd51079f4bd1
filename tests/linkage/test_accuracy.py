"""Accuracy on a small synthetic population: known children are found, absent ones are not."""

from __future__ import annotations

from ccehub.synthetic.evaluate import evaluate_clusters, evaluate_lookup

from .conftest import WORLD_SEED, World


def test_known_found_absent_not(world: World) -> None:
    """Top-1 accuracy ≥ 0.98 for children in the index; ≤ 0.5% false matches for children who are
    not (a twin or sibling of an indexed child, or unrelated)."""
    result = evaluate_lookup(
        world.index, world.population, world.split, world.truth, n_known=1_500, seed=WORLD_SEED + 1
    )
    assert result.known_queries == 1_500
    assert sum(result.absent_queries.values()) == 600
    assert result.absent_queries["twin"] > 0 and result.absent_queries["sibling"] > 100
    assert result.top1_accuracy >= 0.98, result.as_dict()
    assert result.false_match_rate <= 0.005, result.as_dict()


def test_clusters_are_pure(world: World) -> None:
    """Clustering rarely joins two children and links most of each child's records."""
    merged = world.index.records.merge(world.truth, on=["agency", "record_id"])
    quality = evaluate_clusters(merged["person_id"], merged["true_person_id"])
    assert quality.pair_precision >= 0.99, quality
    assert quality.pair_recall >= 0.9, quality


def test_accuracy_by_naming_tradition_adds_up(world: World) -> None:
    """The equality breakdown counts every look-up once, under the tradition of the child's names."""
    result = evaluate_lookup(
        world.index, world.population, world.split, world.truth, n_known=300, seed=WORLD_SEED + 2
    )
    by = result.as_dict()["by_naming_tradition"]
    assert set(by) <= {"white", "south_asian", "black", "eastern_european"}
    assert sum(t["known_queries"] for t in by.values()) == result.known_queries
    assert sum(t["absent_queries"] for t in by.values()) == sum(result.absent_queries.values())
    assert sum(t["false_matches"] for t in by.values()) == sum(result.false_matches.values())
    correct = sum(round(t["top1_accuracy"] * t["known_queries"]) for t in by.values() if t["known_queries"])
    assert correct == result.top1_correct
    assert len(by) >= 3  # the small world still holds children of several traditions


def test_completeness_counts_children_whose_records_all_come_back(world: World) -> None:
    """A found child is complete when every indexed record of theirs is among the candidates'
    records; a child held as one person always is (the person carries all its records)."""
    result = evaluate_lookup(
        world.index, world.population, world.split, world.truth, n_known=300, seed=WORLD_SEED + 2
    )
    assert result.known_split <= result.top1_correct
    # every found child held as a single person is complete; only split children can be incomplete
    assert result.top1_correct - result.known_split <= result.known_complete <= result.top1_correct
    assert 0.9 <= result.completeness <= 1.0, result.as_dict()
    assert result.as_dict()["completeness"] == result.completeness
