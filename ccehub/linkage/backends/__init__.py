"""Where Splink runs: DuckDB in-process by default, Spark when one machine is not enough.

The look-up fast path never touches a backend; backends are for training, building the index
(pairwise prediction and clustering over every agency's records) and for Splink's own single-record
paths in benchmarks.
"""

from __future__ import annotations

from typing import Any, Literal, Protocol

from ccehub.linkage.settings import Dialect

BackendName = Literal["duckdb", "spark"]
BACKENDS: tuple[BackendName, ...] = ("duckdb", "spark")


class Backend(Protocol):
    """A Splink database API factory."""

    name: BackendName
    dialect: Dialect

    def db_api(self) -> Any:
        """A fresh Splink ``DatabaseAPI`` for this backend."""
        ...

    def close(self) -> None:
        """Release resources (a Spark session); safe to call twice."""
        ...


def get_backend(backend: BackendName | Backend | str = "duckdb", **options: Any) -> Backend:
    """Resolve a backend name (``"duckdb"``, ``"spark"``) or pass a :class:`Backend` through.

    Options go to the backend's constructor (e.g. ``threads=2`` for DuckDB, ``master="local[2]"``
    for Spark).
    """
    if not isinstance(backend, str):
        return backend
    if backend == "duckdb":
        from ccehub.linkage.backends.duckdb import DuckDBBackend

        return DuckDBBackend(**options)
    if backend == "spark":
        from ccehub.linkage.backends.spark import SparkBackend

        return SparkBackend(**options)
    raise ValueError(f"unknown linkage backend {backend!r}; choose one of {', '.join(BACKENDS)}")


__all__ = ["BACKENDS", "Backend", "BackendName", "get_backend"]
