"""Shared fixtures: the reference capture-history tables and results (../shared/mse)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bearwitness.estimate.histories import CaptureHistories, histories_from_patterns

REFERENCE = Path("/work/shared/mse/reference.json")


def _load() -> dict[str, dict[str, Any]]:
    if not REFERENCE.exists():  # pragma: no cover - the shared folder is part of the workspace
        pytest.skip("reference data not available")
    data = json.loads(REFERENCE.read_text())
    return {d["dataset"]: d for d in data["datasets"]}


@pytest.fixture(scope="session")
def reference() -> dict[str, dict[str, Any]]:
    return _load()


@pytest.fixture(scope="session")
def tables(reference: dict[str, dict[str, Any]]) -> dict[str, CaptureHistories]:
    return {
        name: histories_from_patterns(d["patterns"], d["lists"]) for name, d in reference.items()
    }
