"""FEBRL4 (5,000 + 5,000 records, known truth): our pipeline against recordlinkage's ECM classifier.

Both run in the same process on the same data, with and without the social security number:

* **ours** — the ccehub standardisation and model design (given name; family name × postcode × date
  of birth jointly; family-name frequency; plus FEBRL's street address and, when used, the social
  security number), trained unsupervised by Splink on DuckDB (prior from deterministic rules, u by
  random sampling, m by EM), scored by Splink's ``predict`` and, separately, by the in-memory fast
  path looking up each B record in an index of A (the two must give the same links);
* **ECM** — the recordlinkage toolkit's documented approach: its ``clean``/``phonetic``
  preprocessing, a union of standard blocks, binary comparison features, ``ECMClassifier``.

A pair is predicted a link at match probability ≥ 0.5 (ours) or by ECM's classification. Precision,
recall and F1 are over all 5,000 true pairs (missed by blocking counts as missed).

    .venv/bin/python bench/febrl.py            # writes bench/results/febrl.json
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import environment, peak_rss_mb, timed, write_json
from ccehub.linkage.lookup import LookupEngine
from ccehub.linkage.model import tf_columns, train_model
from ccehub.linkage.settings import (
    BLOCKING_RULES,
    FAMILY_FREQUENCY,
    GIVEN_NAME,
    GUARDS,
    HOUSEHOLD,
    PERSON_MODEL,
    BlockingRule,
    Comparison,
    Eq,
    IsNull,
    JaroWinklerAtLeast,
    Level,
    LevenshteinAtMost,
    ModelSpec,
)
from ccehub.linkage.standardise import STANDARD_COLUMNS, standardise_record

ADDRESS = Comparison(
    name="address",
    description="Street number and address lines (FEBRL)",
    levels=(
        Level("Address missing", IsNull("address"), is_null=True),
        Level("Exact", Eq("address")),
        Level("Jaro-Winkler >= 0.9", JaroWinklerAtLeast("address", 0.9)),
        Level("All other", None),
    ),
)
SOC_SEC_ID = Comparison(
    name="soc_sec_id",
    description="Social security number",
    levels=(
        Level("Number missing", IsNull("soc_sec_id"), is_null=True),
        Level("Exact", Eq("soc_sec_id")),
        Level("One or two edits", LevenshteinAtMost("soc_sec_id", 2)),
        Level("All other", None),
    ),
)


def febrl_spec(with_ssn: bool) -> ModelSpec:
    """The person model with FEBRL's extra fields (no sex in FEBRL)."""
    comparisons: tuple[Comparison, ...] = (GIVEN_NAME, HOUSEHOLD, FAMILY_FREQUENCY, ADDRESS)
    # 10,000 records allow broader blocks than a national index: any one of name or birth date.
    broad = tuple(BlockingRule(c, ((c, c),)) for c in ("given_canon", "family_canon", "dob_days"))
    rules: tuple[BlockingRule, ...] = (*BLOCKING_RULES, *broad)
    extra: tuple[str, ...] = ("address",)
    if with_ssn:
        comparisons = (*comparisons, SOC_SEC_ID)
        rules = (*rules, BlockingRule("ssn", (("soc_sec_id", "soc_sec_id"),)))
        extra = (*extra, "soc_sec_id")
    return replace(
        PERSON_MODEL,
        comparisons=comparisons,
        blocking_rules=rules,
        extra_string_columns=extra,
        guards=GUARDS,
        version=f"{PERSON_MODEL.version}-febrl{'-ssn' if with_ssn else ''}",
    )


def _clean(value: object) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    text = " ".join(str(value).lower().split())
    return text or None


def standardise_febrl(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    """FEBRL rows through our standardisation; Australian postcodes and suburbs stand in for UK ones."""
    rows = []
    for rec_id, r in frame.iterrows():
        std = standardise_record(
            {
                "agency": source,
                "record_id": rec_id,
                "given_name": r["given_name"],
                "family_name": r["surname"],
                "date_of_birth": r["date_of_birth"],
            }
        )
        postcode = _clean(r["postcode"])
        std["postcode"] = postcode
        # The comparison levels assume a field's derived columns are missing together, so the
        # "district" is derived from the postcode itself (its first three digits).
        std["pc_district"] = postcode[:3] if postcode else None
        std["pc_sector"] = None
        # FEBRL swaps address_1 and address_2 between copies: compare the two lines in sorted order.
        lines = sorted(x for x in (_clean(r["address_1"]), _clean(r["address_2"])) if x)
        std["address"] = _clean(" ".join([_clean(r["street_number"]) or "", *lines]))
        std["soc_sec_id"] = _clean(r["soc_sec_id"])
        rows.append(std)
    out = pd.DataFrame(rows)
    for col in ("dob_days", "dob_year"):
        out[col] = out[col].astype("Int64")
    return out


def true_pairs(a: pd.DataFrame, b: pd.DataFrame) -> set[tuple[str, str]]:
    key_a = {rid.rsplit("-", 1)[0].replace("-org", ""): rid for rid in a.index}
    out = set()
    for rid in b.index:
        stem = rid.split("-dup-")[0]
        if stem in key_a:
            out.add((key_a[stem], rid))
    return out


def scores(predicted: set[tuple[str, str]], truth: set[tuple[str, str]]) -> dict[str, float | int]:
    tp = len(predicted & truth)
    fp = len(predicted - truth)
    fn = len(truth - predicted)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
    }


def run_ours(a: pd.DataFrame, b: pd.DataFrame, with_ssn: bool, seed: int) -> dict[str, Any]:
    from splink import Linker
    from splink.backends.duckdb import DuckDBAPI

    from ccehub.linkage.tf import register_tf_tables

    spec = febrl_spec(with_ssn)
    timings: dict[str, float] = {}
    with timed(timings, "standardise"):
        std_a = standardise_febrl(a, "A")
        std_b = standardise_febrl(b, "B")
        both = pd.concat([std_a, std_b], ignore_index=True)
    with timed(timings, "train"):
        # FEBRL4 has no duplicates within A or within B, so deduplicating A ∪ B links A to B.
        model = train_model(both, spec=spec, seed=seed)
    columns = [*STANDARD_COLUMNS, *spec.extra_string_columns]
    with timed(timings, "splink_predict"):
        db_api = DuckDBAPI()
        frame = db_api.register(both[columns], table_name="febrl")
        linker = Linker(frame, model.splink_settings, log_level=logging.WARNING)
        register_tf_tables(linker, db_api, both, model.weights(spec))
        predictions = linker.inference.predict(threshold_match_probability=0.5, warning_mode="never")
        links = predictions.as_pandas_dataframe()
    predicted = set()
    for left, right in zip(links["unique_id_l"], links["unique_id_r"], strict=True):
        pair = tuple(sorted((left, right)))
        predicted.add(
            (pair[0].split(":", 1)[1], pair[1].split(":", 1)[1])
            if pair[0].startswith("A:") and pair[1].startswith("B:")
            else ("within", f"{left}|{right}")
        )

    # The fast path: an index of A, each B record looked up (same model, same threshold).
    with timed(timings, "fast_index"):
        index_a = std_a.assign(person_id=std_a["unique_id"])
        # term frequencies from A ∪ B, as in the Splink run above
        engine = LookupEngine(index_a, model.weights(spec), spec, tf_source=both)
    fast_pairs = set()
    latencies = []
    with timed(timings, "fast_lookups"):
        for row in std_b.to_dict("records"):
            started = time.perf_counter()
            result = engine.lookup(row, standardised=True)
            latencies.append((time.perf_counter() - started) * 1000)
            for candidate in result.candidates:
                fast_pairs.add((candidate.best_record.record_id, str(row["record_id"])))
    return {
        "model_version": model.version,
        "prior": model.probability_two_random_records_match,
        "splink_predict": predicted,
        "fast_path": fast_pairs,
        "fast_path_p50_ms": round(float(np.percentile(latencies, 50)), 3),
        "fast_path_p95_ms": round(float(np.percentile(latencies, 95)), 3),
        "timings_s": timings,
        "tf_columns": tf_columns(model.splink_settings),
    }


def run_ecm(a: pd.DataFrame, b: pd.DataFrame, with_ssn: bool) -> dict[str, Any]:
    import recordlinkage as rl
    from recordlinkage.preprocessing import clean, phonetic

    timings: dict[str, float] = {}
    with timed(timings, "total"):
        frames = []
        for frame in (a, b):
            f = frame.copy()
            for col in ("given_name", "surname", "address_1", "suburb", "state"):
                f[col] = clean(f[col])
            f["given_nysiis"] = phonetic(f["given_name"], method="nysiis")
            f["surname_nysiis"] = phonetic(f["surname"], method="nysiis")
            frames.append(f)
        fa, fb = frames
        indexer = rl.Index()
        indexer.block("given_name")
        indexer.block("surname")
        indexer.block("date_of_birth")
        indexer.block(["given_nysiis", "surname_nysiis"])
        if with_ssn:
            indexer.block("soc_sec_id")
        candidates = indexer.index(fa, fb)
        compare = rl.Compare()
        compare.string("given_name", "given_name", method="jarowinkler", threshold=0.85, label="given_name")
        compare.string("surname", "surname", method="jarowinkler", threshold=0.85, label="surname")
        compare.exact("date_of_birth", "date_of_birth", label="date_of_birth")
        compare.exact("suburb", "suburb", label="suburb")
        compare.exact("state", "state", label="state")
        compare.exact("postcode", "postcode", label="postcode")
        compare.string("address_1", "address_1", method="jarowinkler", threshold=0.85, label="address_1")
        if with_ssn:
            compare.exact("soc_sec_id", "soc_sec_id", label="soc_sec_id")
        features = compare.compute(candidates, fa, fb)
        ecm = rl.ECMClassifier(binarize=None)
        links = ecm.fit_predict(features)
    return {
        "candidate_pairs": len(candidates),
        "predicted": {(str(x), str(y)) for x, y in links},
        "timings_s": timings,
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="accepted for symmetry; FEBRL4 is small")
    args = parser.parse_args(argv)
    from recordlinkage.datasets import load_febrl4

    a, b = load_febrl4()
    truth = true_pairs(a, b)
    out: dict[str, Any] = {
        "benchmark": "febrl4",
        "records": [len(a), len(b)],
        "true_pairs": len(truth),
        "environment": environment(),
        "variants": {},
    }
    for with_ssn in (False, True):
        name = "with_soc_sec_id" if with_ssn else "without_soc_sec_id"
        ours = run_ours(a, b, with_ssn, args.seed)
        ecm = run_ecm(a, b, with_ssn)
        variant = {
            "ours_splink_predict": scores(ours["splink_predict"], truth),
            "ours_fast_path": scores(ours["fast_path"], truth),
            "fast_path_equals_splink": ours["fast_path"]
            == {p for p in ours["splink_predict"] if p[0] != "within"},
            "ecm": scores(ecm["predicted"], truth),
            "ours_model_version": ours["model_version"],
            "ours_prior": ours["prior"],
            "ours_timings_s": ours["timings_s"],
            "ours_fast_path_latency_ms": {"p50": ours["fast_path_p50_ms"], "p95": ours["fast_path_p95_ms"]},
            "ecm_candidate_pairs": ecm["candidate_pairs"],
            "ecm_timings_s": ecm["timings_s"],
        }
        variant["f1_ratio_ours_to_ecm"] = (
            round(variant["ours_splink_predict"]["f1"] / variant["ecm"]["f1"], 4)
            if variant["ecm"]["f1"]
            else None
        )
        out["variants"][name] = variant
        print(name, {k: variant[k] for k in ("ours_splink_predict", "ours_fast_path", "ecm")}, flush=True)
    out["peak_rss_mb"] = round(peak_rss_mb(), 1)
    path = write_json("febrl.json", out)
    print(f"wrote {path}")
    return out


if __name__ == "__main__":
    main()
