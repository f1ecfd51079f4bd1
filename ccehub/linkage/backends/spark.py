"""Spark: Splink on a cluster, or in local mode on one machine (tests, demonstrations).

Splink's fuzzy string functions for Spark live in a Scala jar shipped with Splink; it must be on
``spark.jars`` before the session starts (``similarity_jar_location()``). Frames are handed to Splink
with ``db_api.register(...)`` like any backend. pyspark needs Java 17 and pandas < 3.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ccehub.linkage.backends import BackendName
from ccehub.linkage.settings import Dialect


class SparkBackend:
    """A Spark session (created on first use) and Splink ``SparkAPI`` over it.

    Args:
        spark_session: Use this session (a cluster's) instead of creating a local one.
        master: Spark master for a created session (default ``local[2]``).
        shuffle_partitions: ``spark.sql.shuffle.partitions`` for a created session; small data wants
            few partitions.
        driver_memory: ``spark.driver.memory`` for a created session.
        checkpoint_dir: Spark checkpoint directory (Splink breaks long lineages with checkpoints).
        conf: Further Spark settings for a created session, applied last (so they win). Small local
            runs gain from ``{"spark.sql.adaptive.enabled": "false"}``: adaptive re-planning costs
            more than it saves on a few thousand rows (the Spark test runs a fifth faster without).
    """

    name: BackendName = "spark"
    dialect: Dialect = "spark"

    def __init__(
        self,
        *,
        spark_session: Any = None,
        master: str = "local[2]",
        shuffle_partitions: int = 8,
        driver_memory: str = "4g",
        checkpoint_dir: str | None = None,
        app_name: str = "ccehub-linkage",
        conf: Mapping[str, str] | None = None,
    ) -> None:
        self._spark = spark_session
        self._owns_session = spark_session is None
        self._master = master
        self._shuffle_partitions = shuffle_partitions
        self._driver_memory = driver_memory
        self._checkpoint_dir = checkpoint_dir
        self._app_name = app_name
        self._conf = dict(conf or {})

    @property
    def spark(self) -> Any:
        if self._spark is None:
            from pyspark.sql import SparkSession
            from splink.backends.spark import similarity_jar_location

            builder = (
                SparkSession.builder.master(self._master)
                .appName(self._app_name)
                .config("spark.jars", similarity_jar_location())
                .config("spark.sql.shuffle.partitions", str(self._shuffle_partitions))
                .config("spark.default.parallelism", str(self._shuffle_partitions))
                .config("spark.driver.memory", self._driver_memory)
                .config("spark.ui.enabled", "false")
                .config("spark.sql.ansi.enabled", "false")
                # Splink's blocking is a union of self-joins; Spark's size estimates for them can be
                # wildly high and a broadcast then fails for want of memory. Sort-merge joins are
                # the robust choice at national scale anyway.
                .config("spark.sql.autoBroadcastJoinThreshold", "-1")
            )
            for key, value in self._conf.items():
                builder = builder.config(key, value)
            self._spark = builder.getOrCreate()
            self._spark.sparkContext.setLogLevel("ERROR")
            if self._checkpoint_dir:
                self._spark.sparkContext.setCheckpointDir(self._checkpoint_dir)
        return self._spark

    def db_api(self) -> Any:
        from splink.backends.spark import SparkAPI

        return SparkAPI(spark_session=self.spark, break_lineage_method="persist")  # type: ignore[no-untyped-call]

    def close(self) -> None:
        if self._spark is not None and self._owns_session:
            self._spark.stop()
            self._spark = None
