"""Probabilistic record linkage of children's records across agencies, and the fast "already known?" look-up.

Pure Python (no Django). The public surface is small:

Build (Splink: DuckDB by default, Spark selectable)::

    summary = build_index(records_frame, "var/person-index", backend="duckdb", progress=True)
    summary.records, summary.persons, summary.seconds, summary.model_version

Look up (in memory, no SQL; same weights as Splink)::

    index = PersonIndex.load("var/person-index")
    result = index.lookup({"given_name": "Tom", "family_name": "Smith", "date_of_birth": "2009-05-12"})
    result.as_dict()  # {"candidates": [{"person_id", "match_probability", "records"}], "query_ms"}

``records_frame`` has ``record_id, agency, given_name, family_name, date_of_birth, sex, postcode``.
See ``docs/linkage.md`` for the model, its thresholds and how to run on Spark.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ccehub.linkage.backends import Backend, get_backend
    from ccehub.linkage.index import (
        DEFAULT_CLUSTER_THRESHOLD,
        BuildSummary,
        PersonIndex,
        build_index,
        link_records,
        near_joins,
    )
    from ccehub.linkage.lookup import DEFAULT_THRESHOLD, Candidate, LookupResult, RecordRef
    from ccehub.linkage.model import LinkageModel, train_model
    from ccehub.linkage.progress import ProgressArg, ProgressHook
    from ccehub.linkage.standardise import INPUT_COLUMNS, standardise_frame, standardise_record

# Names are imported on first use (PEP 562): ``import ccehub.linkage.reconcile`` (a pure command) then
# costs milliseconds instead of loading pandas, NumPy and Splink's settings.
_HOME = {
    "Backend": "backends",
    "get_backend": "backends",
    "DEFAULT_CLUSTER_THRESHOLD": "index",
    "BuildSummary": "index",
    "PersonIndex": "index",
    "build_index": "index",
    "link_records": "index",
    "near_joins": "index",
    "DEFAULT_THRESHOLD": "lookup",
    "Candidate": "lookup",
    "LookupResult": "lookup",
    "RecordRef": "lookup",
    "LinkageModel": "model",
    "train_model": "model",
    "ProgressArg": "progress",
    "ProgressHook": "progress",
    "INPUT_COLUMNS": "standardise",
    "standardise_frame": "standardise",
    "standardise_record": "standardise",
}


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


__all__ = [
    "DEFAULT_CLUSTER_THRESHOLD",
    "DEFAULT_THRESHOLD",
    "INPUT_COLUMNS",
    "Backend",
    "BuildSummary",
    "Candidate",
    "LinkageModel",
    "LookupResult",
    "PersonIndex",
    "ProgressArg",
    "ProgressHook",
    "RecordRef",
    "build_index",
    "get_backend",
    "link_records",
    "near_joins",
    "standardise_frame",
    "standardise_record",
    "train_model",
]
