"""bench/calibration.py: trained parameters against the synthetic truth."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bench.calibration import calibrate, match_pairs, report
from bench.run import calibration_table

RESULTS = Path(__file__).resolve().parents[2] / "bench" / "results"


def test_match_pairs_are_every_pair_within_a_child() -> None:
    left, right = match_pairs(pd.Series([[0, 3, 5], [1], [2, 4]]))
    assert sorted(zip(left.tolist(), right.tolist(), strict=True)) == [(0, 3), (0, 5), (2, 4), (3, 5)]
    assert left.dtype == np.int64


@pytest.mark.slow
def test_calibration_of_a_small_built_index(tmp_path: Path) -> None:
    """The truth side is computed from the population, not read from the model: the true prior is the
    share of same-child pairs, each comparison's true m sums to one over its non-null levels."""
    from bench.lookup_scale import phase_build, phase_prepare

    phase_prepare(5_000, tmp_path, n_absent=100, seed=5)
    phase_build(tmp_path, seed=5)
    result = calibrate(tmp_path)
    truth = pd.read_parquet(tmp_path / "truth.parquet")
    sizes = truth.groupby("true_person_id").size().to_numpy()
    pairs = int((sizes * (sizes - 1) // 2).sum())
    n = len(truth)
    assert result["records"] == n and result["match_pairs"] == pairs
    assert result["prior"]["true"] == pytest.approx(pairs / (n * (n - 1) / 2))
    for comparison in result["comparisons"]:
        assert sum(level["true_m"] for level in comparison["levels"]) == pytest.approx(1.0)
    household = next(c for c in result["comparisons"] if c["comparison"] == "household_birth")
    exact = next(
        lv for lv in household["levels"] if lv["level"] == "Family name, postcode and date of birth agree"
    )
    assert 0.3 < exact["true_m"] < 0.7  # the generator's records of one child mostly agree
    text = report(result)
    assert "prior λ: trained" in text and "household_birth" in text


def test_calibration_table_from_committed_results() -> None:
    data = json.loads((RESULTS / "calibration_1m.json").read_text())
    lines = calibration_table(data)
    assert "prior λ trained" in lines[0]
    rows = [line for line in lines if line.startswith("| household_birth")]
    assert rows and all(line.count("|") == 5 for line in rows)
