"""Index build and single-record look-up at scale, against Splink's own single-record paths.

For each size (records in the index) a synthetic population is generated, some children are held out
(twins and siblings of indexed children, and unrelated children), and each phase runs in its own
process so its peak memory is its own:

1. **prepare** — generate agency records (seeded) and write them to a work directory;
2. **build** — ``build_index`` on DuckDB: standardise, train, predict, cluster, persist (time, peak
   memory);
3. **query** — load the index; look up custody-style queries for known and absent children with the
   fast path; run a subset of the same queries through Splink's single-record paths on the same model
   in the same process: ``linker.inference.predict_between`` (query frame against the registered
   index), and the cached real-time ``compare_records`` (``sql_cache_key`` set; join condition = the
   blocking rules); check all three return the same pairs and probabilities; report p50/p95 and the
   ratios; top-1 accuracy for known children; false matches for absent ones, by kind.

    .venv/bin/python bench/lookup_scale.py --quick                 # small sizes, a minute or two
    .venv/bin/python bench/lookup_scale.py --sizes 10000,100000,1000000
"""

from __future__ import annotations

import argparse
import json
import logging
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import environment, peak_rss_mb, percentiles, timed, write_json

RECORDS_PER_PERSON = 2.29  # what agency_records produces with the default coverage
SEED = 20


def current_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024.0
    return float("nan")


def _world(size: int, n_absent: int, seed: int = SEED) -> tuple[Any, Any]:
    from ccehub.synthetic import generate_population, holdout

    # people in the index plus those held out, so the index holds about `size` records
    population = generate_population(max(int(size / RECORDS_PER_PERSON) + n_absent, 200), seed=seed)
    split = holdout(population, n_absent, seed=seed, twin_share=0.2, sibling_share=0.3)
    return population, split


def phase_prepare(size: int, work: Path, n_absent: int, seed: int = SEED) -> dict[str, Any]:
    from ccehub.synthetic import agency_records, records_frame

    timings: dict[str, float] = {}
    with timed(timings, "generate"):
        population, split = _world(size, n_absent, seed)
        raw = records_frame(agency_records(population, seed=seed, persons=split.indexed))
    raw.to_parquet(work / "raw.parquet", index=False)
    return {
        "records": len(raw),
        "persons_in_index": len(split.indexed),
        "timings_s": timings,
        "absent": {k: len(v) for k, v in split.absent.items()},
    }


def phase_build(work: Path, seed: int = SEED) -> dict[str, Any]:
    from ccehub.linkage import build_index

    raw = pd.read_parquet(work / "raw.parquet")
    truth = raw[["agency", "record_id", "true_person_id"]]
    truth.to_parquet(work / "truth.parquet", index=False)
    records = raw[["record_id", "agency", "given_name", "family_name", "date_of_birth", "sex", "postcode"]]
    del raw
    rss_before = current_rss_mb()
    started = time.perf_counter()
    summary = build_index(records, work / "index", seed=seed)
    seconds = time.perf_counter() - started
    return {
        "seconds": round(seconds, 2),
        "records_per_second": round(len(records) / seconds),
        "summary": summary.as_dict(),
        "rss_before_mb": round(rss_before, 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }


def _splink_paths(index: Any) -> tuple[Any, Any, Any, str, dict[str, float]]:
    """Splink set up once (not timed per query): index registered, TF tables, a TF-joined table for
    ``compare_records``."""
    from splink import Linker
    from splink.backends.duckdb import DuckDBAPI

    from ccehub.linkage.standardise import STANDARD_COLUMNS
    from ccehub.linkage.tf import tf_tables

    timings: dict[str, float] = {}
    with timed(timings, "setup"):
        db_api = DuckDBAPI()
        frame = db_api.register(index.records[list(STANDARD_COLUMNS)], table_name="person_index")
        linker = Linker(frame, index.model.splink_settings, log_level=logging.WARNING)
        con = db_api._con
        select = ["r.*"]
        joins = []
        # The same smoothed term-frequency tables the fast path uses (ccehub.linkage.tf).
        for i, (column, table) in enumerate(tf_tables(index.records, index.model.weights()).items()):
            tf = db_api.register(table, table_name=f"tf_{column}_table")
            linker.table_management.register_term_frequency_lookup(tf, column)
            joins.append(f"LEFT JOIN {tf.physical_name} t{i} ON r.{column} = t{i}.{column}")
            select.append(f"t{i}.tf_{column}")
        con.execute(
            f"CREATE TABLE person_index_tf AS SELECT {', '.join(select)} "
            f"FROM {frame.physical_name} r {' '.join(joins)}"
        )
    join_condition = " OR ".join(f"({rule.sql()})" for rule in index.spec.blocking_rules)
    return db_api, linker, frame, join_condition, timings


def phase_query(
    size: int, work: Path, n_known: int, n_absent: int, n_splink: int, seed: int = SEED
) -> dict[str, Any]:
    from splink.internals.realtime import compare_records

    from ccehub.linkage import PersonIndex
    from ccehub.linkage.standardise import STANDARD_COLUMNS, standardise_record
    from ccehub.synthetic import custody_queries
    from ccehub.synthetic.evaluate import evaluate_clusters, evaluate_lookup, query_fields

    out: dict[str, Any] = {}
    rss_start = current_rss_mb()
    with timed(out, "index_load_s"):
        index = PersonIndex.load(work / "index")
    out["index_rss_mb"] = round(current_rss_mb() - rss_start, 1)
    truth = pd.read_parquet(work / "truth.parquet")
    population, split = _world(size, n_absent, seed)

    merged = index.records[["agency", "record_id", "person_id"]].merge(truth, on=["agency", "record_id"])
    out["clusters"] = evaluate_clusters(merged["person_id"], merged["true_person_id"]).as_dict()

    for q in custody_queries(population, split.indexed[:50], seed=seed + 7):  # warm caches
        index.lookup(query_fields(q))
    evaluation = evaluate_lookup(index, population, split, truth, n_known=n_known, seed=seed + 1)
    out["accuracy"] = {k: v for k, v in evaluation.as_dict().items() if k != "latency_ms"}
    out["fast_path_ms"] = percentiles(evaluation.latencies_ms)

    # Splink's single-record paths on the same model, same queries (a subset: they are slow).
    rng = np.random.default_rng(seed + 3)
    people = list(split.indexed)
    chosen = [people[i] for i in rng.choice(len(people), size=min(n_splink, len(people)), replace=False)]
    queries = [query_fields(q) for q in custody_queries(population, chosen, seed=seed + 5)]
    db_api, linker, index_frame, join_condition, splink_timings = _splink_paths(index)
    out["splink_setup_s"] = splink_timings["setup"]
    tf_cols = [c for c in index.engine.scorer.tf]
    between_ms, compare_ms, fast_ms = [], [], []
    agree = {"queries": 0, "same_pairs": 0, "max_abs_probability_diff": 0.0}
    for n, query in enumerate(queries):
        started = time.perf_counter()
        index.lookup(query)
        fast_ms.append((time.perf_counter() - started) * 1000)
        fast = index.candidate_pairs(query)  # every scored pair, to compare with Splink's output

        std = standardise_record({"agency": "QUERY", "record_id": f"q{n}", **query})
        started = time.perf_counter()
        left = db_api.register(pd.DataFrame([std])[list(STANDARD_COLUMNS)], table_name=f"query_{n}")
        between = linker.inference.predict_between(
            left, index_frame, warning_mode="never"
        ).as_pandas_dataframe()
        between_ms.append((time.perf_counter() - started) * 1000)

        record = {k: std[k] for k in STANDARD_COLUMNS}
        for column in tf_cols:
            code = index.engine.vocabulary.codes.get(str(std[column]))
            value = index.engine.scorer.tf[column][code] if code is not None else np.nan
            record[f"tf_{column}"] = None if np.isnan(value) else float(value)
        started = time.perf_counter()
        compared = compare_records(
            record,
            "person_index_tf",
            index.model.splink_settings,
            db_api,
            sql_cache_key="ccehub_lookup_benchmark",
            join_condition=join_condition,
        ).as_pandas_dataframe()
        compare_ms.append((time.perf_counter() - started) * 1000)

        agree["queries"] += 1
        ours = dict(zip(fast["unique_id"], fast["match_probability"], strict=True))
        theirs = dict(zip(between["unique_id_r"], between["match_probability"], strict=True))
        realtime = dict(zip(compared["unique_id_r"], compared["match_probability"], strict=True))
        if set(ours) == set(theirs) == set(realtime):
            agree["same_pairs"] += 1
            for uid, p in ours.items():
                diff = max(abs(p - theirs[uid]), abs(p - realtime[uid]))
                agree["max_abs_probability_diff"] = max(agree["max_abs_probability_diff"], diff)
    out["agreement_with_splink"] = agree
    out["splink_predict_between_ms"] = percentiles(between_ms)
    out["splink_compare_records_ms"] = percentiles(compare_ms)
    out["fast_path_same_queries_ms"] = percentiles(fast_ms)
    for name in ("splink_predict_between_ms", "splink_compare_records_ms"):
        theirs_stats = out[name]
        ours_stats = out["fast_path_same_queries_ms"]
        out[name.replace("_ms", "_ratio")] = {
            q: round(theirs_stats[q] / ours_stats[q], 1) for q in ("p50", "p95") if ours_stats[q]
        }
    out["peak_rss_mb"] = round(peak_rss_mb(), 1)
    return out


def run_size(size: int, args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix=f"ccehub-bench-{size}-") as tmp:
        work = Path(tmp)
        result: dict[str, Any] = {"target_records": size, "seed": args.seed}
        for phase in ("prepare", "build", "query"):
            command = [
                sys.executable,
                __file__,
                "--phase",
                phase,
                "--size",
                str(size),
                "--work",
                str(work),
                "--known",
                str(args.known),
                "--absent",
                str(args.absent),
                "--splink-queries",
                str(args.splink_queries),
                "--seed",
                str(args.seed),
            ]
            started = time.perf_counter()
            subprocess.run(command, check=True)
            result[phase] = json.loads((work / f"{phase}.json").read_text())
            result[phase]["wall_s"] = round(time.perf_counter() - started, 2)
            print(f"[{size:,}] {phase} done in {result[phase]['wall_s']} s", flush=True)
    return result


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes for a smoke test")
    parser.add_argument("--sizes", help="comma-separated index sizes in records (default 10k,100k,1M)")
    parser.add_argument("--known", type=int, default=None, help="look-ups of children in the index")
    parser.add_argument("--absent", type=int, default=None, help="children held out of the index")
    parser.add_argument("--splink-queries", type=int, default=None, help="queries through Splink's paths")
    parser.add_argument("--seed", type=int, default=SEED, help=f"population seed (default {SEED})")
    parser.add_argument("--out", help="results file name in bench/results (default lookup_scale.json)")
    parser.add_argument("--phase", choices=("prepare", "build", "query"), help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--work", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.known = args.known or (300 if args.quick else 2000)
    args.absent = args.absent or (200 if args.quick else 1000)
    args.splink_queries = args.splink_queries or (20 if args.quick else 50)

    if args.phase:
        work = Path(args.work)
        if args.phase == "prepare":
            payload = phase_prepare(args.size, work, args.absent, args.seed)
        elif args.phase == "build":
            payload = phase_build(work, args.seed)
        else:
            payload = phase_query(args.size, work, args.known, args.absent, args.splink_queries, args.seed)
        (work / f"{args.phase}.json").write_text(json.dumps(payload, default=str))
        return payload

    sizes = (
        [int(s) for s in args.sizes.split(",")]
        if args.sizes
        else ([2_000, 10_000] if args.quick else [10_000, 100_000, 1_000_000])
    )
    results = {
        "benchmark": "lookup_scale",
        "environment": environment(),
        "quick": args.quick,
        "seed": args.seed,
        "known_queries": args.known,
        "absent_children": args.absent,
        "splink_queries": args.splink_queries,
        "sizes": [],
    }
    for size in sizes:
        results["sizes"].append(run_size(size, args))
        write_json(args.out or ("lookup_scale_quick.json" if args.quick else "lookup_scale.json"), results)
    print(json.dumps([_headline(r) for r in results["sizes"]], indent=1))
    return results


def _headline(r: dict[str, Any]) -> dict[str, Any]:
    q = r["query"]
    return {
        "records": r["prepare"]["records"],
        "build_s": r["build"]["seconds"],
        "build_peak_mb": r["build"]["peak_rss_mb"],
        "fast_p50_ms": q["fast_path_ms"]["p50"],
        "fast_p95_ms": q["fast_path_ms"]["p95"],
        "predict_between_p50_ms": q["splink_predict_between_ms"]["p50"],
        "compare_records_p50_ms": q["splink_compare_records_ms"]["p50"],
        "top1": q["accuracy"]["top1_accuracy"],
        "false_match_rate": q["accuracy"]["false_match_rate"],
        "agreement": q["agreement_with_splink"],
    }


if __name__ == "__main__":
    main()
