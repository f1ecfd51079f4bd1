"""Train the Fellegi–Sunter model with Splink, save it with a version, load it back.

Training is unsupervised (no one labels which records are the same child):

1. the prior — the probability that two random records are the same child — is estimated directly
   from near-certain deterministic matches and an assumed recall (:data:`DETERMINISTIC_RULES`);
2. **u** (how often each level occurs between *different* children) by random sampling of pairs;
3. **m** (how often each level occurs between records of the *same* child) by expectation
   maximisation on blocked pairs, one session per blocking rule in :data:`EM_BLOCKING_RULES`; a
   comparison is estimated only in sessions whose blocking rule does not read its columns. Three
   levels EM cannot identify have m fixed from domain knowledge; each says why in
   :mod:`ccehub.linkage.settings`.

The saved model is Splink's own JSON (so ``Linker(df, model.splink_settings)`` reloads it) wrapped
with a version id, the spec version, the SQL dialect and training facts.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import pandas as pd

from ccehub.linkage.backends import Backend, BackendName, get_backend
from ccehub.linkage.progress import ProgressArg, reporter
from ccehub.linkage.settings import (
    PERSON_MODEL,
    Comparison,
    Dialect,
    JointComparison,
    Level,
    ModelSpec,
    check_model_matches_spec,
    splink_settings,
)
from ccehub.linkage.standardise import STANDARD_COLUMNS

MODEL_FORMAT: Final[int] = 1
#: Floor on m and u, as Splink clamps them, so that log2(m/u) is finite.
M_U_CLAMP_MIN: Final[float] = 1e-300

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class LevelWeight:
    """The trained weight of one comparison level, as Splink's SQL computes it."""

    label: str
    is_null: bool
    match_weight: float  # log2(m / u); 0 for a null level
    m_probability: float | None
    u_probability: float | None
    tf_column: str | None
    tf_weight: float
    tf_minimum_u: float
    tf_log2_u_exact: float | None  # log2 of the u of the exact-match level the adjustment is relative to


@dataclass(frozen=True, slots=True)
class ComparisonWeights:
    name: str
    levels: tuple[LevelWeight, ...]


@dataclass(frozen=True, slots=True)
class ModelWeights:
    """Everything the fast path needs from a trained model: the prior and each level's weight."""

    prior_match_weight: float
    comparisons: tuple[ComparisonWeights, ...]


@dataclass(frozen=True)
class LinkageModel:
    """A trained linkage model: Splink settings with m/u values, plus provenance.

    Attributes:
        splink_settings: Splink's model JSON (``linker.misc.save_model_to_json()``).
        version: ``"<spec version>-<12 hex digits of the settings' SHA-256>"``: same parameters,
            same version, wherever it was trained.
        dialect: SQL dialect the level conditions were rendered in (``"duckdb"``/``"spark"``).
        training: Facts about the training run (records, seconds, sample sizes, seed).
    """

    splink_settings: dict[str, Any]
    version: str
    spec_version: str
    dialect: Dialect
    training: dict[str, Any] = field(default_factory=dict)

    @property
    def probability_two_random_records_match(self) -> float:
        return float(self.splink_settings["probability_two_random_records_match"])

    def save(self, path: str | Path) -> Path:
        """Write the model as JSON (``path`` may be a directory: ``model.json`` inside it)."""
        target = Path(path)
        if target.is_dir():
            target = target / "model.json"
        payload = {
            "format": MODEL_FORMAT,
            "version": self.version,
            "spec_version": self.spec_version,
            "dialect": self.dialect,
            "training": self.training,
            "splink_settings": self.splink_settings,
        }
        target.write_text(json.dumps(payload, indent=1, sort_keys=True), encoding="utf-8")
        return target

    @classmethod
    def load(cls, path: str | Path) -> LinkageModel:
        """Read a model written by :meth:`save`."""
        source = Path(path)
        if source.is_dir():
            source = source / "model.json"
        payload = json.loads(source.read_text(encoding="utf-8"))
        if payload.get("format") != MODEL_FORMAT:
            raise ValueError(f"{source}: not a ccehub linkage model (format {payload.get('format')!r})")
        return cls(
            splink_settings=payload["splink_settings"],
            version=payload["version"],
            spec_version=payload["spec_version"],
            dialect=payload["dialect"],
            training=payload.get("training", {}),
        )

    def weights(self, spec: ModelSpec = PERSON_MODEL) -> ModelWeights:
        """The prior and per-level weights, after checking the model was trained on ``spec``'s levels."""
        if self.spec_version != spec.version:
            raise ValueError(f"model spec {self.spec_version!r} is not {spec.version!r}; rebuild the index")
        check_model_matches_spec(self.splink_settings, spec, self.dialect)
        return model_weights(self.splink_settings)


def model_version(settings: Mapping[str, Any], spec_version: str) -> str:
    """Content-addressed model version id."""
    canonical = json.dumps(_strip_volatile(settings), sort_keys=True, separators=(",", ":"))
    return f"{spec_version}-{hashlib.sha256(canonical.encode()).hexdigest()[:12]}"


def _strip_volatile(settings: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in settings.items() if k not in {"linker_uid"}}


def _prob_to_match_weight(p: float) -> float:
    return math.log2(p / (1 - p))


def model_weights(settings: Mapping[str, Any]) -> ModelWeights:
    """Per-level match weights exactly as Splink's ``predict`` SQL uses them.

    Mirrors ``ComparisonLevel._match_weight`` (log2 of clamped m/u; 0 for a null level) and
    ``_tf_adjustment_sql`` (adjustment relative to the u of the exact-match level on the TF column).
    """
    comparisons = []
    for comparison in settings["comparisons"]:
        levels_json = comparison["comparison_levels"]
        exact_u: dict[str, float] = {}
        for lvl in levels_json:
            cond = " ".join(str(lvl["sql_condition"]).replace('"', "").split())
            for col in {lvl.get("tf_adjustment_column")} - {None}:
                if cond == f"{col}_l = {col}_r" and lvl.get("u_probability") is not None:
                    exact_u[str(col)] = float(lvl["u_probability"])
        levels = []
        for lvl in levels_json:
            is_null = bool(lvl.get("is_null_level", False))
            m = _probability(lvl.get("m_probability"))
            u = _probability(lvl.get("u_probability"))
            if is_null:
                weight = 0.0
            else:
                if m is None or u is None:
                    raise ValueError(
                        f"level {lvl['label_for_charts']!r} of {comparison['output_column_name']!r} "
                        "is untrained"
                    )
                weight = math.log2(max(m, M_U_CLAMP_MIN) / max(u, M_U_CLAMP_MIN))
            tf_col = lvl.get("tf_adjustment_column")
            u_exact = exact_u.get(str(tf_col)) if tf_col else None
            levels.append(
                LevelWeight(
                    label=str(lvl["label_for_charts"]),
                    is_null=is_null,
                    match_weight=weight,
                    m_probability=m,
                    u_probability=u,
                    tf_column=str(tf_col) if tf_col else None,
                    tf_weight=float(lvl.get("tf_adjustment_weight", 1.0)) if tf_col else 0.0,
                    tf_minimum_u=float(lvl.get("tf_minimum_u_value") or 0.0),
                    tf_log2_u_exact=math.log2(u_exact) if u_exact else None,
                )
            )
        comparisons.append(ComparisonWeights(str(comparison["output_column_name"]), tuple(levels)))
    prior = float(settings["probability_two_random_records_match"])
    return ModelWeights(prior_match_weight=_prob_to_match_weight(prior), comparisons=tuple(comparisons))


def tf_columns(settings: Mapping[str, Any]) -> list[str]:
    """Columns with term-frequency adjustments (Splink needs their tables registered to predict)."""
    out: list[str] = []
    for comparison in settings["comparisons"]:
        for level in comparison["comparison_levels"]:
            col = level.get("tf_adjustment_column")
            if col and col not in out:
                out.append(str(col))
    return out


def _probability(value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, str):  # Splink writes "level not observed" for untrainable levels
        return 1e-6
    return float(value)  # type: ignore[arg-type]


#: What Splink uses for a level that training never observed ("level not observed" → 1e-6).
UNOBSERVED_PROBABILITY: Final[float] = 1e-6


def _fill_unobserved(settings: dict[str, Any]) -> list[str]:
    """Write Splink's value for never-observed levels into the model, so every reader of the file
    (Splink, the fast path, a person auditing it) sees the same number instead of a gap."""
    filled = []
    for comparison in settings["comparisons"]:
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                continue
            for key in ("m_probability", "u_probability"):
                if not isinstance(level.get(key), float):
                    level[key] = UNOBSERVED_PROBABILITY
                    filled.append(
                        f"{comparison['output_column_name']}: {level['label_for_charts']} ({key[0]})"
                    )
    return filled


def _joint_m(
    joint: JointComparison,
    records: pd.DataFrame,
    frame: Any,
    spec: ModelSpec,
    dialect: Dialect,
    *,
    prior: float,
    u_pairs: float,
    em_pairs: float | None,
    seed: int,
    u_chunks: int,
    max_iterations: int,
    advance: Any,
) -> dict[str, float]:
    """m for each level of a joint comparison: per-field m by EM in a helper model, multiplied
    (errors in different fields of the same child's records are independent) and summed over the
    cells each level covers. See :class:`JointComparison`."""
    from splink import Linker

    comparison = next(c for c in spec.comparisons if c.name == joint.name)
    helper_comparisons = (*joint.components, *(c for c in spec.comparisons if c.name == "sex"))
    helper = splink_settings(dialect, comparisons=helper_comparisons, blocking_rules=spec.blocking_rules)
    helper["probability_two_random_records_match"] = prior
    helper["max_iterations"] = max_iterations
    linker = Linker(frame, helper, log_level=logging.WARNING)
    linker.training.estimate_u_using_random_sampling(max_pairs=u_pairs, seed=seed + 1, num_chunks=u_chunks)
    advance()
    for rule in joint.em_blocking_rules:
        linker.training.estimate_parameters_using_expectation_maximisation(rule, max_pairs=em_pairs)
        advance()
    trained = linker.misc.save_model_to_json()
    per_state: list[dict[str, float]] = []
    for component, null_column in zip(joint.components, joint.null_columns, strict=True):
        levels = next(c for c in trained["comparisons"] if c["output_column_name"] == component.name)
        rate = float(records[null_column].isna().mean())
        missing = 1.0 - (1.0 - rate) ** 2  # either record of a pair lacks the field
        states = {"n": missing}
        for level in levels["comparison_levels"]:
            if level.get("is_null_level"):
                continue
            state = str(level["label_for_charts"]).split("=", 1)[1][0]
            m = level.get("m_probability")
            states[state] = (1.0 - missing) * (float(m) if isinstance(m, float) else UNOBSERVED_PROBABILITY)
        per_state.append(states)
    advance()
    totals: dict[str, float] = {lvl.label: 0.0 for lvl in comparison.levels if not lvl.is_null}
    null_mass = 0.0
    for cell in itertools.product(*(list(states) for states in per_state)):
        mass = math.prod(states[s] for states, s in zip(per_state, cell, strict=True))
        level = _level_of_cell(comparison, cell)
        if level.is_null:
            null_mass += mass
        else:
            totals[level.label] += mass
    # Splink's m (like its u) is a distribution over the non-null levels.
    return {label: max(mass / (1.0 - null_mass), UNOBSERVED_PROBABILITY) for label, mass in totals.items()}


def _level_of_cell(comparison: Comparison, cell: tuple[str, ...]) -> Level:
    for level in comparison.levels:
        if level.pred is None:
            return level
        if level.cells is None:
            raise ValueError(f"level {level.label!r} of a joint comparison has no cells")
        if all(state in allowed for state, allowed in zip(cell, level.cells, strict=True)):
            return level
    raise ValueError(f"comparison {comparison.name!r} has no level for {cell}")


def _set_fixed_m(settings: dict[str, Any], comparison_name: str, m: Mapping[str, float]) -> None:
    for comparison in settings["comparisons"]:
        if comparison["output_column_name"] != comparison_name:
            continue
        for level in comparison["comparison_levels"]:
            if level["label_for_charts"] in m:
                level["m_probability"] = m[level["label_for_charts"]]
                level["fix_m_probability"] = True


def _neutral_levels(spec: ModelSpec) -> set[tuple[str, str]]:
    return {(c.name, lvl.label) for c in spec.comparisons for lvl in c.levels if lvl.neutral}


def _set_m_equal_u(settings: dict[str, Any], levels: set[tuple[str, str]]) -> None:
    for comparison in settings["comparisons"]:
        for level in comparison["comparison_levels"]:
            if (comparison["output_column_name"], level["label_for_charts"]) in levels:
                level["m_probability"] = level["u_probability"]
                level["fix_m_probability"] = True


def _cap_rare_tf(settings: dict[str, Any], spec: ModelSpec) -> None:
    """Set ``tf_minimum_u_value`` to the level's own u for capped levels (adjustment <= 0)."""
    capped = {(c.name, lvl.label) for c in spec.comparisons for lvl in c.levels if lvl.tf_rare_cap}
    for comparison in settings["comparisons"]:
        for level in comparison["comparison_levels"]:
            if (comparison["output_column_name"], level["label_for_charts"]) in capped:
                level["tf_minimum_u_value"] = level["u_probability"]


def default_u_max_pairs(n_records: int) -> float:
    """Random pairs for u: enough to see the rare joint levels, bounded for big inputs."""
    return float(min(max(n_records * 100, 2e6), 3e7))


def default_em_max_pairs(n_records: int) -> float | None:
    """EM pairs per session: all blocked pairs for small inputs, a sample for big ones."""
    return None if n_records <= 30_000 else 5e6


def train_model(
    records: pd.DataFrame,
    *,
    backend: Backend | BackendName | str = "duckdb",
    spec: ModelSpec = PERSON_MODEL,
    seed: int = 0,
    u_max_pairs: float | None = None,
    em_max_pairs: float | None = None,
    u_num_chunks: int | None = None,
    em_max_iterations: int = 25,
    progress: ProgressArg = False,
) -> LinkageModel:
    """Train the model on standardised records (from :func:`standardise_frame`).

    Args:
        records: Standardised records; extra columns are ignored.
        backend: Where Splink runs (``"duckdb"`` or ``"spark"``, or a :class:`Backend`).
        spec: The comparisons and rules to train (default: the person model).
        seed: Seed for u sampling (same data and seed, same model version on DuckDB).
        u_max_pairs: Random pairs for u (default :func:`default_u_max_pairs`).
        em_max_pairs: Pairs per EM session (default :func:`default_em_max_pairs`).
        u_num_chunks: Chunks for u sampling (Splink stops early once every level is seen often
            enough); default 10 on DuckDB, 1 on Spark.
        em_max_iterations: Cap on EM iterations per session (each is a job on Spark).
        progress: ``True`` for a progress bar, a callable for updates, ``False`` for silence.
    """
    import time

    from splink import Linker

    be = get_backend(backend)
    n = len(records)
    u_pairs = u_max_pairs if u_max_pairs is not None else default_u_max_pairs(n)
    em_pairs = em_max_pairs if em_max_pairs is not None else default_em_max_pairs(n)
    # Each chunk of u sampling is a separate job: cheap on DuckDB, seconds of scheduling on Spark.
    u_chunks = u_num_chunks if u_num_chunks is not None else (10 if be.name == "duckdb" else 1)
    started = time.perf_counter()
    steps = 3 + len(spec.em_blocking_rules) + sum(2 + len(j.em_blocking_rules) for j in spec.joint)
    joint_m: dict[str, dict[str, float]] = {}
    with reporter(progress) as rep:
        task = rep.task("Training linkage model", total=steps)
        db_api = be.db_api()
        columns = [c for c in STANDARD_COLUMNS if c in records.columns] + [
            c for c in spec.extra_string_columns if c in records.columns and c not in STANDARD_COLUMNS
        ]
        frame = db_api.register(records[columns], table_name="__ccehub_training_records")
        settings = splink_settings(
            be.dialect, comparisons=spec.comparisons, blocking_rules=spec.blocking_rules
        )
        settings["max_iterations"] = em_max_iterations
        linker = Linker(frame, settings, log_level=logging.WARNING)
        task.advance()
        linker.training.estimate_probability_two_random_records_match(
            list(spec.deterministic_rules), recall=spec.deterministic_recall
        )
        task.advance()
        linker.training.estimate_u_using_random_sampling(max_pairs=u_pairs, seed=seed, num_chunks=u_chunks)
        task.advance()
        staged = linker.misc.save_model_to_json()
        # Levels that only carry a term-frequency adjustment weigh nothing themselves: m = u.
        _set_m_equal_u(staged, _neutral_levels(spec))
        _cap_rare_tf(staged, spec)
        for joint in spec.joint:
            joint_m[joint.name] = _joint_m(
                joint,
                records,
                frame,
                spec,
                be.dialect,
                prior=float(staged["probability_two_random_records_match"]),
                u_pairs=u_pairs,
                em_pairs=em_pairs,
                seed=seed,
                u_chunks=u_chunks,
                max_iterations=em_max_iterations,
                advance=task.advance,
            )
            _set_fixed_m(staged, joint.name, joint_m[joint.name])
        linker = Linker(frame, staged, log_level=logging.WARNING)
        for rule in spec.em_blocking_rules:
            linker.training.estimate_parameters_using_expectation_maximisation(rule, max_pairs=em_pairs)
            task.advance()
        trained = linker.misc.save_model_to_json()
    trained.pop("linker_uid", None)
    unobserved = _fill_unobserved(trained)
    version = model_version(trained, spec.version)
    return LinkageModel(
        splink_settings=trained,
        version=version,
        spec_version=spec.version,
        dialect=be.dialect,
        training={
            "records": n,
            "seconds": round(time.perf_counter() - started, 3),
            "backend": be.name,
            "seed": seed,
            "u_max_pairs": u_pairs,
            "em_max_pairs": em_pairs,
            "em_blocking_rules": list(spec.em_blocking_rules),
            "joint_m": {name: {k: float(v) for k, v in m.items()} for name, m in joint_m.items()},
            "u_num_chunks": u_chunks,
            "em_max_iterations": em_max_iterations,
            "unobserved_levels": unobserved,
        },
    )
