"""Term frequencies, smoothed towards the model's own average so small indexes are not penalised.

A term-frequency adjustment says "two records agreeing on *Smith* is weaker evidence than agreeing on
*Quixotely*", measured by how often the name occurs. Splink measures it as count / records. In an
index of five children every name occurs one time in five and looks as common as a name can be, so
an exact name and date of birth scored as unknown (found in review). The frequency is therefore
estimated with a prior of :data:`TF_PRIOR_RECORDS` pseudo-records at the model's average agreement
rate for that column (the u of its exact-match level)::

    tf = (count + TF_PRIOR_RECORDS * u_exact) / (records + TF_PRIOR_RECORDS)

With a million records this is the observed frequency; with five it is the model's average, i.e. no
adjustment. Both scoring paths use these tables: :func:`register_tf_tables` gives them to Splink and
:class:`ccehub.linkage.lookup.LookupEngine` computes the same numbers, so they still agree exactly.
"""

from __future__ import annotations

import uuid
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from ccehub.linkage.model import ModelWeights

#: Strength of the prior, in records. Large enough that a few dozen records cannot make a name look
#: common; small enough that a real area's extract (tens of thousands) speaks for itself.
TF_PRIOR_RECORDS: Final[float] = 2_000.0


def tf_priors(weights: ModelWeights) -> dict[str, float]:
    """The u of the exact-match level for each term-frequency column."""
    out: dict[str, float] = {}
    for comparison in weights.comparisons:
        for level in comparison.levels:
            if level.tf_column and level.tf_log2_u_exact is not None:
                out.setdefault(level.tf_column, float(2.0**level.tf_log2_u_exact))
    return out


def smoothed(counts: npt.NDArray[np.float64], total: float, prior: float) -> npt.NDArray[np.float64]:
    """Smoothed frequency for each count (see the module docstring)."""
    return (counts + TF_PRIOR_RECORDS * prior) / (total + TF_PRIOR_RECORDS)


def tf_tables(records: pd.DataFrame, weights: ModelWeights) -> dict[str, pd.DataFrame]:
    """``{column: DataFrame(column, tf_column)}`` over the non-null values of ``records``."""
    tables: dict[str, pd.DataFrame] = {}
    for column, prior in tf_priors(weights).items():
        values = records[column].dropna()
        counts = values.value_counts(sort=False)
        freq = smoothed(counts.to_numpy(dtype=np.float64), float(len(values)), prior)
        tables[column] = pd.DataFrame({column: counts.index.astype(str), f"tf_{column}": freq})
    return tables


def register_tf_tables(linker: Any, db_api: Any, records: pd.DataFrame, weights: ModelWeights) -> None:
    """Give a Splink linker the smoothed tables, so its ``predict`` scores as the fast path does."""
    suffix = uuid.uuid4().hex[:8]  # a backend may be reused (one Spark session for several jobs)
    for column, table in tf_tables(records, weights).items():
        registered = db_api.register(table, table_name=f"__ccehub_tf_{column}_{suffix}")
        linker.table_management.register_term_frequency_lookup(registered, column)
