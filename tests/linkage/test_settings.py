"""Comparison levels mean the same thing in DuckDB SQL and in the numpy fast path."""

from __future__ import annotations

import duckdb
import jellyfish
import numpy as np
import pandas as pd
import pytest

from ccehub.linkage.lookup import Vocabulary, _int_column
from ccehub.linkage.settings import (
    BLOCKING_RULES,
    COMPARISONS,
    INT_COLUMNS,
    STRING_COLUMNS,
    Eq,
    IsNull,
    Not,
    PairData,
    evaluate_comparison,
    splink_settings,
)
from ccehub.linkage.standardise import standardise_frame
from ccehub.synthetic import agency_records, generate_population, records_frame


@pytest.fixture(scope="module")
def pairs() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Standardised records and ~60k pairs: random ones plus every pair of each person's records."""
    pop = generate_population(1_500, seed=21)
    raw = records_frame(agency_records(pop, seed=21))
    std = standardise_frame(raw)
    std["truth"] = raw["true_person_id"].to_numpy()
    rng = np.random.default_rng(0)
    n = len(std)
    left = rng.integers(0, n, 50_000)
    right = rng.integers(0, n, 50_000)
    same = std.reset_index().merge(std.reset_index(), on="truth")
    same = same[same["index_x"] < same["index_y"]]
    left = np.concatenate([left, same["index_x"].to_numpy()])
    right = np.concatenate([right, same["index_y"].to_numpy()])
    return std, pd.DataFrame({"l": left, "r": right})


def _duckdb_levels(std: pd.DataFrame, idx: pd.DataFrame) -> pd.DataFrame:
    con = duckdb.connect()
    cols = list(STRING_COLUMNS + INT_COLUMNS)
    left = std[cols].iloc[idx["l"].to_numpy()].reset_index(drop=True).add_suffix("_l")
    right = std[cols].iloc[idx["r"].to_numpy()].reset_index(drop=True).add_suffix("_r")
    frame = pd.concat([left, right], axis=1)
    con.register("pairs", frame)
    selects = []
    for comparison in COMPARISONS:
        cases = " ".join(
            f"WHEN {lvl.pred.sql('duckdb')} THEN {i}" for i, lvl in enumerate(comparison.levels) if lvl.pred
        )
        selects.append(f"CASE {cases} ELSE {len(comparison.levels) - 1} END AS {comparison.name}")
    return con.execute(f"SELECT {', '.join(selects)} FROM pairs").df()  # noqa: S608


def test_levels_agree_with_duckdb(pairs: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    """Every pair falls in the same level whether DuckDB runs the SQL or numpy runs the predicate."""
    std, idx = pairs
    vocab = Vocabulary(v for c in STRING_COLUMNS for v in std[c].dropna().astype(str))
    columns = {c: vocab.encode_column(std[c]) for c in STRING_COLUMNS}
    columns.update({c: _int_column(std[c]) for c in INT_COLUMNS})
    left = {c: a[idx["l"].to_numpy()] for c, a in columns.items()}
    right = {c: a[idx["r"].to_numpy()] for c, a in columns.items()}
    data = PairData(left, right, vocab.strings)
    expected = _duckdb_levels(std, idx)
    for comparison in COMPARISONS:
        got = evaluate_comparison(comparison, data)
        want = expected[comparison.name].to_numpy()
        assert (got == want).all(), comparison.name
        # and the test is not vacuous: most levels are reached
        assert len(set(got.tolist())) >= len(comparison.levels) - 3, comparison.name


def test_three_valued_logic() -> None:
    """NOT (a = NULL) is not TRUE, as in SQL: a missing value never 'differs'."""
    vocab = Vocabulary(["a", "b"])
    null = np.array([-1], dtype=np.int64)
    data = PairData({"given_std": np.array([0])}, {"given_std": null}, vocab.strings)
    result = Not(Eq("given_std")).evaluate(data)
    assert not result.t[0] and not result.f[0]
    assert IsNull("given_std").evaluate(data).t[0]


def test_jaro_winkler_matches_duckdb() -> None:
    """jellyfish's Jaro-Winkler is DuckDB's, so fuzzy levels cannot drift between the two paths."""
    rng = np.random.default_rng(1)
    names = ["mohammed", "muhammad", "jayden", "jaden", "smith", "smyth", "olivia", "oliver", "kerr", "x"]
    words = [rng.choice(names) for _ in range(2_000)]
    noisy = [
        "".join(rng.permutation(list(w))) if rng.random() < 0.3 else w[: rng.integers(1, len(w) + 1)]
        for w in words
    ]
    frame = pd.DataFrame({"a": words, "b": noisy})
    con = duckdb.connect()
    con.register("f", frame)
    duck = con.execute("SELECT jaro_winkler_similarity(a, b) AS s FROM f").df()["s"].to_numpy()
    ours = np.array([jellyfish.jaro_winkler_similarity(a, b) for a, b in zip(words, noisy, strict=True)])
    assert np.abs(duck - ours).max() < 1e-12


def test_settings_render_for_each_backend() -> None:
    """The same levels render for DuckDB and Spark, differing only in the fuzzy function's name."""
    duck = splink_settings("duckdb")
    spark = splink_settings("spark")
    assert len(duck["comparisons"]) == len(spark["comparisons"]) == len(COMPARISONS)
    d = duck["comparisons"][0]["comparison_levels"][4]["sql_condition"]
    s = spark["comparisons"][0]["comparison_levels"][4]["sql_condition"]
    assert d.replace("jaro_winkler_similarity", "jaro_winkler") == s
    assert duck["blocking_rules_to_generate_predictions"] == [r.sql() for r in BLOCKING_RULES]
    mirrored = {tuple(sorted(r.keys)) for r in BLOCKING_RULES}
    for rule in BLOCKING_RULES:  # the rule set is symmetric, as Splink's dedupe requires
        assert tuple(sorted((b, a) for a, b in rule.keys)) in mirrored
