"""Link every agency's records into persons with Splink, and keep a look-up index on disk.

``build_index`` standardises the records, trains the model (or reuses one), has Splink score all
blocked pairs and cluster them (connected components at ``cluster_threshold``, split where a
*cannot-link* pair says two records are different children: :mod:`ccehub.linkage.constraints`), and
writes a directory:

``model.json``      the trained model with its version (:class:`LinkageModel`)
``records.parquet`` standardised records with their ``person_id``
``manifest.json``   counts, timings, thresholds, versions

:class:`PersonIndex` loads that directory into memory for the fast path (:mod:`ccehub.linkage.lookup`).
A person id is derived from the smallest record id in the cluster, so rebuilding with the same
records gives the same ids.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import pandas as pd

from ccehub.linkage.backends import Backend, BackendName, get_backend
from ccehub.linkage.constraints import cannot_link_pairs, split_cannot_link
from ccehub.linkage.lookup import DEFAULT_THRESHOLD, LookupEngine, LookupResult
from ccehub.linkage.model import LinkageModel, train_model
from ccehub.linkage.progress import ProgressArg, reporter
from ccehub.linkage.settings import PERSON_MODEL, ModelSpec
from ccehub.linkage.standardise import STANDARD_COLUMNS, standardise_frame
from ccehub.linkage.tf import register_tf_tables

INDEX_FORMAT: Final[int] = 1
#: Pairs at or above this probability are joined into one person when the index is built. Higher than
#: the look-up threshold: merging two children's records is worse than showing a possible match.
DEFAULT_CLUSTER_THRESHOLD: Final[float] = 0.95

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class BuildSummary:
    """What ``build_index`` did."""

    directory: Path
    records: int
    persons: int
    seconds: float
    model_version: str
    backend: str
    cluster_threshold: float
    timings: dict[str, float] = field(default_factory=dict)
    pairs_scored: int = 0
    #: Known-different pairs given (both records in the index), and persons they split off.
    cannot_link: int = 0
    separated: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "directory": str(self.directory),
            "records": self.records,
            "persons": self.persons,
            "seconds": round(self.seconds, 3),
            "model_version": self.model_version,
            "backend": self.backend,
            "cluster_threshold": self.cluster_threshold,
            "pairs_scored": self.pairs_scored,
            "cannot_link": self.cannot_link,
            "separated": self.separated,
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
        }


def person_id_for(unique_ids: Iterable[str]) -> str:
    """Stable person id of a cluster: a hash of its smallest record id."""
    smallest = min(unique_ids)
    return "P-" + hashlib.sha256(smallest.encode()).hexdigest()[:12].upper()


def link_records(
    records: pd.DataFrame,
    model: LinkageModel,
    *,
    backend: Backend | BackendName | str = "duckdb",
    cluster_threshold: float = DEFAULT_CLUSTER_THRESHOLD,
    cannot_link: Collection[tuple[str, str]] = (),
    progress: ProgressArg = False,
) -> tuple[pd.DataFrame, int, int]:
    """Cluster standardised records into persons with Splink.

    ``cannot_link`` holds pairs of unique ids known to be different children (twins an agency
    knows); a cluster holding one is split (:func:`ccehub.linkage.constraints.split_cannot_link`).

    Returns ``(frame, pairs, separated)``: a frame with ``unique_id`` and ``person_id`` (one row per
    record), how many pairs scored at or above ``cluster_threshold``, and how many persons the
    cannot-link pairs split off.
    """
    from splink import Linker

    be = get_backend(backend)
    with reporter(progress) as rep:
        task = rep.task("Linking records into persons", total=3)
        db_api = be.db_api()
        frame = db_api.register(records[list(STANDARD_COLUMNS)], table_name="__ccehub_index_records")
        linker = Linker(frame, model.splink_settings, log_level=logging.WARNING)
        register_tf_tables(linker, db_api, records, model.weights())
        task.advance()
        predictions = linker.inference.predict(
            threshold_match_probability=cluster_threshold, warning_mode="never"
        )
        task.advance()
        clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
            predictions, threshold_match_probability=cluster_threshold
        )
        clustered = clusters.as_pandas_dataframe()[["unique_id", "cluster_id"]]  # type: ignore[no-untyped-call]
        counted = linker.misc.query_sql(  # type: ignore[no-untyped-call]
            f"select count(*) as n from {predictions.physical_name}",  # noqa: S608 (Splink's own table name)
            output_type="pandas",
        )
        pairs = int(counted["n"].iloc[0])
        separated = 0
        if cannot_link:
            edges = linker.misc.query_sql(  # type: ignore[no-untyped-call]
                "select unique_id_l, unique_id_r, match_probability "  # noqa: S608 (Splink's table name)
                f"from {predictions.physical_name}",
                output_type="pandas",
            )
            clustered, separated = split_cannot_link(clustered, edges, cannot_link)
        task.advance()
    members = clustered.groupby("cluster_id")["unique_id"].min()
    ids = {cid: person_id_for([uid]) for cid, uid in members.items()}
    clustered["person_id"] = clustered["cluster_id"].map(ids)
    return clustered[["unique_id", "person_id"]].reset_index(drop=True), pairs, separated


def build_index(
    records: pd.DataFrame,
    directory: str | Path,
    *,
    model: LinkageModel | None = None,
    backend: Backend | BackendName | str = "duckdb",
    cluster_threshold: float = DEFAULT_CLUSTER_THRESHOLD,
    seed: int = 0,
    spec: ModelSpec = PERSON_MODEL,
    cannot_link: Iterable[tuple[str, str]] = (),
    progress: ProgressArg = False,
    **train_options: Any,
) -> BuildSummary:
    """Standardise, train (unless ``model`` is given), link and write a person index to ``directory``.

    Args:
        records: Raw agency records with ``record_id, agency, given_name, family_name,
            date_of_birth, sex, postcode`` (any but the first two may be blank).
        directory: Created if missing; an existing index there is replaced.
        model: A trained model to reuse (its version is kept); ``None`` trains a new one.
        backend: ``"duckdb"`` (default) or ``"spark"`` for training and linking, or a :class:`Backend`
            (left open for the caller, e.g. to reuse a Spark session).
        cluster_threshold: Pairwise probability at which records are joined into one person.
        seed: Seed for training's random sampling.
        cannot_link: Pairs of unique ids (``"AGENCY:record_id"``) known to be different children,
            e.g. twins; they are never put in one person. Pairs naming a record not in ``records``
            are ignored (the summary counts the pairs used).
        progress: ``True`` for progress bars on stderr, a callable for updates, ``False`` for silence.
        train_options: Passed to :func:`train_model` (e.g. ``u_max_pairs``, ``em_max_iterations``).
    """
    started = time.perf_counter()
    timings: dict[str, float] = {}
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    be = get_backend(backend)
    try:
        t = time.perf_counter()
        std = standardise_frame(records)
        timings["standardise"] = time.perf_counter() - t
        if model is None:
            t = time.perf_counter()
            model = train_model(std, backend=be, spec=spec, seed=seed, progress=progress, **train_options)
            timings["train"] = time.perf_counter() - t
        known = set(std["unique_id"])
        apart = {pair for pair in cannot_link_pairs(cannot_link) if pair[0] in known and pair[1] in known}
        t = time.perf_counter()
        clusters, pairs, separated = link_records(
            std,
            model,
            backend=be,
            cluster_threshold=cluster_threshold,
            cannot_link=apart,
            progress=progress,
        )
        timings["link"] = time.perf_counter() - t
    finally:
        if isinstance(backend, str):  # we created it, so we close it; a caller's backend stays open
            be.close()
    t = time.perf_counter()
    std = std.merge(clusters, on="unique_id", how="left", validate="one_to_one")
    missing = std["person_id"].isna()
    std.loc[missing, "person_id"] = std.loc[missing, "unique_id"].map(lambda u: person_id_for([u]))
    model.save(out / "model.json")
    std.to_parquet(out / "records.parquet", index=False)
    n_persons = int(std["person_id"].nunique())
    timings["write"] = time.perf_counter() - t
    seconds = time.perf_counter() - started
    summary = BuildSummary(
        directory=out,
        records=len(std),
        persons=n_persons,
        seconds=seconds,
        model_version=model.version,
        backend=be.name,
        cluster_threshold=cluster_threshold,
        timings=timings,
        pairs_scored=pairs,
        cannot_link=len(apart),
        separated=separated,
    )
    manifest = {"format": INDEX_FORMAT, "spec_version": spec.version, **summary.as_dict()}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
    return summary


#: Columns of :func:`near_joins`.
NEAR_JOIN_COLUMNS: Final[tuple[str, ...]] = (
    "person_a",
    "person_b",
    "match_probability",
    "record_pairs",
    "kept_apart",
    "records_a",
    "records_b",
)


def near_joins(
    index: PersonIndex,
    *,
    min_probability: float = DEFAULT_THRESHOLD,
    backend: Backend | BackendName | str = "duckdb",
    progress: ProgressArg = False,
) -> pd.DataFrame:
    """Pairs of persons the index keeps apart although some record of one matches some record of the
    other at ``min_probability`` or more: the clusters a lower clustering threshold would join.

    They are what a data steward reviews: one child split in two (a mistyped birth date in one
    agency's record) or two children who look alike (namesakes, twins). ``kept_apart`` marks pairs
    scoring at or above the index's clustering threshold, which only a ``not_same_child_as``
    declaration keeps in two persons. Scored by Splink with the index's own model and term
    frequencies, so the probabilities are the build's.

    Returns one row per pair of persons (:data:`NEAR_JOIN_COLUMNS`), best first: the best record pair's
    probability, how many record pairs scored, and each person's record unique ids.
    """
    from splink import Linker

    records = index.records
    be = get_backend(backend)
    try:
        with reporter(progress) as rep:
            task = rep.task("Scoring record pairs across persons", total=2)
            db_api = be.db_api()
            frame = db_api.register(records[list(STANDARD_COLUMNS)], table_name="__ccehub_review_records")
            linker = Linker(frame, index.model.splink_settings, log_level=logging.WARNING)
            register_tf_tables(linker, db_api, records, index.model.weights())
            predictions = linker.inference.predict(
                threshold_match_probability=min_probability, warning_mode="never"
            )
            task.advance()
            pairs = linker.misc.query_sql(  # type: ignore[no-untyped-call]
                "select unique_id_l, unique_id_r, match_probability "  # noqa: S608 (Splink's table name)
                f"from {predictions.physical_name}",
                output_type="pandas",
            )
            task.advance()
    finally:
        if isinstance(backend, str):
            be.close()
    person = dict(zip(records["unique_id"], records["person_id"], strict=True))
    left = pairs["unique_id_l"].map(person)
    right = pairs["unique_id_r"].map(person)
    across = pairs.assign(person_a=left.where(left < right, right), person_b=right.where(left < right, left))[
        left != right
    ]
    if across.empty:
        return pd.DataFrame(columns=list(NEAR_JOIN_COLUMNS))
    grouped = (
        across.groupby(["person_a", "person_b"])["match_probability"]
        .agg(match_probability="max", record_pairs="size")
        .reset_index()
    )
    threshold = float(index.manifest.get("cluster_threshold", DEFAULT_CLUSTER_THRESHOLD))
    grouped["kept_apart"] = grouped["match_probability"] >= threshold
    members = records.groupby("person_id")["unique_id"].apply(sorted)
    grouped["records_a"] = grouped["person_a"].map(members)
    grouped["records_b"] = grouped["person_b"].map(members)
    ordered = grouped.sort_values(
        ["match_probability", "person_a", "person_b"], ascending=[False, True, True]
    ).reset_index(drop=True)
    return ordered[list(NEAR_JOIN_COLUMNS)]


class PersonIndex:
    """A loaded person index: look up one child in milliseconds.

    Load with :meth:`load`; query with :meth:`lookup`. Thread-safe for concurrent look-ups (nothing
    is mutated after loading).
    """

    def __init__(
        self,
        records: pd.DataFrame,
        model: LinkageModel,
        *,
        spec: ModelSpec = PERSON_MODEL,
        manifest: Mapping[str, Any] | None = None,
    ) -> None:
        self.model = model
        self.spec = spec
        self.manifest = dict(manifest or {})
        self.records = records
        self.engine = LookupEngine(records, model.weights(spec), spec)

    @classmethod
    def load(cls, directory: str | Path, *, spec: ModelSpec = PERSON_MODEL) -> PersonIndex:
        """Load an index written by :func:`build_index`."""
        path = Path(directory)
        manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
        if manifest.get("format") != INDEX_FORMAT:
            raise ValueError(f"{path}: not a ccehub person index")
        model = LinkageModel.load(path / "model.json")
        records = pd.read_parquet(path / "records.parquet")
        return cls(records, model, spec=spec, manifest=manifest)

    @property
    def model_version(self) -> str:
        return self.model.version

    def __len__(self) -> int:
        return len(self.engine)

    @property
    def n_persons(self) -> int:
        return self.engine.n_persons

    def lookup(
        self,
        query: Mapping[str, object],
        *,
        threshold: float = DEFAULT_THRESHOLD,
        limit: int | None = None,
    ) -> LookupResult:
        """Persons a query may be (see :meth:`LookupEngine.lookup`).

        ``query`` has any of ``given_name, family_name, date_of_birth, sex, postcode``; blank or
        missing fields are simply not compared.
        """
        return self.engine.lookup(query, threshold=threshold, limit=limit)

    def lookup_many(
        self,
        queries: Iterable[Mapping[str, object]],
        *,
        threshold: float = DEFAULT_THRESHOLD,
        limit: int | None = None,
    ) -> list[LookupResult]:
        """:meth:`lookup` for each query, in order."""
        return [self.engine.lookup(q, threshold=threshold, limit=limit) for q in queries]

    def candidate_pairs(self, query: Mapping[str, object]) -> pd.DataFrame:
        """Every blocked candidate record for ``query`` with its score (no threshold)."""
        return self.engine.candidate_pairs(query)

    def explain(self, query: Mapping[str, object], unique_id: str) -> list[dict[str, Any]]:
        """Waterfall of the query's score against record ``unique_id`` (``"AGENCY:record_id"``)."""
        return self.engine.explain(query, unique_id)

    def clusters(self) -> pd.DataFrame:
        """``agency, record_id, person_id`` for every record (for storing the person index)."""
        return self.records[["agency", "record_id", "person_id"]].copy()
