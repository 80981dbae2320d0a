"""The SQL engines Splink runs on, set up so that linkage writes no plaintext
to disk.

DuckDB (default): an in-memory database with its temporary directory disabled,
so that nothing can spill to disk; a query that needs more than the memory
limit fails instead of writing a spill file. Reading or writing files from
SQL is switched off too.

Spark (lists beyond one machine): a session whose scratch space
(``spark.local.dir``, the JVM's ``java.io.tmpdir``, the SQL warehouse) points
at a memory-backed directory that the caller supplies (``/dev/shm`` on Linux).
In local mode that keeps shuffle and spill files off the disk; on a cluster
the executors' local directories are the cluster's, and only its
configuration (tmpfs or encrypted local volumes, ``spark.io.encryption``) can
keep them off disk in plaintext. See docs/linkage.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from bearwitness.errors import LinkageError


@dataclass(frozen=True)
class DuckDBSettings:
    memory_limit: str = "6GB"
    threads: int = 2


def duckdb_api(settings: DuckDBSettings = DuckDBSettings()) -> Any:
    """A Splink DuckDB API over an in-memory database that cannot spill to disk."""
    from splink import DuckDBAPI

    return DuckDBAPI(private_connection(settings))


def private_connection(settings: DuckDBSettings = DuckDBSettings()) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection that cannot spill to disk or read files."""
    connection = duckdb.connect(":memory:")
    # An empty temp_directory disables offloading to disk entirely (DuckDB docs,
    # "Configuration": temp_directory); max_temp_directory_size is a second lock.
    connection.execute("SET temp_directory = ''")
    connection.execute("SET max_temp_directory_size = '0B'")
    connection.execute(f"SET memory_limit = '{settings.memory_limit}'")
    connection.execute(f"SET threads = {int(settings.threads)}")
    connection.execute("SET preserve_insertion_order = false")
    connection.execute("SET enable_external_access = false")
    connection.execute("SET lock_configuration = true")
    return connection


def spark_session(
    scratch: Path, *, cores: int = 2, memory: str = "4g", partitions: int | None = None
) -> Any:
    """A local-mode Spark session whose scratch files all go under ``scratch``.

    Pass a memory-backed directory (``/dev/shm/...``) to keep shuffle and spill
    files off the disk. Raises LinkageError when pyspark is not installed.
    """
    try:
        from pyspark.sql import SparkSession
        from splink.backends.spark import similarity_jar_location
    except ImportError as error:
        raise LinkageError(
            "The Spark backend needs pyspark.",
            hint="Install it with `pip install 'bearwitness[spark]'` (Java 17 is needed too).",
        ) from error
    scratch.mkdir(parents=True, exist_ok=True)
    java_options = f"-Djava.io.tmpdir={scratch}"
    # Few partitions for small inputs: Spark's cost per task dominates there.
    shuffle = str(partitions or max(4, cores * 2))
    return (
        SparkSession.builder.master(f"local[{cores}]")
        .appName("bearwitness-linkage")
        .config("spark.driver.memory", memory)
        .config("spark.local.dir", str(scratch))
        .config("spark.sql.warehouse.dir", str(scratch / "warehouse"))
        .config("spark.driver.extraJavaOptions", java_options)
        .config("spark.executor.extraJavaOptions", java_options)
        .config("spark.jars", similarity_jar_location())
        .config("spark.ui.enabled", "false")
        .config("spark.eventLog.enabled", "false")
        .config("spark.sql.shuffle.partitions", shuffle)
        .config("spark.default.parallelism", shuffle)
        # Encrypt what Spark does write (shuffle and spill) with a per-session key.
        .config("spark.io.encryption.enabled", "true")
        .getOrCreate()
    )


def spark_api(session: Any, *, partitions: int = 8) -> Any:
    """A Splink Spark API over ``session``; checkpoints stay in memory (persist)."""
    from splink import SparkAPI

    return SparkAPI(  # type: ignore[no-untyped-call]
        spark_session=session,
        break_lineage_method="persist",
        num_partitions_on_repartition=partitions,
    )
