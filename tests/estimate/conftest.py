"""Shared fixtures: the reference capture-history tables and results (tests/data/mse)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bearwitness.estimate.histories import CaptureHistories, histories_from_patterns

# Vendored with the tests, so a reference test runs wherever the tests do
# (provenance: tests/data/mse/README.md).
REFERENCE = Path(__file__).resolve().parents[1] / "data" / "mse" / "reference.json"


@pytest.fixture(scope="session")
def reference() -> dict[str, dict[str, Any]]:
    data = json.loads(REFERENCE.read_text(encoding="utf-8"))
    return {d["dataset"]: d for d in data["datasets"]}


@pytest.fixture(scope="session")
def tables(reference: dict[str, dict[str, Any]]) -> dict[str, CaptureHistories]:
    return {
        name: histories_from_patterns(d["patterns"], d["lists"]) for name, d in reference.items()
    }
