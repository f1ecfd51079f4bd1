"""Run every linkage benchmark and write ``bench/results/*.json`` and ``bench/results/summary.md``.

.venv/bin/python bench/run.py --quick          # smoke test: small sizes, about a minute
.venv/bin/python bench/run.py                  # FEBRL4 + 10k, 100k and 1M records
.venv/bin/python bench/run.py --sizes 10000,100000
.venv/bin/python bench/run.py --summary-only   # rebuild summary.md from existing JSON
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import febrl, lookup_scale
from bench._common import RESULTS


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.2f}%"


def wilson(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95% Wilson score interval for a proportion (sensible at 0 or a handful of events)."""
    if n == 0:
        return (float("nan"), float("nan"))
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * ((p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


def _ms(x: float | None) -> str:
    return "–" if x is None else (f"{x:.2f}" if x < 100 else f"{x:,.0f}")


def febrl_table(data: dict[str, Any]) -> list[str]:
    lines = [
        "### FEBRL4 (5,000 + 5,000 records, 5,000 true pairs)",
        "",
        "| variant | ours P | ours R | ours F1 | fast path = Splink | ECM P | ECM R | ECM F1 | F1 ours/ECM |",
        "|---|---:|---:|---:|:---:|---:|---:|---:|---:|",
    ]
    for name, v in data["variants"].items():
        o, e = v["ours_splink_predict"], v["ecm"]
        lines.append(
            f"| {name.replace('_', ' ')} | {o['precision']:.4f} | {o['recall']:.4f} | {o['f1']:.4f} | "
            f"{'yes' if v['fast_path_equals_splink'] else 'NO'} | {e['precision']:.4f} | {e['recall']:.4f} | "
            f"{e['f1']:.4f} | {v['f1_ratio_ours_to_ecm']} |"
        )
    return lines


def scale_table(data: dict[str, Any]) -> list[str]:
    lines = [
        f"### Look-up at scale ({data['known_queries']:,} known-child look-ups, {data['absent_children']:,} "
        f"absent children, {data['splink_queries']} queries through Splink's paths; "
        f"{data['environment']['cpus']} cores)",
        "",
        "| records | build s | build peak MiB | index RAM MiB | fast p50 ms | fast p95 ms "
        "| predict_between p50 / p95 ms | ratio p50 / p95 | compare_records p50 / p95 ms | ratio p50 / p95 "
        "| same pairs & probabilities | top-1 known | false matches (twin / sibling / unrelated) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|---:|---:|",
    ]
    for r in data["sizes"]:
        q, b = r["query"], r["build"]
        acc = q["accuracy"]
        by_kind = acc["false_match_rate_by_kind"]
        agree = q["agreement_with_splink"]
        pb, cr = q["splink_predict_between_ms"], q["splink_compare_records_ms"]
        pbr, crr = q["splink_predict_between_ratio"], q["splink_compare_records_ratio"]
        lines.append(
            f"| {r['prepare']['records']:,} | {b['seconds']:,.0f} | {b['peak_rss_mb']:,.0f} | "
            f"{q['index_rss_mb']:,.0f} | {_ms(q['fast_path_ms']['p50'])} | {_ms(q['fast_path_ms']['p95'])} | "
            f"{_ms(pb['p50'])} / {_ms(pb['p95'])} | {pbr.get('p50')}× / {pbr.get('p95')}× | "
            f"{_ms(cr['p50'])} / {_ms(cr['p95'])} | {crr.get('p50')}× / {crr.get('p95')}× | "
            f"{agree['same_pairs']}/{agree['queries']} (Δp ≤ {agree['max_abs_probability_diff']:.0e}) | "
            f"{acc['top1_accuracy']:.4f} | {_pct(acc['false_match_rate'])} ({_pct(by_kind.get('twin'))} / "
            f"{_pct(by_kind.get('sibling'))} / {_pct(by_kind.get('unrelated'))}) |"
        )
    lines += [
        "",
        "Sampling error (95% Wilson intervals for the rates above):",
        "",
    ]
    for r in data["sizes"]:
        acc = r["query"]["accuracy"]
        n_abs = sum(acc["absent_queries"].values())
        fm = sum(acc["false_matches"].values())
        lo, hi = wilson(fm, n_abs)
        tlo, thi = wilson(acc["top1_correct"], acc["known_queries"])
        lines.append(
            f"* {r['prepare']['records']:,} records: false matches {fm} of {n_abs:,} "
            f"({_pct(lo)}–{_pct(hi)}); top-1 {acc['top1_correct']:,} of {acc['known_queries']:,} "
            f"({tlo:.4f}–{thi:.4f})"
            + (
                f"; every record of the found child returned for {acc['known_complete']:,} of "
                f"{acc['top1_correct']:,} ({acc['known_split']:,} held as more than one person)"
                if "known_complete" in acc
                else ""
            )
        )
    lines += [
        "",
        "Top-1 accuracy for known children / false-match rate for absent children, had the look-up "
        "threshold been higher:",
        "",
        "| records | "
        + " | ".join(
            f"≥ {t['threshold']}" for t in data["sizes"][0]["query"]["accuracy"].get("by_threshold", [])
        )
        + " |",
        "|---:|" + "---:|" * len(data["sizes"][0]["query"]["accuracy"].get("by_threshold", [])),
    ]
    for r in data["sizes"]:
        cells = [
            f"{t['top1_accuracy']:.4f} / {_pct(t['false_match_rate'])}"
            for t in r["query"]["accuracy"].get("by_threshold", [])
        ]
        lines.append(f"| {r['prepare']['records']:,} | " + " | ".join(cells) + " |")
    return lines + tradition_table(data)


#: The synthetic population's name pools, as a reader would name them.
TRADITIONS = {
    "white": "British",
    "south_asian": "South Asian",
    "black": "Black African / Caribbean",
    "eastern_european": "Eastern European",
}


def tradition_table(data: dict[str, Any]) -> list[str]:
    """Top-1 and false matches by the naming tradition of the child's names (an equality check)."""
    rows = [r for r in data["sizes"] if r["query"]["accuracy"].get("by_naming_tradition")]
    if not rows:
        return []
    lines = [
        "",
        "By the naming tradition of the child's names (false matches with 95% Wilson intervals):",
        "",
        "| records | naming tradition | top-1 known | false matches, absent children |",
        "|---:|:---|---:|---:|",
    ]
    for r in rows:
        for key, t in r["query"]["accuracy"]["by_naming_tradition"].items():
            lo, hi = wilson(t["false_matches"], t["absent_queries"])
            top1 = f"{t['top1_accuracy']:.4f} of {t['known_queries']:,}" if t["known_queries"] else "–"
            lines.append(
                f"| {r['prepare']['records']:,} | {TRADITIONS.get(key, key)} | {top1} | "
                f"{_pct(t['false_match_rate'])}: {t['false_matches']} of {t['absent_queries']:,} "
                f"({_pct(lo)}–{_pct(hi)}) |"
            )
    return lines


def calibration_table(data: dict[str, Any]) -> list[str]:
    """Trained parameters against the synthetic truth (``bench/calibration.py``)."""
    prior = data["prior"]
    lines = [
        f"Trained parameters against the truth ({data['records']:,} records, {data['match_pairs']:,} "
        f"pairs of records of the same child, model {data['model_version']}): prior λ trained "
        f"{prior['trained']:.4g}, true {prior['true']:.4g}. Levels whose trained m is off by more "
        "than a factor of 1.25:",
        "",
        "| comparison | level | trained m | true m |",
        "|:---|:---|---:|---:|",
    ]
    for comparison in data["comparisons"]:
        for level in comparison["levels"]:
            trained, true = level["trained_m"], level["true_m"]
            if level["m_equals_u_by_design"] or trained is None or true <= 0:
                continue
            if max(trained / true, true / trained) > 1.25:
                lines.append(
                    f"| {comparison['comparison']} | {level['level']} | {trained:.4f} | {true:.4f} |"
                )
    return lines


def write_summary() -> Path:
    parts = [
        "# Linkage benchmark results",
        "",
        "Written by `bench/run.py` from the JSON files beside it. See `bench/README.md`.",
        "",
    ]
    for name, table in (
        ("febrl.json", febrl_table),
        ("lookup_scale.json", scale_table),
        ("lookup_scale_1m_absent5000.json", scale_table),
        ("lookup_scale_seed21.json", scale_table),
        ("lookup_scale_quick.json", scale_table),
        ("calibration_1m.json", calibration_table),
    ):
        path = RESULTS / name
        if path.exists():
            data = json.loads(path.read_text())
            if name == "lookup_scale_quick.json":
                parts += ["_Quick (smoke-test) sizes:_", ""]
            elif name == "lookup_scale_1m_absent5000.json":
                parts += [
                    "_A larger sample at 1M records (`bench/lookup_scale.py --sizes 1000000 --absent 5000 "
                    "--out lookup_scale_1m_absent5000.json`): five times the absent children, so a "
                    "tighter false-match interval; the held-out and known children differ from the run "
                    "above._",
                    "",
                ]
            elif name == "lookup_scale_seed21.json":
                parts += ["_Another population (`--seed 21`):_", ""]
            elif name == "calibration_1m.json":
                parts += ["_Calibration (`bench/calibration.py`, seed 20, 1M records):_", ""]
            parts += [*table(data), ""]
            env = data["environment"]
            parts += [
                f"_{name}: Python {env['python']}, splink {env['packages']['splink']}, duckdb "
                f"{env['packages']['duckdb']}, {env['cpus']} cores, {env['platform']}._",
                "",
            ]
    out = RESULTS / "summary.md"
    out.write_text("\n".join(parts), encoding="utf-8")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (smoke test)")
    parser.add_argument("--sizes", help="comma-separated index sizes in records")
    parser.add_argument("--skip-febrl", action="store_true")
    parser.add_argument("--summary-only", action="store_true")
    args = parser.parse_args()
    if not args.summary_only:
        if not args.skip_febrl:
            febrl.main([])
        scale_args = ["--quick"] if args.quick else []
        if args.sizes:
            scale_args += ["--sizes", args.sizes]
        lookup_scale.main(scale_args)
    print(f"wrote {write_summary()}")


if __name__ == "__main__":
    main()
