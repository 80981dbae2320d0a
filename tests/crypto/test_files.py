from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bearwitness.crypto import ArchiveSecrets, create_secrets
from bearwitness.crypto.files import decrypt_bytes, decrypt_file, encrypt_file, export_identity
from bearwitness.errors import InputError, TamperedError

AGE = shutil.which("age")
NEEDS_AGE = pytest.mark.needs(
    AGE is not None,
    reason="the `age` command is not installed, so interoperability with standard age is "
    "not tested (`make system-packages` or `apt-get install age` installs it)",
)


def _evidence(tmp_path: Path, size: int) -> Path:
    src = tmp_path / "photo.jpg"
    src.write_bytes(os.urandom(size))
    return src


@pytest.mark.parametrize("size", [0, 1, 64 * 1024, 64 * 1024 + 1, 3 * 1024 * 1024 + 17])
def test_file_round_trip_and_hash(tmp_path: Path, secrets: ArchiveSecrets, size: int) -> None:
    src = _evidence(tmp_path, size)
    digest = encrypt_file(src, tmp_path / "e.age", secrets.recipient)
    assert digest == hashlib.sha256(src.read_bytes()).hexdigest()
    if size >= 16:
        assert src.read_bytes()[:64] not in (tmp_path / "e.age").read_bytes()
    decrypt_file(
        tmp_path / "e.age",
        tmp_path / "out",
        secrets.identity,
        expected_sha256=digest,
        what="evidence E-1",
    )
    assert (tmp_path / "out").read_bytes() == src.read_bytes()
    assert (
        decrypt_bytes(
            tmp_path / "e.age", secrets.identity, expected_sha256=digest, what="evidence E-1"
        )
        == src.read_bytes()
    )
    ciphertext = (tmp_path / "e.age").read_bytes()
    assert decrypt_bytes(ciphertext, secrets.identity, expected_sha256=None, what="E-1") == (
        src.read_bytes()
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.age", "out", "photo.jpg"]


@settings(max_examples=20, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=200_000))
def test_bytes_round_trip(tmp_path: Path, data: bytes) -> None:
    key = create_secrets()
    src = tmp_path / "in"
    src.write_bytes(data)
    digest = encrypt_file(src, tmp_path / "in.age", key.recipient)
    assert (
        decrypt_bytes(tmp_path / "in.age", key.identity, expected_sha256=digest, what="E") == data
    )


def test_tampered_file_fails_and_leaves_nothing(tmp_path: Path, secrets: ArchiveSecrets) -> None:
    src = _evidence(tmp_path, 200_000)
    digest = encrypt_file(src, tmp_path / "e.age", secrets.recipient)
    raw = bytearray((tmp_path / "e.age").read_bytes())
    for damaged in (raw[:-1], raw[:-20_000], raw[:150] + bytes([raw[150] ^ 1]) + raw[151:]):
        (tmp_path / "bad.age").write_bytes(bytes(damaged))
        with pytest.raises(TamperedError, match="evidence E-9 failed authentication"):
            decrypt_file(
                tmp_path / "bad.age",
                tmp_path / "out",
                secrets.identity,
                expected_sha256=digest,
                what="evidence E-9",
            )
        assert not (tmp_path / "out").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.age", "e.age", "photo.jpg"]


def test_wrong_identity_and_wrong_hash(tmp_path: Path, secrets: ArchiveSecrets) -> None:
    src = _evidence(tmp_path, 1000)
    digest = encrypt_file(src, tmp_path / "e.age", secrets.recipient)
    with pytest.raises(TamperedError, match="E-2"):
        decrypt_bytes(
            tmp_path / "e.age",
            create_secrets().identity,
            expected_sha256=digest,
            what="evidence E-2",
        )
    (tmp_path / "out").write_bytes(b"previous export")
    with pytest.raises(TamperedError, match="SHA-256"):
        decrypt_file(
            tmp_path / "e.age",
            tmp_path / "out",
            secrets.identity,
            expected_sha256="0" * 64,
            what="evidence E-2",
        )
    assert (tmp_path / "out").read_bytes() == b"previous export"


def test_missing_source_is_an_input_error(tmp_path: Path, secrets: ArchiveSecrets) -> None:
    with pytest.raises(InputError, match=r"nothing\.bin"):
        encrypt_file(tmp_path / "nothing.bin", tmp_path / "x.age", secrets.recipient)
    assert list(tmp_path.iterdir()) == []


def test_exported_identity_file_is_private_and_not_overwritten(
    tmp_path: Path, secrets: ArchiveSecrets
) -> None:
    path = tmp_path / "archive-identity.txt"
    export_identity(secrets, path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    lines = path.read_text().splitlines()
    assert lines[0].startswith("# created: ")
    assert lines[1] == f"# public key: {secrets.recipient}"
    assert lines[2] == secrets.identity
    with pytest.raises(InputError, match="already exists"):
        export_identity(secrets, path)


@NEEDS_AGE
def test_standard_age_decrypts_our_files(tmp_path: Path, secrets: ArchiveSecrets) -> None:
    src = _evidence(tmp_path, 1_000_003)
    encrypt_file(src, tmp_path / "e.age", secrets.recipient)
    export_identity(secrets, tmp_path / "key.txt")
    subprocess.run(
        [
            str(AGE),
            "-d",
            "-i",
            str(tmp_path / "key.txt"),
            "-o",
            str(tmp_path / "out"),
            str(tmp_path / "e.age"),
        ],
        check=True,
    )
    assert (tmp_path / "out").read_bytes() == src.read_bytes()


@NEEDS_AGE
def test_we_decrypt_what_standard_age_encrypts(tmp_path: Path, secrets: ArchiveSecrets) -> None:
    src = _evidence(tmp_path, 300_000)
    subprocess.run(
        [str(AGE), "-r", secrets.recipient, "-o", str(tmp_path / "e.age"), str(src)], check=True
    )
    digest = hashlib.sha256(src.read_bytes()).hexdigest()
    assert (
        decrypt_bytes(tmp_path / "e.age", secrets.identity, expected_sha256=digest, what="E")
        == src.read_bytes()
    )
