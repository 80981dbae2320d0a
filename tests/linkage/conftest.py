from __future__ import annotations

import pytest

from bearwitness.linkage.engine import duckdb_api
from bearwitness.linkage.features import Features, build_features
from bearwitness.linkage.linker import LinkResult, link
from bearwitness.linkage.synthetic import SyntheticData, generate


@pytest.fixture(scope="session")
def synthetic() -> SyntheticData:
    return generate(400, seed=11)


@pytest.fixture(scope="session")
def features(synthetic: SyntheticData) -> Features:
    return build_features(synthetic.records)


@pytest.fixture(scope="session")
def linked(features: Features) -> LinkResult:
    return link(features, duckdb_api())
