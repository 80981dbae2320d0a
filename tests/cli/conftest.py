from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.runner import Cli


@pytest.fixture
def cli(tmp_path: Path) -> Iterator[Cli]:
    runner = Cli(tmp_path / "session")
    yield runner
    for archive in tmp_path.rglob("bearwitness.toml"):
        runner("lock", archive.parent, ok=False)  # never leave an agent behind
