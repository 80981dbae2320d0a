"""Archives to report on: the demo (module-wide, FICTIONAL), built once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bearwitness.crypto.kdf import KdfParams
from bearwitness.services.archive import Archive
from bearwitness.services.demo import build_demo
from bearwitness.services.estimates import record_estimate

# A kept run, as `estimate --archive` keeps it (FICTIONAL numbers; a real run takes seconds).
RUN = {
    "format": "FICTIONAL",
    "method": "loglinear",
    "inputs": {"source": "demo", "lists": ["committee", "gazette", "network"]},
    "n_observed": 181,
    "N": {"median": 217.4, "lower": 200.0, "upper": 238.2},
    "assumptions": ["Closed population."],
    "warnings": [],
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archive]:
    folder = tmp_path_factory.mktemp("reports") / "demo"
    archive, _ = build_demo(folder, kdf_params=KdfParams.insecure_for_tests())
    record_estimate(archive, RUN, inputs_sha256="ab" * 32)
    yield archive
    archive.close()


@pytest.fixture
def out(tmp_path: Path) -> Path:
    return tmp_path / "report"
