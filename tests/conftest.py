"""Shared fixtures: archives on real SQLite and real PostgreSQL, cheap KDF settings."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bearwitness.crypto.kdf import KdfParams
from bearwitness.services.archive import Archive
from tests.postgres import fresh_database

PASSPHRASE = "correct horse battery staple"


@pytest.fixture
def kdf() -> KdfParams:
    return KdfParams.insecure_for_tests()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """None means the embedded default (SQLite inside the archive)."""
    if request.param == "sqlite":
        yield None
    else:
        with fresh_database() as url:
            yield url


@pytest.fixture
def archive(tmp_path: Path, database_url: str | None, kdf: KdfParams) -> Iterator[Archive]:
    """A new, unlocked archive (passphrase PASSPHRASE) on each database."""
    created, _ = Archive.create(tmp_path / "archive", passphrase=PASSPHRASE,
                                database_url=database_url, kdf_params=kdf)
    yield created
    created.close()
