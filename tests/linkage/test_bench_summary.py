"""The benchmark summary: Wilson intervals and the tables written from the committed results."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.run import scale_table, wilson

RESULTS = Path(__file__).resolve().parents[2] / "bench" / "results"


def test_wilson_interval() -> None:
    """Known values: 6 of 1,000 is 0.28%–1.30%; none of 1,000 still has an upper bound."""
    lo, hi = wilson(6, 1000)
    assert lo == pytest.approx(0.002753, abs=1e-6)
    assert hi == pytest.approx(0.013028, abs=1e-6)
    assert wilson(0, 1000)[0] == 0.0
    assert 0.0035 < wilson(0, 1000)[1] < 0.004
    lo, hi = wilson(1974, 2000)
    assert lo < 1974 / 2000 < hi


def test_scale_table_from_committed_results() -> None:
    """Every committed look-up result renders, with one interval line per size."""
    data = json.loads((RESULTS / "lookup_scale.json").read_text())
    lines = scale_table(data)
    assert sum(line.startswith("* ") and "false matches" in line for line in lines) == len(data["sizes"])
    assert any("top-1 known" in line for line in lines)
