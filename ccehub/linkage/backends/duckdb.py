"""DuckDB: Splink in-process, the default backend."""

from __future__ import annotations

from typing import Any

from ccehub.linkage.backends import BackendName
from ccehub.linkage.settings import Dialect


class DuckDBBackend:
    """A DuckDB connection per :meth:`db_api` call (in memory unless ``database`` is a path).

    Args:
        threads: DuckDB worker threads (default: DuckDB's own choice, all cores).
        memory_limit: e.g. ``"8GB"``; DuckDB spills to ``temp_directory`` beyond it.
        temp_directory: Where DuckDB may spill.
    """

    name: BackendName = "duckdb"
    dialect: Dialect = "duckdb"

    def __init__(
        self,
        *,
        database: str = ":memory:",
        threads: int | None = None,
        memory_limit: str | None = None,
        temp_directory: str | None = None,
    ) -> None:
        self._database = database
        self._threads = threads
        self._memory_limit = memory_limit
        self._temp_directory = temp_directory

    def connect(self) -> Any:
        import duckdb

        con = duckdb.connect(self._database)
        if self._threads:
            con.execute(f"SET threads = {int(self._threads)}")
        if self._memory_limit:
            con.execute("SET memory_limit = ?", [self._memory_limit])
        if self._temp_directory:
            con.execute("SET temp_directory = ?", [self._temp_directory])
        con.execute("SET preserve_insertion_order = false")
        return con

    def db_api(self) -> Any:
        from splink.backends.duckdb import DuckDBAPI

        return DuckDBAPI(connection=self.connect())

    def close(self) -> None:
        return None
