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


def test_tradition_table_renders_each_tradition() -> None:
    """The equality table has one row per size and naming tradition, with counts and an interval;
    results written before the breakdown existed render without it."""
    from bench.run import TRADITIONS, tradition_table

    by = {
        "white": {
            "known_queries": 10,
            "top1_accuracy": 0.9,
            "absent_queries": 100,
            "false_matches": 1,
            "false_match_rate": 0.01,
        },
        "south_asian": {
            "known_queries": 0,
            "top1_accuracy": None,
            "absent_queries": 20,
            "false_matches": 0,
            "false_match_rate": 0.0,
        },
    }
    data = {"sizes": [{"prepare": {"records": 1234}, "query": {"accuracy": {"by_naming_tradition": by}}}]}
    lines = tradition_table(data)
    rows = [line for line in lines if line.startswith("| 1,234 |")]
    assert len(rows) == 2
    assert TRADITIONS["white"] in rows[0] and "1.00%: 1 of 100 (" in rows[0] and "0.9000 of 10" in rows[0]
    assert TRADITIONS["south_asian"] in rows[1] and "| – |" in rows[1]
    del data["sizes"][0]["query"]["accuracy"]["by_naming_tradition"]
    assert tradition_table(data) == []
