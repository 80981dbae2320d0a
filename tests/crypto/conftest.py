"""Fixtures for the crypto tests: real keys, cheap Argon2 so the suite stays fast."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from bearwitness.crypto import ArchiveSecrets, KdfParams, create_secrets

PASSPHRASE = "violet anchor seven orchard"


@pytest.fixture
def cheap_kdf() -> KdfParams:
    return KdfParams.insecure_for_tests()


@pytest.fixture
def secrets() -> ArchiveSecrets:
    return create_secrets()


@pytest.fixture
def runtime_dir(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private XDG_RUNTIME_DIR with a short path (Unix socket paths max out at 108 bytes)."""
    path = Path(tempfile.mkdtemp(prefix="bwrt-"))
    os.chmod(path, 0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(path))
    yield path
    shutil.rmtree(path, ignore_errors=True)
