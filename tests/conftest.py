"""Shared fixtures: archives on real SQLite and real PostgreSQL, cheap KDF settings;
the ``needs`` marker for tests that need a tool from outside Python."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from bearwitness.crypto.kdf import KdfParams
from bearwitness.services.archive import Archive
from tests.postgres import fresh_database

PASSPHRASE = "correct horse battery staple"
IN_CI = os.environ.get("CI") == "true"  # CI sets it


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "needs(available, reason=...): the test needs a tool that `make test` installs; "
        "without it the test is skipped, and fails when CI=true",
    )


def _missing(item: pytest.Item) -> list[str]:
    return [mark.kwargs["reason"] for mark in item.iter_markers("needs") if not mark.args[0]]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # `make test` installs these tools, so in CI a missing one is a broken set-up,
    # not a reason to pass quietly without the interoperability checks.
    if IN_CI:
        return
    for item in items:
        for reason in _missing(item):
            item.add_marker(pytest.mark.skip(reason=reason))  # reported at the test


@pytest.hookimpl(tryfirst=True)  # before fixtures start anything that needs the tool
def pytest_runtest_setup(item: pytest.Item) -> None:
    if IN_CI:
        for reason in _missing(item):
            pytest.fail(f"CI=true, but {reason}", pytrace=False)


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
    created, _ = Archive.create(
        tmp_path / "archive", passphrase=PASSPHRASE, database_url=database_url, kdf_params=kdf
    )
    yield created
    created.close()
