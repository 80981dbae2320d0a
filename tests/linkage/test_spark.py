"""The same linkage on Spark's local mode.

pyspark is in the ``dev`` extra, which `make test` installs from the lock, so it
is imported, never skipped. Spark needs Java 17+: `make system-packages` installs
it; without `java` the test skips, and fails when CI=true."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from bearwitness.linkage.engine import duckdb_api, spark_api, spark_session
from bearwitness.linkage.features import build_features
from bearwitness.linkage.linker import link
from bearwitness.linkage.scoring import score
from bearwitness.linkage.synthetic import generate


@pytest.mark.slow
@pytest.mark.needs(
    shutil.which("java") is not None,
    reason="Spark needs Java 17+ and `java` is not on PATH (`make system-packages` "
    "or `apt-get install openjdk-17-jre-headless` installs it)",
)
def test_spark_local_mode_links_like_duckdb(tmp_path: Path) -> None:
    shm = Path("/dev/shm")
    scratch = (shm if shm.is_dir() and os.access(shm, os.W_OK) else tmp_path) / f"bw-{os.getpid()}"
    data = generate(100, seed=3)
    features = build_features(data.records)
    session = spark_session(scratch, cores=2, memory="2g", partitions=1)
    try:
        on_spark = link(features, spark_api(session, partitions=1))
    finally:
        session.stop()
    scratch_used = any(scratch.iterdir())
    shutil.rmtree(scratch, ignore_errors=True)
    on_duckdb = link(features, duckdb_api())
    spark_scores = score(on_spark.records, data.truth)
    duck_scores = score(on_duckdb.records, data.truth)
    assert spark_scores.pairwise_f1 >= 0.9
    assert abs(spark_scores.pairwise_f1 - duck_scores.pairwise_f1) <= 0.05
    assert set(on_spark.pairs.columns) >= {"left_id", "right_id", "probability"}
    assert scratch_used  # Spark's scratch files went to the directory given
