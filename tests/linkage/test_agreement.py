"""The fast path and Splink agree: same candidate pairs, same match probabilities.

Splink scores with SQL it generates from the trained model; the fast path scores in numpy from the
same model file. If they ever disagree on a level, a weight or the blocking, these tests fail.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest
from splink import Linker
from splink.backends.duckdb import DuckDBAPI

from ccehub.linkage.model import tf_columns
from ccehub.linkage.standardise import STANDARD_COLUMNS, standardise_frame
from ccehub.linkage.tf import register_tf_tables
from ccehub.synthetic import custody_queries
from ccehub.synthetic.evaluate import query_fields

from .conftest import World

TOLERANCE = 1e-12


@pytest.fixture(scope="module")
def splink_linker(world: World) -> tuple[Linker, DuckDBAPI]:
    db_api = DuckDBAPI()
    index_frame = db_api.register(world.index.records[list(STANDARD_COLUMNS)], table_name="person_index")
    linker = Linker(index_frame, world.index.model.splink_settings, log_level=logging.WARNING)
    register_tf_tables(linker, db_api, world.index.records, world.index.model.weights())
    return linker, db_api


def _queries(world: World) -> list[dict[str, str]]:
    people = list(world.split.indexed[:400]) + list(world.split.all_absent()[:200])
    out = [query_fields(q) for q in custody_queries(world.population, people, seed=99)]
    # blank fields, as a custody officer may leave them
    out += [{**q, "postcode": ""} for q in out[:50]]
    out += [{**q, "date_of_birth": "", "sex": ""} for q in out[50:100]]
    out += [{**q, "given_name": ""} for q in out[100:130]]
    out += [
        {"given_name": q["family_name"], "family_name": q["given_name"], "date_of_birth": q["date_of_birth"]}
        for q in out[130:160]
    ]
    return out


def test_fast_path_matches_predict_between(world: World, splink_linker: tuple[Linker, DuckDBAPI]) -> None:
    """For ~800 queries, the fast path finds exactly the pairs ``predict_between`` finds, with the same
    match weights and probabilities."""
    linker, db_api = splink_linker
    queries = _queries(world)
    raw = pd.DataFrame([{**q, "agency": "QUERY", "record_id": f"q{i}"} for i, q in enumerate(queries)])
    left = db_api.register(standardise_frame(raw), table_name="queries")
    right = db_api.register(world.index.records[list(STANDARD_COLUMNS)], table_name="index_again")
    splink = linker.inference.predict_between(left, right, warning_mode="never").as_pandas_dataframe()

    fast = []
    for i, q in enumerate(queries):
        pairs = world.index.candidate_pairs(q)
        pairs["unique_id_l"] = f"QUERY:q{i}"
        fast.append(pairs)
    ours = pd.concat(fast).rename(columns={"unique_id": "unique_id_r"})

    merged = splink.merge(
        ours, on=["unique_id_l", "unique_id_r"], how="outer", indicator=True, suffixes=("_splink", "_fast")
    )
    assert len(splink) > 1_000
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"].head()
    assert np.abs(merged["match_weight_splink"] - merged["match_weight_fast"]).max() < TOLERANCE
    assert np.abs(merged["match_probability_splink"] - merged["match_probability_fast"]).max() < TOLERANCE
    # the comparison covers the whole range, not just certain matches
    assert merged["match_probability_fast"].min() < 0.01 and merged["match_probability_fast"].max() > 0.99


def test_fast_scorer_matches_predict(world: World, splink_linker: tuple[Linker, DuckDBAPI]) -> None:
    """Every pair Splink's ``predict`` scores within the index gets the same probability from the
    fast scorer."""
    linker, _ = splink_linker
    predictions = linker.inference.predict(warning_mode="never").as_pandas_dataframe()
    position = {uid: i for i, uid in enumerate(world.index.engine.unique_ids)}
    left = np.array([position[u] for u in predictions["unique_id_l"]])
    right = np.array([position[u] for u in predictions["unique_id_r"]])
    weight, probability, _ = world.index.engine.score_rows(left, right)
    assert len(predictions) > 5_000
    assert np.abs(weight - predictions["match_weight"].to_numpy()).max() < TOLERANCE
    assert np.abs(probability - predictions["match_probability"].to_numpy()).max() < TOLERANCE


def test_fast_path_matches_score_pairs(world: World, splink_linker: tuple[Linker, DuckDBAPI]) -> None:
    """Splink's ``score_pairs`` (no blocking) agrees with the fast scorer on hand-made records."""
    linker, _ = splink_linker
    q = query_fields(custody_queries(world.population, world.split.indexed[:1], seed=5)[0])
    candidates = world.index.candidate_pairs(q)
    assert len(candidates)
    std_q = standardise_frame(pd.DataFrame([{**q, "agency": "QUERY", "record_id": "q"}]))
    for column in tf_columns(world.index.model.splink_settings):
        std_q[f"tf_{column}"] = None
    records = world.index.records.set_index("unique_id").loc[candidates["unique_id"]].reset_index()
    left = std_q[list(STANDARD_COLUMNS)].to_dict("records")
    right = records[list(STANDARD_COLUMNS)].to_dict("records")
    scored = linker.inference.score_pairs(left, right).as_pandas_dataframe()
    merged = scored.merge(candidates, left_on="unique_id_r", right_on="unique_id")
    assert len(merged) == len(candidates)
    assert np.abs(merged["match_probability_x"] - merged["match_probability_y"]).max() < TOLERANCE
