"""Are the trained parameters right? The model's prior and m values against the synthetic truth.

Unsupervised training can be wrong in ways no look-up benchmark separates from "the data cannot tell
these children apart". The synthetic population knows which records are one child, so this compares:

* the prior λ (``probability_two_random_records_match``) with the true share of record pairs that are
  one child;
* every comparison level's trained ``m`` with its true share among all pairs of records of the same
  child, scored by the fast path's own level predicates (the same that render Splink's SQL).

``u`` is not checked here: the levels that matter occur about once in ten million non-matching pairs
(see docs/linkage.md, "A calibration bias found on the way").

    .venv/bin/python bench/calibration.py                      # 1M records, seed 20 (about 5 minutes)
    .venv/bin/python bench/calibration.py --size 100000 --out calibration_100k.json
    .venv/bin/python bench/calibration.py --work DIR           # reuse a lookup_scale work directory
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import environment, write_json

HERE = Path(__file__).resolve().parent


def _prepare(size: int, work: Path, seed: int) -> None:
    """The lookup benchmark's own prepare and build phases (same population, same index)."""
    for phase in ("prepare", "build"):
        command = [sys.executable, str(HERE / "lookup_scale.py"), "--phase", phase, "--work", str(work)]
        command += ["--size", str(size), "--seed", str(seed)]
        subprocess.run(command, check=True)
        print(f"{phase} done", flush=True)


def match_pairs(rows_by_person: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Every pair of index rows that belong to the same true child."""
    left: list[int] = []
    right: list[int] = []
    for rows in rows_by_person:
        for i in range(len(rows)):
            left.extend(rows[i] for _ in range(len(rows) - i - 1))
            right.extend(rows[i + 1 :])
    return np.asarray(left, dtype=np.int64), np.asarray(right, dtype=np.int64)


def calibrate(work: Path) -> dict[str, Any]:
    from ccehub.linkage import PersonIndex

    index = PersonIndex.load(work / "index")
    engine = index.engine
    truth = pd.read_parquet(work / "truth.parquet")
    unique_ids = truth["agency"] + ":" + truth["record_id"]
    position = pd.Series(np.arange(len(engine.unique_ids)), index=engine.unique_ids)
    truth["row"] = position.reindex(unique_ids).to_numpy()
    left, right = match_pairs(truth.groupby("true_person_id")["row"].apply(list))
    n = len(truth)
    true_prior = len(left) / (n * (n - 1) / 2)
    _, _, gamma = engine.score_rows(left, right)

    settings = index.model.splink_settings
    neutral = {(c.name, level.label) for c in index.spec.comparisons for level in c.levels if level.neutral}
    comparisons = []
    for j, (comparison, splink_comparison) in enumerate(
        zip(index.spec.comparisons, settings["comparisons"], strict=True)
    ):
        levels = splink_comparison["comparison_levels"]
        counts = np.bincount(gamma[:, j], minlength=len(levels))
        null = sum(int(counts[i]) for i, level in enumerate(levels) if level.get("is_null_level"))
        rows = []
        for i, level in enumerate(levels):
            if level.get("is_null_level"):
                continue
            # Splink's m is a share of the pairs where the comparison is not null.
            rows.append(
                {
                    "level": level.get("label_for_charts", ""),
                    "trained_m": level.get("m_probability"),
                    "m_equals_u_by_design": (comparison.name, level.get("label_for_charts")) in neutral,
                    "true_m": counts[i] / max(len(left) - null, 1),
                    "match_pairs": int(counts[i]),
                }
            )
        comparisons.append({"comparison": comparison.name, "levels": rows})
    return {
        "records": n,
        "children": int(truth["true_person_id"].nunique()),
        "match_pairs": len(left),
        "model_version": index.model_version,
        "prior": {
            "trained": float(settings["probability_two_random_records_match"]),
            "true": true_prior,
        },
        "comparisons": comparisons,
    }


def report(result: dict[str, Any]) -> str:
    prior = result["prior"]
    lines = [
        f"{result['records']:,} records of {result['children']:,} children, "
        f"{result['match_pairs']:,} pairs of records of the same child; model {result['model_version']}",
        f"prior λ: trained {prior['trained']:.4g}, true {prior['true']:.4g} "
        f"(ratio {prior['trained'] / prior['true']:.3f})",
    ]
    for comparison in result["comparisons"]:
        lines.append(f"\n{comparison['comparison']}")
        for level in comparison["levels"]:
            trained = level["trained_m"]
            if level["m_equals_u_by_design"]:
                lines.append(f"  m = u by design (term-frequency only)   {level['level']}")
                continue
            shown = "none" if trained is None else f"{trained:.4f}"
            lines.append(f"  m {shown:>10} trained · {level['true_m']:.4f} true   {level['level']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1_000_000, help="index records (default 1M)")
    parser.add_argument("--seed", type=int, default=20, help="population seed (default 20)")
    parser.add_argument("--work", help="an existing lookup_scale work directory (index + truth.parquet)")
    parser.add_argument("--out", default="calibration_1m.json", help="results file in bench/results")
    args = parser.parse_args(argv)
    if args.work:
        result = calibrate(Path(args.work))
    else:
        with tempfile.TemporaryDirectory(prefix="ccehub-calibration-") as tmp:
            _prepare(args.size, Path(tmp), args.seed)
            result = calibrate(Path(tmp))
    result = {"benchmark": "calibration", "environment": environment(), "seed": args.seed, **result}
    write_json(args.out, result)
    print(report(result))
    return result


if __name__ == "__main__":
    main()
